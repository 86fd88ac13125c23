/*
 * test_token.c - unit tests for unsubscribe tokens and their key file (bg_token).
 *
 * Round trips through the public format, rotation, and the refusals: every
 * bit of a token flipped, every truncation, an appended byte, a key id or
 * version nobody knows, garbage, payloads that are authentic but break the
 * format (sealed here by hand with the test key), key files open to group or
 * others and malformed key lines with their line numbers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bg_token.h"

#define HEX_A   "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B   "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define HEX_C   "5555555555555555555555555555555555555555555555555555555555555555"
#define VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define T0      1763800000

/* Repetition, for fields at their limits. */
#define R4(s)  s s s s
#define R16(s) R4(R4(s))
#define R64(s) R4(R16(s))
#define E64    R64("e")
#define L64    R64("l")
#define D61    R16("d") R16("d") R16("d") R4("d") R4("d") R4("d") "d"
#define A254   R64("a") "@" D61 "dd." D61 "dd." D61 /* 64 + 1 + 63 + 1 + 63 + 1 + 61 */

/* Key sets: A signs with key 7 (and opens 3); B is the rotation, 3 first; C knows only key 9. */
static const char keys_a[] = "# test keys\n\n7 " HEX_A "\n3 " HEX_B "\n";
static const char keys_b[] = "3 " HEX_B "\n  7\t" HEX_A "  \r\n";
static const char keys_c[] = "9 " HEX_C "\n";

/* Parses key text that must be good. */
static struct bg_token_keys *
keys(const char *text)
{
	char err[256] = "";
	struct bg_token_keys *k = bg_token_keys_parse(text, strlen(text), "test", err, sizeof(err));

	if (k == NULL)
		fail_msg("keys refused: %s", err);
	return k;
}

/* Makes a token that must be made; returns its length. */
static int
make(const struct bg_token_keys *k, const char *e, const char *l, const char *a, char *out)
{
	assert_int_equal(bg_token_make(k, e, l, a, T0, out, BG_TOKEN_MAX + 1), BG_TOKEN_OK);
	assert_true(strlen(out) > 0);
	return (int)strlen(out);
}

/* Opens a NUL-terminated token. */
static enum bg_token_status
open_str(const struct bg_token_keys *k, const char *tok, struct bg_token *t)
{
	return bg_token_open(k, tok, strlen(tok), t);
}

struct rt_case {
	const char *entity, *list, *address;
};

/* clang-format off */
static const struct rt_case rt_cases[] = {
	{"acme", "weekly", "alice.smith@example.com"},
	{"acme", "", "bob@example.com"},
	{"acme", NULL, "bob@example.com"},
	{"a", "b", "c@d"},
	{"brand with space", "news/daily", "first.last+tag@xn--bcher-kva.example"},
	{"acme", "weekly", "\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v"},
	{"acme", "weekly", "\"john doe\"@example.com"},
	{E64, L64, A254},
	{E64, "", A254},
};
/* clang-format on */

/* Every case seals and opens to the same fields; the length follows the header's formula. */
static void
test_round_trip(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token t;

	assert_int_equal(strlen(A254), 254);
	for (size_t i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
		const struct rt_case *c = &rt_cases[i];
		size_t n = strlen(c->entity) + (c->list ? strlen(c->list) : 0) + strlen(c->address);
		int len = make(k, c->entity, c->list, c->address, tok);

		assert_int_equal(len, ((53 + n) * 4 + 2) / 3);
		assert_int_equal(open_str(k, tok, &t), BG_TOKEN_OK);
		assert_string_equal(t.entity, c->entity);
		assert_string_equal(t.list, c->list ? c->list : "");
		assert_string_equal(t.address, c->address);
		assert_int_equal(t.issued, T0);
		assert_int_equal(t.key_id, 7);
		assert_int_equal(tok[0], 'A'); /* version 1 */
	}
	assert_int_equal(make(k, "acme", "weekly", "alice.smith@example.com", tok), 115);
	assert_int_equal(make(k, E64, L64, A254, tok), BG_TOKEN_MAX);
	bg_token_keys_free(k);
}

