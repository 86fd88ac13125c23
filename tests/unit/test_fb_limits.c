/*
 * test_fb_limits.c - the count of lines that can open a MIME part (fb_limits_scan).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fb_limits.h"

struct scan_case {
	const char *name;
	const char *head; /* written once */
	const char *line; /* then repeated */
	size_t times;
	const char *tail; /* then written once */
	const char *want; /* NULL: may be parsed */
};

static const struct scan_case cases[] = {
    {"empty message", "", "", 0, "", NULL},
    {"a DSN", "Content-Type: multipart/report; boundary=B\n\n", "--B\nContent-Type: text/plain\n\nx\n", 3, "--B--\n",
     NULL},
    {"boundaries at the limit", "", "--B\n", FB_STRUCTURE_MAX, "", NULL},
    {"one boundary over", "", "--B\n", FB_STRUCTURE_MAX + 1, "", "too-many-parts"},
    {"1,000,000 empty parts", "Content-Type: multipart/mixed; boundary=B\n\n", "--B\n\n", 1000000, "--B--\n",
     "too-many-parts"},
    {"Content-Type lines count, any case", "", "cOnTeNt-TyPe: message/rfc822\n", FB_STRUCTURE_MAX + 1, "",
     "too-many-parts"},
    {"boundaries and Content-Type together", "", "--B\nContent-Type: text/plain\n", FB_STRUCTURE_MAX / 2 + 1, "",
     "too-many-parts"},
    {"CRLF lines", "", "--B\r\n", FB_STRUCTURE_MAX + 1, "", "too-many-parts"},
    {"a last line without LF counts", "", "--B\n", FB_STRUCTURE_MAX, "--B", "too-many-parts"},
    {"one dash does not count", "", "-B\n", FB_STRUCTURE_MAX + 1, "", NULL},
    {"dashes inside a line do not count", "", "x --B\n", FB_STRUCTURE_MAX + 1, "", NULL},
    {"Content-Transfer-Encoding does not count", "", "Content-Transfer-Encoding: 7bit\n", FB_STRUCTURE_MAX + 1, "",
     NULL},
    {"plain text lines do not count", "", "hello\n", 100000, "", NULL},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Builds the case's message and checks what fb_limits_scan says of it. */
static void
test_scan(void **state)
{
	const struct scan_case *c = *state;
	size_t hl = strlen(c->head), ll = strlen(c->line), tl = strlen(c->tail);
	size_t len = hl + ll * c->times + tl, off = hl;
	char *msg = malloc(len + 1);
	const char *got;

	assert_non_null(msg);
	memcpy(msg, c->head, hl);
	for (size_t i = 0; i < c->times; i++, off += ll)
		memcpy(msg + off, c->line, ll);
	memcpy(msg + off, c->tail, tl);
	got = fb_limits_scan(msg, len);
	free(msg);
	if (c->want == NULL)
		assert_null(got);
	else
		assert_string_equal(got != NULL ? got : "(null)", c->want);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static struct CMUnitTest tests[NCASES];

	for (size_t i = 0; i < NCASES; i++)
		tests[i] = (struct CMUnitTest){cases[i].name, test_scan, NULL, NULL, (void *)&cases[i]};
	return _cmocka_run_group_tests("fb_limits", tests, NCASES, NULL, NULL);
}
