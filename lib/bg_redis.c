/*
 * bg_redis.c - a hiredis connection with deadlines and reconnection.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "bg_metrics.h"
#include "bg_redis.h"
#include "bg_redis_cl.h"
#include "bg_secret.h"
#include "bg_sentinel.h"
#include "bg_util.h"

#define ROLE_EVERY 1.0 /* seconds between two ROLEs of a wait_auto connection */

struct bg_redis {
	char *address;
	char *host; /* NULL for a unix socket */
	char *path;
	int port;
	struct timeval timeout;
	struct bg_redis_conf auth; /* user, password, db */
	struct bg_sentinel *sent;  /* NULL: address is the master */
	long wait_replicas;        /* 0: bg_redis_wait confirms nothing */
	long wait_timeout_ms;
	bool wait_auto;   /* a Cluster node (wait_replicas -1): WAIT for one replica when ROLE lists one */
	long replicas;    /* wait_auto: the replicas ROLE listed; -1 until asked on this connection */
	double role_at;   /* wait_auto: when ROLE was last asked (bg_metrics_now) */
	bool unconfirmed; /* a command that may write was sent since the last bg_redis_wait */
	bool lost;        /* ... and its connection was dropped since */
	bool refind;      /* READONLY seen: ask the sentinels again before the next command */
	redisContext *ctx;
	struct bg_redis_cl *cl; /* Cluster mode (cluster_nodes): every call goes there */
	char err[256];
	double sent_at; /* when the first command waiting for its reply was queued; 0: none */
};

int
bg_redis_split_address(const char *address, char **host, int *port)
{
	const char *colon;
	char *end;
	long p;

	*host = NULL;
	*port = 0;
	if (strncmp(address, "unix:", 5) == 0) {
		if (address[5] != '/')
			return -1;
		*host = bg_xstrdup(address + 5);
		return 0;
	}
	colon = strrchr(address, ':');
	if (colon == NULL || colon == address)
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -1;
	if (address[0] == '[' && colon[-1] == ']')
		*host = bg_xstrndup(address + 1, (size_t)(colon - address) - 2);
	else
		*host = bg_xstrndup(address, (size_t)(colon - address));
	if (**host == '\0') {
		free(*host);
		*host = NULL;
		return -1;
	}
	*port = (int)p;
	return 0;
}

/* Splits address into r's host and port, or its unix path; 0 or -1. */
static int
parse_address(struct bg_redis *r, const char *address)
{
	char *host;
	int port;

	if (bg_redis_split_address(address, &host, &port) < 0)
		return -1;
	if (port == 0)
		r->path = host;
	else
		r->host = host, r->port = port;
	return 0;
}

/* Copies s, or NULL for NULL and "". */
static char *
dup_set(const char *s)
{
	return s != NULL && *s != '\0' ? bg_xstrdup(s) : NULL;
}

void
bg_redis_conf_copy(struct bg_redis_conf *dst, const struct bg_redis_conf *conf)
{
	dst->address = dup_set(conf->address);
	dst->timeout_ms = conf->timeout_ms;
	dst->prefix = dup_set(conf->prefix);
	dst->user = dup_set(conf->user);
	dst->password_file = dup_set(conf->password_file);
	dst->password = dup_set(conf->password);
	dst->db = conf->db;
	memset(&dst->cluster_nodes, 0, sizeof(dst->cluster_nodes));
	for (size_t i = 0; i < conf->cluster_nodes.n; i++)
		bg_strlist_add(&dst->cluster_nodes, conf->cluster_nodes.v[i]);
}

void
bg_redis_conf_clear(struct bg_redis_conf *c)
{
	free(c->address);
	free(c->prefix);
	free(c->user);
	free(c->password_file);
	bg_secret_free(c->password);
	bg_strlist_free(&c->cluster_nodes);
	memset(c, 0, sizeof(*c));
}

