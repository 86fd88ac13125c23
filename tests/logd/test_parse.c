/*
 * test_parse.c - Postfix log lines into records (ld_parse), one table row a line.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ld_parse.h"

struct parse_case {
	const char *name;
	const char *line;
	const char *want; /* "kind qid pool ip addr dsn status signal" */
};

#define P "Dec  7 02:18:00 mta postfix/bg-shared-a-1/smtp[123]: 4Xq1: "
static const struct parse_case cases[] = {
    {"delivery by a pool transport",
     P "to=<a@dest.example>, relay=mx[1.2.3.4]:25, delay=0.1, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
     "delivery 4Xq1 shared-a 1 a@dest.example 2.0.0 sent none"},
    {"RFC 3339 time, two-digit IP",
     "2026-12-07T02:18:00.123456+00:00 mta postfix/bg-p-12/smtp[9]: ABC: to=<b@x.example>, orig_to=<B@x.example>, "
     "relay=none, delay=1, dsn=4.4.1, status=deferred (connect to x: Connection refused)",
     "delivery ABC p 12 b@x.example 4.4.1 deferred none"},
    {"user unknown",
     P "to=<c@dest.example>, relay=mx[1.2.3.4]:25, dsn=5.1.1, status=bounced (host mx said: 550 5.1.1 "
       "<c@dest.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
     "delivery 4Xq1 shared-a 1 c@dest.example 5.1.1 bounced dead"},
    {"a blocklisting",
     P "to=<d@dest.example>, relay=mx[1.2.3.4]:25, dsn=5.7.1, status=bounced (host mx said: 554 5.7.1 Service "
       "unavailable; Client host [127.0.0.2] blocked using zen.spamhaus.org (in reply to RCPT TO command))",
     "delivery 4Xq1 shared-a 1 d@dest.example 5.7.1 bounced block"},
    {"Gmail's 421 4.7.28",
     P "to=<e@gmail.com>, relay=mx[1.2.3.4]:25, dsn=4.7.28, status=deferred (host mx said: 421 4.7.28 Our system has "
       "detected an unusual rate of unsolicited mail (in reply to end of DATA command))",
     "delivery 4Xq1 shared-a 1 e@gmail.com 4.7.28 deferred throttle"},
    {"450 4.7.1 rate limited",
     P "to=<f@x.example>, relay=mx[1.2.3.4]:25, dsn=4.7.1, status=deferred (host mx said: 450 4.7.1 Rate limit "
       "exceeded, try again later)",
     "delivery 4Xq1 shared-a 1 f@x.example 4.7.1 deferred throttle"},
    {"Yahoo TS code",
     P "to=<g@yahoo.com>, relay=mx[1.2.3.4]:25, dsn=4.7.0, status=deferred (host mx said: 421 4.7.0 [TSS04] Messages "
       "from 1.2.3.4 temporarily deferred)",
     "delivery 4Xq1 shared-a 1 g@yahoo.com 4.7.0 deferred throttle"},
    {"a plain 4.x.x is no throttle",
     P "to=<h@x.example>, relay=mx[1.2.3.4]:25, dsn=4.2.2, status=deferred (host mx said: 452 4.2.2 Mailbox full)",
     "delivery 4Xq1 shared-a 1 h@x.example 4.2.2 deferred none"},
    {"not a pool transport",
     "Dec  7 02:18:00 mta postfix/smtp[123]: 4Xq1: to=<i@x.example>, relay=mx, dsn=2.0.0, status=sent (250 ok)",
     "delivery 4Xq1 - 0 i@x.example 2.0.0 sent none"},
    {"bg- without a number",
     "Dec  7 02:18:00 mta postfix/bg-pool/smtp[123]: 4Xq1: to=<i@x.example>, relay=mx, dsn=2.0.0, status=sent (250 ok)",
     "delivery 4Xq1 - 0 i@x.example 2.0.0 sent none"},
    {"qmgr from",
     "Dec  7 02:18:00 mta postfix/qmgr[77]: 4Xq1: from=<b2-auj2abcdefgh1234-a=dest.example@bounce.esp.example>, "
     "size=512, nrcpt=1 (queue active)",
     "from 4Xq1 - 0 b2-auj2abcdefgh1234-a=dest.example@bounce.esp.example - - -"},
    {"qmgr removed", "Dec  7 02:18:00 mta postfix/qmgr[77]: 4Xq1: removed", "removed 4Xq1 - 0 - - - -"},
    {"from= by another service", "Dec  7 02:18:00 mta postfix/cleanup[77]: 4Xq1: from=<x@y>, size=1", "none"},
    {"smtpd noise", "Dec  7 02:18:00 mta postfix/smtpd[5]: connect from localhost[127.0.0.1]", "none"},
    {"unknown status", P "to=<a@b>, dsn=2.0.0, status=weird (x)", "none"},
    {"no dsn", P "to=<a@b>, status=sent (x)", "none"},
    {"empty", "", "none"},
    {"cut address", P "to=<a@b", "none"},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Writes the record as the table does. */
static void
show(const struct ld_record *r, char *out, size_t len)
{
	static const char *kinds[] = {"none", "from", "delivery", "removed"};

	if (r->kind == LD_NONE)
		snprintf(out, len, "none");
	else if (r->kind == LD_DELIVERY)
		snprintf(out, len, "%s %s %s %ld %s %s %s %s", kinds[r->kind], r->qid, r->pool[0] ? r->pool : "-",
		         r->ip, r->addr, r->dsn, ld_status_name(r->status), ld_signal_name(r->signal));
	else
		snprintf(out, len, "%s %s %s %ld %s - - -", kinds[r->kind], r->qid, r->pool[0] ? r->pool : "-", r->ip,
		         r->addr[0] ? r->addr : "-");
}

/* One row. */
static void
test_parse(void **state)
{
	const struct parse_case *c = *state;
	struct ld_record r;
	char got[1024];

	ld_parse(c->line, strlen(c->line), &r);
	show(&r, got, sizeof(got));
	assert_string_equal(got, c->want);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static struct CMUnitTest tests[NCASES];

	for (size_t i = 0; i < NCASES; i++)
		tests[i] = (struct CMUnitTest){cases[i].name, test_parse, NULL, NULL, (void *)&cases[i]};
	return _cmocka_run_group_tests("ld_parse", tests, NCASES, NULL, NULL);
}
