/*
 * test_verp.c - unit tests for VERP return paths (bg_verp).
 *
 * A table of recipients, each made into a version 2 VERP and read back: the
 * named form where it fits (tricky local parts with '=', '-', '+' and dots
 * round-trip), the short form where it does not (quoted, UTF-8,
 * source-route characters, address literals, too long), both still good
 * after an MTA changed their case. Then the documented shape and day
 * encoding, forgeries (every MAC character, the last one included; the
 * recipient, the entity tag, the day; another key set), the expiry
 * boundary, the version 1 acceptance window, tags, addresses that are no
 * VERP at all, and what bg_verp_make refuses.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include <sodium.h>

#include "bg_verp.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define RP    "bounce.esp.example"
#define TAG   "acme"
#define DAY0  20794L /* 2026-12-07, "auj2" */
#define AGE   30L

#define R4(s)  s s s s
#define R16(s) R4(R4(s))
#define R64(s) R4(R16(s))
#define D61    R16("d") R16("d") R16("d") R4("d") R4("d") R4("d") "d"
#define A254   R64("a") "@" D61 "dd." D61 "dd." D61

static struct bg_token_keys *keys_a, *keys_b, *keys_old;

enum form { NAMED, SHORT };

struct verp_case {
	const char *recipient; /* as given to bg_verp_make */
	const char *normal;    /* what bg_verp_parse gives back (KEEP_CASE) */
	enum form form;
};

/* clang-format off */
static const struct verp_case cases[] = {
	{"alice@example.com", "alice@example.com", NAMED},
	{"<Alice@Example.COM>", "Alice@example.com", NAMED},
	{"a=b@example.com", "a=b@example.com", NAMED},
	{"x=y=z@ex.com", "x=y=z@ex.com", NAMED},
	{"=x=@ex.com", "=x=@ex.com", NAMED},
	{"a-b--c-@example.com", "a-b--c-@example.com", NAMED},
	{"first.last+tag@example.com", "first.last+tag@example.com", NAMED},
	{"b-abcdefgh-x=y.z@example.com", "b-abcdefgh-x=y.z@example.com", NAMED},
	{"o'brien@example.com", "o'brien@example.com", NAMED},
	{"#$&'*+-/=?^_`{|}~@example.com", "#$&'*+-/=?^_`{|}~@example.com", NAMED},
	{"user@B\xc3\xbc" "cher.example", "user@xn--bcher-kva.example", NAMED},
	{"\"john\"@example.com", "john@example.com", NAMED},
	{"u@a-b.example", "u@a-b.example", NAMED},
	/* 20 ("b2-", day, MAC, tag "acme", "-") + 44 = 64 octets: the longest named form */
	{"l1234567890123456789@d123456789012345678.com", NULL, NAMED},
	/* one more: short form */
	{"l12345678901234567890@d123456789012345678.com", NULL, SHORT},
	{"\"john doe\"@example.com", "\"john doe\"@example.com", SHORT},
	{"\"a@b\"@example.com", "\"a@b\"@example.com", SHORT},
	{"jos\xc3\xa9@example.com", "jos\xc3\xa9@example.com", SHORT},
	{"user%host@example.com", "user%host@example.com", SHORT},
	{"host!user@example.com", "host!user@example.com", SHORT},
	{"user@[192.0.2.1]", "user@[192.0.2.1]", SHORT},
	{A254, A254, SHORT},
};
/* clang-format on */

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Parses key text that must be good. */
static struct bg_token_keys *
keys(const char *text)
{
	char err[256];
	struct bg_token_keys *k = bg_token_keys_parse(text, strlen(text), "test", err, sizeof(err));

	if (k == NULL)
		fail_msg("keys refused: %s", err);
	return k;
}

/* Key sets: A signs with 1; B is after rotation (2 signs, 1 opens); old knows only 2. */
static int
setup(void **state)
{
	keys_a = keys("1 " HEX_A "\n2 " HEX_B "\n");
	keys_b = keys("2 " HEX_B "\n1 " HEX_A "\n");
	keys_old = keys("2 " HEX_B "\n");
	return 0;
}

static int
teardown(void **state)
{
	bg_token_keys_free(keys_a);
	bg_token_keys_free(keys_b);
	bg_token_keys_free(keys_old);
	return 0;
}

