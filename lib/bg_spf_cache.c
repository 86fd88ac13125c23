/*
 * bg_spf_cache.c - the SPF result cache: (domain, ip) -> result, bounded in
 * entries (LRU) and in time (CLOCK_MONOTONIC), one lock; temperror is never kept.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bg_spf_cache.h"
#include "bg_util.h"

#define CACHE_BUCKETS 8192 /* a power of two, twice BG_SPF_CACHE_MAX */

/* Returns CLOCK_MONOTONIC in milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Returns the bucket of key (FNV-1a). */
static uint32_t
key_bucket(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (CACHE_BUCKETS - 1);
}

/* Sets the cache up; with ttl 0 it stays off and allocates nothing. */
void
bg_spf_cache_init(struct spf_cache *c, unsigned ttl)
{
	pthread_mutex_init(&c->lock, NULL);
	c->ttl_ms = (int64_t)ttl * 1000;
	c->newest = c->oldest = -1;
	if (c->ttl_ms == 0)
		return;
	c->e = bg_xcalloc(BG_SPF_CACHE_MAX, sizeof(*c->e));
	c->bucket = bg_xcalloc(CACHE_BUCKETS, sizeof(*c->bucket));
	for (size_t i = 0; i < CACHE_BUCKETS; i++)
		c->bucket[i] = -1;
}

/* Frees what cache_init allocated. */
void
bg_spf_cache_free(struct spf_cache *c)
{
	free(c->e);
	free(c->bucket);
	pthread_mutex_destroy(&c->lock);
}

/* Returns the index of key's entry, or -1. */
static int32_t
cache_find(const struct spf_cache *c, const char *key)
{
	int32_t i;

	for (i = c->bucket[key_bucket(key)]; i >= 0; i = c->e[i].chain)
		if (strcmp(c->e[i].key, key) == 0)
			return i;
	return -1;
}

/* Takes entry i out of the LRU list. */
static void
lru_unlink(struct spf_cache *c, int32_t i)
{
	struct cache_entry *e = &c->e[i];

	if (e->newer >= 0)
		c->e[e->newer].older = e->older;
	else
		c->newest = e->older;
	if (e->older >= 0)
		c->e[e->older].newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = -1;
}

/* Puts entry i first (most recently used) in the LRU list. */
static void
lru_push(struct spf_cache *c, int32_t i)
{
	c->e[i].newer = -1;
	c->e[i].older = c->newest;
	if (c->newest >= 0)
		c->e[c->newest].newer = i;
	c->newest = i;
	if (c->oldest < 0)
		c->oldest = i;
}

/* Takes entry i out of its bucket chain. */
static void
chain_unlink(struct spf_cache *c, int32_t i)
{
	int32_t *p = &c->bucket[key_bucket(c->e[i].key)];

	while (*p != i)
		p = &c->e[*p].chain;
	*p = c->e[i].chain;
}

/* Returns a free entry, evicting the least recently used one when the cache is full. */
static int32_t
cache_slot(struct spf_cache *c)
{
	int32_t i;

	if (c->used < BG_SPF_CACHE_MAX)
		return c->used++;
	i = c->oldest;
	lru_unlink(c, i);
	chain_unlink(c, i);
	return i;
}

/* Counts a check and, on a live hit, sets *r and explain; returns true on a hit. */
bool
bg_spf_cache_get(struct spf_cache *c, const char *key, enum bg_spf_result *r, char *explain, size_t len)
{
	char text[BG_SPF_EXPLAIN_MAX + 16];
	int32_t i;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	c->checks++;
	if (c->ttl_ms > 0 && (i = cache_find(c, key)) >= 0 && c->e[i].expires > now_ms()) {
		*r = c->e[i].result;
		snprintf(text, sizeof(text), "%s (cached)", c->e[i].explain); /* stored printable */
		if (len > 0)
			snprintf(explain, len, "%s", text);
		lru_unlink(c, i);
		lru_push(c, i);
		c->hits++;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Stores a result for ttl; temperror is never stored. */
void
bg_spf_cache_put(struct spf_cache *c, const char *key, enum bg_spf_result r, const char *explain)
{
	int32_t i;

	if (c->ttl_ms == 0 || r == BG_SPF_TEMPERROR)
		return;
	pthread_mutex_lock(&c->lock);
	if ((i = cache_find(c, key)) >= 0) {
		lru_unlink(c, i);
	} else {
		uint32_t b;

		i = cache_slot(c);
		bg_strlcpy(c->e[i].key, key, sizeof(c->e[i].key));
		b = key_bucket(key);
		c->e[i].chain = c->bucket[b];
		c->bucket[b] = i;
	}
	c->e[i].result = r;
	bg_strlcpy(c->e[i].explain, explain, sizeof(c->e[i].explain));
	c->e[i].expires = now_ms() + c->ttl_ms;
	lru_push(c, i);
	pthread_mutex_unlock(&c->lock);
}

void
bg_spf_cache_stats(struct spf_cache *c, unsigned long *checks, unsigned long *hits, unsigned long *cached)
{
	pthread_mutex_lock(&c->lock);
	*checks = c->checks;
	*hits = c->hits;
	*cached = (unsigned long)c->used;
	pthread_mutex_unlock(&c->lock);
}
