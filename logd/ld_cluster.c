/*
 * ld_cluster.c - a batch journaled, applied slot by slot with markers, then checkpointed (ld_cluster.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bg_audit.h"
#include "bg_cluster_slot.h"
#include "bg_util.h"
#include "ld_cluster.h"

#define ID_MAX      ((int)sizeof(((struct ld_cl_replay *)0)->id))
#define ARGS_MAX    16    /* words of one journaled command */
#define KEY_MAX     1024  /* a marker key */
#define PIPE_CHUNK  20000 /* commands sent in one pipeline while applying */
#define MARKER_FMT  "%slogd:applied:{%s}:%s"
#define PENDING_ALL "pending", "pending_ino", "pending_off", "pending_cmds"

struct ld_cl {
	char ckey[300], host[256];
	char *prefix; /* redis.prefix, a copy */
	char *buf;    /* the journal: the batch's commands, RESP */
	size_t len, cap, n;
	unsigned long long nonce;
	unsigned long seq;
	char id[ID_MAX]; /* the last batch's id; "" before the first */
};

/* One journaled command and where it goes. */
struct jcmd {
	const redisReply *cmd; /* an array of strings: the command's words */
	unsigned slot;
	size_t order;
};

struct ld_cl *
ld_cl_new(const char *ckey, const char *prefix, const char *host)
{
	struct ld_cl *c = bg_xcalloc(1, sizeof(*c));

	snprintf(c->ckey, sizeof(c->ckey), "%s", ckey);
	c->prefix = bg_xstrdup(prefix);
	snprintf(c->host, sizeof(c->host), "%s", host);
	if (getrandom(&c->nonce, sizeof(c->nonce), 0) != (ssize_t)sizeof(c->nonce))
		c->nonce = (unsigned long long)time(NULL) << 20 ^ (unsigned long long)getpid();
	return c;
}

void
ld_cl_free(struct ld_cl *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c->prefix);
	free(c);
}

void
ld_cl_add(struct ld_cl *c, int argc, const char **argv)
{
	char *cmd;
	int len = redisFormatCommandArgv(&cmd, argc, argv, NULL);

	if (len < 0) {
		fprintf(stderr, "ld_cl_add: out of memory\n");
		abort();
	}
	if (c->len + (size_t)len > c->cap) {
		c->cap = c->len + (size_t)len > 2 * c->cap ? c->len + (size_t)len : 2 * c->cap;
		c->buf = bg_xreallocarray(c->buf, c->cap, 1);
	}
	memcpy(c->buf + c->len, cmd, (size_t)len);
	c->len += (size_t)len;
	c->n++;
	redisFreeCommand(cmd);
}

/* Journals one counter: HINCRBY and EXPIRE. */
static void
add_counter(void *arg, const char *key, const char *field, long n, long ttl)
{
	char num[24], secs[24];

	snprintf(num, sizeof(num), "%ld", n);
	snprintf(secs, sizeof(secs), "%ld", ttl);
	ld_cl_add(arg, 4, (const char *[]){"HINCRBY", key, field, num});
	ld_cl_add(arg, 3, (const char *[]){"EXPIRE", key, secs});
}

void
ld_cl_add_stat(struct ld_cl *c, struct bg_stat_batch *b)
{
	bg_stat_batch_each(b, add_counter, c);
}

void
ld_cl_clear(struct ld_cl *c)
{
	c->len = c->n = 0;
}

/* Reads n replies of the pipeline. Returns 0, or -1 when one is missing, an error or nil (an aborted EXEC). */
static int
drain(struct bg_redis *r, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		redisReply *rep = bg_redis_reply(r);

		if (rep == NULL)
			return -1; /* the rest of the pipeline is dropped */
		if (rep->type == REDIS_REPLY_ERROR || rep->type == REDIS_REPLY_NIL) {
			bg_redis_reply_error(r, rep, "transaction aborted");
			rc = -1;
		}
		freeReplyObject(rep);
	}
	return rc;
}

/* Runs one command and returns its reply (caller frees), or NULL. */
static redisReply *
run(struct bg_redis *r, int argc, const char **argv, const size_t *lens)
{
	if (bg_redis_append(r, argc, argv, lens) < 0)
		return NULL;
	return bg_redis_reply(r);
}

/* Writes slot's marker key into out. */
static void
marker(const struct ld_cl *c, unsigned slot, char *out, size_t len)
{
	snprintf(out, len, MARKER_FMT, c->prefix, bg_audit_slot_tag(slot), c->host);
}