/* The window of day today: 30 days, version 1 never. */
static struct bg_verp_window
win(long today)
{
	return (struct bg_verp_window){today, AGE, -1};
}

/* Parses a NUL-terminated VERP on DAY0. */
static enum bg_verp_status
parse(const struct bg_token_keys *k, const char *v, struct bg_addr *r)
{
	struct bg_verp_window w = win(DAY0);

	return bg_verp_parse(k, v, strlen(v), &w, r, NULL);
}

/* Checks a NUL-terminated VERP against a recipient on DAY0. */
static enum bg_verp_status
check(const struct bg_token_keys *k, const char *v, const char *rcpt)
{
	struct bg_verp_window w = win(DAY0);

	return bg_verp_check(k, v, strlen(v), rcpt, &w, NULL);
}

/* Makes the VERP of rcpt for TAG on day into v (BG_ADDR_MAX + 1 bytes); returns its length, or -1 when refused. */
static int
make(const struct bg_token_keys *k, const char *rcpt, long day, char *v)
{
	return bg_verp_make(k, rcpt, TAG, day, RP, v, BG_ADDR_MAX + 1) == BG_VERP_OK ? (int)strlen(v) : -1;
}

/* Returns a copy of s with ASCII letters upper-cased (upper) or lower-cased. */
static char *
recase(const char *s, int upper)
{
	char *c = strdup(s);

	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x80)
			*p = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	return c;
}

/* One row: make, shape, parse, check, and the same after case folding. */
static void
test_row(void **state)
{
	const struct verp_case *c = *state;
	const char *normal = c->normal ? c->normal : c->recipient;
	char v[BG_ADDR_MAX + 1], *up, *low;
	struct bg_addr r;
	int n = make(keys_a, c->recipient, DAY0, v);

	assert_true(n > 0);
	assert_int_equal(n, strlen(v));
	assert_true(strchr(v, '@') - v <= 64);
	assert_string_equal(v + n - strlen(RP) - 1, "@" RP);
	assert_memory_equal(v, "b2-auj2", 7);
	assert_memory_equal(v + 15, TAG, 4);
	assert_int_equal(v[19], c->form == NAMED ? '-' : '@');
	if (c->form == NAMED) {
		assert_int_equal(parse(keys_a, v, &r), BG_VERP_OK);
		assert_string_equal(r.text, normal);
	} else {
		assert_int_equal(parse(keys_a, v, &r), BG_VERP_UNNAMED);
		assert_int_equal(r.len, 0);
	}
	assert_int_equal(check(keys_a, v, c->recipient), BG_VERP_OK);
	assert_int_equal(check(keys_a, v, normal), BG_VERP_OK);
	assert_int_equal(check(keys_a, v, "someone.else@example.com"), BG_VERP_BAD_MAC);
	up = recase(v, 1);
	low = recase(v, 0);
	assert_int_equal(parse(keys_a, up, &r), c->form == NAMED ? BG_VERP_OK : BG_VERP_UNNAMED);
	if (c->form == NAMED)
		assert_int_equal(strcasecmp(r.text, normal), 0);
	assert_int_equal(parse(keys_a, low, &r), c->form == NAMED ? BG_VERP_OK : BG_VERP_UNNAMED);
	assert_int_equal(check(keys_a, up, normal), BG_VERP_OK);
	assert_int_equal(check(keys_a, low, normal), BG_VERP_OK);
	free(up);
	free(low);
}