/* True when two optional strings are equal (NULL and "" are the same). */
static int
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* True when two lists of seeds are equal, in order. */
static int
same_list(const struct bg_strlist *a, const struct bg_strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* True when a and b find the master and WAIT the same way. */
static int
same_sentinels(const struct bg_redis_conf *a, const struct bg_redis_conf *b)
{
	if (a->sentinels.n != b->sentinels.n)
		return 0;
	for (size_t i = 0; i < a->sentinels.n; i++)
		if (strcmp(a->sentinels.v[i], b->sentinels.v[i]) != 0)
			return 0;
	return same_str(a->master_name, b->master_name) && same_str(a->sentinel_user, b->sentinel_user) &&
	       same_str(a->sentinel_password, b->sentinel_password) && a->wait_replicas == b->wait_replicas &&
	       a->wait_timeout_ms == b->wait_timeout_ms;
}

int
bg_redis_conf_same(const struct bg_redis_conf *a, const struct bg_redis_conf *b)
{
	return same_list(&a->cluster_nodes, &b->cluster_nodes) && same_str(a->address, b->address) &&
	       a->timeout_ms == b->timeout_ms && same_str(a->user, b->user) && same_str(a->password, b->password) &&
	       a->db == b->db && same_sentinels(a, b);
}

/* Makes a handle for address with conf's timeout and credentials; db as given. */
static struct bg_redis *
make(const struct bg_redis_conf *conf, const char *address, long db, const char **err)
{
	struct bg_redis *r = bg_xcalloc(1, sizeof(*r));

	r->address = bg_xstrdup(address);
	r->timeout.tv_sec = conf->timeout_ms / 1000;
	r->timeout.tv_usec = (conf->timeout_ms % 1000) * 1000;
	r->auth.user = dup_set(conf->user);
	r->auth.password = dup_set(conf->password);
	r->auth.db = db;
	if (parse_address(r, address) < 0) {
		*err = "redis address must be host:port, [v6]:port or unix:/path";
		bg_redis_free(r);
		return NULL;
	}
	return r;
}

/* The kind of a connection's error, for bulkguard_redis_errors_total. */
static const char *
error_kind(const redisContext *ctx)
{
	if (ctx == NULL)
		return "other";
	if (ctx->err == REDIS_ERR_IO && strstr(ctx->errstr, "temporarily unavailable") != NULL)
		return "timeout";
	return ctx->err == REDIS_ERR_IO         ? "io"
	       : ctx->err == REDIS_ERR_EOF      ? "eof"
	       : ctx->err == REDIS_ERR_PROTOCOL ? "protocol"
	                                        : "other";
}

struct bg_redis *
bg_redis_new(const struct bg_redis_conf *conf, const char **err)
{
	struct bg_redis *r;
	struct bg_redis_cl *cl;

	if (conf->cluster_nodes.n > 0) {
		if ((cl = bg_redis_cl_new(conf, err)) == NULL)
			return NULL;
		r = bg_xcalloc(1, sizeof(*r));
		r->cl = cl;
		return r;
	}
	if ((r = make(conf, conf->address, conf->db, err)) == NULL)
		return NULL;
	r->sent = bg_sentinel_new(conf);
	if (r->sent != NULL) {
		free(r->address); /* named for messages until the sentinels are asked */
		r->address = bg_xstrdup("the sentinels' master");
	}
	r->wait_replicas = conf->wait_replicas > 0 ? conf->wait_replicas : 0;
	r->wait_timeout_ms = conf->wait_timeout_ms;
	return r;
}

struct bg_redis *
bg_redis_new_at(const struct bg_redis_conf *conf, const char *address, const char **err)
{
	struct bg_redis *r = make(conf, address, 0, err);
	long half = conf->timeout_ms / 2 > 0 ? conf->timeout_ms / 2 : 1;

	if (r != NULL) {
		r->wait_replicas = conf->wait_replicas > 0 ? conf->wait_replicas : 0;
		r->wait_timeout_ms = conf->wait_timeout_ms;
		r->wait_auto = conf->wait_replicas < 0;
		r->replicas = -1;
		if (r->wait_auto && r->wait_timeout_ms > half)
			r->wait_timeout_ms = half; /* a WAIT and the write before it within the caller's timeout */
	}
	return r;
}

/* Drops the connection after an error, keeping its text. */
static void
drop(struct bg_redis *r, const char *what)
{
	bg_metrics_redis_error(strncmp(what, "connect", 7) == 0 ? "connect" : error_kind(r->ctx));
	r->sent_at = 0;
	r->lost = r->lost || r->unconfirmed;
	r->refind = false;
	r->replicas = -1; /* the next connection may reach another master */
	if (r->ctx != NULL) {
		snprintf(r->err, sizeof(r->err), "%s: %s", what,
		         r->ctx->errstr[0] ? r->ctx->errstr : "connection lost");
		redisFree(r->ctx);
		r->ctx = NULL;
	} else {
		snprintf(r->err, sizeof(r->err), "%s", what);
	}
}

void
bg_redis_free(struct bg_redis *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		redisFree(r->ctx);
	bg_redis_cl_free(r->cl);
	free(r->address);
	free(r->host);
	free(r->path);
	bg_redis_conf_clear(&r->auth);
	bg_sentinel_free(r->sent);
	free(r);
}

/* Runs one set-up command (AUTH, SELECT) on a new connection; 0, or -1 with what failed (never its arguments). */
static int
setup_command(struct bg_redis *r, const char *what, int argc, const char **argv)
{
	redisReply *reply = redisCommandArgv(r->ctx, argc, argv, NULL);
	int ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;

	if (reply == NULL)
		drop(r, what);
	else if (!ok) {
		snprintf(r->err, sizeof(r->err), "%s refused: %.160s", what,
		         reply->type == REDIS_REPLY_ERROR && reply->str ? reply->str : "unexpected reply");
		redisFree(r->ctx);
		r->ctx = NULL;
	}
	if (reply != NULL)
		freeReplyObject(reply);
	return ok ? 0 : -1;
}

/* Sends AUTH and SELECT, as configured, on a new connection; 0 or -1 (the connection is dropped). */
static int
authenticate(struct bg_redis *r)
{
	const char *argv[3] = {"AUTH", r->auth.user, r->auth.password};
	char db[24];

	if (r->auth.password != NULL) {
		if (r->auth.user == NULL)
			argv[1] = r->auth.password;
		if (setup_command(r, "AUTH", r->auth.user ? 3 : 2, argv) < 0)
			return -1;
	}
	if (r->auth.db == 0)
		return 0;
	snprintf(db, sizeof(db), "%ld", r->auth.db);
	argv[0] = "SELECT";
	argv[1] = db;
	return setup_command(r, "SELECT", 2, argv);
}

/* Asks the sentinels where the master is now and aims r at it; 0, or -1 with the reason. */
static int
locate(struct bg_redis *r)
{
	char addr[BG_SENTINEL_ADDR_MAX], *host;
	const char *why;
	int port;

	if (bg_sentinel_master(r->sent, addr, &why) < 0) {
		snprintf(r->err, sizeof(r->err), "sentinel: %s", why);
		return -1;
	}
	if (bg_redis_split_address(addr, &host, &port) < 0) { /* can't happen: bg_sentinel checked it */
		snprintf(r->err, sizeof(r->err), "sentinel: unusable address");
		return -1;
	}
	free(r->host);
	free(r->address);
	r->host = host, r->port = port;
	r->address = bg_xstrdup(addr);
	return 0;
}

/* Checks that a connection found through the sentinels talks to a master; 0, or -1 (dropped). */
static int
check_role(struct bg_redis *r)
{
	const char *why;

	if (r->sent == NULL || bg_sentinel_check_role(r->ctx, &why) == 0)
		return 0;
	snprintf(r->err, sizeof(r->err), "%s: %s", r->address, why);
	redisFree(r->ctx);
	r->ctx = NULL;
	return -1;
}

/* Connects to r's address (or unix path), authenticates and, with sentinels, checks ROLE; 0 or -1. */
static int
connect_once(struct bg_redis *r)
{
	if (r->path != NULL)
		r->ctx = redisConnectUnixWithTimeout(r->path, r->timeout);
	else
		r->ctx = redisConnectWithTimeout(r->host, r->port, r->timeout);
	if (r->ctx == NULL) {
		drop(r, "connect: out of memory");
		return -1;
	}
	if (r->ctx->err || redisSetTimeout(r->ctx, r->timeout) != REDIS_OK) {
		drop(r, "connect");
		return -1;
	}
	if (r->path == NULL)
		redisEnableKeepAlive(r->ctx);
	if (authenticate(r) < 0)
		return -1;
	return check_role(r);
}

int
bg_redis_connect(struct bg_redis *r)
{
	if (r->cl != NULL)
		return bg_redis_cl_connect(r->cl);
	if (r->ctx != NULL)
		return 0;
	if (r->sent == NULL)
		return connect_once(r);
	/* a sentinel that names a dead node or a replica: the next one is asked, once each */
	for (size_t k = 0; k < bg_sentinel_count(r->sent); k++) {
		if (locate(r) < 0)
			return -1;
		if (connect_once(r) == 0)
			return 0;
		bg_sentinel_distrust(r->sent);
	}
	return -1;
}

/* Commands that write nothing: sending one leaves bg_redis_wait nothing more to confirm. */
static const char *const reads[] = {"GET",    "HGET",     "HMGET",     "HGETALL", "HLEN", "HEXISTS", "EXISTS",
                                    "MGET",   "SCAN",     "TYPE",      "TTL",     "PTTL", "ZCARD",   "ZRANGE",
                                    "ZSCORE", "XRANGE",   "XREVRANGE", "XLEN",    "PING", "ROLE",    "CLUSTER",
                                    "ASKING", "READONLY", "AUTH",      "SELECT",  "WAIT", "TIME",    "INFO"};

/* Whether cmd may write (any command not known to only read). */
static bool
may_write(const char *cmd)
{
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (strcasecmp(cmd, reads[i]) == 0)
			return false;
	return true;
}

int
bg_redis_append(struct bg_redis *r, int argc, const char **argv, const size_t *argvlen)
{
	if (r->cl != NULL)
		return bg_redis_cl_append(r->cl, argc, argv, argvlen);
	if (r->refind)
		drop(r, "READONLY: the master moved");
	if (bg_redis_connect(r) < 0)
		return -1;
	if (redisAppendCommandArgv(r->ctx, argc, argv, argvlen) != REDIS_OK) {
		drop(r, "append");
		return -1;
	}
	if (r->sent_at == 0)
		r->sent_at = bg_metrics_now();
	if (argc > 0 && (r->wait_replicas > 0 || r->wait_auto) && may_write(argv[0]))
		r->unconfirmed = true;
	return 0;
}

/* True for a READONLY error: the connection reached a replica. */
static bool
is_readonly(const redisReply *reply)
{
	return reply->type == REDIS_REPLY_ERROR && reply->str != NULL && strncmp(reply->str, "READONLY", 8) == 0;
}

redisReply *
bg_redis_reply(struct bg_redis *r)
{
	void *reply = NULL;

	if (r->cl != NULL)
		return bg_redis_cl_reply(r->cl);
	if (r->ctx == NULL) {
		snprintf(r->err, sizeof(r->err), "not connected");
		return NULL;
	}
	if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
		drop(r, "reply");
		return NULL;
	}
	if (r->sent_at > 0) /* the pipeline's first reply: one round trip */
		bg_metrics_redis_latency(bg_metrics_now() - r->sent_at);
	r->sent_at = 0;
	if (r->sent != NULL && is_readonly(reply))
		r->refind = true;
	return reply;
}

