/*
 * bg_redis.h - one synchronous Redis connection with a deadline on every step.
 *
 * Wraps hiredis 0.14: TCP ("host:port", "[v6]:port") or unix socket
 * ("unix:/path"), timeout_ms on connect and on every command (socket
 * timeouts), and reconnection after any error: hiredis leaves a context dead
 * after an I/O, EOF or protocol error, so this module drops it and connects
 * afresh on the next call. A connection is not thread-safe: one user at a
 * time. The module never logs; bg_redis_error() says what went wrong.
 *
 * DIAGNOSTICS: -1 or NULL with the reason on the handle (bg_redis_error); bg_redis_new sets *err.
 */
#ifndef BG_REDIS_H
#define BG_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct bg_redis;

/*
 * Splits a Redis address, "host:port", "[v6]:port" or "unix:/path", into
 * *host (the path for a unix socket; the caller frees it) and *port (0 for a
 * unix socket). Returns 0, or -1 for a malformed address.
 */
int bg_redis_split_address(const char *address, char **host, int *port);

/* Makes an unconnected handle for address; NULL with *err set if address is malformed. */
struct bg_redis *bg_redis_new(const char *address, long timeout_ms, const char **err);

/* Closes and frees r; NULL is fine. */
void bg_redis_free(struct bg_redis *r);

/* Connects if not connected. Returns 0, or -1 with the reason in bg_redis_error(). */
int bg_redis_connect(struct bg_redis *r);

/*
 * Queues one command (argv/argvlen as redisAppendCommandArgv) for the next
 * bg_redis_flush. Returns 0, or -1 (connection dropped).
 */
int bg_redis_append(struct bg_redis *r, int argc, const char **argv, const size_t *argvlen);

/*
 * Reads the next reply of the queued commands (sending them first). Returns
 * a reply the caller frees with freeReplyObject, or NULL after an error: the
 * connection is then dropped, and the rest of the pipeline is lost.
 */
redisReply *bg_redis_reply(struct bg_redis *r);

/*
 * Sends the queued commands without reading any reply, so several servers
 * can work on their pipelines at once. Returns 0, or -1 (connection dropped).
 */
int bg_redis_flush(struct bg_redis *r);

/* Returns the last error's text (static or owned by r; valid until the next call). */
const char *bg_redis_error(const struct bg_redis *r);

/*
 * Records the error of a reply the caller could not use: an error reply's
 * own text (WRONGTYPE, NOREPLICAS...), else what (a wrong type). The
 * connection stays.
 */
void bg_redis_reply_error(struct bg_redis *r, const redisReply *reply, const char *what);

/* Returns the address this handle talks to. */
const char *bg_redis_address(const struct bg_redis *r);

#endif
