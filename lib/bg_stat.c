/*
 * bg_stat.c - outcome counters, appended to a caller's pipeline (bg_stat.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_stat.h"
#include "bg_util.h"

static const char *const field_names[BG_ST_COUNT] = {
    "accepted",     "delivered", "deferred",        "bounced",    "bounce-dead", "bounce-counted",
    "bounce-block", "complaint", "unsub-one-click", "unsub-mail", "unverified",  "throttled",
};

const char *
bg_stat_field_name(enum bg_stat_field f)
{
	return (unsigned)f < BG_ST_COUNT ? field_names[f] : "?";
}

const char *
bg_stat_group(const struct bg_config *cfg, const char *domain)
{
	if (domain == NULL || *domain == '\0')
		return "-";
	for (size_t i = 0; i < cfg->n_groups; i++)
		if (bg_strlist_has(&cfg->groups[i].domains, domain))
			return cfg->groups[i].name;
	return domain;
}

void
bg_stat_day(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

void
bg_stat_hour(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%dT%H", &tm);
}

int
bg_stat_key_entity(char *out, size_t len, const char *prefix, const char *entity, const char *list, const char *group,
                   const char *day)
{
	int n;

	if (list != NULL && *list != '\0')
		n = snprintf(out, len, "%sstat:l:%s/%s:%s:%s", prefix, entity, list, group, day);
	else
		n = snprintf(out, len, "%sstat:e:%s:%s:%s", prefix, entity, group, day);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Appends HINCRBY key field n and EXPIRE key ttl; returns 2 or -1. */
static int
incr(struct bg_redis *r, const char *key, const char *field, long n, long ttl)
{
	char num[24], secs[24];
	const char *hincr[] = {"HINCRBY", key, field, num};
	const char *expire[] = {"EXPIRE", key, secs};

	snprintf(num, sizeof(num), "%ld", n);
	snprintf(secs, sizeof(secs), "%ld", ttl);
	if (bg_redis_append(r, 4, hincr, NULL) < 0 || bg_redis_append(r, 3, expire, NULL) < 0)
		return -1;
	return 2;
}

#define BATCH_SLOTS 4096

/* One counter of a batch. */
struct bentry {
	struct bentry *next_slot, *next_all;
	char *key, *field;
	long n, ttl;
};

struct bg_stat_batch {
	struct bentry *slot[BATCH_SLOTS];
	struct bentry *all;
};

struct bg_stat_batch *
bg_stat_batch_new(void)
{
	return bg_xcalloc(1, sizeof(struct bg_stat_batch));
}

void
bg_stat_batch_free(struct bg_stat_batch *b)
{
	if (b == NULL)
		return;
	while (b->all != NULL) {
		struct bentry *e = b->all;

		b->all = e->next_all;
		free(e->key);
		free(e->field);
		free(e);
	}
	free(b);
}

