/*
 * NAME
 *	bulkguard-feedback - DSNs, ARF reports and unsubscribe mails become suppressions
 * SYNOPSIS
 *	bulkguard-feedback [-c file] [-f] [-n] [-t] [-i queue-id] -r recipient [-s sender] < message
 * DESCRIPTION
 *	A pipe(8) delivery program for the return-path, feedback-loop and
 *	unsubscribe-mailbox domains. It reads one message (at most 50 MB) on
 *	stdin, classifies it (fb_classify) and writes the suppressions and
 *	bounce counts it calls for (fb_apply). -r and -s are the envelope as
 *	pipe(8) passes ${recipient} and ${sender}; -i ${queue_id} tags the log.
 *	Only verified origins write (a VERP whose MAC checks and that has not
 *	expired, a token that opens); a DSN is read only from the null sender
 *	("" or MAILER-DAEMON); without -s the sender is unknown, so no mail is
 *	read as a DSN. -n checks the configuration and exits 0 or 78.
 *
 *	Mail to an entity's reply_domain is a reply (fb_reply.h): it is
 *	passed on unchanged to the entity's reply_mailbox through sendmail
 *	(fb_forward.h) after what it verifies is written; mail to one of
 *	feedback.abuse_addresses is read as a complaint.
 *
 *	-t prints the record instead, one line a recipient, "kind recipient
 *	status class" (ARF: "arf recipient feedback-type entity"), verified or
 *	not, and touches no Redis. What is not verified is counted in the hash
 *	<prefix>unverified, one field per reason (fb_apply.h). -f also logs
 *	to stderr. The environment variable BG_NOW (unix seconds) replaces
 *	the clock, for tests only.
 * DIAGNOSTICS
 *	Exit 0 when the mail was handled or is not feedback (logged, dropped);
 *	75 (EX_TEMPFAIL) when Redis could not be written or a reply could not
 *	be passed on, so Postfix keeps the mail and retries; 69 for a reply too
 *	large to pass on; 78 for a bad configuration or key file; 64 for bad usage.
 * CONFIGURATION
 *	redis { address timeout_ms prefix }, audit, keep_local_case,
 *	unsubscribe { key_file }, feedback { bounce_threshold
 *	bounce_min_span_days verp_max_age verp_upgrade_date }, and each
 *	entity's return_path_domain, verp_tag, unsubscribe_scope, reply_domain
 *	and reply_mailbox; feedback { abuse_addresses }.
 * Example master.cf:
 *	feedback unix - n n - 10 pipe flags=q user=bulkguard argv=/usr/sbin/bulkguard-feedback
 *	    -i ${queue_id} -r ${recipient} -s ${sender}
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_config.h"
#include "bg_daemon.h"
#include "bg_log.h"
#include "bg_redis.h"
#include "bg_token.h"
#include "bg_verp.h"
#include "fb_apply.h"
#include "fb_classify.h"
#include "fb_forward.h"
#include "fb_limits.h"

#define NAME      "bulkguard-feedback"
#define EX_USAGE_ 64
#define EX_TEMP   75
#define EX_UNAV   69 /* EX_UNAVAILABLE: Postfix returns the mail to its sender */
#define USAGE     "usage: " NAME " [-c file] [-f] [-n] [-t] [-i queue-id] -r recipient [-s sender] < message\n"

struct opts {
	const char *config, *rcpt, *sender, *id;
	bool foreground, test, check;
};

/* Parses the command line; exits 64 on a bad one, 0 after -V. */
static void
parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->config = BG_CONFIG_DEFAULT;
	while ((c = getopt(argc, argv, "c:fi:nr:s:tV")) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 'i': o->id = optarg; break;
		case 'n': o->check = true; break;
		case 'r': o->rcpt = optarg; break;
		case 's': o->sender = optarg; break;
		case 't': o->test = true; break;
		case 'V': printf("%s %s\n", NAME, PACKAGE_VERSION); exit(0);
		default: fputs(USAGE, stderr); exit(EX_USAGE_);
		}
	}
	if (optind != argc || (o->rcpt == NULL && !o->check)) {
		fputs(USAGE, stderr);
		exit(EX_USAGE_);
	}
}

/* Reads stdin whole into a buffer the caller frees; sets *len, *too_big past FB_MESSAGE_MAX. */
static char *
read_stdin(size_t *len, bool *too_big)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t got;

	*too_big = false;
	while (buf != NULL && (got = read(0, buf + n, cap - n)) != 0) {
		if (got < 0)
			bg_log_fatal(EX_TEMP, "%s", "read stdin failed");
		n += (size_t)got;
		if (n > FB_MESSAGE_MAX) {
			*too_big = true;
			n = 0; /* drain the rest, so the writer sees no broken pipe */
		}
		if (n == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			break;
	}
	if (buf == NULL)
		bg_log_fatal(EX_TEMP, "%s", "out of memory");
	*len = n;
	return buf;
}