/* Issue times at the edges of the 8-byte field survive. */
static void
test_issued(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	const time_t times[] = {0, 1, T0, (time_t)1 << 32, INT64_MAX};
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token t;

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		assert_true(bg_token_make(k, "e", "", "a@b", times[i], tok, sizeof(tok)) == BG_TOKEN_OK);
		assert_int_equal(open_str(k, tok, &t), BG_TOKEN_OK);
		assert_true(t.issued == times[i]);
	}
	assert_int_equal(bg_token_make(k, "e", "", "a@b", -1, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	bg_token_keys_free(k);
}

/* A token sealed with the old first key opens after rotation; new tokens carry the new id. */
static void
test_rotation(void **state)
{
	struct bg_token_keys *a = keys(keys_a), *b = keys(keys_b), *c = keys(keys_c);
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token t;
	uint8_t id;

	make(a, "acme", "weekly", "alice@example.com", tok);
	assert_int_equal(open_str(b, tok, &t), BG_TOKEN_OK);
	assert_int_equal(t.key_id, 7);
	assert_string_equal(t.address, "alice@example.com");
	assert_int_equal(open_str(c, tok, &t), BG_TOKEN_UNKNOWN_KEY);
	make(b, "acme", "weekly", "alice@example.com", tok);
	assert_int_equal(open_str(a, tok, &t), BG_TOKEN_OK);
	assert_int_equal(t.key_id, 3);
	assert_int_equal(bg_token_keys_count(b, &id), 2);
	assert_int_equal(id, 3);
	bg_token_keys_free(a);
	bg_token_keys_free(b);
	bg_token_keys_free(c);
}

/* Two tokens for the same fields differ (fresh nonce) and both open. */
static void
test_nonce(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char t1[BG_TOKEN_MAX + 1], t2[BG_TOKEN_MAX + 1];
	struct bg_token t;

	make(k, "acme", "weekly", "alice@example.com", t1);
	make(k, "acme", "weekly", "alice@example.com", t2);
	assert_string_not_equal(t1, t2);
	assert_int_equal(open_str(k, t1, &t), BG_TOKEN_OK);
	assert_int_equal(open_str(k, t2, &t), BG_TOKEN_OK);
	bg_token_keys_free(k);
}

/* Decodes tok into bin; returns the length. */
static size_t
decode(const char *tok, unsigned char *bin, size_t size)
{
	size_t len = 0;

	assert_int_equal(sodium_base642bin(bin, size, tok, strlen(tok), NULL, &len, NULL, VARIANT), 0);
	return len;
}

/* Encodes bin and opens the result. */
static enum bg_token_status
open_bin(const struct bg_token_keys *k, const unsigned char *bin, size_t len, struct bg_token *t)
{
	char tok[2 * BG_TOKEN_MAX];

	sodium_bin2base64(tok, sizeof(tok), bin, len, VARIANT);
	return open_str(k, tok, t);
}

/* Every bit of every byte flipped: the version byte, the key id, or authentication refuses it. */
static void
test_flip_every_bit(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1];
	unsigned char bin[512];
	struct bg_token t;
	size_t len;

	make(k, "acme", "weekly", "alice@example.com", tok);
	len = decode(tok, bin, sizeof(bin));
	assert_int_equal(open_bin(k, bin, len, &t), BG_TOKEN_OK);
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			enum bg_token_status st;

			bin[i] ^= (unsigned char)(1 << b);
			st = open_bin(k, bin, len, &t);
			bin[i] ^= (unsigned char)(1 << b);
			if (i == 0)
				assert_int_equal(st, BG_TOKEN_BAD_VERSION);
			else if (i == 1 && (7 ^ (1 << b)) != 3)
				assert_int_equal(st, BG_TOKEN_UNKNOWN_KEY);
			else
				assert_int_equal(st, BG_TOKEN_FORGED); /* includes key id 7 -> 3 */
			assert_string_equal(t.address, "");
		}
		bin[i] ^= 0xff;
		assert_int_not_equal(open_bin(k, bin, len, &t), BG_TOKEN_OK);
		bin[i] ^= 0xff;
	}
	bg_token_keys_free(k);
}