/* The documented shape and day encoding; the MAC depends on recipient (not its case), tag and day. */
static void
test_shape(void **state)
{
	char v1[BG_ADDR_MAX + 1], v2[BG_ADDR_MAX + 1], v3[BG_ADDR_MAX + 1];
	struct bg_verp_window w = win(DAY0);
	struct bg_verp_info info;
	struct bg_addr r;

	assert_int_equal(make(keys_a, "alice@example.com", DAY0, v1), 56);
	assert_memory_equal(v1, "b2-auj2", 7);
	assert_string_equal(v1 + 15, "acme-alice=example.com@" RP);
	for (int i = 7; i < 15; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", v1[i]));
	assert_int_equal(bg_verp_parse(keys_a, v1, strlen(v1), &w, &r, &info), BG_VERP_OK);
	assert_int_equal(info.version, 2);
	assert_string_equal(info.tag, TAG);
	assert_int_equal(info.day, DAY0);
	make(keys_a, "ALICE@example.com", DAY0, v2);
	assert_memory_equal(v1, v2, 15); /* same MAC: case does not count */
	make(keys_a, "alice@example.org", DAY0, v3);
	assert_memory_not_equal(v1 + 7, v3 + 7, 8);
	make(keys_a, "alice@example.com", DAY0 - 1, v3);
	assert_memory_equal(v3, "b2-auj", 6);
	assert_memory_not_equal(v1 + 7, v3 + 7, 8); /* the day is under the MAC */
	bg_verp_make(keys_a, "alice@example.com", "beta", DAY0, RP, v3, sizeof(v3));
	assert_memory_not_equal(v1 + 7, v3 + 7, 8); /* so is the tag */
	bg_verp_make(keys_a, "Alice@Example.com", TAG, DAY0, "Bounce.ESP.example", v2, sizeof(v2));
	assert_string_equal(v2 + 15, "acme-Alice=example.com@bounce.esp.example");
	/* day 0 is "aaaa", the last day "7777" */
	bg_verp_make(keys_a, "a@b.example", "x", 0, RP, v2, sizeof(v2));
	assert_memory_equal(v2, "b2-aaaa", 7);
	bg_verp_make(keys_a, "a@b.example", "x", BG_VERP_DAY_MAX, RP, v2, sizeof(v2));
	assert_memory_equal(v2, "b2-7777", 7);
	assert_int_equal(bg_verp_day(DAY0 * 86400 + 86399), DAY0);
	assert_int_equal(bg_verp_day(-5), 0);
}

/* Changes character i of v to every other base32 character: each must fail as BAD_MAC. */
static void
each_other_char(const char *v, int i)
{
	char w[BG_ADDR_MAX + 1];
	struct bg_addr r;

	for (const char *c = "abcdefghijklmnopqrstuvwxyz234567"; *c; c++) {
		if (*c == v[i])
			continue;
		strcpy(w, v);
		w[i] = *c;
		if (parse(keys_a, w, &r) != BG_VERP_BAD_MAC || r.len != 0)
			fail_msg("%s accepted (character %d changed)", w, i);
	}
}

/* A changed MAC, recipient, tag or day fails; so does another key set. */
static void
test_forged(void **state)
{
	char v[BG_ADDR_MAX + 1], w[BG_ADDR_MAX + 1];
	struct bg_addr r;

	make(keys_a, "alice@example.com", DAY0, v);
	for (int i = 7; i < 15; i++) /* every MAC character, the last (14) included */
		each_other_char(v, i);
	strcpy(w, v);
	w[14] = w[14] == 'a' ? 'b' : 'a'; /* differs only in the last MAC character */
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	assert_int_equal(check(keys_a, w, "alice@example.com"), BG_VERP_BAD_MAC);
	for (int i = 3; i < 7; i++) /* a changed day is no older VERP: it is forged */
		each_other_char(v, i);
	snprintf(w, sizeof(w), "%.15sbeta%s", v, v + 19); /* the entity's tag changed */
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	snprintf(w, sizeof(w), "%.15sacm%s", v, v + 19); /* the tag shortened */
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	strcpy(w, v);
	w[20] = 'b'; /* alice -> blice */
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	snprintf(w, sizeof(w), "%.20smallory=example.com@%s", v, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	snprintf(w, sizeof(w), "%.20salice=example.org@%s", v, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	assert_int_equal(check(keys_a, v, "alice@example.org"), BG_VERP_BAD_MAC);
	assert_int_equal(parse(keys_old, v, &r), BG_VERP_BAD_MAC);
	/* a short form with the MAC of alice does not vouch for anybody else */
	snprintf(w, sizeof(w), "%.19s@%s", v, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_UNNAMED);
	assert_int_equal(check(keys_a, w, "alice@example.com"), BG_VERP_OK);
	assert_int_equal(check(keys_a, w, "bob@example.com"), BG_VERP_BAD_MAC);
	/* nor does one of another version */
	snprintf(w, sizeof(w), "b-%.8s-alice=example.com@%s", v + 7, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
}

/* A VERP made before rotation still verifies; the new one is made with the new key. */
static void
test_rotation(void **state)
{
	char v[BG_ADDR_MAX + 1], w[BG_ADDR_MAX + 1];
	struct bg_addr r;

	make(keys_a, "alice@example.com", DAY0, v);
	assert_int_equal(parse(keys_b, v, &r), BG_VERP_OK);
	assert_string_equal(r.text, "alice@example.com");
	make(keys_b, "alice@example.com", DAY0, w);
	assert_string_not_equal(v, w);
	assert_int_equal(parse(keys_old, w, &r), BG_VERP_OK);
	assert_int_equal(parse(keys_old, v, &r), BG_VERP_BAD_MAC);
}

/* Parses v (named form) and checks it against rcpt (short or named) on day today. */
static enum bg_verp_status
on_day(const char *v, const char *rcpt, long today, long max_age, long v1_last)
{
	struct bg_verp_window w = {today, max_age, v1_last};
	struct bg_verp_info info;
	struct bg_addr r;
	enum bg_verp_status p = bg_verp_parse(keys_a, v, strlen(v), &w, &r, &info);
	enum bg_verp_status c = bg_verp_check(keys_a, v, strlen(v), rcpt, &w, NULL);

	if (p != BG_VERP_UNNAMED && p != c)
		fail_msg("parse %d and check %d differ for %s", p, c, v);
	if (p == BG_VERP_EXPIRED && (r.len != 0 || info.version == 0))
		fail_msg("an expired VERP leaves a recipient or no version");
	return c;
}

/* The window: max_age days after the issue day, not the day after; one day ahead is allowed, two are not. */
static void
test_expiry(void **state)
{
	char v[BG_ADDR_MAX + 1], s[BG_ADDR_MAX + 1], f[BG_ADDR_MAX + 1];
	struct bg_verp_window w;

	make(keys_a, "alice@example.com", DAY0, v);
	make(keys_a, "\"a b\"@example.com", DAY0, s);
	assert_int_equal(on_day(v, "alice@example.com", DAY0, AGE, -1), BG_VERP_OK);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + AGE, AGE, -1), BG_VERP_OK);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + AGE + 1, AGE, -1), BG_VERP_EXPIRED);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + 400, AGE, -1), BG_VERP_EXPIRED);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + 1, 1, -1), BG_VERP_OK);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + 2, 1, -1), BG_VERP_EXPIRED);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 - 1, AGE, -1), BG_VERP_OK);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 - 2, AGE, -1), BG_VERP_EXPIRED);
	assert_int_equal(on_day(s, "\"a b\"@example.com", DAY0 + AGE, AGE, -1), BG_VERP_OK);
	assert_int_equal(on_day(s, "\"a b\"@example.com", DAY0 + AGE + 1, AGE, -1), BG_VERP_EXPIRED);
	/* a forged VERP is forged, not expired */
	strcpy(f, v);
	f[14] = f[14] == 'a' ? 'b' : 'a';
	assert_int_equal(on_day(f, "alice@example.com", DAY0 + 400, AGE, -1), BG_VERP_BAD_MAC);
	assert_int_equal(on_day(s, "bob@example.com", DAY0 + 400, AGE, -1), BG_VERP_BAD_MAC);
	/* the window from the configuration's units */
	bg_verp_window_set(&w, (time_t)DAY0 * 86400 + 5, 30 * 86400 + 3600, 0);
	assert_int_equal(w.today, DAY0);
	assert_int_equal(w.max_age, 30);
	assert_int_equal(w.v1_last_day, -1);
	bg_verp_window_set(&w, (time_t)DAY0 * 86400, 10 * 86400, (time_t)(DAY0 - 3) * 86400);
	assert_int_equal(w.v1_last_day, DAY0 + 7);
}

