/*
 * bg_config.c - loads bulkguard.conf with libconfuse, driven by the option
 * table in bg_config_table.c.
 *
 * Loading has three steps: build the libconfuse schema from the table (each
 * option gets a callback that converts and bounds-checks its value while the
 * file is read, so an error names its line); parse; copy the values into
 * struct bg_config by the table's offsets. Cross-checks (a SASL user or a
 * sender domain claimed by two entities, a limit without a subject) follow,
 * and the lookup indexes are built last.
 */
#include "config.h"

#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "bg_config.h"
#include "bg_config_int.h"
#include "bg_config_refs.h"
#include "bg_config_table.h"
#include "bg_secret.h"

/*
 * libconfuse's callbacks carry no pointer of the caller's, so they find the
 * load under way (struct bg_load, bg_config_int.h) here; every other
 * function is handed it. Set by bg_config_load for the parse only.
 */
static __thread struct bg_load *parsing;

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

/* Records the first error only: later ones are usually its consequences. */
static void
conf_err(struct bg_load *ld, int line, const char *fmt, va_list ap)
{
	char msg[512];

	if (ld->failed)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->file, line, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", ld->file, msg);
	ld->failed = 1;
}

/* Returns the line of the file that libconfuse calls line (see struct bg_comment). */
static int
file_line(const struct bg_load *ld, int line)
{
	int ahead = 0;

	for (size_t i = 0; i < ld->n_comments && ld->comments[i].line + ahead < line; i++)
		ahead += ld->comments[i].ahead;
	return line - ahead;
}

/* libconfuse's error hook. */
static void
conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	conf_err(parsing, cfg ? file_line(parsing, cfg->line) : 0, fmt, ap);
}

void
bg_config_errat(struct bg_load *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_err(ld, line, fmt, ap);
	va_end(ap);
}

/* Returns the option set a libconfuse section belongs to. */
static enum bg_set
set_of(cfg_t *sec)
{
	if (strcmp(sec->name, "root") == 0)
		return BG_SET_ROOT;
	for (size_t i = 0; i < bg_sect_nrows; i++)
		if (strcmp(bg_sect_rows[i].name, sec->name) == 0)
			return bg_sect_rows[i].set;
	return BG_SET_COUNT;
}

/* Returns the row of option name in set, or NULL. */
static const struct bg_opt_row *
row_of(enum bg_set set, const char *name)
{
	for (size_t i = 0; i < bg_opt_nrows; i++)
		if (bg_opt_rows[i].set == set && strcmp(bg_opt_rows[i].name, name) == 0)
			return &bg_opt_rows[i];
	return NULL;
}

/* Parses a decimal number filling all of s; false on junk or overflow. */
static int
parse_long(const char *s, long *out)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Parses an octal file mode like "0660". */
static int
parse_octal(const char *s, long *out)
{
	char *end;

	if (*s < '0' || *s > '7')
		return 0;
	errno = 0;
	*out = strtol(s, &end, 8);
	return errno == 0 && *end == '\0';
}

/* Returns the seconds in one unit letter (s m h d w), 0 if none. */
static long
unit_seconds(const char *u)
{
	static const struct { const char *u; long s; } units[] = {
		{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { "w", 604800 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(u, units[i].u) == 0)
			return units[i].s;
	return 0;
}

/* Parses "90", "15m", "24h", "2d": seconds in *out. */
static int
parse_duration(const char *s, long *out)
{
	char num[32];
	size_t n = strspn(s, "0123456789");
	long v, mult = unit_seconds(s + n);

	if (n == 0 || n >= sizeof(num) || mult == 0)
		return 0;
	memcpy(num, s, n);
	num[n] = '\0';
	if (!parse_long(num, &v) || v > LONG_MAX / mult)
		return 0;
	*out = v * mult;
	return 1;
}

/* Parses "20000/h" into a rate. */
static int
parse_rate(const char *s, struct bg_rate *r)
{
	char num[32];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : 0;

	if (n == 0 || n >= sizeof(num))
		return 0;
	memcpy(num, s, n);
	num[n] = '\0';
	r->period = slash[1] ? unit_seconds(slash + 1) : 0;
	return parse_long(num, &r->count) && r->count > 0 && r->period > 0;
}

/* Parses "YYYY-MM-DD" into the unix time of its 00:00 UTC. */
static int
parse_date(const char *s, long *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || strlen(s) != 10)
		return 0;
	struct tm want = tm;
	time_t t = timegm(&tm);
	/* strptime takes 2026-02-30; timegm moves it to March: refuse what moved */
	if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon || tm.tm_year != want.tm_year)
		return 0;
	*out = (long)t;
	return 1;
}

