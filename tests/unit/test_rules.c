/*
 * test_rules.c - organisational domains (libpsl), forbidden-domain patterns,
 * single-instance headers, List-Id, key alignment, Date and Message-ID.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bg_orgdomain.h"
#include "bg_rules.h"

struct org_case {
	const char *domain;
	const char *org; /* NULL: -1 expected */
};

static const struct org_case org_cases[] = {
    {"acme.example", "acme.example"},
    {"news.acme.example", "acme.example"},
    {"a.b.news.ACME.Example.", "acme.example"},
    {"example.co.uk", "example.co.uk"}, /* not "co.uk": the last two labels are wrong here */
    {"mail.example.co.uk", "example.co.uk"},
    {"shop.example.com.au", "example.com.au"},
    {"co.uk", "co.uk"}, /* a public suffix is its own */
    {"localhost", "localhost"},
    {"", NULL},
};

/* Each org_cases row. */
static void
test_orgdomain(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(org_cases) / sizeof(org_cases[0]); i++) {
		int rc = bg_orgdomain(org_cases[i].domain, out, sizeof(out));
		if (org_cases[i].org == NULL) {
			assert_int_equal(rc, -1);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(out, org_cases[i].org);
	}
	assert_int_equal(bg_orgdomain("mail.example.co.uk", out, 10), -1);
}

struct align_case {
	const char *a, *b;
	bool aligned;
};

static const struct align_case align_cases[] = {
    {"acme.example", "news.acme.example", true},
    {"mail.example.co.uk", "example.co.uk", true},
    {"a.example.co.uk", "b.example.co.uk", true},
    {"example.co.uk", "other.co.uk", false}, /* both end in co.uk: not one organisation */
    {"acme.example", "acme.example.evil.example", false},
    {"esp.example", "acme.example", false},
};

/* Each align_cases row, both ways round. */
static void
test_aligned(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(align_cases) / sizeof(align_cases[0]); i++) {
		assert_int_equal(bg_orgdomain_aligned(align_cases[i].a, align_cases[i].b), align_cases[i].aligned);
		assert_int_equal(bg_orgdomain_aligned(align_cases[i].b, align_cases[i].a), align_cases[i].aligned);
	}
}

struct match_case {
	const char *domain, *pattern;
	bool match;
};

static const struct match_case match_cases[] = {
    {"gmail.com", "gmail.com", true},         {"news.gmail.com", "gmail.com", true},
    {"xgmail.com", "gmail.com", false},       {"gmail.com.example", "gmail.com", false},
    {"yahoo.com", "yahoo.*", true},           {"yahoo.co.uk", "yahoo.*", true},
    {"mail.yahoo.co.jp", "yahoo.*", true},    {"yahoo-news.example", "yahoo.*", false},
    {"yahoo.acme.example", "yahoo.*", false}, /* acme.example is the organisation */
    {"notyahoo.com", "yahoo.*", false},
};

/* Each match_cases row. */
static void
test_matches(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
		if (bg_orgdomain_matches(match_cases[i].domain, match_cases[i].pattern) != match_cases[i].match)
			fail_msg("%s ~ %s: expected %d", match_cases[i].domain, match_cases[i].pattern,
			         match_cases[i].match);
}

/* The single-instance headers of RFC 5322 3.6, compared without case; others are -1. */
static void
test_single(void **state)
{
	static const char *names[] = {"from",    "Sender", "REPLY-TO",   "To",          "cc",
	                              "Subject", "date",   "Message-Id", "In-Reply-To", "references"};

	(void)state;
	for (int i = 0; i < BG_H_SINGLE_COUNT; i++)
		assert_int_equal(bg_rules_single(names[i]), i);
	assert_string_equal(bg_rules_single_name(BG_H_MESSAGE_ID), "Message-ID");
	assert_int_equal(bg_rules_single("Received"), -1);
	assert_int_equal(bg_rules_single("Bcc"), -1);
	assert_int_equal(bg_rules_single("Resent-Date"), -1);
	assert_int_equal(bg_rules_single("From "), -1);
}

struct listid_case {
	const char *value;
	const char *list; /* NULL: no list */
};

static const struct listid_case listid_cases[] = {
    {" Weekly news <weekly.acme.example>", "weekly"},
    {"<Deals_2.lists.acme.example>", "deals_2"},
    {" \"a <b>\" <promo-x.acme.example>", "promo-x"},
    {" <weekly>", NULL},            /* no namespace */
    {" weekly.acme.example", NULL}, /* no angle brackets */
    {" <wee kly.acme.example>", NULL},
    {" <.acme.example>", NULL},
    {" <we/ek.acme.example>", NULL},
    {" <weekly.acme.example", NULL},
};

/* Each listid_cases row; a name longer than the buffer is refused. */
static void
test_list_id(void **state)
{
	char list[16];

	(void)state;
	for (size_t i = 0; i < sizeof(listid_cases) / sizeof(listid_cases[0]); i++) {
		int rc = bg_rules_list_id(listid_cases[i].value, list, sizeof(list));
		if (listid_cases[i].list == NULL) {
			if (rc != -1)
				fail_msg("%s: expected no list, got %s", listid_cases[i].value, list);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(list, listid_cases[i].list);
	}
	assert_int_equal(bg_rules_list_id("<abcdefghijklmnopq.acme.example>", list, sizeof(list)), -1);
}

/* An entity's keys align with a From domain by organisational domain. */
static void
test_entity_aligned(void **state)
{
	struct bg_dkim_conf keys[2] = {{.domain = "acme.example"}, {.domain = "mail.brand.co.uk"}};
	struct bg_entity e = {.name = "acme", .dkim = keys, .n_dkim = 2};

	(void)state;
	assert_true(bg_rules_entity_aligned(&e, "news.acme.example"));
	assert_true(bg_rules_entity_aligned(&e, "brand.co.uk"));
	assert_true(bg_rules_key_aligned(&keys[1], "x.brand.co.uk"));
	assert_false(bg_rules_key_aligned(&keys[0], "brand.co.uk"));
	assert_false(bg_rules_entity_aligned(&e, "other.co.uk"));
	e.n_dkim = 0;
	assert_false(bg_rules_entity_aligned(&e, "acme.example"));
}

/* Date: RFC 5322 in UTC, in English whatever the locale; Message-ID: unique, at the domain. */
static void
test_date_message_id(void **state)
{
	char a[128], b[128];

	(void)state;
	assert_int_equal(bg_rules_date(1796608557, a, sizeof(a)), 0);
	assert_string_equal(a, " Mon, 07 Dec 2026 01:55:57 +0000");
	assert_int_equal(bg_rules_date(0, a, 10), -1);
	assert_int_equal(bg_rules_message_id(1796608557, "acme.example", a, sizeof(a)), 0);
	assert_int_equal(bg_rules_message_id(1796608557, "acme.example", b, sizeof(b)), 0);
	assert_true(strncmp(a, " <1796608557.", 13) == 0);
	assert_true(strlen(a) == strlen(" <1796608557.") + 32 + strlen("@acme.example>"));
	assert_string_equal(a + strlen(a) - strlen("@acme.example>"), "@acme.example>");
	assert_string_not_equal(a, b);
	assert_int_equal(bg_rules_message_id(1, "acme.example", a, 20), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_orgdomain),       cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_matches),         cmocka_unit_test(test_single),
	    cmocka_unit_test(test_list_id),         cmocka_unit_test(test_entity_aligned),
	    cmocka_unit_test(test_date_message_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