/* Writes the version 1 VERP of rcpt (lower case, named form) as the milter made it before the upgrade. */
static void
make_v1(const char *rcpt, char *out, size_t len)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char key[32], h[crypto_auth_hmacsha512256_BYTES];
	char mac[9], local[80];
	uint64_t v = 0;
	const char *at = strchr(rcpt, '@');

	assert_int_equal(bg_token_keys_derive(keys_a, 0, "bgverp01", 1, key, sizeof(key)), 0);
	crypto_auth_hmacsha512256(h, (const unsigned char *)rcpt, strlen(rcpt), key);
	for (int i = 0; i < 5; i++)
		v = v << 8 | h[i];
	for (int i = 0; i < 8; i++)
		mac[i] = b32[(v >> (35 - 5 * i)) & 31];
	mac[8] = '\0';
	snprintf(local, sizeof(local), "%.*s", (int)(at - rcpt), rcpt);
	snprintf(out, len, "b-%s-%s=%s@%s", mac, local, at + 1, RP);
}

/* Version 1 VERPs: honoured until v1_last_day (the upgrade plus max_age), never when it is -1. */
static void
test_v1_window(void **state)
{
	char v[BG_ADDR_MAX + 1], s[BG_ADDR_MAX + 1], f[BG_ADDR_MAX + 1];
	struct bg_verp_window w = {DAY0, AGE, DAY0 + 5};
	struct bg_verp_info info;
	struct bg_addr r;

	make_v1("alice@example.com", v, sizeof(v));
	assert_int_equal(bg_verp_parse(keys_a, v, strlen(v), &w, &r, &info), BG_VERP_OK);
	assert_string_equal(r.text, "alice@example.com");
	assert_int_equal(info.version, 1);
	assert_string_equal(info.tag, "");
	assert_int_equal(info.day, -1);
	assert_int_equal(on_day(v, "alice@example.com", DAY0 + 5, AGE, DAY0 + 5), BG_VERP_OK);
	assert_int_equal(on_day(v, "Alice@example.com", DAY0 + 6, AGE, DAY0 + 5), BG_VERP_EXPIRED);
	assert_int_equal(on_day(v, "alice@example.com", DAY0, AGE, -1), BG_VERP_EXPIRED);
	snprintf(s, sizeof(s), "%.10s@%s", v, RP); /* the short form */
	assert_int_equal(on_day(s, "alice@example.com", DAY0, AGE, DAY0), BG_VERP_OK);
	assert_int_equal(on_day(s, "bob@example.com", DAY0, AGE, DAY0), BG_VERP_BAD_MAC);
	strcpy(f, v);
	f[9] = f[9] == 'a' ? 'b' : 'a'; /* the last character of a version 1 MAC */
	assert_int_equal(on_day(f, "alice@example.com", DAY0, AGE, DAY0), BG_VERP_BAD_MAC);
	/* case folded by an MTA */
	for (char *p = v; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	assert_int_equal(on_day(v, "alice@example.com", DAY0, AGE, DAY0), BG_VERP_OK);
}

/* Tags: what is valid, the default is 4 base32 characters, stable, and differs between names. */
static void
test_tags(void **state)
{
	static const char *good[] = {"a", "acme", "x1", "12345678", "abcdefgh"};
	static const char *bad[] = {"", "ACME", "a-b", "abcdefghi", "a b", "caf\xc3\xa9", "a.b", "a=b"};
	char t1[BG_VERP_TAG_MAX + 1], t2[BG_VERP_TAG_MAX + 1], v[BG_ADDR_MAX + 1];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(bg_verp_tag_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bg_verp_tag_valid(bad[i]))
			fail_msg("tag \"%s\" taken", bad[i]);
		assert_int_equal(bg_verp_make(keys_a, "a@example.com", bad[i], DAY0, RP, v, sizeof(v)),
		                 BG_VERP_REFUSED);
	}
	bg_verp_tag_default("acme", t1);
	bg_verp_tag_default("acme", t2);
	assert_string_equal(t1, t2);
	assert_int_equal(strlen(t1), 4);
	assert_true(bg_verp_tag_valid(t1));
	bg_verp_tag_default("beta", t2);
	assert_string_not_equal(t1, t2);
	/* an 8-character tag: the tag ends at the '-' or '@' */
	assert_true(bg_verp_make(keys_a, "a@example.com", "12345678", DAY0, RP, v, sizeof(v)) == BG_VERP_OK);
	assert_string_equal(v + 15, "12345678-a=example.com@" RP);
	assert_int_equal(check(keys_a, v, "a@example.com"), BG_VERP_OK);
}

