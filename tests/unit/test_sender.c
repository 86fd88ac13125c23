/*
 * test_sender.c - table-driven unit tests for bg_sender_resolve: the entity,
 * list and class of a message from its SASL login and envelope sender, and
 * the login binding (a login alone picks the entity; an unlisted login is an
 * unknown sender; a sender outside the login's entity is not authorized).
 *
 * The configurations are real files loaded with bg_config_load, written into
 * a private mkdtemp directory that goes at the end. They differ only in the
 * top-level options (recipient_delimiter, keep_local_case); each row of the
 * table names the one it runs against.
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
#include <unistd.h>

#include "bg_config.h"
#include "bg_sender.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The entities every configuration shares. */
#define ENTITIES                                                               \
	"entity \"acme\" {\n"                                                  \
	"  sender_domains = { \"acme.example\" }\n"                            \
	"  sasl_users = { \"acme-app\" }\n"                                    \
	"  mandated_senders = { \"notice@acme.example\" }\n"                   \
	"  transactional_senders = { \"Receipts@ACME.example\" }\n"            \
	"  confirmation_senders = { \"confirm@acme.example\" }\n"              \
	"}\n"                                                                  \
	"entity \"sub\" {\n"                                                   \
	"  sender_domains = { \"sub.acme.example\" }\n"                        \
	"}\n"                                                                  \
	"entity \"other\" {\n"                                                 \
	"  sender_domains = { \"other.example\" }\n"                           \
	"  sasl_users = { \"other-app\" }\n"                                   \
	"  mandated_senders = { \"notice@other.example\" }\n"                  \
	"}\n"                                                                  \
	"entity \"idn\" {\n"                                                   \
	"  sender_domains = { \"b\xc3\xbc" "cher.example\" }\n"                \
	"}\n"

enum conf { PLUS, DASH, NODELIM, KEEPCASE, NCONF };

static const char *const conf_text[NCONF] = {
	[PLUS] = ENTITIES,
	[DASH] = "recipient_delimiter = \"-\"\n" ENTITIES,
	[NODELIM] = "recipient_delimiter = \"\"\n" ENTITIES,
	[KEEPCASE] = "keep_local_case = true\n" ENTITIES,
};

static char tmpdir[256];
static struct bg_config *confs[NCONF];

/* Writes and loads every configuration in a private directory, then removes the files and the directory. */
static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char path[512], err[1024];
	int rc = 0;

	snprintf(tmpdir, sizeof(tmpdir), "%s/bg-test-sender.XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	for (int i = 0; i < NCONF; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%d.conf", tmpdir, i);
		f = fopen(path, "w");
		if (f == NULL)
			return -1;
		fputs(conf_text[i], f);
		fclose(f);
		confs[i] = bg_config_load(path, err, sizeof(err));
		if (confs[i] == NULL) {
			fprintf(stderr, "# %s\n", err);
			rc = -1;
		}
		unlink(path);
	}
	rmdir(tmpdir);
	return rc;
}

/* Frees the configurations. */
static int
group_teardown(void **state)
{
	for (int i = 0; i < NCONF; i++)
		bg_config_free(confs[i]);
	return 0;
}

struct sender_case {
	const char *name;
	enum conf conf;
	const char *sasl; /* NULL: no login */
	const char *from; /* as the client gave it */
	enum bg_sender_status status;
	enum bg_addr_status addr_status;
	const char *entity; /* NULL: none */
	enum bg_class class;
	const char *list;
	const char *addr;    /* the normalised sender; NULL: not checked */
	enum bg_login login; /* checked when status is not BAD */
};

#define BULK     BG_CLASS_BULK
#define CONF     BG_CLASS_CONFIRMATION
#define TRANS    BG_CLASS_TRANSACTIONAL
#define MAND     BG_CLASS_MANDATED
#define OK       BG_SENDER_OK, BG_ADDR_OK
#define NUL      BG_SENDER_OK, BG_ADDR_NULL
#define DENY     BG_SENDER_NOT_AUTHORIZED, BG_ADDR_OK
#define DENY_NUL BG_SENDER_NOT_AUTHORIZED, BG_ADDR_NULL
#define BAD(st)  BG_SENDER_BAD_ADDRESS, st
#define NOLOGIN  BG_LOGIN_NONE
#define LISTED   BG_LOGIN_LISTED
#define UNLISTED BG_LOGIN_UNLISTED

