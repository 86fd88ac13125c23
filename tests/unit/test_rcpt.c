/*
 * test_rcpt.c - table-driven unit tests for the pure half of the recipient
 * gate: bg_rcpt_decide (facts in, verdict out) and bg_rcpt_reply (the
 * contract's SMTP replies). No Redis here; bg_rcpt_check is tested against
 * a real redis-server elsewhere.
 *
 * The class matrix is the class table of doc/design.md 3.3 written out: for each class,
 * which suppression reasons refuse it; every (class, reason) pair is then run
 * in each of the three scopes (global, entity, list). Further tables cover
 * several scopes at once, suspension, consent levels and consent age, and
 * every verdict's reply. Every decision row also checks that
 * claim_confirmation is set exactly for accepted confirmation mail.
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

#include "bg_rcpt.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define T0 1763800000L /* when consent or suppression was recorded */
#define DAY 86400L
#define NOW (T0 + 10 * DAY)

#define BULK BG_CLASS_BULK
#define CONF BG_CLASS_CONFIRMATION
#define TRANS BG_CLASS_TRANSACTIONAL
#define MAND BG_CLASS_MANDATED

#define ACCEPT BG_V_ACCEPT
#define SUPP BG_V_SUPPRESSED
#define NOCONSENT BG_V_NO_CONSENT
#define SUSP BG_V_SUSPENDED

/* Builds entity "acme" and a sender of class with list (may be "") into e and s. */
static void
make_sender(struct bg_entity *e, struct bg_sender *s, enum bg_class class, const char *list, long consent,
	    long max_age, bool reaches)
{
	memset(e, 0, sizeof(*e));
	memset(s, 0, sizeof(*s));
	e->name = "acme";
	e->consent = consent;
	e->consent_max_age_days = max_age;
	e->mandated_reaches_complainers = reaches;
	e->confirmation_interval = DAY;
	s->entity = e;
	s->class = class;
	bg_strlcpy(s->list, list, sizeof(s->list));
}

/* Decides, and checks the invariants every decision holds. */
static void
decide(const struct bg_sender *s, const struct bg_rcpt_facts *f, time_t now, struct bg_decision *d)
{
	memset(d, 'Z', sizeof(*d));
	bg_rcpt_decide(s, f, now, d);
	assert_true(d->verdict == ACCEPT || d->verdict == SUPP || d->verdict == NOCONSENT || d->verdict == SUSP);
	if (d->claim_confirmation != (s->class == CONF && d->verdict == ACCEPT))
		fail_msg("claim_confirmation %d for %s mail, verdict %s", d->claim_confirmation,
			 bg_class_name(s->class), bg_verdict_name(d->verdict));
	assert_true(strlen(d->reason) < sizeof(d->reason));
	if (d->verdict != SUPP)
		assert_string_equal(d->reason, "");
}

/* Fails unless d is the expected verdict (and reason, for a suppression). */
static void
check_verdict(const struct bg_decision *d, enum bg_verdict want, const char *reason)
{
	if (d->verdict != want)
		fail_msg("verdict %s (%s), want %s (%s)", bg_verdict_name(d->verdict), d->reason, bg_verdict_name(want),
			 reason ? reason : "");
	if (want == SUPP)
		assert_string_equal(d->reason, reason);
}

/*
 * The class matrix. Reasons as stored: NULL is no suppression, "" an empty
 * value; the others carry a time and a source as the tools write them.
 */
enum { R_NONE, R_BOUNCE, R_INVALID, R_COMPLAINT, R_UNSUB, R_MANUAL, R_OTHER, R_EMPTY, NREASONS };

static const struct {
	const char *stored;
	const char *shown; /* the reason the reply names */
	const char *label;
} reasons[NREASONS] = {
	[R_NONE] = { NULL, NULL, "none" },
	[R_BOUNCE] = { "bounce 1763800000 dsn", "bounce", "bounce" },
	[R_INVALID] = { "invalid 1763800000 import", "invalid", "invalid" },
	[R_COMPLAINT] = { "complaint 1763800000 arf", "complaint", "complaint" },
	[R_UNSUB] = { "unsubscribe 1763800000 one-click", "unsubscribe", "unsubscribe" },
	[R_MANUAL] = { "manual", "manual", "manual" },
	[R_OTHER] = { "other-word 1763800000", "other-word", "other-word" },
	[R_EMPTY] = { "", "manual", "empty" },
};

