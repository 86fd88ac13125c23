/*
 * bg_verp.h - VERP return paths that name their recipient and entity, expire,
 * and cannot be forged.
 *
 * At end of message the envelope sender becomes an address at the entity's
 * return_path_domain that carries, under a short MAC, the recipient, the
 * entity's tag and the day it was made. A bounce names the recipient (and
 * the entity) it is about, nobody without the key file can make one that
 * suppresses somebody else, and one that is too old is refused. Version 2
 * is made; version 1 (no entity, no day) is still read, for VERPs made
 * before the upgrade.
 *
 * Version 2, both forms dot-atoms of ASCII letters, digits and "-=" plus the
 * recipient's own characters, octet by octet:
 *
 *   named    b2-<day><mac><tag>-<local>=<domain>@<return_path_domain>
 *   short    b2-<day><mac><tag>@<return_path_domain>
 *
 *   octets 0-2    "b2-"
 *   octets 3-6    <day>: the issue day, days since 1970-01-01 UTC, as 20 bits
 *                 big-endian in 4 characters of RFC 4648 base32, lower case
 *                 ("a" = 0 ... "7" = 31): day 20794 (2026-12-07) is "auj2"
 *                 (0..1048575, up to the year 4840)
 *   octets 7-14   <mac>: 40 bits in 8 base32 characters: the first 5 bytes
 *                 of HMAC-SHA512-256 (crypto_auth) over the ASCII text
 *                 "<day><tag>:<recipient>" (day and tag as written, lower
 *                 case; the recipient lower-cased), under a key derived from
 *                 the token key file's signing key (crypto_kdf, context
 *                 "bgverp02", subkey 1)
 *   octets 15-    <tag>: 1 to 8 characters a-z 0-9, the entity's verp_tag
 *                 (the configuration maps it back to the entity; its default
 *                 is bg_verp_tag_default of the entity's name), ended by
 *                 "-" (named form) or by "@" (short form)
 *   named form:   then the recipient's local part, "=", its domain: it
 *                 splits at the last "=", because a domain never holds one
 *
 * The named form is used when the recipient's local part is a dot-atom of
 * ASCII without '%' or '!' (which some MTAs still read as source routes),
 * its domain is a host name (not an address literal), the whole local part
 * of the VERP stays within 64 octets (16 + tag + the recipient's
 * local@domain <= 64: 44 octets of recipient with a 4-character tag, 40
 * with an 8-character one) and the whole address within 254. Otherwise,
 * and so for quoted or UTF-8 local parts, the short form is used: it names
 * nobody, and the recipient is taken from the bounce itself (Final-Recipient
 * of the DSN) and checked against the MAC with bg_verp_check. Either way a
 * forged recipient, tag or day fails.
 *
 * Version 1 (read only): "b-<mac>-<local>=<domain>@<rpd>" or
 * "b-<mac>@<rpd>", <mac> 8 base32 characters of the same HMAC over the
 * recipient alone under KDF context "bgverp01", subkey 1. It names no entity
 * and no day.
 *
 * Expiry (struct bg_verp_window): a version 2 VERP is honoured while
 * today - day <= max_age (and its day is at most one day ahead, for clocks
 * that differ); a version 1 VERP while today <= v1_last_day (the upgrade day
 * plus max_age: the VERPs made before the upgrade are honoured that long).
 *
 * Every form survives an MTA that changes the case of local parts: the MAC
 * covers the recipient lower-cased, and the prefix, day, MAC and tag are read
 * without case. Any key of the file verifies, so key rotation does not orphan
 * bounces still on their way. The VERP's domain is not checked here: the
 * caller knows its own return-path domains. Pure functions: no I/O, no
 * clock, nothing logged; errors are the returned status.
 *
 * Reply addresses (doc/design.md 3.5, 3.7, 3.10): the Reply-To the milter sets for an
 * entity with reply_domain, made and read as a version 2 VERP with two
 * differences: the prefix is "r2-" instead of "b2-", and the MAC's key is
 * derived in KDF context "bgrply02" (subkey 1). So a reply address never
 * passes for a VERP nor a VERP for a reply address, and each is bound to
 * recipient, entity tag and day the same way:
 *
 *   named    r2-<day><mac><tag>-<local>=<domain>@<reply_domain>
 *   short    r2-<day><mac><tag>@<reply_domain>
 *
 * The local part is 20 + tag + recipient octets: "r2-auj2<mac>acme-alice=example.com"
 * for alice@example.com (<mac> standing for its 8 characters). The same
 * window (verp_max_age) applies.
 *
 * DIAGNOSTICS: making, parsing and checking return enum bg_verp_status; bg_verp_strerror names it.
 */
#ifndef BG_VERP_H
#define BG_VERP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bg_addr.h"
#include "bg_token.h"

#define BG_VERP_MAC_CHARS 8
#define BG_VERP_DAY_CHARS 4
#define BG_VERP_DAY_MAX   1048575L /* 20 bits */
#define BG_VERP_TAG_MAX   8

