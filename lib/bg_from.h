/*
 * bg_from.h - the From: header's one mailbox, parsed with GMime.
 *
 * DMARC and the From-alignment rule need exactly one mailbox in From:. The
 * value is parsed with GMime (never by hand) and the address normalised
 * like every other address. GMime alone is lenient: it
 * reads "a@acme.example@evil.example" as a@acme.example, where OpenDKIM's
 * and OpenDMARC's parsers read evil.example. So the value must also hold
 * exactly one '@' outside quoted strings, comments and domain literals,
 * with those balanced: a value that two parsers could read as two domains
 * is refused (BG_FROM_BAD), never aligned. This also refuses obsolete
 * source routes ("<@relay:a@acme.example>") and an unquoted '@' in a
 * display name ("a@evil.example <b@acme.example>").
 *
 * DIAGNOSTICS: bg_from_parse returns an enum bg_from_status.
 */
#ifndef BG_FROM_H
#define BG_FROM_H

#include "bg_addr.h"

enum bg_from_status {
	BG_FROM_OK = 0,
	BG_FROM_NONE, /* no mailbox in the value */
	BG_FROM_MANY, /* more than one mailbox, or a group */
	BG_FROM_BAD,  /* an address that cannot be normalised, or a value not holding exactly one '@' */
};

/*
 * Reads the single mailbox of a From: header value into out (normalised).
 * Thread-safe; initialises GMime on first use.
 */
enum bg_from_status bg_from_parse(const char *value, struct bg_addr *out);

#endif
