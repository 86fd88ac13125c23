/*
 * test_spf.c - unit tests for the SPF checks (bg_spf), offline.
 *
 * One zone (the records table below) is built twice: through
 * bg_spf_zone_add_rr and through a zone file read by bg_spf_zone_load, and
 * every row of the checks table must give the same result on both. Then
 * check_all's severity order, the cache (a changed zone keeps answering from
 * the cache; LRU eviction; ttl; temperror never cached), the zone file's
 * errors, threads, and the SMTP replies under both policies.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg_spf.h"

/* 11 DNS lookups, one more than RFC 7208 4.6.4 allows. */
#define ELEVEN_A                                                                                                       \
	"a:h1.example a:h2.example a:h3.example a:h4.example a:h5.example a:h6.example a:h7.example a:h8.example "     \
	"a:h9.example a:h10.example a:h11.example"

struct rr {
	const char *name, *type, *data;
};

static const struct rr zone[] = {
	{"ip4.example", "TXT", "v=spf1 ip4:192.0.2.10 -all"},
	{"cidr.example", "TXT", "v=spf1 ip4:198.51.100.0/24 -all"},
	{"ip6.example", "TXT", "v=spf1 ip6:2001:db8::/32 -all"},
	{"inc.example", "TXT", "v=spf1 include:ip4.example ~all"},
	{"a.example", "TXT", "v=spf1 a a:web.a.example -all"},
	{"a.example", "A", "192.0.2.20"},
	{"web.a.example", "A", "192.0.2.21"},
	{"mx.example", "TXT", "v=spf1 mx -all"},
	{"mx.example", "MX", "10 mail.mx.example"},
	{"mail.mx.example", "A", "192.0.2.30"},
	{"mail.mx.example", "AAAA", "2001:db8:1::30"},
	{"redirect.example", "TXT", "v=spf1 redirect=ip4.example"},
	{"fail.example", "TXT", "v=spf1 -all"},
	{"soft.example", "TXT", "v=spf1 ~all"},
	{"neutral.example", "TXT", "v=spf1 ?all"},
	{"default.example", "TXT", "v=spf1 ip4:192.0.2.10"},
	{"txtonly.example", "TXT", "site-verification=abc"},
	{"two.example", "TXT", "v=spf1 ip4:192.0.2.10 -all"},
	{"two.example", "TXT", "v=spf1 -all"},
	{"syntax.example", "TXT", "v=spf1 ip4:192.0.2.300 -all"},
	{"unknown.example", "TXT", "v=spf1 frob:x -all"},
	{"tmp.example", "SERVFAIL", NULL},
	{"inctmp.example", "TXT", "v=spf1 include:tmp.example -all"},
	{"atmp.example", "TXT", "v=spf1 a:tmp.example -all"},
	{"many.example", "TXT", "v=spf1 " ELEVEN_A " -all"},
	{"incnone.example", "TXT", "v=spf1 include:nowhere.example -all"},
	{"loop.example", "TXT", "v=spf1 include:loop.example -all"},
	{"quote.example", "TXT", "say \"hi\" \\ v=spf1"},
	/* for check_all: one ip decided before the trouble, the others not */
	{"passtmp.example", "TXT", "v=spf1 ip4:192.0.2.10 -ip4:192.0.2.12 include:tmp.example -all"},
	{"passmany.example", "TXT", "v=spf1 ip4:192.0.2.10 " ELEVEN_A " -all"},
	{"passsoft.example", "TXT", "v=spf1 ip4:192.0.2.10 ~all"},
};
#define NZONE (sizeof(zone) / sizeof(zone[0]))

struct spf_case {
	const char *domain, *ip;
	enum bg_spf_result want;
	const char *why; /* a piece of the explanation, or NULL */
};

