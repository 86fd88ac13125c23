/*
 * ld_brake.h - the brakes: pool x group throttling and holds, entity suspensions.
 *
 * Redis keys (after redis.prefix):
 *
 *   brake:pair:<pool>:<group>  (on a Redis Cluster brake:pair:{<pool>}:<group>,
 *       or {all}<pool> with a limit without a pool: the name policyd reads,
 *       bg_limit_pool_name)  hash: factor (the share of the pair's rates
 *       policyd allows, "0.50"; absent: 1), hold_until (unix time; policyd
 *       defers the pair until then), last_signal, last_recover, block_start,
 *       blocks. Written only by bulkguard-logd (and deleted by bulkguard-ctl
 *       brake release).
 *   suspend:<entity>  an automatic suspension is "auto <unix-time> <reason>",
 *       set with NX: an operator's suspension is never overwritten, and only
 *       a value starting with "auto " is ever released by bulkguard-ctl
 *       brake release.
 *
 * Every engage and release is logged (brake=... action=engage|lower|recover|release).
 */
#ifndef LD_BRAKE_H
#define LD_BRAKE_H

#include <time.h>

#include "bg_config.h"
#include "bg_redis.h"

/* A throttling reply from pool's IP for group: lowers the pair's factor. Returns 0 or -1. */
int ld_brake_throttle(struct bg_redis *r, const struct bg_config *cfg, const char *pool, const char *group, time_t now);

/* A block-class rejection: counts it; a burst holds the pair for block_cooldown. Returns 0 or -1. */
int ld_brake_block(struct bg_redis *r, const struct bg_config *cfg, const char *pool, const char *group, time_t now);

/* The periodic check: pairs recover and cool-downs end; entity rates warn and suspend. Returns 0 or -1. */
int ld_brake_tick(struct bg_redis *r, const struct bg_config *cfg, time_t now);

#endif
