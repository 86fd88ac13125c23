/*
 * ld_qid.h - queue id -> envelope sender, for the messages Postfix still holds.
 *
 * Filled from qmgr's "from=" lines, emptied by its "removed" lines, mirrored
 * in Redis (logd:qid:<host>, written with the batch: in the checkpoint's
 * transaction, or on a Cluster in the batch's journal, ld_cluster.h) so a
 * restart knows the senders of the messages in flight.
 * Bounded: past LD_QID_ENTRIES entries the table is emptied (logged).
 */
#ifndef LD_QID_H
#define LD_QID_H

#include "bg_redis.h"

#define LD_QID_ENTRIES 200000

struct ld_qid;

/* Makes an empty table; the caller frees it with ld_qid_free. */
struct ld_qid *ld_qid_new(void);
void ld_qid_free(struct ld_qid *t);

/* Sets qid's sender (copied), marked as put by batch. */
void ld_qid_put(struct ld_qid *t, const char *qid, const char *sender, unsigned long batch);

/* Returns qid's sender (owned by t, valid until the next change), or NULL. */
const char *ld_qid_get(const struct ld_qid *t, const char *qid);

/* Returns qid's sender when batch put it and it is still there (so the batch must mirror it), else NULL. */
const char *ld_qid_fresh(const struct ld_qid *t, const char *qid, unsigned long batch);

/* Forgets qid; returns 1 when batch had put it (nothing to mirror), else 0. */
int ld_qid_del(struct ld_qid *t, const char *qid, unsigned long batch);

/* Loads the Redis mirror at key (HGETALL; a mirror over LD_QID_ENTRIES is deleted instead). Returns 0, or -1 (Redis).
 */
int ld_qid_load(struct ld_qid *t, struct bg_redis *r, const char *key);

#endif
