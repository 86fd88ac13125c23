/*
 * bg_redis_cl.h - bg_redis's Cluster mode: the same append/reply pipeline shape over bg_cluster.
 *
 * Internal to bg_redis.c: a bg_redis handle made from a configuration with
 * cluster_nodes runs its commands through this. Commands appended since the
 * last pipeline ended are one pipeline: on the first bg_redis_reply it is
 * sent, one pipeline per master, all written before any is read, and the
 * replies come back in the order of the appends. A pipeline ends when its
 * last reply is handed out, or at the first reply that is missing (NULL):
 * the rest is dropped, as on a single Redis after a connection error.
 *
 * Keys are found from the command's name: EVAL/EVALSHA name their keys with
 * numkeys, DEL/EXISTS/UNLINK/MGET/TOUCH take keys only, any other command
 * has one key, its first argument. MULTI ... EXEC is one transaction, which
 * must keep to one slot (a cross-slot one is refused, never sent); DISCARD is
 * refused. A command refused before the pipe (DISCARD, a bad EVAL numkeys,
 * a SCAN that cannot run, MULTI or EXEC out of place, too many commands)
 * fails the whole pipeline: nothing of it is sent. SCAN walks every master in turn: the cursor handed back is
 * "<cursor>.<master>.<map>" (a cursor the caller passes back unread), and
 * a SCAN fails when the slot map changed since the walk began, so a walk that
 * ends with cursor "0" has read every master of one map.
 *
 * DIAGNOSTICS: -1 or NULL, with the reason in bg_redis_cl_error().
 */
#ifndef BG_REDIS_CL_H
#define BG_REDIS_CL_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bg_config.h"

struct bg_redis_cl;

/* Makes a handle for conf's cluster_nodes (nothing connected). NULL with *err (static) set. */
struct bg_redis_cl *bg_redis_cl_new(const struct bg_redis_conf *conf, const char **err);

/* Frees c and its pipeline; NULL is fine. */
void bg_redis_cl_free(struct bg_redis_cl *c);

/* Fetches the slot map if there is none. Returns 0 or -1. */
int bg_redis_cl_connect(struct bg_redis_cl *c);

/* Queues one command for the pipeline. Returns 0: a refusal shows as the pipeline's missing replies. */
int bg_redis_cl_append(struct bg_redis_cl *c, int argc, const char **argv, const size_t *argvlen);

/* Runs the pipeline if it has not run, and returns the next reply (the caller frees it), or NULL. */
redisReply *bg_redis_cl_reply(struct bg_redis_cl *c);

/* Runs the pipeline now. Returns 0 when every command got a reply, else -1. */
int bg_redis_cl_flush(struct bg_redis_cl *c);

/* Confirms the writes on every master (bg_cluster_wait). Returns 0 or -1. */
int bg_redis_cl_wait(struct bg_redis_cl *c);

/* Returns the last error's text (owned by c). */
const char *bg_redis_cl_error(const struct bg_redis_cl *c);

/* Returns the seeds as one text, "host:port,host:port" (owned by c). */
const char *bg_redis_cl_address(const struct bg_redis_cl *c);

/* Sets c's error text (a failure the caller found in a reply). */
void bg_redis_cl_set_error(struct bg_redis_cl *c, const char *text);

#endif
