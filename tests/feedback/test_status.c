/*
 * test_status.c - unit tables for the DSN status rules and the sender and
 * auto-reply tests of bulkguard-feedback (issue 9, issue 10).
 *
 * fb_rcpt_class decides what a DSN recipient writes (fb_apply follows it):
 * 5.1.1, 5.1.2 and 5.1.10 suppress at once; the codes that refuse the
 * sender (5.7.26, 5.7.509, ...) are block; 5.0.0, 5.2.2, the other 5.x.x
 * and a final 4.x.x are counted hard bounces; delayed notices change
 * nothing; delivered, relayed, expanded are no failure; what the text says
 * decides over the status (issue 13). fb_text_says reads the phrases. fb_sender_is_null
 * says which envelope senders may send a DSN; fb_subject_auto_reply which
 * subjects are auto-replies that are never bounces. fb_reply_asks which
 * Subjects and first lines of a reply ask to unsubscribe (issue 17).
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
#include "fb_reply.h"
#include "fb_text.h"

struct status_case {
	const char *status, *action;
	enum fb_says says;
	enum fb_class want;
};

/* clang-format off */
static const struct status_case cases[] = {
	{"5.1.1", "failed", FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.1.2", "failed", FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.1.10", "failed", FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.1.1", NULL, FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.1.1", "", FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.1.1", "FAILED", FB_SAYS_NOTHING, FB_CLASS_BOUNCE},
	{"5.0.0", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.2.2", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.1.0", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.1.3", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.1.100", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.7.1", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"5.4.4", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	/* issue 13: the codes that refuse the sender, not the mailbox, are block */
	{"5.7.26", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.7.27", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.7.25", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.7.509", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.7.515", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.7.606", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	{"5.6.0", "failed", FB_SAYS_NOTHING, FB_CLASS_BLOCK},
	/* issue 13: where status and text disagree, the text decides */
	{"5.1.1", "failed", FB_SAYS_BLOCKED, FB_CLASS_BLOCK},
	{"5.0.0", "failed", FB_SAYS_USER_UNKNOWN, FB_CLASS_BOUNCE},
	{"5.4.4", "failed", FB_SAYS_HOST_UNKNOWN, FB_CLASS_BOUNCE},
	{"4.4.0", "failed", FB_SAYS_HOST_UNKNOWN, FB_CLASS_HARD},
	{"5.1.1", "failed", FB_SAYS_FULL, FB_CLASS_HARD},
	{"5.1.1", "failed", FB_SAYS_FILTERED, FB_CLASS_HARD},
	{"5.0.0", "failed", FB_SAYS_NO_ACCOUNT, FB_CLASS_BOUNCE},
	{"5.2.1", "failed", FB_SAYS_DISABLED, FB_CLASS_HARD},
	/* sendmail's 5.7.27 for the recipient domain's null MX: its words ("Host does not accept mail") decide */
	{"5.7.27", "failed", FB_SAYS_DISABLED, FB_CLASS_HARD},
	/* issue 13: a final failure with 4.x.x counts; a delay changes nothing */
	{"4.4.7", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"4.4.1", "failed", FB_SAYS_NOTHING, FB_CLASS_HARD},
	{"4.0.0", "failed", FB_SAYS_EXPIRED, FB_CLASS_HARD},
	{"4.2.2", "delayed", FB_SAYS_NOTHING, FB_CLASS_SOFT},
	{"4.4.7", "delayed", FB_SAYS_NOTHING, FB_CLASS_SOFT},
	{"4.0.0", "delayed", FB_SAYS_NOTHING, FB_CLASS_SOFT},
	{"5.1.1", "delayed", FB_SAYS_NOTHING, FB_CLASS_SOFT},
	{"5.2.2", "Delayed", FB_SAYS_NOTHING, FB_CLASS_SOFT},
	{"4.7.1", "delayed", FB_SAYS_BLOCKED, FB_CLASS_SOFT},
	{"4.4.7", NULL, FB_SAYS_DELAYED, FB_CLASS_SOFT},
	{"4.4.7", "failed", FB_SAYS_DELAYED, FB_CLASS_HARD},
	{"5.1.1", "delivered", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"5.1.1", "relayed", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"5.1.1", "expanded", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"2.0.0", "delivered", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"", "failed", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{NULL, "failed", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"5.1", "failed", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"6.1.1", "failed", FB_SAYS_NOTHING, FB_CLASS_NONE},
	{"x.1.1", "failed", FB_SAYS_NOTHING, FB_CLASS_NONE},
};
/* clang-format on */

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* One row of the status table. */
static void
test_row(void **state)
{
	const struct status_case *c = *state;

	assert_string_equal(fb_class_name(fb_rcpt_class(c->status, c->action, c->says)), fb_class_name(c->want));
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
/* What bounce texts say, family by family (issue 13): the words decide where a status is vague or wrong. */
static void
test_says(void **state)
{
	static const struct {
		const char *text;
		enum fb_says want;
	} rows[] = {
	    {"550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in local recipient table",
	     FB_SAYS_USER_UNKNOWN},
	    {"jana.roth@notes.example.net is not listed in Domino Directory", FB_SAYS_USER_UNKNOWN},
	    {"550 Invalid final delivery userid: nora.ek", FB_SAYS_USER_UNKNOWN},
	    {"Unrouteable address: The account or domain may not exist", FB_SAYS_USER_UNKNOWN},
	    {"554 delivery error: dd This user doesn't have a yahoo.com account", FB_SAYS_NO_ACCOUNT},
	    {"550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416", FB_SAYS_NO_ACCOUNT},
	    {"550 : User unknown", FB_SAYS_FILTERED},
	    {"550: : User unknown", FB_SAYS_FILTERED},
	    {"550 <a@example.jp>: User unknown", FB_SAYS_USER_UNKNOWN},
	    {"550 5.2.0 <s@example.com> From: Domain is invalid. Please provide a valid From: IB506", FB_SAYS_BLOCKED},
	    {"550 5.4.1 [a@example.org]: Recipient\n    address rejected: Access denied", FB_SAYS_USER_UNKNOWN},
	    {"550 5.1.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", FB_SAYS_BLOCKED},
	    {"550 5.1.1 IP address 192.0.2.1 is blacklisted", FB_SAYS_BLOCKED},
	    {"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume",
	     FB_SAYS_BLOCKED},
	    {"550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)",
	     FB_SAYS_BLOCKED},
	    {"550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification", FB_SAYS_BLOCKED},
	    {"421 Too many connections from your IP", FB_SAYS_BLOCKED},
	    {"450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted", FB_SAYS_BLOCKED},
	    {"Host or domain name not found. Name service error for name=nosuchhost.example.org", FB_SAYS_HOST_UNKNOWN},
	    {"552 5.2.2 <a@example.org>: mailbox is full", FB_SAYS_FULL},
	    {"retry timeout exceeded", FB_SAYS_EXPIRED},
	    {"550-5.2.1 The email account that you tried to reach is inactive.", FB_SAYS_DISABLED},
	    {"Delivery to the following recipient has been delayed", FB_SAYS_DELAYED},
	    {"250 2.0.0 Ok: queued as 4B2A1", FB_SAYS_NOTHING},
	    /* a gateway's summary after the address, no SMTP reply: counted, not dead */
	    {"---The following addresses had delivery errors---\n\na@example.org [User unknown]", FB_SAYS_FILTERED},
	    /* a null MX (RFC 7505): the domain takes no mail; counted, not dead at once */
	    {"5.1.10 (host/domain does not accept mail)", FB_SAYS_DISABLED},
	    {"550 Host does not accept mail", FB_SAYS_DISABLED},
	    /* the sender's own domain has a null MX (RFC 7505's 5.7.27): a refusal of the sender */
	    {"550 5.7.27 <b@esp.example>: Sender address rejected: Domain esp.example does not accept mail (nullMX)",
	     FB_SAYS_BLOCKED},
	    {"550 5.7.1 We do not accept mail from your domain", FB_SAYS_BLOCKED},
	    /* a rate, the sender, a policy or the message's From: refused, whatever the status (issue 13) */
	    {"421-4.7.28 Our system has detected an unusual rate of mail originating from your IP address.",
	     FB_SAYS_BLOCKED},
	    {"501 5.1.0 Emetteur invalide. Invalid Sender. OFR_506 [506]", FB_SAYS_BLOCKED},
	    {"550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", FB_SAYS_BLOCKED},
	    {"550 Denied by policy", FB_SAYS_BLOCKED},
	    {"550-5.7.1 Messages missing a valid address in From: header, or having no From: header, are not accepted.",
	     FB_SAYS_BLOCKED},
	    /* Zoho's mail host for a domain it does not host: the domain exists; counted, not dead at once */
	    {"553 Relaying disallowed. Invalid Domain - example.com", FB_SAYS_DISABLED},
	    {"550 5.4.6 Unable to deliver to a@example.com. Relaying disallowed", FB_SAYS_DISABLED},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (fb_text_says(rows[i].text, strlen(rows[i].text)) != rows[i].want)
			fail_msg("\"%s\" says %s, want %s", rows[i].text,
			         fb_says_name(fb_text_says(rows[i].text, strlen(rows[i].text))),
			         fb_says_name(rows[i].want));
}

/* Where in the dialogue a refusal came: before any recipient it is a block; "user unknown" after DATA a filter's. */
static void
test_stage(void **state)
{
	static const char exim_mail[] =
	    "SMTP error from remote mail server after MAIL FROM:<a@example.com> SIZE=1543:\n"
	    "host mx.example.jp [192.0.2.20]: 553 5.1.0 neko.example.com does not exist";
	static const char postfix_data[] =
	    "host mx.example.net said: 550 5.0.0 <b@example.net>: User unknown (in reply "
	    "to end of DATA command)";
	static const char postfix_greeting[] =
	    "delivery temporarily suspended: connect to\n    mx.example.com[192.0.2.232]: server refused to talk to "
	    "me: 421\n    Service not available, closing transmission channel";
	static const char postfix_rcpt[] =
	    "host mx.example.jp[192.0.2.22] said: 550 5.2.1\n    <k@example.jp>... User Unknown (in reply to RCPT TO "
	    "command)";
	static const char rcpt_host[] = "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <k@example.com>... No such user here";
	static const char pipelined[] =
	    ">>> RCPT To:<c@example.org>\n>>> DATA\n<<< 550 5.1.1 <c@example.org>... User unknown";

	assert_int_equal(fb_text_stage(exim_mail, strlen(exim_mail)), FB_STAGE_SENDER);
	assert_int_equal(fb_says_at_stage(fb_text_says(exim_mail, strlen(exim_mail)), FB_STAGE_SENDER, "5.1.0"),
	                 FB_SAYS_BLOCKED);
	assert_int_equal(fb_text_stage(postfix_data, strlen(postfix_data)), FB_STAGE_DATA);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_DATA, "5.0.0"), FB_SAYS_FILTERED);
	assert_int_equal(fb_text_stage(pipelined, strlen(pipelined)), FB_STAGE_DATA);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_DATA, "5.1.1"), FB_SAYS_USER_UNKNOWN);
	/* the provider's own "no such account" sentence is a lookup, whenever it was answered */
	assert_int_equal(fb_says_at_stage(FB_SAYS_NO_ACCOUNT, FB_STAGE_DATA, "5.0.0"), FB_SAYS_NO_ACCOUNT);
	/* Postfix's "refused to talk to me": the greeting refused the sending host, whatever else the text says */
	assert_int_equal(fb_text_stage(postfix_greeting, strlen(postfix_greeting)), FB_STAGE_SENDER);
	assert_int_equal(fb_says_at_stage(fb_text_says(postfix_greeting, strlen(postfix_greeting)),
	                                  fb_text_stage(postfix_greeting, strlen(postfix_greeting)), "4.0.0"),
	                 FB_SAYS_BLOCKED);
	/* x.2.x, x.3.x: not the address; "user unknown" with it is a filter's unless it answered RCPT TO */
	assert_int_equal(fb_text_stage(postfix_rcpt, strlen(postfix_rcpt)), FB_STAGE_RCPT);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_RCPT, "5.2.1"), FB_SAYS_USER_UNKNOWN);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_UNKNOWN, "5.2.1"), FB_SAYS_FILTERED);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_UNKNOWN, "5.1.1"), FB_SAYS_USER_UNKNOWN);
	assert_int_equal(fb_says_at_stage(FB_SAYS_USER_UNKNOWN, FB_STAGE_UNKNOWN, "5.3.0"), FB_SAYS_FILTERED);
	assert_int_equal(fb_text_stage(rcpt_host, strlen(rcpt_host)), FB_STAGE_RCPT);
	assert_int_equal(fb_rcpt_class("5.2.1", "failed", FB_SAYS_FILTERED), FB_CLASS_HARD);
	/* a reply code at a line's end that a folded line continues is a reply code; a number at a line's end is not */
	{
		static const char folded[] = "mx.example.org[192.0.2.22] said: 550\n    <a@example.org>: User unknown";
		static const char count[] = "Number of lines: 550\nSize: 2";
		char status[16], diag[128];

		assert_false(fb_find_status(folded, strlen(folded), status, sizeof(status), diag, sizeof(diag)));
		assert_string_equal(status, "5.0.0");
		fb_find_status(count, strlen(count), status, sizeof(status), diag, sizeof(diag));
		assert_string_equal(status, "");
	}
	/* a local delivery program's failure (x-unix) is counted, whatever its words say */
	assert_int_equal(fb_rcpt_class("5.1.1", "failed", FB_SAYS_PROGRAM), FB_CLASS_HARD);
	(void)state;
}

