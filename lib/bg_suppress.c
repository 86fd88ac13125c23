/*
 * bg_suppress.c - suppressions and consent: records taken apart and put
 * together, written to Redis with their audit entries, queued, deleted.
 */
#include "config.h"

#include <arpa/inet.h>
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

void
bg_suppress_field(const char *what, const char *entity, const char *list, char *out, size_t len)
{
	if (entity == NULL || *entity == '\0')
		snprintf(out, len, "%s", what);
	else if (list == NULL || *list == '\0')
		snprintf(out, len, "%s:%s", what, entity);
	else
		snprintf(out, len, "%s:%s/%s", what, entity, list);
}

/* Copies a Redis error reply's text into err. */
static int
refused(const redisReply *rep, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%.*s", (int)rep->len, rep->str);
	return BG_SUPPRESS_REFUSED;
}

/* Checks EXEC's answer: an array without error replies. */
static int
exec_result(const redisReply *rep, char *err, size_t errlen)
{
	if (rep->type == REDIS_REPLY_ERROR)
		return refused(rep, err, errlen);
	if (rep->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "transaction aborted");
		return BG_SUPPRESS_REFUSED;
	}
	for (size_t i = 0; i < rep->elements; i++)
		if (rep->element[i]->type == REDIS_REPLY_ERROR)
			return refused(rep->element[i], err, errlen);
	return BG_SUPPRESS_OK;
}

/*
 * Runs the n commands as MULTI ... EXEC in one round trip. Returns
 * BG_SUPPRESS_OK, DOWN or REFUSED; *execp (when not NULL) receives EXEC's
 * reply after OK, which the caller frees.
 */
