/*
 * pol_redis.c - the policy daemon's asynchronous Redis connection.
 *
 * A job is one script call. It is freed in exactly one place, job_done,
 * after hiredis has returned its reply (or NULL when the connection goes):
 * a job whose timer fired first has already answered its caller and just
 * waits there for hiredis to let go. A timeout also drops the connection,
 * since a Redis that does not answer one command in time answers none.
 * AUTH and SELECT are the first commands queued on each new connection, so
 * they reach Redis before any job; a refused one drops the connection, and
 * its reason (never the password) is what the jobs queued behind it get.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "bg_metrics.h"
#include "bg_redis.h"
#include "bg_util.h"
#include "pol_cluster.h"
#include "pol_redis.h"

#define RETRY_MS 500 /* between connection attempts */

struct pol_redis {
	struct event_base *base;
	char *host;
	int port; /* 0: host is a unix socket path */
	long timeout_ms;
	struct bg_redis_conf auth; /* user, password, db: a copy */
	char lost[192];            /* why the last connection was dropped at set-up; "" when it was not */
	const char *script;
	char sha[41]; /* "" until SCRIPT LOAD answered */
	redisAsyncContext *ac;
	int connected;
	struct event *retry;         /* reconnect timer */
	struct event *connect;       /* connect deadline */
	struct pol_cluster *cluster; /* cluster_nodes set: every call goes there, the rest is unused */
};

struct job {
	struct pol_redis *r;
	pol_redis_cb cb; /* NULL once the caller has its answer */
	void *arg;
	struct event *timer;
	const char **argv;
	size_t *argvlen;
	int argc;
	int retried; /* sent again as EVAL after NOSCRIPT */
	double sent; /* when it was sent, for bulkguard_redis_latency_seconds */
};

static void start_connect(struct pol_redis *r);

/* Milliseconds as a timeval. */
static struct timeval
ms_tv(long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return tv;
}

/* Tries to connect again in RETRY_MS. */
static void
schedule_retry(struct pol_redis *r)
{
	struct timeval tv = ms_tv(RETRY_MS);

	evtimer_add(r->retry, &tv);
}

/* Gives the caller its answer, once. */
static void
job_answer(struct job *j, const redisReply *reply, const char *why)
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

/* Frees a job hiredis has finished with. */
static void
job_done(struct job *j)
{
	event_free(j->timer);
	free(j->argv);
	free(j->argvlen);
	free(j);
}

/* Drops the connection now; pending jobs get NULL replies from hiredis. */
static void
drop(struct pol_redis *r)
{
	redisAsyncContext *ac = r->ac;

	if (ac == NULL)
		return;
	r->ac = NULL;
	r->connected = 0;
	evtimer_del(r->connect);
	redisAsyncFree(ac);
	schedule_retry(r);
}

/* Sends j's command (EVALSHA when the SHA is known, else EVAL). Returns 0 or -1. */
static int job_send(struct job *j);

static void
reply_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct job *j = privdata;
	redisReply *reply = rep;

	(void)ac;
	if (reply == NULL) {
		job_answer(j, NULL, j->r->lost[0] ? j->r->lost : "connection lost");
	} else if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0 && !j->retried &&
	           j->cb != NULL) {
		j->r->sha[0] = '\0';
		j->retried = 1;
		if (job_send(j) == 0)
			return; /* hiredis calls us again for the resent command */
		job_answer(j, NULL, "connection lost");
	} else if (reply->type == REDIS_REPLY_ERROR) {
		job_answer(j, NULL, reply->str); /* Redis' own text: WRONGTYPE, OOM, the script's error... */
	} else {
		job_answer(j, reply, NULL);
	}
	job_done(j);
}

static int
job_send(struct job *j)
{
	struct pol_redis *r = j->r;

	if (r->ac == NULL)
		return -1;
	j->argv[0] = r->sha[0] ? "EVALSHA" : "EVAL";
	j->argvlen[0] = strlen(j->argv[0]);
	j->argv[1] = r->sha[0] ? r->sha : r->script;
	j->argvlen[1] = strlen(j->argv[1]);
	return redisAsyncCommandArgv(r->ac, reply_cb, j, j->argc, j->argv, j->argvlen) == REDIS_OK ? 0 : -1;
}

/* The caller waited timeout_ms: answer a failure and drop the stuck connection. */
static void
job_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	job_answer(j, NULL, "timeout");
	drop(j->r); /* calls reply_cb(NULL) for j and every other pending job */
}