enum bg_verp_status {
	BG_VERP_OK = 0,    /* a VERP whose MAC matches its (or the given) recipient, within its window */
	BG_VERP_UNNAMED,   /* a short-form VERP: it names nobody; use bg_verp_check */
	BG_VERP_NOT_VERP,  /* not an address of any form */
	BG_VERP_MALFORMED, /* a form's prefix, but what follows is broken */
	BG_VERP_BAD_MAC,   /* forged, or the recipient, tag or day was altered */
	BG_VERP_EXPIRED,   /* the MAC matches, but the VERP is past its window */
	BG_VERP_REFUSED,   /* making: a recipient, tag, day or domain refused, or a result over 254 octets */
	BG_VERP_NO_ROOM,   /* making: the output buffer is too small */
};

/* What a VERP carries besides its recipient. */
struct bg_verp_info {
	int version;                   /* 1 or 2; 0 when nothing was read */
	char tag[BG_VERP_TAG_MAX + 1]; /* version 2: the entity's tag, lower case; "" for version 1 */
	long day;                      /* version 2: the issue day (days since 1970-01-01 UTC); -1 for version 1 */
};

/* When VERPs are honoured; all in days since 1970-01-01 UTC. */
struct bg_verp_window {
	long today;
	long max_age;     /* a version 2 VERP is honoured while today - day <= max_age */
	long v1_last_day; /* a version 1 VERP is honoured while today <= v1_last_day; -1: never */
};

/* Returns the day of unix time t (days since 1970-01-01 UTC, 0 before). */
long bg_verp_day(time_t t);

/*
 * Fills *w for the time now: verp_max_age seconds (whole days count) and the
 * unix time of the upgrade day (0: none, so version 1 is never honoured).
 */
void bg_verp_window_set(struct bg_verp_window *w, time_t now, long max_age_seconds, time_t upgrade);

/* True when tag is 1 to BG_VERP_TAG_MAX characters a-z 0-9 (lower case). */
bool bg_verp_tag_valid(const char *tag);

/*
 * Writes into out (BG_VERP_TAG_MAX + 1 bytes) the default tag of the entity
 * named name: the first 20 bits of BLAKE2b-256 (crypto_generichash) of the
 * name, as 4 base32 characters.
 */
void bg_verp_tag_default(const char *name, char out[BG_VERP_TAG_MAX + 1]);

/*
 * Writes into out (outlen bytes, BG_ADDR_MAX + 1 always suffice) the
 * NUL-terminated version 2 VERP for recipient (any form bg_addr_normalise
 * accepts) of the entity tagged tag, issued on day, at domain, made with the
 * signing key of keys. Returns BG_VERP_OK, BG_VERP_REFUSED (recipient, tag,
 * day or domain refused, or the result over 254 octets) or BG_VERP_NO_ROOM
 * (out too small).
 */
enum bg_verp_status bg_verp_make(const struct bg_token_keys *keys, const char *recipient, const char *tag, long day,
                                 const char *domain, char *out, size_t outlen);

/*
 * Reads the len bytes at verp (untrusted), either version, against window w.
 * Returns BG_VERP_OK with the recipient in *recipient_out (normalised, case
 * as the VERP carries it), or another status with recipient_out->len 0.
 * *info (NULL: not wanted) gets the version, tag and day of any VERP whose
 * form was read (BG_VERP_OK, UNNAMED, BAD_MAC, EXPIRED), else version 0;
 * read from a short form or a bad MAC they are unverified. Both out
 * structures are the caller's.
 */
enum bg_verp_status bg_verp_parse(const struct bg_token_keys *keys, const char *verp, size_t len,
                                  const struct bg_verp_window *w, struct bg_addr *recipient_out,
                                  struct bg_verp_info *info);

/*
 * Checks that the VERP at verp (len bytes, untrusted) was made for recipient
 * (NUL-terminated; case does not matter), whichever form and version it has,
 * and is within window w. Returns BG_VERP_OK, BG_VERP_BAD_MAC,
 * BG_VERP_EXPIRED, or the status bg_verp_parse gives a VERP that cannot be
 * read (BG_VERP_MALFORMED also for a recipient that does not normalise).
 * *info as for bg_verp_parse.
 */
enum bg_verp_status bg_verp_check(const struct bg_token_keys *keys, const char *verp, size_t len, const char *recipient,
                                  const struct bg_verp_window *w, struct bg_verp_info *info);

/* bg_verp_make for a reply address ("r2-", context "bgrply02") at domain, the entity's reply_domain. */
enum bg_verp_status bg_verp_reply_make(const struct bg_token_keys *keys, const char *recipient, const char *tag,
                                       long day, const char *domain, char *out, size_t outlen);

/* bg_verp_parse for a reply address: a VERP is BG_VERP_NOT_VERP here. */
enum bg_verp_status bg_verp_reply_parse(const struct bg_token_keys *keys, const char *addr, size_t len,
                                        const struct bg_verp_window *w, struct bg_addr *recipient_out,
                                        struct bg_verp_info *info);

/* bg_verp_check for a reply address (a short-form one checked against a candidate recipient). */
enum bg_verp_status bg_verp_reply_check(const struct bg_token_keys *keys, const char *addr, size_t len,
                                        const char *recipient, const struct bg_verp_window *w,
                                        struct bg_verp_info *info);

/* Returns a short English text for status; static. */
const char *bg_verp_strerror(enum bg_verp_status status);

/* Returns a one-word name for status, for key=value logs and counters ("bad-mac"); static. */
const char *bg_verp_status_name(enum bg_verp_status status);

#endif
