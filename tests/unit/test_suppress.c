/*
 * test_suppress.c - the parser and formatter of suppress and consent fields (bg_suppress_parse, _format).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bg_suppress.h"

struct parse_case {
	const char *field;
	const char *value;
	int want; /* 0 good, 1 not ours, -1 malformed */
	const char *entity, *list, *word;
	long long when;
	const char *ip, *source;
};

static const struct parse_case cases[] = {
	{ "suppress", "unsubscribe", 0, "", "", "unsubscribe", -1, "", "" },
	{ "suppress", "bounce 1763800000 dsn-5.1.1", 0, "", "", "bounce", 1763800000, "", "dsn-5.1.1" },
	{ "suppress:acme", "complaint 1763800000 arf from isp", 0, "acme", "", "complaint", 1763800000, "", "arf from isp" },
	{ "suppress:acme/weekly", "unsubscribe 1 one-click", 0, "acme", "weekly", "unsubscribe", 1, "", "one-click" },
	{ "consent:acme", "confirmed", 0, "acme", "", "confirmed", -1, "", "" },
	{ "consent:acme", "single 1763800000 198.51.100.7 signup-form", 0, "acme", "", "single", 1763800000,
	  "198.51.100.7", "signup-form" },
	{ "consent:acme/weekly", "notified 1763800000 2001:db8::1 web", 0, "acme", "weekly", "notified", 1763800000,
	  "2001:db8::1", "web" },
	{ "consent:acme", "confirmed 1763800000 - import", 0, "acme", "", "confirmed", 1763800000, "", "import" },
	{ "name", "Alice", 1, NULL, NULL, NULL, 0, NULL, NULL },
	{ "suppressx", "bounce", 1, NULL, NULL, NULL, 0, NULL, NULL },
	{ "consent", "confirmed", 1, NULL, NULL, NULL, 0, NULL, NULL },           /* no such field: consent is per entity */
	{ "consent:acme", "maybe", -1, NULL, NULL, NULL, 0, NULL, NULL },         /* not a level */
	{ "consent:acme", "single 12x", -1, NULL, NULL, NULL, 0, NULL, NULL },    /* not a time */
	{ "consent:acme", "single 1 999.1.1.1", -1, NULL, NULL, NULL, 0, NULL, NULL }, /* not an ip */
	{ "suppress:acme", "bou nce\001", -1, NULL, NULL, NULL, 0, NULL, NULL },  /* control character */
	{ "suppress:a b", "bounce", -1, NULL, NULL, NULL, 0, NULL, NULL },        /* space in the entity */
	{ "suppress:/weekly", "bounce", -1, NULL, NULL, NULL, 0, NULL, NULL },    /* a list needs an entity */
	{ "suppress", "", -1, NULL, NULL, NULL, 0, NULL, NULL },                  /* no reason */
};

/* One field: parsed as expected, and a good record formats back to the same field and value. */
static void
test_parse(void **state)
{
	const struct parse_case *c = *state;
	struct bg_suppress_rec rec;
	const char *why = NULL;
	char field[BG_SUPPRESS_FIELD_LEN], value[BG_SUPPRESS_VALUE_LEN];
	struct bg_suppress_rec again;

	assert_int_equal(bg_suppress_parse(c->field, c->value, strlen(c->value), &rec, &why), c->want);
	if (c->want == -1)
		assert_non_null(why);
	if (c->want != 0)
		return;
	assert_string_equal(rec.entity, c->entity);
	assert_string_equal(rec.list, c->list);
	assert_string_equal(rec.word, c->word);
	assert_true(rec.when == c->when);
	assert_string_equal(rec.ip, c->ip);
	assert_string_equal(rec.source, c->source);
	bg_suppress_format(&rec, field, value);
	assert_string_equal(field, c->field);
	assert_int_equal(bg_suppress_parse(field, value, strlen(value), &again, &why), 0);
	assert_memory_equal(&again, &rec, sizeof(rec));
}

/* Field names for every scope. */
static void
test_field(void **state)
{
	char out[BG_SUPPRESS_FIELD_LEN];

	bg_suppress_field("suppress", NULL, NULL, out, sizeof(out));
	assert_string_equal(out, "suppress");
	bg_suppress_field("suppress", "acme", "", out, sizeof(out));
	assert_string_equal(out, "suppress:acme");
	bg_suppress_field("consent", "acme", "weekly", out, sizeof(out));
	assert_string_equal(out, "consent:acme/weekly");
}

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NCASES][128];
	static struct CMUnitTest tests[NCASES + 1];
	size_t n = 0;

	for (size_t i = 0; i < NCASES; i++, n++) {
		snprintf(names[i], sizeof(names[i]), "%s = %.40s", cases[i].field, cases[i].value);
		for (char *p = names[i]; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = '?';
		tests[n] = (struct CMUnitTest){ names[i], test_parse, NULL, NULL, (void *)&cases[i] };
	}
	tests[n++] = (struct CMUnitTest){ "field names", test_field, NULL, NULL, NULL };
	return _cmocka_run_group_tests("bg_suppress", tests, n, NULL, NULL);
}
