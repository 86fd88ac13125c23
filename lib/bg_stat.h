/*
 * bg_stat.h - the outcome counters under bg:stat: (doc/design.md 3.2) and the brake windows.
 *
 * Every counter is a hash field incremented with HINCRBY, appended to the
 * caller's pipeline with its EXPIRE, so counting never costs a round trip of
 * its own: the caller reads the replies with bg_stat_drain when it reads the
 * rest. Keys (after redis.prefix):
 *
 *   stat:e:<entity>:<group>:<YYYY-MM-DD>         per entity, group, UTC day (kept BG_STAT_DAY_TTL)
 *   stat:l:<entity>/<list>:<group>:<YYYY-MM-DD>  the same per list
 *   stat:ip:<ip>:<group>:<YYYY-MM-DDTHH>         per pool IP, group, UTC hour (kept BG_STAT_HOUR_TTL)
 *   stat:w:<entity>                              the entity's brake window: fields
 *                                                "<bucket>:<counter>", bucket = unix time /
 *                                                reputation.bucket; kept one window
 *
 * The group is the domain_group listing the recipient's domain, else the
 * domain itself ("-" when unknown). Unverified feedback has no entity and is
 * counted under entity "-", group "-".
 */
#ifndef BG_STAT_H
#define BG_STAT_H

#include <time.h>

#include "bg_config.h"
#include "bg_redis.h"

#define BG_STAT_DAY_TTL  (100L * 86400) /* a day's hash lives 100 days */
#define BG_STAT_HOUR_TTL (15L * 86400)  /* an hour's hash lives 15 days */
#define BG_STAT_KEY_MAX  600

/* The counters; their names are the hash fields. */
enum bg_stat_field {
	BG_ST_ACCEPTED = 0, /* recipients the milter accepted (end of message) */
	BG_ST_DELIVERED,    /* Postfix's log: status=sent */
	BG_ST_DEFERRED,     /* status=deferred */
	BG_ST_BOUNCED,      /* status=bounced or expired (the log's view) */
	BG_ST_DEAD,         /* a verified DSN: the address is dead (5.1.1 ...) */
	BG_ST_COUNTED,      /* a verified DSN: another hard bounce, counted in bg:bounces */
	BG_ST_BLOCK,        /* a verified DSN of the block class, or a block in the log */
	BG_ST_COMPLAINT,    /* a verified ARF report */
	BG_ST_UNSUB_CLICK,  /* a one-click unsubscribe */
	BG_ST_UNSUB_MAIL,   /* an unsubscribe mail */
	BG_ST_UNVERIFIED,   /* feedback dropped because its origin was not verified */
	BG_ST_THROTTLED,    /* per IP: a throttling deferral (421, 4.7.x rate limited) */
	BG_ST_COUNT
};

/* Returns the field name of f ("accepted", "bounce-dead", ...); static. */
const char *bg_stat_field_name(enum bg_stat_field f);

/* Returns the destination group of domain: the domain_group listing it, else domain; owned by cfg or the caller. */
const char *bg_stat_group(const struct bg_config *cfg, const char *domain);

/* Writes the UTC day ("2026-12-07") or hour ("2026-12-07T03") of t into out (16 bytes). */
void bg_stat_day(time_t t, char out[16]);
void bg_stat_hour(time_t t, char out[16]);

/*
 * Appends, for n events of field f at time now, the entity's day counter,
 * the list's when list is not empty, and the brake window's bucket (each
 * HINCRBY with its EXPIRE). entity NULL counts under "-". Returns how many
 * replies were queued, or -1 when the connection failed (the count is lost).
 */
int bg_stat_entity(struct bg_redis *r, const struct bg_config *cfg, const char *entity, const char *list,
                   const char *group, time_t now, enum bg_stat_field f, long n);

/* Appends the pool IP's hour counter (HINCRBY and EXPIRE); returns the replies queued, or -1. */
int bg_stat_ip(struct bg_redis *r, const struct bg_config *cfg, const char *ip, const char *group, time_t now,
               enum bg_stat_field f, long n);

#define BG_STAT_SUSPEND_AUTO "auto " /* the prefix of an automatic suspension's value (bulkguard-logd) */

/* An entity's brake window summed: accepted recipients, complaints, bounces (dead + counted). */
struct bg_stat_window {
	long long accepted, complaint, bounce;
};

/* Sums the HGETALL reply of stat:w:<entity> over the window ending at now (pure). */
void bg_stat_window_sum(const redisReply *hash, long bucket, long window, time_t now, struct bg_stat_window *w);

/*
 * A batch sums counters in memory (bulkguard-logd: thousands of log lines
 * become one HINCRBY per key and field). bg_stat_batch_append appends them
 * all (HINCRBY and EXPIRE each) to r's pipeline, empties the batch and
 * returns the replies queued, or -1. The caller frees a batch with
 * bg_stat_batch_free.
 */
struct bg_stat_batch;
struct bg_stat_batch *bg_stat_batch_new(void);
void bg_stat_batch_free(struct bg_stat_batch *b);
void bg_stat_batch_entity(struct bg_stat_batch *b, const struct bg_config *cfg, const char *entity, const char *list,
                          const char *group, time_t now, enum bg_stat_field f, long n);
void bg_stat_batch_ip(struct bg_stat_batch *b, const struct bg_config *cfg, const char *ip, const char *group,
                      time_t now, enum bg_stat_field f, long n);
int bg_stat_batch_append(struct bg_redis *r, struct bg_stat_batch *b);
/* Empties the batch without writing it. */
void bg_stat_batch_clear(struct bg_stat_batch *b);

/* Calls fn for each counter of the batch (key, field, sum, ttl in seconds), then empties it. */
void bg_stat_batch_each(struct bg_stat_batch *b,
                        void (*fn)(void *arg, const char *key, const char *field, long n, long ttl), void *arg);

/* Reads n replies; returns 0, or -1 when one was an error or the connection failed. */
int bg_stat_drain(struct bg_redis *r, int n);

/* Writes the key of an entity's (list non-empty: a list's) day counters; returns its length, -1 if too long. */
int bg_stat_key_entity(char *out, size_t len, const char *prefix, const char *entity, const char *list,
                       const char *group, const char *day);

#endif
