/*
 * ctl_explain.c - explain: the milter's and policyd's decisions for one
 * sender and recipient, read-only (bg_sender, bg_rcpt_explain, bg_limit).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bg_addr.h"
#include "bg_limit.h"
#include "bg_rcpt.h"
#include "bg_sender.h"
#include "bg_token.h"
#include "ctl_data.h"
#include "ctl_explain.h"

#define NAME "bulkguard-ctl"

/* Prints the usage line; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_EXPLAIN_USAGE "\n");
	return EX_USAGE;
}

/* Prints who sends: entity, list, class, login. */
static void
print_sender(const struct bg_sender *s, const char *sasl)
{
	printf("sender: <%s> login=%s entity=%s list=%s class=%s\n", s->addr.text,
	       sasl != NULL && *sasl != '\0' ? sasl : "-", s->entity ? s->entity->name : "-",
	       s->list[0] ? s->list : "-", s->entity ? bg_class_name(s->class) : "-");
}

/* Prints the milter's answer to a recipient it cannot normalise, with the reply it gives. */
static void
print_bad_rcpt(const struct bg_sender *s, const char *rcpt)
{
	struct bg_decision d = {.verdict = BG_V_BAD_ADDRESS};
	struct bg_reply reply;

	bg_rcpt_reply(&d, s, rcpt, &reply);
	printf("milter: %s\nmilter-reply: %s %s %s\n", bg_verdict_name(d.verdict), reply.code, reply.xcode, reply.text);
}

/* Prints every key and field the gate read. */
static void
print_trace(const struct bg_rcpt_trace *t)
{
	for (int i = 0; i < t->n; i++) {
		const struct bg_rcpt_seen *e = &t->seen[i];
		printf("read: %s%s%s = %s%s%s\n", e->key, e->field[0] ? " " : "", e->field, e->found ? "\"" : "",
		       e->found ? e->value : "(none)", e->found ? "\"" : "");
	}
}

/* The milter's RCPT decision; returns 0, or -1 when Redis failed. */
static int
explain_milter(const struct bg_config *cfg, struct bg_redis *r, const struct bg_token_keys *keys,
               const struct bg_sender *s, const struct bg_addr *rcpt)
{
	struct bg_rcpt_trace t;
	struct bg_decision d;
	struct bg_reply reply;

	bg_rcpt_explain(r, cfg->redis.prefix, keys, s, rcpt, time(NULL), &d, &t);
	print_trace(&t);
	if (d.verdict == BG_V_UNAVAILABLE) {
		printf("redis-error: %s\n", bg_redis_error(r));
		if (cfg->milter.on_redis_error == BG_ONERR_ACCEPT) {
			printf("milter: accept (Redis failed, on_redis_error = accept)\n");
			return -1;
		}
	}
	bg_rcpt_reply(&d, s, rcpt->text, &reply);
	printf("milter: %s%s\n", bg_verdict_name(d.verdict),
	       d.claim_confirmation && d.verdict == BG_V_ACCEPT ? " (the milter would now claim the confirmation)"
	                                                        : "");
	if (d.verdict == BG_V_ACCEPT)
		printf("milter-reply: none (accepted: the MTA answers with its own 250)\n");
	else
		printf("milter-reply: %s %s %s\n", reply.code, reply.xcode, reply.text);
	return d.verdict == BG_V_UNAVAILABLE ? -1 : 0;
}

/* Runs the plan's script read-only and prints policyd's answer; 0, or -1 when Redis failed. */
static int
run_plan(const struct bg_config *cfg, struct bg_redis *r, struct bg_limit_plan *plan)
{
	char action[1024];
	long long n;
	redisReply *rep = NULL;
	char *own0 = plan->argv[0], *own1 = plan->argv[1];
	size_t len0 = plan->argvlen[0], len1 = plan->argvlen[1];
	int rc = -1;

	plan->argv[0] = (char *)"EVAL";
	plan->argv[1] = (char *)BG_LIMIT_SCRIPT;
	plan->argvlen[0] = 4;
	plan->argvlen[1] = strlen(BG_LIMIT_SCRIPT);
	if (bg_redis_append(r, plan->argc, (const char **)plan->argv, plan->argvlen) == 0 &&
	    (rep = bg_redis_reply(r)) != NULL) {
		if (rep->type == REDIS_REPLY_ERROR)
			bg_redis_reply_error(r, rep, NULL);
		else if (bg_limit_answer(plan, rep, action, sizeof(action), &n) != BG_LIMIT_BAD_REPLY)
			rc = 0;
		else
			bg_redis_reply_error(r, NULL, "unexpected script reply");
		freeReplyObject(rep);
	}
	plan->argv[0] = own0; /* the plan's own, freed with it */
	plan->argv[1] = own1;
	plan->argvlen[0] = len0;
	plan->argvlen[1] = len1;
	if (rc < 0)
		printf("policyd: action=%s (redis_error=\"%s\")\n",
		       cfg->policy.on_redis_error == 1 ? "DUNNO" : BG_LIMIT_ACTION_UNAVAILABLE, bg_redis_error(r));
	else
		printf("policyd: action=%s (pool=%s group=%s; read-only: nothing charged)\n", action, plan->pool,
		       plan->group);
	return rc;
}

