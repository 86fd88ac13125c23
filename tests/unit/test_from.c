/*
 * test_from.c - table-driven unit tests for bg_from_parse: a From: value
 * holds exactly one address, or it is refused.
 *
 * GMime alone reads "a@acme.example@evil.example" as a@acme.example, while
 * OpenDKIM's dkim_mail_parse (the parser OpenDKIM and OpenDMARC verifiers
 * use) reads the domain evil.example: a value two parsers read as two
 * domains must never pass the alignment rule. Every row that bg_from_parse
 * accepts is therefore also read with dkim_mail_parse, which must find the
 * same domain.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>
#include <opendkim/dkim.h>

#include "bg_from.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define OK   BG_FROM_OK
#define NONE BG_FROM_NONE
#define MANY BG_FROM_MANY
#define BAD  BG_FROM_BAD

struct from_case {
	const char *name;
	const char *value;
	enum bg_from_status want;
	const char *addr; /* the normalised address when OK */
};

static const struct from_case cases[] = {
	/* one address, in the usual forms */
	{ "bare address", "news@acme.example", OK, "news@acme.example" },
	{ "display name", "Acme News <news@acme.example>", OK, "news@acme.example" },
	{ "quoted display name holding an address", "\"a@evil.example\" <news@acme.example>", OK, "news@acme.example" },
	{ "quoted display name with a comma", "\"Acme, Inc.\" <news@acme.example>", OK, "news@acme.example" },
	{ "comment holding an address", "news@acme.example (a@evil.example)", OK, "news@acme.example" },
	{ "comment with escaped parenthesis", "news@acme.example (x \\) @evil.example)", OK, "news@acme.example" },
	{ "nested comment", "news@acme.example (a (b@evil.example) c)", OK, "news@acme.example" },
	{ "encoded display name", "=?UTF-8?Q?Acme_=C3=9Cber?= <news@acme.example>", OK, "news@acme.example" },
	{ "folded", "Acme\n\t<news@acme.example>", OK, "news@acme.example" },
	{ "quoted local part with @", "\"a@b\"@acme.example", OK, "\"a@b\"@acme.example" },
	{ "domain literal", "news@[192.0.2.1]", OK, "news@[192.0.2.1]" },
	/* two domains in one value: refused, never aligned */
	{ "a second @ after the domain", "a@acme.example@evil.example", BAD, NULL },
	{ "a second @ in angle brackets", "<a@acme.example@evil.example>", BAD, NULL },
	{ "a second @ with a display name", "A <a@acme.example@evil.example>", BAD, NULL },
	{ "a trailing @", "a@evil.example@", BAD, NULL },
	{ "an address as unquoted display name", "a@evil.example <b@acme.example>", BAD, NULL },
	{ "a source route", "<@evil.example:a@acme.example>", BAD, NULL },
	{ "an unclosed comment hiding an @", "a@acme.example (x@evil.example", NONE, NULL },
	{ "an unclosed quote", "\"a@evil.example <b@acme.example>", NONE, NULL },
	{ "a stray closing parenthesis", "a@acme.example ) x", BAD, NULL },
	/* not exactly one mailbox */
	{ "empty", "", NONE, NULL },
	{ "two addresses", "a@acme.example, b@evil.example", MANY, NULL },
	{ "a group", "Friends: a@acme.example;", MANY, NULL },
	{ "no @", "nobody", BAD, NULL },
};

/* Reads value with OpenDKIM's parser; writes its domain (lower-cased) into dom, "" when none. */
static void
dkim_domain(const char *value, char *dom, size_t len)
{
	unsigned char buf[1024], *user = NULL, *domain = NULL;

	snprintf((char *)buf, sizeof(buf), "%s", value);
	dom[0] = '\0';
	if (dkim_mail_parse(buf, &user, &domain) != 0 || domain == NULL)
		return;
	snprintf(dom, len, "%s", (char *)domain);
	for (char *p = dom; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/* One row: the status, the address, and OpenDKIM's agreement on an accepted one. */
static void
test_row(void **state)
{
	const struct from_case *c = *state;
	char dom[512];
	struct bg_addr a;
	enum bg_from_status st = bg_from_parse(c->value, &a);

	if (st != c->want)
		fail_msg("%s: status %d, want %d", c->value, st, c->want);
	if (st != BG_FROM_OK) {
		assert_int_equal(a.len, 0);
		return;
	}
	assert_string_equal(a.text, c->addr);
	dkim_domain(c->value, dom, sizeof(dom));
	if (strcmp(dom, bg_addr_domain(&a)) != 0)
		fail_msg("%s: bg_from reads %s, OpenDKIM reads %s", c->value, bg_addr_domain(&a), dom);
}

/* The attack of issue 9: GMime alone would align it with acme, OpenDKIM reads evil.example. */
static void
test_parsers_disagree(void **state)
{
	char dom[512];
	struct bg_addr a;

	dkim_domain("a@acme.example@evil.example", dom, sizeof(dom));
	assert_string_equal(dom, "evil.example");
	assert_int_not_equal(bg_from_parse("a@acme.example@evil.example", &a), BG_FROM_OK);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NELEM(cases)][128];
	static struct CMUnitTest tests[NELEM(cases) + 1];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(names[i], sizeof(names[i]), "row %02zu %s", i, cases[i].name);
		tests[n++] = (struct CMUnitTest){ names[i], test_row, NULL, NULL, (void *)&cases[i] };
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_parsers_disagree);
	return _cmocka_run_group_tests("bg_from", tests, n, NULL, NULL);
}
