/*
 * bg_cluster.h - a synchronous Redis Cluster client with per-node pipelines.
 *
 * Seeds are "host:port" or "[v6]:port". The slot map (CLUSTER SLOTS) is
 * fetched from any known node on first use and again after a MOVED or any
 * connection error; each master gets one bg_redis connection, made lazily,
 * with bg_redis's deadline (timeout_ms) on connect and on every command.
 * Commands are routed by the slot of their key. A MOVED patches the map and
 * retries; an ASK sends ASKING and the command to the target, once; at most
 * BG_CLUSTER_MAX_REDIRECTS redirects per command. A command whose connection
 * failed before it was sent is retried on the refreshed map within the same
 * budget; one that was sent is never sent again (it may have run): it fails.
 * Retries start only within timeout_ms of a run's start, so a run lasts at
 * most about two timeouts per node it waits on.
 *
 * A pipe queues commands in the caller's order, sends one pipeline per node
 * (all nodes written before any is read, so they work in parallel) and gives
 * the replies back in that order. A transaction (MULTI ... EXEC) and a
 * command with several keys (EVALSHA, DEL k1 k2) must keep every key in one
 * slot: a cross-slot one is refused, never sent. Not thread-safe: one user
 * at a time per handle.
 *
 * DIAGNOSTICS: -1 or NULL, with the text in bg_cluster_error() (handle) or
 * bg_cluster_pipe_error() (one command); Redis's own error replies
 * (WRONGTYPE, NOSCRIPT, ...) are replies. The module never logs.
 */
#ifndef BG_CLUSTER_H
#define BG_CLUSTER_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bg_cluster_slot.h"
#include "bg_config.h"

#define BG_CLUSTER_MAX_REDIRECTS 5 /* MOVED, ASK or refused connections per command */
#define BG_CLUSTER_MAX_SEEDS     32
#define BG_CLUSTER_PIPE_MAX      100000 /* commands in one pipe */

struct bg_cluster;
struct bg_cluster_pipe;

/*
 * Makes a handle for nseeds seed addresses (copied); nothing is connected
 * yet. Every node's connection uses conf's timeout_ms, user and password
 * (copied; conf->address is not used). NULL with *err set when a seed is
 * malformed, there are none or too many, or conf->db is not 0 (a Cluster
 * has database 0 only).
 */
struct bg_cluster *bg_cluster_new(const char *const *seeds, size_t nseeds, const struct bg_redis_conf *conf,
                                  const char **err);

/* Closes every connection and frees c; NULL is fine. */
void bg_cluster_free(struct bg_cluster *c);

/* Fetches the slot map now from any known node. Returns 0, or -1 (bg_cluster_error). */
int bg_cluster_refresh(struct bg_cluster *c);

/* Returns the last error's text (owned by c; valid until the next call). */
const char *bg_cluster_error(const struct bg_cluster *c);

/*
 * Runs one command whose keys are argv[key_first .. key_first+key_count-1]
 * (argvlen NULL: C strings). Returns a reply the caller frees with
 * freeReplyObject, or NULL (bg_cluster_error).
 */
redisReply *bg_cluster_command(struct bg_cluster *c, int argc, const char **argv, const size_t *argvlen, int key_first,
                               int key_count);

/*
 * Runs one command on the node at address ("host:port" of
 * bg_cluster_master_address), following no redirect: for SCAN, SCRIPT LOAD,
 * INFO on each master. Returns a reply the caller frees, or NULL (bg_cluster_error).
 */
redisReply *bg_cluster_command_at(struct bg_cluster *c, const char *address, int argc, const char **argv,
                                  const size_t *argvlen);

/*
 * bg_redis_wait on every node's connection: the writes each carried since
 * the last wait reached the configuration's wait_replicas replicas (nothing
 * asked when WAIT is off or a connection wrote nothing). Returns 0, or -1
 * (bg_cluster_error): too few replicas, or a connection that wrote was lost.
 */
int bg_cluster_wait(struct bg_cluster *c);

/* Returns the number of masters in the map (fetching it if needed), or -1 (bg_cluster_error). */
int bg_cluster_master_count(struct bg_cluster *c);

/* Writes master i's "host:port" into buf; valid until the map changes (any later call). */
void bg_cluster_master_address(const struct bg_cluster *c, int i, char buf[BG_CLUSTER_ADDR_MAX]);

/* What the handle did since it was made: for tests, metrics and logs. */
struct bg_cluster_stats {
	unsigned long moved;     /* MOVED replies followed */
	unsigned long ask;       /* ASK replies followed */
	unsigned long refreshes; /* slot maps fetched */
	unsigned long failed;    /* commands left without a reply */
};

/* Copies c's counters into *s. */
void bg_cluster_stats(const struct bg_cluster *c, struct bg_cluster_stats *s);

/* Returns the slot of the keys if they all share one, else -1 (none given: -1). */
int bg_cluster_same_slot(size_t n, const char *const *keys, const size_t *lens);

/* Makes an empty pipe on c; the caller frees it with bg_cluster_pipe_free before freeing c. */
struct bg_cluster_pipe *bg_cluster_pipe_new(struct bg_cluster *c);

/* Frees p, its copies of the commands and every reply; NULL is fine. */
void bg_cluster_pipe_free(struct bg_cluster_pipe *p);

/*
 * Queues a copy of one command, keys as for bg_cluster_command (key_count 0
 * only inside a transaction). Returns 0; or -1 when refused (no key, keys in
 * several slots, a slot other than the transaction's): the command keeps its
 * place in the order, with no reply and the reason as its error. -1 with
 * nothing queued when the pipe already holds BG_CLUSTER_PIPE_MAX commands.
 */
int bg_cluster_pipe_add(struct bg_cluster_pipe *p, int argc, const char **argv, const size_t *argvlen, int key_first,
                        int key_count);

/* Queues MULTI: the commands up to bg_cluster_pipe_exec form one transaction. 0, or -1 if one is open. */
int bg_cluster_pipe_multi(struct bg_cluster_pipe *p);

/*
 * Queues EXEC, closing the transaction. Returns 0; or -1 when no transaction
 * is open, or it is refused (no key, or keys in several slots): then every
 * command of it has no reply and says why.
 */
int bg_cluster_pipe_exec(struct bg_cluster_pipe *p);

/* Returns the number of commands queued (MULTI and EXEC count). */
size_t bg_cluster_pipe_count(const struct bg_cluster_pipe *p);

/*
 * Sends every queued command and reads every reply. Returns 0 when each
 * command has a reply (Redis error replies included), or -1 when one at
 * least has none (see bg_cluster_pipe_error; the first is in bg_cluster_error).
 * A pipe runs once.
 */
int bg_cluster_pipe_run(struct bg_cluster_pipe *p);

/* Returns command i's reply (owned by p), or NULL when it has none. */
const redisReply *bg_cluster_pipe_reply(const struct bg_cluster_pipe *p, size_t i);

/* Returns why command i has no reply (owned by p), or NULL when it has one. */
const char *bg_cluster_pipe_error(const struct bg_cluster_pipe *p, size_t i);

#endif
