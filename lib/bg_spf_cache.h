/*
 * bg_spf_cache.h - the SPF result cache of a bg_spf handle (internal to bg_spf.c).
 *
 * DIAGNOSTICS: nothing fails: a full cache drops its least recently used entry.
 */
#ifndef BG_SPF_CACHE_H
#define BG_SPF_CACHE_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bg_spf.h"

#define BG_SPF_KEY_MAX (253 + 1 + INET6_ADDRSTRLEN + 1) /* "domain ip" */
#define KEY_MAX BG_SPF_KEY_MAX

/* One cached result; entries are linked in a bucket chain and in LRU order. */
struct cache_entry {
	char key[KEY_MAX]; /* "domain ip", domain lower-cased, ip canonical */
	char explain[BG_SPF_EXPLAIN_MAX];
	enum bg_spf_result result;
	int64_t expires;      /* CLOCK_MONOTONIC milliseconds */
	int32_t chain;        /* next entry in the same bucket, -1 at the end */
	int32_t newer, older; /* LRU neighbours, -1 at the ends */
};

struct spf_cache {
	pthread_mutex_t lock;
	int64_t ttl_ms; /* 0: the cache is off */
	struct cache_entry *e;
	int32_t *bucket;
	int32_t used, newest, oldest;
	unsigned long checks, hits;
};

/* Sets the cache up; with ttl 0 (seconds) it stays off and allocates nothing. */
void bg_spf_cache_init(struct spf_cache *c, unsigned ttl);
/* Frees what bg_spf_cache_init allocated. */
void bg_spf_cache_free(struct spf_cache *c);
/* Counts a check and, on a live hit, sets *r and explain (len bytes); true on a hit. */
bool bg_spf_cache_get(struct spf_cache *c, const char *key, enum bg_spf_result *r, char *explain, size_t len);
/* Stores a result for the cache's ttl; temperror is never stored. */
void bg_spf_cache_put(struct spf_cache *c, const char *key, enum bg_spf_result r, const char *explain);
/* Copies the counters. */
void bg_spf_cache_stats(struct spf_cache *c, unsigned long *checks, unsigned long *hits, unsigned long *cached);

#endif
