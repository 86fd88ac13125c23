/*
 * test_addr.c - table-driven unit tests for the address normaliser (bg_addr).
 *
 * Each row of the table is one cmocka test named after its input. Every row
 * is fed from a heap copy of exactly len bytes, so AddressSanitizer or
 * valgrind catches any read past len, and every accepted address is checked
 * to normalise to itself again.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_addr.h"

#define KEEP BG_ADDR_KEEP_CASE
#define NUL0 BG_ADDR_ALLOW_NULL

/* Repetition, for inputs at and just past the limits. */
#define R2(s) s s
#define R4(s) R2(R2(s))
#define R8(s) R2(R4(s))
#define R16(s) R2(R8(s))
#define R32(s) R2(R16(s))
#define R60(s) R32(s) R16(s) R8(s) R4(s)
#define R63(s) R60(s) s s s
#define L64 R32("l") R32("l")
#define D63 R63("d")
#define D189 D63 "." D63 "." R60("d") "d"       /* 189 octets */
#define D190 D63 "." D63 "." R60("d") "dd"      /* 190 octets */
#define D252 D63 "." D63 "." D63 "." R60("d")   /* 252 octets */
#define D253 D63 "." D63 "." D63 "." R60("d") "d"

struct addr_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	unsigned flags;
	enum bg_addr_status status;
	const char *out; /* expected text when OK or NULL */
};

