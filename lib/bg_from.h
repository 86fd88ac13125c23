/*
 * bg_from.h - the From: header's one mailbox, parsed with GMime.
 *
 * DMARC and the From-alignment rule need exactly one mailbox in From:. The
 * value is parsed with GMime (never by hand) and the address normalised
 * like every other address.
 */
#ifndef BG_FROM_H
#define BG_FROM_H

#include "bg_addr.h"

enum bg_from_status {
	BG_FROM_OK = 0,
	BG_FROM_NONE, /* no mailbox in the value */
	BG_FROM_MANY, /* more than one mailbox, or a group */
	BG_FROM_BAD,  /* a mailbox whose address cannot be normalised */
};

/*
 * Reads the single mailbox of a From: header value into out (normalised).
 * Thread-safe; initialises GMime on first use.
 */
enum bg_from_status bg_from_parse(const char *value, struct bg_addr *out);

#endif
