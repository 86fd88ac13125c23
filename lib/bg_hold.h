/*
 * bg_hold.h - the configuration in force, shared by count and swapped on reload.
 *
 * A daemon has one holder. What it holds is one generation: the loaded
 * configuration, what the daemon derived from it (keys, checkers: its
 * "state") and a pool of idle Redis connections to that configuration's
 * Redis. A request acquires the generation in force and releases it when
 * done; a reload swaps a new generation in, and the old one is freed by
 * whoever releases it last, so no request ever sees a configuration change
 * under it, and a changed Redis address takes effect with the next request.
 * Every function is safe from any thread.
 *
 * DIAGNOSTICS: nothing here fails but bg_held_redis_borrow, which returns
 * NULL with a static reason in *why.
 */
#ifndef BG_HOLD_H
#define BG_HOLD_H

#include <stdbool.h>

#include "bg_config.h"
#include "bg_redis.h"

struct bg_hold; /* the holder */
struct bg_held; /* one generation */

/* Makes an empty holder; state_free (may be NULL) frees what a generation's state owns. */
struct bg_hold *bg_hold_new(void (*state_free)(void *state));

/* Drops the generation in force and frees the holder; requests still holding it keep it alive. */
void bg_hold_free(struct bg_hold *h);

/* Puts cfg and state in force, taking ownership of both; the old generation goes with its last release. */
void bg_hold_swap(struct bg_hold *h, struct bg_config *cfg, void *state);

/* Returns the generation in force with a reference the caller gives back with bg_held_release. */
struct bg_held *bg_hold_acquire(struct bg_hold *h);

/* Gives a reference back; the last one frees the generation. NULL is fine. */
void bg_held_release(struct bg_held *g);

/* The configuration of g (owned by g). */
const struct bg_config *bg_held_cfg(const struct bg_held *g);

/* The daemon's state of g (owned by g). */
void *bg_held_state(const struct bg_held *g);

/*
 * Lends a Redis connection to g's Redis: an idle one when there is one
 * (*reused true: it worked last time, but may have gone stale since), else
 * a new, not yet connected one. NULL with *why only for an address hiredis
 * cannot use, which bg_config_load has already refused.
 */
struct bg_redis *bg_held_redis_borrow(struct bg_held *g, bool *reused, const char **why);

/* Gives a borrowed connection back: kept for reuse when healthy, closed when not. */
void bg_held_redis_return(struct bg_held *g, struct bg_redis *r, bool healthy);

#endif
