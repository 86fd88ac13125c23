/*
 * unsd_page.c - bulkguard-unsubd's pages: the built-in ones, the operator's
 * templates (read and checked at load), the Accept-Language choice among
 * them, and literal placeholder substitution with HTML escaping.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bg_util.h"
#include "unsd_page.h"

#define ACCEPT_MAX 32 /* Accept-Language entries looked at */

/* One language's pages of an entity; text[k] NULL when that page is not in this language. */
struct variant {
	char lang[UNSD_LANG_MAX + 1]; /* "" for <page>.html */
	char *text[UNSD_PAGE_N];
};

/* One entity's template directory. */
struct site {
	char *entity;
	struct variant *v;
	size_t n;
};

struct unsd_pages {
	struct site *sites;
	size_t n;
};

static const char *const page_names[UNSD_PAGE_N] = {"confirm", "done", "undone", "error"};
static const char *const var_names[] = {"brand", "address", "list", "scope", "message", "form", "fields", "action"};
#define N_VARS    (sizeof(var_names) / sizeof(var_names[0]))
#define N_TEXTUAL 5 /* the first five are escaped */

#define HEAD(title)                                                                                                    \
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"                                      \
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" title "</title>\n"         \
	"<style>\nbody{margin:0;background:#f4f5f7;color:#1d1f23;font:1.0625rem/1.5 system-ui,-apple-system,"          \
	"\"Segoe UI\",Roboto,sans-serif}\nmain{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;"       \
	"border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}\nh1{font-size:1.5rem;margin:0 0 1rem}\n"            \
	"dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem "                                  \
	"0}dt{font-weight:600}dd{margin:0}\n"                                                                          \
	"fieldset{border:1px solid #c9ccd1;border-radius:.375rem;margin:1rem 0;padding:.5rem 1rem}\n"                  \
	"label{display:block;padding:.375rem 0}\nbutton{font:inherit;padding:.625rem 1.25rem;border:0;"                \
	"border-radius:.375rem;background:#1f5fbf;color:#fff;cursor:pointer;min-height:2.75rem}\n"                     \
	"button:focus{outline:3px solid #f2b400;outline-offset:2px}\n.quiet{color:#4a4f57;font-size:.9375rem}\n"       \
	"button.secondary{background:#fff;color:#1f5fbf;border:1px solid "                                             \
	"#1f5fbf}\n</style>\n</head>\n<body>\n<main>\n"
#define TAIL "</main>\n</body>\n</html>\n"

static const char *const builtin[UNSD_PAGE_N] = {
    [UNSD_CONFIRM] = HEAD("Unsubscribe from {{brand}}") "<h1>Unsubscribe</h1>\n"
                                                        "<p>Stop receiving mail from {{brand}}?</p>\n"
                                                        "<dl>\n<dt>Address</dt><dd>{{address}}</dd>\n"
                                                        "<dt>What stops</dt><dd>{{scope}}</dd>\n"
                                                        "<dt>When</dt><dd>Immediately, once you confirm</dd>\n</dl>\n"
                                                        "{{form}}" TAIL,
    [UNSD_DONE] = HEAD("Unsubscribed from {{brand}}") "<h1>Unsubscribed</h1>\n"
                                                      "<p>You are unsubscribed from {{scope}}.</p>\n"
                                                      "<p>This took effect immediately: {{address}} gets no more of "
                                                      "it.</p>\n{{form}}" TAIL,
    [UNSD_UNDONE] = HEAD("Unsubscribe undone") "<h1>Unsubscribe undone</h1>\n"
                                               "<p>Your unsubscribe from {{scope}} is undone: {{address}} gets this "
                                               "mail as before.</p>\n" TAIL,
    [UNSD_ERROR] = HEAD("{{brand}}") "<h1>Not done</h1>\n<p>{{message}}</p>\n" TAIL,
};

/* Returns the HTML character reference for c, or NULL when c stands for itself. */
static const char *
html_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

void
unsd_html_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		const char *ent = html_entity(*s);
		size_t w = ent ? strlen(ent) : 1;
		if (n + w >= len)
			break;
		memcpy(out + n, ent ? ent : s, w);
		n += w;
	}
	out[n] = '\0';
}

void
unsd_mask_address(const char *address, char *out, size_t len)
{
	const char *at = strrchr(address, '@');

	if (at == NULL || at == address)
		snprintf(out, len, "***");
	else
		snprintf(out, len, "%c***%s", address[0], at);
}

/* Returns the index of the placeholder whose name is the n bytes at s, or -1. */
static int
var_index(const char *s, size_t n)
{
	for (size_t i = 0; i < N_VARS; i++)
		if (strlen(var_names[i]) == n && memcmp(var_names[i], s, n) == 0)
			return (int)i;
	return -1;
}

