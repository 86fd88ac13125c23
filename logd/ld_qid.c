/*
 * ld_qid.c - the queue id table (ld_qid.h): chained hashing, FNV-1a.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bg_log.h"
#include "bg_util.h"
#include "ld_qid.h"

#define SLOTS (1u << 16)

struct entry {
	struct entry *next;
	char *qid, *sender;
	unsigned long batch; /* the batch that put it (0: loaded) */
};

struct ld_qid {
	struct entry *slot[SLOTS];
	size_t n;
};

/* FNV-1a of s, reduced to a slot. */
static unsigned
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h & (SLOTS - 1);
}

struct ld_qid *
ld_qid_new(void)
{
	return bg_xcalloc(1, sizeof(struct ld_qid));
}

/* Frees every entry; the table stays usable. */
static void
clear(struct ld_qid *t)
{
	for (unsigned i = 0; i < SLOTS; i++)
		while (t->slot[i] != NULL) {
			struct entry *e = t->slot[i];

			t->slot[i] = e->next;
			free(e->qid);
			free(e->sender);
			free(e);
		}
	t->n = 0;
}

void
ld_qid_free(struct ld_qid *t)
{
	if (t == NULL)
		return;
	clear(t);
	free(t);
}

void
ld_qid_put(struct ld_qid *t, const char *qid, const char *sender, unsigned long batch)
{
	unsigned h = hash(qid);
	struct entry *e;

	for (e = t->slot[h]; e != NULL; e = e->next)
		if (strcmp(e->qid, qid) == 0) {
			free(e->sender);
			e->sender = bg_xstrdup(sender);
			e->batch = batch;
			return;
		}
	if (t->n >= LD_QID_ENTRIES) {
		bg_log_warn("qids=%zu over %d: table emptied (deliveries of those messages count per IP only)", t->n,
		            LD_QID_ENTRIES);
		clear(t);
	}
	e = bg_xcalloc(1, sizeof(*e));
	e->qid = bg_xstrdup(qid);
	e->sender = bg_xstrdup(sender);
	e->batch = batch;
	e->next = t->slot[h];
	t->slot[h] = e;
	t->n++;
}

const char *
ld_qid_get(const struct ld_qid *t, const char *qid)
{
	for (const struct entry *e = t->slot[hash(qid)]; e != NULL; e = e->next)
		if (strcmp(e->qid, qid) == 0)
			return e->sender;
	return NULL;
}

const char *
ld_qid_fresh(const struct ld_qid *t, const char *qid, unsigned long batch)
{
	for (const struct entry *e = t->slot[hash(qid)]; e != NULL; e = e->next)
		if (strcmp(e->qid, qid) == 0)
			return e->batch == batch ? e->sender : NULL;
	return NULL;
}

int
ld_qid_del(struct ld_qid *t, const char *qid, unsigned long batch)
{
	for (struct entry **p = &t->slot[hash(qid)]; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->qid, qid) == 0) {
			struct entry *e = *p;
			int fresh = e->batch == batch;

			*p = e->next;
			free(e->qid);
			free(e->sender);
			free(e);
			t->n--;
			return fresh;
		}
	return 0;
}

int
ld_qid_load(struct ld_qid *t, struct bg_redis *r, const char *key)
{
	const char *hlen[] = {"HLEN", key}, *all[] = {"HGETALL", key}, *del[] = {"DEL", key};
	redisReply *rep;
	long long n = 0;

	if (bg_redis_append(r, 2, hlen, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_INTEGER)
		n = rep->integer;
	freeReplyObject(rep);
	if (n > LD_QID_ENTRIES) {
		if (bg_redis_append(r, 2, del, NULL) == 0 && (rep = bg_redis_reply(r)) != NULL)
			freeReplyObject(rep);
		return 0;
	}
	if (n == 0)
		return 0;
	if (bg_redis_append(r, 2, all, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i + 1 < rep->elements; i += 2)
		ld_qid_put(t, rep->element[i]->str, rep->element[i + 1]->str, 0);
	freeReplyObject(rep);
	return 0;
}