static const struct addr_case cases[] = {
	/* plain addresses and case folding */
	{"user@example.com", 0, 0, BG_ADDR_OK, "user@example.com"},
	{"User@Example.COM", 0, 0, BG_ADDR_OK, "user@example.com"},
	{"User@Example.COM", 0, KEEP, BG_ADDR_OK, "User@example.com"},
	{"<User@Example.COM>", 0, KEEP | NUL0, BG_ADDR_OK, "User@example.com"},
	{"first.last+tag@example.com", 0, 0, BG_ADDR_OK, "first.last+tag@example.com"},
	{"!#$%&'*+-/=?^_`{|}~@example.com", 0, 0, BG_ADDR_OK, "!#$%&'*+-/=?^_`{|}~@example.com"},
	{"\xc3\x84LICE@example.com", 0, 0, BG_ADDR_OK, "\xc3\x84lice@example.com"},
	{"\xf0\x9f\x98\x80@example.com", 0, 0, BG_ADDR_OK, "\xf0\x9f\x98\x80@example.com"},
	{"user@localhost", 0, 0, BG_ADDR_OK, "user@localhost"},
	{"user@ab--cd.example", 0, 0, BG_ADDR_OK, "user@ab--cd.example"},
	/* white space */
	{"  <alice@example.com>  ", 0, 0, BG_ADDR_OK, "alice@example.com"},
	{"\t alice@example.com \t", 0, 0, BG_ADDR_OK, "alice@example.com"},
	{"< alice@example.com >", 0, 0, BG_ADDR_OK, "alice@example.com"},
	{"us er@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"user @example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"user@ example.com", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	/* IDNA */
	{"user@B\xc3\xbc" "cher.example", 0, 0, BG_ADDR_OK, "user@xn--bcher-kva.example"},
	{"user@B\xc3\x9c" "CHER.EXAMPLE", 0, 0, BG_ADDR_OK, "user@xn--bcher-kva.example"},
	{"\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a", 0, 0, BG_ADDR_OK,
	 "\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v"},
	{"user@\xe4\xbe\x8b\xe5\xad\x90\xe3\x80\x82\xe5\xb9\xbf\xe5\x91\x8a", 0, 0, BG_ADDR_OK,
	 "user@xn--fsqu00a.xn--4rr70v"},
	{"user@fa\xc3\x9f.de", 0, 0, BG_ADDR_OK, "user@xn--fa-hia.de"},
	{"user@\xef\xbc\xa5\xef\xbc\xb8.com", 0, 0, BG_ADDR_OK, "user@ex.com"},
	{"user@xn--bcher-kva.example", 0, 0, BG_ADDR_OK, "user@xn--bcher-kva.example"},
	{"user@XN--BCHER-KVA.Example", 0, 0, BG_ADDR_OK, "user@xn--bcher-kva.example"},
	{"user@xn--abc.example", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@\xf0\x9f\x92\xa9.la", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	/* domain syntax */
	{"user@example.com.", 0, 0, BG_ADDR_OK, "user@example.com"},
	{"user@example.com..", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@.", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@example..com", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@.example.com", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@-lead.example", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@trail-.example", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@under_score.example", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@exa\"m\"ple.com", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@exa\"mple.com", 0, 0, BG_ADDR_SYNTAX, NULL}, /* unterminated quote */
	/* address literals */
	{"user@[192.0.2.1]", 0, 0, BG_ADDR_OK, "user@[192.0.2.1]"},
	{"user@[IPv6:2001:DB8::1]", 0, 0, BG_ADDR_OK, "user@[ipv6:2001:db8::1]"},
	{"user@[IPv6:2001:db8:0:0:0:0:0:1]", 0, 0, BG_ADDR_OK, "user@[ipv6:2001:db8::1]"},
	{"user@[IPv6:::ffff:192.0.2.1]", 0, 0, BG_ADDR_OK, "user@[ipv6:::ffff:192.0.2.1]"},
	{"user@[IPv6:FFFF:ffff:ffff:ffff:ffff:ffff:255.255.255.255]", 0, 0, BG_ADDR_OK,
	 "user@[ipv6:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"},
	{"user@[IPv6:0000:0000:0000:0000:0000:ffff:255.255.255.255]", 0, 0, BG_ADDR_OK,
	 "user@[ipv6:::ffff:255.255.255.255]"},
	{"user@[IPv6:0000:0000:0000:0000:0000:ffff:255.255.255.255:]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[192.0.2.256]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[192.0.2.01]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[2001:db8::1]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[IPv6:192.0.2.1]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[192.0.2.1", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[192.0.2.1].", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"user@[tag:content]", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	/* quoted local parts */
	{"\"john\"@example.com", 0, 0, BG_ADDR_OK, "john@example.com"},
	{"\"John.Doe\"@example.com", 0, 0, BG_ADDR_OK, "john.doe@example.com"},
	{"\"j\\o\\hn\"@example.com", 0, 0, BG_ADDR_OK, "john@example.com"},
	{"\"Jos\xc3\xa9\"@example.com", 0, 0, BG_ADDR_OK, "jos\xc3\xa9@example.com"},
	{"\"john doe\"@example.com", 0, 0, BG_ADDR_OK, "\"john doe\"@example.com"},
	{"\"John Doe\"@example.com", 0, KEEP, BG_ADDR_OK, "\"John Doe\"@example.com"},
	{"\"a\\\"b\"@example.com", 0, 0, BG_ADDR_OK, "\"a\\\"b\"@example.com"},
	{"\"a\\\\b\"@example.com", 0, 0, BG_ADDR_OK, "\"a\\\\b\"@example.com"},
	{"\"a\\ b\"@example.com", 0, 0, BG_ADDR_OK, "\"a b\"@example.com"},
	{"\"a@b\"@example.com", 0, 0, BG_ADDR_OK, "\"a@b\"@example.com"},
	{"\"a..b\"@example.com", 0, 0, BG_ADDR_OK, "\"a..b\"@example.com"},
	{"\".a\"@example.com", 0, 0, BG_ADDR_OK, "\".a\"@example.com"},
	{"\"\"@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"\"abc@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"\"a\\\"@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"a\"b\"c@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"\"a\"b@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"\"a\\\xc3\xa9\"@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	/* dot-atom local parts */
	{".user@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"user.@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"us..er@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"a@b@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"user(comment)@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"us\\er@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"@example.com", 0, 0, BG_ADDR_SYNTAX, NULL},
	/* source routes */
	{"<@a.example,@b.example:user@c.example>", 0, 0, BG_ADDR_OK, "user@c.example"},
	{"<@a.example:User@C.example>", 0, 0, BG_ADDR_OK, "user@c.example"},
	{"@a.example:user@c.example", 0, 0, BG_ADDR_OK, "user@c.example"},
	{"<@[192.0.2.1],@[IPv6:::1]:user@c.example>", 0, 0, BG_ADDR_OK, "user@c.example"},
	{"<@a.example,user@c.example>", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"<@:user@c.example>", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"<@a.example>", 0, 0, BG_ADDR_SYNTAX, NULL},
	{"<@a.example:>", 0, 0, BG_ADDR_NO_DOMAIN, NULL},
	/* angle brackets */
	{"<user@example.com", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"user@example.com>", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"<<user@example.com>>", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"<user@example.com>>", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"Name <user@example.com>", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"<user@example.com> x", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"us<er@example.com", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"\"a<b\"@example.com", 0, 0, BG_ADDR_BRACKETS, NULL},
	{"<", 0, NUL0, BG_ADDR_BRACKETS, NULL},
	{">", 0, NUL0, BG_ADDR_BRACKETS, NULL},
	{"><", 0, NUL0, BG_ADDR_BRACKETS, NULL},
	/* null, empty and domain-less addresses */
	{"<>", 0, NUL0, BG_ADDR_NULL, ""},
	{"<>", 0, 0, BG_ADDR_EMPTY, NULL},
	{" < > ", 0, NUL0, BG_ADDR_NULL, ""},
	{"", 0, NUL0, BG_ADDR_EMPTY, NULL},
	{"  \t ", 0, 0, BG_ADDR_EMPTY, NULL},
	{"postmaster", 0, 0, BG_ADDR_NO_DOMAIN, NULL},
	{"<Postmaster>", 0, 0, BG_ADDR_NO_DOMAIN, NULL},
	{"user@", 0, 0, BG_ADDR_NO_DOMAIN, NULL},
	/* control characters */
	{"user@example.com\r\n", 0, 0, BG_ADDR_CONTROL, NULL},
	{"us\ter@example.com", 0, 0, BG_ADDR_CONTROL, NULL},
	{"a\0b@example.com", 15, 0, BG_ADDR_CONTROL, NULL},
	{"user@example.com\0", 17, 0, BG_ADDR_CONTROL, NULL},
	{"us\x7f" "er@example.com", 0, 0, BG_ADDR_CONTROL, NULL},
	{"\"a\x01" "b\"@example.com", 0, 0, BG_ADDR_CONTROL, NULL},
	{"user@exa\x1b" "mple.com", 0, 0, BG_ADDR_CONTROL, NULL},
	/* broken UTF-8 */
	{"us\xc0\xaf" "er@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"\xe0\x80\xaf@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"\xed\xa0\x80@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"\xf4\x90\x80\x80@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"us\xe4\xb8@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"\x80user@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"\xfeuser@example.com", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"user@b\xfc" "cher.example", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	{"user@example.com\xc3", 0, 0, BG_ADDR_BAD_UTF8, NULL},
	/* limits, at and one past */
	{L64 "@example.com", 0, 0, BG_ADDR_OK, L64 "@example.com"},
	{L64 "l@example.com", 0, 0, BG_ADDR_TOO_LONG, NULL},
	{L64 "@" D189, 0, 0, BG_ADDR_OK, L64 "@" D189},
	{L64 "@" D190, 0, 0, BG_ADDR_TOO_LONG, NULL},
	{"a@" D252, 0, 0, BG_ADDR_OK, "a@" D252},
	{"a@" D253, 0, 0, BG_ADDR_TOO_LONG, NULL},
	{"a@" D252 ".", 0, 0, BG_ADDR_OK, "a@" D252},
	{"a@" D63 ".example", 0, 0, BG_ADDR_OK, "a@" D63 ".example"},
	{"a@" D63 "d.example", 0, 0, BG_ADDR_BAD_DOMAIN, NULL},
	{"a@" D63 "." D63 "." D63 "." D63 "." D63, 0, 0, BG_ADDR_TOO_LONG, NULL},
	{"\"" R32("\\x") R32("\\x") "\"@example.com", 0, 0, BG_ADDR_OK, R32("x") R32("x") "@example.com"},
	{"\"a " R60("x") "\"@example.com", 0, 0, BG_ADDR_OK, "\"a " R60("x") "\"@example.com"},
	{"\"a " R60("x") "x\"@example.com", 0, 0, BG_ADDR_TOO_LONG, NULL},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Normalises the case's bytes from an exact-size heap copy. */
static enum bg_addr_status
normalise_exact(const char *in, size_t len, unsigned flags, struct bg_addr *out)
{
	char *copy = malloc(len > 0 ? len : 1);
	enum bg_addr_status st;

	assert_non_null(copy);
	memcpy(copy, in, len);
	st = bg_addr_normalise(copy, len, flags, out);
	free(copy);
	return st;
}

/* Checks the record invariants of an accepted address. */
static void
check_record(const struct bg_addr *a, unsigned flags)
{
	struct bg_addr again;

	assert_int_equal(strlen(a->text), a->len);
	assert_true(a->len <= BG_ADDR_MAX);
	assert_int_equal(a->text[a->at], '@');
	assert_int_equal(bg_addr_normalise(a->text, a->len, flags, &again), BG_ADDR_OK);
	assert_string_equal(again.text, a->text);
	assert_int_equal(again.at, a->at);
}

/* Runs one row of the table. */
static void
test_row(void **state)
{
	const struct addr_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->in);
	struct bg_addr a;

	memset(&a, 'Z', sizeof(a));
	assert_int_equal(normalise_exact(c->in, len, c->flags, &a), c->status);
	if (c->status == BG_ADDR_OK) {
		assert_string_equal(a.text, c->out);
		check_record(&a, c->flags);
	} else {
		assert_string_equal(a.text, "");
		assert_int_equal(a.len, 0);
	}
}

/* Writes a printable name for row i into name. */
static void
row_name(size_t i, char *name, size_t size)
{
	const struct addr_case *c = &cases[i];
	size_t len = c->len ? c->len : strlen(c->in);
	size_t n = (size_t)snprintf(name, size, "row %03zu ", i);

	for (size_t j = 0; j < len && n + 5 < size; j++) {
		unsigned char ch = (unsigned char)c->in[j];

		if (ch >= 0x20 && ch < 0x7f)
			name[n++] = (char)ch;
		else
			n += (size_t)snprintf(name + n, size - n, "\\x%02x", ch);
	}
	name[n] = '\0';
}

/* Normalises s (NUL-terminated) and fails unless it is accepted. */
static void
must_parse(const char *s, struct bg_addr *a)
{
	assert_int_equal(bg_addr_normalise(s, strlen(s), 0, a), BG_ADDR_OK);
}

/* The extension is after the first delimiter and must not be empty. */
static void
test_extension(void **state)
{
	struct bg_addr a;
	const char *ext;
	size_t extlen;

	must_parse("News+Weekly@acme.example", &a);
	assert_true(bg_addr_extension(&a, '+', &ext, &extlen));
	assert_int_equal(extlen, 6);
	assert_memory_equal(ext, "weekly", 6);
	must_parse("news+a+b@acme.example", &a);
	assert_true(bg_addr_extension(&a, '+', &ext, &extlen));
	assert_int_equal(extlen, 3);
	assert_memory_equal(ext, "a+b", 3);
	must_parse("news-weekly@acme.example", &a);
	assert_true(bg_addr_extension(&a, '-', &ext, &extlen));
	assert_memory_equal(ext, "weekly", extlen);
	assert_false(bg_addr_extension(&a, '+', &ext, &extlen));
	assert_false(bg_addr_extension(&a, '\0', &ext, &extlen));
}

/* No extension: absent, empty, leading, quoted, or only in the domain. */
static void
test_no_extension(void **state)
{
	static const char *const in[] = {
		"news@acme.example", "news+@acme.example", "+news@acme.example",
		"\"news+weekly x\"@acme.example", "news@a-b.example",
	};
	struct bg_addr a;
	const char *ext;
	size_t extlen;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		must_parse(in[i], &a);
		assert_false(bg_addr_extension(&a, i == 4 ? '-' : '+', &ext, &extlen));
	}
	assert_int_equal(bg_addr_normalise("<>", 2, BG_ADDR_ALLOW_NULL, &a), BG_ADDR_NULL);
	assert_false(bg_addr_extension(&a, '+', &ext, &extlen));
}

/* Stripping the extension, into another record and in place. */
static void
test_strip_extension(void **state)
{
	struct bg_addr a, b;

	must_parse("News+Weekly@Acme.example", &a);
	bg_addr_strip_extension(&a, '+', &b);
	assert_string_equal(b.text, "news@acme.example");
	assert_int_equal(b.len, 17);
	assert_int_equal(b.at, 4);
	assert_string_equal(bg_addr_domain(&b), "acme.example");
	bg_addr_strip_extension(&a, '+', &a);
	assert_string_equal(a.text, "news@acme.example");
	assert_int_equal(a.len, 17);
	assert_int_equal(a.at, 4);
	must_parse("news+@acme.example", &a);
	bg_addr_strip_extension(&a, '+', &b);
	assert_string_equal(b.text, "news+@acme.example");
	assert_int_equal(b.at, 5);
	must_parse("news@acme.example", &a);
	bg_addr_strip_extension(&a, '+', &a);
	assert_string_equal(a.text, "news@acme.example");
}

/* bg_addr_domain on ordinary, quoted and null addresses. */
static void
test_domain(void **state)
{
	struct bg_addr a;

	must_parse("user@Example.COM", &a);
	assert_string_equal(bg_addr_domain(&a), "example.com");
	must_parse("\"a@b c\"@example.org", &a);
	assert_string_equal(bg_addr_domain(&a), "example.org");
	assert_int_equal(a.at, 7);
	assert_int_equal(bg_addr_normalise("<>", 2, BG_ADDR_ALLOW_NULL, &a), BG_ADDR_NULL);
	assert_string_equal(bg_addr_domain(&a), "");
}

/* Over 1024 bytes is refused before scanning; 1024 of padding is fine. */
static void
test_input_limit(void **state)
{
	static const char addr[] = "user@example.com";
	char buf[1025];
	struct bg_addr a;

	memset(buf, ' ', sizeof(buf));
	memcpy(buf + 500, addr, strlen(addr));
	assert_int_equal(normalise_exact(buf, 1024, 0, &a), BG_ADDR_OK);
	assert_string_equal(a.text, addr);
	assert_int_equal(normalise_exact(buf, 1025, 0, &a), BG_ADDR_TOO_LONG);
	assert_int_equal(bg_addr_normalise(NULL, 0, 0, &a), BG_ADDR_EMPTY);
}

/* An A-label is longer than its U-label: the output form is what counts. */
static void
test_idna_growth(void **state)
{
	char in[256] = "a@", want[300] = "a@";
	struct bg_addr a;

	for (int i = 0; i < 21; i++) {
		strcat(in, i ? ".\xe4\xbe\x8b\xe5\xad\x90" : "\xe4\xbe\x8b\xe5\xad\x90");
		strcat(want, i ? ".xn--fsqu00a" : "xn--fsqu00a");
	}
	assert_true(strlen(in) < 160);
	assert_int_equal(normalise_exact(in, strlen(in), 0, &a), BG_ADDR_OK);
	assert_string_equal(a.text, want);
	assert_int_equal(a.len, 253);
	strcat(in, ".\xe4\xbe\x8b\xe5\xad\x90");
	assert_int_equal(normalise_exact(in, strlen(in), 0, &a), BG_ADDR_TOO_LONG);
}

/* Every status has its own text. */
static void
test_strerror(void **state)
{
	assert_string_equal(bg_addr_strerror(BG_ADDR_TOO_LONG), "address too long");
	for (int i = BG_ADDR_OK; i <= BG_ADDR_BAD_UTF8; i++) {
		assert_true(strlen(bg_addr_strerror(i)) > 0);
		for (int j = BG_ADDR_OK; j < i; j++)
			assert_string_not_equal(bg_addr_strerror(i), bg_addr_strerror(j));
	}
	assert_non_null(bg_addr_strerror((enum bg_addr_status)99));
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
/* One row of the base-address table: a recipient as given, the delimiter, its base ("" = itself). */
struct base_case {
	const char *in;
	unsigned flags;
	char delim;
	const char *base;
};

static const struct base_case base_cases[] = {
	/* the delimiter and what follows it */
	{ "victim+x@example.com", 0, '+', "victim@example.com" },
	{ "victim+1@example.com", 0, '+', "victim@example.com" },
	{ "victim+a+b@example.com", 0, '+', "victim@example.com" },
	{ "victim@example.com", 0, '+', "" },
	{ "victim+@example.com", 0, '+', "" },
	{ "+x@example.com", 0, '+', "" },
	{ "victim-x@example.com", 0, '+', "" },
	{ "victim-x@example.com", 0, '-', "victim@example.com" },
	{ "victim+x@example.com", 0, '-', "" },
	{ "victim+x@example.com", 0, '\0', "" },
	{ "\"victim+x\"@example.com", 0, '+', "victim@example.com" }, /* unquoted by the normaliser */
	{ "\"vic tim+x\"@example.com", 0, '+', "" },
	{ "v.ictim@example.com", 0, '+', "" },
	{ "Victim+X@example.com", BG_ADDR_KEEP_CASE, '+', "Victim@example.com" },
	{ "victim+x@[192.0.2.1]", 0, '+', "victim@[192.0.2.1]" },
	/* Gmail: dots and '+' always, googlemail.com is gmail.com */
	{ "v.ictim@gmail.com", 0, '+', "victim@gmail.com" },
	{ "v.i.c.t.i.m@gmail.com", 0, '+', "victim@gmail.com" },
	{ "victim+x@gmail.com", 0, '+', "victim@gmail.com" },
	{ "v.ictim+x.y@gmail.com", 0, '+', "victim@gmail.com" },
	{ "victim@gmail.com", 0, '+', "" },
	{ "victim@googlemail.com", 0, '+', "victim@gmail.com" },
	{ "v.ictim+x@googlemail.com", 0, '+', "victim@gmail.com" },
	{ "VICTIM@GMAIL.COM", 0, '+', "" },
	{ "V.ictim@gmail.com", BG_ADDR_KEEP_CASE, '+', "victim@gmail.com" },
	{ "victim+x@gmail.com", 0, '-', "victim@gmail.com" },
	{ "victim-x@gmail.com", 0, '-', "" },
	{ "victim+x@gmail.com", 0, '\0', "victim@gmail.com" },
	{ "\"v ictim+x\"@gmail.com", 0, '+', "" },
	{ "v.ictim@mail.gmail.com", 0, '+', "" },
	{ "v.ictim@gmail.com.example", 0, '+', "" },
	{ "v.ictim@xgmail.com", 0, '+', "" },
};

/* Each variant's base, and that the base is its own base (the mapping is idempotent). */
static void
test_base(void **state)
{
	struct bg_addr a, b, bb;

	for (size_t i = 0; i < sizeof(base_cases) / sizeof(base_cases[0]); i++) {
		const struct base_case *c = &base_cases[i];
		const char *want = c->base[0] ? c->base : c->in;

		assert_int_equal(bg_addr_normalise(c->in, strlen(c->in), c->flags, &a), BG_ADDR_OK);
		memset(&b, 'Z', sizeof(b));
		if (bg_addr_base(&a, c->delim, &b) != (c->base[0] != '\0'))
			fail_msg("%s: base %s, want %s", c->in, b.text, want);
		if (c->base[0] == '\0')
			want = a.text; /* itself, as normalised */
		if (strcmp(b.text, want) != 0)
			fail_msg("%s: base %s, want %s", c->in, b.text, want);
		assert_int_equal(b.len, strlen(b.text));
		assert_int_equal(b.text[b.at], '@');
		assert_false(bg_addr_base(&b, c->delim, &bb));
		assert_string_equal(bb.text, b.text);
	}
}

int
main(void)
{
	static char names[NCASES][96];
	static struct CMUnitTest tests[NCASES + 8];
	const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_extension),   cmocka_unit_test(test_no_extension),
		cmocka_unit_test(test_strip_extension), cmocka_unit_test(test_domain),
		cmocka_unit_test(test_input_limit), cmocka_unit_test(test_idna_growth),
		cmocka_unit_test(test_strerror),    cmocka_unit_test(test_base),
	};

	for (size_t i = 0; i < NCASES; i++) {
		row_name(i, names[i], sizeof(names[i]));
		tests[i] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	for (size_t i = 0; i < sizeof(misc) / sizeof(misc[0]); i++)
		tests[NCASES + i] = misc[i];
	return _cmocka_run_group_tests("bg_addr", tests, NCASES + sizeof(misc) / sizeof(misc[0]), NULL, NULL);
}