/* Addresses that are no VERP, and VERPs whose recipient part is broken. */
static void
test_not_verp(void **state)
{
	static const char *not_verp[] = {
	    "",
	    "<>",
	    "alice@example.com",
	    "b-team@example.com",
	    "b2-team@example.com",
	    "b-abcdefgh",
	    "b-abcdefgh@",
	    "b-abcdefg1-x=y.z@" RP,
	    "b-abcdefgh+x=y.z@" RP,
	    "b-abcdefghi@" RP,
	    "b_abcdefgh-x=y.z@" RP,
	    "bx-abcdefgh-x=y.z@" RP,
	    "b3-aaaaabcdefghacme@" RP,
	    "b2-aaaa1bcdefghacme@" RP,      /* '1' is no base32 */
	    "b2-aaaaabcdefgh@" RP,          /* no tag */
	    "b2-aaaaabcdefgh-x=y.z@" RP,    /* no tag */
	    "b2-aaaaabcdefgh123456789@" RP, /* tag of 9 */
	    "b2-aaaaabcdefghac_me@" RP,     /* tag with '_' */
	    "b2-aaaaabcdefghacme+x=y.z@" RP,
	    "\"b-abcdefgh-x y=z\"@" RP,
	    "\"b2-aaaaabcdefghacme-x y=z\"@" RP,
	    "b-abcdefgh-x=y\x01@" RP,
	    "b-abc\0defgh@" RP,
	    "b-abcdefgh-" R64("x") "=y.z@" RP,
	};
	static const char *malformed[] = {
	    "b2-aaaaabcdefghacme-@" RP,
	    "b2-aaaaabcdefghacme-noequals@" RP,
	    "b2-aaaaabcdefghacme-=example.com@" RP,
	    "b2-aaaaabcdefghacme-x=@" RP,
	    "b2-aaaaabcdefghacme-x=bad_domain.com@" RP,
	    "b-abcdefgh-x=-a.com@" RP,
	};
	struct bg_verp_window w = win(DAY0);
	struct bg_verp_info info;
	struct bg_addr r;

	for (size_t i = 0; i < sizeof(not_verp) / sizeof(not_verp[0]); i++)
		if (parse(keys_a, not_verp[i], &r) != BG_VERP_NOT_VERP || r.len != 0)
			fail_msg("\"%s\" taken for a VERP", not_verp[i]);
	assert_int_equal(bg_verp_parse(keys_a, "b-abc\0defgh@x", 13, &w, &r, &info), BG_VERP_NOT_VERP);
	assert_int_equal(info.version, 0);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (parse(keys_a, malformed[i], &r) != BG_VERP_MALFORMED)
			fail_msg("\"%s\" not malformed", malformed[i]);
		assert_int_equal(check(keys_a, malformed[i], "x@example.com"), BG_VERP_MALFORMED);
	}
	assert_int_equal(check(keys_a, "alice@example.com", "alice@example.com"), BG_VERP_NOT_VERP);
	assert_int_equal(check(keys_a, "b2-aaaaabcdefghacme@" RP, "not an address"), BG_VERP_MALFORMED);
	assert_int_equal(parse(keys_a, "<b2-aaaaabcdefghacme@" RP ">", &r), BG_VERP_UNNAMED);
	assert_int_equal(parse(keys_a, "<b-abcdefgh@" RP ">", &r), BG_VERP_UNNAMED);
}

