/*
 * ctl_csv.c - "bulkguard-ctl import|export": suppressions and consent in
 * bulk, as CSV (see ctl_csv.h and bulkguard-ctl(8) for the format).
 *
 * Import reads one record at a time (RFC 4180: quoted fields may hold
 * commas, quotes and line breaks), checks it as bg_suppress does, and queues
 * its HSET; the replies are read every CTL_CSV_BATCH rows, so a million rows
 * cost a few seconds and a thousand round trips. Export walks the keys with
 * SCAN and fetches each batch's hashes with pipelined HGETALLs, the next
 * SCAN riding in the same round trip.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bg_addr.h"
#include "bg_suppress.h"
#include "bg_util.h"
#include "ctl_csv.h"
#include "ctl_data.h"
#include "ctl_platform.h"

#define NAME           "bulkguard-ctl"
#define CTL_CSV_BATCH  1000 /* rows per pipeline round trip; keys per SCAN */
#define CSV_FIELDS     8
#define CSV_COLS       64   /* columns of a platform's export that are kept */
#define CSV_RECORD_MAX 8192 /* bytes of one record, quotes and line breaks included */
#define CSV_HEADER     "address,kind,entity,list,reason_or_level,time,ip,source"

static const char *const header[CSV_FIELDS] = {"address",         "kind", "entity", "list",
                                               "reason_or_level", "time", "ip",     "source"};

/* One record split into its fields, unquoted and NUL-terminated in buf. */
struct csv_row {
	char buf[CSV_RECORD_MAX];
	const char *field[CSV_COLS];
	int n; /* fields found; only the first CSV_COLS are kept */
};

/* A CSV file being read: the record buffer and the line count. */
struct csv_in {
	FILE *f;
	char *line, *acc;
	size_t linecap, acccap;
	long lineno; /* lines read so far */
};

/* What a dry run would write for one queued row. */
struct planned {
	char address[BG_ADDR_MAX + 1];
	char field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];
};

/* One import under way. */
struct importer {
	const struct bg_config *cfg;
	const char *name; /* the file, for messages */
	struct bg_redis *r;
	struct ctl_platform plat; /* the format, its columns, the reason map */
	bool dry_run;
	struct planned *plans;     /* dry run: one per queued row */
	long lines[CTL_CSV_BATCH]; /* line of each queued row */
	int pending;
	long written, bad, skipped;
	long long now;
	char why[256]; /* a row's message that names its value */
};

/* One export under way. */
struct exporter {
	const struct bg_config *cfg;
	FILE *out;
	const char *entity; /* NULL: every field */
	long rows, skipped;
};

/* Appends c to row->buf at *o; -1 when the record is too long. */
static int
emit(struct csv_row *row, size_t *o, char c)
{
	if (*o >= sizeof(row->buf))
		return -1;
	row->buf[(*o)++] = c;
	return 0;
}

