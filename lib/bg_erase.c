/*
 * bg_erase.c - erasing one address from Redis, and its keyed hashes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bg_erase.h"
#include "bg_suppress.h"
#include "bg_util.h"

#define HASH_LEN    32
#define AUDIT_BATCH "1000"

/* Hashes address under the n-th key's subkey for ctx into hex (65 bytes). Returns 0 or -1. */
static int
keyed_hex(const struct bg_token_keys *keys, size_t n, const char ctx[8], const char *address, char *hex)
{
	unsigned char sub[32], h[HASH_LEN];
	int rc = -1;

	if (keys != NULL && bg_token_keys_derive(keys, n, ctx, 1, sub, sizeof(sub)) == 0) {
		crypto_generichash(h, sizeof(h), (const unsigned char *)address, strlen(address), sub, sizeof(sub));
		sodium_bin2hex(hex, 2 * HASH_LEN + 1, h, sizeof(h));
		rc = 0;
	}
	sodium_memzero(sub, sizeof(sub));
	return rc;
}

int
bg_erase_blocked_key(const struct bg_token_keys *keys, size_t n, const char *prefix, const char *address, char *out,
                     size_t len)
{
	char hex[2 * HASH_LEN + 1];

	if (keyed_hex(keys, n, "bgblock1", address, hex) < 0)
		return -1;
	snprintf(out, len, "%sblocked:%s", prefix, hex);
	return 0;
}

/* A growing list of owned argument vectors: the commands of the transaction. */
struct cmds {
	char ***argv;
	int *argc;
	int n, cap;
};

/* Appends a command of argc copied arguments. */
static void
cmd_add(struct cmds *c, int argc, const char **argv)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->argv = bg_xreallocarray(c->argv, (size_t)c->cap, sizeof(*c->argv));
		c->argc = bg_xreallocarray(c->argc, (size_t)c->cap, sizeof(*c->argc));
	}
	c->argv[c->n] = bg_xcalloc((size_t)argc, sizeof(char *));
	for (int i = 0; i < argc; i++)
		c->argv[c->n][i] = bg_xstrdup(argv[i]);
	c->argc[c->n++] = argc;
}

/* Frees every command. */
static void
cmds_free(struct cmds *c)
{
	for (int i = 0; i < c->n; i++) {
		for (int j = 0; j < c->argc[i]; j++)
			free(c->argv[i][j]);
		free(c->argv[i]);
	}
	free(c->argv);
	free(c->argc);
}

/* Sends one command and reads its reply; NULL (err set) on a failure or an error reply. */
static redisReply *
ask(struct bg_redis *r, int argc, const char **argv, char *err, size_t errlen)
{
	redisReply *rep;

	if (bg_redis_append(r, argc, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL) {
		snprintf(err, errlen, "%s", bg_redis_error(r));
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s", rep->str);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* Writes s into out with glob characters escaped (for SCAN MATCH). */
static void
glob_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		if (strchr("*?[]\\", *s) != NULL)
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

/* Queues DEL of every key matching pattern (SCAN); returns how many, or -1. */
static long
del_matching(struct bg_redis *r, const char *pattern, struct cmds *c, char *err, size_t errlen)
{
	char cursor[32] = "0";
	long n = 0;

	do {
		const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
		redisReply *rep = ask(r, 6, argv, err, errlen);
		if (rep == NULL)
			return -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING) {
			freeReplyObject(rep);
			snprintf(err, errlen, "unexpected SCAN reply");
			return -1;
		}
		bg_strlcpy(cursor, rep->element[0]->str, sizeof(cursor));
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const char *del[2] = {"DEL", rep->element[1]->element[i]->str};
			cmd_add(c, 2, del);
			n++;
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return n;
}

/* Queues DEL of key when it exists; returns 1, 0, or -1. */
static long
del_existing(struct bg_redis *r, const char *key, struct cmds *c, char *err, size_t errlen)
{
	const char *argv[2] = {"EXISTS", key};
	redisReply *rep = ask(r, 2, argv, err, errlen);
	long n;

	if (rep == NULL)
		return -1;
	n = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
	freeReplyObject(rep);
	if (n > 0) {
		const char *del[2] = {"DEL", key};
		cmd_add(c, 2, del);
	}
	return n > 0;
}

/* True when a stream entry's fields name address. */
static bool
names(const redisReply *fields, const char *address)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (strcmp(fields->element[i]->str, "address") == 0 &&
		    strcmp(fields->element[i + 1]->str, address) == 0)
			return true;
	return false;
}

/* Queues XDEL of one entry and its XADD again with the pseudonym for the address. */
static void
requeue(const char *stream, const redisReply *entry, const char *pseudonym, struct cmds *c)
{
	const redisReply *fields = entry->element[1];
	const char **argv = bg_xcalloc(fields->elements + 8, sizeof(char *));
	const char *xdel[3] = {"XDEL", stream, entry->element[0]->str};
	int n = 0;

	cmd_add(c, 3, xdel);
	argv[n++] = "XADD";
	argv[n++] = stream;
	argv[n++] = "MAXLEN";
	argv[n++] = "~";
	argv[n++] = BG_AUDIT_MAXLEN;
	argv[n++] = "*";
	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		argv[n++] = fields->element[i]->str;
		argv[n++] = strcmp(fields->element[i]->str, "address") == 0 ? pseudonym : fields->element[i + 1]->str;
	}
	argv[n++] = "was";
	argv[n++] = entry->element[0]->str;
	cmd_add(c, n, argv);
	free(argv);
}

/* Reads the whole audit stream and queues the rewrite of every entry naming address; returns how many, or -1. */
static long
rewrite_audit(struct bg_redis *r, const char *stream, const char *address, const char *pseudonym, struct cmds *c,
              char *err, size_t errlen)
{
	char start[64] = "-";
	long n = 0;
	size_t got;

	do {
		const char *argv[6] = {"XRANGE", stream, start, "+", "COUNT", AUDIT_BATCH};
		redisReply *rep = ask(r, 6, argv, err, errlen);
		if (rep == NULL)
			return -1;
		got = rep->type == REDIS_REPLY_ARRAY ? rep->elements : 0;
		for (size_t i = 0; i < got; i++) {
			const redisReply *e = rep->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[1]->type != REDIS_REPLY_ARRAY)
				continue;
			if (names(e->element[1], address)) {
				requeue(stream, e, pseudonym, c);
				n++;
			}
			snprintf(start, sizeof(start), "(%s", e->element[0]->str);
		}
		freeReplyObject(rep);
	} while (got > 0);
	return n;
}