/* Prints one -t line for a DSN recipient. */
static void
print_rcpt(const struct bg_config *cfg, const struct fb_rcpt *x)
{
	struct bg_addr a;

	printf("dsn %s %s %s\n", fb_apply_address(cfg, &x->addr, &a) ? a.text : "-", x->status[0] ? x->status : "-",
	       fb_class_name(x->cls));
}

/* Prints the record for -t, one line a recipient. */
static void
print_record(const struct bg_config *cfg, const struct fb_record *r)
{
	struct fb_target t;
	bool found = fb_apply_target(cfg, r, &t);

	switch (r->kind) {
	case FB_DSN:
		if (r->n_rcpt == 0)
			printf("dsn - - none\n");
		for (size_t i = 0; i < r->n_rcpt; i++)
			print_rcpt(cfg, &r->rcpt[i]);
		break;
	case FB_ARF:
		printf("arf %s %s %s\n",
		       t.addr.len ? t.addr.text : (r->arf.orig_rcpt.len ? r->arf.orig_rcpt.text : "-"),
		       r->arf.feedback_type[0] ? r->arf.feedback_type : "-", found ? t.entity[0] : "-");
		break;
	case FB_UNSUBSCRIBE:
		printf("unsubscribe-mail %s %s unsubscribe\n", found ? t.addr.text : "-", found ? t.entity[0] : "-");
		break;
	case FB_REPLY:
		printf("reply %s %s %s asks=%s token=%s\n", found ? t.addr.text : "-", found ? "ok" : t.why,
		       found ? t.entity[0] : "-", r->reply.asks ? "yes" : "no", r->reply.has_token ? "yes" : "no");
		break;
	default: printf("not-feedback - - none\n"); break;
	}
}

/* Loads the token key file (VERPs and tokens); exits 78 when it cannot. */
static struct bg_token_keys *
load_keys(const struct bg_config *cfg)
{
	char err[512];
	struct bg_token_keys *keys;

	if (bg_token_init() < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", "libsodium cannot start");
	if (cfg->unsubscribe.key_file == NULL || *cfg->unsubscribe.key_file == '\0')
		bg_log_fatal(BG_EX_CONFIG, "%s", "unsubscribe key_file is not set");
	if ((keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, sizeof(err))) == NULL)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	return keys;
}

/* Returns the time: BG_NOW (tests) or the clock. */
static time_t
now(void)
{
	const char *s = getenv("BG_NOW");

	return s != NULL && *s != '\0' ? (time_t)strtoll(s, NULL, 10) : time(NULL);
}

/* True when rcpt is at an entity's reply_domain. */
static bool
is_reply(const struct bg_config *cfg, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	for (size_t i = 0; at != NULL && i < cfg->n_entities; i++)
		if (cfg->entities[i].reply_domain != NULL && strcasecmp(cfg->entities[i].reply_domain, at + 1) == 0)
			return true;
	return false;
}

/* True when rcpt is one of feedback's abuse_addresses. */
static bool
is_abuse(const struct bg_config *cfg, const char *rcpt)
{
	struct bg_addr a;

	if (bg_addr_normalise(rcpt, strlen(rcpt), 0, &a) != BG_ADDR_OK)
		return false;
	for (size_t i = 0; i < cfg->feedback.abuse_addresses.n; i++)
		if (strcasecmp(cfg->feedback.abuse_addresses.v[i], a.text) == 0)
			return true;
	return false;
}

/*
 * Passes a reply on to the reply_mailbox of the entity whose tag its address
 * carries (read, not verified: passing on writes nothing); returns the exit status.
 */
static int
pass_on(const struct opts *o, const struct bg_config *cfg, const struct bg_token_keys *keys, const char *msg,
        size_t len, const char *id)
{
	struct bg_verp_window w = {0, 0, -1};
	struct bg_verp_info info;
	struct bg_addr unused;
	const char *mailbox;
	char err[256];
	enum fb_forward_result fr;

	bg_verp_reply_parse(keys, o->rcpt, strlen(o->rcpt), &w, &unused, &info);
	mailbox = fb_apply_reply_mailbox(cfg, info.tag, o->rcpt);
	if (mailbox == NULL) { /* cannot happen: a reply is mail to some entity's reply_domain */
		bg_log_error("%s: kind=reply to=<%s> action=tempfail error=\"no reply_mailbox\"", id, o->rcpt);
		return EX_TEMP;
	}
	fr = fb_forward(mailbox, o->sender, msg, len, err, sizeof(err));
	if (fr == FB_FORWARD_OK)
		bg_log_info("%s: kind=reply action=forward mailbox=<%s>", id, mailbox);
	else
		bg_log_error("%s: kind=reply action=%s mailbox=<%s> error=\"%s\"", id,
		             fr == FB_FORWARD_TOO_BIG ? "refuse" : "tempfail", mailbox, err);
	return fr == FB_FORWARD_OK ? 0 : fr == FB_FORWARD_TOO_BIG ? EX_UNAV : EX_TEMP;
}

