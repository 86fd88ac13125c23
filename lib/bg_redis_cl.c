/*
 * bg_redis_cl.c - bg_redis's Cluster mode: appends become one bg_cluster pipe, SCAN walks every master.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_cluster_int.h"
#include "bg_redis_cl.h"
#include "bg_util.h"

#define SCAN_EPOCHS 10000 /* the map number kept in a SCAN cursor: refreshes mod this */

/* One appended command: its place in the pipe, or a reply or error held here (SCAN, refusals). */
struct entry {
	long pipe_i; /* -1: not in the pipe */
	redisReply *reply;
	char *error;
};

struct bg_redis_cl {
	struct bg_cluster *c;
	struct bg_cluster_pipe *pipe; /* NULL between pipelines */
	struct entry *e;
	size_t n, cap, next;
	int ran;
	char *refused; /* the first command refused before the pipe: nothing of this pipeline is sent */
	char *address;
	char err[256];
};

/* Joins the seeds with commas. */
static char *
join_seeds(const struct bg_strlist *l)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	s = bg_xcalloc(1, len);
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, l->v[i]);
	}
	return s;
}

struct bg_redis_cl *
bg_redis_cl_new(const struct bg_redis_conf *conf, const char **err)
{
	struct bg_cluster *cl =
	    bg_cluster_new((const char *const *)conf->cluster_nodes.v, conf->cluster_nodes.n, conf, err);
	struct bg_redis_cl *c;

	if (cl == NULL)
		return NULL;
	c = bg_xcalloc(1, sizeof(*c));
	c->c = cl;
	c->address = join_seeds(&conf->cluster_nodes);
	return c;
}

/* Ends the pipeline: frees the pipe and every reply not handed out. */
static void
reset(struct bg_redis_cl *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->e[i].reply != NULL)
			freeReplyObject(c->e[i].reply);
		free(c->e[i].error);
	}
	bg_cluster_pipe_free(c->pipe);
	c->pipe = NULL;
	c->n = c->next = 0;
	c->ran = 0;
	free(c->refused);
	c->refused = NULL;
}

void
bg_redis_cl_free(struct bg_redis_cl *c)
{
	if (c == NULL)
		return;
	reset(c);
	free(c->e);
	bg_cluster_free(c->c);
	free(c->address);
	free(c);
}

int
bg_redis_cl_connect(struct bg_redis_cl *c)
{
	if (bg_cluster_master_count(c->c) >= 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", bg_cluster_error(c->c));
	return -1;
}

/* Adds an entry; returns it. */
static struct entry *
push(struct bg_redis_cl *c, long pipe_i)
{
	struct entry *e;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->e = bg_xreallocarray(c->e, c->cap, sizeof(*c->e));
	}
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->pipe_i = pipe_i;
	return e;
}

/*
 * Adds an entry that fails with why, and fails the whole pipeline: a command
 * left out of an open transaction must not let the rest of it run.
 */
static void
push_refused(struct bg_redis_cl *c, const char *why)
{
	push(c, -1)->error = bg_xstrdup(why);
	if (c->refused == NULL)
		c->refused = bg_xstrdup(why);
}

/* Finds the keys of a command by its name: *first and *count (0 for none). */
static void
key_span(int argc, const char **argv, int *first, int *count)
{
	static const char *const all[] = {"DEL", "EXISTS", "UNLINK", "MGET", "TOUCH"};
	long nk;

	*first = 1;
	*count = argc > 1 ? 1 : 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcasecmp(argv[0], all[i]) == 0)
			*count = argc - 1;
	if ((strcasecmp(argv[0], "EVAL") == 0 || strcasecmp(argv[0], "EVALSHA") == 0) && argc >= 3) {
		nk = strtol(argv[2], NULL, 10);
		*first = 3;
		*count = nk >= 0 && nk <= argc - 3 ? (int)nk : -1;
	}
}

/* Rewrites a SCAN reply's cursor into the walk's cursor (master i of count, map epoch). */
static void
walk_cursor(redisReply *rep, int i, int count, unsigned long epoch)
{
	redisReply *cur = rep->element[0];
	char buf[96];
	int done = strcmp(cur->str, "0") == 0;

	if (done && i + 1 >= count)
		snprintf(buf, sizeof(buf), "0");
	else
		snprintf(buf, sizeof(buf), "%s.%d.%lu", done ? "0" : cur->str, done ? i + 1 : i, epoch);
	free(cur->str);
	cur->str = bg_xstrdup(buf);
	cur->len = strlen(buf);
}

/* Runs one step of a SCAN walk now and holds its reply (or error) in a new entry. */
static void
scan_step(struct bg_redis_cl *c, int argc, const char **argv, const size_t *argvlen)
{
	struct bg_cluster_stats st;
	char cursor[32] = "0", addr[BG_CLUSTER_ADDR_MAX], why[300];
	const char **a;
	unsigned long epoch = 0;
	int i = 0, count = bg_cluster_master_count(c->c);
	redisReply *rep;

	bg_cluster_stats(c->c, &st);
	if (count < 0) {
		snprintf(why, sizeof(why), "SCAN: %s", bg_cluster_error(c->c));
		push_refused(c, why);
		return;
	}
	if (argc < 2 || (strcmp(argv[1], "0") != 0 && sscanf(argv[1], "%31[0-9].%d.%lu", cursor, &i, &epoch) != 3)) {
		push_refused(c, "SCAN: not a cluster cursor");
		return;
	}
	if (strcmp(argv[1], "0") == 0)
		epoch = st.refreshes % SCAN_EPOCHS;
	if (epoch != st.refreshes % SCAN_EPOCHS || i < 0 || i >= count) {
		push_refused(c, "SCAN: the slot map changed during the walk; start again");
		return;
	}
	a = bg_xcalloc((size_t)argc, sizeof(*a));
	memcpy(a, argv, (size_t)argc * sizeof(*a));
	a[1] = cursor;
	bg_cluster_master_address(c->c, i, addr);
	rep = bg_cluster_command_at(c->c, addr, argc, a, NULL);
	(void)argvlen;
	free(a);
	if (rep == NULL) {
		snprintf(why, sizeof(why), "SCAN %s: %s", addr, bg_cluster_error(c->c));
		push_refused(c, why);
		return;
	}
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING)
		walk_cursor(rep, i, count, epoch);
	push(c, -1)->reply = rep;
}

