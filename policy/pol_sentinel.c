/*
 * pol_sentinel.c - the sentinels asked without blocking policyd's loop.
 *
 * One question at a time, one sentinel at a time. A connection being given
 * up has its data cleared before hiredis frees it, so callbacks that hiredis
 * still runs for it (with NULL replies) find nothing and return: the
 * question is never touched through a connection it has left.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "bg_redis.h"
#include "bg_util.h"
#include "pol_sentinel.h"

struct pol_sentinel {
	struct event_base *base;
	struct bg_sentinel *s;
	long timeout_ms;
	size_t k; /* the sentinel being asked, as bg_sentinel_nth counts */
	redisAsyncContext *ac;
	struct event *timer; /* this sentinel's deadline */
	struct event *start; /* the first question, asked from the loop (cb never runs inside pol_sentinel_ask) */
	pol_sentinel_cb cb;
	void *arg;
	const char *why; /* static: why the last sentinel failed */
};

static void ask_next(struct pol_sentinel *q);

/* Leaves the current connection: hiredis frees it (later, when inside its callback). */
static void
leave(struct pol_sentinel *q)
{
	redisAsyncContext *ac = q->ac;

	evtimer_del(q->timer);
	if (ac == NULL)
		return;
	q->ac = NULL;
	ac->data = NULL;
	redisAsyncFree(ac);
}

/* Gives the caller its answer, then frees q. */
static void
finish(struct pol_sentinel *q, const char *address, const char *why)
{
	leave(q);
	q->cb(q->arg, address, why);
	event_free(q->timer);
	event_free(q->start);
	free(q);
}

/* The current sentinel failed: the next one is asked. */
static void
fail_one(struct pol_sentinel *q, const char *why)
{
	q->why = why;
	leave(q);
	q->k++;
	ask_next(q);
}

/* The answer to SENTINEL get-master-addr-by-name. */
static void
master_reply(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pol_sentinel *q = ac->data;
	char addr[BG_SENTINEL_ADDR_MAX];
	const redisReply *reply = rep;
	const char *why;

	(void)privdata;
	if (q == NULL || q->ac != ac)
		return;
	if (reply == NULL) {
		fail_one(q, "sentinel did not answer");
	} else if (reply->type == REDIS_REPLY_ERROR) {
		fail_one(q, "sentinel refused the query");
	} else if (bg_sentinel_parse_master(reply, addr, &why) < 0) {
		fail_one(q, why);
	} else {
		bg_sentinel_answered(q->s, q->k);
		finish(q, addr, NULL);
	}
}

/* The answer to AUTH: anything but +OK fails this sentinel (its master reply then finds q gone). */
static void
auth_reply(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pol_sentinel *q = ac->data;
	const redisReply *reply = rep;

	(void)privdata;
	if (q == NULL || q->ac != ac || (reply != NULL && reply->type == REDIS_REPLY_STATUS))
		return;
	fail_one(q, reply == NULL ? "AUTH got no answer" : "AUTH refused");
}

/* Forgets a connection hiredis is freeing itself: its later callbacks find no question. */
static void
drop_ac(struct pol_sentinel *q, const redisAsyncContext *ac)
{
	q->ac = NULL;
	((redisAsyncContext *)ac)->data = NULL;
}

/* The connection to a sentinel ended before its answer. */
static void
gone(const redisAsyncContext *ac, int status)
{
	struct pol_sentinel *q = ac->data;

	(void)status;
	if (q == NULL || q->ac != ac)
		return;
	drop_ac(q, ac);
	fail_one(q, "sentinel unreachable");
}

/* The connection was made, or not. */
static void
connected(const redisAsyncContext *ac, int status)
{
	struct pol_sentinel *q = ac->data;

	if (q == NULL || q->ac != ac || status == REDIS_OK)
		return;
	drop_ac(q, ac);
	fail_one(q, "sentinel unreachable");
}

/* The sentinel took longer than two timeouts. */
static void
too_slow(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fail_one(arg, "sentinel did not answer in time");
}

/* Queues AUTH (when the sentinels have a password) and the question on q's new connection. */
static void
queue_question(struct pol_sentinel *q)
{
	const char *pw = bg_sentinel_password(q->s), *user = bg_sentinel_user(q->s);
	const char *auth[3] = {"AUTH", user != NULL ? user : pw, pw};
	const char *ask[3] = {"SENTINEL", "get-master-addr-by-name", bg_sentinel_master_name(q->s)};

	if (pw != NULL)
		redisAsyncCommandArgv(q->ac, auth_reply, NULL, user != NULL ? 3 : 2, auth, NULL);
	redisAsyncCommandArgv(q->ac, master_reply, NULL, 3, ask, NULL);
}

/* Asks the k-th sentinel, or gives up when every one has failed. */
static void
ask_next(struct pol_sentinel *q)
{
	struct timeval tv = {2 * q->timeout_ms / 1000, (2 * q->timeout_ms % 1000) * 1000};
	redisAsyncContext *ac;
	char *host;
	int port;

	for (; q->k < bg_sentinel_count(q->s); q->k++) {
		if (bg_redis_split_address(bg_sentinel_nth(q->s, q->k), &host, &port) < 0 || port == 0) {
			free(host);
			q->why = "malformed sentinel address";
			continue;
		}
		ac = redisAsyncConnect(host, port);
		free(host);
		if (ac == NULL || ac->err) {
			if (ac != NULL)
				redisAsyncFree(ac);
			q->why = "sentinel unreachable";
			continue;
		}
		ac->data = q;
		q->ac = ac;
		redisLibeventAttach(ac, q->base);
		redisAsyncSetConnectCallback(ac, connected);
		redisAsyncSetDisconnectCallback(ac, gone);
		queue_question(q);
		evtimer_add(q->timer, &tv);
		return;
	}
	finish(q, NULL, q->why);
}

/* Asks the first sentinel, from the loop. */
static void
start_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ask_next(arg);
}

struct pol_sentinel *
pol_sentinel_ask(struct event_base *base, struct bg_sentinel *s, long timeout_ms, pol_sentinel_cb cb, void *arg)
{
	struct pol_sentinel *q = bg_xcalloc(1, sizeof(*q));

	q->base = base;
	q->s = s;
	q->timeout_ms = timeout_ms > 0 ? timeout_ms : 250;
	q->cb = cb;
	q->arg = arg;
	q->why = "no sentinel configured";
	q->timer = evtimer_new(base, too_slow, q);
	q->start = event_new(base, -1, 0, start_cb, q);
	event_active(q->start, 0, 0);
	return q;
}

void
pol_sentinel_cancel(struct pol_sentinel *q)
{
	if (q == NULL)
		return;
	leave(q);
	event_free(q->timer);
	event_free(q->start);
	free(q);
}