/* The class table (doc/design.md 3.3): which reasons refuse which class (1 = 550 recipient suppressed). */
static const struct class_row {
	const char *name;
	enum bg_class class;
	bool reaches; /* mandated_reaches_complainers */
	bool refused[NREASONS];
} class_rows[] = {
	{ "bulk", BULK, false,
	  { [R_BOUNCE] = 1, [R_INVALID] = 1, [R_COMPLAINT] = 1, [R_UNSUB] = 1, [R_MANUAL] = 1, [R_OTHER] = 1,
	    [R_EMPTY] = 1 } },
	{ "confirmation", CONF, false,
	  { [R_BOUNCE] = 1, [R_INVALID] = 1, [R_COMPLAINT] = 1, [R_UNSUB] = 1, [R_MANUAL] = 1, [R_OTHER] = 1,
	    [R_EMPTY] = 1 } },
	{ "transactional", TRANS, false, { [R_BOUNCE] = 1, [R_INVALID] = 1 } },
	{ "transactional (reaches complainers)", TRANS, true, { [R_BOUNCE] = 1, [R_INVALID] = 1 } },
	{ "mandated", MAND, false, { [R_BOUNCE] = 1, [R_INVALID] = 1, [R_COMPLAINT] = 1 } },
	{ "mandated (reaches complainers)", MAND, true, { [R_BOUNCE] = 1, [R_INVALID] = 1 } },
};

static const struct {
	enum bg_fact fact;
	const char *label;
} scopes[] = {
	{ BG_F_SUPPRESS, "global" },
	{ BG_F_SUPPRESS_ENTITY, "entity" },
	{ BG_F_SUPPRESS_LIST, "list" },
};

#define NMATRIX (NELEM(class_rows) * NREASONS * NELEM(scopes))

struct matrix_case {
	const struct class_row *row;
	int reason;
	int scope;
};

static struct matrix_case matrix[NMATRIX];

/* Runs one (class, reason, scope): consent is confirmed, so only the suppression can refuse. */
static void
test_matrix(void **state)
{
	const struct matrix_case *c = *state;
	struct bg_rcpt_facts f = { { NULL } };
	struct bg_entity e;
	struct bg_sender s;
	struct bg_decision d;

	make_sender(&e, &s, c->row->class, "weekly", BG_CONSENT_CONFIRMED, 0, c->row->reaches);
	f.v[BG_F_CONSENT_ENTITY] = "confirmed 1763800000 198.51.100.7 signup-form";
	f.v[scopes[c->scope].fact] = reasons[c->reason].stored;
	decide(&s, &f, NOW, &d);
	if (c->row->refused[c->reason])
		check_verdict(&d, SUPP, reasons[c->reason].shown);
	else
		check_verdict(&d, ACCEPT, NULL);
}

/* A general decision row: facts as stored, the entity's settings, and the verdict. */
struct decide_case {
	const char *name;
	enum bg_class class;
	long consent;     /* the entity's required level */
	long max_age;     /* consent_max_age_days */
	bool reaches;     /* mandated_reaches_complainers */
	const char *list; /* the sender's list */
	const char *v[BG_F_COUNT];
	long now; /* 0: NOW */
	enum bg_verdict verdict;
	const char *reason;
	bool no_entity; /* the sender has no entity (an unknown sender) */
};

#define C_OK "confirmed 1763800000"
#define FACTS(g, e, l, ce, cl, susp) { g, e, l, ce, cl, susp }
#define CONFIRMED BG_CONSENT_CONFIRMED