/* Every character replaced by every other base64url character, or a high byte, is refused. */
static void
test_change_every_char(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token t;
	int len = make(k, "acme", "weekly", "alice@example.com", tok);

	for (int i = 0; i < len; i++) {
		char was = tok[i];

		for (const char *c = B64; *c; c++) {
			if (*c == was)
				continue;
			tok[i] = *c;
			assert_int_not_equal(open_str(k, tok, &t), BG_TOKEN_OK);
		}
		for (int c = 0x80; c < 0x100; c++) { /* libsodium 1.0.18 would read these as '_' */
			tok[i] = (char)c;
			assert_int_equal(open_str(k, tok, &t), BG_TOKEN_MALFORMED);
		}
		tok[i] = was;
	}
	assert_int_equal(open_str(k, tok, &t), BG_TOKEN_OK);
	bg_token_keys_free(k);
}

/* Every truncation, of the text and of the bytes, is refused. */
static void
test_truncate(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1];
	unsigned char bin[512];
	struct bg_token t;
	int len = make(k, "acme", "weekly", "alice@example.com", tok);
	size_t blen = decode(tok, bin, sizeof(bin));

	for (int i = 0; i < len; i++) {
		enum bg_token_status st = bg_token_open(k, tok, (size_t)i, &t);

		assert_true(st == BG_TOKEN_MALFORMED || st == BG_TOKEN_TOO_SHORT || st == BG_TOKEN_FORGED);
	}
	assert_int_equal(bg_token_open(k, tok, 0, &t), BG_TOKEN_TOO_SHORT);
	assert_int_equal(bg_token_open(k, tok, 1, &t), BG_TOKEN_MALFORMED);
	assert_int_equal(bg_token_open(k, tok, 40, &t), BG_TOKEN_TOO_SHORT);
	for (size_t i = 0; i < blen; i++) {
		enum bg_token_status st = open_bin(k, bin, i, &t);

		assert_true(st == BG_TOKEN_TOO_SHORT || st == BG_TOKEN_FORGED);
	}
	bg_token_keys_free(k);
}

/* A byte appended to the bytes, or a character to the text, is refused. */
static void
test_append(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 2];
	unsigned char bin[512];
	struct bg_token t;
	int len = make(k, "acme", "weekly", "alice@example.com", tok);
	size_t blen = decode(tok, bin, sizeof(bin));

	for (int c = 0; c < 256; c++) {
		bin[blen] = (unsigned char)c;
		assert_int_equal(open_bin(k, bin, blen + 1, &t), BG_TOKEN_FORGED);
	}
	for (const char *c = B64; *c; c++) {
		tok[len] = *c;
		tok[len + 1] = '\0';
		assert_int_not_equal(open_str(k, tok, &t), BG_TOKEN_OK);
	}
	bg_token_keys_free(k);
}

/* A key id or version nobody knows. */
static void
test_unknown_key_and_version(void **state)
{
	struct bg_token_keys *a = keys(keys_a), *c = keys(keys_c);
	char tok[BG_TOKEN_MAX + 1];
	unsigned char bin[512];
	struct bg_token t;
	size_t blen;

	make(c, "acme", "weekly", "alice@example.com", tok);
	assert_int_equal(open_str(a, tok, &t), BG_TOKEN_UNKNOWN_KEY);
	assert_int_equal(open_str(c, tok, &t), BG_TOKEN_OK);
	assert_int_equal(t.key_id, 9);
	blen = decode(tok, bin, sizeof(bin));
	for (int v = 0; v < 256; v++) {
		bin[0] = (unsigned char)v;
		assert_int_equal(open_bin(c, bin, blen, &t), v == 1 ? BG_TOKEN_OK : BG_TOKEN_BAD_VERSION);
	}
	bin[0] = 2;
	assert_int_equal(open_bin(c, bin, 1, &t), BG_TOKEN_TOO_SHORT);
	assert_int_equal(open_bin(c, bin, 2, &t), BG_TOKEN_BAD_VERSION);
	bg_token_keys_free(a);
	bg_token_keys_free(c);
}