/* Reads a journal into *out (the reader's replies; caller frees each and the array). Returns the count or -1. */
static long
parse(const char *blob, size_t len, redisReply ***out)
{
	redisReader *rd = redisReaderCreate();
	redisReply **v = NULL;
	void *rep;
	long n = 0, cap = 0;
	int bad = 0;

	if (len > 0)
		redisReaderFeed(rd, blob, len);
	while (!bad && redisReaderGetReply(rd, &rep) == REDIS_OK && rep != NULL) {
		redisReply *x = rep;

		bad = x->type != REDIS_REPLY_ARRAY || x->elements < 2 || x->elements > ARGS_MAX;
		for (size_t i = 0; !bad && i < x->elements; i++)
			bad = x->element[i]->type != REDIS_REPLY_STRING;
		if (n == cap)
			v = bg_xreallocarray(v, (size_t)(cap = cap ? 2 * cap : 256), sizeof(*v));
		v[n++] = x;
	}
	bad = bad || rd->err != 0 || rd->pos != rd->len; /* malformed or cut short */
	redisReaderFree(rd);
	*out = v;
	if (bad) {
		while (n > 0)
			freeReplyObject(v[--n]);
		return -1;
	}
	return n;
}

/* Orders commands by slot, then as journaled. */
static int
by_slot(const void *a, const void *b)
{
	const struct jcmd *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Marks in done[] the slots among cmd[0..n) whose marker holds id. Returns 0 or -1. */
static int
applied_slots(const struct ld_cl *c, struct bg_redis *r, const struct jcmd *cmd, size_t n, const char *id,
              unsigned char *done)
{
	char key[KEY_MAX];
	size_t asked = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmd[i].slot != cmd[i - 1].slot) {
			marker(c, cmd[i].slot, key, sizeof(key));
			if (bg_redis_append(r, 2, (const char *[]){"GET", key}, NULL) < 0)
				return -1;
			asked++;
		}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmd[i].slot != cmd[i - 1].slot) {
			redisReply *rep = bg_redis_reply(r);

			if (rep == NULL)
				return -1;
			if (rep->type == REDIS_REPLY_ERROR) {
				bg_redis_reply_error(r, rep, NULL);
				freeReplyObject(rep);
				drain(r, --asked);
				return -1;
			}
			done[cmd[i].slot] = rep->type == REDIS_REPLY_STRING && strcmp(rep->str, id) == 0;
			freeReplyObject(rep);
			asked--;
		}
	return 0;
}

/* Appends one journaled command. */
static int
append_cmd(struct bg_redis *r, const redisReply *cmd)
{
	const char *argv[ARGS_MAX];
	size_t lens[ARGS_MAX];

	for (size_t i = 0; i < cmd->elements; i++) {
		argv[i] = cmd->element[i]->str;
		lens[i] = cmd->element[i]->len;
	}
	return bg_redis_append(r, (int)cmd->elements, argv, lens);
}

/* Queues slot's transaction, cmd[*i] onwards while in that slot, with its marker; returns replies queued or -1. */
static long
queue_slot(const struct ld_cl *c, struct bg_redis *r, const struct jcmd *cmd, size_t n, size_t *i, const char *id)
{
	unsigned slot = cmd[*i].slot;
	char key[KEY_MAX];
	long q = 3;

	marker(c, slot, key, sizeof(key));
	if (bg_redis_append(r, 1, (const char *[]){"MULTI"}, NULL) < 0)
		return -1;
	for (; *i < n && cmd[*i].slot == slot; (*i)++, q++)
		if (append_cmd(r, cmd[*i].cmd) < 0)
			return -1;
	if (bg_redis_append(r, 3, (const char *[]){"SET", key, id}, NULL) < 0 ||
	    bg_redis_append(r, 1, (const char *[]){"EXEC"}, NULL) < 0)
		return -1;
	return q;
}

/*
 * Step 2: every slot of the journal not yet applied (check: by its marker) in
 * its transaction; counts slots and those skipped into out (when set). Returns 0 or -1.
 */
static int
apply(const struct ld_cl *c, struct bg_redis *r, redisReply **v, size_t n, const char *id, int check,
      struct ld_cl_replay *out)
{
	struct jcmd *cmd = bg_xcalloc(n ? n : 1, sizeof(*cmd));
	unsigned char *done = bg_xcalloc(BG_CLUSTER_SLOTS, 1);
	size_t i = 0, queued = 0;
	int rc = 0;

	for (size_t k = 0; k < n; k++)
		cmd[k] = (struct jcmd){v[k], bg_cluster_key_slot(v[k]->element[1]->str, v[k]->element[1]->len), k};
	qsort(cmd, n, sizeof(*cmd), by_slot);
	if (check && applied_slots(c, r, cmd, n, id, done) < 0)
		rc = -1;
	while (rc == 0 && i < n) {
		long q = 0;

		if (out != NULL)
			out->slots++;
		if (done[cmd[i].slot]) {
			if (out != NULL)
				out->skipped++;
			while (++i < n && cmd[i].slot == cmd[i - 1].slot)
				;
		} else if ((q = queue_slot(c, r, cmd, n, &i, id)) < 0)
			rc = -1;
		queued += (size_t)q;
		if (rc == 0 && (queued >= PIPE_CHUNK || i == n)) {
			rc = drain(r, queued);
			queued = 0;
		}
	}
	free(done);
	free(cmd);
	return rc;
}

