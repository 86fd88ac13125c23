/*
 * fuzz_token.c - libFuzzer target for the token opener, the VERP reader and
 * the key file parser (bg_token, bg_verp).
 *
 * Each input is fed, as an exact-size copy, to bg_token_open and
 * bg_verp_parse under a fixed in-memory key set, and to bg_token_keys_parse.
 * It aborts when an invariant breaks: a refused token or VERP leaves an
 * empty record; an opened token has fields within their limits and seals
 * and opens again to the same fields; a VERP (either version) read as good
 * in a window that honours every day passes bg_verp_check, is expired in a
 * window that honours none, and is made again for the same recipient; a
 * parsed key set has a key. The corpus holds tokens and VERPs (versions 1
 * and 2) made with this key set.
 * Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. -Ilib lib/bg_token.c lib/bg_token_keys.c \
 *       lib/bg_verp.c lib/bg_addr.c tests/fuzz/fuzz_token.c -lidn2 -lsodium
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_token.h"
#include "bg_verp.h"

#define FUZZ_KEYS                                                                                                      \
	"# the fuzz key set: 7 seals, 3 opens\n"                                                                       \
	"7 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"                                         \
	"3 f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bg_token_keys *keys;

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_token: %s (%s)\n", what, detail);
	abort();
}

/* True when s is a NUL-terminated field of min..max bytes without control characters. */
static int
field_ok(const char *s, size_t size, size_t min, size_t max)
{
	size_t len = strnlen(s, size);

	if (len == size || len < min || len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Checks an opened token, then seals its fields again and opens the result. */
static void
check_token(const struct bg_token *t)
{
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token again;
	int n;

	if (!field_ok(t->entity, sizeof(t->entity), 1, BG_TOKEN_ENTITY_MAX) ||
	    !field_ok(t->list, sizeof(t->list), 0, BG_TOKEN_LIST_MAX) ||
	    !field_ok(t->address, sizeof(t->address), 1, BG_TOKEN_ADDRESS_MAX) || t->issued < 0 ||
	    (t->key_id != 7 && t->key_id != 3))
		fail("opened token breaks the limits", t->entity);
	if (bg_token_make(keys, t->entity, t->list, t->address, t->issued, tok, sizeof(tok)) != BG_TOKEN_OK ||
	    (n = (int)strlen(tok)) == 0 || n > BG_TOKEN_MAX)
		fail("opened token cannot be sealed again", t->address);
	if (bg_token_open(keys, tok, (size_t)n, &again) != BG_TOKEN_OK || strcmp(again.entity, t->entity) != 0 ||
	    strcmp(again.list, t->list) != 0 || strcmp(again.address, t->address) != 0 || again.issued != t->issued)
		fail("sealed again, opens to something else", tok);
}

/* Opens data as a token and checks the result. */
static void
run_token(const char *data, size_t size)
{
	struct bg_token t;
	enum bg_token_status st = bg_token_open(keys, data, size, &t);

	if (st == BG_TOKEN_OK)
		check_token(&t);
	else if (t.entity[0] != '\0' || t.address[0] != '\0' || t.issued != 0)
		fail("refused token leaves a record", bg_token_strerror(st));
}

/* Reads data as a VERP and checks the result: any day honoured, then a window that honours none. */
static void
run_verp(const char *data, size_t size)
{
	static const struct bg_verp_window wide = {BG_VERP_DAY_MAX, BG_VERP_DAY_MAX + 2, BG_VERP_DAY_MAX};
	static const struct bg_verp_window never = {BG_VERP_DAY_MAX + 5, 0, -1};
	struct bg_addr r, again;
	struct bg_verp_info info;
	char v[BG_ADDR_MAX + 1];
	enum bg_verp_status st = bg_verp_parse(keys, data, size, &wide, &r, &info);

	if ((st == BG_VERP_NOT_VERP || st == BG_VERP_MALFORMED) && info.version != 0)
		fail("no verp with a version", bg_verp_strerror(st));
	if (st != BG_VERP_OK) {
		if (r.len != 0 || r.text[0] != '\0')
			fail("refused verp leaves a recipient", bg_verp_strerror(st));
		if (st == BG_VERP_EXPIRED)
			fail("a verp expired in a window that honours every day", "");
		return;
	}
	if (r.len == 0 || r.len > BG_ADDR_MAX || strlen(r.text) != r.len || (info.version != 1 && info.version != 2))
		fail("verp recipient breaks the limits", r.text);
	if (bg_verp_check(keys, data, size, r.text, &wide, NULL) != BG_VERP_OK)
		fail("verp does not check against its own recipient", r.text);
	if (bg_verp_parse(keys, data, size, &never, &again, NULL) != BG_VERP_EXPIRED)
		fail("a good verp is not expired in a window that honours none", r.text);
	if (bg_verp_make(keys, r.text, info.version == 2 ? info.tag : "x", info.version == 2 ? info.day : 0,
	                 "b.example", v, sizeof(v)) != BG_VERP_OK ||
	    bg_verp_parse(keys, v, strlen(v), &wide, &again, NULL) != BG_VERP_OK || strcasecmp(again.text, r.text) != 0)
		fail("verp recipient does not make the same verp", r.text);
}

/* Parses data as a key file. */
static void
run_keys(const char *data, size_t size)
{
	char err[256];
	struct bg_token_keys *k = bg_token_keys_parse(data, size, "fuzz", err, sizeof(err));

	if (k != NULL && bg_token_keys_count(k, NULL) == 0)
		fail("key set without keys", "");
	if (k == NULL && err[0] == '\0')
		fail("key file refused without a reason", "");
	bg_token_keys_free(k);
}

/* Runs the three readers on an exact-size copy, so over-reads are caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *copy;

	if (keys == NULL &&
	    (keys = bg_token_keys_parse(FUZZ_KEYS, strlen(FUZZ_KEYS), "fuzz", err, sizeof(err))) == NULL)
		fail("fixed key set refused", err);
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	run_token(copy, size);
	run_verp(copy, size);
	run_keys(copy, size);
	free(copy);
	return 0;
}