/* Converts the text of an integer-valued option; returns 0 or an error text. */
static const char *
convert_long(const struct bg_opt_row *row, const char *value, long *out)
{
	switch (row->type) {
	case BG_T_ENUM: *out = bg_word_code(row->words, value); return *out < 0 ? "must be one of" : NULL;
	case BG_T_DURATION:
		if (!parse_duration(value, out))
			return "is not a duration (like 90s, 15m, 24h, 2d)";
		break;
	case BG_T_DATE:
		return parse_date(value, out) ? NULL : "is not a date (YYYY-MM-DD)";
	case BG_T_MODE:
		if (!parse_octal(value, out))
			return "is not an octal file mode (like 0660)";
		break;
	default:
		if (!parse_long(value, out))
			return "is not a whole number";
		break;
	}
	return (*out < row->min || *out > row->max) ? "is out of range" : NULL;
}

/* libconfuse parse callback for every integer-valued option: converts and checks bounds. */
static int
conf_parse_long(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const struct bg_opt_row *row = row_of(set_of(cfg), opt->name);
	const char *why;

	if (row == NULL)
		return -1;
	why = convert_long(row, value, result);
	if (why == NULL)
		return 0;
	char words[256];

	if (row->type == BG_T_ENUM)
		cfg_error(cfg, "%s = \"%s\" %s %s", opt->name, value, why,
		          bg_word_list(row->words, words, sizeof(words)));
	else if (row->type == BG_T_MODE)
		cfg_error(cfg, "%s = \"%s\" %s [0..0%lo]", opt->name, value, why, (unsigned long)row->max);
	else if (row->type == BG_T_INT || row->type == BG_T_INTLIST || row->type == BG_T_DURATION)
		cfg_error(cfg, "%s = \"%s\" %s [%ld..%ld]", opt->name, value, why, row->min, row->max);
	else
		cfg_error(cfg, "%s = \"%s\" %s", opt->name, value, why);
	return -1;
}

/* Remembers the line a section's first option was read on. */
static void
note_line(struct bg_load *ld, const cfg_t *sec)
{
	if (ld->n_sec_lines > 0 && ld->sec_lines[ld->n_sec_lines - 1].sec == sec)
		return;
	for (size_t i = 0; i < ld->n_sec_lines; i++)
		if (ld->sec_lines[i].sec == sec)
			return;
	ld->sec_lines = bg_xreallocarray(ld->sec_lines, ld->n_sec_lines + 1, sizeof(*ld->sec_lines));
	ld->sec_lines[ld->n_sec_lines++] = (struct bg_secline){sec, file_line(ld, sec->line)};
}

/* Returns the line of the last section brace at or before line (line itself if none). */
static int
opening_brace(const struct bg_load *ld, int line)
{
	int found = line;

	for (size_t i = 0; i < ld->n_brace_lines && ld->brace_lines[i] <= line; i++)
		found = ld->brace_lines[i];
	return found;
}

/* Returns the line where a parsed section starts (the brace before its first option), or its end. */
static int
section_line(const struct bg_load *ld, const cfg_t *sec)
{
	for (size_t i = 0; i < ld->n_sec_lines; i++)
		if (ld->sec_lines[i].sec == sec)
			return opening_brace(ld, ld->sec_lines[i].line);
	return file_line(ld, sec->line);
}

/* Frees what one load noted about lines. */
static void
forget_lines(struct bg_load *ld)
{
	free(ld->sec_lines);
	free(ld->brace_lines);
	free(ld->comments);
}

