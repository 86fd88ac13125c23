/*
 * bg_config_table.h - the option table behind bulkguard.conf.
 *
 * Every option is one row: section, name, type, default (as the file would
 * write it), bounds, and where the value is stored. bg_config.c builds the
 * libconfuse schema from these rows, checks values against them while the
 * file is parsed (so errors carry the line) and copies the results out.
 * Nothing else in the code base declares an option.
 *
 * DIAGNOSTICS: bg_word_code returns -1 for a word not in the table; nothing else fails.
 */
#ifndef BG_CONFIG_TABLE_H
#define BG_CONFIG_TABLE_H

#include <stddef.h>

/* Option sets: each section kind has one. */
enum bg_set {
	BG_SET_ROOT = 0,
	BG_SET_REDIS,
	BG_SET_MILTER,
	BG_SET_POLICY,
	BG_SET_UNSUB,
	BG_SET_FEEDBACK,
	BG_SET_ESP,
	BG_SET_DKIM,
	BG_SET_ENTITY,
	BG_SET_POOL,
	BG_SET_GROUP,
	BG_SET_LIMIT,
	BG_SET_REPUTATION,
	BG_SET_COUNT
};

enum bg_type {
	BG_T_STR,      /* char *, at most max characters when max > 0 */
	BG_T_STRLIST,  /* struct bg_strlist */
	BG_T_INT,      /* long, within [min, max] */
	BG_T_INTLIST,  /* long * plus size_t count right after it, each within [min, max] */
	BG_T_BOOL,     /* bool */
	BG_T_ENUM,     /* an enum (int-sized): the code of the word in words */
	BG_T_DURATION, /* long seconds: "90", "90s", "15m", "24h", "2d", "1w", within [min, max] */
	BG_T_RATE,     /* struct bg_rate: "20000/h" (per s, m, h or d) */
	BG_T_DATE,     /* long: unix time of 00:00 UTC of "YYYY-MM-DD" */
	BG_T_MODE,     /* long: file mode in octal, "0660" */
};

/* One word of a word-valued option and its code (Postfix's NAME_CODE); a table ends with a NULL word. */
struct bg_word {
	const char *word;
	int code;
};

/* The word tables of the enums in bg_config.h (bg_config_words.c). */
extern const struct bg_word bg_words_consent[], bg_words_on_error[], bg_words_unknown[], bg_words_pol_on_error[],
    bg_words_dkim_alg[], bg_words_scope[], bg_words_spf_policy[], bg_words_tls[], bg_words_missing[];

/* Returns the code of word in words, or -1. */
int bg_word_code(const struct bg_word *words, const char *word);

/* Writes words as "a|b|c" into buf (len bytes); returns buf. */
char *bg_word_list(const struct bg_word *words, char *buf, size_t len);

struct bg_opt_row {
	enum bg_set set;
	const char *name;
	enum bg_type type;
	const char *def; /* NULL: no default (empty string, empty list, 0) */
	long min, max;
	const struct bg_word *words; /* BG_T_ENUM only */
	size_t offset;      /* in the struct the section's values go to */
};

/* A section: where it may appear, what it holds, where its values go. */
struct bg_sect_row {
	const char *name;
	enum bg_set parent;
	enum bg_set set;
	int multi;         /* may appear several times: an array of structs */
	int titled;        /* entity "acme" { ... } */
	size_t size;       /* multi: size of one element */
	size_t array_off;  /* multi: the array pointer in the parent's struct */
	size_t count_off;  /* multi: its size_t count */
	size_t title_off;  /* titled: char * name in the element */
	size_t line_off;   /* multi: int line in the element */
};

extern const struct bg_opt_row bg_opt_rows[];
extern const size_t bg_opt_nrows;
extern const struct bg_sect_row bg_sect_rows[];
extern const size_t bg_sect_nrows;

#endif