/* Checks that every "{{" of text opens a known placeholder; NULL, or the problem in buf. */
static const char *
tmpl_problem(const char *text, enum unsd_page_kind kind, char *buf, size_t len)
{
	const char *p = text, *end;
	bool has_form = false;

	while ((p = strstr(p, "{{")) != NULL) {
		int i;
		if ((end = strstr(p + 2, "}}")) == NULL || end - p > 16 || (i = var_index(p + 2, end - p - 2)) < 0) {
			snprintf(buf, len,
			         "unknown placeholder \"%.20s\" (known: brand address list scope message form "
			         "fields action)",
			         p);
			return buf;
		}
		has_form |= strcmp(var_names[i], "form") == 0 || strcmp(var_names[i], "fields") == 0;
		p = end + 2;
	}
	if (kind == UNSD_CONFIRM && !has_form)
		return "has neither {{form}} nor {{fields}}: the page could not unsubscribe anyone";
	return NULL;
}

/* Reads a regular file of at most UNSD_TMPL_MAX bytes without NUL bytes; a string the caller frees, or NULL. */
static char *
read_file(const char *path, char *buf, size_t len, const char **why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *text;
	ssize_t n;

	*why = buf;
	if (fd < 0) {
		snprintf(buf, len, "cannot be opened: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > UNSD_TMPL_MAX) {
		snprintf(buf, len, "is not a regular file of at most %d bytes", UNSD_TMPL_MAX);
		close(fd);
		return NULL;
	}
	text = bg_xcalloc(1, (size_t)st.st_size + 2);
	n = read(fd, text, (size_t)st.st_size + 1);
	close(fd);
	if (n < 0 || n > st.st_size || memchr(text, '\0', (size_t)n) != NULL) {
		snprintf(buf, len, "cannot be read whole, or holds a NUL byte");
		free(text);
		return NULL;
	}
	return text;
}

/* Takes a file name apart: "<page>.html" or "<page>.<lang>.html". Returns the page, or -1 for another name. */
static int
name_parse(const char *name, char *lang)
{
	size_t n = strlen(name), plen;

	if (n < 6 || strcmp(name + n - 5, ".html") != 0)
		return -1;
	for (int k = 0; k < UNSD_PAGE_N; k++) {
		plen = strlen(page_names[k]);
		if (strncmp(name, page_names[k], plen) != 0)
			continue;
		if (name[plen] == '.' && plen + 5 == n) {
			lang[0] = '\0';
			return k;
		}
		if (name[plen] != '.' || n - plen - 6 < 2 || n - plen - 6 > UNSD_LANG_MAX)
			continue;
		for (size_t i = 0; i < n - plen - 6; i++) {
			char c = name[plen + 1 + i];
			if (!isalnum((unsigned char)c) && c != '-')
				return -1;
			lang[i] = (char)tolower((unsigned char)c);
			lang[i + 1] = '\0';
		}
		return k;
	}
	return -1;
}

/* Returns the variant of s for lang, added when new. */
static struct variant *
variant_get(struct site *s, const char *lang)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].lang, lang) == 0)
			return &s->v[i];
	s->v = bg_xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(*s->v));
	bg_strlcpy(s->v[s->n].lang, lang, sizeof(s->v[s->n].lang));
	return &s->v[s->n++];
}

/* Reads and checks one template file of dir into s; 0, or -1 with "<path>: <what>" in err. */
static int
file_load(struct site *s, const char *dir, const char *name, char *err, size_t errlen)
{
	char lang[UNSD_LANG_MAX + 1], path[4096], buf[256];
	const char *why;
	struct variant *v;
	char *text;
	int k = name_parse(name, lang);

	if (k < 0)
		return 0; /* not a template: a README, a logo the operator inlines by hand */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((text = read_file(path, buf, sizeof(buf), &why)) == NULL ||
	    (why = tmpl_problem(text, (enum unsd_page_kind)k, buf, sizeof(buf))) != NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		free(text);
		return -1;
	}
	v = variant_get(s, lang);
	free(v->text[k]);
	v->text[k] = text;
	return 0;
}

/* Reads every template of entity e's directory into s; 0, or -1 with the file and the problem in err. */
static int
site_load(struct site *s, const struct bg_entity *e, char *err, size_t errlen)
{
	const char *dir = e->unsubscribe_templates;
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t files = 0;
	int rc = 0;

	s->entity = bg_xstrdup(e->name);
	if (d == NULL) {
		snprintf(err, errlen, "%s: entity \"%s\": unsubscribe_templates cannot be opened: %s", dir, e->name,
		         strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (++files > UNSD_FILES_MAX) {
			snprintf(err, errlen, "%s: more than %d files", dir, UNSD_FILES_MAX);
			rc = -1;
		} else
			rc = file_load(s, dir, de->d_name, err, errlen);
	}
	closedir(d);
	if (rc == 0 && s->n == 0) {
		snprintf(err, errlen, "%s: no template (confirm.html, done.html, undone.html, error.html)", dir);
		rc = -1;
	}
	return rc;
}

struct unsd_pages *
unsd_pages_load(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct unsd_pages *p = bg_xcalloc(1, sizeof(*p));

	p->sites = bg_xcalloc(cfg->n_entities + 1, sizeof(*p->sites));
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];
		if (e->unsubscribe_templates == NULL || *e->unsubscribe_templates == '\0')
			continue;
		if (site_load(&p->sites[p->n++], e, err, errlen) < 0) {
			unsd_pages_free(p);
			return NULL;
		}
	}
	return p;
}