/* policyd's decision for the recipient at RCPT; 0, or -1 when Redis failed. */
static int
explain_policyd(const struct bg_config *cfg, struct bg_redis *r, const char *sasl, const char *from, const char *rcpt)
{
	struct bg_limit_plan plan;
	enum bg_limit_verdict v;
	int rc = 0;

	v = bg_limit_plan(cfg, sasl, from, strlen(from), rcpt, strlen(rcpt), true, &plan);
	if (v == BG_LIMIT_CHECK)
		rc = run_plan(cfg, r, &plan);
	else if (v == BG_LIMIT_NOT_AUTHORIZED)
		printf("policyd: action=%s\n", BG_LIMIT_ACTION_NOT_AUTHORIZED);
	else
		printf("policyd: action=DUNNO (%s)\n", bg_limit_verdict_name(v));
	bg_limit_plan_free(&plan);
	return rc;
}

/* Loads the token keys when the file exists, as the milter does (for bg:blocked:); NULL otherwise. */
static struct bg_token_keys *
keys_if_any(const struct bg_config *cfg)
{
	char err[512];
	struct bg_token_keys *keys;

	if (cfg->unsubscribe.key_file == NULL || access(cfg->unsubscribe.key_file, F_OK) != 0 || bg_token_init() < 0)
		return NULL;
	if ((keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, sizeof(err))) == NULL)
		fprintf(stderr, NAME ": explain: %s (blocked addresses not checked)\n", err);
	return keys;
}

/* Explains MAIL, then RCPT in the milter and in policyd. */
static int
explain(const struct bg_config *cfg, const char *sasl, const char *from, const char *rcpt)
{
	struct bg_sender s;
	struct bg_mail_refusal mr;
	struct bg_addr a;
	struct bg_redis *r;
	struct bg_token_keys *keys;
	enum bg_sender_status st = bg_sender_resolve(cfg, sasl, from, strlen(from), &s);
	int rc = 0;

	print_sender(&s, sasl);
	if (bg_sender_mail_refused(cfg, st, &s, &mr)) {
		printf("milter: refused at MAIL (%s)\nmilter-reply: 550 %s %s\n", mr.why, mr.xcode, mr.text);
	} else if (s.entity == NULL && cfg->milter.unknown_sender == BG_UNKNOWN_PASS) {
		printf("milter: not checked (no entity, unknown_sender = pass)\n");
	} else if (bg_addr_normalise(rcpt, strlen(rcpt), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a) !=
	           BG_ADDR_OK) {
		print_bad_rcpt(&s, rcpt);
	} else {
		printf("recipient: <%s>\n", a.text);
		if (s.entity != NULL && s.entity->spf_ips.n > 0)
			printf("note: SPF at MAIL is not checked here (it needs the client)\n");
		if ((r = ctl_data_redis(cfg)) == NULL)
			return EX_UNAVAILABLE;
		keys = keys_if_any(cfg);
		rc |= explain_milter(cfg, r, keys, &s, &a);
		rc |= explain_policyd(cfg, r, sasl, from, rcpt);
		bg_token_keys_free(keys);
		bg_redis_free(r);
		return rc < 0 ? EX_UNAVAILABLE : 0;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	rc = explain_policyd(cfg, r, sasl, from, rcpt);
	bg_redis_free(r);
	return rc < 0 ? EX_UNAVAILABLE : 0;
}

int
ctl_explain(const struct bg_config *cfg, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'}, {"sasl", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
	const char *from = NULL, *sasl = NULL;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'f')
			from = optarg;
		else if (ch == 's')
			sasl = optarg;
		else
			return usage();
	}
	if (from == NULL || optind != argc - 1)
		return usage();
	return explain(cfg, sasl, from, argv[optind]);
}