/* Notes a comment that starts at line (see struct bg_comment). */
static void
note_comment(struct bg_load *ld, int line, int ahead)
{
	ld->comments = bg_xreallocarray(ld->comments, ld->n_comments + 1, sizeof(*ld->comments));
	ld->comments[ld->n_comments++] = (struct bg_comment){line, ahead};
}

/* Notes the line of a brace that opens a section. */
static void
note_brace(struct bg_load *ld, int line)
{
	ld->brace_lines = bg_xreallocarray(ld->brace_lines, ld->n_brace_lines + 1, sizeof(int));
	ld->brace_lines[ld->n_brace_lines++] = line;
}

/* Checks a string option's value against its row: a rate's syntax, a string's length. */
static int
check_str(cfg_t *cfg, cfg_opt_t *opt, const struct bg_opt_row *row)
{
	const char *s = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1), *why;
	struct bg_rate r;

	if (s == NULL)
		return 0;
	if (row->type == BG_T_RATE && !parse_rate(s, &r)) {
		cfg_error(cfg, "%s = \"%s\" is not a rate (like 20000/h; per s, m, h or d)", opt->name, s);
		return -1;
	}
	if (row->type == BG_T_STR && row->max > 0 && strlen(s) > (size_t)row->max) {
		cfg_error(cfg, "%s = \"%s\" is longer than %ld characters", opt->name, s, row->max);
		return -1;
	}
	if (row->type == BG_T_STR && (why = bg_config_str_problem(row, s)) != NULL) {
		cfg_error(cfg, "%s = \"%s\" %s", opt->name, s, why);
		return -1;
	}
	return 0;
}

/* libconfuse's validation hook, run as each option is set: notes the line, checks strings. */
static int
conf_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct bg_opt_row *row = row_of(set_of(cfg), opt->name);

	note_line(parsing, cfg);
	if (row != NULL && row->set == BG_SET_REDIS && strcmp(row->name, "password_file") == 0)
		parsing->password_line = file_line(parsing, cfg->line);
	if (row != NULL && row->set == BG_SET_REDIS && strcmp(row->name, "address") == 0)
		parsing->address_line = file_line(parsing, cfg->line);
	if (row != NULL && row->set == BG_SET_REDIS && strncmp(row->name, "sentinel", 8) == 0)
		parsing->sentinel_line = file_line(parsing, cfg->line);
	return row != NULL && (row->type == BG_T_STR || row->type == BG_T_RATE) ? check_str(cfg, opt, row) : 0;
}

/* Fills one libconfuse option from a table row. */
static void
build_opt(const struct bg_opt_row *row, cfg_opt_t *o)
{
	memset(o, 0, sizeof(*o));
	o->name = row->name;
	o->validcb = conf_validate;
	switch (row->type) {
	case BG_T_STRLIST:
		o->type = CFGT_STR;
		o->flags = CFGF_LIST;
		o->def.parsed = (char *)row->def;
		break;
	case BG_T_INTLIST:
		o->type = CFGT_INT;
		o->flags = CFGF_LIST;
		o->parsecb = conf_parse_long;
		break;
	case BG_T_BOOL:
		o->type = CFGT_BOOL;
		o->def.boolean = row->def && strcmp(row->def, "true") == 0 ? cfg_true : cfg_false;
		break;
	case BG_T_STR:
	case BG_T_RATE:
		o->type = CFGT_STR;
		o->def.string = row->def;
		break;
	default:
		o->type = CFGT_INT;
		o->parsecb = conf_parse_long;
		if (row->def != NULL && convert_long(row, row->def, &o->def.number) != NULL)
			abort(); /* a default outside its own bounds: fix the table */
		break;
	}
}

