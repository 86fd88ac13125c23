/*
 * bg_spf.h - does the envelope sender's domain authorise the entity's IPs?
 *
 * At MAIL the milter checks that the SPF record of the MAIL FROM domain
 * authorises every public address of the entity's pool (spf_ips, doc/design.md 3.4):
 * one SPF check (RFC 7208 check_host) of (ip, domain) per ip, the worst
 * result wins, and bg_spf_reply turns it into an accept, a 4xx or a 5xx.
 * The checks are libspf2's; this module adds a result cache, locking, an
 * offline zone for tests and `bulkguard-ctl check-dns --zone`, and replies.
 * bg_spf_dns_run lends a locked server's resolver to other lookups (the TXT
 * lookups of bg_dns), so they see the same zone or DNS.
 *
 * Results are ordered by severity, best first, and the enum's numeric order
 * IS that order, so the worst of two results is the larger:
 *
 *   pass < none < neutral < softfail < temperror < fail < permerror
 *
 * temperror ranks above every result a policy may accept (softfail, neutral,
 * none, pass), so an IP that could not be checked is never hidden by another
 * IP that passed; fail and permerror rank above it because they refuse
 * whatever the unchecked IP would have given.
 *
 * Domains: the caller passes the A-label, as bg_addr_domain gives it. A
 * domain that is not a multi-label name of letters, digits, '-' and '_'
 * (labels 1..63 octets, 253 in all) gets "none" without any DNS lookup, as
 * RFC 7208 4.3 says. The local part is not known here: macros that use it
 * (%{l}, %{s}) see "postmaster". libspf2 gives loopback clients a free pass,
 * so a loopback (or unspecified) IP is refused as not checkable: temperror.
 *
 * Cache: (domain, ip) -> result for at most ttl seconds and BG_SPF_CACHE_MAX
 * entries, least recently used evicted first. temperror is never cached.
 * The ttl is fixed (libspf2 does not expose the records' TTLs); ttl 0 turns
 * the cache off. Changing a zone does not flush the cache. Below it,
 * libspf2's own DNS cache keeps answers for their DNS TTL only (bg_spf_new
 * removes its floors of 30 min for TXT records and failures).
 *
 * Threads: libspf2's thread safety is not proven, so no libspf2 server is
 * ever used by two threads at once. A real-DNS handle holds a small pool of
 * servers (one lock each, each with its own libspf2 DNS cache), so one slow
 * DNS answer delays only the checks that wait for that server, not every
 * MAIL; a zone handle holds one server. The result cache has its own lock
 * and a hit takes no server. All functions but bg_spf_free are thread-safe.
 *
 * Zone file (bg_spf_zone_load), one record a line, fields separated by
 * blanks, the type in any case; blank lines and lines whose first non-blank
 * is '#' are ignored:
 *
 *   <name> TXT "<text>" ["<more text>" ...]   strings are concatenated;
 *                                              inside them \" and \\
 *   <name> A <ipv4>
 *   <name> AAAA <ipv6>
 *   <name> MX <preference> <host>
 *   <name> PTR <host>                          <name> a reverse name:
 *                                              10.2.0.192.in-addr.arpa
 *   <name> SERVFAIL                            every lookup of <name> fails
 *                                              temporarily (TRY_AGAIN)
 *
 * <name> may start with "*." (libspf2's wildcard). A name not in the zone
 * does not exist (NXDOMAIN). A SERVFAIL name can hold no other record. Lines
 * are at most BG_SPF_ZONE_LINE_MAX bytes, files BG_SPF_ZONE_RECORDS_MAX
 * records.
 *
 * Nothing here logs: libspf2's warning, info and debug printers (which write
 * to stdout and stderr) are switched off for the whole process by the first
 * bg_spf_new or bg_spf_new_zone. Its error printer stays: it reports a
 * libspf2 internal error before libspf2 aborts.
 *
 * DIAGNOSTICS: making a checker or zone: NULL or -1, the reason in err; a check never fails.
 */
#ifndef BG_SPF_H
#define BG_SPF_H

#include <stddef.h>

#include "bg_config.h"
#include "bg_util.h"

#define BG_SPF_CACHE_TTL        300  /* seconds, the default for bg_spf_new's ttl */
#define BG_SPF_CACHE_MAX        4096 /* cached (domain, ip) results */
#define BG_SPF_SERVERS          4    /* libspf2 servers of a real-DNS handle by default */
#define BG_SPF_EXPLAIN_MAX      192  /* bytes an explanation needs at most, NUL included */
#define BG_SPF_REPLY_MAX        384  /* bytes a reply text needs at most, NUL included */
#define BG_SPF_ZONE_LINE_MAX    4096
#define BG_SPF_ZONE_RECORDS_MAX 10000

/* SPF results (RFC 7208 2.6), best first: the numeric order is the severity. */
enum bg_spf_result {
	BG_SPF_PASS = 0,
	BG_SPF_NONE,
	BG_SPF_NEUTRAL,
	BG_SPF_SOFTFAIL,
	BG_SPF_TEMPERROR,
	BG_SPF_FAIL,
	BG_SPF_PERMERROR,
};

/* What bg_spf_reply decides. */
#define BG_SPF_ACCEPT   0
#define BG_SPF_TEMPFAIL 4
#define BG_SPF_REFUSE   5

struct bg_spf;

