/*
 * fb_apply.h - a classified feedback record written to Redis as suppressions.
 *
 * 5.1.1, 5.1.2 and 5.1.10 suppress the address for every sender (bounce,
 * source dsn-<status>). Other 5.x.x bounces are added to the sorted set
 * bg:bounces:<address> (score: the time) and suppress (bounce,
 * dsn-repeated) once feedback.bounce_threshold of them, no older than
 * FB_BOUNCE_WINDOW_DAYS, span at least feedback.bounce_min_span_days
 * (newest - oldest). ARF abuse and fraud reports suppress the complainer for
 * the entity (complaint, arf); an unsubscribe mail for the token's entity,
 * or list with unsubscribe_scope = list (unsubscribe, mailto).
 */
#ifndef FB_APPLY_H
#define FB_APPLY_H

#include <time.h>

#include "bg_config.h"
#include "bg_redis.h"
#include "fb_classify.h"

#define FB_BOUNCE_WINDOW_DAYS 90 /* hard bounces older than this are forgotten (at least twice the span) */

enum fb_result {
	FB_DONE = 0, /* written, or nothing to write */
	FB_TEMPFAIL, /* Redis could not be written: the mail must be retried */
};

/*
 * Writes what r says for the mail with id (for logs) at time now, through
 * redis. Logs one line per decision. Returns FB_DONE or FB_TEMPFAIL (then
 * some writes may be missing; every write is idempotent, so a retry is safe).
 */
enum fb_result fb_apply(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now,
                        const char *id);

/* Writes into out the Redis form of a (lower case unless keep_local_case); returns false if refused. */
bool fb_apply_address(const struct bg_config *cfg, const struct bg_addr *a, struct bg_addr *out);

#define FB_ENTITIES_MAX 8

/* Whom a complaint or an unsubscribe mail suppresses, and for which entities. */
struct fb_target {
	struct bg_addr addr;                 /* in Redis form */
	const char *entity[FB_ENTITIES_MAX]; /* names, owned by cfg or r */
	size_t n_entity;
	const char *list; /* unsubscribe_scope = list: the token's list, else NULL */
	const char *via;  /* token, verp, dkim, from */
};

/*
 * Finds the target of an ARF report or an unsubscribe mail r into *t (the
 * token, else the VERP's return_path_domain, else Original-Rcpt-To with the
 * DKIM d= or From domain). Returns false when nobody or no entity is found.
 * t points into cfg and r: it lives as long as both.
 */
bool fb_apply_target(const struct bg_config *cfg, const struct fb_record *r, struct fb_target *t);

#endif