/* Text that is no base64url at all, or too long. */
static void
test_garbage(void **state)
{
	static const char *bad[] = {
	    "!!!!",
	    "A",
	    "AAAAA",
	    "AQ==",
	    "AQcA+/",
	    "AQcA AQcA",
	    "AQcA\n",
	    "\xc3\xa9\xc3\xa9",
	    "AQcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
	};
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1], big[BG_TOKEN_MAX + 2];
	struct bg_token t;
	int len = make(k, "acme", "weekly", "alice@example.com", tok);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(open_str(k, bad[i], &t), BG_TOKEN_MALFORMED);
	assert_int_equal(open_str(k, "", &t), BG_TOKEN_TOO_SHORT);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(open_str(k, big, &t), BG_TOKEN_TOO_LONG);
	tok[len / 2] = '\0';
	assert_int_equal(bg_token_open(k, tok, (size_t)len, &t), BG_TOKEN_MALFORMED); /* NUL inside */
	bg_token_keys_free(k);
}

/* Seals payload m (mlen bytes) with key 7 of keys_a, as a broken maker would. */
static void
seal(const unsigned char *m, size_t mlen, char *tok, size_t toklen)
{
	unsigned char key[32], bin[512];
	unsigned long long clen;

	assert_int_equal(sodium_hex2bin(key, sizeof(key), HEX_A, 64, NULL, NULL, NULL), 0);
	bin[0] = 1;
	bin[1] = 7;
	randombytes_buf(bin + 2, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + 26, &clen, m, mlen, bin, 2, NULL, bin + 2, key);
	sodium_bin2base64(tok, toklen, bin, 26 + (size_t)clen, VARIANT);
}

struct payload_case {
	const char *name;
	const char *bytes;
	size_t len;
	enum bg_token_status status;
};

#define TIME8 "\0\0\0\0\x69\x21\x73\xc0" /* T0 */
#define P(s)  s, sizeof(s) - 1

