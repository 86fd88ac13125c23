/*
 * bg_dns.h - TXT, PTR and address lookups through a bg_spf handle's DNS (real DNS or its zone).
 *
 * bulkguard-ctl check-dns reads DKIM key records and DMARC policies from the
 * same place its SPF checks read SPF records: libspf2's DNS layer of a
 * bg_spf handle, lent by bg_spf_dns_run with the handle's locking. So a zone
 * file (bg_spf_zone_load) answers these lookups offline exactly as it
 * answers SPF checks, SERVFAIL names included, and on real DNS the lookups
 * go through libspf2's resolver and its DNS cache (TTLs as DNS gives them).
 *
 * DIAGNOSTICS: -1 with the reason in the caller's err; nothing here logs.
 */
#ifndef BG_DNS_H
#define BG_DNS_H

#include <stddef.h>

#include "bg_spf.h"

#define BG_DNS_NAME_MAX 253 /* octets of a name, without the trailing dot */

/*
 * Looks up the TXT records of name (a domain name, A-labels, no trailing dot
 * needed) and sets *out to an array of *n strings, one per record, the
 * character-strings of each record joined (as DKIM, DMARC and SPF read them).
 * A record's bytes are as DNS gave them, cut at a NUL; the caller cleans
 * them before printing. Returns 0 (with *n 0 and *out NULL when the name
 * does not exist or has no TXT record), or -1 with a reason in err when the
 * answer is a temporary or server error (SERVFAIL, timeout, REFUSED) or name
 * is not a domain name: the records could not be read. The caller frees
 * *out with bg_dns_txt_free.
 */
int bg_dns_txt(struct bg_spf *spf, const char *name, char ***out, size_t *n, char *err, size_t errlen);

/*
 * Looks up the PTR records of ip (IPv4 or IPv6, as its in-addr.arpa or
 * ip6.arpa name): *n host names, as bg_dns_txt returns TXT strings. Returns
 * 0 or -1 (ip is no address, or the answer is an error).
 */
int bg_dns_ptr(struct bg_spf *spf, const char *ip, char ***out, size_t *n, char *err, size_t errlen);

/*
 * Looks up the A and AAAA records of name: *n addresses as text (IPv4
 * dotted, IPv6 as inet_ntop writes it), A first. Returns 0 or -1, as
 * bg_dns_txt. The caller frees *out with bg_dns_txt_free.
 */
int bg_dns_addrs(struct bg_spf *spf, const char *name, char ***out, size_t *n, char *err, size_t errlen);

/* Frees what bg_dns_txt, bg_dns_ptr or bg_dns_addrs gave: n strings and the array. NULL is allowed. */
void bg_dns_txt_free(char **txt, size_t n);

#endif