/* Several scopes at once: the strongest reason that applies is reported. */
static const struct decide_case multi_cases[] = {
	{ "bulk: unsubscribe, complaint, bounce -> bounce", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS("unsubscribe", "complaint", "bounce", C_OK, NULL, NULL), 0, SUPP, "bounce" },
	{ "bulk: bounce, complaint, unsubscribe -> bounce", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS("bounce", "complaint", "unsubscribe", C_OK, NULL, NULL), 0, SUPP, "bounce" },
	{ "bulk: complaint, -, unsubscribe -> complaint", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS("complaint", NULL, "unsubscribe", C_OK, NULL, NULL), 0, SUPP, "complaint" },
	{ "bulk: unsubscribe, -, complaint -> complaint", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS("unsubscribe", NULL, "complaint", C_OK, NULL, NULL), 0, SUPP, "complaint" },
	{ "bulk: -, manual, invalid -> invalid", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, "manual", "invalid 1763800000", C_OK, NULL, NULL), 0, SUPP, "invalid" },
	{ "bulk: other-word, complaint, - -> complaint", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS("other-word", "complaint", NULL, C_OK, NULL, NULL), 0, SUPP, "complaint" },
	{ "bulk: empty, invalid, - -> invalid", BULK, CONFIRMED, 0, false, "",
	  FACTS("", "invalid", NULL, C_OK, NULL, NULL), 0, SUPP, "invalid" },
	{ "bulk: Complaint in capitals", BULK, CONFIRMED, 0, false, "",
	  FACTS("Complaint 1763800000", NULL, NULL, C_OK, NULL, NULL), 0, SUPP, "complaint" },
	{ "bulk: BOUNCE in capitals", BULK, CONFIRMED, 0, false, "",
	  FACTS(NULL, "BOUNCE", NULL, C_OK, NULL, NULL), 0, SUPP, "bounce" },
	{ "confirmation: complaint, unsubscribe -> complaint", CONF, CONFIRMED, 0, false, "weekly",
	  FACTS("complaint", "unsubscribe", NULL, NULL, NULL, NULL), 0, SUPP, "complaint" },
	{ "confirmation: unsubscribe, -, bounce -> bounce", CONF, CONFIRMED, 0, false, "weekly",
	  FACTS("unsubscribe", NULL, "bounce", NULL, NULL, NULL), 0, SUPP, "bounce" },
	{ "transactional: complaint, unsubscribe, bounce -> bounce", TRANS, CONFIRMED, 0, false, "weekly",
	  FACTS("complaint", "unsubscribe", "bounce", NULL, NULL, NULL), 0, SUPP, "bounce" },
	{ "transactional: complaint, unsubscribe, manual -> accept", TRANS, CONFIRMED, 0, false, "weekly",
	  FACTS("complaint", "unsubscribe", "manual", NULL, NULL, NULL), 0, ACCEPT, NULL },
	{ "transactional: unsubscribe, invalid, complaint -> invalid", TRANS, CONFIRMED, 0, false, "weekly",
	  FACTS("unsubscribe", "invalid", "complaint", NULL, NULL, NULL), 0, SUPP, "invalid" },
	{ "mandated: complaint, -, unsubscribe -> complaint", MAND, CONFIRMED, 0, false, "weekly",
	  FACTS("complaint", NULL, "unsubscribe", NULL, NULL, NULL), 0, SUPP, "complaint" },
	{ "mandated: unsubscribe, complaint, manual -> complaint", MAND, CONFIRMED, 0, false, "weekly",
	  FACTS("unsubscribe", "complaint", "manual", NULL, NULL, NULL), 0, SUPP, "complaint" },
	{ "mandated reaching complainers: complaint, -, unsubscribe -> accept", MAND, CONFIRMED, 0, true, "weekly",
	  FACTS("complaint", NULL, "unsubscribe", NULL, NULL, NULL), 0, ACCEPT, NULL },
	{ "mandated reaching complainers: complaint, invalid, - -> invalid", MAND, CONFIRMED, 0, true, "weekly",
	  FACTS("complaint", "invalid", NULL, NULL, NULL, NULL), 0, SUPP, "invalid" },
	{ "mandated reaching complainers: -, complaint, bounce -> bounce", MAND, CONFIRMED, 0, true, "weekly",
	  FACTS(NULL, "complaint", "bounce", NULL, NULL, NULL), 0, SUPP, "bounce" },
};

/* Suspension: bulk and confirmation mail tempfail; a suppression still wins. */
#define S "breach notice running"
static const struct decide_case suspend_cases[] = {
	{ "bulk suspended", BULK, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, S), 0, SUSP, NULL },
	{ "bulk to a list suspended", BULK, CONFIRMED, 0, false, "weekly", FACTS(NULL, NULL, NULL, C_OK, C_OK, S), 0,
	  SUSP, NULL },
	{ "bulk suspended, empty reason", BULK, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, ""), 0,
	  SUSP, NULL },
	{ "confirmation suspended", CONF, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, S), 0, SUSP,
	  NULL },
	{ "transactional not suspended", TRANS, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, S), 0,
	  ACCEPT, NULL },
	{ "mandated not suspended", MAND, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, S), 0, ACCEPT,
	  NULL },
	{ "bulk suspended, unsubscribed: suppression wins", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, NULL, "unsubscribe", C_OK, NULL, S), 0, SUPP, "unsubscribe" },
	{ "confirmation suspended, complaint: suppression wins", CONF, CONFIRMED, 0, false, "",
	  FACTS("complaint", NULL, NULL, NULL, NULL, S), 0, SUPP, "complaint" },
	{ "transactional suspended, bounce: suppression wins", TRANS, CONFIRMED, 0, false, "",
	  FACTS(NULL, "bounce", NULL, NULL, NULL, S), 0, SUPP, "bounce" },
	{ "mandated suspended, invalid: suppression wins", MAND, CONFIRMED, 0, false, "",
	  FACTS("invalid", NULL, NULL, NULL, NULL, S), 0, SUPP, "invalid" },
	{ "mandated suspended, complaint: suppression wins", MAND, CONFIRMED, 0, false, "",
	  FACTS(NULL, "complaint", NULL, NULL, NULL, S), 0, SUPP, "complaint" },
	{ "transactional suspended, unsubscribed: accept", TRANS, CONFIRMED, 0, false, "",
	  FACTS("unsubscribe", NULL, NULL, NULL, NULL, S), 0, ACCEPT, NULL },
};

