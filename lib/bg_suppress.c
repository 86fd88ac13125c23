/*
 * bg_suppress.c - suppressions and consent written to Redis with their audit
 * entries, queued, deleted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_audit.h"
#include "bg_suppress.h"
#include "bg_util.h"

/* One command of a transaction. */
struct cmd {
	int argc;
	const char *argv[16];
};

/* Records Redis's error reply rep (or what, for another reply) on r; returns -1. */
static int
refused(struct bg_redis *r, const redisReply *rep, const char *what)
{
	bg_redis_reply_error(r, rep, what);
	return -1;
}

/* Checks EXEC's answer: an array without error replies. Returns 0, or -1 (recorded on r). */
static int
exec_result(struct bg_redis *r, const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY)
		return refused(r, rep, "transaction aborted");
	for (size_t i = 0; i < rep->elements; i++)
		if (rep->element[i]->type == REDIS_REPLY_ERROR)
			return refused(r, rep->element[i], "error reply");
	return 0;
}

/* Sends MULTI alone and reads its answer; 0, or -1 (bg_redis_error) when Redis refused it (an ACL without MULTI). */
static int
begin(struct bg_redis *r)
{
	const char *multi[1] = {"MULTI"};
	redisReply *rep;
	int rc;

	if (bg_redis_append(r, 1, multi, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	rc = rep->type == REDIS_REPLY_STATUS ? 0 : refused(r, rep, "MULTI refused");
	freeReplyObject(rep);
	return rc;
}

/*
 * Runs the n commands as MULTI ... EXEC. On one Redis MULTI goes first on
 * its own, so that a refused MULTI never lets the commands run outside the
 * transaction (a write without its audit entry), then the commands and EXEC
 * in one round trip. On a Cluster the client routes the whole transaction by
 * its commands' slot, so MULTI goes with them (its answer is still checked).
 * Returns 0, or -1 (bg_redis_error); *execp (when not NULL) receives EXEC's
 * reply after 0, which the caller frees. Every reply is read, so the
 * connection stays usable.
 */
static int
transaction(struct bg_redis *r, struct cmd *cmds, int n, redisReply **execp)
{
	const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
	bool cluster = bg_redis_is_cluster(r);
	redisReply *rep;
	int rc = 0;

	if (cluster ? bg_redis_append(r, 1, multi, NULL) < 0 : begin(r) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (bg_redis_append(r, cmds[i].argc, cmds[i].argv, NULL) < 0)
			return -1;
	if (bg_redis_append(r, 1, exec, NULL) < 0)
		return -1;
	for (int i = cluster ? -1 : 0; i < n + 1; i++) { /* (MULTI,) each command, EXEC */
		if ((rep = bg_redis_reply(r)) == NULL)
			return -1;
		if (i == n && rc == 0 && (rc = exec_result(r, rep)) == 0 && execp != NULL) {
			*execp = rep;
			continue;
		}
		if (rep->type == REDIS_REPLY_ERROR && rc == 0)
			rc = refused(r, rep, "error reply");
		freeReplyObject(rep);
	}
	return rc;
}

/* Formats prefix "rcpt:" address into key (512 bytes); -1 when too long. */
static int
rcpt_key(const char *prefix, const char *address, char *key)
{
	int n = snprintf(key, 512, "%srcpt:%s", prefix, address);

	return n < 0 || n >= 512 ? -1 : 0;
}

/* Fills an XADD to the audit stream of key (bg_audit.h) into c, with who and what, leaving room for pairs. */
static void
audit_cmd(struct cmd *c, char *stream, const struct bg_redis *r, const char *prefix, const char *key, const char *who,
          const char *what)
{
	(void)bg_audit_stream(r, prefix, key, stream, 128);
	c->argc = 0;
	c->argv[c->argc++] = "XADD";
	c->argv[c->argc++] = stream;
	c->argv[c->argc++] = "MAXLEN";
	c->argv[c->argc++] = "~";
	c->argv[c->argc++] = BG_AUDIT_MAXLEN;
	c->argv[c->argc++] = "*";
	c->argv[c->argc++] = "who";
	c->argv[c->argc++] = who;
	c->argv[c->argc++] = "what";
	c->argv[c->argc++] = what;
}

/* Adds a name/value pair to an audit command. */
static void
audit_pair(struct cmd *c, const char *name, const char *value)
{
	c->argv[c->argc++] = name;
	c->argv[c->argc++] = value;
}

/* Writes HSET key field value and, with audit, its entry; returns like bg_suppress_put. */
static int
put_field(struct bg_redis *r, const char *prefix, const char *address, const char *what, const char *field,
          const char *value, bool audit, const char *who)
{
	char key[512], stream[128];
	struct cmd c[2] = {{4, {"HSET", key, field, value}}};

	if (rcpt_key(prefix, address, key) < 0)
		return refused(r, NULL, "key too long");
	audit_cmd(&c[1], stream, r, prefix, key, who, what);
	audit_pair(&c[1], "address", address);
	audit_pair(&c[1], "field", field);
	audit_pair(&c[1], "value", value);
	return transaction(r, c, audit ? 2 : 1, NULL);
}

int
bg_suppress_write(struct bg_redis *r, const char *prefix, const struct bg_suppression *s, bool audit, const char *who)
{
	char field[256], value[512];

	bg_suppress_field("suppress", s->entity, s->list, field, sizeof(field));
	snprintf(value, sizeof(value), "%s %lld %s", s->reason, (long long)s->when, s->source ? s->source : "-");
	return put_field(r, prefix, s->address, "suppress", field, value, audit, who);
}

int
bg_suppress_queue(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec)
{
	char key[512], field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];
	const char *argv[4] = {"HSET", key, field, value};

	if (rcpt_key(prefix, address, key) < 0)
		return refused(r, NULL, "key too long");
	bg_suppress_format(rec, field, value);
	return bg_redis_append(r, 4, argv, NULL);
}

int
bg_suppress_put(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec,
                bool audit, const char *who)
{
	char field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];

	bg_suppress_format(rec, field, value);
	return put_field(r, prefix, address, rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress", field, value,
	                 audit, who);
}

/* Runs one command and returns its reply (the caller frees), or NULL (bg_redis_error). */
static redisReply *
command(struct bg_redis *r, int argc, const char **argv)
{
	redisReply *rep;

	if (bg_redis_append(r, argc, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return NULL;
	if (rep->type == REDIS_REPLY_ERROR) {
		refused(r, rep, "error reply");
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* Deletes with its audit entry: HGET the old value, then HDEL and XADD in one transaction. */
static int
delete_audited(struct bg_redis *r, const char *prefix, const char *key, const char *address, const char *field,
               const char *who)
{
	const char *hget[3] = {"HGET", key, field};
	struct cmd c[2] = {{3, {"HDEL", key, field}}};
	redisReply *old, *exec = NULL;
	char stream[128];
	int rc, n;

	if ((old = command(r, 3, hget)) == NULL)
		return -1;
	if (old->type != REDIS_REPLY_STRING) {
		freeReplyObject(old);
		return 0;
	}
	audit_cmd(&c[1], stream, r, prefix, key, who, "delete");
	audit_pair(&c[1], "address", address);
	audit_pair(&c[1], "field", field);
	audit_pair(&c[1], "value", old->str);
	rc = transaction(r, c, 2, &exec);
	freeReplyObject(old);
	if (rc != 0)
		return -1;
	n = exec->elements > 0 && exec->element[0]->type == REDIS_REPLY_INTEGER ? (int)exec->element[0]->integer : 0;
	freeReplyObject(exec);
	return n > 0 ? 1 : 0;
}

int
bg_suppress_delete(struct bg_redis *r, const char *prefix, const char *address, const char *field, bool audit,
                   const char *who)
{
	char key[512];
	const char *hdel[3] = {"HDEL", key, field};
	redisReply *rep;
	int rc;

	if (rcpt_key(prefix, address, key) < 0)
		return refused(r, NULL, "key too long");
	if (audit)
		return delete_audited(r, prefix, key, address, field, who);
	if ((rep = command(r, 3, hdel)) == NULL)
		return -1;
	rc = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0 ? 1 : 0;
	freeReplyObject(rep);
	return rc;
}

int
bg_suppress_audit(struct bg_redis *r, const char *prefix, const char *who, const char *what, const char **pairs,
                  int npairs)
{
	struct cmd c;
	char stream[128];
	redisReply *rep;

	if (npairs > 3)
		abort(); /* can't happen: struct cmd holds 16 arguments */
	audit_cmd(&c, stream, r, prefix, NULL, who, what);
	for (int i = 0; i < npairs; i++)
		audit_pair(&c, pairs[2 * i], pairs[2 * i + 1]);
	if ((rep = command(r, c.argc, c.argv)) == NULL)
		return -1;
	freeReplyObject(rep);
	return 0;
}
