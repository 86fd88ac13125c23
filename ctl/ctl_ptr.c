/*
 * ctl_ptr.c - the pool IPs' PTR records and HELO names (see ctl_ptr.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_dns.h"
#include "bg_orgdomain.h"
#include "ctl_ptr.h"

#define SHOWN_MAX 80 /* bytes of a DNS name quoted in a line */

enum level { OK = 0, WARN, FAIL };

/* What one run counts. */
struct tally {
	unsigned fails, warns;
};

static void say(struct tally *t, enum level lv, const char *check, const char *ip, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prints one line, "<level> <check> <ip>: <finding>", and counts it. */
static void
say(struct tally *t, enum level lv, const char *check, const char *ip, const char *fmt, ...)
{
	static const char *const tags[] = {"ok", "WARN", "FAIL"};
	char finding[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(finding, sizeof(finding), fmt, ap);
	va_end(ap);
	printf("%-4s %s %s: %s\n", tags[lv], check, ip, finding);
	t->fails += lv == FAIL;
	t->warns += lv == WARN;
}

/* Copies a DNS name for printing: at most SHOWN_MAX bytes, anything not printable made '?', no trailing dot. */
static const char *
shown(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SHOWN_MAX && i + 1 < len; i++)
		dst[i] = (unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	if (i > 0 && dst[i - 1] == '.')
		i--;
	dst[i] = '\0';
	return dst;
}

/* True when a and b are the same IP address, whatever their text forms. */
static bool
same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
}

/* Looks up name's addresses: 1 when ip is among them, 0 when not (none: *n 0), -1 with err. */
static int
resolves_to(struct bg_spf *spf, const char *name, const char *ip, size_t *n, char *err, size_t errlen)
{
	char **addrs;
	int found = 0;

	if (bg_dns_addrs(spf, name, &addrs, n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++)
		found |= same_ip(addrs[i], ip);
	bg_dns_txt_free(addrs, *n);
	return found;
}

/* The ptr line of one IP; copies its one PTR name into name (len bytes) when the IP has exactly one. */
static bool
check_ptr(struct tally *t, struct bg_spf *spf, const char *ip, char *name, size_t len)
{
	char err[128], **ptrs;
	size_t n, na;
	int back;

	if (bg_dns_ptr(spf, ip, &ptrs, &n, err, sizeof(err)) < 0) {
		say(t, FAIL, "ptr", ip, "could not be checked (%s)", err);
		return false;
	}
	if (n != 1) {
		say(t, FAIL, "ptr", ip,
		    n == 0 ? "no PTR record: receivers refuse or distrust mail from it"
		           : "%zu PTR records: keep exactly one",
		    n);
		bg_dns_txt_free(ptrs, n);
		return false;
	}
	shown(name, len, ptrs[0]);
	bg_dns_txt_free(ptrs, n);
	back = resolves_to(spf, name, ip, &na, err, sizeof(err));
	if (back < 0)
		say(t, FAIL, "ptr", ip, "%s: could not be checked (%s)", name, err);
	else if (back == 0)
		say(t, FAIL, "ptr", ip, "%s does not resolve back to %s (%s)", name, ip,
		    na == 0 ? "no A/AAAA record" : "other addresses");
	else
		say(t, OK, "ptr", ip, "%s, which resolves back", name);
	return back == 1;
}

/* The helo line of one IP of pool p: the name resolves, and matches the PTR name (dedicated: equal; shared: same
 * organisation). */
static void
check_helo(struct tally *t, struct bg_spf *spf, const struct bg_pool *p, bool dedicated, const char *ip,
           const char *ptr)
{
	const char *kind = dedicated ? "dedicated" : "shared";
	char err[128];
	size_t n;

	if (p->helo == NULL || *p->helo == '\0') {
		say(t, WARN, "helo", ip, "pool %s sets no helo: Postfix's myhostname greets for it", p->name);
		return;
	}
	if (resolves_to(spf, p->helo, ip, &n, err, sizeof(err)) < 0) {
		say(t, FAIL, "helo", ip, "%s: could not be checked (%s)", p->helo, err);
	} else if (n == 0) {
		say(t, FAIL, "helo", ip, "%s (pool %s) does not resolve", p->helo, p->name);
	} else if (ptr == NULL) {
		say(t, FAIL, "helo", ip, "%s (pool %s) cannot match: the IP has no usable PTR name", p->helo, p->name);
	} else if (dedicated ? strcasecmp(p->helo, ptr) != 0 : !bg_orgdomain_aligned(p->helo, ptr)) {
		say(t, FAIL, "helo", ip, "%s (%s pool %s) does not match the PTR name %s%s", p->helo, kind, p->name,
		    ptr, dedicated ? "" : " (not even its organisational domain)");
	} else {
		say(t, OK, "helo", ip, "%s (%s pool %s) resolves and matches the PTR name", p->helo, kind, p->name);
	}
}

/* Returns the pool named name, or NULL. */
static const struct bg_pool *
pool_find(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

/* True when entity e sends through the pool named name (any class). */
static bool
uses_pool(const struct bg_entity *e, const char *name)
{
	const char *mine[] = {e->pool, e->mandated_pool, e->transactional_pool, e->confirmation_pool};

	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		if (mine[i] != NULL && strcmp(mine[i], name) == 0)
			return true;
	return false;
}

/* True when only entity e sends through pool p. */
static bool
dedicated(const struct bg_config *cfg, const struct bg_entity *e, const struct bg_pool *p)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (&cfg->entities[i] != e && uses_pool(&cfg->entities[i], p->name))
			return false;
	return true;
}

/* Checks every IP of pool p. */
static void
check_pool(struct tally *t, const struct bg_config *cfg, const struct bg_entity *e, struct bg_spf *spf,
           const struct bg_pool *p)
{
	char name[SHOWN_MAX + 1];

	for (size_t i = 0; i < p->ips.n; i++) {
		bool ok = check_ptr(t, spf, p->ips.v[i], name, sizeof(name));
		check_helo(t, spf, p, dedicated(cfg, e, p), p->ips.v[i], ok ? name : NULL);
	}
}

unsigned
ctl_ptr_checks(const struct bg_config *cfg, const struct bg_entity *e, struct bg_spf *spf, unsigned *warns)
{
	const char *names[] = {e->pool, e->mandated_pool, e->transactional_pool, e->confirmation_pool};
	struct tally t = {0, 0};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bg_pool *p = pool_find(cfg, names[i]);
		bool before = false;
		for (size_t j = 0; j < i; j++)
			before |= names[j] != NULL && names[i] != NULL && strcmp(names[j], names[i]) == 0;
		if (p != NULL && !before)
			check_pool(&t, cfg, e, spf, p);
	}
	*warns += t.warns;
	return t.fails;
}
