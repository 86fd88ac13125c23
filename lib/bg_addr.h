/*
 * bg_addr.h - one normal form for every e-mail address bulkguard handles.
 *
 * Every program (milter, policyd, feedback, ctl) looks addresses up in Redis
 * under this form, so it is part of the public key schema (doc/design.md 3.1):
 * angle brackets and surrounding space removed, a source route dropped,
 * domain lower-cased and converted to its IDNA A-label (libidn2), local part
 * lower-cased unless BG_ADDR_KEEP_CASE. An address that cannot be normalised
 * is refused with a reason and must never be looked up.
 *
 * Limits (RFC 5321 4.5.3.1): local part 64 octets, domain 255, whole address
 * 254. Control characters, NUL, unbalanced or nested brackets and broken
 * UTF-8 are refused. The parser is pure: bytes in, record out, no I/O.
 *
 * DIAGNOSTICS: every function returns an enum bg_addr_status; bg_addr_strerror names it.
 */
#ifndef BG_ADDR_H
#define BG_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define BG_ADDR_LOCAL_MAX 64
#define BG_ADDR_DOMAIN_MAX 255
#define BG_ADDR_MAX 254

/* Flags for bg_addr_normalise. */
#define BG_ADDR_KEEP_CASE 0x01  /* keep the local part's case */
#define BG_ADDR_ALLOW_NULL 0x02 /* accept "<>" (a null envelope sender) */

enum bg_addr_status {
	BG_ADDR_OK = 0,
	BG_ADDR_NULL,       /* "<>" with BG_ADDR_ALLOW_NULL: out->len is 0 */
	BG_ADDR_EMPTY,      /* nothing, or "<>" without BG_ADDR_ALLOW_NULL */
	BG_ADDR_TOO_LONG,   /* over one of the RFC 5321 limits */
	BG_ADDR_CONTROL,    /* NUL, control character or DEL */
	BG_ADDR_BRACKETS,   /* unbalanced, nested or stray angle brackets */
	BG_ADDR_SYNTAX,     /* anything else wrong in the local part */
	BG_ADDR_NO_DOMAIN,  /* no '@', or nothing after it */
	BG_ADDR_BAD_DOMAIN, /* a domain IDNA or RFC 1035 refuses */
	BG_ADDR_BAD_UTF8,   /* bytes that are not UTF-8 */
};

/* A normalised address: text is NUL-terminated, at indexes the '@'. */
struct bg_addr {
	char text[BG_ADDR_MAX + 1];
	size_t len;
	size_t at;
};

/*
 * Normalises the len bytes at in (not NUL-terminated; a NUL inside is
 * refused) into out. Returns BG_ADDR_OK (or BG_ADDR_NULL) and fills out, or
 * another status and leaves out->len at 0. out is owned by the caller.
 */
enum bg_addr_status bg_addr_normalise(const char *in, size_t len, unsigned flags,
				      struct bg_addr *out);

/* Returns a short English text for status ("address too long"); static. */
const char *bg_addr_strerror(enum bg_addr_status status);

/* Returns the domain part of a normalised address (after the '@'). */
const char *bg_addr_domain(const struct bg_addr *a);

/*
 * Finds the address extension: for "news+weekly@acme.example" and delim '+',
 * sets *ext to "weekly" (*extlen 6) and returns true. The extension is the
 * text after the first delim in the local part. Returns false when there is
 * none (or it is empty). *ext points into a->text.
 */
bool bg_addr_extension(const struct bg_addr *a, char delim, const char **ext, size_t *extlen);

/*
 * Writes into base the address without its extension ("news@acme.example");
 * base may be a. Without an extension it is a plain copy.
 */
void bg_addr_strip_extension(const struct bg_addr *a, char delim, struct bg_addr *base);

/*
 * Writes into base the address every variant of a shares, the one person
 * behind "victim+1@", "victim+2@" and "v.ictim@gmail.com". At gmail.com and
 * googlemail.com, Gmail's own rules whatever delim says: the local part
 * without its '+' extension and without dots, lower-cased, and the domain
 * written gmail.com (both names reach one mailbox). At any other domain:
 * the address without its delim extension (bg_addr_strip_extension). A
 * quoted local part is its own base. Returns true when base differs from a.
 * Pure; base is owned by the caller and may not be a.
 */
bool bg_addr_base(const struct bg_addr *a, char delim, struct bg_addr *base);

#endif
