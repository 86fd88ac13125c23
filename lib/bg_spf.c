/*
 * bg_spf.c - SPF checks of the entity's IPs through libspf2 1.2.10, with a
 * result cache, a pool of locked libspf2 servers, an offline zone and the
 * SMTP replies (contract in bg_spf.h).
 *
 * What libspf2 does that this file works around:
 * - a record it cannot compile leaves the result unset (SPF_RESULT_INVALID)
 *   with SPF_E_NOT_SPF, as may a missing record, and a TRY_AGAIN on the
 *   top-level lookup leaves it unset with SPF_E_DNS_ERROR: spf_map tells
 *   them apart (permerror, none, temperror);
 * - loopback clients always pass (client_parse refuses them);
 * - SPF_dns_zone_add_str aborts the process on an unknown type or on a
 *   second error entry for a name, and leaves an empty record behind when
 *   its data is bad: zone_add checks everything before calling it;
 * - its DNS cache (SPF_DNS_CACHE) keeps every answer at least 30 s, TXT
 *   records and failures (TRY_AGAIN too) at least 30 min, so a passing DNS
 *   outage would be a temperror for half an hour and a changed record unseen
 *   as long: bg_spf_new sets those floors to 0, leaving DNS's own TTLs;
 * - SPF_server_free frees the DNS layers SPF_server_new made, but not one
 *   given to SPF_server_new_dns: bg_spf_free frees the zone itself;
 * - spf_dns_zone.h is not included by spf.h (without it the calls are
 *   implicitly declared and the pointers truncated: a crash).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* libspf2 needs these before its own headers (APIS.md). */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_cache.h>
#include <spf2/spf_dns_zone.h>

#include "bg_spf.h"
#include "bg_spf_cache.h"

#define DOMAIN_MAX    253
#define SERVERS_MAX   64
#define STR(x)        #x
#define XSTR(x)       STR(x)

/* A libspf2 server, used by one thread at a time. */
struct spf_server {
	pthread_mutex_t lock;
	SPF_server_t *spf;
};

struct bg_spf {
	struct spf_server *srv;
	size_t nsrv;
	atomic_uint next;          /* where the next check starts looking for a free server */
	SPF_dns_server_t *zone;    /* zone handles only: srv[0]'s resolver, which we free */
	struct bg_strlist names;   /* zone names holding records (under srv[0].lock) */
	struct bg_strlist failing; /* zone names that are SERVFAIL */
	struct spf_cache cache;
};

/* An SPF client address, parsed. */
struct client {
	int family;
	struct in_addr v4;
	struct in6_addr v6;
	char text[INET6_ADDRSTRLEN];
};

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

/* Switches off libspf2's printers that write to stdout and stderr (its error printer stays). */
static void
quiet_libspf2(void)
{
	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
}

/* Copies s into dst (dstlen bytes) with every byte that is not printable ASCII, and '%', made '?'. */
static void
printable(char *dst, size_t dstlen, const char *s)
{
	size_t i;

	if (dstlen == 0)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '%' ? '?' : s[i];
	dst[i] = '\0';
}

/* True for the bytes a domain label may hold here: letters, digits, '-' and '_'. */
static bool
label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* True when d is a name of labels of 1..63 label_chars, 253 octets in all, "*." first if wildcard. */
static bool
domain_ok(const char *d, bool wildcard)
{
	size_t len, label = 0;

	if (d == NULL)
		return false;
	if (wildcard && strncmp(d, "*.", 2) == 0)
		d += 2;
	len = strnlen(d, DOMAIN_MAX + 1);
	if (len == 0 || len > DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if (label_char(d[i])) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* Parses ip into c: IPv4 (also when IPv4-mapped) or IPv6, neither loopback nor unspecified. */
static bool
client_parse(const char *ip, struct client *c)
{
	memset(c, 0, sizeof(*c));
	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, &c->v4) == 1) {
		c->family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, &c->v6) == 1) {
		c->family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&c->v6)) {
			memcpy(&c->v4, &c->v6.s6_addr[12], 4);
			c->family = AF_INET;
		} else if (IN6_IS_ADDR_LOOPBACK(&c->v6) || IN6_IS_ADDR_UNSPECIFIED(&c->v6)) {
			return false;
		}
	} else {
		return false;
	}
	if (c->family == AF_INET && ((ntohl(c->v4.s_addr) >> 24) == 127 || c->v4.s_addr == 0))
		return false;
	inet_ntop(c->family, c->family == AF_INET ? (const void *)&c->v4 : (const void *)&c->v6, c->text,
	          sizeof(c->text));
	return true;
}