int
pol_redis_eval(struct pol_redis *r, int argc, const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg)
{
	struct job *j;
	struct timeval tv = ms_tv(r->timeout_ms);

	if (r->cluster != NULL)
		return pol_cluster_eval(r->cluster, argc, argv, argvlen, cb, arg);
	if (r->ac == NULL) {
		bg_metrics_redis_error("not_connected");
		return -1;
	}
	j = bg_xcalloc(1, sizeof(*j));
	j->sent = bg_metrics_now();
	j->argv = bg_xcalloc((size_t)argc, sizeof(*argv));
	j->argvlen = bg_xcalloc((size_t)argc, sizeof(*argvlen));
	memcpy(j->argv, argv, (size_t)argc * sizeof(*argv));
	memcpy(j->argvlen, argvlen, (size_t)argc * sizeof(*argvlen));
	j->argc = argc;
	j->r = r;
	j->cb = cb;
	j->arg = arg;
	j->timer = evtimer_new(r->base, job_timeout, j);
	if (job_send(j) < 0) {
		job_done(j);
		return -1;
	}
	evtimer_add(j->timer, &tv);
	return 0;
}

/* Remembers the SHA of the loaded script. */
static void
script_loaded(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pol_redis *r = privdata;
	redisReply *reply = rep;

	(void)ac;
	if (reply != NULL && reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(r->sha, reply->str, 41);
}

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct pol_redis *r = ac->data;

	if (r->ac != ac)
		return;
	evtimer_del(r->connect);
	if (status != REDIS_OK) {
		r->ac = NULL; /* hiredis frees it after this call */
		schedule_retry(r);
		return;
	}
	r->connected = 1;
	redisAsyncCommand(r->ac, script_loaded, r, "SCRIPT LOAD %s", r->script);
}

static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct pol_redis *r = ac->data;

	(void)status;
	if (r->ac != ac)
		return;
	r->ac = NULL; /* hiredis frees it after this call */
	r->connected = 0;
	schedule_retry(r);
}

/* The reply to AUTH or SELECT (privdata names it): anything but +OK drops the connection. */
static void
setup_reply(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pol_redis *r = ac->data;
	redisReply *reply = rep;

	if (reply == NULL || r->ac != ac || reply->type == REDIS_REPLY_STATUS)
		return;
	snprintf(r->lost, sizeof(r->lost), "%s refused: %.128s", (const char *)privdata,
	         reply->type == REDIS_REPLY_ERROR && reply->str ? reply->str : "unexpected reply");
	drop(r); /* hiredis frees the context when this callback returns */
}

/* Queues AUTH and SELECT, as configured, ahead of everything on a new connection. */
static void
queue_setup(struct pol_redis *r)
{
	const char *argv[3] = {"AUTH", r->auth.user, r->auth.password};
	char db[24];

	r->lost[0] = '\0';
	if (r->auth.password != NULL) {
		if (r->auth.user == NULL)
			argv[1] = r->auth.password;
		redisAsyncCommandArgv(r->ac, setup_reply, (void *)"AUTH", r->auth.user ? 3 : 2, argv, NULL);
	}
	if (r->auth.db != 0) {
		snprintf(db, sizeof(db), "%ld", r->auth.db);
		argv[0] = "SELECT";
		argv[1] = db;
		redisAsyncCommandArgv(r->ac, setup_reply, (void *)"SELECT", 2, argv, NULL);
	}
}

/* Connecting took longer than timeout_ms. */
static void
connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drop(arg);
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_connect(arg);
}

/* Starts a non-blocking connection; failures schedule another try. */
static void
start_connect(struct pol_redis *r)
{
	redisAsyncContext *ac;
	struct timeval tv = ms_tv(r->timeout_ms);

	ac = r->port ? redisAsyncConnect(r->host, r->port) : redisAsyncConnectUnix(r->host);
	if (ac == NULL || ac->err) {
		if (ac != NULL)
			redisAsyncFree(ac);
		schedule_retry(r);
		return;
	}
	ac->data = r;
	r->ac = ac;
	redisLibeventAttach(ac, r->base);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
	queue_setup(r);
	evtimer_add(r->connect, &tv);
}

struct pol_redis *
pol_redis_new(struct event_base *base, const struct bg_redis_conf *conf, const char *script, const char **err)
{
	struct pol_redis *r;

	r = bg_xcalloc(1, sizeof(*r));
	if (conf->cluster_nodes.n > 0) { /* never the default address instead */
		if ((r->cluster = pol_cluster_new(base, conf, script, err)) == NULL) {
			free(r);
			return NULL;
		}
		return r;
	}
	if (bg_redis_split_address(conf->address, &r->host, &r->port) < 0) {
		*err = "redis address must be host:port, [v6]:port or unix:/path";
		free(r->host);
		free(r);
		return NULL;
	}
	r->base = base;
	r->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 250;
	bg_redis_conf_copy(&r->auth, conf);
	r->script = script;
	r->retry = evtimer_new(base, retry_cb, r);
	r->connect = evtimer_new(base, connect_timeout, r);
	start_connect(r);
	return r;
}

void
pol_redis_free(struct pol_redis *r)
{
	if (r == NULL)
		return;
	if (r->cluster != NULL) {
		pol_cluster_free(r->cluster);
		free(r);
		return;
	}
	drop(r);
	event_free(r->retry);
	event_free(r->connect);
	free(r->host);
	bg_redis_conf_clear(&r->auth);
	free(r);
}