/* True when s[i] starts the end of a record: "\n" or "\r\n". */
static int
at_eol(const char *s, size_t len, size_t i)
{
	return s[i] == '\n' || (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n');
}

/*
 * Splits the record at s (len bytes, ending with "\n", "\r\n" or nothing)
 * into row; pure. Returns 1 when done, 0 when s ends inside a quoted field
 * (the record goes on on the next line), -1 with *why when malformed.
 */
static int
csv_split(const char *s, size_t len, struct csv_row *row, const char **why)
{
	size_t i = 0, o = 0;
	int quoted;

	*why = "record over 8192 bytes";
	for (row->n = 0;; row->n++, i++) {
		if (row->n < CSV_COLS)
			row->field[row->n] = row->buf + o;
		if ((quoted = i < len && s[i] == '"'))
			for (i++;; i++) {
				if (i >= len)
					return 0;
				if (s[i] == '"' && (i + 1 >= len || s[i + 1] != '"'))
					break;
				if (emit(row, &o, s[i]) < 0)
					return -1;
				i += s[i] == '"'; /* "" is one quote */
			}
		for (i += quoted; i < len && s[i] != ',' && !at_eol(s, len, i); i++) {
			if (quoted || s[i] == '"') {
				*why = quoted ? "text after a closing quote" : "quote inside an unquoted field";
				return -1;
			}
			if (emit(row, &o, s[i]) < 0)
				return -1;
		}
		if (emit(row, &o, '\0') < 0)
			return -1;
		if (i >= len || s[i] != ',') {
			row->n++;
			return 1;
		}
	}
}

/* Appends the n bytes at s to in->acc. */
static void
acc_add(struct csv_in *in, size_t *acclen, const char *s, size_t n)
{
	if (*acclen + n + 1 > in->acccap) {
		in->acccap = (*acclen + n + 1) * 2;
		in->acc = bg_xreallocarray(in->acc, in->acccap, 1);
	}
	memcpy(in->acc + *acclen, s, n);
	*acclen += n;
}

/*
 * Reads the next record into row; *start is its first line. Blank lines are
 * skipped. Returns 1, 0 at end of file, or -1 with *why for a bad record (the
 * next call goes on after it).
 */
static int
csv_read(struct csv_in *in, struct csv_row *row, long *start, const char **why)
{
	size_t acclen = 0;
	ssize_t n;
	int rc;

	for (;;) {
		if ((n = getline(&in->line, &in->linecap, in->f)) < 0) {
			*why = "end of file inside a quoted field";
			return acclen == 0 ? 0 : -1;
		}
		if (++in->lineno == 1 && n >= 3 && memcmp(in->line, "\xef\xbb\xbf", 3) == 0)
			memmove(in->line, in->line + 3, (size_t)(n -= 3) + 1); /* a byte order mark */
		if (acclen == 0 && (strcmp(in->line, "\n") == 0 || strcmp(in->line, "\r\n") == 0))
			continue;
		if (acclen == 0)
			*start = in->lineno;
		acc_add(in, &acclen, in->line, (size_t)n);
		if (memchr(in->line, '\0', (size_t)n) != NULL) {
			*why = "NUL byte";
			return -1;
		}
		if (acclen > CSV_RECORD_MAX) {
			*why = "record over 8192 bytes, or a quote never closed";
			return -1;
		}
		if ((rc = csv_split(in->acc, acclen, row, why)) != 0)
			return rc;
	}
}

/* Writes s as one CSV field, quoted when it must be, then a comma or, last, a newline. */
static void
csv_put(FILE *f, const char *s, int last)
{
	size_t len = strlen(s);

	if (s[strcspn(s, ",\"\r\n")] == '\0' && (len == 0 || (s[0] != ' ' && s[len - 1] != ' '))) {
		fputs(s, f);
	} else {
		putc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				putc('"', f);
			putc(*s, f);
		}
		putc('"', f);
	}
	putc(last ? '\n' : ',', f);
}

/* Prints "name:line: why" for a bad row and counts it. */
static void
bad_row(struct importer *im, long line, const char *why)
{
	fprintf(stderr, NAME ": import %s:%ld: %s\n", im->name, line, why);
	im->bad++;
}

/* Copies field s into a record part of size len; why when it does not fit. */
static const char *
part(char *out, size_t len, const char *s, const char *toolong)
{
	return bg_strlcpy(out, s, len) < len ? NULL : toolong;
}

/* Turns a row into a normalised address and a checked record; returns NULL or why not. */
static const char *
row_rec(struct importer *im, const char *const *f, int n, struct bg_addr *a, struct bg_suppress_rec *rec)
{
	const char *why;
	char word[CTL_PLATFORM_WORD + 1];
	enum bg_addr_status st;

	if (n != CSV_FIELDS)
		return n < CSV_FIELDS ? "too few fields (want 8)" : "too many fields (want 8)";
	st = bg_addr_normalise(f[0], strlen(f[0]), im->cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, a);
	if (st != BG_ADDR_OK)
		return bg_addr_strerror(st);
	memset(rec, 0, sizeof(*rec));
	if (strcmp(f[1], "suppress") != 0 && strcmp(f[1], "consent") != 0)
		return "kind must be suppress or consent";
	rec->kind = f[1][0] == 'c' ? BG_SUPPRESS_CONSENT : BG_SUPPRESS_SUPPRESS;
	if ((why = part(rec->entity, sizeof(rec->entity), f[2], "entity too long")) != NULL ||
	    (why = part(rec->list, sizeof(rec->list), f[3], "list too long")) != NULL ||
	    (why = part(rec->word, sizeof(rec->word), f[4], "reason or level too long")) != NULL ||
	    (why = part(rec->ip, sizeof(rec->ip), strcmp(f[6], "-") == 0 ? "" : f[6], "bad ip address")) != NULL ||
	    (why = part(rec->source, sizeof(rec->source), f[7], "source too long")) != NULL)
		return why;
	if (rec->entity[0] != '\0' && !ctl_data_entity_known(im->cfg, rec->entity))
		return "entity not configured";
	if (rec->kind == BG_SUPPRESS_SUPPRESS && rec->word[0] != '\0') {
		if (ctl_platform_reason(&im->plat, rec->word, word) <= 0) {
			ctl_platform_hint(rec->word, im->why, sizeof(im->why));
			return im->why;
		}
		bg_strlcpy(rec->word, word, sizeof(rec->word));
	}
	rec->when = -1;
	if (f[5][0] != '\0' && ctl_data_time(f[5], &rec->when) < 0)
		return "bad time (want 2026-11-23T14:00:00Z or unix seconds)";
	if (rec->when < 0 && (rec->ip[0] != '\0' || rec->source[0] != '\0'))
		rec->when = im->now; /* the value needs a time before them */
	return bg_suppress_check(rec);
}