/* ---- handles ---- */

/* Allocates a handle with nsrv unset servers and its cache. */
static struct bg_spf *
spf_alloc(size_t nsrv, unsigned ttl)
{
	struct bg_spf *spf;

	pthread_once(&quiet_once, quiet_libspf2);
	spf = bg_xcalloc(1, sizeof(*spf));
	spf->srv = bg_xcalloc(nsrv, sizeof(*spf->srv));
	spf->nsrv = nsrv;
	for (size_t i = 0; i < nsrv; i++)
		pthread_mutex_init(&spf->srv[i].lock, NULL);
	atomic_init(&spf->next, 0);
	bg_spf_cache_init(&spf->cache, ttl);
	return spf;
}

struct bg_spf *
bg_spf_new(unsigned ttl, unsigned servers, char *err, size_t errlen)
{
	struct bg_spf *spf;

	if (servers > SERVERS_MAX) {
		snprintf(err, errlen, "%u SPF servers: at most %d", servers, SERVERS_MAX);
		return NULL;
	}
	spf = spf_alloc(servers != 0 ? servers : BG_SPF_SERVERS, ttl);
	for (size_t i = 0; i < spf->nsrv; i++) {
		if ((spf->srv[i].spf = SPF_server_new(SPF_DNS_CACHE, 0)) == NULL) {
			snprintf(err, errlen, "libspf2 cannot make an SPF server");
			bg_spf_free(spf);
			return NULL;
		}
		SPF_dns_cache_set_ttl(spf->srv[i].spf->resolver, 0, 0, 0, 0); /* DNS's own TTLs, nothing longer */
	}
	return spf;
}

struct bg_spf *
bg_spf_new_zone(unsigned ttl, char *err, size_t errlen)
{
	struct bg_spf *spf = spf_alloc(1, ttl);

	if ((spf->zone = SPF_dns_zone_new(NULL, "bulkguard", 0)) == NULL) {
		snprintf(err, errlen, "libspf2 cannot make a DNS zone");
		bg_spf_free(spf);
		return NULL;
	}
	if ((spf->srv[0].spf = SPF_server_new_dns(spf->zone, 0)) == NULL) {
		snprintf(err, errlen, "libspf2 cannot make an SPF server");
		bg_spf_free(spf);
		return NULL;
	}
	return spf;
}

void
bg_spf_free(struct bg_spf *spf)
{
	if (spf == NULL)
		return;
	for (size_t i = 0; i < spf->nsrv; i++) {
		if (spf->srv[i].spf != NULL)
			SPF_server_free(spf->srv[i].spf); /* frees DNS layers it made, not a zone */
		pthread_mutex_destroy(&spf->srv[i].lock);
	}
	if (spf->zone != NULL)
		SPF_dns_free(spf->zone);
	free(spf->srv);
	bg_spf_cache_free(&spf->cache);
	bg_strlist_free(&spf->names);
	bg_strlist_free(&spf->failing);
	free(spf);
}

void
bg_spf_stats(struct bg_spf *spf, struct bg_spf_stats *st)
{
	bg_spf_cache_stats(&spf->cache, &st->checks, &st->hits, &st->cached);
}

/* ---- the zone ---- */

/* True when s is an IPv4 literal. */
static bool
a_ok(const char *s)
{
	struct in_addr a;

	return s != NULL && inet_pton(AF_INET, s, &a) == 1;
}

/* True when s is an IPv6 literal. */
static bool
aaaa_ok(const char *s)
{
	struct in6_addr a;

	return s != NULL && inet_pton(AF_INET6, s, &a) == 1;
}

/* True when s is "<preference 0..65535> <host>". */
static bool
mx_ok(const char *s)
{
	char *end;
	unsigned long pref;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	pref = strtoul(s, &end, 10);
	if (errno != 0 || pref > 65535 || (*end != ' ' && *end != '\t'))
		return false;
	end += strspn(end, " \t");
	return domain_ok(end, false);
}

