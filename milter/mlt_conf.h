/*
 * mlt_conf.h - the configuration in force, and the Redis connections made for it.
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
#include "bg_redis.h"
#include "bg_spf.h"
#include "bg_token.h"

struct mlt_conf;

/*
 * Installs the first configuration, taking ownership of cfg, and loads the
 * keys it names (DKIM keys; token keys when an entity needs tokens or VERP; the SPF checker). Returns
 * 0, or -1 with the reason in err (cfg is freed).
 */
int mlt_conf_init(struct bg_config *cfg, char *err, size_t errlen);

/* Returns the configuration in force with a reference the caller gives back with mlt_conf_release. */
struct mlt_conf *mlt_conf_acquire(void);
void mlt_conf_release(struct mlt_conf *c);

/* Returns the parsed configuration of c. */
const struct bg_config *mlt_conf_cfg(const struct mlt_conf *c);

/* Returns the DKIM keys of c (never NULL; without dkim blocks it signs nothing). */
const struct bg_dkim_keys *mlt_conf_dkim(const struct mlt_conf *c);

/* Returns the SPF checker of c, or NULL when no entity has spf_ips. */
struct bg_spf *mlt_conf_spf(const struct mlt_conf *c);

/* Returns the token keys of c, or NULL when no entity needs them. */
const struct bg_token_keys *mlt_conf_tokens(const struct mlt_conf *c);

/* Lends a Redis connection of c (possibly not yet connected); never NULL. */
struct bg_redis *mlt_conf_redis_borrow(struct mlt_conf *c);
/* Gives it back: kept for reuse when healthy, closed when failed. */
void mlt_conf_redis_return(struct mlt_conf *c, struct bg_redis *r, bool healthy);

/* Loads the configuration file again and swaps it in; a bad file keeps the old one. Logs either way. */
void mlt_conf_reload(void);

/* Drops the configuration in force (at exit). */
void mlt_conf_shutdown(void);

#endif
