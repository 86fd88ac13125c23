/*
 * bg_config_words.c - the words of word-valued options and the names of
 * their codes, both generated from the lists in bg_config.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bg_config.h"
#include "bg_config_table.h"

#define WORD_ROW(code, word) {word, code},
#define NAME_CASE(code, word)                                                                                          \
	case code: return word;

/* The loader stores a code through an int: every enum must be int-sized. */
_Static_assert(sizeof(enum bg_consent) == sizeof(int) && sizeof(enum bg_on_error) == sizeof(int) &&
                   sizeof(enum bg_unknown) == sizeof(int) && sizeof(enum bg_pol_on_error) == sizeof(int) &&
                   sizeof(enum bg_dkim_alg) == sizeof(int) && sizeof(enum bg_scope) == sizeof(int) &&
                   sizeof(enum bg_spf_policy) == sizeof(int) && sizeof(enum bg_tls) == sizeof(int) &&
                   sizeof(enum bg_missing) == sizeof(int),
               "word-valued options are stored as int");

const struct bg_word bg_words_consent[] = {BG_CONSENT_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_on_error[] = {BG_ON_ERROR_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_unknown[] = {BG_UNKNOWN_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_pol_on_error[] = {BG_POL_ON_ERROR_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_dkim_alg[] = {BG_DKIM_ALG_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_scope[] = {BG_SCOPE_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_spf_policy[] = {BG_SPF_POLICY_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_tls[] = {BG_TLS_WORDS(WORD_ROW){NULL, 0}};
const struct bg_word bg_words_missing[] = {BG_MISSING_WORDS(WORD_ROW){NULL, 0}};

int
bg_word_code(const struct bg_word *words, const char *word)
{
	for (const struct bg_word *w = words; w->word != NULL; w++)
		if (strcmp(w->word, word) == 0)
			return w->code;
	return -1;
}

char *
bg_word_list(const struct bg_word *words, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct bg_word *w = words; w->word != NULL && n < len; w++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", w == words ? "" : "|", w->word);
	return buf;
}

const char *
bg_class_name(enum bg_class c)
{
	switch (c) {
		BG_CLASS_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_consent_name(enum bg_consent c)
{
	switch (c) {
		BG_CONSENT_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_on_error_name(enum bg_on_error c)
{
	switch (c) {
		BG_ON_ERROR_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_unknown_name(enum bg_unknown c)
{
	switch (c) {
		BG_UNKNOWN_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_pol_on_error_name(enum bg_pol_on_error c)
{
	switch (c) {
		BG_POL_ON_ERROR_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_dkim_alg_name(enum bg_dkim_alg c)
{
	switch (c) {
		BG_DKIM_ALG_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_scope_name(enum bg_scope c)
{
	switch (c) {
		BG_SCOPE_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_spf_policy_name(enum bg_spf_policy c)
{
	switch (c) {
		BG_SPF_POLICY_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_tls_name(enum bg_tls c)
{
	switch (c) {
		BG_TLS_WORDS(NAME_CASE)
	}
	return "?";
}

const char *
bg_missing_name(enum bg_missing c)
{
	switch (c) {
		BG_MISSING_WORDS(NAME_CASE)
	}
	return "?";
}