/* Consent age: consent_max_age_days 30 unless the row says otherwise. */
#define AGE(days) (T0 + (days) * DAY)
static const struct decide_case age_cases[] = {
	{ "10 days old, limit 30", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, NULL), AGE(10),
	  ACCEPT, NULL },
	{ "exactly 30 days old, limit 30", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, NULL),
	  AGE(30), ACCEPT, NULL },
	{ "30 days and 1 s old, limit 30", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, NULL),
	  AGE(30) + 1, NOCONSENT, NULL },
	{ "400 days old, limit 30", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, NULL), AGE(400),
	  NOCONSENT, NULL },
	{ "with ip and source, inside", BULK, CONFIRMED, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed 1763800000 198.51.100.7 signup-form", NULL, NULL), AGE(1), ACCEPT, NULL },
	{ "with ip and source, outside", BULK, CONFIRMED, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed 1763800000 198.51.100.7 signup-form", NULL, NULL), AGE(31), NOCONSENT,
	  NULL },
	{ "time missing", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, "confirmed", NULL, NULL), AGE(1),
	  NOCONSENT, NULL },
	{ "time missing, trailing space", BULK, CONFIRMED, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed ", NULL, NULL), AGE(1), NOCONSENT, NULL },
	{ "time malformed: word", BULK, CONFIRMED, 30, false, "", FACTS(NULL, NULL, NULL, "confirmed abc", NULL, NULL),
	  AGE(1), NOCONSENT, NULL },
	{ "time malformed: trailing junk", BULK, CONFIRMED, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed 1763800000x", NULL, NULL), AGE(1), NOCONSENT, NULL },
	{ "no limit: time missing", BULK, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, "confirmed", NULL, NULL),
	  AGE(1), ACCEPT, NULL },
	{ "no limit: 20 years old", BULK, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, C_OK, NULL, NULL),
	  AGE(7300), ACCEPT, NULL },
	{ "entity stale, list fresh", BULK, CONFIRMED, 30, false, "weekly",
	  FACTS(NULL, NULL, NULL, "confirmed 1000000000", C_OK, NULL), AGE(1), ACCEPT, NULL },
	{ "entity fresh, list stale", BULK, CONFIRMED, 30, false, "weekly",
	  FACTS(NULL, NULL, NULL, C_OK, "confirmed 1000000000", NULL), AGE(1), ACCEPT, NULL },
	{ "entity stale, list malformed", BULK, CONFIRMED, 30, false, "weekly",
	  FACTS(NULL, NULL, NULL, "confirmed 1000000000", "confirmed x", NULL), AGE(1), NOCONSENT, NULL },
	{ "single level, stale", BULK, BG_CONSENT_SINGLE, 30, false, "",
	  FACTS(NULL, NULL, NULL, "single 1763800000", NULL, NULL), AGE(31), NOCONSENT, NULL },
	{ "required none: stale consent is enough", BULK, BG_CONSENT_NONE, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed 1000000000", NULL, NULL), AGE(1), ACCEPT, NULL },
	{ "confirmation mail ignores stale consent", CONF, CONFIRMED, 30, false, "",
	  FACTS(NULL, NULL, NULL, "confirmed 1000000000", NULL, NULL), AGE(1), ACCEPT, NULL },
};

/* Consent required by class: only bulk mail needs it. */
static const struct decide_case class_consent_cases[] = {
	{ "bulk without consent", BULK, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, NULL), 0,
	  NOCONSENT, NULL },
	{ "bulk to a list without consent", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, NULL, NULL, NULL), 0, NOCONSENT, NULL },
	{ "confirmation without consent", CONF, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, NULL), 0,
	  ACCEPT, NULL },
	{ "transactional without consent", TRANS, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, NULL), 0,
	  ACCEPT, NULL },
	{ "mandated without consent", MAND, CONFIRMED, 0, false, "", FACTS(NULL, NULL, NULL, NULL, NULL, NULL), 0,
	  ACCEPT, NULL },
	{ "bulk, no consent, unsubscribed: suppression first", BULK, CONFIRMED, 0, false, "",
	  FACTS("unsubscribe", NULL, NULL, NULL, NULL, NULL), 0, SUPP, "unsubscribe" },
};

