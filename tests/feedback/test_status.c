/*
 * test_status.c - unit tables for the DSN status rules and the sender and
 * auto-reply tests of bulkguard-feedback (issue 9, issue 10).
 *
 * fb_rcpt_class decides what a DSN recipient writes (fb_apply follows it):
 * 5.1.1, 5.1.2 and 5.1.10 suppress at once; 5.0.0, 5.2.2 and the other
 * 5.x.x are counted hard bounces; 4.x.x and delayed notices change
 * nothing; delivered, relayed, expanded are no failure. fb_sender_is_null
 * says which envelope senders may send a DSN; fb_subject_auto_reply which
 * subjects are auto-replies that are never bounces.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fb_classify.h"
#include "fb_text.h"

struct status_case {
	const char *status, *action;
	enum fb_class want;
};

/* clang-format off */
static const struct status_case cases[] = {
	{"5.1.1", "failed", FB_CLASS_BOUNCE},
	{"5.1.2", "failed", FB_CLASS_BOUNCE},
	{"5.1.10", "failed", FB_CLASS_BOUNCE},
	{"5.1.1", NULL, FB_CLASS_BOUNCE},
	{"5.1.1", "", FB_CLASS_BOUNCE},
	{"5.1.1", "FAILED", FB_CLASS_BOUNCE},
	{"5.0.0", "failed", FB_CLASS_HARD},
	{"5.2.2", "failed", FB_CLASS_HARD},
	{"5.1.0", "failed", FB_CLASS_HARD},
	{"5.1.3", "failed", FB_CLASS_HARD},
	{"5.1.100", "failed", FB_CLASS_HARD},
	{"5.7.1", "failed", FB_CLASS_HARD},
	{"5.4.4", "failed", FB_CLASS_HARD},
	{"4.2.2", "delayed", FB_CLASS_SOFT},
	{"4.4.7", "delayed", FB_CLASS_SOFT},
	{"4.0.0", "delayed", FB_CLASS_SOFT},
	{"4.4.1", "failed", FB_CLASS_SOFT},
	{"5.1.1", "delayed", FB_CLASS_SOFT},
	{"5.2.2", "Delayed", FB_CLASS_SOFT},
	{"5.1.1", "delivered", FB_CLASS_NONE},
	{"5.1.1", "relayed", FB_CLASS_NONE},
	{"5.1.1", "expanded", FB_CLASS_NONE},
	{"2.0.0", "delivered", FB_CLASS_NONE},
	{"", "failed", FB_CLASS_NONE},
	{NULL, "failed", FB_CLASS_NONE},
	{"5.1", "failed", FB_CLASS_NONE},
	{"6.1.1", "failed", FB_CLASS_NONE},
	{"x.1.1", "failed", FB_CLASS_NONE},
};
/* clang-format on */

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* One row of the status table. */
static void
test_row(void **state)
{
	const struct status_case *c = *state;

	assert_string_equal(fb_class_name(fb_rcpt_class(c->status, c->action)), fb_class_name(c->want));
}

/* The null sender as pipe(8) passes it: empty, <>, MAILER-DAEMON; nothing else, and unknown is not null. */
static void
test_null_sender(void **state)
{
	static const char *null[] = {"", "<>", "MAILER-DAEMON", "mailer-daemon", "Mailer-Daemon"};
	static const char *not_null[] = {"postmaster@example.com", "MAILER-DAEMON@example.com",
	                                 "alice@example.com",      " ",
	                                 "<MAILER-DAEMON>x",       "double-bounce"};

	for (size_t i = 0; i < sizeof(null) / sizeof(null[0]); i++)
		if (!fb_sender_is_null(null[i]))
			fail_msg("\"%s\" not taken as the null sender", null[i]);
	for (size_t i = 0; i < sizeof(not_null) / sizeof(not_null[0]); i++)
		if (fb_sender_is_null(not_null[i]))
			fail_msg("\"%s\" taken as the null sender", not_null[i]);
	assert_false(fb_sender_is_null(NULL));
}

/* Subjects of auto-replies, and bounce subjects that are not. */
static void
test_auto_reply(void **state)
{
	static const char *yes[] = {"Automatic reply: weekly news",
	                            "  AUTOMATIC REPLY: x",
	                            "Auto-Reply: away",
	                            "Autoreply",
	                            "Out of Office: back on Monday",
	                            "Out of the office",
	                            "Abwesenheitsnotiz: Newsletter",
	                            "R\xc3\xa9ponse automatique : news",
	                            "Vacation reply",
	                            "[Auto-Reply] hello",
	                            "Auto: news"};
	static const char *no[] = {"Undelivered Mail Returned to Sender",
	                           "failure notice",
	                           "Delivery Status Notification (Failure)",
	                           "Mail delivery failed",
	                           "Re: Automatic reply",
	                           "Returned mail: see transcript for details",
	                           ""};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!fb_subject_auto_reply(yes[i]))
			fail_msg("\"%s\" not taken as an auto-reply", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (fb_subject_auto_reply(no[i]))
			fail_msg("\"%s\" taken as an auto-reply", no[i]);
	assert_false(fb_subject_auto_reply(NULL));
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NCASES][64];
	static struct CMUnitTest tests[NCASES + 2];

	for (size_t i = 0; i < NCASES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s %s is %s", cases[i].status ? cases[i].status : "(none)",
		         cases[i].action ? cases[i].action : "(none)", fb_class_name(cases[i].want));
		tests[i] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_null_sender);
	tests[NCASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_auto_reply);
	return _cmocka_run_group_tests("fb_status", tests, NCASES + 2, NULL, NULL);
}
