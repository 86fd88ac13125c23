/*
 * bg_erase.c - erasing one address from Redis, and its keyed hashes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bg_audit.h"
#include "bg_cluster_slot.h"
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

/* Queues DEL of every key matching pattern (SCAN, every master on a Cluster); returns how many, or -1. */
static long
del_matching(struct bg_redis *r, const char *pattern, struct cmds *c, char *err, size_t errlen)
{
	char cursor[64] = "0";
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
			if (bg_audit_names(e->element[1], address)) {
				requeue(stream, e, pseudonym, c);
				n++;
			}
			snprintf(start, sizeof(start), "(%s", e->element[0]->str);
		}
		freeReplyObject(rep);
	} while (got > 0);
	return n;
}

/* The slot of command i's key (its first argument). */
static int
slot_of(const struct cmds *c, int i)
{
	return (int)bg_cluster_key_slot(c->argv[i][1], strlen(c->argv[i][1]));
}

/* Runs the queued commands in one MULTI/EXEC: all of them (slot -1), or those whose key is in slot; 0 or -1. */
static int
run(struct bg_redis *r, const struct cmds *c, int slot, char *err, size_t errlen)
{
	const char *multi[1] = {"MULTI"}, *exec[1] = {"EXEC"};
	redisReply *rep;
	int rc = 0, sent = 0;

	if (bg_redis_append(r, 1, multi, NULL) < 0)
		goto down;
	for (int i = 0; i < c->n; i++) {
		if (slot >= 0 && slot_of(c, i) != slot)
			continue;
		if (bg_redis_append(r, c->argc[i], (const char **)c->argv[i], NULL) < 0)
			goto down;
		sent++;
	}
	if (bg_redis_append(r, 1, exec, NULL) < 0)
		goto down;
	for (int i = 0; i < sent + 2; i++) {
		if ((rep = bg_redis_reply(r)) == NULL)
			goto down;
		if (rc == 0 && (rep->type == REDIS_REPLY_ERROR || (i == sent + 1 && rep->type != REDIS_REPLY_ARRAY))) {
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

/* The steps of an erasure on a Cluster, in the order they run (see bg_erase.h). */
enum step { STEP_BLOCK, STEP_KEYS, STEP_AUDIT, STEP_FINAL, NSTEPS };

static const char *const step_name[NSTEPS] = {"the block", "the keys", "the audit entries", "the forget entry"};

/*
 * Runs one step's commands, one MULTI/EXEC per slot in the order the slots
 * first occur; *done counts the transactions that succeeded. 0, or -1 with
 * the step, the slot and a key of the failed one in err.
 */
static int
run_step(struct bg_redis *r, const struct cmds *c, enum step st, int *done, char *err, size_t errlen)
{
	char why[256];

	for (int i = 0; i < c->n; i++) {
		int slot = slot_of(c, i), seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = slot_of(c, j) == slot;
		if (seen)
			continue;
		if (run(r, c, slot, why, sizeof(why)) < 0) {
			snprintf(err, errlen,
			         "step %d of %d (%s), slot %d (%s) failed: %s; %d transaction%s done before it; "
			         "run forget again to finish",
			         (int)st + 1, NSTEPS, step_name[st], slot, c->argv[i][1], why, *done,
			         *done == 1 ? "" : "s");
			return -1;
		}
		(*done)++;
	}
	return 0;
}

/* Runs every step on a Cluster, each after the one before; 0 or -1 (err says where it stopped). */
static int
run_cluster(struct bg_redis *r, const struct cmds *steps, char *err, size_t errlen)
{
	int done = 0;

	for (int st = 0; st < NSTEPS; st++)
		if (run_step(r, &steps[st], (enum step)st, &done, err, errlen) < 0)
			return -1;
	return 0;
}

/* Moves every command of src to the end of dst (src is left empty). */
static void
cmds_move(struct cmds *dst, struct cmds *src)
{
	for (int i = 0; i < src->n; i++)
		cmd_add(dst, src->argc[i], (const char **)src->argv[i]);
	cmds_free(src);
	memset(src, 0, sizeof(*src));
}

/* Runs every step's commands in one MULTI/EXEC on a single Redis: keys, audit, block, forget entry. */
static int
run_single(struct bg_redis *r, struct cmds *steps, char *err, size_t errlen)
{
	static const enum step order[NSTEPS] = {STEP_KEYS, STEP_AUDIT, STEP_BLOCK, STEP_FINAL};
	struct cmds all = {0};
	int rc;

	for (int i = 0; i < NSTEPS; i++)
		cmds_move(&all, &steps[order[i]]);
	rc = run(r, &all, -1, err, errlen);
	cmds_free(&all);
	return rc;
}

/* Queues the rewrite of every entry naming address in every audit part (bg_audit_parts); how many, or -1. */
static long
rewrite_parts(struct bg_redis *r, const char *prefix, const char *address, const char *pseudonym, struct cmds *c,
              char *err, size_t errlen)
{
	struct bg_strlist parts = {0};
	long n = 0, k = 0;

	if (bg_audit_parts(r, prefix, &parts, err, errlen) < 0)
		return -1;
	for (size_t i = 0; k >= 0 && i < parts.n; i++) {
		k = rewrite_audit(r, parts.v[i], address, pseudonym, c, err, errlen);
		n += k;
	}
	bg_strlist_free(&parts);
	return k < 0 ? -1 : n;
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
		bg_glob_escape(prefix, key, sizeof(key));
		bg_glob_escape(who[i], esc, sizeof(esc));
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
	struct cmds steps[NSTEPS] = {{0}};
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
	if (audit && bg_audit_stream(r, prefix, NULL, stream, sizeof(stream)) < 0) {
		snprintf(err, errlen, "the prefix is too long for the audit stream's name");
		return -1;
	}
	if ((res->keys_deleted = queue_keys(r, prefix, address, base, &steps[STEP_KEYS], err, errlen)) < 0 ||
	    (res->audit_rewritten =
	         rewrite_parts(r, prefix, address, res->pseudonym, &steps[STEP_AUDIT], err, errlen)) < 0)
		goto out;
	if (keep_blocked) {
		const char *set[3] = {"SET", bkey, val};
		snprintf(val, sizeof(val), "blocked %lld", (long long)time(NULL));
		cmd_add(&steps[STEP_BLOCK], 3, set);
	}
	if (audit) {
		const char *x[12] = {"XADD", stream, "MAXLEN", "~",      BG_AUDIT_MAXLEN, "*",
		                     "who",  who,    "what",   "forget", "address",       res->pseudonym};
		cmd_add(&steps[STEP_FINAL], 12, x);
	}
	if (dry_run)
		rc = 0;
	else
		rc = bg_redis_is_cluster(r) ? run_cluster(r, steps, err, errlen) : run_single(r, steps, err, errlen);
out:
	for (int i = 0; i < NSTEPS; i++)
		cmds_free(&steps[i]);
	return rc;
}