/* True when s is TXT data: no control characters, shorter than a zone line. */
static bool
txt_ok(const char *s)
{
	size_t len = s == NULL ? 0 : strnlen(s, BG_SPF_ZONE_LINE_MAX);

	if (s == NULL || len == BG_SPF_ZONE_LINE_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* True when s is a host name (PTR data). */
static bool
ptr_ok(const char *s)
{
	return domain_ok(s, false);
}

/* True when s is no data at all (SERVFAIL). */
static bool
none_ok(const char *s)
{
	return s == NULL || *s == '\0';
}

/* A record type a zone takes; ns_t_any stands for SERVFAIL. */
struct zone_type {
	const char *name;
	ns_type type;
	bool (*data_ok)(const char *);
};

/* clang-format off */
static const struct zone_type zone_types[] = {
	{"TXT", ns_t_txt, txt_ok},
	{"A", ns_t_a, a_ok},
	{"AAAA", ns_t_aaaa, aaaa_ok},
	{"MX", ns_t_mx, mx_ok},
	{"PTR", ns_t_ptr, ptr_ok},
	{"SERVFAIL", ns_t_any, none_ok},
};
/* clang-format on */

/* Returns the zone type named name (any case), or NULL. */
static const struct zone_type *
zone_type_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(zone_types) / sizeof(zone_types[0]); i++)
		if (strcasecmp(zone_types[i].name, name) == 0)
			return &zone_types[i];
	return NULL;
}

/* Adds a checked record with srv[0] locked; returns NULL or why it cannot. */
static const char *
zone_add_locked(struct bg_spf *spf, const char *domain, const struct zone_type *t, const char *data)
{
	bool servfail = t->type == ns_t_any;

	if (servfail && bg_strlist_has(&spf->names, domain))
		return "a SERVFAIL name cannot hold other records";
	if (!servfail && bg_strlist_has(&spf->failing, domain))
		return "the name is SERVFAIL";
	if (SPF_dns_zone_add_str(spf->zone, domain, t->type, servfail ? TRY_AGAIN : NETDB_SUCCESS,
	                         servfail ? NULL : data) != SPF_E_SUCCESS)
		return "libspf2 refused the record";
	if (!bg_strlist_has(&spf->names, domain))
		bg_strlist_add(&spf->names, domain);
	if (servfail)
		bg_strlist_add(&spf->failing, domain);
	return NULL;
}

/* Checks and adds one record; returns NULL or why it cannot. */
static const char *
zone_add(struct bg_spf *spf, const char *domain, const char *type, const char *data)
{
	const struct zone_type *t = zone_type_find(type);
	const char *why;

	if (spf == NULL || spf->zone == NULL)
		return "not a zone handle";
	if (!domain_ok(domain, true))
		return "bad name";
	if (t == NULL)
		return "unknown type (TXT, A, AAAA, MX, PTR or SERVFAIL)";
	if (!t->data_ok(data))
		return "bad data for the type";
	pthread_mutex_lock(&spf->srv[0].lock);
	why = zone_add_locked(spf, domain, t, data);
	pthread_mutex_unlock(&spf->srv[0].lock);
	return why;
}

int
bg_spf_zone_add_rr(struct bg_spf *spf, const char *domain, const char *type, const char *data)
{
	return zone_add(spf, domain, type, data) == NULL ? 0 : -1;
}

int
bg_spf_zone_add(struct bg_spf *spf, const char *domain, const char *txt)
{
	return bg_spf_zone_add_rr(spf, domain, "TXT", txt);
}

/* Returns p past blanks. */
static char *
skip_blanks(char *p)
{
	return p + strspn(p, " \t");
}

/* Cuts the next blank-separated field off *p; returns it, or NULL when none is left. */
static char *
next_field(char **p)
{
	char *f = skip_blanks(*p);
	size_t n = strcspn(f, " \t");

	if (n == 0)
		return NULL;
	*p = f + n;
	if (**p != '\0')
		*(*p)++ = '\0';
	return f;
}

