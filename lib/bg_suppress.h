/*
 * bg_suppress.h - writing suppressions and consent, as every program does it.
 *
 * The key schema is public (DESIGN.md "Data model in Redis"): one hash per
 * recipient, bg:rcpt:<address>, with fields suppress, suppress:<entity>,
 * suppress:<entity>/<list> ("<reason> <unix-time> <source ...>") and
 * consent:<entity>[/<list>] ("<level> <unix-time> <ip> <source ...>"). With
 * audit on, each write is appended, in the same MULTI/EXEC transaction, to
 * the capped stream bg:audit (who, what, when, why). Synchronous: callers
 * run it from a pipe(8) program, an HTTP handler thread or the ctl tool.
 */
#ifndef BG_SUPPRESS_H
#define BG_SUPPRESS_H

#include <stdbool.h>
#include <time.h>

#include "bg_redis.h"

#define BG_AUDIT_MAXLEN "1000000" /* entries kept in bg:audit (approximate, MAXLEN ~) */

/* One write: the scope is global (entity NULL), the entity's, or one list of it. */
struct bg_suppression {
	const char *address; /* normalised (bg_addr_normalise) */
	const char *entity;  /* NULL: every sender */
	const char *list;    /* NULL or "": the whole entity */
	const char *reason;  /* bounce, invalid, complaint, unsubscribe, manual, ... (one word) */
	time_t when;
	const char *source;  /* one-click, mailto, dsn-5.1.1, arf, operator:<user>, ... (no newline) */
};

/*
 * Writes the suppression (HSET) and, with audit, its bg:audit entry, in one
 * transaction. who names the writer for the audit ("bulkguard-unsubd",
 * "ctl:alice"). Returns 0, or -1 with the reason in bg_redis_error(r):
 * nothing was written then, and the caller must not report success.
 */
int bg_suppress_write(struct bg_redis *r, const char *prefix, const struct bg_suppression *s, bool audit,
		      const char *who);

/* Formats the field name for a scope into out ("suppress", "suppress:acme", "suppress:acme/weekly"). */
void bg_suppress_field(const char *what, const char *entity, const char *list, char *out, size_t len);

#endif
