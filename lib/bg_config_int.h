/*
 * bg_config_int.h - what bg_config.c and bg_config_check.c share; not for other modules.
 */
#ifndef BG_CONFIG_INT_H
#define BG_CONFIG_INT_H

#include "bg_config.h"

/* Reports an error of the load under way at a line of file (0: no line); the first one is kept. */
void bg_config_errat(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks a copied configuration and builds its indexes; 0, or -1 after reporting the error. */
int bg_config_check(struct bg_config *cfg);

/* Orders index entries by key, without case (qsort/bsearch). */
int bg_config_index_cmp(const void *a, const void *b);

#endif
