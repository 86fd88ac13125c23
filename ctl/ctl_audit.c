/*
 * ctl_audit.c - audit: the newest entries of every audit part (bg_audit_parts), merged in stream-ID order.
 *
 * Each part is read newest first with XREVRANGE in batches, keeping at most
 * --count entries of it (those naming ADDRESS, when given; none older than
 * --since); after each part the entries kept so far are sorted by id and the
 * oldest beyond --count dropped, so memory stays within twice --count
 * lines. Nothing is printed until every part was read.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "bg_addr.h"
#include "bg_audit.h"
#include "bg_util.h"
#include "ctl_audit.h"
#include "ctl_data.h"

#define NAME  "bulkguard-ctl"
#define BATCH 1000 /* entries per XREVRANGE */

/* One entry: its id as numbers (for the merge) and its printed line. */
struct entry {
	unsigned long long ms, seq;
	char *line;
};

/* What is asked, and the entries kept so far. */
struct trail {
	struct entry *e;
	size_t n;
	size_t count;        /* entries kept at most */
	const char *address; /* only entries naming it, or NULL */
	long long since_ms;  /* only entries at or after it, or -1 */
};

/* Prints the usage line; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_AUDIT_USAGE "\n");
	return EX_USAGE;
}

/* True when s (len bytes) can be printed as is: printable ASCII, no space, quote, backslash (nor '=' in a name). */
static bool
plain(const char *s, size_t len, bool name)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '\\' || (name && ch == '='))
			return false;
	}
	return len > 0;
}

/* Writes s (len bytes) to f as is when plain, else in double quotes with \" \\ \n \t \xHH escapes. */
static void
put_text(FILE *f, const char *s, size_t len, bool name)
{
	if (plain(s, len, name)) {
		fwrite(s, 1, len, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < ' ' || ch >= 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			putc(ch, f);
	}
	putc('"', f);
}

/* True when e is a stream entry: [id, [name, value, ...]] of strings. */
static bool
well_formed(const redisReply *e)
{
	const redisReply *f;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_ARRAY || e->element[1]->elements % 2 != 0)
		return false;
	f = e->element[1];
	for (size_t i = 0; i < f->elements; i++)
		if (f->element[i]->type != REDIS_REPLY_STRING)
			return false;
	return true;
}

/* True when the entry's fields have address as their address (always without one). */
static bool
names(const redisReply *fields, const char *address)
{
	return address == NULL || bg_audit_names(fields, address);
}

/* Adds entry e (well formed) to t as its printed line; -1 when its id is not a stream id. */
static int
keep(struct trail *t, const redisReply *e)
{
	const redisReply *f = e->element[1];
	struct entry x;
	size_t size;
	FILE *out;

	if (sscanf(e->element[0]->str, "%llu-%llu", &x.ms, &x.seq) != 2)
		return -1;
	if ((out = open_memstream(&x.line, &size)) == NULL)
		return -1;
	fputs(e->element[0]->str, out);
	for (size_t i = 0; i + 1 < f->elements; i += 2) {
		putc(' ', out);
		put_text(out, f->element[i]->str, f->element[i]->len, true);
		putc('=', out);
		put_text(out, f->element[i + 1]->str, f->element[i + 1]->len, false);
	}
	if (fclose(out) != 0)
		return -1;
	t->e = bg_xreallocarray(t->e, t->n + 1, sizeof(*t->e));
	t->e[t->n++] = x;
	return 0;
}

/* Orders entries by stream id, oldest first. */
static int
by_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts t's entries and drops the oldest beyond t->count. */
static void
cut(struct trail *t)
{
	size_t drop = t->n > t->count ? t->n - t->count : 0;

	if (t->n == 0)
		return;
	qsort(t->e, t->n, sizeof(*t->e), by_id);
	for (size_t i = 0; i < drop; i++)
		free(t->e[i].line);
	memmove(t->e, t->e + drop, (t->n - drop) * sizeof(*t->e));
	t->n -= drop;
}

