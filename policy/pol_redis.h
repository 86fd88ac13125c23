/*
 * pol_redis.h - one asynchronous Redis connection on the daemon's loop.
 *
 * hiredis's async API with its libevent adapter: every check is one
 * EVALSHA of the limit script (EVAL while the SHA is not known yet, and again
 * after NOSCRIPT), pipelined on one connection. Each call gets exactly one
 * answer: the reply, or a failure when Redis is not connected, answers with
 * an error, or takes longer than timeout_ms. Nothing is queued while
 * disconnected; a lost or stuck connection is dropped and made again in the
 * background. The module never logs; failures carry their reason.
 */
#ifndef POL_REDIS_H
#define POL_REDIS_H

#include <stddef.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "bg_config.h"

struct pol_redis;

/*
 * Called once per pol_redis_eval. reply (owned by hiredis, valid during the
 * call) is NULL on failure, with why saying what went wrong (static text).
 */
typedef void (*pol_redis_cb)(void *arg, const redisReply *reply, const char *why);

/*
 * Makes a handle for conf (address "host:port" or "unix:/path", timeout_ms,
 * user, password, db; copied) and starts connecting. Every connection, first
 * or again, sends AUTH and SELECT as configured before anything else. NULL
 * with *err (static) when the address is malformed.
 */
struct pol_redis *pol_redis_new(struct event_base *base, const struct bg_redis_conf *conf, const char *script,
                                const char **err);

/* Says why pol_redis_eval refuses now: the last connection's trouble, or "not connected" (owned by r). */
const char *pol_redis_down(const struct pol_redis *r);

/* Drops the connection (pending calls get their failure) and frees r. */
void pol_redis_free(struct pol_redis *r);

/*
 * Runs the script with argv (argv[0] and argv[1] are ignored: the command
 * and the SHA or script go there). The arrays are copied; the strings stay
 * the caller's and must stay valid until cb runs. Returns 0 (cb will be called later), or -1 when Redis is not
 * connected (cb is not called).
 */
int pol_redis_eval(struct pol_redis *r, int argc, const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg);

#endif
