/*
 * mlt_conf.h - the configuration in force as the milter sees it: bg_hold's
 * generation plus the keys and SPF checker derived from it.
 *
 * A message holds a reference to the configuration it started under, so a
 * reload (SIGHUP) takes effect from the next message and never under a
 * running one. Each configuration keeps its own pool of idle Redis
 * connections: a recipient lookup borrows one and gives it back, a
 * connection that failed is closed instead (the next borrower connects
 * afresh), and the pool dies with its configuration.
 */
#ifndef MLT_CONF_H
#define MLT_CONF_H

#include <stdbool.h>

#include "bg_config.h"
#include "bg_dkim.h"
#include "bg_hold.h"
#include "bg_redis.h"
#include "bg_spf.h"
#include "bg_token.h"

/* The milter's state of a configuration: DKIM keys; token keys when an entity needs tokens or VERP; the SPF
 * checker. Returns what the caller hands to the holder, or NULL with the reason in err. */
void *mlt_conf_derive(const struct bg_config *cfg, char *err, size_t errlen);

/* Frees what mlt_conf_derive made; NULL is fine. */
void mlt_conf_state_free(void *state);

/* Serves every later mlt_conf_acquire from h (the skeleton's holder). */
void mlt_conf_use(struct bg_hold *h);

/* Returns the configuration in force with a reference the caller gives back with mlt_conf_release. */
struct bg_held *mlt_conf_acquire(void);
void mlt_conf_release(struct bg_held *c);

/* Returns the parsed configuration of c. */
const struct bg_config *mlt_conf_cfg(const struct bg_held *c);

/* Returns the DKIM keys of c (never NULL; without dkim blocks it signs nothing). */
const struct bg_dkim_keys *mlt_conf_dkim(const struct bg_held *c);

/* Returns the SPF checker of c, or NULL when no entity has spf_ips. */
struct bg_spf *mlt_conf_spf(const struct bg_held *c);

/* Returns the token keys of c, or NULL when no entity needs them. */
const struct bg_token_keys *mlt_conf_tokens(const struct bg_held *c);

/* Lends a Redis connection of c (possibly not yet connected); never NULL. */
struct bg_redis *mlt_conf_redis_borrow(struct bg_held *c);
/* Gives it back: kept for reuse when healthy, closed when failed. */
void mlt_conf_redis_return(struct bg_held *c, struct bg_redis *r, bool healthy);

#endif