/* Prints what a dry run would change for one row, from the field's present value (HGET). */
static void
dry_report(struct importer *im, const struct planned *pl, const redisReply *old)
{
	const char *what = "new";

	if (old->type == REDIS_REPLY_STRING)
		what = strcmp(old->str, pl->value) == 0 ? "unchanged" : "replaces";
	printf("would set %s %s \"%s\" (%s%s%s%s)\n", pl->address, pl->field, pl->value, what,
	       old->type == REDIS_REPLY_STRING && what[0] == 'r' ? " \"" : "",
	       old->type == REDIS_REPLY_STRING && what[0] == 'r' ? old->str : "",
	       old->type == REDIS_REPLY_STRING && what[0] == 'r' ? "\"" : "");
	if (what[0] != 'u')
		im->written++;
}

/* Queues a dry run's HGET of the field rec would write, and keeps what it would write. */
static int
queue_dry(struct importer *im, const char *address, const struct bg_suppress_rec *rec)
{
	struct planned *pl = &im->plans[im->pending];
	char key[600];
	const char *argv[3] = {"HGET", key, pl->field};

	bg_strlcpy(pl->address, address, sizeof(pl->address));
	bg_suppress_format(rec, pl->field, pl->value);
	snprintf(key, sizeof(key), "%srcpt:%s", im->cfg->redis.prefix, address);
	return bg_redis_append(im->r, 3, argv, NULL);
}

/* Reads the replies of the queued rows; -1 when Redis was lost. */
static int
flush(struct importer *im)
{
	redisReply *rep;

	for (int i = 0; i < im->pending; i++) {
		if ((rep = bg_redis_reply(im->r)) == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_ERROR)
			bad_row(im, im->lines[i], rep->str);
		else if (im->dry_run)
			dry_report(im, &im->plans[i], rep);
		else
			im->written++;
		freeReplyObject(rep);
	}
	im->pending = 0;
	return 0;
}

/* Checks the first record is the header; prints why not. */
static int
check_header(struct importer *im, struct csv_in *in)
{
	const char *why = "empty file, no header";
	struct csv_row row;
	long line = 1;
	int rc = csv_read(in, &row, &line, &why);

	if (rc > 0 && im->plat.format != CTL_FMT_BULKGUARD) {
		why = ctl_platform_header(&im->plat, row.field, row.n < CSV_COLS ? row.n : CSV_COLS);
		if (why == NULL)
			return 0;
		fprintf(stderr, NAME ": import %s:%ld: %s\n", im->name, line, why);
		return -1;
	}
	if (rc > 0 && row.n == CSV_FIELDS) {
		for (int i = 0; i < CSV_FIELDS; i++)
			if (strcmp(row.field[i], header[i]) != 0)
				rc = -1;
		if (rc > 0)
			return 0;
	}
	fprintf(stderr, NAME ": import %s:%ld: %s; the first line must be " CSV_HEADER "\n", im->name, line,
	        rc < 0    ? why
	        : rc == 0 ? "empty file"
	                  : "not the header");
	return -1;
}

