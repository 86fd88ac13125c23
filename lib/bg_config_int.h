/*
 * bg_config_int.h - what bg_config.c and bg_config_check.c share; not for other modules.
 *
 * DIAGNOSTICS: errors go to the load under way (struct bg_load, bg_config_errat); the first is kept.
 */
#ifndef BG_CONFIG_INT_H
#define BG_CONFIG_INT_H

#include "bg_config.h"

/*
 * libconfuse gives a section the line of its closing brace; errors found
 * after parsing should name where the section starts. Every option records
 * the line it was read on, and a section's first option line stands for it.
 */
struct bg_secline {
	const void *sec; /* the libconfuse section (cfg_t) */
	int line;
};

/*
 * A comment, noted while the braces are checked. libconfuse 3.3's line
 * counter runs ahead after each comment: by 2 after a one-line comment ("#",
 * "//"), by 1 after a block comment, so its lines are mapped back before
 * anyone sees them.
 */
struct bg_comment {
	int line;  /* where it starts */
	int ahead; /* how far libconfuse's count runs ahead after it */
};

/* One load under way: the file, where its first error goes, and what it noted about lines. */
struct bg_load {
	const char *file;
	char *err; /* the caller's buffer: "file:line: text" */
	size_t errlen;
	int failed; /* the first error is written; later ones are its consequences */
	struct bg_secline *sec_lines;
	size_t n_sec_lines;
	int *brace_lines; /* lines of the braces that open sections (not lists), in file order */
	size_t n_brace_lines;
	struct bg_comment *comments; /* in file order */
	size_t n_comments;
	int password_line; /* where redis.password_file was set, 0 if it was not */
	int address_line;  /* where redis.address was set, 0 if it was not */
	int sentinel_line; /* where redis.sentinels or sentinel_password_file was last set, 0 if neither */
};

/* Reports an error of load ld at a line of its file (0: no line); the first one is kept. */
void bg_config_errat(struct bg_load *ld, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks a copied configuration and builds its indexes; 0, or -1 after reporting the error to ld. */
int bg_config_check(struct bg_load *ld, struct bg_config *cfg);

/* Orders index entries by key, without case (qsort/bsearch). */
int bg_config_index_cmp(const void *a, const void *b);

#endif