/* Queues one keyed command (or MULTI, EXEC) in the pipe, or a refusal in its place. */
static void
pipe_step(struct bg_redis_cl *c, int argc, const char **argv, const size_t *argvlen)
{
	size_t before;
	int first, count;

	if (c->pipe == NULL)
		c->pipe = bg_cluster_pipe_new(c->c);
	before = bg_cluster_pipe_count(c->pipe);
	if (strcasecmp(argv[0], "MULTI") == 0)
		(void)bg_cluster_pipe_multi(c->pipe);
	else if (strcasecmp(argv[0], "EXEC") == 0)
		(void)bg_cluster_pipe_exec(c->pipe);
	else {
		key_span(argc, argv, &first, &count);
		if (count < 0) {
			push_refused(c, "EVAL: bad numkeys");
			return;
		}
		(void)bg_cluster_pipe_add(c->pipe, argc, argv, argvlen, first, count);
	}
	if (bg_cluster_pipe_count(c->pipe) == before)
		push_refused(c, bg_cluster_error(c->c)); /* nothing queued: MULTI or EXEC out of place, pipe full */
	else
		push(c, (long)before);
}

/*
 * Before a command is appended to a pipeline that ran: keeps the replies
 * not yet handed out (in order) and starts a new pipe for what comes next.
 */
static void
detach(struct bg_redis_cl *c)
{
	size_t k = 0;

	for (size_t i = c->next; i < c->n; i++, k++) {
		struct entry *e = &c->e[i];
		if (e->pipe_i >= 0) {
			const char *why = bg_cluster_pipe_error(c->pipe, (size_t)e->pipe_i);
			e->reply = bg_cluster_pipe_take(c->pipe, (size_t)e->pipe_i);
			e->error = e->reply == NULL ? bg_xstrdup(why ? why : "no reply") : NULL;
			e->pipe_i = -1;
		}
		c->e[k] = *e;
	}
	c->n = k;
	c->next = 0;
	bg_cluster_pipe_free(c->pipe);
	c->pipe = NULL;
	c->ran = 0;
}

int
bg_redis_cl_append(struct bg_redis_cl *c, int argc, const char **argv, const size_t *argvlen)
{
	if (c->ran)
		detach(c);
	if (argc < 1)
		push_refused(c, "empty command");
	else if (strcasecmp(argv[0], "SCAN") == 0)
		scan_step(c, argc, argv, argvlen);
	else if (strcasecmp(argv[0], "DISCARD") == 0)
		push_refused(c, "DISCARD is not supported on a Redis Cluster");
	else
		pipe_step(c, argc, argv, argvlen);
	return 0;
}

int
bg_redis_cl_wait(struct bg_redis_cl *c)
{
	if (bg_cluster_wait(c->c) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", bg_cluster_error(c->c));
	return -1;
}

int
bg_redis_cl_flush(struct bg_redis_cl *c)
{
	if (c->refused != NULL) {
		snprintf(c->err, sizeof(c->err), "%s", c->refused);
		return -1;
	}
	if (c->pipe == NULL || c->ran)
		return 0;
	c->ran = 1;
	if (bg_cluster_pipe_run(c->pipe) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "%s", bg_cluster_error(c->c));
	return -1;
}

redisReply *
bg_redis_cl_reply(struct bg_redis_cl *c)
{
	struct entry *e;
	redisReply *rep;
	const char *why;

	if (c->next >= c->n) {
		snprintf(c->err, sizeof(c->err), "no command queued");
		return NULL;
	}
	if (c->refused != NULL) {
		snprintf(c->err, sizeof(c->err), "%s", c->refused);
		reset(c);
		return NULL;
	}
	(void)bg_redis_cl_flush(c);
	e = &c->e[c->next++];
	if (e->pipe_i >= 0) {
		rep = bg_cluster_pipe_take(c->pipe, (size_t)e->pipe_i);
		why = rep == NULL ? bg_cluster_pipe_error(c->pipe, (size_t)e->pipe_i) : NULL;
	} else {
		rep = e->reply, e->reply = NULL;
		why = e->error;
	}
	if (rep == NULL)
		snprintf(c->err, sizeof(c->err), "%s", why ? why : "no reply");
	if (rep == NULL || c->next == c->n)
		reset(c);
	return rep;
}

const char *
bg_redis_cl_error(const struct bg_redis_cl *c)
{
	return c->err;
}

const char *
bg_redis_cl_address(const struct bg_redis_cl *c)
{
	return c->address;
}

void
bg_redis_cl_set_error(struct bg_redis_cl *c, const char *text)
{
	snprintf(c->err, sizeof(c->err), "%s", text);
}