/* Builds the libconfuse option array of one set, sections included; the caller frees with free_opts. */
static cfg_opt_t *
build_opts(enum bg_set set)
{
	size_t n = 0;
	cfg_opt_t *opts = bg_xcalloc(bg_opt_nrows + bg_sect_nrows + 1, sizeof(*opts));

	for (size_t i = 0; i < bg_opt_nrows; i++)
		if (bg_opt_rows[i].set == set)
			build_opt(&bg_opt_rows[i], &opts[n++]);
	for (size_t i = 0; i < bg_sect_nrows; i++) {
		const struct bg_sect_row *s = &bg_sect_rows[i];
		if (s->parent != set)
			continue;
		opts[n].name = s->name;
		opts[n].type = CFGT_SEC;
		opts[n].flags = (s->multi ? CFGF_MULTI : 0) | (s->titled ? CFGF_TITLE | CFGF_NO_TITLE_DUPES : 0);
		opts[n].subopts = build_opts(s->set);
		n++;
	}
	opts[n].name = NULL;
	opts[n].type = CFGT_NONE;
	return opts;
}

/* Frees what build_opts made. */
static void
free_opts(cfg_opt_t *opts)
{
	for (cfg_opt_t *o = opts; o->name != NULL; o++)
		if (o->type == CFGT_SEC)
			free_opts(o->subopts);
	free(opts);
}

/* Copies one option's value from a parsed section into the struct at base. */
static void
copy_opt(cfg_t *sec, const struct bg_opt_row *row, void *base)
{
	unsigned n = cfg_size(sec, row->name);

	switch (row->type) {
	case BG_T_STR:
		*AT(base, row->offset, char *) = bg_xstrdup(cfg_getstr(sec, row->name));
		break;
	case BG_T_STRLIST:
		for (unsigned i = 0; i < n; i++)
			bg_strlist_add(AT(base, row->offset, struct bg_strlist), cfg_getnstr(sec, row->name, i));
		break;
	case BG_T_INTLIST: {
		long *v = bg_xcalloc(n, sizeof(long));
		for (unsigned i = 0; i < n; i++)
			v[i] = cfg_getnint(sec, row->name, i);
		*AT(base, row->offset, long *) = v;
		*AT(base, row->offset + sizeof(long *), size_t) = n;
		break;
	}
	case BG_T_BOOL:
		*AT(base, row->offset, bool) = cfg_getbool(sec, row->name);
		break;
	case BG_T_RATE:
		if (cfg_getstr(sec, row->name) != NULL)
			parse_rate(cfg_getstr(sec, row->name), AT(base, row->offset, struct bg_rate));
		break;
	case BG_T_ENUM: *AT(base, row->offset, int) = (int)cfg_getint(sec, row->name); break;
	default:
		*AT(base, row->offset, long) = cfg_getint(sec, row->name);
		break;
	}
}

static void copy_set(struct bg_load *ld, cfg_t *sec, enum bg_set set, void *base);

/* Copies every instance of a multi section into a new array in base. */
static void
copy_multi(struct bg_load *ld, cfg_t *sec, const struct bg_sect_row *s, void *base)
{
	unsigned n = cfg_size(sec, s->name);
	char *arr = bg_xcalloc(n, s->size);

	for (unsigned i = 0; i < n; i++) {
		cfg_t *child = cfg_getnsec(sec, s->name, i);
		void *elem = arr + i * s->size;
		if (s->titled)
			*AT(elem, s->title_off, char *) = bg_xstrdup(cfg_title(child));
		*AT(elem, s->line_off, int) = section_line(ld, child);
		copy_set(ld, child, s->set, elem);
	}
	*AT(base, s->array_off, void *) = arr;
	*AT(base, s->count_off, size_t) = n;
}

/* Copies a parsed section of the given set, and its subsections, into base. */
static void
copy_set(struct bg_load *ld, cfg_t *sec, enum bg_set set, void *base)
{
	for (size_t i = 0; i < bg_opt_nrows; i++)
		if (bg_opt_rows[i].set == set)
			copy_opt(sec, &bg_opt_rows[i], base);
	for (size_t i = 0; i < bg_sect_nrows; i++) {
		const struct bg_sect_row *s = &bg_sect_rows[i];
		if (s->parent != set)
			continue;
		if (s->multi)
			copy_multi(ld, sec, s, base);
		else
			copy_set(ld, cfg_getsec(sec, s->name), s->set, base);
	}
}

static void free_set(enum bg_set set, void *base);

