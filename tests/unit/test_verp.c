/*
 * test_verp.c - unit tests for VERP return paths (bg_verp).
 *
 * A table of recipients, each made into a VERP and read back: the named form
 * where it fits (tricky local parts with '=', '-', '+' and dots round-trip),
 * the short form where it does not (quoted, UTF-8, source-route characters,
 * address literals, too long), both still good after an MTA changed their
 * case. Then forgeries: a changed MAC or recipient, another key set, and
 * addresses that are no VERP at all.
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

#include "bg_verp.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
#define RP    "bounce.esp.example"

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
	/* 11 + 53 = 64 octets: the longest named form */
	{"l12345678901234567890123456789@d12345678901234567.com", NULL, NAMED},
	/* one more: short form */
	{"l123456789012345678901234567890@d12345678901234567.com", NULL, SHORT},
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

/* Parses a NUL-terminated VERP. */
static enum bg_verp_status
parse(const struct bg_token_keys *k, const char *v, struct bg_addr *r)
{
	return bg_verp_parse(k, v, strlen(v), r);
}

/* Checks a NUL-terminated VERP against a recipient. */
static enum bg_verp_status
check(const struct bg_token_keys *k, const char *v, const char *rcpt)
{
	return bg_verp_check(k, v, strlen(v), rcpt);
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
	int n = bg_verp_make(keys_a, c->recipient, RP, v, sizeof(v));

	assert_true(n > 0);
	assert_int_equal(n, strlen(v));
	assert_true(strchr(v, '@') - v <= 64);
	assert_string_equal(v + n - strlen(RP) - 1, "@" RP);
	assert_memory_equal(v, "b-", 2);
	assert_int_equal(v[10], c->form == NAMED ? '-' : '@');
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

/* The example in the header has the documented shape, and the MAC depends on the recipient only. */
static void
test_shape(void **state)
{
	char v1[BG_ADDR_MAX + 1], v2[BG_ADDR_MAX + 1], v3[BG_ADDR_MAX + 1];

	assert_int_equal(bg_verp_make(keys_a, "alice@example.com", RP, v1, sizeof(v1)), 47);
	assert_string_equal(v1 + 10, "-alice=example.com@" RP);
	for (int i = 2; i < 10; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", v1[i]));
	bg_verp_make(keys_a, "ALICE@example.com", "other.example", v2, sizeof(v2));
	assert_memory_equal(v1, v2, 10); /* same MAC: case does not count */
	bg_verp_make(keys_a, "alice@example.org", RP, v3, sizeof(v3));
	assert_memory_not_equal(v1, v3, 10);
	bg_verp_make(keys_a, "Alice@Example.com", "Bounce.ESP.example", v2, sizeof(v2));
	assert_string_equal(v2 + 10, "-Alice=example.com@bounce.esp.example");
}

/* A changed MAC character or a changed recipient fails; so does another key set. */
static void
test_forged(void **state)
{
	char v[BG_ADDR_MAX + 1], w[BG_ADDR_MAX + 1];
	struct bg_addr r;

	bg_verp_make(keys_a, "alice@example.com", RP, v, sizeof(v));
	for (int i = 2; i < 10; i++) {
		for (const char *c = "abcdefghijklmnopqrstuvwxyz234567"; *c; c++) {
			if (*c == v[i])
				continue;
			strcpy(w, v);
			w[i] = *c;
			assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
			assert_int_equal(r.len, 0);
		}
	}
	strcpy(w, v);
	w[11] = 'b'; /* alice -> blice */
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	snprintf(w, sizeof(w), "%.11smallory=example.com@%s", v, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	snprintf(w, sizeof(w), "%.11salice=example.org@%s", v, RP);
	assert_int_equal(parse(keys_a, w, &r), BG_VERP_BAD_MAC);
	assert_int_equal(check(keys_a, v, "alice@example.org"), BG_VERP_BAD_MAC);
	assert_int_equal(parse(keys_old, v, &r), BG_VERP_BAD_MAC);
	/* a short form with the MAC of alice does not vouch for anybody else */
	snprintf(w, sizeof(w), "%.10s@%s", v, RP);
	assert_int_equal(check(keys_a, w, "alice@example.com"), BG_VERP_OK);
	assert_int_equal(check(keys_a, w, "bob@example.com"), BG_VERP_BAD_MAC);
}

/* A VERP made before rotation still verifies; the new one is made with the new key. */
static void
test_rotation(void **state)
{
	char v[BG_ADDR_MAX + 1], w[BG_ADDR_MAX + 1];
	struct bg_addr r;

	bg_verp_make(keys_a, "alice@example.com", RP, v, sizeof(v));
	assert_int_equal(parse(keys_b, v, &r), BG_VERP_OK);
	assert_string_equal(r.text, "alice@example.com");
	bg_verp_make(keys_b, "alice@example.com", RP, w, sizeof(w));
	assert_string_not_equal(v, w);
	assert_int_equal(parse(keys_old, w, &r), BG_VERP_OK);
	assert_int_equal(parse(keys_old, v, &r), BG_VERP_BAD_MAC);
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
	    "b-abcdefgh",
	    "b-abcdefgh@",
	    "b-abcdefg1-x=y.z@" RP,
	    "b-abcdefgh+x=y.z@" RP,
	    "b-abcdefghi@" RP,
	    "b_abcdefgh-x=y.z@" RP,
	    "bx-abcdefgh-x=y.z@" RP,
	    "\"b-abcdefgh-x y=z\"@" RP,
	    "b-abcdefgh-x=y\x01@" RP,
	    "b-abc\0defgh@" RP,
	    "b-abcdefgh-" R64("x") "=y.z@" RP,
	};
	static const char *malformed[] = {
	    "b-abcdefgh-@" RP,   "b-abcdefgh-noequals@" RP,         "b-abcdefgh-=example.com@" RP,
	    "b-abcdefgh-x=@" RP, "b-abcdefgh-x=bad_domain.com@" RP, "b-abcdefgh-x=-a.com@" RP,
	};
	struct bg_addr r;

	for (size_t i = 0; i < sizeof(not_verp) / sizeof(not_verp[0]); i++)
		if (parse(keys_a, not_verp[i], &r) != BG_VERP_NOT_VERP || r.len != 0)
			fail_msg("\"%s\" taken for a VERP", not_verp[i]);
	assert_int_equal(bg_verp_parse(keys_a, "b-abc\0defgh@x", 13, &r), BG_VERP_NOT_VERP);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(parse(keys_a, malformed[i], &r), BG_VERP_MALFORMED);
		assert_int_equal(check(keys_a, malformed[i], "x@example.com"), BG_VERP_MALFORMED);
	}
	assert_int_equal(check(keys_a, "alice@example.com", "alice@example.com"), BG_VERP_NOT_VERP);
	assert_int_equal(check(keys_a, "b-abcdefgh@" RP, "not an address"), BG_VERP_MALFORMED);
	assert_int_equal(parse(keys_a, "<b-abcdefgh@" RP ">", &r), BG_VERP_UNNAMED);
}

/* bg_verp_make refuses bad recipients and domains, overlong results and small buffers. */
static void
test_make_refuses(void **state)
{
	char v[BG_ADDR_MAX + 1];
	char longdom[] = D61 "dd." D61 "dd." D61 "dd."
	                     "example";
	char dom240[] = D61 "dd." D61 "dd." D61 "dd." R16("d") R16("d") R16("d");
	char dom244[] = D61 "dd." D61 "dd." D61 "dd." R16("d") R16("d") R16("d") "dddd";

	assert_int_equal(bg_verp_make(keys_a, "not an address", RP, v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bg_verp_make(keys_a, "a@b@c", RP, v, sizeof(v)), -1);
	assert_int_equal(bg_verp_make(keys_a, "", RP, v, sizeof(v)), -1);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", "", v, sizeof(v)), -1);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", "bad domain", v, sizeof(v)), -1);
	assert_int_equal(bg_verp_make(keys_a, "a@example.com", "x@y", v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	/* "b-12345678-a=example.com@" + 236 octets of domain: over 254 */
	assert_int_equal(strlen(longdom), 199);
	assert_true(bg_verp_make(keys_a, "a@example.com", longdom, v, sizeof(v)) > 0);
	assert_true(bg_verp_make(keys_a, A254, longdom, v, sizeof(v)) > 0); /* short form */
	assert_int_equal(
	    bg_verp_make(keys_a, "a@example.com", R64("x") "." R64("y") "." R64("z") "." R64("w"), v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	/* named form over 254 octets: the short form instead, while that fits */
	assert_int_equal(bg_verp_make(keys_a, "a@b.c", dom240, v, sizeof(v)), 11 + 240);
	assert_int_equal(v[10], '@');
	assert_int_equal(bg_verp_make(keys_a, "a@b.c", dom244, v, sizeof(v)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bg_verp_make(keys_a, "alice@example.com", RP, v, 47), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(bg_verp_make(keys_a, "alice@example.com", RP, v, 48), 47);
}

/* Every status has its own text. */
static void
test_strerror(void **state)
{
	for (int i = BG_VERP_OK; i <= BG_VERP_BAD_MAC; i++) {
		assert_true(strlen(bg_verp_strerror(i)) > 0);
		for (int j = BG_VERP_OK; j < i; j++)
			assert_string_not_equal(bg_verp_strerror(i), bg_verp_strerror(j));
	}
	assert_non_null(bg_verp_strerror((enum bg_verp_status)99));
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NCASES][96];
	static struct CMUnitTest tests[NCASES + 6];
	const struct CMUnitTest misc[] = {
	    cmocka_unit_test(test_shape),    cmocka_unit_test(test_forged),       cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_not_verp), cmocka_unit_test(test_make_refuses), cmocka_unit_test(test_strerror),
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