/* Takes one XREVRANGE reply's entries into t; sets *end past the last; returns how many it held, or -1. */
static long
take(struct trail *t, const redisReply *rep, size_t *got, char end[80], char *err, size_t errlen)
{
	if (rep->type != REDIS_REPLY_ARRAY) {
		snprintf(err, errlen, "%s", rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		return -1;
	}
	for (size_t i = 0; i < rep->elements && *got < t->count; i++) {
		const redisReply *e = rep->element[i];
		if (!well_formed(e) || (names(e->element[1], t->address) && keep(t, e) < 0)) {
			snprintf(err, errlen, "unexpected entry");
			return -1;
		}
		*got += names(e->element[1], t->address);
		snprintf(end, 80, "(%s", e->element[0]->str);
	}
	return (long)rep->elements;
}

/* Reads part newest first until t->count entries of it are kept or it holds no more; 0, or -1 with err. */
static int
read_part(struct bg_redis *r, const char *part, struct trail *t, char *err, size_t errlen)
{
	char end[80] = "+", start[32] = "-", batch[24];
	size_t got = 0, want;
	long n;

	if (t->since_ms >= 0)
		snprintf(start, sizeof(start), "%lld", t->since_ms);
	do {
		const char *argv[6] = {"XREVRANGE", part, end, start, "COUNT", batch};
		redisReply *rep;
		want = t->address != NULL || t->count - got > BATCH ? BATCH : t->count - got;
		snprintf(batch, sizeof(batch), "%zu", want);
		if (bg_redis_append(r, 6, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL) {
			snprintf(err, errlen, "%s", bg_redis_error(r));
			return -1;
		}
		n = take(t, rep, &got, end, err, errlen);
		freeReplyObject(rep);
		if (n < 0)
			return -1;
	} while ((size_t)n == want && got < t->count);
	return 0;
}

/* Reads every part into t; 0, or -1 with the part and the reason in err. */
static int
read_all(struct bg_redis *r, const char *prefix, struct trail *t, char *err, size_t errlen)
{
	struct bg_strlist parts = {0};
	char why[512];
	int rc = bg_audit_parts(r, prefix, &parts, why, sizeof(why));

	if (rc < 0)
		snprintf(err, errlen, "the audit parts cannot be listed: %s", why);
	for (size_t i = 0; rc == 0 && i < parts.n; i++) {
		if ((rc = read_part(r, parts.v[i], t, why, sizeof(why))) < 0)
			snprintf(err, errlen, "audit part %s cannot be read: %s", parts.v[i], why);
		cut(t);
	}
	bg_strlist_free(&parts);
	return rc;
}

/* Parses the arguments into t and *address (NULL when none); 0, or EX_USAGE after printing why. */
static int
parse(int argc, char **argv, struct trail *t, const char **address)
{
	long long v;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			v = strtoll(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || v < 1 || v > CTL_AUDIT_COUNT_MAX) {
				fprintf(stderr, NAME ": audit: --count takes 1 to %d\n", CTL_AUDIT_COUNT_MAX);
				return EX_USAGE;
			}
			t->count = (size_t)v;
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (ctl_data_time(argv[++i], &v) < 0 || v < 0 || v > 253402300799LL) {
				fprintf(stderr, NAME ": audit: --since %s: not a time (unix seconds or ISO 8601 UTC)\n",
				        argv[i]);
				return EX_USAGE;
			}
			t->since_ms = v * 1000;
		} else if (argv[i][0] == '-' || *address != NULL)
			return usage();
		else
			*address = argv[i];
	}
	return 0;
}

int
ctl_audit(const struct bg_config *cfg, int argc, char **argv)
{
	struct trail t = {.count = CTL_AUDIT_COUNT, .since_ms = -1};
	const char *address = NULL;
	struct bg_redis *r;
	struct bg_addr a;
	char err[1024];
	int rc;

	if ((rc = parse(argc, argv, &t, &address)) != 0)
		return rc;
	if (address != NULL && strncmp(address, "forgotten", 9) == 0)
		t.address = address; /* a pseudonym, as forget wrote it */
	else if (address != NULL) {
		if (bg_addr_normalise(address, strlen(address), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a) !=
		    BG_ADDR_OK) {
			fprintf(stderr, NAME ": audit: %s: not a valid address\n", address);
			return EX_USAGE;
		}
		t.address = a.text;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	if ((rc = read_all(r, cfg->redis.prefix, &t, err, sizeof(err))) < 0)
		ctl_data_down(r, err);
	for (size_t i = 0; i < t.n; i++) {
		if (rc == 0)
			printf("%s\n", t.e[i].line);
		free(t.e[i].line);
	}
	free(t.e);
	bg_redis_free(r);
	return rc < 0 ? EX_UNAVAILABLE : 0;
}