/* The Subjects and first lines that ask to unsubscribe, and near misses that do not. */
static void
test_reply_asks(void **state)
{
	static const char *const yes[] = {
	    "unsubscribe",
	    "UNSUBSCRIBE",
	    "Re: unsubscribe",
	    "RE: Re: Fwd: stop",
	    "Stop!",
	    "STOP.",
	    "remove me",
	    "Remove me from your list, thanks",
	    "please unsubscribe me",
	    "Please remove me.",
	    "opt out",
	    "Opt-Out",
	    "optout",
	    "unsub",
	    "cancel",
	    "  unsubscribe  ",
	    "AW: unsubscribe",
	    "unsubscribe me now",
	};
	static const char *const no[] = {
	    "Re: weekly news",
	    "Stop missing out on our deals",
	    "stop by our shop",
	    "Re: Stop missing out",
	    "I want to unsubscribe",
	    "unsubscribed",
	    "removed",
	    "please",
	    "",
	    "Re:",
	    "optional",
	    "opt in",
	    "remove the second paragraph",
	    "can you unsubscribe me",
	    "stopwatch",
	    "Thanks for the news",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!fb_reply_asks(yes[i], strlen(yes[i])))
			fail_msg("\"%s\" should ask to unsubscribe", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (fb_reply_asks(no[i], strlen(no[i])))
			fail_msg("\"%s\" should not ask to unsubscribe", no[i]);
	(void)state;
}

int
main(void)
{
	static char names[NCASES][64];
	static struct CMUnitTest tests[NCASES + 5];

	for (size_t i = 0; i < NCASES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s %s %s is %s", cases[i].status ? cases[i].status : "(none)",
		         cases[i].action ? cases[i].action : "(none)", fb_says_name(cases[i].says),
		         fb_class_name(cases[i].want));
		tests[i] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(test_null_sender);
	tests[NCASES + 1] = (struct CMUnitTest)cmocka_unit_test(test_auto_reply);
	tests[NCASES + 2] = (struct CMUnitTest)cmocka_unit_test(test_says);
	tests[NCASES + 3] = (struct CMUnitTest)cmocka_unit_test(test_stage);
	tests[NCASES + 4] = (struct CMUnitTest)cmocka_unit_test(test_reply_asks);
	return _cmocka_run_group_tests("fb_status", tests, NCASES + 5, NULL, NULL);
}