/* Runs the queued commands in one MULTI/EXEC; 0 or -1. */
static int
run(struct bg_redis *r, struct cmds *c, char *err, size_t errlen)
{
	const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
	redisReply *rep;
	int rc = 0;

	if (bg_redis_append(r, 1, multi, NULL) < 0)
		goto down;
	for (int i = 0; i < c->n; i++)
		if (bg_redis_append(r, c->argc[i], (const char **)c->argv[i], NULL) < 0)
			goto down;
	if (bg_redis_append(r, 1, exec, NULL) < 0)
		goto down;
	for (int i = 0; i < c->n + 2; i++) {
		if ((rep = bg_redis_reply(r)) == NULL)
			goto down;
		if (rc == 0 && (rep->type == REDIS_REPLY_ERROR || (i == c->n + 1 && rep->type != REDIS_REPLY_ARRAY))) {
			snprintf(err, errlen, "%s", rep->type == REDIS_REPLY_ERROR ? rep->str : "transaction aborted");
			rc = -1;
		}
		freeReplyObject(rep);
	}
	return rc;
down:
	snprintf(err, errlen, "%s", bg_redis_error(r));
	return -1;
}

/* Queues the deletion of the record, the bounce history and every claim of address and base; returns how many. */
static long
queue_keys(struct bg_redis *r, const char *prefix, const char *address, const char *base, struct cmds *c, char *err,
           size_t errlen)
{
	char key[600], esc[600], pat[1300];
	const char *who[2] = {address, base};
	long n = 0, k;

	snprintf(key, sizeof(key), "%srcpt:%s", prefix, address);
	if ((k = del_existing(r, key, c, err, errlen)) < 0)
		return -1;
	n += k;
	snprintf(key, sizeof(key), "%sbounces:%s", prefix, address);
	if ((k = del_existing(r, key, c, err, errlen)) < 0)
		return -1;
	n += k;
	for (int i = 0; i < 2 && who[i] != NULL; i++) {
		glob_escape(prefix, key, sizeof(key));
		glob_escape(who[i], esc, sizeof(esc));
		snprintf(pat, sizeof(pat), "%sconfirm:*:%s", key, esc);
		if ((k = del_matching(r, pat, c, err, errlen)) < 0)
			return -1;
		n += k;
	}
	return n;
}

int
bg_erase_address(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const char *address,
                 const char *base, bool keep_blocked, bool audit, const char *who, bool dry_run,
                 struct bg_erase_result *res, char *err, size_t errlen)
{
	struct cmds c = {0};
	char stream[128], hex[2 * HASH_LEN + 1], val[48];
	char *bkey = res->blocked;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (base != NULL && strcmp(base, address) == 0)
		base = NULL;
	if (keyed_hex(keys, 0, "bgforget", address, hex) == 0)
		snprintf(res->pseudonym, sizeof(res->pseudonym), "forgotten:%.32s", hex);
	else
		bg_strlcpy(res->pseudonym, "forgotten", sizeof(res->pseudonym));
	if (keep_blocked && bg_erase_blocked_key(keys, 0, prefix, address, bkey, sizeof(res->blocked)) < 0) {
		snprintf(err, errlen, "--keep-blocked needs the token key file");
		return -1;
	}
	snprintf(stream, sizeof(stream), "%saudit", prefix);
	if ((res->keys_deleted = queue_keys(r, prefix, address, base, &c, err, errlen)) < 0 ||
	    (res->audit_rewritten = rewrite_audit(r, stream, address, res->pseudonym, &c, err, errlen)) < 0)
		goto out;
	if (keep_blocked) {
		const char *set[3] = {"SET", bkey, val};
		snprintf(val, sizeof(val), "blocked %lld", (long long)time(NULL));
		cmd_add(&c, 3, set);
	}
	if (audit) {
		const char *x[12] = {"XADD", stream, "MAXLEN", "~",      BG_AUDIT_MAXLEN, "*",
		                     "who",  who,    "what",   "forget", "address",       res->pseudonym};
		cmd_add(&c, 12, x);
	}
	rc = dry_run ? 0 : run(r, &c, err, errlen);
out:
	cmds_free(&c);
	return rc;
}
