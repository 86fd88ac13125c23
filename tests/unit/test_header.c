/*
 * test_header.c - From: parsing (GMime), From alignment, List-Unsubscribe and Feedback-ID.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bg_from.h"
#include "bg_header.h"

struct from_case {
	const char *value;
	enum bg_from_status want;
	const char *addr;
};

static const struct from_case from_cases[] = {
	{ "news@acme.example", BG_FROM_OK, "news@acme.example" },
	{ " Acme News <News@ACME.Example>", BG_FROM_OK, "news@acme.example" },
	{ "\"Acme, Inc.\" <news@acme.example>", BG_FROM_OK, "news@acme.example" },
	{ "=?UTF-8?Q?Acme_=C3=9Cber?= <news@acme.example>", BG_FROM_OK, "news@acme.example" },
	{ "Acme\n\t<news@acme.example>", BG_FROM_OK, "news@acme.example" },
	{ "news@acme.example (Acme News)", BG_FROM_OK, "news@acme.example" },
	{ "Bücher <info@bücher.example>", BG_FROM_OK, "info@xn--bcher-kva.example" },
	{ "", BG_FROM_NONE, NULL },
	{ "   ", BG_FROM_NONE, NULL },
	{ "a@acme.example, b@acme.example", BG_FROM_MANY, NULL },
	{ "Friends: a@acme.example, b@acme.example;", BG_FROM_MANY, NULL },
	{ "Evil <a@evil.example> <b@acme.example>", BG_FROM_MANY, NULL },
	{ "nobody", BG_FROM_BAD, NULL },
	{ "<a@@acme.example>", BG_FROM_NONE, NULL }, /* GMime finds no mailbox in it */
	{ "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example>", BG_FROM_BAD, NULL },
};

/* One From: value: status and address. */
static void
test_from(void **state)
{
	const struct from_case *c = *state;
	struct bg_addr a;

	assert_int_equal(bg_from_parse(c->value, &a), c->want);
	if (c->addr != NULL)
		assert_string_equal(a.text, c->addr);
	else
		assert_int_equal(a.len, 0);
}

/* From alignment: the domain or any subdomain of a sender domain. */
static void
test_aligned(void **state)
{
	char *doms[] = { "acme.example", "xn--bcher-kva.example" };
	struct bg_entity e = { .name = "acme", .sender_domains = { doms, 2 } };

	assert_true(bg_header_domain_aligned(&e, "acme.example"));
	assert_true(bg_header_domain_aligned(&e, "news.acme.example"));
	assert_true(bg_header_domain_aligned(&e, "A.B.ACME.example"));
	assert_true(bg_header_domain_aligned(&e, "xn--bcher-kva.example"));
	assert_false(bg_header_domain_aligned(&e, "evilacme.example"));
	assert_false(bg_header_domain_aligned(&e, "acme.example.evil"));
	assert_false(bg_header_domain_aligned(&e, "example"));
	assert_false(bg_header_domain_aligned(&e, ""));
}

/* List-Unsubscribe: https first, mailto second, folded, %t replaced everywhere. */
static void
test_list_unsubscribe(void **state)
{
	struct bg_entity e = { .name = "acme", .unsubscribe_url = "https://u.esp.example/u/%t?x=%t",
			       .unsubscribe_mailto = "unsubscribe@u.esp.example" };
	char out[512];

	assert_int_equal(bg_header_list_unsubscribe(&e, "AbC-_9", out, sizeof(out)), 0);
	assert_string_equal(out, " <https://u.esp.example/u/AbC-_9?x=AbC-_9>,\n\t"
				 "<mailto:unsubscribe@u.esp.example?subject=unsubscribe%20AbC-_9>");
	e.unsubscribe_mailto = NULL;
	assert_int_equal(bg_header_list_unsubscribe(&e, "T", out, sizeof(out)), 0);
	assert_string_equal(out, " <https://u.esp.example/u/T?x=T>");
	assert_int_equal(bg_header_list_unsubscribe(&e, "T", out, 20), -1);
	e.unsubscribe_url = NULL;
	assert_int_equal(bg_header_list_unsubscribe(&e, "T", out, sizeof(out)), -1);
}

/* Feedback-ID: list:entity:class:id, the list left out when there is none. */
static void
test_feedback_id(void **state)
{
	struct bg_entity e = { .name = "acme", .feedback_id = "esp42" };
	char out[128];

	assert_int_equal(bg_header_feedback_id(&e, "weekly", BG_CLASS_BULK, out, sizeof(out)), 0);
	assert_string_equal(out, " weekly:acme:bulk:esp42");
	assert_int_equal(bg_header_feedback_id(&e, "", BG_CLASS_MANDATED, out, sizeof(out)), 0);
	assert_string_equal(out, " acme:mandated:esp42");
	assert_int_equal(bg_header_feedback_id(&e, "caf\303\251", BG_CLASS_BULK, out, sizeof(out)), 0);
	assert_string_equal(out, " acme:bulk:esp42"); /* never 8-bit bytes in the header */
	assert_int_equal(bg_header_feedback_id(&e, NULL, BG_CLASS_BULK, out, 8), -1);
	e.feedback_id = NULL;
	assert_int_equal(bg_header_feedback_id(&e, NULL, BG_CLASS_BULK, out, sizeof(out)), -1);
}

#define NFROM (sizeof(from_cases) / sizeof(from_cases[0]))

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NFROM][96];
	static struct CMUnitTest tests[NFROM + 3];
	size_t n = 0;

	for (size_t i = 0; i < NFROM; i++, n++) {
		snprintf(names[i], sizeof(names[i]), "From: %.60s", from_cases[i].value);
		tests[n] = (struct CMUnitTest){ names[i], test_from, NULL, NULL, (void *)&from_cases[i] };
	}
	tests[n++] = (struct CMUnitTest){ "From alignment", test_aligned, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "List-Unsubscribe", test_list_unsubscribe, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "Feedback-ID", test_feedback_id, NULL, NULL, NULL };
	return _cmocka_run_group_tests("bg_header", tests, n, NULL, NULL);
}