/* The base address's suppressions (bg_addr_base) count as the literal address's. */
#define FACTS9(g, e, l, ce, cl, susp, bg, be, bl) { g, e, l, ce, cl, susp, bg, be, bl }
static const struct decide_case base_cases[] = {
	{ "bulk: base bounced", BULK, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, C_OK, NULL, NULL, "bounce", NULL, NULL), 0, SUPP, "bounce" },
	{ "bulk: base unsubscribed from the entity", BULK, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, C_OK, NULL, NULL, NULL, "unsubscribe", NULL), 0, SUPP, "unsubscribe" },
	{ "bulk: base complained about the list", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS9(NULL, NULL, NULL, C_OK, NULL, NULL, NULL, NULL, "complaint"), 0, SUPP, "complaint" },
	{ "bulk: literal unsubscribed, base bounced -> bounce", BULK, CONFIRMED, 0, false, "",
	  FACTS9("unsubscribe", NULL, NULL, C_OK, NULL, NULL, "bounce 1763800000", NULL, NULL), 0, SUPP, "bounce" },
	{ "bulk: literal bounced, base unsubscribed -> bounce", BULK, CONFIRMED, 0, false, "",
	  FACTS9("bounce", NULL, NULL, C_OK, NULL, NULL, "unsubscribe", NULL, NULL), 0, SUPP, "bounce" },
	{ "confirmation: base unsubscribed", CONF, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, "unsubscribe", NULL, NULL), 0, SUPP, "unsubscribe" },
	{ "transactional: base unsubscribed -> accept", TRANS, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, "unsubscribe", "complaint", NULL), 0, ACCEPT, NULL },
	{ "transactional: base invalid", TRANS, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, NULL, "invalid", NULL), 0, SUPP, "invalid" },
	{ "mandated: base complained", MAND, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, "complaint", NULL, NULL), 0, SUPP, "complaint" },
	{ "bulk: a list suppression of the base, mail to no list", BULK, CONFIRMED, 0, false, "",
	  FACTS9(NULL, NULL, NULL, C_OK, NULL, NULL, NULL, NULL, NULL), 0, ACCEPT, NULL },
};

/* Mail of no entity (unknown domain, the null sender, an unlisted login): dead addresses only. */
#define UNKNOWN(name, facts, verdict, reason) { name, BULK, CONFIRMED, 0, false, "", facts, 0, verdict, reason, true }
static const struct decide_case unknown_cases[] = {
	UNKNOWN("bounced", FACTS("bounce 1763800000 dsn", NULL, NULL, NULL, NULL, NULL), SUPP, "bounce"),
	UNKNOWN("invalid", FACTS("invalid", NULL, NULL, NULL, NULL, NULL), SUPP, "invalid"),
	UNKNOWN("base bounced", FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, "bounce", NULL, NULL), SUPP, "bounce"),
	UNKNOWN("base invalid, literal unsubscribed",
		FACTS9("unsubscribe", NULL, NULL, NULL, NULL, NULL, "invalid", NULL, NULL), SUPP, "invalid"),
	UNKNOWN("unsubscribed: accepted (transactional semantics)", FACTS("unsubscribe", NULL, NULL, NULL, NULL, NULL),
		ACCEPT, NULL),
	UNKNOWN("complained: accepted", FACTS("complaint", NULL, NULL, NULL, NULL, NULL), ACCEPT, NULL),
	UNKNOWN("no consent needed", FACTS(NULL, NULL, NULL, NULL, NULL, NULL), ACCEPT, NULL),
	UNKNOWN("an entity's scope does not count", FACTS(NULL, "bounce", "invalid", NULL, NULL, NULL), ACCEPT, NULL),
	UNKNOWN("a base's entity scope does not count",
		FACTS9(NULL, NULL, NULL, NULL, NULL, NULL, NULL, "bounce", "bounce"), ACCEPT, NULL),
	UNKNOWN("no suspension", FACTS(NULL, NULL, NULL, NULL, NULL, "breach"), ACCEPT, NULL),
};

/* Runs one decide_case row. */
static void
test_decide(void **state)
{
	const struct decide_case *c = *state;
	struct bg_rcpt_facts f;
	struct bg_entity e;
	struct bg_sender s;
	struct bg_decision d;

	make_sender(&e, &s, c->class, c->list, c->consent, c->max_age, c->reaches);
	if (c->no_entity)
		s.entity = NULL;
	memcpy(f.v, c->v, sizeof(f.v));
	decide(&s, &f, c->now ? c->now : NOW, &d);
	check_verdict(&d, c->verdict, c->reason);
}

/*
 * Consent levels: required level x stored value x where it is stored. The
 * rank of each stored value is written out: what it proves.
 */
static const struct {
	const char *stored; /* NULL: nothing stored */
	const char *label;
	int rank;
} stored_levels[] = {
	{ NULL, "absent", 0 },
	{ "none 1763800000", "none", 0 },
	{ "single 1763800000 198.51.100.7 form", "single", 1 },
	{ "notified 1763800000", "notified", 2 },
	{ "confirmed 1763800000 198.51.100.7 double-opt-in", "confirmed", 3 },
	{ "garbage 1763800000", "garbage", 0 },
	{ "confirmedx", "confirmedx", 0 },
	{ "", "empty", 0 },
};

static const struct {
	long level;
	const char *label;
} required_levels[] = {
	{ BG_CONSENT_NONE, "none" },
	{ BG_CONSENT_SINGLE, "single" },
	{ BG_CONSENT_NOTIFIED, "notified" },
	{ BG_CONSENT_CONFIRMED, "confirmed" },
};

static const struct {
	enum bg_fact fact;
	const char *label;
} consent_scopes[] = {
	{ BG_F_CONSENT_ENTITY, "entity" },
	{ BG_F_CONSENT_LIST, "list" },
};