/* Frees the values of one option in base. */
static void
free_opt(const struct bg_opt_row *row, void *base)
{
	if (row->type == BG_T_STR)
		free(*AT(base, row->offset, char *));
	else if (row->type == BG_T_STRLIST)
		bg_strlist_free(AT(base, row->offset, struct bg_strlist));
	else if (row->type == BG_T_INTLIST)
		free(*AT(base, row->offset, long *));
}

/* Frees everything a set's values own in base, subsections included. */
static void
free_set(enum bg_set set, void *base)
{
	for (size_t i = 0; i < bg_opt_nrows; i++)
		if (bg_opt_rows[i].set == set)
			free_opt(&bg_opt_rows[i], base);
	for (size_t i = 0; i < bg_sect_nrows; i++) {
		const struct bg_sect_row *s = &bg_sect_rows[i];
		if (s->parent != set)
			continue;
		if (!s->multi) {
			free_set(s->set, base);
			continue;
		}
		char *arr = *AT(base, s->array_off, char *);
		for (size_t j = 0; j < *AT(base, s->count_off, size_t); j++) {
			if (s->titled)
				free(*AT(arr + j * s->size, s->title_off, char *));
			free_set(s->set, arr + j * s->size);
		}
		free(arr);
	}
}

/*
 * Checks that braces balance outside strings and comments. libconfuse 3.3
 * accepts a file that ends inside a section (its end-of-file check was
 * reverted upstream), so a truncated file would load as a smaller
 * configuration: refuse it, naming the line of the brace left open.
 */
