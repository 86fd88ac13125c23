/*
 * bg_util.h - allocation that never returns NULL, and small string helpers.
 *
 * Out of memory is not a per-message condition a daemon can answer well:
 * every bg_x* function aborts with a message instead of returning NULL.
 *
 * DIAGNOSTICS: allocation aborts with a message instead of returning NULL; nothing else fails.
 */
#ifndef BG_UTIL_H
#define BG_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Allocates n bytes (zeroed); never returns NULL. The caller frees. */
void *bg_xcalloc(size_t count, size_t size);
/* Grows p to count*size bytes; never returns NULL. */
void *bg_xreallocarray(void *p, size_t count, size_t size);
/* Copies s; never returns NULL. NULL in gives NULL out. The caller frees. */
char *bg_xstrdup(const char *s);
/* Copies s up to len bytes or its NUL, whichever comes first, and adds a NUL (strndup); never NULL. The caller frees. */
char *bg_xstrndup(const char *s, size_t len);

/* Copies src into dst of size dstlen, always terminated; returns strlen(src). */
size_t bg_strlcpy(char *dst, const char *src, size_t dstlen);

/* Writes s into out (len bytes, always terminated) with glob characters escaped, for SCAN MATCH. */
void bg_glob_escape(const char *s, char *out, size_t len);

/* A list of strings owned by the list. */
struct bg_strlist {
	char **v;
	size_t n;
};

/* Appends a copy of s. */
void bg_strlist_add(struct bg_strlist *l, const char *s);
/* Frees every string and the array; leaves l empty. */
void bg_strlist_free(struct bg_strlist *l);
/* True when s equals one of the list's strings, compared without case. */
bool bg_strlist_has(const struct bg_strlist *l, const char *s);

#endif