#define NLEVELS (NELEM(required_levels) * NELEM(stored_levels) * NELEM(consent_scopes))

struct level_case {
	int required;
	int stored;
	int scope;
};

static struct level_case level_cases[NLEVELS];

/* Runs one (required, stored, scope) consent row for bulk mail to list "weekly". */
static void
test_level(void **state)
{
	const struct level_case *c = *state;
	struct bg_rcpt_facts f = { { NULL } };
	struct bg_entity e;
	struct bg_sender s;
	struct bg_decision d;

	make_sender(&e, &s, BULK, "weekly", required_levels[c->required].level, 0, false);
	f.v[consent_scopes[c->scope].fact] = stored_levels[c->stored].stored;
	decide(&s, &f, NOW, &d);
	check_verdict(&d, stored_levels[c->stored].rank >= required_levels[c->required].level ? ACCEPT : NOCONSENT,
		      NULL);
}

/* Entity and list consent together: the stronger one counts. */
static const struct decide_case both_cases[] = {
	{ "need confirmed: entity single, list confirmed", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "single 1", "confirmed 1", NULL), 0, ACCEPT, NULL },
	{ "need confirmed: entity confirmed, list single", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "confirmed 1", "single 1", NULL), 0, ACCEPT, NULL },
	{ "need confirmed: entity notified, list single", BULK, CONFIRMED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "notified 1", "single 1", NULL), 0, NOCONSENT, NULL },
	{ "need notified: entity garbage, list notified", BULK, BG_CONSENT_NOTIFIED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "garbage", "notified", NULL), 0, ACCEPT, NULL },
	{ "need notified: entity notified, list garbage", BULK, BG_CONSENT_NOTIFIED, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "notified", "garbage", NULL), 0, ACCEPT, NULL },
	{ "need single: entity none, list none", BULK, BG_CONSENT_SINGLE, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "none", "none", NULL), 0, NOCONSENT, NULL },
	{ "need single: entity single, list none", BULK, BG_CONSENT_SINGLE, 0, false, "weekly",
	  FACTS(NULL, NULL, NULL, "single", "none", NULL), 0, ACCEPT, NULL },
};