/*
 * wait_auto: how many replicas WAIT asks for on this master: 1 when ROLE
 * lists one, else 0 (no replica could take over without the write). ROLE is
 * asked again at most every ROLE_EVERY seconds, and after a WAIT that fell
 * short; -1 when it cannot be read (the wait then fails).
 */
static long
auto_need(struct bg_redis *r)
{
	const char *argv[] = {"ROLE"};
	redisReply *reply;
	double now = bg_metrics_now();

	if (r->replicas >= 0 && now - r->role_at < ROLE_EVERY)
		return r->replicas > 0;
	if (bg_redis_append(r, 1, argv, NULL) < 0 || (reply = bg_redis_reply(r)) == NULL)
		return -1;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= 3 && reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "master") == 0 && reply->element[2]->type == REDIS_REPLY_ARRAY) {
		r->replicas = (long)reply->element[2]->elements;
		r->role_at = now;
	} else {
		bg_redis_reply_error(r, reply, "ROLE: not a master");
		r->replicas = -1;
	}
	freeReplyObject(reply);
	return r->replicas < 0 ? -1 : r->replicas > 0;
}

int
bg_redis_wait(struct bg_redis *r)
{
	char n[24], ms[24];
	const char *argv[] = {"WAIT", n, ms};
	redisReply *reply;
	bool lost = r->lost;
	long long got;
	long need = r->wait_replicas;

	if (r->cl != NULL) /* a Cluster: each master's connection confirms its own writes */
		return bg_redis_cl_wait(r->cl);
	if ((need == 0 && !r->wait_auto) || !r->unconfirmed) {
		r->unconfirmed = r->lost = false;
		return 0;
	}
	r->unconfirmed = r->lost = false;
	if (lost) {
		snprintf(r->err, sizeof(r->err), "WAIT: the connection of the writes was lost");
		return -1;
	}
	if (r->wait_auto && (need = auto_need(r)) <= 0) {
		r->unconfirmed = r->lost = false;
		return (int)need; /* 0: no replica to wait for; -1: ROLE unreadable */
	}
	snprintf(n, sizeof(n), "%ld", need);
	snprintf(ms, sizeof(ms), "%ld", r->wait_timeout_ms);
	if (bg_redis_append(r, 3, argv, NULL) < 0 || (reply = bg_redis_reply(r)) == NULL)
		return -1;
	r->unconfirmed = r->lost = false;
	got = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
	if (got < need)
		bg_redis_reply_error(r, reply, "WAIT: too few replicas");
	if (got >= 0 && got < need)
		snprintf(r->err, sizeof(r->err), "WAIT: %lld of %ld replicas within %ld ms", got, need,
		         r->wait_timeout_ms);
	if (got < need)
		r->replicas = -1; /* ask ROLE again: the replica may be gone for good */
	freeReplyObject(reply);
	return got >= need ? 0 : -1;
}

