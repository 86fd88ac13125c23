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
 * Besides the one-call writer of the daemons (bg_suppress_write), a field
 * can be taken apart into a record (struct bg_suppress_rec), checked, put
 * back together, written, queued in a pipeline, or deleted: what
 * bulkguard-ctl shows, imports and exports. Parsing and formatting are pure.
 *
 * DIAGNOSTICS: Redis down: -1, bg_redis_error; its error reply: -2, in err; parsing: -1, static *why.
 */
#ifndef BG_SUPPRESS_H
#define BG_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
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

/* Formats the field name for a scope into out ("suppress", "suppress:acme", "suppress:acme/weekly"). */
void bg_suppress_field(const char *what, const char *entity, const char *list, char *out, size_t len);

/* Limits of a record's parts, in bytes without the NUL. */
#define BG_SUPPRESS_NAME_MAX   64             /* an entity or list name */
#define BG_SUPPRESS_WORD_MAX   32             /* a reason or level */
#define BG_SUPPRESS_IP_MAX     45             /* INET6_ADDRSTRLEN - 1 */
#define BG_SUPPRESS_SOURCE_MAX 256            /* the free text at the end */
#define BG_SUPPRESS_TIME_MAX   253402300799LL /* 9999-12-31T23:59:59Z */
#define BG_SUPPRESS_FIELD_LEN  160            /* buffer for any field name a record makes */
#define BG_SUPPRESS_VALUE_LEN  400            /* buffer for any value a record makes */

enum bg_suppress_kind { BG_SUPPRESS_SUPPRESS = 0, BG_SUPPRESS_CONSENT };

/*
 * One suppress* or consent* field of a recipient's hash, taken apart. The
 * value is "<word>[ <when>[ <ip>[ <source>]]]" for consent and
 * "<word>[ <when>[ <source>]]" for a suppression; a consent value with a
 * source but no ip holds "-" in the ip's place.
 */
struct bg_suppress_rec {
	enum bg_suppress_kind kind;
	char entity[BG_SUPPRESS_NAME_MAX + 1];   /* "": every sender (suppressions only) */
	char list[BG_SUPPRESS_NAME_MAX + 1];     /* "": the whole entity */
	char word[BG_SUPPRESS_WORD_MAX + 1];     /* the reason, or the level */
	long long when;                          /* unix time; -1: none */
	char ip[BG_SUPPRESS_IP_MAX + 1];         /* consent only; "": none */
	char source[BG_SUPPRESS_SOURCE_MAX + 1]; /* "": none */
};

/*
 * Checks a record: entity (no space, ':', '/' or control characters; required
 * for consent), list (no space or control characters; needs an entity),
 * reason ([A-Za-z0-9._-]) or level (single, notified, confirmed), time (0 to
 * BG_SUPPRESS_TIME_MAX, required when an ip or source follows), ip (an IPv4
 * or IPv6 address; consent only), source (no control characters), lengths.
 * Returns NULL when good, else a short English reason (static).
 */
const char *bg_suppress_check(const struct bg_suppress_rec *rec);

/*
 * Takes the field named field with the vlen bytes of value apart into rec.
 * Returns 0 when it is a good record (bg_suppress_check passes), 1 when the
 * field is no suppress* or consent* field, -1 when it is one but its name or
 * value is malformed, with *why set to a short reason (static).
 */
int bg_suppress_parse(const char *field, const char *value, size_t vlen, struct bg_suppress_rec *rec, const char **why);

/*
 * Puts a checked record back together: the field name into field
 * (BG_SUPPRESS_FIELD_LEN bytes) and the value into value
 * (BG_SUPPRESS_VALUE_LEN bytes). Parsing the result gives rec again.
 */
void bg_suppress_format(const struct bg_suppress_rec *rec, char *field, char *value);

/*
 * Queues the HSET of a checked record on the recipient's hash in r's
 * pipeline, without reading the reply (the caller reads one reply with
 * bg_redis_reply). address is normalised. Returns 0, or -1 (connection lost,
 * or a key over 512 bytes) with the reason in bg_redis_error(r) or *why.
 */
int bg_suppress_queue(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec);

/* What a write returned: done, Redis unreachable or lost, or Redis answered with an error. */
#define BG_SUPPRESS_OK      0
#define BG_SUPPRESS_DOWN    (-1) /* the reason is in bg_redis_error(r) */
#define BG_SUPPRESS_REFUSED (-2) /* the reason (Redis's error reply) is in err */

/*
 * Writes a checked record (HSET) and, with audit, its bg:audit entry (who,
 * what "suppress" or "consent", address, field, value) in one transaction.
 * Returns BG_SUPPRESS_OK, DOWN or REFUSED; nothing is written unless OK.
 */
int bg_suppress_put(struct bg_redis *r, const char *prefix, const char *address, const struct bg_suppress_rec *rec,
                    bool audit, const char *who, char *err, size_t errlen);

/*
 * Deletes field from the recipient's hash and, with audit, appends a
 * bg:audit entry (who, what "delete", address, field, value: the value
 * deleted) in the same transaction. Returns 1 when deleted, 0 when the field
 * was not there (nothing written, no audit), or BG_SUPPRESS_DOWN / REFUSED.
 */
int bg_suppress_delete(struct bg_redis *r, const char *prefix, const char *address, const char *field, bool audit,
                       const char *who, char *err, size_t errlen);

/*
 * Appends one bg:audit entry: who, what, then npairs name/value pairs
 * (pairs[2i], pairs[2i+1]), for writes that are summed up rather than
 * recorded one by one (an import). Returns like bg_suppress_put.
 */
int bg_suppress_audit(struct bg_redis *r, const char *prefix, const char *who, const char *what, const char **pairs,
                      int npairs, char *err, size_t errlen);

#endif