/* Classifies and applies one message; returns the exit status. */
static int
handle(const struct opts *o, const struct bg_config *cfg, const struct bg_token_keys *keys, struct bg_redis *redis,
       const char *msg, size_t len, const char *id)
{
	static struct fb_record rec;
	struct fb_envelope env = {o->rcpt, o->sender, keys, {0}, false, false};

	bg_verp_window_set(&env.window, now(), cfg->feedback.verp_max_age, (time_t)cfg->feedback.verp_upgrade_date);
	env.reply = is_reply(cfg, o->rcpt);
	env.abuse = is_abuse(cfg, o->rcpt);
	fb_classify(msg, len, &env, &rec);
	if (o->test) {
		print_record(cfg, &rec);
		return 0;
	}
	bg_log_info("%s: from=<%s> to=<%s> size=%zu kind=%s rcpts=%zu", id, o->sender ? o->sender : "(unknown)",
	            o->rcpt, len, fb_kind_name(rec.kind), rec.n_rcpt);
	if (fb_apply(cfg, redis, &rec, now(), id) == FB_TEMPFAIL)
		return EX_TEMP;
	if (bg_redis_wait(redis) < 0) { /* exit 0 tells the MTA the report is safe: it must be on a replica */
		bg_log_error("%s: action=tempfail redis=\"%s\" (written, not confirmed by a replica)", id,
		             bg_redis_error(redis));
		return EX_TEMP;
	}
	/* mail to a reply domain, whatever it is, is passed on after it is written: a retry rewrites, never loses */
	return env.reply ? pass_on(o, cfg, keys, msg, len, id) : 0;
}

/*
 * Says why a message was not read (a limit) and returns the exit status: 0
 * (dropped), but a reply is still passed on, or refused (69) when too large.
 */
static int
unread(const struct opts *o, const struct bg_config *cfg, const struct bg_token_keys *keys, const char *msg, size_t len,
       const char *why, const char *id)
{
	bool reply = is_reply(cfg, o->rcpt);
	const char *action = !reply ? "drop" : len > 0 ? "forward" : "refuse";

	bg_log_warn("%s: from=<%s> to=<%s> kind=%s reason=%s action=%s", id, o->sender ? o->sender : "(unknown)",
	            o->rcpt, reply ? "reply" : "not-feedback", why, action);
	if (!reply || o->test)
		return 0;
	return len > 0 ? pass_on(o, cfg, keys, msg, len, id) : EX_UNAV; /* too large: read and thrown away */
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct bg_daemon_opts dopts = {0};
	struct bg_config *cfg;
	struct bg_token_keys *keys;
	struct bg_redis *redis = NULL;
	const char *rerr = NULL, *why;
	char err[256], idbuf[32];
	size_t len;
	bool too_big;
	char *msg;
	int rc;

	parse_args(argc, argv, &o);
	bg_log_open(NAME, o.foreground);
	dopts.config = o.config;
	dopts.check = o.check; /* -n: bg_daemon_config prints the verdict and exits 0 or 78 */
	cfg = bg_daemon_config(NAME, &dopts);
	keys = load_keys(cfg);
	if (!o.test && (redis = bg_redis_new(&cfg->redis, &rerr)) == NULL)
		bg_log_fatal(BG_EX_CONFIG, "redis address \"%s\": %s", cfg->redis.address, rerr ? rerr : "bad");
	if (bg_daemon_drop(cfg->user, err, sizeof(err)) < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	snprintf(idbuf, sizeof(idbuf), "feedback[%ld]", (long)getpid());
	fb_limits_set();
	msg = read_stdin(&len, &too_big);
	why = too_big ? "too-large" : fb_limits_scan(msg, len);
	if (why == NULL && (rc = fb_limits_fork(&why)) == FB_LIMITS_CHILD)
		rc = handle(&o, cfg, keys, redis, msg, len, o.id ? o.id : idbuf); /* the child, then frees and exits */
	if (why != NULL)
		rc = unread(&o, cfg, keys, msg, len, why, o.id ? o.id : idbuf);
	free(msg);
	bg_redis_free(redis);
	bg_token_keys_free(keys);
	bg_config_free(cfg);
	return rc;
}