void
unsd_pages_free(struct unsd_pages *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = 0; j < p->sites[i].n; j++)
			for (int k = 0; k < UNSD_PAGE_N; k++)
				free(p->sites[i].v[j].text[k]);
		free(p->sites[i].v);
		free(p->sites[i].entity);
	}
	free(p->sites);
	free(p);
}

/* Returns the entity's site, or NULL. */
static const struct site *
site_find(const struct unsd_pages *p, const char *entity)
{
	for (size_t i = 0; p != NULL && i < p->n; i++)
		if (strcmp(p->sites[i].entity, entity) == 0)
			return &p->sites[i];
	return NULL;
}

/* Returns how well a variant's lang answers one Accept-Language range (n bytes): 2 exact, 1 its prefix, 0 not. */
static int
lang_match(const char *lang, const char *range, size_t n)
{
	size_t l = strlen(lang);

	if (l == 0)
		return 0;
	if (l == n && strncasecmp(lang, range, n) == 0)
		return 2;
	return l < n && range[l] == '-' && strncasecmp(lang, range, l) == 0 ? 1 : 0;
}

/* Parses one Accept-Language entry "range[;q=x]" (n bytes at s): its range length, and its weight in thousandths. */
static size_t
accept_entry(const char *s, size_t n, int *q)
{
	size_t r = 0;
	const char *w;

	while (r < n && s[r] != ';' && s[r] != ' ')
		r++;
	*q = 1000;
	if ((w = memchr(s, '=', n)) != NULL && w > s && (w[-1] == 'q' || w[-1] == 'Q'))
		*q = (int)(strtod(w + 1, NULL) * 1000 + 0.5);
	return r;
}

/* Chooses s's variant holding page k that accept likes best: the best weight, then the earlier entry. */
static const struct variant *
variant_choose(const struct site *s, int k, const char *accept)
{
	const struct variant *best = NULL;
	int best_q = 0, entries = 0;

	for (const char *p = accept; p != NULL && *p != '\0' && entries < ACCEPT_MAX; entries++) {
		size_t n = strcspn(p, ","), r;
		int q;
		while (n > 0 && *p == ' ')
			p++, n--;
		r = accept_entry(p, n, &q);
		for (int exact = 2; exact >= 1; exact--)
			for (size_t i = 0; i < s->n; i++)
				if (s->v[i].text[k] != NULL && q > best_q && lang_match(s->v[i].lang, p, r) == exact)
					best = &s->v[i], best_q = q;
		p = p[n] == ',' ? p + n + 1 : NULL;
	}
	if (best != NULL)
		return best;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].lang[0] == '\0' && s->v[i].text[k] != NULL)
			return &s->v[i];
	return NULL;
}

/* A page being made, bounded by UNSD_PAGE_MAX. */
struct out {
	char *b;
	size_t n, cap;
};

/* Appends n bytes of s (dropped beyond UNSD_PAGE_MAX). */
static void
put(struct out *o, const char *s, size_t n)
{
	if (o->n + n + 1 > UNSD_PAGE_MAX)
		return;
	if (o->n + n + 1 > o->cap) {
		o->cap = (o->n + n + 1) * 2;
		o->b = bg_xreallocarray(o->b, o->cap, 1);
	}
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = '\0';
}

/* Appends placeholder i's value, escaped when it is text. */
static void
put_var(struct out *o, int i, const struct unsd_vars *v)
{
	const char *val[N_VARS] = {v->brand, v->address, v->list, v->scope, v->message, v->form, v->fields, v->action};
	const char *s = val[i] ? val[i] : "";

	for (; i < N_TEXTUAL && *s != '\0'; s++) {
		const char *ent = html_entity(*s);
		put(o, ent ? ent : s, ent ? strlen(ent) : 1);
	}
	if (i >= N_TEXTUAL)
		put(o, s, strlen(s));
}

char *
unsd_page_make(const struct unsd_pages *p, const char *entity, enum unsd_page_kind kind, const char *accept_language,
               const struct unsd_vars *v)
{
	const struct site *s = entity ? site_find(p, entity) : NULL;
	const struct variant *var = s ? variant_choose(s, kind, accept_language) : NULL;
	const char *t = var ? var->text[kind] : builtin[kind], *q, *end;
	struct out o = {bg_xcalloc(1, 4096), 0, 4096};
	int i;

	while ((q = strstr(t, "{{")) != NULL && (end = strstr(q + 2, "}}")) != NULL &&
	       (i = var_index(q + 2, end - q - 2)) >= 0) { /* checked at load: every {{ opens a placeholder */
		put(&o, t, q - t);
		put_var(&o, i, v);
		t = end + 2;
	}
	put(&o, t, strlen(t));
	return o.b;
}