static const struct sender_case cases[] = {
	/* a login decides its entity, and the sender must be in its entity's domains */
	{ "login with its own domain", PLUS, "acme-app", "x@acme.example", OK, "acme", BULK, "", "x@acme.example", LISTED },
	{ "login with a subdomain of its entity", PLUS, "acme-app", "x@mail.news.acme.example", OK, "acme", BULK, "", NULL,
	  LISTED },
	{ "login in other case", PLUS, "ACME-App", "x@acme.example", OK, "acme", BULK, "", NULL, LISTED },
	{ "login with a listed sender", PLUS, "acme-app", "notice@acme.example", OK, "acme", MAND, "", NULL, LISTED },
	{ "login with another entity's domain: not authorized", PLUS, "acme-app", "x@other.example", DENY, "acme", BULK, "",
	  "x@other.example", LISTED },
	{ "login with another entity's listed sender: not authorized", PLUS, "acme-app", "notice@other.example", DENY,
	  "acme", BULK, "", NULL, LISTED },
	{ "login with a subdomain another entity claims: not authorized", PLUS, "acme-app", "x@sub.acme.example", DENY,
	  "acme", BULK, "", NULL, LISTED },
	{ "login with an unknown domain: not authorized", PLUS, "acme-app", "x@nowhere.example", DENY, "acme", BULK, "",
	  NULL, LISTED },
	{ "login with a parent of its domain: not authorized", PLUS, "acme-app", "x@example", DENY, "acme", BULK, "", NULL,
	  LISTED },
	{ "other login on acme's domain: not authorized", PLUS, "other-app", "notice@acme.example", DENY, "other", BULK, "",
	  NULL, LISTED },
	{ "other login with its own domain", PLUS, "other-app", "x@other.example", OK, "other", BULK, "", NULL, LISTED },
	{ "unlisted login: unknown sender, never the domain's entity", PLUS, "nobody", "x@acme.example", OK, NULL, BULK, "",
	  "x@acme.example", UNLISTED },
	{ "unlisted login, unknown domain", PLUS, "nobody", "x@nowhere.example", OK, NULL, BULK, "", NULL, UNLISTED },
	{ "unlisted login that is an entity's name", PLUS, "acme", "x@acme.example", OK, NULL, BULK, "", NULL, UNLISTED },
	{ "unlisted login with a listed sender has no class", PLUS, "nobody", "notice@acme.example", OK, NULL, BULK, "",
	  NULL, UNLISTED },
	{ "empty login: the domain decides", PLUS, "", "x@other.example", OK, "other", BULK, "", NULL, NOLOGIN },
	/* the entity: sender domain */
	{ "domain", PLUS, NULL, "x@acme.example", OK, "acme", BULK, "", "x@acme.example", NOLOGIN },
	{ "domain in brackets, mixed case", PLUS, NULL, "<X@ACME.Example>", OK, "acme", BULK, "", "x@acme.example",
	  NOLOGIN },
	{ "subdomain", PLUS, NULL, "x@mail.news.acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "subdomain claimed by another entity", PLUS, NULL, "x@sub.acme.example", OK, "sub", BULK, "", NULL, NOLOGIN },
	{ "below that subdomain", PLUS, NULL, "x@deep.sub.acme.example", OK, "sub", BULK, "", NULL, NOLOGIN },
	{ "parent of a sender domain", PLUS, NULL, "x@example", OK, NULL, BULK, "", NULL, NOLOGIN },
	{ "unknown domain", PLUS, NULL, "x@nowhere.example", OK, NULL, BULK, "", "x@nowhere.example", NOLOGIN },
	{ "unknown domain has no list", PLUS, NULL, "news+weekly@nowhere.example", OK, NULL, BULK, "", NULL, NOLOGIN },
	{ "IDN domain as U-label (config lists the U-label)", PLUS, NULL,
	  "x@b\xc3\xbc" "cher.example",
	  OK, "idn", BULK, "", "x@xn--bcher-kva.example", NOLOGIN },
	{ "IDN domain as A-label (config lists the U-label)", PLUS, NULL, "x@xn--bcher-kva.example", OK, "idn", BULK, "",
	  NULL, NOLOGIN },
	/* the null sender */
	{ "<> without login", PLUS, NULL, "<>", NUL, NULL, BULK, "", "", NOLOGIN },
	{ "<> with an unlisted login", PLUS, "nobody", "<>", NUL, NULL, BULK, "", "", UNLISTED },
	{ "<> with a login: not authorized", PLUS, "acme-app", "<>", DENY_NUL, "acme", BULK, "", "", LISTED },
	/* the list, from the address extension */
	{ "list from +extension", PLUS, NULL, "news+weekly@acme.example", OK, "acme", BULK, "weekly", NULL, NOLOGIN },
	{ "list lower-cased", PLUS, NULL, "News+Weekly@acme.example", OK, "acme", BULK, "weekly", NULL, NOLOGIN },
	{ "list keeps case with keep_local_case", KEEPCASE, NULL, "News+Weekly@acme.example", OK, "acme", BULK, "Weekly",
	  "News+Weekly@acme.example", NOLOGIN },
	{ "list after the first delimiter", PLUS, NULL, "news+a+b@acme.example", OK, "acme", BULK, "a+b", NULL, NOLOGIN },
	{ "no extension, no list", PLUS, NULL, "news@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "empty extension, no list", PLUS, NULL, "news+@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "list with a login", PLUS, "acme-app", "news+daily@acme.example", OK, "acme", BULK, "daily", NULL, LISTED },
	{ "delimiter -: list from -extension", DASH, NULL, "news-weekly@acme.example", OK, "acme", BULK, "weekly", NULL,
	  NOLOGIN },
	{ "delimiter -: + is no delimiter", DASH, NULL, "news+weekly@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "no delimiter: + gives no list", NODELIM, NULL, "news+weekly@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "no delimiter: - gives no list", NODELIM, NULL, "news-weekly@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	/* the class, from the entity's sender lists */
	{ "mandated sender", PLUS, NULL, "notice@acme.example", OK, "acme", MAND, "", NULL, NOLOGIN },
	{ "mandated sender with extension", PLUS, NULL, "notice+x@acme.example", OK, "acme", MAND, "x", NULL, NOLOGIN },
	{ "mandated sender in other case", PLUS, NULL, "<NOTICE@ACME.EXAMPLE>", OK, "acme", MAND, "", NULL, NOLOGIN },
	{ "mandated sender, keep_local_case", KEEPCASE, NULL, "Notice+X@acme.example", OK, "acme", MAND, "X", NULL,
	  NOLOGIN },
	{ "mandated sender, delimiter -", DASH, NULL, "notice-x@acme.example", OK, "acme", MAND, "x", NULL, NOLOGIN },
	{ "mandated sender, + and delimiter -", DASH, NULL, "notice+x@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "mandated sender, no delimiter", NODELIM, NULL, "notice+x@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "transactional sender (listed in other case)", PLUS, NULL, "receipts@acme.example", OK, "acme", TRANS, "", NULL,
	  NOLOGIN },
	{ "transactional sender with extension", PLUS, NULL, "Receipts+order@acme.example", OK, "acme", TRANS, "order", NULL,
	  NOLOGIN },
	{ "confirmation sender", PLUS, NULL, "confirm@acme.example", OK, "acme", CONF, "", NULL, NOLOGIN },
	{ "confirmation sender with extension", PLUS, NULL, "confirm+tok@acme.example", OK, "acme", CONF, "tok", NULL,
	  NOLOGIN },
	{ "listed local part, other domain", PLUS, NULL, "notice@sub.acme.example", OK, "sub", BULK, "", NULL, NOLOGIN },
	{ "listed local part, subdomain of the entity", PLUS, NULL, "notice@news.acme.example", OK, "acme", BULK, "", NULL,
	  NOLOGIN },
	{ "prefix of a listed sender", PLUS, NULL, "notic@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	{ "other entity's listed sender", PLUS, NULL, "notice@other.example", OK, "other", MAND, "", NULL, NOLOGIN },
	{ "bulk otherwise", PLUS, NULL, "news@acme.example", OK, "acme", BULK, "", NULL, NOLOGIN },
	/* senders the normaliser refuses: its status, no entity, even with a login */
	{ "space in local part", PLUS, NULL, "a b@acme.example", BAD(BG_ADDR_SYNTAX), NULL, BULK, "", "", NOLOGIN },
	{ "unbalanced bracket", PLUS, NULL, "<x@acme.example", BAD(BG_ADDR_BRACKETS), NULL, BULK, "", "", NOLOGIN },
	{ "no domain", PLUS, NULL, "x@", BAD(BG_ADDR_NO_DOMAIN), NULL, BULK, "", "", NOLOGIN },
	{ "control character", PLUS, NULL, "x\x01@acme.example", BAD(BG_ADDR_CONTROL), NULL, BULK, "", "", NOLOGIN },
	{ "bad domain", PLUS, NULL, "x@acme..example", BAD(BG_ADDR_BAD_DOMAIN), NULL, BULK, "", "", NOLOGIN },
	{ "empty sender", PLUS, NULL, "", BAD(BG_ADDR_EMPTY), NULL, BULK, "", "", NOLOGIN },
	{ "malformed sender with a login", PLUS, "acme-app", "a b@acme.example", BAD(BG_ADDR_SYNTAX), NULL, BULK, "", "",
	  NOLOGIN },
	{ "malformed mandated sender with a login", PLUS, "acme-app", "<notice@acme.example", BAD(BG_ADDR_BRACKETS), NULL,
	  BULK, "", "", NOLOGIN },
};

/* Runs one row: resolves from an exact-size heap copy of the sender. */
static void
test_row(void **state)
{
	const struct sender_case *c = *state;
	size_t len = strlen(c->from);
	char *from = malloc(len > 0 ? len : 1);
	struct bg_sender s;
	enum bg_sender_status st;

	assert_non_null(from);
	memcpy(from, c->from, len);
	memset(&s, 'Z', sizeof(s));
	st = bg_sender_resolve(confs[c->conf], c->sasl, from, len, &s);
	free(from);
	if (st != c->status)
		fail_msg("status %s, want %s", bg_sender_status_name(st), bg_sender_status_name(c->status));
	if (s.addr_status != c->addr_status)
		fail_msg("address status %s, want %s", bg_addr_strerror(s.addr_status),
			 bg_addr_strerror(c->addr_status));
	if (st != BG_SENDER_BAD_ADDRESS && s.login != c->login)
		fail_msg("login %d, want %d", s.login, c->login);
	if (c->entity == NULL) {
		if (s.entity != NULL)
			fail_msg("entity \"%s\", want none", s.entity->name);
	} else {
		if (s.entity == NULL)
			fail_msg("no entity, want \"%s\"", c->entity);
		assert_string_equal(s.entity->name, c->entity);
	}
	if (s.class != c->class)
		fail_msg("class %s, want %s", bg_class_name(s.class), bg_class_name(c->class));
	assert_string_equal(s.list, c->list);
	if (c->addr != NULL) {
		assert_string_equal(s.addr.text, c->addr);
		assert_int_equal(s.addr.len, strlen(c->addr));
	}
}

/* The output points into the configuration it was resolved with. */
static void
test_points_into_config(void **state)
{
	struct bg_sender s;

	assert_int_equal(bg_sender_resolve(confs[PLUS], NULL, "x@acme.example", 14, &s), BG_SENDER_OK);
	assert_ptr_equal(s.entity, bg_config_entity_by_domain(confs[PLUS], "acme.example"));
	assert_int_equal(s.rcpt_delim, '+');
	assert_int_equal(bg_sender_resolve(confs[DASH], "acme-app", "x@acme.example", 14, &s), BG_SENDER_OK);
	assert_ptr_equal(s.entity, bg_config_entity_by_sasl(confs[DASH], "acme-app"));
	assert_int_equal(s.rcpt_delim, '-');
	assert_int_equal(bg_sender_resolve(confs[NODELIM], NULL, "x@acme.example", 14, &s), BG_SENDER_OK);
	assert_int_equal(s.rcpt_delim, '\0');
}

/* Only len bytes are read: what follows them is not part of the sender. */
static void
test_length(void **state)
{
	static const char buf[] = "news+weekly@acme.exampleXYZ";
	struct bg_sender s;

	assert_int_equal(bg_sender_resolve(confs[PLUS], NULL, buf, strlen(buf) - 3, &s), BG_SENDER_OK);
	assert_string_equal(s.addr.text, "news+weekly@acme.example");
	assert_string_equal(s.entity->name, "acme");
	assert_string_equal(s.list, "weekly");
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
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_points_into_config);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_length);
	return _cmocka_run_group_tests("bg_sender", tests, n, group_setup, group_teardown);
}