/* A stored reason with CR, LF and other bytes comes out as one safe word. */
static void
test_reason_injection(void **state)
{
	static const char *const stored[] = {
		"Unsub\r\nX 123", "bad%s%n 1", "\x01\x7f\xc3\xa4tsch", "a\"b<c>d 5", "\r\n250 ok",
		"averyveryveryveryveryveryveryveryveryverylongreasonword 1",
	};
	struct bg_rcpt_facts f = { { NULL } };
	struct bg_entity e;
	struct bg_sender s;
	struct bg_decision d;
	struct bg_reply r;

	make_sender(&e, &s, BULK, "", CONFIRMED, 0, false);
	for (size_t i = 0; i < NELEM(stored); i++) {
		f.v[BG_F_SUPPRESS] = stored[i];
		decide(&s, &f, NOW, &d);
		check_verdict(&d, SUPP, d.reason);
		assert_true(strlen(d.reason) > 0);
		if (strspn(d.reason, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(d.reason))
			fail_msg("reason \"%s\" from stored value %zu is not a safe word", d.reason, i);
		bg_rcpt_reply(&d, &s, "a@b.example", &r);
		assert_int_equal(strncmp(r.text, "<a@b.example>: recipient suppressed (", 37), 0);
		assert_null(strpbrk(r.text, "\r\n%"));
	}
	f.v[BG_F_SUPPRESS] = "Unsub\r\nX 123";
	decide(&s, &f, NOW, &d);
	assert_string_equal(d.reason, "unsubx");
}

/* Replies: the verdict, the sender's entity and list, the address as given, and the reply wanted. */
struct reply_case {
	const char *name;
	enum bg_verdict verdict;
	const char *reason;
	const char *list;
	const char *addr;
	const char *code, *xcode, *text; /* text NULL: only the safety checks */
};

static const struct reply_case reply_cases[] = {
	{ "suppressed", SUPP, "unsubscribe", "", "a@b.example", "550", "5.7.1",
	  "<a@b.example>: recipient suppressed (unsubscribe)" },
	{ "suppressed, bracketed address", SUPP, "bounce", "", "<a@b.example>", "550", "5.7.1",
	  "<a@b.example>: recipient suppressed (bounce)" },
	{ "no consent", NOCONSENT, "", "", "a@b.example", "550", "5.7.1", "<a@b.example>: no recorded consent for acme" },
	{ "no consent, list", NOCONSENT, "", "weekly", "<a@b.example>", "550", "5.7.1",
	  "<a@b.example>: no recorded consent for acme/weekly" },
	{ "suspended", SUSP, "", "", "a@b.example", "451", "4.7.1", "bulk mail of acme suspended" },
	{ "suspended, list", SUSP, "", "weekly", "a@b.example", "451", "4.7.1", "bulk mail of acme suspended" },
	{ "one per message", BG_V_ONE_PER_MESSAGE, "", "", "a@b.example", "452", "4.5.3",
	  "Too many recipients: one per message" },
	{ "unavailable", BG_V_UNAVAILABLE, "", "", "a@b.example", "451", "4.3.0",
	  "Recipient policy unavailable, try again later" },
	{ "bad address", BG_V_BAD_ADDRESS, "", "", "x", "550", "5.1.3", "<x>: bad recipient address syntax" },
	{ "bad address, bracketed", BG_V_BAD_ADDRESS, "", "", "<x>", "550", "5.1.3",
	  "<x>: bad recipient address syntax" },
	{ "bad address, empty", BG_V_BAD_ADDRESS, "", "", "", "550", "5.1.3", "<>: bad recipient address syntax" },
	{ "bad address, only brackets", BG_V_BAD_ADDRESS, "", "", "<>", "550", "5.1.3",
	  "<>: bad recipient address syntax" },
	{ "confirmation sent recently", BG_V_CONFIRM_RECENT, "", "", "a@b.example", "550", "5.7.1",
	  "<a@b.example>: confirmation sent recently" },
	{ "confirmation sent recently, bracketed", BG_V_CONFIRM_RECENT, "", "", "<a@b.example>", "550", "5.7.1",
	  "<a@b.example>: confirmation sent recently" },
	/* no reply injection: CR, LF, control bytes, '%' and spaces never reach the text */
	{ "CR LF in address", BG_V_BAD_ADDRESS, "", "", "a\r\n250 2.1.5 ok@b", "550", "5.1.3",
	  "<a??250?2.1.5?ok@b>: bad recipient address syntax" },
	{ "CR LF in bracketed address", SUPP, "manual", "", "<a\r\nb@c>", "550", "5.7.1",
	  "<a??b@c>: recipient suppressed (manual)" },
	{ "control bytes in address", BG_V_BAD_ADDRESS, "", "", "a\x01\x1b\x7f\t\x08z", "550", "5.1.3",
	  "<a?????z>: bad recipient address syntax" },
	{ "percent in address", NOCONSENT, "", "", "%s%n@b.example", "550", "5.7.1",
	  "<?s?n@b.example>: no recorded consent for acme" },
	{ "spaces in address", BG_V_CONFIRM_RECENT, "", "", " a b@c ", "550", "5.7.1",
	  "<?a?b@c?>: confirmation sent recently" },
	{ "8-bit bytes in address", BG_V_BAD_ADDRESS, "", "", "\xc3\xa4@b", "550", "5.1.3",
	  "<??@b>: bad recipient address syntax" },
	{ "percent in the list", NOCONSENT, "", "w%n", "a@b.example", "550", "5.7.1", NULL },
	{ "8-bit bytes in the list", NOCONSENT, "", "\xc3\xa4", "a@b.example", "550", "5.7.1", NULL },
};

/* True when every byte of s is printable ASCII other than '%'. */
static bool
reply_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '%')
			return false;
	return true;
}

/* Runs one reply_case row. */
static void
test_reply(void **state)
{
	const struct reply_case *c = *state;
	struct bg_decision d;
	struct bg_entity e;
	struct bg_sender s;
	struct bg_reply r;

	make_sender(&e, &s, BULK, c->list, CONFIRMED, 0, false);
	memset(&d, 0, sizeof(d));
	d.verdict = c->verdict;
	bg_strlcpy(d.reason, c->reason, sizeof(d.reason));
	memset(&r, 'Z', sizeof(r));
	bg_rcpt_reply(&d, &s, c->addr, &r);
	assert_string_equal(r.code, c->code);
	assert_string_equal(r.xcode, c->xcode);
	if (c->text != NULL)
		assert_string_equal(r.text, c->text);
	if (!reply_safe(r.text))
		fail_msg("unsafe reply text \"%s\"", r.text);
}

/* An overlong address is cut, not overflowed, and the reply stays whole. */
static void
test_reply_long(void **state)
{
	char addr[2000];
	struct bg_decision d = { .verdict = BG_V_BAD_ADDRESS };
	struct bg_entity e;
	struct bg_sender s;
	struct bg_reply r;
	const char *tail = ">: bad recipient address syntax";

	make_sender(&e, &s, BULK, "", CONFIRMED, 0, false);
	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	bg_rcpt_reply(&d, &s, addr, &r);
	assert_true(strlen(r.text) < sizeof(r.text));
	assert_int_equal(r.text[0], '<');
	assert_string_equal(r.text + strlen(r.text) - strlen(tail), tail);
	assert_true(reply_safe(r.text));
}

