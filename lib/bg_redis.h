/*
 * bg_redis.h - one synchronous Redis connection with a deadline on every step.
 *
 * Wraps hiredis 0.14: TCP ("host:port", "[v6]:port") or unix socket
 * ("unix:/path"), timeout_ms on connect and on every command (socket
 * timeouts), and reconnection after any error: hiredis leaves a context dead
 * after an I/O, EOF or protocol error, so this module drops it and connects
 * afresh on the next call. Every connection, first or again, sends AUTH
 * (user and password, or the password alone) and SELECT (db other than 0)
 * before anything else; a refused AUTH or SELECT is a connection error.
 * No error text ever holds the password. With sentinels (redis.sentinels),
 * each connection asks them for the master first (bg_sentinel) and checks
 * ROLE after AUTH: a replica is refused, and a READONLY reply makes the
 * next command ask the sentinels again. A connection is not thread-safe:
 * one user at a time. The module never logs; bg_redis_error() says what went
 * wrong. Made from a configuration with cluster_nodes, a handle talks to a
 * Redis Cluster with the same calls (bg_redis_cl.h): a pipeline becomes one
 * pipeline per master, in parallel, with replies in the order of the appends.
 *
 * DIAGNOSTICS: -1 or NULL with the reason on the handle (bg_redis_error); bg_redis_new sets *err.
 */
#ifndef BG_REDIS_H
#define BG_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bg_config.h"

struct bg_redis;

/*
 * Splits a Redis address, "host:port", "[v6]:port" or "unix:/path", into
 * *host (the path for a unix socket; the caller frees it) and *port (0 for a
 * unix socket). Returns 0, or -1 for a malformed address.
 */
int bg_redis_split_address(const char *address, char **host, int *port);

/*
 * Makes an unconnected handle from conf (address, timeout_ms, user,
 * password, db; copied). NULL with *err (static) set if the address is malformed.
 */
struct bg_redis *bg_redis_new(const struct bg_redis_conf *conf, const char **err);

/* As bg_redis_new, at address (a Cluster node) instead of conf->address, without SELECT and sentinels. */
struct bg_redis *bg_redis_new_at(const struct bg_redis_conf *conf, const char *address, const char **err);

/*
 * Copies conf's strings into dst (the caller clears it with
 * bg_redis_conf_clear), for a client that outlives the configuration.
 */
void bg_redis_conf_copy(struct bg_redis_conf *dst, const struct bg_redis_conf *conf);

/* Frees what bg_redis_conf_copy made, overwriting the password; leaves c zeroed. */
void bg_redis_conf_clear(struct bg_redis_conf *c);

/*
 * True when a and b connect the same way: address, timeout_ms, user,
 * password (the file's content, not its name), db, and the sentinels and
 * WAIT settings. The prefix is not compared.
 */
int bg_redis_conf_same(const struct bg_redis_conf *a, const struct bg_redis_conf *b);

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

/*
 * Confirms that the writes since the last call reached redis.wait_replicas
 * replicas (WAIT with wait_timeout_ms; on a Cluster on each master that
 * got some), before their success is told to anyone. Returns 0 (also when WAIT is off, or nothing was read since),
 * or -1 with the reason in bg_redis_error(): too few replicas, or the
 * connection of some of those writes was lost (a reconnection would
 * confirm nothing of them). The answer is then a temporary failure.
 */
int bg_redis_wait(struct bg_redis *r);

/* Returns the last error's text (static or owned by r; valid until the next call). */
const char *bg_redis_error(const struct bg_redis *r);

/*
 * Records the error of a reply the caller could not use: an error reply's
 * own text (WRONGTYPE, NOREPLICAS...), else what (a wrong type). The
 * connection stays.
 */
void bg_redis_reply_error(struct bg_redis *r, const redisReply *reply, const char *what);

/* Returns the address this handle talks to (the seeds, comma-separated, on a Cluster). */
const char *bg_redis_address(const struct bg_redis *r);

/* True when r talks to a Redis Cluster (made from cluster_nodes; see bg_redis_cl.h). */
int bg_redis_is_cluster(const struct bg_redis *r);

#endif
