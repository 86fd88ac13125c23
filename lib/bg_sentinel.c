/*
 * bg_sentinel.c - asking Sentinel for the master and checking ROLE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "bg_redis.h"
#include "bg_secret.h"
#include "bg_sentinel.h"
#include "bg_util.h"

struct bg_sentinel {
	struct bg_strlist sentinels;
	char *master_name;
	char *user;     /* NULL: the default user */
	char *password; /* NULL: no AUTH */
	long timeout_ms;
	size_t start; /* the one that answered last */
};

/* True when s[0..len) is a usable host: printable, no space, no NUL. */
static bool
host_ok(const char *s, size_t len)
{
	if (len == 0 || len > BG_SENTINEL_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '[' || s[i] == ']')
			return false;
	return true;
}

/* Reads a port of 1 to 5 digits, 1..65535; -1 when it is not one. */
static long
port_of(const char *s, size_t len)
{
	long p = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		p = p * 10 + (s[i] - '0');
	}
	return p >= 1 && p <= 65535 ? p : -1;
}

int
bg_sentinel_parse_master(const redisReply *reply, char buf[BG_SENTINEL_ADDR_MAX], const char **why)
{
	const redisReply *h, *p;
	long port;

	if (reply == NULL || reply->type == REDIS_REPLY_NIL) {
		*why = "sentinel knows no master of that name";
		return -1;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
		*why = "sentinel answered no address";
		return -1;
	}
	h = reply->element[0], p = reply->element[1];
	if (h->type != REDIS_REPLY_STRING || p->type != REDIS_REPLY_STRING || !host_ok(h->str, h->len)) {
		*why = "sentinel answered a malformed host";
		return -1;
	}
	if ((port = port_of(p->str, p->len)) < 0) {
		*why = "sentinel answered a malformed port";
		return -1;
	}
	if (memchr(h->str, ':', h->len) != NULL)
		snprintf(buf, BG_SENTINEL_ADDR_MAX, "[%.*s]:%ld", (int)h->len, h->str, port);
	else
		snprintf(buf, BG_SENTINEL_ADDR_MAX, "%.*s:%ld", (int)h->len, h->str, port);
	return 0;
}

bool
bg_sentinel_role_is_master(const redisReply *reply)
{
	const redisReply *e;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
		return false;
	e = reply->element[0];
	return e->type == REDIS_REPLY_STRING && e->len == 6 && memcmp(e->str, "master", 6) == 0;
}

/* Runs one command on c; returns its reply (the caller frees it), or NULL. */
static redisReply *
run(redisContext *c, int argc, const char **argv)
{
	return redisCommandArgv(c, argc, argv, NULL);
}

int
bg_sentinel_check_role(redisContext *c, const char **why)
{
	const char *argv[] = {"ROLE"};
	redisReply *reply = run(c, 1, argv);
	bool master = bg_sentinel_role_is_master(reply);

	if (reply == NULL)
		*why = "ROLE got no answer";
	else if (reply->type == REDIS_REPLY_ERROR)
		*why = "ROLE refused";
	else if (!master)
		*why = "not a master (ROLE)";
	if (reply != NULL)
		freeReplyObject(reply);
	return master ? 0 : -1;
}

int
bg_sentinel_auth(redisContext *c, const char *user, const char *password, const char **why)
{
	const char *argv[] = {"AUTH", user != NULL ? user : password, password};
	redisReply *reply = run(c, user != NULL ? 3 : 2, argv);
	int ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;

	if (!ok)
		*why = reply == NULL ? "AUTH got no answer" : "AUTH refused";
	if (reply != NULL)
		freeReplyObject(reply);
	return ok ? 0 : -1;
}

