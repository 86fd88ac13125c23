/*
 * bg_suppress_rec.h - one suppress* or consent* field of a recipient's hash
 * (doc/design.md 3.2), taken apart into a record, checked, and put back
 * together: what bulkguard-ctl shows, imports and exports. Pure: no I/O,
 * nothing logs.
 *
 * DIAGNOSTICS: a refusal is a short static English reason (bg_suppress_check's
 * return, bg_suppress_parse's *why); nothing else fails.
 */
#ifndef BG_SUPPRESS_REC_H
#define BG_SUPPRESS_REC_H

#include <stddef.h>

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

#endif