static int
check_braces(struct bg_load *ld, FILE *fp)
{
	int ch, prev = 0, last = 0, line = 1, depth = 0, open_line[64] = { 0 };
	enum { CODE, DQUOTE, SQUOTE, LINE_COMMENT, BLOCK_COMMENT } st = CODE;

	while ((ch = getc(fp)) != EOF) {
		if (ch == '\n')
			line++;
		switch (st) {
		case CODE:
			if (ch == '"' || ch == '\'')
				st = ch == '"' ? DQUOTE : SQUOTE;
			else if (ch == '#' || (ch == '/' && prev == '/'))
				st = LINE_COMMENT, note_comment(ld, line, 2);
			else if (ch == '*' && prev == '/')
				st = BLOCK_COMMENT, ch = 0, note_comment(ld, line, 1);
			else if (ch == '{' && last != '=' && last != ',')
				note_brace(ld, line);
			if (ch == '{' && depth++ < 64)
				open_line[depth - 1] = line;
			else if (ch == '}' && --depth < 0)
				break;
			break;
		case DQUOTE:
		case SQUOTE:
			if (prev == '\\')
				ch = 0; /* an escaped character ends nothing */
			else if (ch == (st == DQUOTE ? '"' : '\''))
				st = CODE;
			break;
		case LINE_COMMENT:
			if (ch == '\n')
				st = CODE;
			break;
		case BLOCK_COMMENT:
			if (ch == '/' && prev == '*')
				st = CODE, ch = 0;
			break;
		}
		if (depth < 0) {
			bg_config_errat(ld, line, "'}' without a section to close");
			return -1;
		}
		if (st == CODE && ch != 0 && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			last = ch;
		prev = ch;
	}
	rewind(fp);
	if (depth == 0)
		return 0;
	bg_config_errat(ld, open_line[depth > 64 ? 63 : depth - 1],
	                "this section is never closed (is the file cut short?)");
	return -1;
}

/* Opens path for reading; refuses what is not a regular file (libconfuse exits on a directory). */
static FILE *
open_file(struct bg_load *ld)
{
	struct stat st;
	FILE *fp = fopen(ld->file, "r");

	if (fp == NULL) {
		bg_config_errat(ld, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		bg_config_errat(ld, 0, "not a regular file");
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* Parses the file of ld into a libconfuse tree; NULL after an error. */
static cfg_t *
parse_file(struct bg_load *ld)
{
	FILE *fp = open_file(ld);
	cfg_opt_t *opts;
	cfg_t *tree;
	int rc;

	if (fp == NULL)
		return NULL;
	if (check_braces(ld, fp) < 0) {
		fclose(fp);
		return NULL;
	}
	opts = build_opts(BG_SET_ROOT);
	tree = cfg_init(opts, CFGF_NONE);
	free_opts(opts);
	cfg_set_error_function(tree, conf_errfunc);
	tree->filename = bg_xstrdup(ld->file);
	parsing = ld;
	rc = cfg_parse_fp(tree, fp);
	parsing = NULL;
	fclose(fp);
	if (rc == CFG_SUCCESS)
		return tree;
	cfg_free(tree);
	return NULL;
}

struct bg_config *
bg_config_load(const char *path, char *err, size_t errlen)
{
	struct bg_load ld = {.file = path, .err = err, .errlen = errlen};
	struct bg_config *cfg = NULL;
	cfg_t *tree;

	err[0] = '\0';
	tree = parse_file(&ld);
	if (tree != NULL) {
		cfg = bg_xcalloc(1, sizeof(*cfg));
		cfg->file = bg_xstrdup(path);
		copy_set(&ld, tree, BG_SET_ROOT, cfg);
		cfg_free(tree);
		if (bg_config_check(&ld, cfg) < 0) {
			bg_config_free(cfg);
			cfg = NULL;
		}
	}
	forget_lines(&ld);
	return cfg;
}

void
bg_config_free(struct bg_config *cfg)
{
	if (cfg == NULL)
		return;
	free_set(BG_SET_ROOT, cfg);
	bg_secret_free(cfg->redis.password);
	bg_secret_free(cfg->redis.sentinel_password);
	free(cfg->by_sasl);
	free(cfg->by_domain);
	free(cfg->file);
	free(cfg);
}

/* Finds key in a sorted index. */
static const struct bg_entity *
index_find(const struct bg_index_entry *ix, size_t n, const char *key)
{
	struct bg_index_entry k = { key, NULL };
	const struct bg_index_entry *e = n ? bsearch(&k, ix, n, sizeof(*ix), bg_config_index_cmp) : NULL;

	return e ? e->entity : NULL;
}

const struct bg_entity *
bg_config_entity_named(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (strcmp(cfg->entities[i].name, name) == 0)
			return &cfg->entities[i];
	return NULL;
}

const struct bg_entity *
bg_config_entity_by_sasl(const struct bg_config *cfg, const char *user)
{
	return index_find(cfg->by_sasl, cfg->n_by_sasl, user);
}

const struct bg_entity *
bg_config_entity_by_domain(const struct bg_config *cfg, const char *domain)
{
	for (const char *d = domain; d != NULL && *d; d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL) {
		const struct bg_entity *e = index_find(cfg->by_domain, cfg->n_by_domain, d);
		if (e != NULL)
			return e;
	}
	return NULL;
}

/* Returns how bulkguard.conf(5) names a type. */
static const char *
type_name(enum bg_type t)
{
	switch (t) {
	case BG_T_STR: return "string";
	case BG_T_STRLIST: return "list of strings";
	case BG_T_INT: return "number";
	case BG_T_INTLIST: return "list of numbers";
	case BG_T_BOOL: return "boolean";
	case BG_T_ENUM: return "word";
	case BG_T_DURATION: return "duration";
	case BG_T_RATE: return "rate";
	case BG_T_DATE: return "date";
	case BG_T_MODE: return "octal mode";
	}
	abort(); /* a type without a name: add it above */
}

/* Returns the name of the sections of a set ("" for the top level). */
static const char *
set_name(enum bg_set set)
{
	for (size_t i = 0; i < bg_sect_nrows; i++)
		if (bg_sect_rows[i].set == set)
			return bg_sect_rows[i].name;
	return "";
}

bool
bg_config_row(size_t n, struct bg_config_row_info *out)
{
	if (n >= bg_opt_nrows)
		return false;
	out->section = set_name(bg_opt_rows[n].set);
	out->name = bg_opt_rows[n].name;
	out->type = type_name(bg_opt_rows[n].type);
	out->def = bg_opt_rows[n].def ? bg_opt_rows[n].def : "";
	return true;
}