static int
transaction(struct bg_redis *r, struct cmd *cmds, int n, redisReply **execp, char *err, size_t errlen)
{
	const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
	redisReply *rep;
	int rc = BG_SUPPRESS_OK;

	if (bg_redis_append(r, 1, multi, NULL) < 0)
		return BG_SUPPRESS_DOWN;
	for (int i = 0; i < n; i++)
		if (bg_redis_append(r, cmds[i].argc, cmds[i].argv, NULL) < 0)
			return BG_SUPPRESS_DOWN;
	if (bg_redis_append(r, 1, exec, NULL) < 0)
		return BG_SUPPRESS_DOWN;
	for (int i = 0; i < n + 2; i++) { /* MULTI, each command, EXEC */
		if ((rep = bg_redis_reply(r)) == NULL)
			return BG_SUPPRESS_DOWN;
		if (i == n + 1 && rc == BG_SUPPRESS_OK && (rc = exec_result(rep, err, errlen)) == BG_SUPPRESS_OK &&
		    execp != NULL) {
			*execp = rep;
			continue;
		}
		if (rep->type == REDIS_REPLY_ERROR && rc == BG_SUPPRESS_OK)
			rc = refused(rep, err, errlen);
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
          const char *value, bool audit, const char *who, char *err, size_t errlen)
{
	char key[512], stream[128];
	struct cmd c[2] = {{4, {"HSET", key, field, value}}};

	if (rcpt_key(prefix, address, key) < 0) {
		snprintf(err, errlen, "key too long");
		return BG_SUPPRESS_REFUSED;
	}
	audit_cmd(&c[1], stream, r, prefix, key, who, what);
	audit_pair(&c[1], "address", address);
	audit_pair(&c[1], "field", field);
	audit_pair(&c[1], "value", value);
	return transaction(r, c, audit ? 2 : 1, NULL, err, errlen);
}

int
bg_suppress_write(struct bg_redis *r, const char *prefix, const struct bg_suppression *s, bool audit, const char *who)
{
	char field[256], value[512], err[256];

	bg_suppress_field("suppress", s->entity, s->list, field, sizeof(field));
	snprintf(value, sizeof(value), "%s %lld %s", s->reason, (long long)s->when, s->source ? s->source : "-");
	return put_field(r, prefix, s->address, "suppress", field, value, audit, who, err, sizeof(err)) == 0 ? 0 : -1;
}

/* True when the n bytes at s hold no byte below 0x20 and no DEL. */
static bool
printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Checks an entity or list name; bad holds the characters refused besides space and control. */
static const char *
check_name(const char *name, const char *bad, const char *what_bad)
{
	if (strlen(name) > BG_SUPPRESS_NAME_MAX)
		return "entity or list name too long";
	if (!printable(name, strlen(name)) || strchr(name, ' ') != NULL || strpbrk(name, bad) != NULL)
		return what_bad;
	return NULL;
}

/* Checks the reason or level word. */
static const char *
check_word(const struct bg_suppress_rec *rec)
{
	size_t n = strlen(rec->word);

	if (rec->kind == BG_SUPPRESS_CONSENT) {
		if (strcmp(rec->word, "single") == 0 || strcmp(rec->word, "notified") == 0 ||
		    strcmp(rec->word, "confirmed") == 0)
			return NULL;
		return "level must be single, notified or confirmed";
	}
	if (n == 0)
		return "no reason";
	if (n > BG_SUPPRESS_WORD_MAX ||
	    strspn(rec->word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return "reason must be one word of letters, digits, '.', '_' or '-' (32 at most)";
	return NULL;
}

/* Checks the time, ip and source. */
static const char *
check_tail(const struct bg_suppress_rec *rec)
{
	unsigned char buf[16];

	if (rec->when < -1 || rec->when > BG_SUPPRESS_TIME_MAX)
		return "time out of range";
	if (rec->when < 0 && (rec->ip[0] != '\0' || rec->source[0] != '\0'))
		return "an ip or source needs a time";
	if (rec->ip[0] != '\0') {
		if (rec->kind != BG_SUPPRESS_CONSENT)
			return "a suppression has no ip";
		if (inet_pton(AF_INET, rec->ip, buf) != 1 && inet_pton(AF_INET6, rec->ip, buf) != 1)
			return "bad ip address";
	}
	if (strlen(rec->source) > BG_SUPPRESS_SOURCE_MAX)
		return "source too long";
	if (!printable(rec->source, strlen(rec->source)))
		return "control character in source";
	return NULL;
}

const char *
bg_suppress_check(const struct bg_suppress_rec *rec)
{
	const char *why;

	if (rec->kind == BG_SUPPRESS_CONSENT && rec->entity[0] == '\0')
		return "consent needs an entity";
	if (rec->entity[0] == '\0' && rec->list[0] != '\0')
		return "a list needs an entity";
	if ((why = check_name(rec->entity, ":/", "bad entity name (space, ':', '/' or control character)")) != NULL ||
	    (why = check_name(rec->list, "", "bad list name (space or control character)")) != NULL)
		return why;
	if ((why = check_word(rec)) != NULL)
		return why;
	return check_tail(rec);
}

/* Copies the n bytes at s into out of size len; -1 when they do not fit. */
static int
copy_part(char *out, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Takes a field name apart into rec's kind, entity and list; 1 when it is no field of ours, -1 malformed. */
static int
parse_field(const char *field, struct bg_suppress_rec *rec)
{
	const char *scope, *slash;

	if (strcmp(field, "suppress") == 0) {
		rec->kind = BG_SUPPRESS_SUPPRESS;
		return 0;
	}
	if (strncmp(field, "suppress:", 9) == 0)
		rec->kind = BG_SUPPRESS_SUPPRESS, scope = field + 9;
	else if (strncmp(field, "consent:", 8) == 0)
		rec->kind = BG_SUPPRESS_CONSENT, scope = field + 8;
	else
		return 1;
	slash = strchr(scope, '/');
	if (slash == NULL)
		return copy_part(rec->entity, sizeof(rec->entity), scope, strlen(scope));
	if (copy_part(rec->entity, sizeof(rec->entity), scope, (size_t)(slash - scope)) < 0)
		return -1;
	return slash[1] == '\0' ? -1 : copy_part(rec->list, sizeof(rec->list), slash + 1, strlen(slash + 1));
}

/* Takes the next space-separated word off *p into out; -1 when it is empty or does not fit. */
static int
next_word(const char **p, char *out, size_t len)
{
	size_t n = strcspn(*p, " ");

	if (n == 0 || copy_part(out, len, *p, n) < 0)
		return -1;
	*p += n + ((*p)[n] == ' ');
	return 0;
}

/* Takes a value apart into rec's word, time, ip and source. */
static int
parse_value(const char *value, struct bg_suppress_rec *rec)
{
	const char *p = value;
	char t[16];

	if (next_word(&p, rec->word, sizeof(rec->word)) < 0)
		return -1;
	if (*p == '\0')
		return 0;
	if (next_word(&p, t, sizeof(t)) < 0 || strspn(t, "0123456789") != strlen(t) || strlen(t) > 12)
		return -1;
	rec->when = strtoll(t, NULL, 10);
	if (*p == '\0')
		return 0;
	if (rec->kind == BG_SUPPRESS_CONSENT) {
		if (next_word(&p, rec->ip, sizeof(rec->ip)) < 0)
			return -1;
		if (strcmp(rec->ip, "-") == 0)
			rec->ip[0] = '\0';
	}
	return copy_part(rec->source, sizeof(rec->source), p, strlen(p));
}

int
bg_suppress_parse(const char *field, const char *value, size_t vlen, struct bg_suppress_rec *rec, const char **why)
{
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->when = -1;
	if ((rc = parse_field(field, rec)) != 0) {
		*why = "malformed field name";
		return rc;
	}
	if (memchr(value, '\0', vlen) != NULL || parse_value(value, rec) < 0) {
		*why = "malformed value";
		return -1;
	}
	return (*why = bg_suppress_check(rec)) == NULL ? 0 : -1;
}

void
bg_suppress_format(const struct bg_suppress_rec *rec, char *field, char *value)
{
	const char *what = rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress";
	const char *ip = rec->ip[0] != '\0' ? rec->ip : "-";
	int n;

	bg_suppress_field(what, rec->entity, rec->list, field, BG_SUPPRESS_FIELD_LEN);
	n = snprintf(value, BG_SUPPRESS_VALUE_LEN, "%s", rec->word);
	if (rec->when >= 0)
		n += snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %lld", rec->when);
	if (rec->kind == BG_SUPPRESS_CONSENT && (rec->ip[0] != '\0' || rec->source[0] != '\0'))
		n += snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %s", ip);
	if (rec->source[0] != '\0')
		snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %s", rec->source);
}

int
bg_suppress_queue(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec)
{
	char key[512], field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];
	const char *argv[4] = {"HSET", key, field, value};

	if (rcpt_key(prefix, address, key) < 0)
		return -1;
	bg_suppress_format(rec, field, value);
	return bg_redis_append(r, 4, argv, NULL);
}

int
bg_suppress_put(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec,
                bool audit, const char *who, char *err, size_t errlen)
{
	char field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];

	bg_suppress_format(rec, field, value);
	return put_field(r, prefix, address, rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress", field, value,
	                 audit, who, err, errlen);
}

/* Runs one command and returns its reply (the caller frees), or NULL (DOWN; or REFUSED with err set). */
static redisReply *
command(struct bg_redis *r, int argc, const char **argv, int *rc, char *err, size_t errlen)
{
	redisReply *rep;

	*rc = BG_SUPPRESS_DOWN;
	if (bg_redis_append(r, argc, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return NULL;
	if (rep->type == REDIS_REPLY_ERROR) {
		*rc = refused(rep, err, errlen);
		freeReplyObject(rep);
		return NULL;
	}
	*rc = BG_SUPPRESS_OK;
	return rep;
}

/* Deletes with its audit entry: HGET the old value, then HDEL and XADD in one transaction. */
static int
delete_audited(struct bg_redis *r, const char *prefix, const char *key, const char *address, const char *field,
               const char *who, char *err, size_t errlen)
{
	const char *hget[3] = {"HGET", key, field};
	struct cmd c[2] = {{3, {"HDEL", key, field}}};
	redisReply *old, *exec = NULL;
	char stream[128];
	int rc, n;

	if ((old = command(r, 3, hget, &rc, err, errlen)) == NULL)
		return rc;
	if (old->type != REDIS_REPLY_STRING) {
		freeReplyObject(old);
		return 0;
	}
	audit_cmd(&c[1], stream, r, prefix, key, who, "delete");
	audit_pair(&c[1], "address", address);
	audit_pair(&c[1], "field", field);
	audit_pair(&c[1], "value", old->str);
	rc = transaction(r, c, 2, &exec, err, errlen);
	freeReplyObject(old);
	if (rc != BG_SUPPRESS_OK)
		return rc;
	n = exec->elements > 0 && exec->element[0]->type == REDIS_REPLY_INTEGER ? (int)exec->element[0]->integer : 0;
	freeReplyObject(exec);
	return n > 0 ? 1 : 0;
}

int
bg_suppress_delete(struct bg_redis *r, const char *prefix, const char *address, const char *field, bool audit,
                   const char *who, char *err, size_t errlen)
{
	char key[512];
	const char *hdel[3] = {"HDEL", key, field};
	redisReply *rep;
	int rc;

	if (rcpt_key(prefix, address, key) < 0) {
		snprintf(err, errlen, "key too long");
		return BG_SUPPRESS_REFUSED;
	}
	if (audit)
		return delete_audited(r, prefix, key, address, field, who, err, errlen);
	if ((rep = command(r, 3, hdel, &rc, err, errlen)) == NULL)
		return rc;
	rc = rep->type == REDIS_REPLY_INTEGER && rep->integer > 0 ? 1 : 0;
	freeReplyObject(rep);
	return rc;
}

int
bg_suppress_audit(struct bg_redis *r, const char *prefix, const char *who, const char *what, const char **pairs,
                  int npairs, char *err, size_t errlen)
{
	struct cmd c;
	char stream[128];
	redisReply *rep;
	int rc;

	if (npairs > 3)
		abort(); /* can't happen: struct cmd holds 16 arguments */
	audit_cmd(&c, stream, r, prefix, NULL, who, what);
	for (int i = 0; i < npairs; i++)
		audit_pair(&c, pairs[2 * i], pairs[2 * i + 1]);
	if ((rep = command(r, c.argc, c.argv, &rc, err, errlen)) != NULL)
		freeReplyObject(rep);
	return rc;
}
