/*
 * test_proto.c - table-driven unit tests for the policy-request parser.
 *
 * Each row is raw input and what must come of it: how many requests, the
 * values of some attributes of the last one, or the error. Every row is run
 * three ways (all at once, byte by byte, and split in two halves), which
 * must agree.
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

#include "../../policy/pol_proto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct proto_case {
	const char *name;
	const char *in; /* NULL: made by make_input() from the name */
	size_t len;     /* 0: strlen(in) */
	unsigned requests;
	enum pol_error error;
	const char *state, *sender, *recipient, *sasl; /* of the last request; NULL: not checked */
	unsigned nattr;
};

#define RCPT "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@b.example\nrecipient=c@d.example\n"

static const struct proto_case cases[] = {
    {"one request", RCPT "\n", 0, 1, POL_ERR_NONE, "RCPT", "a@b.example", "c@d.example", "", 4},
    {"unknown attributes ignored", "x_new=1\n" RCPT "future-thing=\n\n", 0, 1, POL_ERR_NONE, "RCPT", "a@b.example",
     "c@d.example", "", 6},
    {"CRLF lines", "protocol_state=RCPT\r\nsasl_username=u\r\n\r\n", 0, 1, POL_ERR_NONE, "RCPT", "", "", "u", 2},
    {"two requests in one read", RCPT "\nprotocol_state=DATA\n\n", 0, 2, POL_ERR_NONE, "DATA", "", "", "", 1},
    {"empty value, '=' in a value", "sender=\nrecipient=a=b@c\n\n", 0, 1, POL_ERR_NONE, "", "", "a=b@c", "", 2},
    {"the last duplicate wins", "sender=a\nsender=b\n\n", 0, 1, POL_ERR_NONE, "", "b", NULL, NULL, 2},
    {"an empty request", "\n", 0, 1, POL_ERR_NONE, "", "", "", "", 0},
    {"UTF-8 and TAB in values", "sender=\xc3\xa9t\xc3\xa9\t@x\n\n", 0, 1, POL_ERR_NONE, NULL, "\xc3\xa9t\xc3\xa9\t@x",
     NULL, NULL, 1},
    {"half a request", RCPT, 0, 0, POL_ERR_NONE, NULL, NULL, NULL, NULL, 0},
    {"NUL byte", "sender=a\0b\n\n", 12, 0, POL_ERR_NUL, NULL, NULL, NULL, NULL, 0},
    {"control character",
     "sender=a\x01"
     "b\n\n",
     0, 0, POL_ERR_CTRL, NULL, NULL, NULL, NULL, 0},
    {"CR inside a line", "sender=a\rb\n\n", 0, 0, POL_ERR_CTRL, NULL, NULL, NULL, NULL, 0},
    {"DEL", "sender=a\x7f\n\n", 0, 0, POL_ERR_CTRL, NULL, NULL, NULL, NULL, 0},
    {"no '='", "hello there\n\n", 0, 0, POL_ERR_SYNTAX, NULL, NULL, NULL, NULL, 0},
    {"empty name", "=x\n\n", 0, 0, POL_ERR_SYNTAX, NULL, NULL, NULL, NULL, 0},
    {"bad name", "send er=x\n\n", 0, 0, POL_ERR_SYNTAX, NULL, NULL, NULL, NULL, 0},
    {"good request, then garbage", RCPT "\nGET / HTTP/1.0\n\n", 0, 1, POL_ERR_SYNTAX, NULL, NULL, NULL, NULL, 0},
    {"line of exactly 2048 bytes", NULL, 0, 1, POL_ERR_NONE, NULL, NULL, NULL, NULL, 1},
    {"line of 2049 bytes", NULL, 0, 0, POL_ERR_LINE, NULL, NULL, NULL, NULL, 0},
    {"100 attributes", NULL, 0, 1, POL_ERR_NONE, NULL, NULL, NULL, NULL, 100},
    {"101 attributes", NULL, 0, 0, POL_ERR_ATTRS, NULL, NULL, NULL, NULL, 0},
    {"request over 16 KB", NULL, 0, 0, POL_ERR_SIZE, NULL, NULL, NULL, NULL, 0},
};