int
bg_redis_flush(struct bg_redis *r)
{
	int done = 0;

	if (r->cl != NULL)
		return bg_redis_cl_flush(r->cl);
	if (r->ctx == NULL) {
		snprintf(r->err, sizeof(r->err), "not connected");
		return -1;
	}
	while (!done) {
		if (redisBufferWrite(r->ctx, &done) != REDIS_OK) {
			drop(r, "write");
			return -1;
		}
	}
	return 0;
}

const char *
bg_redis_error(const struct bg_redis *r)
{
	return r->cl != NULL ? bg_redis_cl_error(r->cl) : r->err;
}

void
bg_redis_reply_error(struct bg_redis *r, const redisReply *reply, const char *what)
{
	int is_error = reply != NULL && reply->type == REDIS_REPLY_ERROR && reply->str != NULL;

	bg_metrics_redis_error("reply");
	if (r->cl != NULL)
		bg_redis_cl_set_error(r->cl, is_error ? reply->str : what ? what : "unexpected reply");
	else if (reply != NULL && reply->type == REDIS_REPLY_ERROR && reply->str != NULL)
		snprintf(r->err, sizeof(r->err), "%s", reply->str);
	else
		snprintf(r->err, sizeof(r->err), "%s", what);
}

const char *
bg_redis_address(const struct bg_redis *r)
{
	return r->cl != NULL ? bg_redis_cl_address(r->cl) : r->address;
}

int
bg_redis_is_cluster(const struct bg_redis *r)
{
	return r->cl != NULL;
}