/* Step 3: the checkpoint moves to ino/off ("" for none) and names id done; the intent goes. Returns 0 or -1. */
static int
finish(const struct ld_cl *c, struct bg_redis *r, const char *id, const char *ino, const char *off)
{
	const char *hset[] = {"HSET", c->ckey, "done", id, "ino", ino, "off", off};

	if (bg_redis_append(r, 1, (const char *[]){"MULTI"}, NULL) < 0 ||
	    bg_redis_append(r, *ino ? 8 : 4, hset, NULL) < 0 ||
	    bg_redis_append(r, 6, (const char *[]){"HDEL", c->ckey, PENDING_ALL}, NULL) < 0 ||
	    bg_redis_append(r, 1, (const char *[]){"EXEC"}, NULL) < 0)
		return -1;
	return drain(r, 4);
}

/* Step 1: the intent, the journal included. Returns 0 or -1. */
static int
intent(const struct ld_cl *c, struct bg_redis *r, const char *ino, const char *off)
{
	const char *argv[] = {"HSET", c->ckey,       "pending", c->id,          "pending_ino",
	                      ino,    "pending_off", off,       "pending_cmds", c->buf};
	size_t lens[10];
	redisReply *rep;
	int rc;

	for (int i = 0; i < 9; i++)
		lens[i] = strlen(argv[i]);
	lens[9] = c->len;
	if ((rep = run(r, 10, argv, lens)) == NULL)
		return -1;
	rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
	if (rc < 0)
		bg_redis_reply_error(r, rep, "intent: unexpected reply");
	freeReplyObject(rep);
	return rc;
}

/* Steps 2 and 3 for the journal blob of batch id. Returns 0 or -1. */
static int
play(const struct ld_cl *c, struct bg_redis *r, const char *blob, size_t len, const char *id, const char *ino,
     const char *off, struct ld_cl_replay *replay)
{
	redisReply **v;
	long n = parse(blob, len, &v);
	int rc;

	if (n < 0) {
		bg_redis_reply_error(r, NULL, "checkpoint: pending_cmds is not a journal");
		free(v);
		return -1;
	}
	rc = apply(c, r, v, (size_t)n, id, replay != NULL, replay);
	for (long i = 0; i < n; i++)
		freeReplyObject(v[i]);
	free(v);
	return rc == 0 && bg_redis_wait(r) == 0 ? finish(c, r, id, ino, off) : -1;
}

int
ld_cl_commit(struct ld_cl *c, struct bg_redis *r, const char *ino, const char *off)
{
	int rc;

	snprintf(c->id, sizeof(c->id), "%016llx.%lu", c->nonce, ++c->seq);
	if (ino == NULL)
		ino = off = "";
	if (c->n == 0)
		rc = finish(c, r, c->id, ino, off);
	else if (intent(c, r, ino, off) < 0 || bg_redis_wait(r) < 0) /* no slot before the journal is safe */
		rc = -1;
	else
		rc = play(c, r, c->buf, c->len, c->id, ino, off, NULL);
	ld_cl_clear(c);
	return rc;
}

/* Returns the string of a reply's element i, or "" when it is not one. */
static const char *
str_at(const redisReply *rep, size_t i)
{
	return rep->element[i]->type == REDIS_REPLY_STRING ? rep->element[i]->str : "";
}

int
ld_cl_recover(struct ld_cl *c, struct bg_redis *r, struct ld_cl_replay *out)
{
	const char *argv[] = {"HMGET", c->ckey, PENDING_ALL, "done"};
	redisReply *rep = run(r, 7, argv, NULL);
	char done[ID_MAX];
	int rc = 0;

	if (rep == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 5) {
		bg_redis_reply_error(r, rep, "checkpoint: unexpected reply");
		freeReplyObject(rep);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	snprintf(done, sizeof(done), "%s", str_at(rep, 4));
	if (*str_at(rep, 0) != '\0') { /* an intent: replayed, its applied slots skipped */
		snprintf(done, sizeof(done), "%s", str_at(rep, 0));
		snprintf(out->id, sizeof(out->id), "%s", done);
		rc = play(c, r, str_at(rep, 3), rep->element[3]->type == REDIS_REPLY_STRING ? rep->element[3]->len : 0,
		          done, str_at(rep, 1), str_at(rep, 2), out);
	}
	freeReplyObject(rep);
	if (rc < 0)
		return -1;
	return c->id[0] != '\0' && strcmp(done, c->id) == 0;
}
