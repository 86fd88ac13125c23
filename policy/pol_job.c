/*
 * pol_job.c - one script call, as both of policyd's Redis clients keep it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bg_metrics.h"
#include "bg_util.h"
#include "pol_job.h"

struct timeval
pol_ms_tv(long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return tv;
}

void
pol_job_init(struct pol_job *j, struct event_base *base, event_callback_fn on_timeout, void *timeout_arg, int argc,
             const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg)
{
	j->sent = bg_metrics_now();
	j->argv = bg_xcalloc((size_t)argc, sizeof(*argv));
	j->argvlen = bg_xcalloc((size_t)argc, sizeof(*argvlen));
	memcpy(j->argv, argv, (size_t)argc * sizeof(*argv));
	memcpy(j->argvlen, argvlen, (size_t)argc * sizeof(*argvlen));
	j->argc = argc;
	j->cb = cb;
	j->arg = arg;
	j->timer = evtimer_new(base, on_timeout, timeout_arg);
}

void
pol_job_arm(struct pol_job *j, long timeout_ms)
{
	struct timeval tv = pol_ms_tv(timeout_ms);

	evtimer_add(j->timer, &tv);
}

void
pol_job_script(struct pol_job *j, const char *sha, const char *script)
{
	j->argv[0] = sha[0] ? "EVALSHA" : "EVAL";
	j->argvlen[0] = strlen(j->argv[0]);
	j->argv[1] = sha[0] ? sha : script;
	j->argvlen[1] = strlen(j->argv[1]);
}

void
pol_job_answer(struct pol_job *j, const redisReply *reply, const char *why)
{
	pol_redis_cb cb = j->cb;

	if (cb == NULL)
		return;
	j->cb = NULL;
	evtimer_del(j->timer);
	if (reply != NULL)
		bg_metrics_redis_latency(bg_metrics_now() - j->sent);
	else
		bg_metrics_redis_error(strcmp(why, "timeout") == 0           ? "timeout"
		                       : strcmp(why, "connection lost") == 0 ? "io"
		                                                             : "reply");
	cb(j->arg, reply, why);
}

/* A deep copy of a reply, made with hiredis's allocator so freeReplyObject frees it. */
static redisReply *
reply_copy(const redisReply *in)
{
	redisReply *out = bg_xcalloc(1, sizeof(*out));

	out->type = in->type;
	out->integer = in->integer;
	if (in->str != NULL) {
		out->str = bg_xstrndup(in->str, in->len);
		out->len = in->len;
	}
	if (in->element != NULL) {
		out->element = bg_xcalloc(in->elements ? in->elements : 1, sizeof(*out->element));
		out->elements = in->elements;
		for (size_t i = 0; i < in->elements; i++)
			out->element[i] = reply_copy(in->element[i]);
	}
	return out;
}

void
pol_job_hold(struct pol_job *j, const redisReply *reply)
{
	if (j->held != NULL)
		freeReplyObject(j->held);
	j->held = reply_copy(reply);
}

void
pol_job_release_held(struct pol_job *j, bool replicated, const char *why)
{
	if (j->held == NULL)
		return;
	pol_job_answer(j, replicated ? j->held : NULL, replicated ? NULL : why);
	freeReplyObject(j->held);
	j->held = NULL;
}

void
pol_job_fini(struct pol_job *j)
{
	event_free(j->timer);
	if (j->held != NULL)
		freeReplyObject(j->held);
	free(j->argv);
	free(j->argvlen);
}