/* Builds the inputs too long to write out; returns a buffer the caller frees. */
static char *
make_input(const char *name, size_t *len)
{
	char *b = malloc(64 * 1024), *p = b;
	int i;

	if (strcmp(name, "line of exactly 2048 bytes") == 0 || strcmp(name, "line of 2049 bytes") == 0) {
		size_t n = name[8] == 'e' ? 2048 : 2049;
		memcpy(p, "sender=", 7);
		memset(p + 7, 'x', n - 7);
		p += n;
		*p++ = '\n';
	} else if (strcmp(name, "100 attributes") == 0 || strcmp(name, "101 attributes") == 0) {
		for (i = 0; i < (name[2] == '0' ? 100 : 101); i++)
			p += sprintf(p, "a%d=v\n", i);
	} else { /* 9 lines of 2000 bytes */
		for (i = 0; i < 9; i++) {
			p += sprintf(p, "a%d=", i);
			memset(p, 'y', 1990);
			p += 1990;
			*p++ = '\n';
		}
	}
	*p++ = '\n';
	*len = (size_t)(p - b);
	return b;
}

/* Feeds in, in pieces of at most step bytes (0: all), checking each outcome against c. */
static void
run(const struct proto_case *c, const char *in, size_t len, size_t step)
{
	struct pol_parser p;
	const struct pol_request *r;
	size_t off = 0, n, used;
	unsigned got = 0;

	pol_proto_init(&p);
	while (off < len && pol_proto_state(&p) != POL_ERROR) {
		n = step == 0 || len - off < step ? len - off : step;
		used = pol_proto_feed(&p, in + off, n);
		assert_true(used <= n);
		off += used;
		if (pol_proto_state(&p) != POL_READY)
			continue;
		r = pol_proto_request(&p);
		assert_non_null(r);
		got++;
		if (got == c->requests && c->error == POL_ERR_NONE) {
			if (c->state)
				assert_string_equal(r->v[POL_A_PROTOCOL_STATE], c->state);
			if (c->sender)
				assert_string_equal(r->v[POL_A_SENDER], c->sender);
			if (c->recipient)
				assert_string_equal(r->v[POL_A_RECIPIENT], c->recipient);
			if (c->sasl)
				assert_string_equal(r->v[POL_A_SASL_USERNAME], c->sasl);
			assert_int_equal(r->nattr, c->nattr);
		}
		pol_proto_reset(&p);
	}
	assert_int_equal(got, c->requests);
	assert_int_equal(pol_proto_error(&p), c->error);
	assert_int_equal(pol_proto_state(&p) == POL_ERROR, c->error != POL_ERR_NONE);
	pol_proto_free(&p);
}

static void
test_row(void **state)
{
	const struct proto_case *c = *state;
	size_t len = c->len;
	char *made = NULL;
	const char *in = c->in;

	if (in == NULL)
		in = made = make_input(c->name, &len);
	else if (len == 0)
		len = strlen(in);
	run(c, in, len, 0);
	run(c, in, len, 1);
	run(c, in, len, len / 2 + 1);
	free(made);
}

/* In POL_READY and POL_ERROR nothing more is taken. */
static void
test_stops(void **state)
{
	struct pol_parser p;
	const char in[] = "sender=a\n\nsender=b\n\n";

	(void)state;
	pol_proto_init(&p);
	assert_int_equal(pol_proto_feed(&p, in, sizeof(in) - 1), 10);
	assert_int_equal(pol_proto_feed(&p, in + 10, 10), 0);
	assert_null(pol_proto_request(&(struct pol_parser){0}));
	pol_proto_reset(&p);
	assert_null(pol_proto_request(&p));
	assert_int_equal(pol_proto_feed(&p, "x\n", 2), 2);
	assert_int_equal(pol_proto_state(&p), POL_ERROR);
	assert_int_equal(pol_proto_feed(&p, in, 5), 0);
	assert_string_equal(pol_proto_strerror(pol_proto_error(&p)), "not name=value");
	pol_proto_free(&p);
}

/* A big request's buffer is let go after it, so an idle connection holds little. */
static void
test_releases(void **state)
{
	struct pol_parser p;
	size_t len;
	char *in = make_input("line of exactly 2048 bytes", &len);

	(void)state;
	pol_proto_init(&p);
	pol_proto_feed(&p, in, len);
	assert_int_equal(pol_proto_state(&p), POL_READY);
	pol_proto_reset(&p);
	assert_null(p.buf);
	assert_int_equal(p.cap, 0);
	pol_proto_free(&p);
	free(in);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NELEM(cases)][128];
	static struct CMUnitTest tests[NELEM(cases) + 2];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(names[i], sizeof(names[i]), "row %02zu %s", i, cases[i].name);
		tests[n++] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_stops);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_releases);
	return _cmocka_run_group_tests("pol_proto", tests, n, NULL, NULL);
}
