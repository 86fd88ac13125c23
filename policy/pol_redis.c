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
 *
 * With sentinels, each connection starts with a question to them on the
 * loop (pol_sentinel: never blocking) and ROLE queued after AUTH: no job is taken until
 * ROLE says master, and a READONLY reply drops the connection so the next
 * one asks the sentinels again. With WAIT on (redis.wait_replicas), the
 * script calls sent in one round of the event loop are followed by one WAIT
 * on the same connection (a batch: WAIT covers every earlier write of the
 * connection); each script's reply is kept (a copy) until that WAIT
 * answers, and only then given to its caller, or a failure when too few
 * replicas have the charges. A job then has two callbacks to come (its
 * script's and its batch's), and is freed when the last one has run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "bg_metrics.h"
#include "bg_redis.h"
#include "bg_sentinel.h"
#include "bg_util.h"
#include "pol_cluster.h"
#include "pol_job.h"
#include "pol_redis.h"
#include "pol_sentinel.h"

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
	struct bg_sentinel *sent;    /* NULL: host and port are the master */
	struct pol_sentinel *asking; /* the sentinels being asked, or NULL */
	int role_ok;                 /* ROLE said master on this connection (always 1 without sentinels) */
	long wait_replicas;          /* 0: no WAIT */
	long wait_timeout_ms;
	unsigned gen;      /* counts connections: a WAIT confirms only what its own connection carried */
	struct job **open; /* jobs sent since the last WAIT */
	size_t nopen, capopen;
	struct event *flush;         /* sends the WAIT for the open jobs, once this round of the loop is done */
	struct event *retry;         /* reconnect timer */
	struct event *connect;       /* connect deadline */
	struct pol_cluster *cluster; /* cluster_nodes set: every call goes there, the rest is unused */
};

struct job {
	struct pol_job job; /* the caller, the arguments, the deadline, the held reply */
	struct pol_redis *r;
	int retried;  /* sent again as EVAL after NOSCRIPT */
	int pending;  /* hiredis callbacks still to come */
	unsigned gen; /* the connection the script went on */
};

static void start_connect(struct pol_redis *r);
static void connect_master(struct pol_redis *r);

/* Tries to connect again in RETRY_MS. */
static void
schedule_retry(struct pol_redis *r)
{
	struct timeval tv = pol_ms_tv(RETRY_MS);

	evtimer_add(r->retry, &tv);
}

/* Frees a job hiredis has finished with. */
static void
job_done(struct job *j)
{
	pol_job_fini(&j->job);
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
	r->role_ok = r->sent == NULL;
	evtimer_del(r->connect);
	redisAsyncFree(ac);
	schedule_retry(r);
}

/* Sends j's command (EVALSHA when the SHA is known, else EVAL). Returns 0 or -1. */
static int job_send(struct job *j);

/* True for a READONLY error: the connection reached a replica. */
static int
is_readonly(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_ERROR && reply->str != NULL && strncmp(reply->str, "READONLY", 8) == 0;
}

/* Counts one of j's callbacks done; the last frees it. */
static void
job_release(struct job *j)
{
	if (--j->pending == 0)
		job_done(j);
}

static void
reply_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct job *j = privdata;
	redisReply *reply = rep;
	struct pol_redis *r = j->r;

	(void)ac;
	if (reply == NULL) {
		pol_job_answer(&j->job, NULL, r->lost[0] ? r->lost : "connection lost");
	} else if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0 && !j->retried &&
	           j->job.cb != NULL) {
		r->sha[0] = '\0';
		j->retried = 1;
		if (job_send(j) < 0)
			pol_job_answer(&j->job, NULL, "connection lost");
	} else if (reply->type == REDIS_REPLY_ERROR) {
		pol_job_answer(&j->job, NULL, reply->str); /* Redis' own text: WRONGTYPE, OOM, the script's error... */
		if (is_readonly(reply) && r->sent != NULL && r->ac == ac)
			drop(r); /* a replica now: ask the sentinels again */
	} else if (r->wait_replicas > 0 && j->job.cb != NULL) {
		pol_job_hold(&j->job, reply); /* answered when WAIT says a replica has it */
	} else {
		pol_job_answer(&j->job, reply, NULL);
	}
	job_release(j);
}

/* The jobs one WAIT covers. */
struct batch {
	struct pol_redis *r;
	unsigned gen; /* the connection the WAIT went on */
	size_t n;
	struct job *jobs[];
};

/* Answers a batch's held replies by WAIT's reply (NULL: lost), releases its jobs and frees it. */
static void
batch_done(struct batch *b, const redisReply *reply)
{
	int ok = reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer >= b->r->wait_replicas;

	for (size_t i = 0; i < b->n; i++) {
		struct job *j = b->jobs[i];

		/* without a held reply: answered already, or a NOSCRIPT retry's later batch answers */
		pol_job_release_held(&j->job, ok && j->gen == b->gen, "WAIT: too few replicas have the charge");
		job_release(j);
	}
	free(b);
}

/* WAIT's reply for a batch. */
static void
wait_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	(void)ac;
	batch_done(privdata, rep);
}

/* Sends one WAIT for the jobs sent since the last one (the flush event). */
static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pol_redis *r = arg;
	struct batch *b;

	(void)fd;
	(void)what;
	if (r->nopen == 0)
		return;
	b = bg_xcalloc(1, sizeof(*b) + r->nopen * sizeof(b->jobs[0]));
	b->r = r;
	b->gen = r->gen;
	b->n = r->nopen;
	memcpy(b->jobs, r->open, r->nopen * sizeof(b->jobs[0]));
	r->nopen = 0;
	if (r->ac == NULL ||
	    redisAsyncCommand(r->ac, wait_cb, b, "WAIT %ld %ld", r->wait_replicas, r->wait_timeout_ms) != REDIS_OK)
		batch_done(b, NULL);
}