/* Turns the next row (bulkguard's, or a platform's) into a record; NULL, or why it is bad; *skip: not a suppression. */
static const char *
next_rec(struct importer *im, const struct csv_row *row, struct bg_addr *a, struct bg_suppress_rec *rec, bool *skip)
{
	const char *f[CSV_FIELDS], *why;
	char buf[128];

	*skip = false;
	if (im->plat.format == CTL_FMT_BULKGUARD)
		return row_rec(im, row->field, row->n, a, rec);
	why = ctl_platform_row(&im->plat, row->field, row->n < CSV_COLS ? row->n : CSV_COLS, buf, sizeof(buf), f, skip);
	if (why != NULL && strcmp(why, "unknown reason word") == 0) {
		ctl_platform_hint(f[4], im->why, sizeof(im->why));
		return im->why;
	}
	if (why != NULL || *skip)
		return why;
	return row_rec(im, f, CSV_FIELDS, a, rec);
}

/* Imports every row of in; returns the exit status. */
static int
import_rows(struct importer *im, struct csv_in *in)
{
	struct csv_row row;
	struct bg_suppress_rec rec;
	struct bg_addr a;
	const char *why;
	long line = 0;
	bool skip;
	int rc;

	while ((rc = csv_read(in, &row, &line, &why)) != 0) {
		if (rc < 0 || (why = next_rec(im, &row, &a, &rec, &skip)) != NULL) {
			bad_row(im, line, why);
			continue;
		}
		if (skip) {
			im->skipped++;
			continue;
		}
		if ((im->dry_run ? queue_dry(im, a.text, &rec)
		                 : bg_suppress_queue(im->r, im->cfg->redis.prefix, a.text, &rec)) < 0)
			return -1;
		im->lines[im->pending++] = line;
		if (im->pending == CTL_CSV_BATCH && flush(im) < 0)
			return -1;
	}
	if (ferror(in->f)) {
		fprintf(stderr, NAME ": import %s: %s\n", im->name, strerror(errno));
		im->bad++;
	}
	return flush(im) < 0 ? -1 : im->bad > 0;
}

/* Appends the import's summary to bg:audit; the exit status. */
static int
import_audit(struct importer *im)
{
	char who[80], rows[32], bad[32];
	const char *pairs[6] = {"file", im->name, "rows", rows, "bad", bad};

	snprintf(who, sizeof(who), "ctl:%s", ctl_data_login());
	snprintf(rows, sizeof(rows), "%ld", im->written);
	snprintf(bad, sizeof(bad), "%ld", im->bad);
	if (bg_suppress_audit(im->r, im->cfg->redis.prefix, who, "import", pairs, 3) == 0)
		return 0;
	return ctl_data_down(im->r, bg_redis_error(im->r));
}

/* Parses import's options into im; -1 for bad usage (after saying why, for a bad value). */
static int
import_args(struct importer *im, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
	                                     {"reason", required_argument, NULL, 'r'},
	                                     {"reason-map", required_argument, NULL, 'm'},
	                                     {"entity", required_argument, NULL, 'e'},
	                                     {"list", required_argument, NULL, 'l'},
	                                     {"dry-run", no_argument, NULL, 'd'},
	                                     {NULL, 0, NULL, 0}};
	const char *why;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (ctl_platform_format(&im->plat, optarg) < 0) {
				fprintf(stderr,
				        NAME ": import: unknown format \"%s\" (bulkguard, sendgrid, mailchimp, ses)\n",
				        optarg);
				return -1;
			}
			break;
		case 'r': im->plat.reason = optarg; break;
		case 'm':
			if ((why = ctl_platform_map(&im->plat, optarg)) != NULL) {
				fprintf(stderr, NAME ": import: %s\n", why);
				return -1;
			}
			break;
		case 'e': im->plat.entity = optarg; break;
		case 'l': im->plat.list = optarg; break;
		case 'd': im->dry_run = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	if (im->plat.format == CTL_FMT_BULKGUARD && (im->plat.reason || im->plat.entity || im->plat.list)) {
		fprintf(stderr, NAME ": import: --reason, --entity and --list are for the platforms' formats\n");
		return -1;
	}
	if (im->dry_run)
		im->plans = bg_xcalloc(CTL_CSV_BATCH, sizeof(*im->plans));
	return 0;
}

