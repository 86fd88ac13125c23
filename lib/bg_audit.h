/*
 * bg_audit.h - the name of the audit stream a write's entry goes to.
 *
 * On a single Redis every entry goes to <prefix>audit (bg:audit). On a
 * Redis Cluster a write and its entry run in one MULTI/EXEC, which must keep
 * to one slot, and the stable key names (bg:rcpt:<address>) carry no hash
 * tag; so the entry goes to the part of the stream in the slot of the key
 * written: <prefix>audit:{<tag>}, where <tag> is the slot's tag from
 * bg_cluster_slot_tags (the first of "0".."9", "a".."z", "00"... in that
 * order whose CRC16 lands in the slot). An entry written alone (no key)
 * goes to <prefix>audit. A reader takes every part: <prefix>audit and each
 * <prefix>audit:{*} on every master.
 *
 * bg_audit_parts lists the parts a reader takes.
 *
 * DIAGNOSTICS: -1 when the name does not fit; bg_audit_parts: -1 with Redis's reason in err.
 */
#ifndef BG_AUDIT_H
#define BG_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bg_redis.h"
#include "bg_util.h"

#define BG_AUDIT_MAX_PARTS 32768 /* names matching <prefix>audit:{* taken at most (a Cluster has 16384 slots) */

/*
 * Writes into stream (len bytes) the name of the audit stream for an entry
 * written with key (NULL: an entry alone) over r. Returns 0, or -1 when the
 * name does not fit.
 */
int bg_audit_stream(const struct bg_redis *r, const char *prefix, const char *key, char *stream, size_t len);

/*
 * Adds to parts the names of every audit part on r: <prefix>audit, and on a
 * Cluster every <prefix>audit:{*} key of every master (SCAN walks them all).
 * Returns 0, or -1 with the reason in err (Redis failed, an unexpected
 * reply, more than BG_AUDIT_MAX_PARTS names): a reader must not go on with
 * some parts missing. The caller frees parts (bg_strlist_free) either way.
 */
int bg_audit_parts(struct bg_redis *r, const char *prefix, struct bg_strlist *parts, char *err, size_t errlen);

/* True when a stream entry's fields (name, value, ...; strings) have address as their "address". */
bool bg_audit_names(const redisReply *fields, const char *address);

/* Returns the tag of slot (0..16383): a key "...{tag}..." lives in that slot. The table is built once. */
const char *bg_audit_slot_tag(unsigned slot);

#endif
