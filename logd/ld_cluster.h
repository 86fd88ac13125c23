/*
 * ld_cluster.h - bulkguard-logd's batches on a Redis Cluster, each applied exactly once.
 *
 * On one Redis a batch is one MULTI/EXEC that also moves the checkpoint. On a
 * Cluster its keys live in many slots, and no transaction spans slots, so a
 * batch is journaled and applied in three steps (doc/design.md 2.4):
 *
 *   1. intent: one HSET on the checkpoint: pending <id>, pending_ino,
 *      pending_off (where the batch ends) and pending_cmds (its commands, as
 *      RESP);
 *   2. apply: the commands grouped by their key's slot, in their order; per
 *      slot one MULTI ... EXEC that also sets that slot's marker,
 *      <prefix>logd:applied:{<slot tag>}:<host> = <id>; one pipeline per master;
 *   3. finish: one MULTI/EXEC on the checkpoint: ino, off and done = <id>
 *      set, the pending fields deleted.
 *
 * ld_cl_recover replays a pending intent read back from Redis (after a crash
 * or a failed step): a slot whose marker holds the intent's id is skipped,
 * every other slot applied, then step 3. An id (a random number drawn per
 * process, then a counter) is never used twice, so a marker left by another
 * batch never matches. A batch without commands only moves the checkpoint
 * (step 3 alone).
 *
 * DIAGNOSTICS: -1 with the reason on the connection (bg_redis_error); the module never logs.
 */
#ifndef LD_CLUSTER_H
#define LD_CLUSTER_H

#include <stddef.h>

#include "bg_redis.h"
#include "bg_stat.h"

struct ld_cl;

/* Makes an empty journal for the checkpoint ckey; markers are <prefix>logd:applied:{tag}:<host>. Caller frees. */
struct ld_cl *ld_cl_new(const char *ckey, const char *prefix, const char *host);
void ld_cl_free(struct ld_cl *c);

/* Journals one command of the batch; its key is argv[1]. */
void ld_cl_add(struct ld_cl *c, int argc, const char **argv);

/* Journals HINCRBY and EXPIRE for every counter of b, and empties b. */
void ld_cl_add_stat(struct ld_cl *c, struct bg_stat_batch *b);

/* Forgets the journal (a batch without lines). */
void ld_cl_clear(struct ld_cl *c);

/*
 * Applies the journal as a new batch ending at ino/off (ino NULL: a pipe,
 * the checkpoint's position is not moved) and empties the journal. Returns 0,
 * or -1: the batch may be applied in part; ld_cl_recover settles it.
 */
int ld_cl_commit(struct ld_cl *c, struct bg_redis *r, const char *ino, const char *off);

/* What ld_cl_recover replayed: for the caller's log. */
struct ld_cl_replay {
	char id[48];           /* the pending batch's id; "" when none was pending */
	size_t slots, skipped; /* its slots, and those its markers showed applied */
};

/*
 * Replays a pending intent, if any, to its end (what it did in *out). Returns
 * 1 when the batch of the last ld_cl_commit is applied, 0 when it is not (nor
 * will be: no intent of it remains), -1 when Redis failed (call again).
 */
int ld_cl_recover(struct ld_cl *c, struct bg_redis *r, struct ld_cl_replay *out);

#endif