static const struct spf_case cases[] = {
	/* ip4, ip4 with CIDR, ip6 */
	{"ip4.example", "192.0.2.10", BG_SPF_PASS, "pass: a mechanism matched"},
	{"ip4.example", "192.0.2.11", BG_SPF_FAIL, "fail: a mechanism matched"},
	{"IP4.Example", "192.0.2.10", BG_SPF_PASS, NULL},
	{"ip4.example", "::ffff:192.0.2.10", BG_SPF_PASS, NULL},
	{"cidr.example", "198.51.100.1", BG_SPF_PASS, NULL},
	{"cidr.example", "198.51.100.254", BG_SPF_PASS, NULL},
	{"cidr.example", "198.51.101.1", BG_SPF_FAIL, NULL},
	{"ip6.example", "2001:db8::10", BG_SPF_PASS, NULL},
	{"ip6.example", "2001:DB8:ffff::1", BG_SPF_PASS, NULL},
	{"ip6.example", "2001:db9::1", BG_SPF_FAIL, NULL},
	{"ip6.example", "192.0.2.10", BG_SPF_FAIL, NULL},
	/* include: a pass inside passes, a fail inside only fails to match */
	{"inc.example", "192.0.2.10", BG_SPF_PASS, NULL},
	{"inc.example", "192.0.2.99", BG_SPF_SOFTFAIL, NULL},
	/* a, a:host, mx (with A and AAAA records) */
	{"a.example", "192.0.2.20", BG_SPF_PASS, NULL},
	{"a.example", "192.0.2.21", BG_SPF_PASS, NULL},
	{"a.example", "192.0.2.22", BG_SPF_FAIL, NULL},
	{"mx.example", "192.0.2.30", BG_SPF_PASS, NULL},
	{"mx.example", "2001:db8:1::30", BG_SPF_PASS, NULL},
	{"mx.example", "192.0.2.31", BG_SPF_FAIL, NULL},
	/* redirect= */
	{"redirect.example", "192.0.2.10", BG_SPF_PASS, NULL},
	{"redirect.example", "192.0.2.11", BG_SPF_FAIL, NULL},
	/* all */
	{"fail.example", "192.0.2.10", BG_SPF_FAIL, NULL},
	{"soft.example", "192.0.2.10", BG_SPF_SOFTFAIL, NULL},
	{"neutral.example", "192.0.2.10", BG_SPF_NEUTRAL, NULL},
	{"default.example", "192.0.2.11", BG_SPF_NEUTRAL, "no mechanism matched"},
	{"quote.example", "192.0.2.10", BG_SPF_NONE, NULL},
	/* no record */
	{"nowhere.example", "192.0.2.10", BG_SPF_NONE, "none: "},
	{"txtonly.example", "192.0.2.10", BG_SPF_NONE, NULL},
	/* broken records */
	{"two.example", "192.0.2.10", BG_SPF_PERMERROR, "Multiple SPF records"},
	{"syntax.example", "192.0.2.10", BG_SPF_PERMERROR, "Invalid IPv4"},
	{"unknown.example", "192.0.2.10", BG_SPF_PERMERROR, "Unknown mechanism"},
	{"many.example", "192.0.2.10", BG_SPF_PERMERROR, "too many DNS lookups"},
	{"incnone.example", "192.0.2.10", BG_SPF_PERMERROR, NULL},
	{"loop.example", "192.0.2.10", BG_SPF_PERMERROR, NULL},
	/* DNS failures */
	{"tmp.example", "192.0.2.10", BG_SPF_TEMPERROR, "Temporary DNS failure"},
	{"inctmp.example", "192.0.2.10", BG_SPF_TEMPERROR, NULL},
	{"atmp.example", "192.0.2.10", BG_SPF_TEMPERROR, NULL},
	/* what never reaches DNS */
	{"bad%domain.example", "192.0.2.10", BG_SPF_NONE, "not a domain name"},
	{"bad\r\ndomain.example", "192.0.2.10", BG_SPF_NONE, "not a domain name"},
	{"localhost", "192.0.2.10", BG_SPF_NONE, "not a domain name"},
	{"", "192.0.2.10", BG_SPF_NONE, NULL},
	{"ip4.example.", "192.0.2.10", BG_SPF_NONE, NULL},
	{"b\xc3\xbc" "cher.example", "192.0.2.10", BG_SPF_NONE, NULL},
	{"ip4.example", "192.0.2.300", BG_SPF_TEMPERROR, "not a checkable IP address"},
	{"ip4.example", "127.0.0.1", BG_SPF_TEMPERROR, NULL},
	{"ip4.example", "::1", BG_SPF_TEMPERROR, NULL},
	{"ip4.example", "0.0.0.0", BG_SPF_TEMPERROR, NULL},
	{"ip4.example", "::ffff:127.0.0.1", BG_SPF_TEMPERROR, NULL},
	{"ip4.example", "", BG_SPF_TEMPERROR, NULL},
	{"ip4.example", "192.0.2.10 ", BG_SPF_TEMPERROR, NULL},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct bg_spf *by_api;  /* the zone built by bg_spf_zone_add_rr, no cache */
static struct bg_spf *by_file; /* the zone read by bg_spf_zone_load, no cache */

/* Writes text into a new temporary file; returns its path, which the caller frees and unlinks. */
static char *
temp_file(const char *text)
{
	char *path = strdup("/tmp/test_spf.XXXXXX");
	int fd;

	assert_non_null(path);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Returns the zone table in zone file form; the caller frees it. */
static char *
zone_text(void)
{
	size_t size = 16384, n;
	char *s = malloc(size);

	assert_non_null(s);
	n = (size_t)snprintf(s, size, "# the test zone\n\n");
	for (size_t i = 0; i < NZONE; i++) {
		const struct rr *r = &zone[i];
		const char *q = strcmp(r->type, "TXT") == 0 ? "\"" : "";
		char data[512];
		size_t k = 0;

		for (const char *p = r->data; p != NULL && *p != '\0' && k + 2 < sizeof(data); p++) {
			if (*q != '\0' && (*p == '"' || *p == '\\'))
				data[k++] = '\\';
			data[k++] = *p;
		}
		data[k] = '\0';
		n += (size_t)snprintf(s + n, size - n, "%s%s\t%s  %s%s%s\r\n", i % 2 ? "  " : "", r->name, r->type, q,
				      data, q);
		assert_true(n < size);
	}
	return s;
}

/* Builds both zone handles. */
static int
group_setup(void **state)
{
	char err[256] = "", *text, *path;

	by_api = bg_spf_new_zone(0, err, sizeof(err));
	by_file = bg_spf_new_zone(0, err, sizeof(err));
	if (by_api == NULL || by_file == NULL)
		return -1;
	for (size_t i = 0; i < NZONE; i++)
		if (bg_spf_zone_add_rr(by_api, zone[i].name, zone[i].type, zone[i].data) != 0)
			return -1;
	text = zone_text();
	path = temp_file(text);
	if (bg_spf_zone_load(by_file, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "# %s\n", err);
		return -1;
	}
	unlink(path);
	free(path);
	free(text);
	return 0;
}

/* Frees both zone handles. */
static int
group_teardown(void **state)
{
	bg_spf_free(by_api);
	bg_spf_free(by_file);
	return 0;
}

/* One row of the checks table, on both zones. */
static void
test_row(void **state)
{
	const struct spf_case *c = *state;
	char ex1[BG_SPF_EXPLAIN_MAX], ex2[BG_SPF_EXPLAIN_MAX];

	assert_int_equal(bg_spf_check(by_api, c->ip, c->domain, ex1, sizeof(ex1)), c->want);
	assert_int_equal(bg_spf_check(by_file, c->ip, c->domain, ex2, sizeof(ex2)), c->want);
	assert_string_equal(ex1, ex2);
	assert_memory_equal(ex1, bg_spf_result_name(c->want), strlen(bg_spf_result_name(c->want)));
	if (c->why != NULL && strstr(ex1, c->why) == NULL)
		fail_msg("explanation \"%s\" lacks \"%s\"", ex1, c->why);
	for (const char *p = ex1; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f && *p != '%');
}

/* Names a row after its domain and ip, printable. */
static void
row_name(size_t i, char *name, size_t size)
{
	size_t n = (size_t)snprintf(name, size, "row %02zu %s %s", i, cases[i].domain, cases[i].ip);

	for (size_t j = 0; j < n && j < size; j++)
		if ((unsigned char)name[j] < 0x20 || (unsigned char)name[j] >= 0x7f || name[j] == '#')
			name[j] = '?';
}

/* check_all over ips (a NULL-terminated list), expecting want and an explanation starting with first. */
static void
all(const char *domain, enum bg_spf_result want, const char *first, ...)
{
	struct bg_strlist ips = {0};
	char ex[BG_SPF_EXPLAIN_MAX + 64];
	const char *ip;
	va_list ap;

	va_start(ap, first);
	while ((ip = va_arg(ap, const char *)) != NULL)
		bg_strlist_add(&ips, ip);
	va_end(ap);
	assert_int_equal(bg_spf_check_all(by_api, &ips, domain, ex, sizeof(ex)), want);
	if (strncmp(ex, first, strlen(first)) != 0)
		fail_msg("explanation \"%s\" does not start with \"%s\"", ex, first);
	bg_strlist_free(&ips);
}

/* The worst result wins; temperror is never hidden by a pass; fail and permerror beat temperror. */
static void
test_check_all(void **state)
{
	struct bg_spf_stats before, after;
	struct bg_strlist none = {0};
	char ex[BG_SPF_EXPLAIN_MAX];

	all("ip4.example", BG_SPF_PASS, "192.0.2.10: pass", "192.0.2.10", "::ffff:192.0.2.10", NULL);
	all("ip4.example", BG_SPF_FAIL, "192.0.2.11: fail", "192.0.2.10", "192.0.2.11", NULL);
	all("ip4.example", BG_SPF_FAIL, "192.0.2.11: fail", "192.0.2.11", "192.0.2.10", NULL);
	all("passtmp.example", BG_SPF_TEMPERROR, "192.0.2.11: temperror", "192.0.2.10", "192.0.2.11", NULL);
	all("passtmp.example", BG_SPF_TEMPERROR, "192.0.2.11: temperror", "192.0.2.11", "192.0.2.10", NULL);
	all("passtmp.example", BG_SPF_FAIL, "192.0.2.12: fail", "192.0.2.10", "192.0.2.11", "192.0.2.12", NULL);
	all("passsoft.example", BG_SPF_SOFTFAIL, "192.0.2.11: softfail", "192.0.2.10", "192.0.2.11", NULL);
	all("passsoft.example", BG_SPF_TEMPERROR, "127.0.0.2: temperror", "192.0.2.10", "127.0.0.2", "192.0.2.11",
	    NULL);
	all("passmany.example", BG_SPF_PERMERROR, "192.0.2.11: permerror", "192.0.2.10", "192.0.2.11", NULL);
	/* permerror is the worst: the ips after it are not checked */
	bg_spf_stats(by_api, &before);
	all("passmany.example", BG_SPF_PERMERROR, "192.0.2.11: permerror", "192.0.2.11", "192.0.2.10",
	    "192.0.2.12", NULL);
	bg_spf_stats(by_api, &after);
	assert_int_equal(after.checks - before.checks, 1);
	/* no ip: nothing is unauthorised */
	assert_int_equal(bg_spf_check_all(by_api, &none, "fail.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_string_equal(ex, "pass: no IP to check");
	assert_int_equal(bg_spf_check_all(by_api, NULL, "fail.example", NULL, 0), BG_SPF_PASS);
}

/* The numeric order of the results is the severity order bg_spf.h documents. */
static void
test_order(void **state)
{
	assert_true(BG_SPF_PASS < BG_SPF_NONE);
	assert_true(BG_SPF_NONE < BG_SPF_NEUTRAL);
	assert_true(BG_SPF_NEUTRAL < BG_SPF_SOFTFAIL);
	assert_true(BG_SPF_SOFTFAIL < BG_SPF_TEMPERROR);
	assert_true(BG_SPF_TEMPERROR < BG_SPF_FAIL);
	assert_true(BG_SPF_FAIL < BG_SPF_PERMERROR);
}

/* Returns the handle's cache hits so far. */
static unsigned long
hits(struct bg_spf *spf)
{
	struct bg_spf_stats st;

	bg_spf_stats(spf, &st);
	return st.hits;
}

/* A cached result survives a change of the zone; other ips and uncached handles see the change. */
static void
test_cache_hit(void **state)
{
	char err[128], ex[BG_SPF_EXPLAIN_MAX];
	struct bg_spf *spf = bg_spf_new_zone(300, err, sizeof(err));

	assert_non_null(spf);
	assert_int_equal(bg_spf_zone_add(spf, "cache.example", "v=spf1 ip4:192.0.2.10 -all"), 0);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "cache.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(hits(spf), 0);
	/* a second record: uncached checks now give permerror */
	assert_int_equal(bg_spf_zone_add(spf, "cache.example", "v=spf1 -all"), 0);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "cache.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_string_equal(ex, "pass: a mechanism matched (cached)");
	assert_int_equal(hits(spf), 1);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "CACHE.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(bg_spf_check(spf, "::ffff:192.0.2.10", "cache.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(hits(spf), 3);
	assert_int_equal(bg_spf_check(spf, "192.0.2.11", "cache.example", ex, sizeof(ex)), BG_SPF_PERMERROR);
	assert_int_equal(hits(spf), 3);
	assert_int_equal(bg_spf_check(spf, "192.0.2.11", "cache.example", ex, sizeof(ex)), BG_SPF_PERMERROR);
	assert_int_equal(hits(spf), 4);
	bg_spf_free(spf);
}

/* temperror is never cached; ttl 0 caches nothing; a result expires after ttl. */
static void
test_cache_ttl(void **state)
{
	char err[128], ex[BG_SPF_EXPLAIN_MAX];
	struct bg_spf *spf = bg_spf_new_zone(1, err, sizeof(err));
	struct bg_spf_stats st;
	struct timespec pause = {1, 100 * 1000 * 1000};

	assert_non_null(spf);
	assert_int_equal(bg_spf_zone_add_rr(spf, "tmp.example", "SERVFAIL", NULL), 0);
	assert_int_equal(bg_spf_zone_add(spf, "ttl.example", "v=spf1 ip4:192.0.2.10 -all"), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bg_spf_check(spf, "192.0.2.10", "tmp.example", ex, sizeof(ex)), BG_SPF_TEMPERROR);
	bg_spf_stats(spf, &st);
	assert_int_equal(st.checks, 3);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.cached, 0);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "ttl.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "ttl.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(hits(spf), 1);
	nanosleep(&pause, NULL);
	assert_int_equal(bg_spf_check(spf, "192.0.2.10", "ttl.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(hits(spf), 1);
	assert_null(strstr(ex, "cached"));
	bg_spf_free(spf);

	for (int i = 0; i < 3; i++)
		assert_int_equal(bg_spf_check(by_api, "192.0.2.10", "ip4.example", ex, sizeof(ex)), BG_SPF_PASS);
	assert_int_equal(hits(by_api), 0);
}

/* Writes n as an ip of 10.0.0.0/8 into buf; returns buf. */
static const char *
ten(unsigned n, char *buf, size_t size)
{
	snprintf(buf, size, "10.%u.%u.%u", n >> 16, (n >> 8) & 255, n & 255);
	return buf;
}

/* The cache holds BG_SPF_CACHE_MAX entries and evicts the least recently used. */
static void
test_cache_lru(void **state)
{
	char err[128], ip[32];
	struct bg_spf *spf = bg_spf_new_zone(300, err, sizeof(err));
	struct bg_spf_stats st;

	assert_non_null(spf);
	assert_int_equal(bg_spf_zone_add(spf, "lru.example", "v=spf1 ip4:10.0.0.0/8 -all"), 0);
	for (unsigned n = 1; n <= BG_SPF_CACHE_MAX; n++)
		assert_int_equal(bg_spf_check(spf, ten(n, ip, sizeof(ip)), "lru.example", NULL, 0), BG_SPF_PASS);
	bg_spf_stats(spf, &st);
	assert_int_equal(st.cached, BG_SPF_CACHE_MAX);
	assert_int_equal(st.hits, 0);
	bg_spf_check(spf, ten(1, ip, sizeof(ip)), "lru.example", NULL, 0); /* 1 is now the newest */
	assert_int_equal(hits(spf), 1);
	bg_spf_check(spf, ten(BG_SPF_CACHE_MAX + 1, ip, sizeof(ip)), "lru.example", NULL, 0); /* evicts 2 */
	bg_spf_stats(spf, &st);
	assert_int_equal(st.cached, BG_SPF_CACHE_MAX);
	bg_spf_check(spf, ten(1, ip, sizeof(ip)), "lru.example", NULL, 0);
	assert_int_equal(hits(spf), 2);
	bg_spf_check(spf, ten(2, ip, sizeof(ip)), "lru.example", NULL, 0);
	assert_int_equal(hits(spf), 2);
	bg_spf_check(spf, ten(3, ip, sizeof(ip)), "lru.example", NULL, 0); /* 2 came back by evicting 3 */
	assert_int_equal(hits(spf), 2);
	bg_spf_check(spf, ten(BG_SPF_CACHE_MAX, ip, sizeof(ip)), "lru.example", NULL, 0);
	assert_int_equal(hits(spf), 3);
	bg_spf_free(spf);
}

/* Records the zone API refuses, before libspf2 can abort or keep half a record. */
static void
test_zone_add_refused(void **state)
{
	char err[128];
	struct bg_spf *spf = bg_spf_new_zone(0, err, sizeof(err));
	struct bg_spf *real = bg_spf_new(300, 1, err, sizeof(err));

	assert_non_null(spf);
	assert_non_null(real);
	assert_int_equal(bg_spf_zone_add(real, "x.example", "v=spf1 -all"), -1);
	assert_int_equal(bg_spf_zone_add(NULL, "x.example", "v=spf1 -all"), -1);
	assert_int_equal(bg_spf_zone_add(spf, "bad name.example", "v=spf1 -all"), -1);
	assert_int_equal(bg_spf_zone_add(spf, "", "v=spf1 -all"), -1);
	assert_int_equal(bg_spf_zone_add(spf, "x.example", NULL), -1);
	assert_int_equal(bg_spf_zone_add(spf, "x.example", "v=spf1\n-all"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "CNAME", "y.example"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", NULL, "y.example"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "A", "192.0.2"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "A", "2001:db8::1"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "AAAA", "192.0.2.1"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "MX", "mx.example"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "MX", "70000 mx.example"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "MX", "10 bad%host"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "SERVFAIL", "data"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "x.example", "txt", "v=spf1 -all"), 0);
	assert_int_equal(bg_spf_zone_add_rr(spf, "X.EXAMPLE", "SERVFAIL", NULL), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "y.example", "servfail", NULL), 0);
	assert_int_equal(bg_spf_zone_add_rr(spf, "y.example", "SERVFAIL", NULL), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "y.example", "A", "192.0.2.1"), -1);
	assert_int_equal(bg_spf_zone_add_rr(spf, "*.wild.example", "TXT", "v=spf1 +all"), 0);
	assert_int_equal(bg_spf_check(spf, "192.0.2.1", "x.example", NULL, 0), BG_SPF_FAIL);
	assert_int_equal(bg_spf_check(spf, "192.0.2.1", "y.example", NULL, 0), BG_SPF_TEMPERROR);
	assert_int_equal(bg_spf_check(spf, "192.0.2.1", "a.wild.example", NULL, 0), BG_SPF_PASS);
	bg_spf_free(spf);
	bg_spf_free(real);
}

/* Loads text as a zone file into a new zone; returns bg_spf_zone_load's result and the error text. */
static int
load(const char *text, struct bg_spf **out, char *err, size_t errlen)
{
	char *path = temp_file(text);
	char msg[128];
	int rc;

	*out = bg_spf_new_zone(0, msg, sizeof(msg));
	assert_non_null(*out);
	err[0] = '\0';
	rc = bg_spf_zone_load(*out, path, err, errlen);
	if (rc != 0) {
		/* the message names the file: drop that part so rows can compare the rest */
		size_t n = strlen(path);

		assert_memory_equal(err, path, n);
		memmove(err, err + n, strlen(err + n) + 1);
	}
	unlink(path);
	free(path);
	return rc;
}

/* Zone file details: strings joined, escapes, comments, CRLF; errors name file and line. */
static void
test_zone_file(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* NULL: loads */
	} files[] = {
		{"# c\n\n   # c\nj.example TXT \"v=spf1 \"  \"ip4:192.0.2.40 -all\"\r\n", NULL},
		{"j.example TXT \"v=spf1 ip4:192.0.2.40 -all\"", NULL},
		{"j.example TXT \"v=spf1 exp=\\\"q\\\\ -all\"\n", NULL},
		{"j.example TXT \"\"\n", NULL},
		{"j.example\n", ":1: no record type"},
		{"\n\nj.example CNAME k.example\n", ":3: unknown type (TXT, A, AAAA, MX, PTR or SERVFAIL)"},
		{"j.example TXT v=spf1 -all\n", ":1: TXT data must be one or more \"quoted strings\""},
		{"j.example TXT \"v=spf1 -all\n", ":1: TXT data must be one or more \"quoted strings\""},
		{"j.example TXT \"v=spf1\" -all\n", ":1: TXT data must be one or more \"quoted strings\""},
		{"j.example A 192.0.2.1 # web\n", ":1: bad data for the type"},
		{"j.example MX 10\n", ":1: bad data for the type"},
		{"j.exa%mple A 192.0.2.1\n", ":1: bad name"},
		{"j.example SERVFAIL\nj.example A 192.0.2.1\n", ":2: the name is SERVFAIL"},
		{"j.example A 192.0.2.1\nj.example SERVFAIL\n", ":2: a SERVFAIL name cannot hold other records"},
	};
	char err[256];
	struct bg_spf *spf;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int rc = load(files[i].text, &spf, err, sizeof(err));

		if (files[i].err == NULL && rc != 0)
			fail_msg("file %zu: %s", i, err);
		if (files[i].err != NULL)
			assert_string_equal(err, files[i].err);
		if (i == 0)
			assert_int_equal(bg_spf_check(spf, "192.0.2.40", "J.example", NULL, 0), BG_SPF_PASS);
		bg_spf_free(spf);
	}
}

/* Limits: line length, NUL bytes, record count; a missing file; a non-zone handle. */
static void
test_zone_file_limits(void **state)
{
	char err[256], *text, *path;
	struct bg_spf *spf;
	size_t n;

	text = malloc(BG_SPF_ZONE_LINE_MAX + 64);
	assert_non_null(text);
	n = (size_t)snprintf(text, 64, "j.example TXT \"");
	memset(text + n, 'x', BG_SPF_ZONE_LINE_MAX - n - 1);
	strcpy(text + BG_SPF_ZONE_LINE_MAX - 1, "\"\n");
	assert_int_equal(load(text, &spf, err, sizeof(err)), 0); /* exactly BG_SPF_ZONE_LINE_MAX bytes */
	bg_spf_free(spf);
	strcpy(text + BG_SPF_ZONE_LINE_MAX - 1, "x\"\n");
	assert_int_equal(load(text, &spf, err, sizeof(err)), -1);
	assert_string_equal(err, ":1: line too long or holding a NUL");
	bg_spf_free(spf);
	free(text);

	path = temp_file("j.example A 192.0.2.1\n");
	{
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		fwrite("k.example A 192.0\0.2.1\n", 1, 23, f);
		fclose(f);
	}
	spf = bg_spf_new_zone(0, err, sizeof(err));
	assert_int_equal(bg_spf_zone_load(spf, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line too long or holding a NUL"));
	unlink(path);
	free(path);

	assert_int_equal(bg_spf_zone_load(spf, "/nonexistent/zone", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/zone: No such file or directory");
	assert_int_equal(bg_spf_zone_load(spf, "/", err, sizeof(err)), -1);
	assert_string_equal(err, "/: Is a directory");
	bg_spf_free(spf);
	spf = bg_spf_new(300, 1, err, sizeof(err));
	assert_int_equal(bg_spf_zone_load(spf, "/dev/null", err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/null: not a zone handle");
	bg_spf_free(spf);

	/* one record too many (comment lines do not count) */
	text = malloc((BG_SPF_ZONE_RECORDS_MAX + 1) * 32 + 32);
	assert_non_null(text);
	n = (size_t)sprintf(text, "# many\n");
	for (unsigned i = 0; i <= BG_SPF_ZONE_RECORDS_MAX; i++)
		n += (size_t)sprintf(text + n, "h.example A 192.0.%u.%u\n", i >> 8 & 255, i & 255);
	assert_int_equal(load(text, &spf, err, sizeof(err)), -1);
	assert_string_equal(err, ":10002: more than 10000 records");
	bg_spf_free(spf);
	free(text);
}

/* Handle construction: real DNS (no query is made), bad arguments. */
static void
test_new(void **state)
{
	char err[128] = "";
	struct bg_spf *spf = bg_spf_new(BG_SPF_CACHE_TTL, 0, err, sizeof(err));
	struct bg_spf_stats st;

	assert_non_null(spf);
	bg_spf_stats(spf, &st);
	assert_int_equal(st.checks + st.hits + st.cached, 0);
	assert_int_equal(bg_spf_check(spf, "127.0.0.1", "example.com", NULL, 0), BG_SPF_TEMPERROR);
	assert_int_equal(bg_spf_check(spf, "192.0.2.1", "not%valid", NULL, 0), BG_SPF_NONE);
	bg_spf_free(spf);
	assert_null(bg_spf_new(300, 65, err, sizeof(err)));
	assert_string_equal(err, "65 SPF servers: at most 64");
	bg_spf_free(NULL);
}

/* bg_spf_ip_valid and bg_spf_result_name. */
static void
test_names(void **state)
{
	assert_true(bg_spf_ip_valid("192.0.2.10"));
	assert_true(bg_spf_ip_valid("2001:db8::1"));
	assert_true(bg_spf_ip_valid("::ffff:192.0.2.10"));
	assert_false(bg_spf_ip_valid("127.0.0.1"));
	assert_false(bg_spf_ip_valid("127.255.0.1"));
	assert_false(bg_spf_ip_valid("::1"));
	assert_false(bg_spf_ip_valid("::"));
	assert_false(bg_spf_ip_valid("0.0.0.0"));
	assert_false(bg_spf_ip_valid("192.0.2.010x"));
	assert_false(bg_spf_ip_valid("example.com"));
	assert_false(bg_spf_ip_valid(NULL));
	assert_string_equal(bg_spf_result_name(BG_SPF_PASS), "pass");
	assert_string_equal(bg_spf_result_name(BG_SPF_SOFTFAIL), "softfail");
	assert_string_equal(bg_spf_result_name(BG_SPF_PERMERROR), "permerror");
	assert_string_equal(bg_spf_result_name((enum bg_spf_result)99), "unknown");
	assert_string_equal(bg_spf_result_name((enum bg_spf_result)-1), "unknown");
	for (int i = BG_SPF_PASS; i <= BG_SPF_PERMERROR; i++)
		for (int j = BG_SPF_PASS; j < i; j++)
			assert_string_not_equal(bg_spf_result_name(i), bg_spf_result_name(j));
}

#define REFUSE BG_SPF_POLICY_REFUSE
#define ACCEPT BG_SPF_POLICY_ACCEPT

struct reply_case {
	enum bg_spf_result r;
	enum bg_spf_policy policy;
	int want;
	const char *code, *xcode, *text;
};

/* Every result under both policies. */
static void
test_replies(void **state)
{
	static const struct reply_case rows[] = {
	    {BG_SPF_PASS, REFUSE, BG_SPF_ACCEPT, "", "", ""},
	    {BG_SPF_PASS, ACCEPT, BG_SPF_ACCEPT, "", "", ""},
	    {BG_SPF_FAIL, REFUSE, BG_SPF_REFUSE, "550", "5.7.23", "SPF of acme.example does not authorize 192.0.2.10"},
	    {BG_SPF_FAIL, ACCEPT, BG_SPF_REFUSE, "550", "5.7.23", "SPF of acme.example does not authorize 192.0.2.10"},
	    {BG_SPF_SOFTFAIL, REFUSE, BG_SPF_REFUSE, "550", "5.7.23",
	     "SPF of acme.example does not authorize 192.0.2.10 (softfail)"},
	    {BG_SPF_SOFTFAIL, ACCEPT, BG_SPF_ACCEPT, "", "", ""},
	    {BG_SPF_NEUTRAL, REFUSE, BG_SPF_REFUSE, "550", "5.7.23",
	     "SPF of acme.example does not authorize 192.0.2.10 (neutral)"},
	    {BG_SPF_NEUTRAL, ACCEPT, BG_SPF_ACCEPT, "", "", ""},
	    {BG_SPF_NONE, REFUSE, BG_SPF_REFUSE, "550", "5.7.23",
	     "SPF of acme.example does not authorize 192.0.2.10 (no SPF record)"},
	    {BG_SPF_NONE, ACCEPT, BG_SPF_ACCEPT, "", "", ""},
	    {BG_SPF_TEMPERROR, REFUSE, BG_SPF_TEMPFAIL, "451", "4.7.24",
	     "SPF of acme.example could not be checked (temporary DNS error)"},
	    {BG_SPF_TEMPERROR, ACCEPT, BG_SPF_TEMPFAIL, "451", "4.7.24",
	     "SPF of acme.example could not be checked (temporary DNS error)"},
	    {BG_SPF_PERMERROR, REFUSE, BG_SPF_REFUSE, "550", "5.7.24", "SPF record of acme.example is broken"},
	    {BG_SPF_PERMERROR, ACCEPT, BG_SPF_REFUSE, "550", "5.7.24", "SPF record of acme.example is broken"},
	    {(enum bg_spf_result)99, ACCEPT, BG_SPF_TEMPFAIL, "451", "4.7.24",
	     "SPF of acme.example could not be checked (temporary DNS error)"},
	};
	char code[4], xcode[8], text[BG_SPF_REPLY_MAX];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct reply_case *c = &rows[i];

		memset(code, 'x', sizeof(code));
		memset(xcode, 'x', sizeof(xcode));
		memset(text, 'x', sizeof(text));
		assert_int_equal(bg_spf_reply(c->r, c->policy, "acme.example", "192.0.2.10", code, xcode, text,
					      sizeof(text)),
				 c->want);
		assert_string_equal(code, c->code);
		assert_string_equal(xcode, c->xcode);
		assert_string_equal(text, c->text);
	}
}

/* True when s holds '%', CR, LF or another control character. */
static bool
unsafe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '%')
			return true;
	return false;
}

/* A hostile domain or ip never reaches a reply raw; long ones are cut, short buffers never overflow. */
static void
test_reply_hostile(void **state)
{
	char code[4], xcode[8], text[BG_SPF_REPLY_MAX], small[12], ex[BG_SPF_EXPLAIN_MAX];
	char *big = malloc(2001);
	const char *evil = "ev%n%s\r\n250 ok.example";

	assert_non_null(big);
	assert_int_equal(bg_spf_check(by_api, "192.0.2.10", evil, ex, sizeof(ex)), BG_SPF_NONE);
	assert_false(unsafe(ex));
	for (int r = BG_SPF_PASS; r <= BG_SPF_PERMERROR; r++) {
		bg_spf_reply(r, BG_SPF_POLICY_REFUSE, evil, "192.0.2.10%\n", code, xcode, text, sizeof(text));
		assert_false(unsafe(text));
		if (r != BG_SPF_PASS)
			assert_non_null(strstr(text, "ev?n?s??250?ok.example"));
	}
	bg_spf_reply(BG_SPF_FAIL, BG_SPF_POLICY_REFUSE, "acme.example", "192.0.2.10%\n", code, xcode, text,
	             sizeof(text));
	assert_string_equal(text, "SPF of acme.example does not authorize 192.0.2.10??");
	memset(big, 'a', 2000);
	big[2000] = '\0';
	big[7] = '%';
	bg_spf_reply(BG_SPF_NONE, BG_SPF_POLICY_REFUSE, big, big, code, xcode, text, sizeof(text));
	assert_false(unsafe(text));
	assert_true(strlen(text) < sizeof(text));
	bg_spf_reply(BG_SPF_FAIL, BG_SPF_POLICY_REFUSE, "acme.example", "192.0.2.10", code, xcode, small,
	             sizeof(small));
	assert_string_equal(small, "SPF of acme");
	assert_int_equal(bg_spf_reply(BG_SPF_FAIL, BG_SPF_POLICY_REFUSE, NULL, NULL, code, xcode, text, sizeof(text)),
	                 BG_SPF_REFUSE);
	assert_string_equal(text, "SPF of  does not authorize ");
	assert_int_equal(
	    bg_spf_reply(BG_SPF_FAIL, BG_SPF_POLICY_REFUSE, "a.example", "192.0.2.1", code, xcode, NULL, 0),
	    BG_SPF_REFUSE);
	assert_string_equal(code, "550");
	free(big);
}

struct worker {
	struct bg_spf *spf;
	unsigned seed;
	int bad;
};

/* Checks many (domain, ip) pairs and counts wrong answers. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char ip[32], ex[BG_SPF_EXPLAIN_MAX];

	for (unsigned i = 0; i < 400; i++) {
		unsigned n = (w->seed * 7919 + i * 104729) % 600;
		enum bg_spf_result want = n % 3 == 0 ? BG_SPF_FAIL : BG_SPF_PASS;

		snprintf(ip, sizeof(ip), "%s.0.%u.%u", n % 3 == 0 ? "11" : "10", n >> 8, n & 255);
		if (bg_spf_check(w->spf, ip, i % 2 ? "threads.example" : "THREADS.example", ex, sizeof(ex)) != want)
			w->bad++;
		if (i % 50 == 0 && bg_spf_check(w->spf, "192.0.2.1", "tmp.example", ex, sizeof(ex)) != BG_SPF_TEMPERROR)
			w->bad++;
	}
	return NULL;
}

/* Eight threads share one zone handle and its cache (and one with no cache). */
static void
test_threads(void **state)
{
	char err[128];
	pthread_t t[8];
	struct worker w[8];

	for (unsigned ttl = 0; ttl <= 300; ttl += 300) {
		struct bg_spf *spf = bg_spf_new_zone(ttl, err, sizeof(err));
		struct bg_spf_stats st;

		assert_non_null(spf);
		assert_int_equal(bg_spf_zone_add(spf, "threads.example", "v=spf1 ip4:10.0.0.0/8 -all"), 0);
		assert_int_equal(bg_spf_zone_add_rr(spf, "tmp.example", "SERVFAIL", NULL), 0);
		for (unsigned i = 0; i < 8; i++) {
			w[i] = (struct worker){spf, i + 1, 0};
			assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
		}
		for (unsigned i = 0; i < 8; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(w[i].bad, 0);
		}
		bg_spf_stats(spf, &st);
		assert_int_equal(st.checks, 8 * (400 + 8));
		if (ttl > 0)
			assert_true(st.hits > 0 && st.cached <= 600);
		bg_spf_free(spf);
	}
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NCASES][160];
	static struct CMUnitTest tests[NCASES + 13];
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_check_all),     cmocka_unit_test(test_order),
		cmocka_unit_test(test_cache_hit),     cmocka_unit_test(test_cache_ttl),
		cmocka_unit_test(test_cache_lru),     cmocka_unit_test(test_zone_add_refused),
		cmocka_unit_test(test_zone_file),     cmocka_unit_test(test_zone_file_limits),
		cmocka_unit_test(test_new),           cmocka_unit_test(test_names),
		cmocka_unit_test(test_replies),       cmocka_unit_test(test_reply_hostile),
		cmocka_unit_test(test_threads),
	};
	size_t n = NCASES + sizeof(misc) / sizeof(misc[0]);

	for (size_t i = 0; i < NCASES; i++) {
		row_name(i, names[i], sizeof(names[i]));
		tests[i] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	for (size_t i = 0; i < sizeof(misc) / sizeof(misc[0]); i++)
		tests[NCASES + i] = misc[i];
	return _cmocka_run_group_tests("bg_spf", tests, n, group_setup, group_teardown);
}