/* bg_verp_make refuses bad recipients, tags, days and domains, overlong results and small buffers. */
static void
test_make_refuses(void **state)
{
	char v[BG_ADDR_MAX + 1];
	char longdom[] = D61 "dd." D61 "dd." D61 "dd."
	                     "example";
	char dom234[] = D61 "dd." D61 "dd." D61 "dd." R16("d") R16("d") "dddddddddd";
	char dom235[] = D61 "dd." D61 "dd." D61 "dd." R16("d") R16("d") "ddddddddddd";

	assert_int_equal(make(keys_a, "not an address", DAY0, v), -1);
	assert_int_equal(make(keys_a, "a@b@c", DAY0, v), -1);
	assert_int_equal(make(keys_a, "", DAY0, v), -1);
	assert_int_equal(make(keys_a, "a@example.com", -1, v), -1);
	assert_int_equal(make(keys_a, "a@example.com", BG_VERP_DAY_MAX + 1, v), -1);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", TAG, DAY0, "", v, sizeof(v)), BG_VERP_REFUSED);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", TAG, DAY0, "bad domain", v, sizeof(v)), BG_VERP_REFUSED);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", TAG, DAY0, "x@y", v, sizeof(v)), BG_VERP_REFUSED);
	/* "b2-" + 16 + "-a=example.com@" + 199 octets of domain: within 254 */
	assert_int_equal(strlen(longdom), 199);
	assert_true(bg_verp_make(keys_a, "a@example.com", TAG, DAY0, longdom, v, sizeof(v)) == BG_VERP_OK);
	assert_true(bg_verp_make(keys_a, A254, TAG, DAY0, longdom, v, sizeof(v)) == BG_VERP_OK); /* short form */
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", TAG, DAY0,
	                              R64("x") "." R64("y") "." R64("z") "." R64("w"), v, sizeof(v)),
	                 BG_VERP_REFUSED);
	/* named form over 254 octets: the short form instead (19 + "@" + 234 = 254), while that fits */
	assert_int_equal(strlen(dom234), 234);
	assert_int_equal(bg_verp_make(keys_a, "a@b.c", TAG, DAY0, dom234, v, sizeof(v)), BG_VERP_OK);
	assert_int_equal(strlen(v), 254);
	assert_int_equal(v[19], '@');
	assert_int_equal(bg_verp_make(keys_a, "a@b.c", TAG, DAY0, dom235, v, sizeof(v)), BG_VERP_REFUSED);
	assert_int_equal(make(keys_a, "alice@example.com", DAY0, v), 56);
	assert_int_equal(bg_verp_make(keys_a, "alice@example.com", TAG, DAY0, RP, v, 56), BG_VERP_NO_ROOM);
	assert_int_equal(bg_verp_make(keys_a, "alice@example.com", TAG, DAY0, RP, v, 57), BG_VERP_OK);
	assert_int_equal(strlen(v), 56);
}