/* Puts j in the next WAIT's batch, and makes sure that WAIT goes out. */
static void
batch_add(struct pol_redis *r, struct job *j)
{
	if (r->nopen == r->capopen) {
		r->capopen = r->capopen ? 2 * r->capopen : 64;
		r->open = bg_xreallocarray(r->open, r->capopen, sizeof(*r->open));
	}
	r->open[r->nopen++] = j;
	j->gen = r->gen;
	j->pending++;
	if (r->nopen == 1)
		event_active(r->flush, 0, 0);
}

static int
job_send(struct job *j)
{
	struct pol_redis *r = j->r;

	if (r->ac == NULL)
		return -1;
	pol_job_script(&j->job, r->sha, r->script);
	if (redisAsyncCommandArgv(r->ac, reply_cb, j, j->job.argc, j->job.argv, j->job.argvlen) != REDIS_OK)
		return -1;
	j->pending++;
	if (r->wait_replicas > 0)
		batch_add(r, j);
	return 0;
}

/* The caller waited timeout_ms: answer a failure and drop the stuck connection. */
static void
job_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd;
	(void)what;
	pol_job_answer(&j->job, NULL, "timeout");
	drop(j->r); /* calls reply_cb(NULL) for j and every other pending job */
}

int
pol_redis_eval(struct pol_redis *r, int argc, const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg)
{
	struct job *j;

	if (r->cluster != NULL)
		return pol_cluster_eval(r->cluster, argc, argv, argvlen, cb, arg);
	if (r->ac == NULL || !r->role_ok) {
		bg_metrics_redis_error("not_connected");
		return -1;
	}
	j = bg_xcalloc(1, sizeof(*j));
	pol_job_init(&j->job, r->base, job_timeout, j, argc, argv, argvlen, cb, arg);
	j->r = r;
	if (job_send(j) < 0) {
		job_done(j);
		return -1;
	}
	pol_job_arm(&j->job, r->timeout_ms);
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

/* ROLE's reply on a connection found through the sentinels: jobs are taken once it says master. */
static void
role_reply(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pol_redis *r = ac->data;

	(void)privdata;
	if (rep == NULL || r->ac != ac)
		return;
	if (bg_sentinel_role_is_master(rep)) {
		r->role_ok = 1;
		return;
	}
	snprintf(r->lost, sizeof(r->lost), "%s", "not a master (ROLE)");
	bg_sentinel_distrust(r->sent); /* the next connection asks another sentinel first */
	drop(r);                       /* hiredis frees the context when this callback returns */
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
	if (r->sent != NULL)
		redisAsyncCommand(r->ac, role_reply, NULL, "ROLE");
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

/* The sentinels' answer: connect to the master they name, or try again later. */
static void
located(void *arg, const char *address, const char *why)
{
	struct pol_redis *r = arg;
	char *host;
	int port;

	r->asking = NULL;
	if (address == NULL || bg_redis_split_address(address, &host, &port) < 0) {
		snprintf(r->lost, sizeof(r->lost), "sentinel: %s", address == NULL ? why : "unusable address");
		schedule_retry(r);
		return;
	}
	free(r->host);
	r->host = host, r->port = port;
	connect_master(r);
}

/* Starts a non-blocking connection, through the sentinels when there are some; failures schedule another try. */
static void
start_connect(struct pol_redis *r)
{
	r->role_ok = r->sent == NULL; /* with sentinels, no job until ROLE answers on this connection */
	if (r->sent == NULL)
		connect_master(r);
	else if (r->asking == NULL)
		r->asking = pol_sentinel_ask(r->base, r->sent, r->timeout_ms, located, r);
}

/* Starts a non-blocking connection to r's host and port. */
static void
connect_master(struct pol_redis *r)
{
	redisAsyncContext *ac;
	struct timeval tv = pol_ms_tv(r->timeout_ms);

	ac = r->port ? redisAsyncConnect(r->host, r->port) : redisAsyncConnectUnix(r->host);
	if (ac == NULL || ac->err) {
		if (ac != NULL)
			redisAsyncFree(ac);
		schedule_retry(r);
		return;
	}
	ac->data = r;
	r->ac = ac;
	r->gen++;
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
	r->sent = bg_sentinel_new(conf);
	r->role_ok = r->sent == NULL;
	r->wait_replicas = conf->wait_replicas > 0 ? conf->wait_replicas : 0;
	r->wait_timeout_ms = conf->wait_timeout_ms;
	r->script = script;
	r->retry = evtimer_new(base, retry_cb, r);
	r->connect = evtimer_new(base, connect_timeout, r);
	r->flush = event_new(base, -1, 0, flush_cb, r);
	start_connect(r);
	return r;
}

const char *
pol_redis_down(const struct pol_redis *r)
{
	return r->lost[0] ? r->lost : "not connected";
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
	pol_sentinel_cancel(r->asking);
	event_free(r->retry);
	event_free(r->connect);
	flush_cb(-1, 0, r); /* after drop: the open jobs get their failure */
	event_free(r->flush);
	free(r->open);
	free(r->host);
	bg_redis_conf_clear(&r->auth);
	bg_sentinel_free(r->sent);
	free(r);
}