/* Connects to one sentinel with the deadline; NULL with *why. */
static redisContext *
sentinel_connect(const struct bg_sentinel *sc, const char *address, const char **why)
{
	struct timeval tv = {sc->timeout_ms / 1000, (sc->timeout_ms % 1000) * 1000};
	redisContext *c;
	char *host;
	int port;

	if (bg_redis_split_address(address, &host, &port) < 0 || port == 0) {
		free(host);
		*why = "malformed sentinel address";
		return NULL;
	}
	c = redisConnectWithTimeout(host, port, tv);
	free(host);
	if (c == NULL || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
		*why = "sentinel unreachable";
		redisFree(c);
		return NULL;
	}
	if (sc->password != NULL && bg_sentinel_auth(c, sc->user, sc->password, why) < 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}

/* Asks the sentinel at address for the master; 0 with buf, or -1 with *why. */
static int
ask_one(const struct bg_sentinel *sc, const char *address, char buf[BG_SENTINEL_ADDR_MAX], const char **why)
{
	const char *argv[] = {"SENTINEL", "get-master-addr-by-name", sc->master_name};
	redisContext *c = sentinel_connect(sc, address, why);
	redisReply *reply;
	int rc;

	if (c == NULL)
		return -1;
	reply = run(c, 3, argv);
	if (reply == NULL)
		*why = "sentinel did not answer", rc = -1;
	else if (reply->type == REDIS_REPLY_ERROR)
		*why = "sentinel refused the query", rc = -1;
	else
		rc = bg_sentinel_parse_master(reply, buf, why);
	if (reply != NULL)
		freeReplyObject(reply);
	redisFree(c);
	return rc;
}

/* Copies s, or NULL for NULL and "". */
static char *
dup_set(const char *s)
{
	return s != NULL && *s != '\0' ? bg_xstrdup(s) : NULL;
}

struct bg_sentinel *
bg_sentinel_new(const struct bg_redis_conf *conf)
{
	struct bg_sentinel *s;

	if (conf->sentinels.n == 0)
		return NULL;
	s = bg_xcalloc(1, sizeof(*s));
	for (size_t i = 0; i < conf->sentinels.n && i < BG_SENTINEL_MAX; i++)
		bg_strlist_add(&s->sentinels, conf->sentinels.v[i]);
	s->master_name = bg_xstrdup(conf->master_name != NULL ? conf->master_name : "");
	s->user = dup_set(conf->sentinel_user);
	s->password = dup_set(conf->sentinel_password);
	s->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 250;
	return s;
}

void
bg_sentinel_free(struct bg_sentinel *s)
{
	if (s == NULL)
		return;
	bg_strlist_free(&s->sentinels);
	free(s->master_name);
	free(s->user);
	bg_secret_free(s->password);
	free(s);
}

int
bg_sentinel_master(struct bg_sentinel *s, char buf[BG_SENTINEL_ADDR_MAX], const char **why)
{
	*why = "no sentinel configured";
	for (size_t k = 0; k < s->sentinels.n; k++) {
		size_t i = (s->start + k) % s->sentinels.n;

		if (ask_one(s, s->sentinels.v[i], buf, why) == 0) {
			s->start = i;
			return 0;
		}
	}
	return -1;
}

size_t
bg_sentinel_count(const struct bg_sentinel *s)
{
	return s->sentinels.n;
}

void
bg_sentinel_distrust(struct bg_sentinel *s)
{
	s->start = (s->start + 1) % s->sentinels.n;
}

const char *
bg_sentinel_nth(const struct bg_sentinel *s, size_t k)
{
	return s->sentinels.v[(s->start + k) % s->sentinels.n];
}

void
bg_sentinel_answered(struct bg_sentinel *s, size_t k)
{
	s->start = (s->start + k) % s->sentinels.n;
}

const char *
bg_sentinel_master_name(const struct bg_sentinel *s)
{
	return s->master_name;
}

const char *
bg_sentinel_user(const struct bg_sentinel *s)
{
	return s->user;
}

const char *
bg_sentinel_password(const struct bg_sentinel *s)
{
	return s->password;
}
