/*
 * bg_verp.h - VERP return paths that name their recipient and cannot be forged.
 *
 * At end of message the envelope sender becomes an address at the entity's
 * return_path_domain that carries the recipient and a short MAC, so a bounce
 * names the recipient it is about and nobody without the key file can make
 * one that suppresses somebody else. Two forms, both dot-atoms of ASCII
 * letters, digits and "-=" plus the recipient's own characters:
 *
 *   named    b-<mac>-<local>=<domain>@<return_path_domain>
 *   short    b-<mac>@<return_path_domain>
 *
 * <mac> is 8 characters of RFC 4648 base32 in lower case (40 bits): the first
 * 5 bytes of HMAC-SHA512-256 (crypto_auth) over the recipient, ASCII
 * lower-cased, under a key derived from the token key file's signing key
 * (crypto_kdf, context "bgverp01", subkey 1). Any key of the file verifies,
 * so key rotation does not orphan bounces still on their way.
 *
 * The named form needs no escaping: the MAC has a fixed length, so the
 * recipient starts at the 12th character, and it splits at its last '='
 * because a domain never holds one; '-', '=', '+' and dots in the recipient's
 * local part round-trip as they are. The named form is used when the
 * recipient's local part is a dot-atom of ASCII without '%' or '!' (which
 * some MTAs still read as source routes), its domain is a host name (not an
 * address literal), the whole local part stays within 64 octets
 * (local + domain <= 52) and the whole address within 254. Otherwise, and so for quoted or UTF-8 local parts,
 * the short form is used: it names nobody, and the recipient is taken from
 * the bounce itself (Final-Recipient of the DSN) and checked against the
 * MAC with bg_verp_check. Either way a forged recipient fails.
 *
 * Every form survives an MTA that lower-cases local parts: the MAC covers
 * the recipient lower-cased, and the prefix and MAC are read without case.
 * The VERP's domain is not checked here: the caller knows its own
 * return-path domains. The VERP does not name the entity. Pure functions:
 * no I/O, nothing logged.
 */
#ifndef BG_VERP_H
#define BG_VERP_H

#include <stddef.h>

#include "bg_addr.h"
#include "bg_token.h"

#define BG_VERP_MAC_CHARS 8

enum bg_verp_status {
	BG_VERP_OK = 0,    /* a VERP whose MAC matches its (or the given) recipient */
	BG_VERP_UNNAMED,   /* a short-form VERP: it names nobody; use bg_verp_check */
	BG_VERP_NOT_VERP,  /* not an address of either form */
	BG_VERP_MALFORMED, /* the form's prefix, but what follows is broken */
	BG_VERP_BAD_MAC,   /* forged, or the recipient was altered */
};

/*
 * Writes into out (outlen bytes, BG_ADDR_MAX + 1 always suffice) the
 * NUL-terminated VERP for recipient (any form bg_addr_normalise accepts)
 * at domain, made with the signing key of keys. Returns its length, or -1
 * with errno EINVAL (recipient or domain refused, or the result over 254
 * octets) or ENOSPC (out too small).
 */
int bg_verp_make(const struct bg_token_keys *keys, const char *recipient, const char *domain, char *out, size_t outlen);

/*
 * Reads the len bytes at verp (untrusted). Returns BG_VERP_OK with the
 * recipient in *recipient_out (normalised, case as the VERP carries it), or
 * another status with recipient_out->len 0. recipient_out is the caller's.
 */
enum bg_verp_status bg_verp_parse(const struct bg_token_keys *keys, const char *verp, size_t len,
                                  struct bg_addr *recipient_out);

/*
 * Checks that the VERP at verp (len bytes, untrusted) was made for recipient
 * (NUL-terminated; case does not matter), whichever form it has. Returns
 * BG_VERP_OK, BG_VERP_BAD_MAC, or the status bg_verp_parse gives a VERP
 * that cannot be read (BG_VERP_MALFORMED also for a recipient that does not
 * normalise).
 */
enum bg_verp_status bg_verp_check(const struct bg_token_keys *keys, const char *verp, size_t len,
                                  const char *recipient);

/* Returns a short English text for status; static. */
const char *bg_verp_strerror(enum bg_verp_status status);

#endif