int
ctl_import(const struct bg_config *cfg, int argc, char **argv)
{
	struct importer im = {.cfg = cfg, .now = (long long)time(NULL)};
	struct csv_in in = {0};
	int rc;

	if (import_args(&im, argc, argv) < 0) {
		fprintf(stderr, "usage: " NAME " [-c file] " CTL_IMPORT_USAGE "\n");
		return EX_USAGE;
	}
	im.name = strcmp(argv[optind], "-") == 0 ? "stdin" : argv[optind];
	in.f = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "r");
	if (in.f == NULL) {
		fprintf(stderr, NAME ": import: %s: %s\n", im.name, strerror(errno));
		return EX_NOINPUT;
	}
	if ((im.r = ctl_data_redis(cfg)) == NULL) {
		rc = EX_UNAVAILABLE;
	} else if (check_header(&im, &in) < 0) {
		rc = 1;
	} else if ((rc = import_rows(&im, &in)) < 0) {
		rc = ctl_data_down(im.r, bg_redis_error(im.r));
		fprintf(stderr, NAME ": import %s: stopped at line %ld after %ld rows; importing again is harmless\n",
		        im.name, in.lineno, im.written);
	} else if (!im.dry_run && ctl_data_confirm(im.r) != 0) {
		fprintf(stderr, NAME ": import %s: %ld rows written but not confirmed; importing again is harmless\n",
		        im.name, im.written);
		rc = EX_TEMPFAIL;
	} else if (im.dry_run) {
		printf("would import %ld rows from %s, %ld bad, %ld skipped\n", im.written, im.name, im.bad,
		       im.skipped);
	} else {
		printf("imported %ld rows from %s, %ld bad%s", im.written, im.name, im.bad, im.skipped ? "" : "\n");
		if (im.skipped)
			printf(", %ld skipped\n", im.skipped);
		if (cfg->audit && import_audit(&im) != 0)
			rc = EX_UNAVAILABLE;
		else if (cfg->audit && ctl_data_confirm(im.r) != 0)
			rc = EX_TEMPFAIL;
	}
	free(im.plans);
	bg_redis_free(im.r);
	if (in.f != stdin)
		fclose(in.f);
	free(in.line);
	free(in.acc);
	return rc;
}

/* Writes one record of address as a CSV row. */
static void
export_rec(struct exporter *ex, const char *address, const struct bg_suppress_rec *rec)
{
	char iso[32] = "";

	if (rec->when >= 0)
		ctl_data_iso(rec->when, iso, sizeof(iso));
	csv_put(ex->out, address, 0);
	csv_put(ex->out, rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress", 0);
	csv_put(ex->out, rec->entity, 0);
	csv_put(ex->out, rec->list, 0);
	csv_put(ex->out, rec->word, 0);
	csv_put(ex->out, iso, 0);
	csv_put(ex->out, rec->ip, 0);
	csv_put(ex->out, rec->source, 1);
	ex->rows++;
}

/* Writes the rows of one recipient's hash (an HGETALL reply); names what cannot be exported. */
static void
export_hash(struct exporter *ex, const char *key, const char *address, const redisReply *rep)
{
	struct bg_suppress_rec rec;
	const char *why;
	int rc;

	if (rep->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, NAME ": export: %s: not exported: %s\n", key,
		        rep->type == REDIS_REPLY_ERROR ? rep->str : "not a hash");
		ex->skipped++;
		return;
	}
	for (size_t i = 0; i + 1 < rep->elements; i += 2) {
		const redisReply *f = rep->element[i], *v = rep->element[i + 1];
		if ((rc = bg_suppress_parse(f->str, v->str, v->len, &rec, &why)) == 0) {
			if (ex->entity == NULL || strcmp(ex->entity, rec.entity) == 0)
				export_rec(ex, address, &rec);
			continue;
		}
		fprintf(stderr, NAME ": export: %s field %s: not exported: %s\n", key, f->str,
		        rc > 0 ? "not a suppress or consent field" : why);
		ex->skipped++;
	}
}

/* Queues SCAN cursor MATCH pattern COUNT n. */
static int
queue_scan(struct bg_redis *r, const char *cursor, const char *pattern)
{
	const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};

	return bg_redis_append(r, 6, argv, NULL);
}