/* Every status has its own text and its own name. */
static void
test_strerror(void **state)
{
	for (int i = BG_VERP_OK; i <= BG_VERP_NO_ROOM; i++) {
		assert_true(strlen(bg_verp_strerror(i)) > 0);
		assert_null(strchr(bg_verp_status_name(i), ' '));
		for (int j = BG_VERP_OK; j < i; j++) {
			assert_string_not_equal(bg_verp_strerror(i), bg_verp_strerror(j));
			assert_string_not_equal(bg_verp_status_name(i), bg_verp_status_name(j));
		}
	}
	assert_non_null(bg_verp_strerror((enum bg_verp_status)99));
	assert_non_null(bg_verp_status_name((enum bg_verp_status)99));
}

/*
 * Reply addresses: made and read like a VERP under their own prefix and KDF
 * context, so neither passes for the other; forged, altered, expired and
 * another entity's tag fail; the short form is checked against a candidate.
 */
static void
test_reply(void **state)
{
	struct bg_verp_window w = win(DAY0), late = win(DAY0 + AGE + 1);
	struct bg_verp_info info;
	struct bg_addr r;
	char a[BG_ADDR_MAX + 1], v[BG_ADDR_MAX + 1], *c;
	const char *long_rcpt = "l12345678901234567890@d123456789012345678.com";

	assert_true(bg_verp_reply_make(keys_a, "Alice@Example.com", TAG, DAY0, "reply.esp.example", a, sizeof(a)) ==
	            BG_VERP_OK);
	assert_string_equal(a + 15, "acme-Alice=example.com@reply.esp.example");
	assert_memory_equal(a, "r2-auj2", 7);
	assert_int_equal(bg_verp_reply_parse(keys_a, a, strlen(a), &w, &r, &info), BG_VERP_OK);
	assert_string_equal(r.text, "Alice@example.com");
	assert_string_equal(info.tag, TAG);
	c = recase(a, 1); /* an MTA that upper-cases local parts */
	assert_int_equal(bg_verp_reply_parse(keys_a, c, strlen(c), &w, &r, NULL), BG_VERP_OK);
	free(c);
	assert_int_equal(bg_verp_reply_parse(keys_b, a, strlen(a), &w, &r, NULL), BG_VERP_OK); /* key 1 still opens */
	assert_int_equal(bg_verp_reply_parse(keys_old, a, strlen(a), &w, &r, NULL), BG_VERP_BAD_MAC);
	assert_int_equal(bg_verp_reply_parse(keys_a, a, strlen(a), &late, &r, NULL), BG_VERP_EXPIRED);
	/* a reply address is no VERP, a VERP no reply address, even with the prefix swapped */
	assert_int_equal(parse(keys_a, a, &r), BG_VERP_NOT_VERP);
	a[0] = 'b';
	assert_int_equal(parse(keys_a, a, &r), BG_VERP_BAD_MAC);
	a[0] = 'r';
	assert_true(make(keys_a, "alice@example.com", DAY0, v) > 0);
	assert_int_equal(bg_verp_reply_parse(keys_a, v, strlen(v), &w, &r, NULL), BG_VERP_NOT_VERP);
	v[0] = 'r';
	assert_int_equal(bg_verp_reply_parse(keys_a, v, strlen(v), &w, &r, NULL), BG_VERP_BAD_MAC);
	/* every MAC character, the recipient, the tag (another entity's) and the day */
	for (size_t i = 7; i < 15; i++) {
		char save = a[i];

		a[i] = a[i] == 'a' ? 'b' : 'a';
		assert_int_equal(bg_verp_reply_parse(keys_a, a, strlen(a), &w, &r, NULL), BG_VERP_BAD_MAC);
		a[i] = save;
	}
	c = strdup(a);
	memcpy(c + 15, "acmf", 4);
	assert_int_equal(bg_verp_reply_parse(keys_a, c, strlen(c), &w, &r, NULL), BG_VERP_BAD_MAC);
	memcpy(c + 15, "acme-Alicf", 10);
	assert_int_equal(bg_verp_reply_parse(keys_a, c, strlen(c), &w, &r, NULL), BG_VERP_BAD_MAC);
	memcpy(c + 15, "acme-Alice", 10);
	c[6] = c[6] == '2' ? '3' : '2';
	assert_int_equal(bg_verp_reply_parse(keys_a, c, strlen(c), &w, &r, NULL), BG_VERP_BAD_MAC);
	free(c);
	/* the short form names nobody: a candidate is checked */
	assert_true(bg_verp_reply_make(keys_a, long_rcpt, TAG, DAY0, "reply.esp.example", a, sizeof(a)) == BG_VERP_OK);
	assert_int_equal(bg_verp_reply_parse(keys_a, a, strlen(a), &w, &r, NULL), BG_VERP_UNNAMED);
	assert_int_equal(bg_verp_reply_check(keys_a, a, strlen(a), long_rcpt, &w, NULL), BG_VERP_OK);
	assert_int_equal(bg_verp_reply_check(keys_a, a, strlen(a), "mallory@example.com", &w, NULL), BG_VERP_BAD_MAC);
	assert_int_equal(bg_verp_check(keys_a, a, strlen(a), long_rcpt, &w, NULL), BG_VERP_NOT_VERP);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NCASES][96];
	static struct CMUnitTest tests[NCASES + 10];
	const struct CMUnitTest misc[] = {
	    cmocka_unit_test(test_shape),    cmocka_unit_test(test_forged),       cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_expiry),   cmocka_unit_test(test_v1_window),    cmocka_unit_test(test_tags),
	    cmocka_unit_test(test_not_verp), cmocka_unit_test(test_make_refuses), cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_reply),
	};
	const size_t nmisc = sizeof(misc) / sizeof(misc[0]);

	for (size_t i = 0; i < NCASES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s %.60s", cases[i].form == NAMED ? "named" : "short",
		         cases[i].recipient);
		for (char *p = names[i]; *p; p++) /* '#' starts a TAP directive */
			if (*p == '#' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		tests[i] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	for (size_t i = 0; i < nmisc; i++)
		tests[NCASES + i] = misc[i];
	return _cmocka_run_group_tests("bg_verp", tests, NCASES + nmisc, setup, teardown);
}