/* Counters of a handle, for tests and statistics. */
struct bg_spf_stats {
	unsigned long checks; /* bg_spf_check calls that reached the cache or DNS */
	unsigned long hits;   /* of those, answered from the cache */
	unsigned long cached; /* entries in the cache now */
};

/*
 * Makes a handle that checks against real DNS (libspf2 SPF_DNS_CACHE), with
 * results cached for ttl seconds (0: no cache) and servers libspf2 servers
 * (0: BG_SPF_SERVERS). Returns NULL with a message in err on failure. The
 * caller frees it with bg_spf_free.
 */
struct bg_spf *bg_spf_new(unsigned ttl, unsigned servers, char *err, size_t errlen);

/*
 * Makes a handle that checks against an empty offline zone (libspf2's zone
 * resolver): every name is NXDOMAIN until records are added. Results are
 * cached for ttl seconds (0: no cache). Returns NULL with a message in err
 * on failure. The caller frees it with bg_spf_free.
 */
struct bg_spf *bg_spf_new_zone(unsigned ttl, char *err, size_t errlen);

/* Adds a TXT record to a zone handle. Returns 0, or -1 (not a zone handle, bad name or text). */
int bg_spf_zone_add(struct bg_spf *spf, const char *domain, const char *txt);

/*
 * Adds a record of type ("TXT", "A", "AAAA", "MX", "SERVFAIL", any case) to a
 * zone handle; data is as in the zone file, unquoted for TXT ("10 mx.example"
 * for MX, NULL for SERVFAIL). Returns 0, or -1 when the handle is not a zone,
 * the name, type or data is bad, or SERVFAIL meets another record's name.
 */
int bg_spf_zone_add_rr(struct bg_spf *spf, const char *domain, const char *type, const char *data);

/*
 * Adds every record of the zone file at path (format above) to a zone
 * handle. Returns 0, or -1 with "path:line: reason" in err; records before
 * the bad line stay added.
 */
int bg_spf_zone_load(struct bg_spf *spf, const char *path, char *err, size_t errlen);

/* Frees the handle and its libspf2 servers. NULL is allowed. No check may be running. */
void bg_spf_free(struct bg_spf *spf);

/*
 * Checks whether domain's SPF record authorises ip (an IPv4 or IPv6
 * literal). Writes a short printable text for logs into explain (len bytes,
 * BG_SPF_EXPLAIN_MAX is enough; NULL with len 0 allowed): the result and
 * libspf2's reason, "(cached)" when it came from the cache. A bad,
 * loopback or unspecified ip gives temperror (the configuration is wrong,
 * not the sender's DNS).
 */
enum bg_spf_result bg_spf_check(struct bg_spf *spf, const char *ip, const char *domain, char *explain, size_t len);

/*
 * Checks every ip of ips against domain and returns the worst result (the
 * order above); explain gets "<ip>: <that ip's explanation>". Stops early at
 * permerror, the worst there is. An empty list passes ("no IP to check").
 */
enum bg_spf_result bg_spf_check_all(struct bg_spf *spf, const struct bg_strlist *ips, const char *domain, char *explain,
                                    size_t len);

/* libspf2's DNS layer (SPF_dns_server_t), for bg_spf_dns_run. */
struct SPF_dns_server_struct;

/*
 * Runs fn(dns, arg) with one of the handle's libspf2 servers locked, dns
 * being that server's resolver (a zone handle's zone; libspf2's caching
 * resolver on real DNS), and returns what fn returns. This is how other
 * lookups (bg_dns) share the handle's DNS, zone and locking. fn must not
 * keep dns past its return nor call into this handle; the records it gets
 * from SPF_dns_lookup are its own to free.
 */
int bg_spf_dns_run(struct bg_spf *spf, int (*fn)(struct SPF_dns_server_struct *dns, void *arg), void *arg);

/* True when ip is an IPv4 or IPv6 literal bg_spf_check can check (not loopback, not unspecified). */
bool bg_spf_ip_valid(const char *ip);

/* Returns the RFC 7208 name of r ("pass", "softfail", ...), "unknown" for no result; static. */
const char *bg_spf_result_name(enum bg_spf_result r);

/* Copies the handle's counters into st. */
void bg_spf_stats(struct bg_spf *spf, struct bg_spf_stats *st);

/*
 * Decides what MAIL gets for result r under spf_policy (what softfail,
 * neutral and none get) and returns BG_SPF_ACCEPT,
 * BG_SPF_TEMPFAIL or BG_SPF_REFUSE. For a refusal or a tempfail it fills
 * code ("550", "451"), xcode ("5.7.23", RFC 7372) and text (len bytes,
 * BG_SPF_REPLY_MAX is enough), naming domain and ip with every byte outside
 * letters, digits and ".-_:" replaced by '?', so the text never holds '%',
 * CR, LF or any control character. On accept all three are empty strings.
 *
 *   fail                      550 5.7.23 SPF of D does not authorize IP
 *   softfail, neutral, none   550 5.7.23 ... (softfail|neutral|no SPF record) with policy refuse
 *   temperror                 451 4.7.24 SPF of D could not be checked (temporary DNS error)
 *   permerror                 550 5.7.24 SPF record of D is broken
 */
int bg_spf_reply(enum bg_spf_result r, enum bg_spf_policy spf_policy, const char *domain, const char *ip, char code[4],
                 char xcode[8], char *text, size_t len);

#endif