/* Handles one SCAN reply: fetches its keys' hashes, the next SCAN queued with them; 1 when done. */
static int
export_batch(struct exporter *ex, struct bg_redis *r, const char *pattern, size_t skip)
{
	redisReply *scan = bg_redis_reply(r), *keys, *rep;
	const char *argv[2] = {"HGETALL", NULL};
	int done, rc = 0;

	if (scan == NULL)
		return -1;
	if (scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 || scan->element[1]->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(scan);
		return -2;
	}
	keys = scan->element[1];
	done = strcmp(scan->element[0]->str, "0") == 0;
	for (size_t i = 0; i < keys->elements && rc == 0; i++) {
		argv[1] = keys->element[i]->str;
		rc = bg_redis_append(r, 2, argv, NULL);
	}
	if (rc == 0 && !done)
		rc = queue_scan(r, scan->element[0]->str, pattern);
	for (size_t i = 0; i < keys->elements && rc == 0; i++) {
		if ((rep = bg_redis_reply(r)) == NULL) {
			rc = -1;
			break;
		}
		export_hash(ex, keys->element[i]->str, keys->element[i]->str + skip, rep);
		freeReplyObject(rep);
	}
	freeReplyObject(scan);
	return rc < 0 ? -1 : done;
}

/* Escapes the glob characters of s into out (1024 bytes) and adds "rcpt:*". */
static void
scan_pattern(const char *prefix, char *out)
{
	size_t o = 0;

	for (const char *p = prefix; *p && o < 1000; p++) {
		if (strchr("*?[]\\", *p) != NULL)
			out[o++] = '\\';
		out[o++] = *p;
	}
	snprintf(out + o, 1024 - o, "rcpt:*");
}

/* Exports every recipient's fields; returns the exit status. */
static int
export_all(struct exporter *ex, struct bg_redis *r)
{
	char pattern[1024];
	int rc;

	scan_pattern(ex->cfg->redis.prefix, pattern);
	fputs(CSV_HEADER "\n", ex->out);
	if (queue_scan(r, "0", pattern) < 0)
		return ctl_data_down(r, bg_redis_error(r));
	while ((rc = export_batch(ex, r, pattern, strlen(ex->cfg->redis.prefix) + 5)) == 0)
		;
	if (rc == -1)
		return ctl_data_down(r, bg_redis_error(r));
	if (rc == -2)
		return ctl_data_down(r, "unexpected reply to SCAN");
	return ex->skipped > 0;
}

/* Parses export's arguments: the file (NULL: stdout) and --entity. Returns 0 or -1. */
static int
export_args(int argc, char **argv, const char **file, const char **entity)
{
	static const struct option longopts[] = {
	    {"entity", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "e:", longopts, NULL)) != -1) {
		if (ch != 'e')
			return -1;
		*entity = optarg;
	}
	if (optind < argc - 1)
		return -1;
	*file = optind == argc - 1 && strcmp(argv[optind], "-") != 0 ? argv[optind] : NULL;
	return 0;
}

/* Opens file for writing, readable by its owner only (it holds personal data); NULL after printing why. */
static FILE *
open_out(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");

	if (f == NULL) {
		fprintf(stderr, NAME ": export: %s: %s\n", file, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int
ctl_export(const struct bg_config *cfg, int argc, char **argv)
{
	struct exporter ex = {.cfg = cfg};
	const char *file = NULL;
	struct bg_redis *r;
	int rc;

	if (export_args(argc, argv, &file, &ex.entity) < 0) {
		fprintf(stderr, "usage: " NAME " [-c file] " CTL_EXPORT_USAGE "\n");
		return EX_USAGE;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	ex.out = file != NULL ? open_out(file) : stdout;
	if (ex.out == NULL) {
		bg_redis_free(r);
		return EX_CANTCREAT;
	}
	rc = export_all(&ex, r);
	bg_redis_free(r);
	if (fflush(ex.out) != 0 || ferror(ex.out) || (file != NULL && fclose(ex.out) != 0)) {
		fprintf(stderr, NAME ": export: %s: %s\n", file ? file : "stdout", strerror(errno));
		return EX_IOERR;
	}
	if (file != NULL && rc != EX_UNAVAILABLE)
		printf("exported %ld rows to %s, %ld fields skipped\n", ex.rows, file, ex.skipped);
	return rc;
}