/* Every verdict has its own name. */
static void
test_verdict_names(void **state)
{
	static const char *const want[BG_V_COUNT] = {
		[BG_V_ACCEPT] = "accept",
		[BG_V_SUPPRESSED] = "suppressed",
		[BG_V_NO_CONSENT] = "no_consent",
		[BG_V_SUSPENDED] = "suspended",
		[BG_V_CONFIRM_RECENT] = "confirmation_recent",
		[BG_V_ONE_PER_MESSAGE] = "one_per_message",
		[BG_V_UNAVAILABLE] = "unavailable",
		[BG_V_BAD_ADDRESS] = "bad_address",
	};

	for (int v = 0; v < BG_V_COUNT; v++)
		assert_string_equal(bg_verdict_name((enum bg_verdict)v), want[v]);
	assert_string_equal(bg_verdict_name(BG_V_COUNT), "?");
	assert_string_equal(bg_verdict_name((enum bg_verdict)-1), "?");
}

/* An accepted recipient still gets a 2xx reply (not part of the contract's table). */
static void
test_reply_accept(void **state)
{
	struct bg_decision d = { .verdict = ACCEPT };
	struct bg_entity e;
	struct bg_sender s;
	struct bg_reply r;

	make_sender(&e, &s, BULK, "", CONFIRMED, 0, false);
	bg_rcpt_reply(&d, &s, "a@b.example", &r);
	assert_int_equal(r.code[0], '2');
	assert_int_equal(r.xcode[0], '2');
	assert_true(reply_safe(r.text));
}

#define NTESTS                                                                                               \
	(NMATRIX + NLEVELS + NELEM(multi_cases) + NELEM(suspend_cases) + NELEM(age_cases) +                  \
	 NELEM(class_consent_cases) + NELEM(both_cases) + NELEM(reply_cases) + NELEM(base_cases) +          \
	 NELEM(unknown_cases) + 8)

static char names[NTESTS][128];
static struct CMUnitTest tests[NTESTS];
static size_t ntests;

/* Appends one test named by a printf format. */
static void __attribute__((format(printf, 3, 4)))
add(CMUnitTestFunction fn, const void *row, const char *fmt, ...)
{
	va_list ap;

	if (ntests >= NTESTS)
		abort(); /* NTESTS is too small: fix the count */
	va_start(ap, fmt);
	vsnprintf(names[ntests], sizeof(names[ntests]), fmt, ap);
	va_end(ap);
	tests[ntests] = (struct CMUnitTest){ names[ntests], fn, NULL, NULL, (void *)row };
	ntests++;
}

/* Appends every row of a decide_case table. */
static void
add_decide(const struct decide_case *rows, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		add(test_decide, &rows[i], "%s: %s", prefix, rows[i].name);
}

/* Expands the class matrix and the consent levels into rows. */
static void
add_generated(void)
{
	size_t n = 0;

	for (size_t c = 0; c < NELEM(class_rows); c++)
		for (int r = 0; r < NREASONS; r++)
			for (int sc = 0; sc < (int)NELEM(scopes); sc++, n++) {
				matrix[n] = (struct matrix_case){ &class_rows[c], r, sc };
				add(test_matrix, &matrix[n], "class %s, %s in %s scope -> %s", class_rows[c].name,
				    reasons[r].label, scopes[sc].label, class_rows[c].refused[r] ? "suppressed" : "accept");
			}
	n = 0;
	for (int q = 0; q < (int)NELEM(required_levels); q++)
		for (int st = 0; st < (int)NELEM(stored_levels); st++)
			for (int sc = 0; sc < (int)NELEM(consent_scopes); sc++, n++) {
				level_cases[n] = (struct level_case){ q, st, sc };
				add(test_level, &level_cases[n], "consent: need %s, %s stored for the %s",
				    required_levels[q].label, stored_levels[st].label, consent_scopes[sc].label);
			}
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	add_generated();
	add_decide(multi_cases, NELEM(multi_cases), "several scopes");
	add_decide(suspend_cases, NELEM(suspend_cases), "suspension");
	add_decide(class_consent_cases, NELEM(class_consent_cases), "consent by class");
	add_decide(both_cases, NELEM(both_cases), "consent, entity and list");
	add_decide(age_cases, NELEM(age_cases), "consent age");
	add_decide(base_cases, NELEM(base_cases), "base address");
	add_decide(unknown_cases, NELEM(unknown_cases), "no entity");
	for (size_t i = 0; i < NELEM(reply_cases); i++)
		add(test_reply, &reply_cases[i], "reply: %s", reply_cases[i].name);
	add(test_reason_injection, NULL, "reply: stored reasons come out as safe words");
	add(test_reply_long, NULL, "reply: overlong address");
	add(test_reply_accept, NULL, "reply: accept");
	add(test_verdict_names, NULL, "bg_verdict_name");
	return _cmocka_run_group_tests("bg_rcpt", tests, ntests, NULL, NULL);
}