/* Decodes one or more blank-separated "strings" at p, concatenated, into out; returns 0 or -1. */
static int
txt_unquote(const char *p, char *out, size_t outlen)
{
	size_t n = 0;

	if (*p != '"')
		return -1;
	while (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0' || n + 1 >= outlen)
				return -1;
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			out[n++] = *p;
		}
		p += 1 + strspn(p + 1, " \t");
	}
	out[n] = '\0';
	return *p == '\0' ? 0 : -1;
}

/* Parses one zone line (no newline) and adds its record; *added counts records. Returns NULL or why not. */
static const char *
zone_line(struct bg_spf *spf, char *line, unsigned *added)
{
	char txt[BG_SPF_ZONE_LINE_MAX + 1];
	char *p = skip_blanks(line), *name, *type, *data;
	size_t n;

	if (*p == '\0' || *p == '#')
		return NULL;
	if (++*added > BG_SPF_ZONE_RECORDS_MAX)
		return "more than " XSTR(BG_SPF_ZONE_RECORDS_MAX) " records";
	name = next_field(&p);
	if ((type = next_field(&p)) == NULL)
		return "no record type";
	data = skip_blanks(p);
	for (n = strlen(data); n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t'); n--)
		data[n - 1] = '\0';
	if (strcasecmp(type, "TXT") == 0) {
		if (txt_unquote(data, txt, sizeof(txt)) < 0)
			return "TXT data must be one or more \"quoted strings\"";
		data = txt;
	}
	return zone_add(spf, name, type, data);
}

/* Reads a line without its newline (and CR) into buf; returns 1, 0 at EOF, -1 if too long or holding a NUL. */
static int
zone_read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0' || n + 1 >= size)
			return -1;
		buf[n++] = (char)ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return ch == EOF && n == 0 ? 0 : 1;
}

