/*
 * bg_secret.h - a password read from a file only its owner may read.
 *
 * The file holds the secret on its first line (a final newline, and a
 * carriage return before it, are not part of it). It must be a regular file
 * closed to group and others (chmod 600), at most BG_SECRET_MAX bytes on that
 * line, not empty, without NUL. The secret never appears in an error text.
 *
 * DIAGNOSTICS: -1 with the problem in the caller's buffer; nothing is logged.
 */
#ifndef BG_SECRET_H
#define BG_SECRET_H

#include <stddef.h>

#define BG_SECRET_MAX 512 /* bytes of one secret */

/*
 * Reads the secret of path into *out (a string the caller frees with
 * bg_secret_free). Returns 0, or -1 with why (without the secret) in err.
 */
int bg_secret_read(const char *path, char **out, char *err, size_t errlen);

/* Overwrites and frees a secret; NULL is fine. */
void bg_secret_free(char *secret);

#endif