/* One payload a line, its fields apart. */
/* clang-format off */
static const struct payload_case payload_cases[] = {
	{"good", P(TIME8 "\x04" "acme" "\x00" "\x03" "a@b"), BG_TOKEN_OK},
	{"good, list", P(TIME8 "\x01" "e" "\x01" "l" "\x03" "a@b"), BG_TOKEN_OK},
	{"byte left over", P(TIME8 "\x04" "acme" "\x00" "\x03" "a@b" "x"), BG_TOKEN_BAD_PAYLOAD},
	{"address cut", P(TIME8 "\x04" "acme" "\x00" "\x04" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"no address", P(TIME8 "\x04" "acme" "\x00"), BG_TOKEN_BAD_PAYLOAD},
	{"empty entity", P(TIME8 "\x00" "\x00" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"empty address", P(TIME8 "\x04" "acme" "\x00" "\x00" "xx"), BG_TOKEN_BAD_PAYLOAD},
	{"NUL in entity", P(TIME8 "\x04" "ac\0e" "\x00" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"newline in list", P(TIME8 "\x04" "acme" "\x02" "a\n" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"DEL in address", P(TIME8 "\x04" "acme" "\x00" "\x03" "a@\x7f"), BG_TOKEN_BAD_PAYLOAD},
	{"entity of 65", P(TIME8 "\x41" E64 "e" "\x00" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"list of 65", P(TIME8 "\x01" "e" "\x41" L64 "l" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"address of 255", P(TIME8 "\x01" "e" "\x00" "\xff" "a" A254), BG_TOKEN_BAD_PAYLOAD},
	{"time over INT64_MAX", P("\x80\0\0\0\0\0\0\0" "\x01" "e" "\x00" "\x03" "a@b"), BG_TOKEN_BAD_PAYLOAD},
	{"time cut", P("\0\0\0\0\0"), BG_TOKEN_TOO_SHORT},
	{"empty", P(""), BG_TOKEN_TOO_SHORT},
};
/* clang-format on */

/* Authentic payloads that break the format are refused as such. */
static void
test_payload(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[2 * BG_TOKEN_MAX];
	struct bg_token t;

	for (size_t i = 0; i < sizeof(payload_cases) / sizeof(payload_cases[0]); i++) {
		const struct payload_case *c = &payload_cases[i];
		enum bg_token_status st;

		seal((const unsigned char *)c->bytes, c->len, tok, sizeof(tok));
		st = open_str(k, tok, &t);
		if (st != c->status)
			fail_msg("%s: got %s, want %s", c->name, bg_token_strerror(st), bg_token_strerror(c->status));
		if (st != BG_TOKEN_OK)
			assert_string_equal(t.entity, "");
	}
	seal((const unsigned char *)payload_cases[0].bytes, payload_cases[0].len, tok, sizeof(tok));
	assert_int_equal(open_str(k, tok, &t), BG_TOKEN_OK);
	assert_int_equal(t.issued, T0);
	bg_token_keys_free(k);
}

/* bg_token_make refuses fields out of bounds and a buffer too small. */
static void
test_make_refuses(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	char tok[BG_TOKEN_MAX + 1];
	const char *e65 = E64 "e", *l65 = L64 "l", *a255 = "a" A254;

	assert_int_equal(bg_token_make(k, "", "l", "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, NULL, "l", "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, e65, "l", "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e", l65, "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e", "l", a255, T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e", "l", "", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e\n", "l", "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e", "l\t", "a@b", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	assert_int_equal(bg_token_make(k, "e", "l", "a@b\x7f", T0, tok, sizeof(tok)), BG_TOKEN_REFUSED);
	/* "e", "", "a@b": 57 bytes, 76 characters and the NUL */
	assert_int_equal(bg_token_make(k, "e", "", "a@b", T0, tok, 76), BG_TOKEN_NO_ROOM);
	assert_int_equal(bg_token_make(k, "e", "", "a@b", T0, tok, 77), BG_TOKEN_OK);
	assert_int_equal(strlen(tok), 76);
	bg_token_keys_free(k);
}

struct keyfile_case {
	const char *text;
	size_t len;
	const char *error; /* NULL: accepted */
};

/* clang-format off */
static const struct keyfile_case keyfile_cases[] = {
	{P("0 " HEX_A "\n"), NULL},
	{P("255 " HEX_A), NULL},
	{P("\r\n# c\n  \t\n 1 " HEX_A " \r\n2\t" HEX_B "\n\n"), NULL},
	{P("1 " HEX_A "\n1 " HEX_B "\n"), "test:2: key id 1 already used on line 1"},
	{P(""), "test: no keys"},
	{P("# only\n\n   \n# comments\n"), "test: no keys"},
	{P("256 " HEX_A "\n"), "test:1: expected \"<id 0..255> <64 hex digits>\""},
	{P("1000 " HEX_A "\n"), "test:1: expected"},
	{P("-1 " HEX_A "\n"), "test:1: expected"},
	{P("x " HEX_A "\n"), "test:1: expected"},
	{P("# c\n\n1" HEX_A "\n"), "test:3: expected"},
	{P("1\n"), "test:1: expected"},
	{P("1 " HEX_A "\n2 \n"), "test:2: key 2: expected 64 hex digits"},
	{P("1 " HEX_A "\n\n# x\n4 " HEX_A "0\n"), "test:4: key 4: expected 64 hex digits"},
	{P("1 0" HEX_A "\n"), "test:1: key 1: expected 64 hex digits"},
	{P("1 " HEX_A "\n2 x" HEX_B "\n"), "test:2: key 2: expected 64 hex digits"},
	{P("5 00010203040506070809OA0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"), "test:1: key 5: expected"},
	{P("1 " HEX_A " # comment\n"), "test:1: key 1: text after the key"},
	{P("1 " HEX_A "\n2 " HEX_B " 3\n"), "test:2: key 2: text after the key"},
	{P("1 " HEX_A "\0\n"), "test:1: key 1: expected 64 hex digits"},
};
/* clang-format on */

/* Key file text: good files load, each bad one names its line. */
static void
test_keyfile_lines(void **state)
{
	for (size_t i = 0; i < sizeof(keyfile_cases) / sizeof(keyfile_cases[0]); i++) {
		const struct keyfile_case *c = &keyfile_cases[i];
		char err[256] = "";
		struct bg_token_keys *k = bg_token_keys_parse(c->text, c->len, "test", err, sizeof(err));

		if (c->error == NULL && k == NULL)
			fail_msg("case %zu refused: %s", i, err);
		if (c->error != NULL && (k != NULL || strncmp(err, c->error, strlen(c->error)) != 0))
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, k ? "accepted" : err, c->error);
		bg_token_keys_free(k);
	}
}

/* A key file: loaded at 0600 and 0400, refused when group or others may read or write it. */
static void
test_keyfile_mode(void **state)
{
	char dir[] = "/tmp/test_token.XXXXXX", path[64], err[256];
	struct bg_token_keys *k;
	const mode_t bad[] = {0640, 0620, 0604, 0602, 0644, 0666};
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keys", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, keys_a, strlen(keys_a)), (ssize_t)strlen(keys_a));
	close(fd);
	assert_non_null(k = bg_token_keys_load(path, err, sizeof(err)));
	bg_token_keys_free(k);
	assert_int_equal(chmod(path, 0400), 0);
	assert_non_null(k = bg_token_keys_load(path, err, sizeof(err)));
	bg_token_keys_free(k);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(path, bad[i]), 0);
		assert_null(bg_token_keys_load(path, err, sizeof(err)));
		assert_non_null(strstr(err, "readable or writable by group or others"));
		assert_non_null(strstr(err, path));
	}
	assert_null(bg_token_keys_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_null(bg_token_keys_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

/* A key file too big to be one is refused. */
static void
test_keyfile_size(void **state)
{
	size_t len = BG_TOKEN_KEYFILE_MAX + 1;
	char *text = malloc(len), err[256];
	struct bg_token_keys *k;

	assert_non_null(text);
	memset(text, '\n', len);
	memcpy(text, "1 " HEX_A, 66);
	assert_null(bg_token_keys_parse(text, len, "test", err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	assert_non_null(k = bg_token_keys_parse(text, len - 1, "test", err, sizeof(err)));
	bg_token_keys_free(k);
	free(text);
}

/* Subkeys: distinct per key, context and id; out-of-range requests refused. */
static void
test_derive(void **state)
{
	struct bg_token_keys *k = keys(keys_a);
	unsigned char s1[32], s2[32], s3[32];

	assert_int_equal(bg_token_keys_derive(k, 0, "testctx1", 1, s1, 32), 0);
	assert_int_equal(bg_token_keys_derive(k, 1, "testctx1", 1, s2, 32), 0);
	assert_int_equal(bg_token_keys_derive(k, 0, "testctx1", 2, s3, 32), 0);
	assert_memory_not_equal(s1, s2, 32);
	assert_memory_not_equal(s1, s3, 32);
	assert_int_equal(bg_token_keys_derive(k, 0, "testctx1", 1, s2, 32), 0);
	assert_memory_equal(s1, s2, 32);
	assert_int_equal(bg_token_keys_derive(k, 2, "testctx1", 1, s1, 32), -1);
	assert_int_equal(bg_token_keys_derive(k, 0, "testctx1", 1, s1, 15), -1);
	assert_int_equal(bg_token_keys_derive(k, 0, "testctx1", 1, s1, 65), -1);
	bg_token_keys_free(k);
	bg_token_keys_free(NULL);
}

/* Every status has its own text. */
static void
test_strerror(void **state)
{
	for (int i = BG_TOKEN_OK; i <= BG_TOKEN_NO_ROOM; i++) {
		assert_true(strlen(bg_token_strerror(i)) > 0);
		for (int j = BG_TOKEN_OK; j < i; j++)
			assert_string_not_equal(bg_token_strerror(i), bg_token_strerror(j));
	}
	assert_non_null(strstr(bg_token_strerror(BG_TOKEN_FORGED), "forged"));
	assert_non_null(bg_token_strerror((enum bg_token_status)99));
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_issued),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_nonce),
	    cmocka_unit_test(test_flip_every_bit),
	    cmocka_unit_test(test_change_every_char),
	    cmocka_unit_test(test_truncate),
	    cmocka_unit_test(test_append),
	    cmocka_unit_test(test_unknown_key_and_version),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_payload),
	    cmocka_unit_test(test_make_refuses),
	    cmocka_unit_test(test_keyfile_lines),
	    cmocka_unit_test(test_keyfile_mode),
	    cmocka_unit_test(test_keyfile_size),
	    cmocka_unit_test(test_derive),
	    cmocka_unit_test(test_strerror),
	};

	if (bg_token_init() < 0)
		return 1;
	return _cmocka_run_group_tests("bg_token", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
