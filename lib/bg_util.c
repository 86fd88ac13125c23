/*
 * bg_util.c - allocation that never returns NULL, and small string helpers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_util.h"

/* Reports an allocation failure and aborts: there is nothing sane to do. */
static void
bg_nomem(size_t n)
{
	fprintf(stderr, "bulkguard: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
bg_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		bg_nomem(count * size);
	return p;
}

void *
bg_xreallocarray(void *p, size_t count, size_t size)
{
	void *q;

	if (size != 0 && count > (size_t)-1 / size)
		bg_nomem((size_t)-1);
	q = realloc(p, count * size != 0 ? count * size : 1);
	if (q == NULL)
		bg_nomem(count * size);
	return q;
}

char *
bg_xstrdup(const char *s)
{
	return s == NULL ? NULL : bg_xstrndup(s, strlen(s));
}

char *
bg_xstrndup(const char *s, size_t len)
{
	char *p;

	len = strnlen(s, len); /* as strndup: never reads past a NUL within len */
	p = bg_xcalloc(len + 1, 1);
	memcpy(p, s, len);
	return p;
}

size_t
bg_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t len = strlen(src);

	if (dstlen > 0) {
		size_t n = len < dstlen - 1 ? len : dstlen - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void
bg_glob_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 2 < len; s++) {
		if (strchr("*?[]\\", *s) != NULL)
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

void
bg_strlist_add(struct bg_strlist *l, const char *s)
{
	l->v = bg_xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = bg_xstrdup(s);
}

void
bg_strlist_free(struct bg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool
bg_strlist_has(const struct bg_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}
