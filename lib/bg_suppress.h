/*
 * bg_suppress.h - writing suppressions and consent, as every program does it.
 *
 * The key schema is public (doc/design.md 3.2): one hash per
 * recipient, bg:rcpt:<address>, with fields suppress, suppress:<entity>,
 * suppress:<entity>/<list> ("<reason> <unix-time> <source ...>") and
 * consent:<entity>[/<list>] ("<level> <unix-time> <ip> <source ...>"). With
 * audit on, each write is appended, in the same MULTI/EXEC transaction, to
 * the capped stream bg:audit (who, what, when, why). Synchronous: callers
 * run it from a pipe(8) program, an HTTP handler thread or the ctl tool.
 *
 * Besides the one-call writer of the daemons (bg_suppress_write), a record
 * (bg_suppress_rec.h) can be written, queued in a pipeline, or deleted: what
 * bulkguard-ctl shows, imports and exports.
 *
 * DIAGNOSTICS: -1 with the reason in bg_redis_error(r), whether Redis could
 * not be reached or answered with an error (NOPERM, WRONGTYPE, ...).
 */
#ifndef BG_SUPPRESS_H
#define BG_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bg_redis.h"
#include "bg_suppress_rec.h"

#define BG_AUDIT_MAXLEN "1000000" /* entries kept in bg:audit (approximate, MAXLEN ~) */

/* One write: the scope is global (entity NULL), the entity's, or one list of it. */
struct bg_suppression {
	const char *address; /* normalised (bg_addr_normalise) */
	const char *entity;  /* NULL: every sender */
	const char *list;    /* NULL or "": the whole entity */
	const char *reason;  /* bounce, invalid, complaint, unsubscribe, manual, ... (one word) */
	time_t when;
	const char *source; /* one-click, mailto, dsn-5.1.1, arf, operator:<user>, ... (no newline) */
};

/*
 * Writes the suppression (HSET) and, with audit, its bg:audit entry, in one
 * transaction. who names the writer for the audit ("bulkguard-unsubd",
 * "ctl:alice"). Returns 0, or -1 with the reason in bg_redis_error(r):
 * nothing was written then, and the caller must not report success.
 */
int bg_suppress_write(struct bg_redis *r, const char *prefix, const struct bg_suppression *s, bool audit,
                      const char *who);

/*
 * Queues the HSET of a checked record on the recipient's hash in r's
 * pipeline, without reading the reply (the caller reads one reply with
 * bg_redis_reply). address is normalised. Returns 0, or -1 (connection lost,
 * or a key over 512 bytes) with the reason in bg_redis_error(r).
 */
int bg_suppress_queue(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec);

/*
 * Writes a checked record (HSET) and, with audit, its bg:audit entry (who,
 * what "suppress" or "consent", address, field, value) in one transaction.
 * Returns 0, or -1 (bg_redis_error); nothing is written unless 0.
 */
int bg_suppress_put(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec,
                    bool audit, const char *who);

/*
 * Deletes field from the recipient's hash and, with audit, appends a
 * bg:audit entry (who, what "delete", address, field, value: the value
 * deleted) in the same transaction. Returns 1 when deleted, 0 when the field
 * was not there (nothing written, no audit), or -1 (bg_redis_error).
 */
int bg_suppress_delete(struct bg_redis *r, const char *prefix, const char *address, const char *field, bool audit,
                       const char *who);

/*
 * Appends one bg:audit entry: who, what, then npairs name/value pairs
 * (pairs[2i], pairs[2i+1]), for writes that are summed up rather than
 * recorded one by one (an import). Returns 0, or -1 (bg_redis_error).
 */
int bg_suppress_audit(struct bg_redis *r, const char *prefix, const char *who, const char *what, const char **pairs,
                      int npairs);

#endif
