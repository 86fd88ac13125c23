/*
 * bg_orgdomain.h - organisational domains (DMARC, RFC 7489 3.2) from the
 * Public Suffix List, with libpsl.
 *
 * The organisational domain of a name is its registrable domain: one label
 * more than the longest public suffix that matches (ICANN and private
 * sections both, as DMARC asks). The list is libpsl's newest: its built-in
 * copy or the system's (Debian's publicsuffix package), whichever is newer,
 * loaded once and then only read, so every thread may call these at once.
 * A name that is itself a public suffix, or that the list cannot judge, is
 * its own organisational domain.
 *
 * DIAGNOSTICS: functions return -1 (a name too long for the buffer) or false;
 * nothing is logged.
 */
#ifndef BG_ORGDOMAIN_H
#define BG_ORGDOMAIN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Writes the organisational domain of domain (lower-cased, no trailing dot)
 * into out (len bytes). Returns 0, or -1 when domain is empty or does not fit.
 */
int bg_orgdomain(const char *domain, char *out, size_t len);

/* True when a and b have the same organisational domain (DMARC relaxed alignment). */
bool bg_orgdomain_aligned(const char *a, const char *b);

/*
 * True when domain matches pattern: "name.tld" matches itself and every name
 * below it; "name.*" matches every domain whose organisational domain is
 * "name." followed by a public suffix ("yahoo.*": yahoo.com, mail.yahoo.co.uk).
 */
bool bg_orgdomain_matches(const char *domain, const char *pattern);

#endif
