/*
 * ld_parse.c - Postfix log lines into records (ld_parse.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ld_parse.h"

/* Finds needle (NUL-terminated) in the n bytes at hay, case-insensitive; NULL when absent. */
static const char *
find_ci(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* Copies at most max bytes of the n at s into out (max + 1 bytes), NUL-terminated. */
static void
copy(char *out, size_t max, const char *s, size_t n)
{
	if (n > max)
		n = max;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Reads "bg-<pool>-<n>" as the last component of syslog_name (n bytes at s). */
static void
pool_of(const char *s, size_t n, struct ld_record *r)
{
	const char *slash = NULL, *dash;
	size_t i, digits = 0;
	long ip = 0;

	for (i = 0; i < n; i++)
		if (s[i] == '/')
			slash = s + i;
	if (slash != NULL) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	if (n < 6 || strncmp(s, "bg-", 3) != 0)
		return;
	for (dash = s + n; dash > s + 3 && isdigit((unsigned char)dash[-1]); dash--)
		digits++;
	if (digits == 0 || digits > 6 || dash[-1] != '-' || dash - 1 <= s + 3)
		return;
	for (i = 0; i < digits; i++)
		ip = ip * 10 + (dash[i] - '0');
	if (ip == 0)
		return;
	for (const char *c = s + 3; c < dash - 1; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return; /* not a name master.cf holds */
	copy(r->pool, LD_POOL_MAX, s + 3, (size_t)(dash - 1 - (s + 3)));
	r->ip = ip;
}

/* Reads the program token "<syslog_name>/<service>[pid]:" ending at colon; sets the pool; returns the service. */
static int
program(const char *line, const char *colon, struct ld_record *r, const char **svc, size_t *svclen)
{
	const char *br, *start, *last;

	for (br = colon; br > line && *br != '['; br--)
		;
	if (*br != '[')
		return -1;
	for (start = br; start > line && start[-1] != ' '; start--)
		;
	for (last = br; last > start && last[-1] != '/'; last--)
		;
	*svc = last;
	*svclen = (size_t)(br - last);
	if (last > start)
		pool_of(start, (size_t)(last - 1 - start), r);
	return 0;
}

/* Reads a "<...>" address right after key at p (n bytes left) into out. */
static int
angle(const char *p, size_t n, char *out)
{
	const char *end = memchr(p, '>', n);

	if (n == 0 || *p != '<' || end == NULL)
		return -1;
	copy(out, LD_ADDR_MAX, p + 1, (size_t)(end - p - 1));
	return 0;
}

/* Reads the value of ", key=" up to ',' or ' ' into out; returns its end, or NULL. */
static const char *
field(const char *s, size_t n, const char *key, char *out, size_t max)
{
	const char *p = find_ci(s, n, key), *e;

	if (p == NULL)
		return NULL;
	p += strlen(key);
	for (e = p; e < s + n && *e != ',' && *e != ' '; e++)
		;
	copy(out, max, p, (size_t)(e - p));
	return e;
}

/* Reads a delivery message (after "qid: "). */
static enum ld_kind
delivery(const char *m, size_t n, struct ld_record *r)
{
	char st[16];
	const char *e, *text;

	if (angle(m + 3, n - 3, r->addr) < 0)
		return LD_NONE;
	if (field(m, n, ", dsn=", r->dsn, LD_DSN_MAX) == NULL || (e = field(m, n, ", status=", st, 15)) == NULL)
		return LD_NONE;
	if (strcmp(st, "sent") == 0)
		r->status = LD_SENT;
	else if (strcmp(st, "deferred") == 0)
		r->status = LD_DEFERRED;
	else if (strcmp(st, "bounced") == 0)
		r->status = LD_BOUNCED;
	else if (strcmp(st, "expired") == 0)
		r->status = LD_EXPIRED;
	else
		return LD_NONE;
	text = e;
	r->signal = ld_classify(r->status, r->dsn, text, (size_t)(m + n - text));
	return r->kind = LD_DELIVERY;
}

enum ld_kind
ld_parse(const char *line, size_t len, struct ld_record *r)
{
	const char *colon, *m, *q, *svc;
	size_t n, svclen;

	memset(r, 0, sizeof(*r));
	if (len > LD_LINE_MAX)
		len = LD_LINE_MAX;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if ((colon = find_ci(line, len, "]: ")) == NULL || program(line, colon, r, &svc, &svclen) < 0)
		return LD_NONE;
	m = colon + 3;
	n = (size_t)(line + len - m);
	for (q = m; q < m + n && isalnum((unsigned char)*q); q++)
		;
	if (q == m || (size_t)(q - m) > LD_QID_MAX || q + 2 > m + n || q[0] != ':' || q[1] != ' ')
		return LD_NONE;
	copy(r->qid, LD_QID_MAX, m, (size_t)(q - m));
	n -= (size_t)(q + 2 - m);
	m = q + 2;
	if (n >= 5 && strncmp(m, "from=", 5) == 0 && svclen == 4 && strncmp(svc, "qmgr", 4) == 0)
		return angle(m + 5, n - 5, r->addr) == 0 ? (r->kind = LD_FROM) : LD_NONE;
	if (n == 7 && strncmp(m, "removed", 7) == 0 && svclen == 4 && strncmp(svc, "qmgr", 4) == 0)
		return r->kind = LD_REMOVED;
	if (n > 3 && strncmp(m, "to=", 3) == 0)
		return delivery(m, n, r);
	return LD_NONE;
}

/* True when any of the words occurs in text. */
static int
any(const char *text, size_t len, const char *const *words)
{
	for (; *words != NULL; words++)
		if (find_ci(text, len, *words) != NULL)
			return 1;
	return 0;
}

enum ld_signal
ld_classify(enum ld_status st, const char *dsn, const char *text, size_t len)
{
	static const char *const block[] = {"blocked using", "blocklist", "blacklist", "spamhaus",
	                                    "spamcop",       "barracuda", " listed",   "reputation",
	                                    "5.7.606",       "blocked",   NULL};
	static const char *const rate[] = {"rate limit", "ratelimit",       "rate-limit", "throttl",
	                                   "too many",   "try again later", NULL};
	static const char *const yahoo[] = {"[TS01]", "[TS02]", "[TS03]", "[TS04]", "TSS04", "TSS05", NULL};

	if (st == LD_SENT)
		return LD_SIG_NONE;
	if (st == LD_DEFERRED && (find_ci(text, len, " 421 ") != NULL || find_ci(text, len, "4.7.28") != NULL ||
	                          any(text, len, yahoo) || (strncmp(dsn, "4.7.", 4) == 0 && any(text, len, rate))))
		return LD_SIG_THROTTLE;
	if ((dsn[0] == '5' || dsn[0] == '4') && strncmp(dsn + 1, ".7.", 3) == 0 && any(text, len, block))
		return LD_SIG_BLOCK;
	if (dsn[0] == '5' && any(text, len, block) && find_ci(text, len, " 554 ") != NULL)
		return LD_SIG_BLOCK;
	if (strcmp(dsn, "5.1.1") == 0 || strcmp(dsn, "5.1.2") == 0 || strcmp(dsn, "5.1.10") == 0)
		return LD_SIG_DEAD;
	return LD_SIG_NONE;
}

const char *
ld_status_name(enum ld_status s)
{
	static const char *const names[] = {"sent", "deferred", "bounced", "expired"};

	return (unsigned)s < 4 ? names[s] : "?";
}

const char *
ld_signal_name(enum ld_signal s)
{
	static const char *const names[] = {"none", "throttle", "block", "dead"};

	return (unsigned)s < 4 ? names[s] : "?";
}