/* Adds n to key's field in the batch. */
static void
batch_add(struct bg_stat_batch *b, const char *key, const char *field, long n, long ttl)
{
	uint32_t h = 2166136261u;
	struct bentry *e;

	for (const char *c = key; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	for (const char *c = field; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h &= BATCH_SLOTS - 1;
	for (e = b->slot[h]; e != NULL; e = e->next_slot)
		if (strcmp(e->key, key) == 0 && strcmp(e->field, field) == 0) {
			e->n += n;
			return;
		}
	e = bg_xcalloc(1, sizeof(*e));
	e->key = bg_xstrdup(key);
	e->field = bg_xstrdup(field);
	e->n = n;
	e->ttl = ttl;
	e->next_slot = b->slot[h];
	b->slot[h] = e;
	e->next_all = b->all;
	b->all = e;
}

int
bg_stat_batch_append(struct bg_redis *r, struct bg_stat_batch *b)
{
	int q = 0;

	for (struct bentry *e = b->all; e != NULL && q >= 0; e = e->next_all)
		q = incr(r, e->key, e->field, e->n, e->ttl) < 0 ? -1 : q + 2;
	bg_stat_batch_clear(b);
	return q;
}

void
bg_stat_batch_each(struct bg_stat_batch *b, void (*fn)(void *arg, const char *key, const char *field, long n, long ttl),
                   void *arg)
{
	for (struct bentry *e = b->all; e != NULL; e = e->next_all)
		fn(arg, e->key, e->field, e->n, e->ttl);
	bg_stat_batch_clear(b);
}

void
bg_stat_batch_clear(struct bg_stat_batch *b)
{
	while (b->all != NULL) {
		struct bentry *e = b->all;

		b->all = e->next_all;
		free(e->key);
		free(e->field);
		free(e);
	}
	memset(b->slot, 0, sizeof(b->slot));
}

/* Counts into the pipeline r (returns the replies queued, or -1) or, when b is set, into the batch (returns 0). */
static int
put(struct bg_redis *r, struct bg_stat_batch *b, const char *key, const char *field, long n, long ttl)
{
	if (b == NULL)
		return incr(r, key, field, n, ttl);
	batch_add(b, key, field, n, ttl);
	return 0;
}

/* bg_stat_entity into r or b. */
static int
entity_to(struct bg_redis *r, struct bg_stat_batch *b, const struct bg_config *cfg, const char *entity,
          const char *list, const char *group, time_t now, enum bg_stat_field f, long n)
{
	char key[BG_STAT_KEY_MAX], day[16], field[64];
	const char *e = entity != NULL && *entity ? entity : "-";
	long bucket = cfg->reputation.bucket > 0 ? cfg->reputation.bucket : 3600;
	int q = 0, k;

	bg_stat_day(now, day);
	if (bg_stat_key_entity(key, sizeof(key), cfg->redis.prefix, e, NULL, group, day) < 0)
		return 0;
	if ((k = put(r, b, key, bg_stat_field_name(f), n, BG_STAT_DAY_TTL)) < 0)
		return -1;
	q += k;
	if (list != NULL && *list != '\0' &&
	    bg_stat_key_entity(key, sizeof(key), cfg->redis.prefix, e, list, group, day) > 0) {
		if ((k = put(r, b, key, bg_stat_field_name(f), n, BG_STAT_DAY_TTL)) < 0)
			return -1;
		q += k;
	}
	if (entity == NULL || *entity == '\0')
		return q;
	snprintf(key, sizeof(key), "%sstat:w:%s", cfg->redis.prefix, e);
	snprintf(field, sizeof(field), "%lld:%s", (long long)(now / bucket), bg_stat_field_name(f));
	if ((k = put(r, b, key, field, n, cfg->reputation.window + bucket)) < 0)
		return -1;
	return q + k;
}

/* bg_stat_ip into r or b. */
static int
ip_to(struct bg_redis *r, struct bg_stat_batch *b, const struct bg_config *cfg, const char *ip, const char *group,
      time_t now, enum bg_stat_field f, long n)
{
	char key[BG_STAT_KEY_MAX], hour[16];
	int len;

	bg_stat_hour(now, hour);
	len = snprintf(key, sizeof(key), "%sstat:ip:%s:%s:%s", cfg->redis.prefix, ip, group, hour);
	if (len < 0 || (size_t)len >= sizeof(key))
		return 0;
	return put(r, b, key, bg_stat_field_name(f), n, BG_STAT_HOUR_TTL);
}

int
bg_stat_entity(struct bg_redis *r, const struct bg_config *cfg, const char *entity, const char *list, const char *group,
               time_t now, enum bg_stat_field f, long n)
{
	return entity_to(r, NULL, cfg, entity, list, group, now, f, n);
}

int
bg_stat_ip(struct bg_redis *r, const struct bg_config *cfg, const char *ip, const char *group, time_t now,
           enum bg_stat_field f, long n)
{
	return ip_to(r, NULL, cfg, ip, group, now, f, n);
}

void
bg_stat_batch_entity(struct bg_stat_batch *b, const struct bg_config *cfg, const char *entity, const char *list,
                     const char *group, time_t now, enum bg_stat_field f, long n)
{
	entity_to(NULL, b, cfg, entity, list, group, now, f, n);
}

void
bg_stat_batch_ip(struct bg_stat_batch *b, const struct bg_config *cfg, const char *ip, const char *group, time_t now,
                 enum bg_stat_field f, long n)
{
	ip_to(NULL, b, cfg, ip, group, now, f, n);
}

int
bg_stat_drain(struct bg_redis *r, int n)
{
	int rc = 0;

	for (int i = 0; i < n; i++) {
		redisReply *rep = bg_redis_reply(r);

		if (rep == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_ERROR)
			rc = -1;
		freeReplyObject(rep);
	}
	return rc;
}

void
bg_stat_window_sum(const redisReply *hash, long bucket, long window, time_t now, struct bg_stat_window *w)
{
	long long first = (long long)((now - window) / bucket) + 1;

	memset(w, 0, sizeof(*w));
	if (hash == NULL || hash->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < hash->elements; i += 2) {
		char *end;
		long long b = strtoll(hash->element[i]->str, &end, 10),
		          v = strtoll(hash->element[i + 1]->str, NULL, 10);

		if (*end != ':' || b < first)
			continue;
		if (strcmp(end + 1, "accepted") == 0)
			w->accepted += v;
		else if (strcmp(end + 1, "complaint") == 0)
			w->complaint += v;
		else if (strcmp(end + 1, "bounce-dead") == 0 || strcmp(end + 1, "bounce-counted") == 0)
			w->bounce += v;
	}
}