int
bg_spf_zone_load(struct bg_spf *spf, const char *path, char *err, size_t errlen)
{
	char line[BG_SPF_ZONE_LINE_MAX + 1];
	const char *why = NULL;
	unsigned lineno = 0, added = 0;
	FILE *f;
	int rc;

	if (spf == NULL || spf->zone == NULL) {
		snprintf(err, errlen, "%s: not a zone handle", path);
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (why == NULL && (rc = zone_read_line(f, line, sizeof(line))) != 0) {
		lineno++;
		why = rc < 0 ? "line too long or holding a NUL" : zone_line(spf, line, &added);
	}
	if (why == NULL && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (why != NULL)
		snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
	return why == NULL ? 0 : -1;
}

/* ---- checks ---- */

/* True when libspf2 found no SPF record, rather than one it could not compile. */
static bool
spf_no_record(SPF_response_t *resp, SPF_errcode_t e)
{
	if (e != SPF_E_NOT_SPF)
		return false;
	for (int i = 0; i < SPF_response_messages(resp); i++)
		if (SPF_error_code(SPF_response_message(resp, i)) != SPF_E_NOT_SPF)
			return false;
	return true;
}

/* Maps libspf2's answer to a result, including the answers that leave the result unset. */
static enum bg_spf_result
spf_map(SPF_response_t *resp, SPF_errcode_t e)
{
	switch (SPF_response_result(resp)) {
	case SPF_RESULT_PASS: return BG_SPF_PASS;
	case SPF_RESULT_FAIL: return BG_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL: return BG_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL: return BG_SPF_NEUTRAL;
	case SPF_RESULT_NONE: return BG_SPF_NONE;
	case SPF_RESULT_TEMPERROR: return BG_SPF_TEMPERROR;
	case SPF_RESULT_PERMERROR: return BG_SPF_PERMERROR;
	default: break;
	}
	if (e == SPF_E_DNS_ERROR || e == SPF_E_NO_MEMORY || e == SPF_E_INTERNAL_ERROR)
		return BG_SPF_TEMPERROR;
	return spf_no_record(resp, e) ? BG_SPF_NONE : BG_SPF_PERMERROR;
}

/* Returns why libspf2 gave its answer: the deciding mechanism, else its first error, else its error code. */
static const char *
spf_why(SPF_response_t *resp, SPF_errcode_t e)
{
	const char *first = NULL, *msg;
	SPF_error_t *m;

	if (SPF_response_reason(resp) == SPF_REASON_MECH)
		return "a mechanism matched";
	if (SPF_response_reason(resp) == SPF_REASON_DEFAULT)
		return "no mechanism matched";
	for (int i = 0; i < SPF_response_messages(resp); i++) {
		if ((m = SPF_response_message(resp, i)) == NULL || (msg = SPF_error_message(m)) == NULL)
			continue;
		if (SPF_error_errorp(m))
			return msg;
		if (first == NULL)
			first = msg;
	}
	return first != NULL ? first : SPF_strerror(e);
}

/* Runs one libspf2 query of (c, domain) on server; writes "<result>: <why>" into out. */
static enum bg_spf_result
spf_query(SPF_server_t *server, const struct client *c, const char *domain, char *out, size_t len)
{
	SPF_request_t *req = SPF_request_new(server);
	SPF_response_t *resp = NULL;
	SPF_errcode_t e = SPF_E_NO_MEMORY;
	enum bg_spf_result r = BG_SPF_TEMPERROR;
	char text[BG_SPF_EXPLAIN_MAX];

	if (req != NULL &&
	    (c->family == AF_INET ? SPF_request_set_ipv4(req, c->v4) : SPF_request_set_ipv6(req, c->v6)) ==
	        SPF_E_SUCCESS &&
	    SPF_request_set_helo_dom(req, domain) == SPF_E_SUCCESS && SPF_request_set_env_from(req, domain) == 0)
		e = SPF_request_query_mailfrom(req, &resp);
	if (resp != NULL)
		r = spf_map(resp, e);
	snprintf(text, sizeof(text), "%s: %s", bg_spf_result_name(r),
	         resp != NULL ? spf_why(resp, e) : SPF_strerror(e));
	printable(out, len, text);
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	return r;
}

/* Locks a free server if there is one, else waits for one. The caller unlocks it. */
static struct spf_server *
server_take(struct bg_spf *spf)
{
	size_t start = atomic_fetch_add(&spf->next, 1) % spf->nsrv;

	for (size_t k = 0; k < spf->nsrv; k++) {
		struct spf_server *s = &spf->srv[(start + k) % spf->nsrv];

		if (pthread_mutex_trylock(&s->lock) == 0)
			return s;
	}
	pthread_mutex_lock(&spf->srv[start].lock);
	return &spf->srv[start];
}

/* Writes "<result>: <why>" into explain when there is room. */
static enum bg_spf_result
explained(enum bg_spf_result r, char *explain, size_t len, const char *why)
{
	char text[BG_SPF_EXPLAIN_MAX];

	snprintf(text, sizeof(text), "%s: %s", bg_spf_result_name(r), why);
	printable(explain, len, text);
	return r;
}

enum bg_spf_result
bg_spf_check(struct bg_spf *spf, const char *ip, const char *domain, char *explain, size_t len)
{
	char dom[DOMAIN_MAX + 1], key[KEY_MAX], text[BG_SPF_EXPLAIN_MAX], safe[BG_SPF_EXPLAIN_MAX];
	struct spf_server *s;
	struct client c;
	enum bg_spf_result r;
	size_t i;

	if (!client_parse(ip, &c))
		return explained(BG_SPF_TEMPERROR, explain, len, "not a checkable IP address");
	if (!domain_ok(domain, false) || strchr(domain, '.') == NULL)
		return explained(BG_SPF_NONE, explain, len, "not a domain name");
	for (i = 0; domain[i] != '\0'; i++)
		dom[i] = domain[i] >= 'A' && domain[i] <= 'Z' ? (char)(domain[i] - 'A' + 'a') : domain[i];
	dom[i] = '\0';
	snprintf(key, sizeof(key), "%s %s", dom, c.text);
	if (bg_spf_cache_get(&spf->cache, key, &r, explain, len))
		return r;
	s = server_take(spf);
	r = spf_query(s->spf, &c, dom, text, sizeof(text));
	pthread_mutex_unlock(&s->lock);
	printable(safe, sizeof(safe), text);
	bg_spf_cache_put(&spf->cache, key, r, safe);
	printable(explain, len, text);
	return r;
}

enum bg_spf_result
bg_spf_check_all(struct bg_spf *spf, const struct bg_strlist *ips, const char *domain, char *explain, size_t len)
{
	char one[BG_SPF_EXPLAIN_MAX], worst_text[BG_SPF_EXPLAIN_MAX + INET6_ADDRSTRLEN + 8];
	enum bg_spf_result worst = BG_SPF_PASS, r;

	if (ips == NULL || ips->n == 0)
		return explained(BG_SPF_PASS, explain, len, "no IP to check");
	for (size_t i = 0; i < ips->n && worst != BG_SPF_PERMERROR; i++) {
		r = bg_spf_check(spf, ips->v[i], domain, one, sizeof(one));
		if (i == 0 || r > worst) {
			worst = r;
			snprintf(worst_text, sizeof(worst_text), "%.*s: %s", INET6_ADDRSTRLEN, ips->v[i], one);
		}
	}
	printable(explain, len, worst_text);
	return worst;
}

int
bg_spf_dns_run(struct bg_spf *spf, int (*fn)(struct SPF_dns_server_struct *dns, void *arg), void *arg)
{
	struct spf_server *s = server_take(spf);
	int rc = fn(s->spf->resolver, arg);

	pthread_mutex_unlock(&s->lock);
	return rc;
}

bool
bg_spf_ip_valid(const char *ip)
{
	struct client c;

	return client_parse(ip, &c);
}

const char *
bg_spf_result_name(enum bg_spf_result r)
{
	/* clang-format off */
	static const char *const names[] = {
		[BG_SPF_PASS] = "pass",
		[BG_SPF_NONE] = "none",
		[BG_SPF_NEUTRAL] = "neutral",
		[BG_SPF_SOFTFAIL] = "softfail",
		[BG_SPF_TEMPERROR] = "temperror",
		[BG_SPF_FAIL] = "fail",
		[BG_SPF_PERMERROR] = "permerror",
	};
	/* clang-format on */

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* Copies s into dst (dstlen bytes) keeping letters, digits and ".-_:", every other byte made '?'. */
static void
reply_clean(char *dst, size_t dstlen, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < dstlen; i++)
		dst[i] = label_char(s[i]) || s[i] == '.' || s[i] == ':' ? s[i] : '?';
	dst[i] = '\0';
}

/* Fills the reply codes and returns what they decide. */
static int
reply_codes(char code[4], char xcode[8], const char *c, const char *x)
{
	bg_strlcpy(code, c, 4);
	bg_strlcpy(xcode, x, 8);
	return c[0] == '4' ? BG_SPF_TEMPFAIL : BG_SPF_REFUSE;
}

int
bg_spf_reply(enum bg_spf_result r, enum bg_spf_policy spf_policy, const char *domain, const char *ip, char code[4],
             char xcode[8], char *text, size_t len)
{
	/* clang-format off */
	static const char *const weak[] = {
		[BG_SPF_NONE] = "no SPF record",
		[BG_SPF_NEUTRAL] = "neutral",
		[BG_SPF_SOFTFAIL] = "softfail",
	};
	/* clang-format on */
	char d[DOMAIN_MAX + 1], a[INET6_ADDRSTRLEN];

	code[0] = xcode[0] = '\0';
	if (len > 0)
		text[0] = '\0';
	reply_clean(d, sizeof(d), domain);
	reply_clean(a, sizeof(a), ip);
	switch (r) {
	case BG_SPF_PASS: return BG_SPF_ACCEPT;
	case BG_SPF_NONE:
	case BG_SPF_NEUTRAL:
	case BG_SPF_SOFTFAIL:
		if (spf_policy == BG_SPF_POLICY_ACCEPT)
			return BG_SPF_ACCEPT;
		snprintf(text, len, "SPF of %s does not authorize %s (%s)", d, a, weak[r]);
		return reply_codes(code, xcode, "550", "5.7.23");
	case BG_SPF_FAIL:
		snprintf(text, len, "SPF of %s does not authorize %s", d, a);
		return reply_codes(code, xcode, "550", "5.7.23");
	case BG_SPF_PERMERROR:
		snprintf(text, len, "SPF record of %s is broken", d);
		return reply_codes(code, xcode, "550", "5.7.24");
	case BG_SPF_TEMPERROR:
	default:
		snprintf(text, len, "SPF of %s could not be checked (temporary DNS error)", d);
		return reply_codes(code, xcode, "451", "4.7.24");
	}
}
