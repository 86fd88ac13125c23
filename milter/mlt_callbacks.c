/*
 * mlt_callbacks.c - bulkguard-milter's conversation with the MTA.
 *
 * Per connection (smfi_setpriv) a struct mlt_conn; per message, from MAIL to
 * end of message or abort, the sender resolved once and a reference to the
 * configuration it was resolved under. At MAIL a login's envelope sender
 * outside its entity's domains is refused, and so is mail of no entity
 * with unknown_sender = reject. Each RCPT is one decision (bg_rcpt_check:
 * one Redis round trip), for mail of no entity too (dead addresses only)
 * unless unknown_sender = pass; every refusal is logged as it happens and
 * each message ends with one summary line. Debian's libmilter
 * runs one connection's callbacks on different threads, one at a time, so
 * nothing here is thread-local and the only shared state is in mlt_conf.c.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bg_log.h"
#include "bg_rcpt.h"
#include "bg_sender.h"
#include "bg_util.h"
#include "mlt_callbacks.h"
#include "mlt_conf.h"
#include "mlt_reply.h"
#include "mlt_message.h"
#include "mlt_metrics.h"
#include "mlt_stat.h"

struct mlt_conn {
	unsigned long id;      /* connection number: the log id until a queue id is known */
	struct bg_held *conf;  /* held from MAIL to the end of the message */
	struct bg_sender sender;
	unsigned accepted;
	unsigned refused[BG_V_COUNT];
	struct {
		char word[33];
		unsigned n;
	} reasons[8]; /* suppression reasons seen, for the summary line */
	int n_reasons;
	bool in_message;
	bool gated;       /* the recipients of this message are checked (all but unknown_sender = pass) */
	bool hdr_noreply; /* the MTA agreed not to wait for replies to headers */
	bool can_skip;    /* the MTA understands SMFIS_SKIP */
	bool body_noreply; /* the MTA agreed not to wait for replies to body chunks */
	struct mlt_msg msg;
	struct mlt_stat stat; /* accepted recipients per group, written at end of message */
};

static atomic_ulong conn_serial;

/* Returns the log id of the message: the queue id when the MTA gave one, else the connection number. */
static const char *
log_id(SMFICTX *ctx, const struct mlt_conn *c, char *buf, size_t len)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid != NULL && *qid != '\0')
		snprintf(buf, len, "%s", qid);
	else
		snprintf(buf, len, "conn%lu", c->id);
	return buf;
}

/* Returns the entity's name for logs, "-" for mail of no entity. */
static const char *
entity_name(const struct bg_sender *s)
{
	return s->entity != NULL ? s->entity->name : "-";
}

/* Returns the class for logs: mail of no entity is "unknown" (judged as transactional mail). */
static const char *
class_name(const struct bg_sender *s)
{
	return s->entity != NULL ? bg_class_name(s->class) : "unknown";
}

/* Counts one suppression reason of the message (the first eight kinds are kept apart). */
static void
count_reason(struct mlt_conn *c, const char *word)
{
	int i;

	for (i = 0; i < c->n_reasons; i++)
		if (strcmp(c->reasons[i].word, word) == 0)
			break;
	if (i == c->n_reasons) {
		if (c->n_reasons == 8)
			i = 7, word = "other";
		else
			bg_strlcpy(c->reasons[c->n_reasons++].word, word, sizeof(c->reasons[0].word));
	}
	c->reasons[i].n++;
}

/* Formats " no_consent=2 suppressed=3 reasons=bounce:1,unsubscribe:2" and returns the refusals. */
static unsigned
format_refusals(const struct mlt_conn *c, char *buf, size_t len)
{
	size_t n = 0;
	unsigned total = 0;

	buf[0] = '\0';
	for (int v = 1; v < BG_V_COUNT; v++) {
		total += c->refused[v];
		if (c->refused[v] > 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, " %s=%u", bg_verdict_name(v), c->refused[v]);
	}
	for (int i = 0; i < c->n_reasons && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s:%u", i ? "," : " reasons=", c->reasons[i].word,
				      c->reasons[i].n);
	return total;
}

/* Logs the message's summary line (with detail, may be "") and forgets the message. */
static void
message_end(SMFICTX *ctx, struct mlt_conn *c, const char *how, const char *detail)
{
	char id[64], refused[512];
	unsigned total;

	if (!c->in_message)
		return;
	total = format_refusals(c, refused, sizeof(refused));
	if (c->gated)
		bg_log_info("%s: %s from=<%s> entity=%s list=%s class=%s accepted=%u refused=%u%s%s%s",
			    log_id(ctx, c, id, sizeof(id)), how, c->sender.addr.text, entity_name(&c->sender),
			    c->sender.list[0] ? c->sender.list : "-", class_name(&c->sender), c->accepted, total,
			    refused, detail[0] ? " " : "", detail);
	mlt_conf_release(c->conf);
	c->conf = NULL;
	c->in_message = false;
	c->gated = false;
	mlt_msg_reset(&c->msg);
	c->accepted = 0;
	mlt_stat_reset(&c->stat);
	c->n_reasons = 0;
	memset(c->refused, 0, sizeof(c->refused));
	memset(c->reasons, 0, sizeof(c->reasons));
}

/* Asks Redis about one recipient; applies on_redis_error when it cannot answer. */
static void
rcpt_decide(SMFICTX *ctx, struct mlt_conn *c, const struct bg_addr *rcpt, struct bg_decision *d)
{
	const struct bg_config *cfg = mlt_conf_cfg(c->conf);
	struct bg_redis *r = mlt_conf_redis_borrow(c->conf);
	char id[64];

	bg_rcpt_check(r, cfg->redis.prefix, mlt_conf_tokens(c->conf), &c->sender, rcpt, time(NULL), d);
	if (d->verdict == BG_V_UNAVAILABLE)
		bg_log_warn("%s: rcpt=<%s> redis=%s error=\"%s\" on_redis_error=%s", log_id(ctx, c, id, sizeof(id)),
		            rcpt->text, bg_redis_address(r), bg_redis_error(r),
		            bg_on_error_name(cfg->milter.on_redis_error));
	mlt_conf_redis_return(c->conf, r, d->verdict != BG_V_UNAVAILABLE);
	if (d->verdict == BG_V_UNAVAILABLE && cfg->milter.on_redis_error == BG_ONERR_ACCEPT)
		d->verdict = BG_V_ACCEPT;
}

/* Decides one recipient: normalise, one per message, then Redis. */
static void
rcpt_verdict(SMFICTX *ctx, struct mlt_conn *c, const char *arg, struct bg_addr *rcpt, struct bg_decision *d)
{
	const struct bg_config *cfg = mlt_conf_cfg(c->conf);
	unsigned flags = cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0;

	memset(d, 0, sizeof(*d));
	if (c->accepted > 0 && c->sender.entity != NULL && mlt_msg_one_recipient(&c->sender))
		d->verdict = BG_V_ONE_PER_MESSAGE;
	else if (bg_addr_normalise(arg, strlen(arg), flags, rcpt) != BG_ADDR_OK)
		d->verdict = BG_V_BAD_ADDRESS;
	else
		rcpt_decide(ctx, c, rcpt, d);
}

/*
 * SPF at MAIL: the envelope sender's domain must authorise every IP of the
 * entity's pool (spf_ips); the worst result decides, under spf_policy.
 */
static sfsistat
mail_spf(SMFICTX *ctx, struct mlt_conn *c)
{
	const struct bg_entity *e = c->sender.entity;
	struct bg_spf *spf = mlt_conf_spf(c->conf);
	char explain[BG_SPF_EXPLAIN_MAX], code[4], xcode[8], text[BG_SPF_REPLY_MAX], id[64];
	const char *domain, *worst_ip = NULL;
	enum bg_spf_result worst = BG_SPF_PASS, r;
	int act;

	if (e->spf_ips.n == 0 || spf == NULL || c->sender.addr.len == 0)
		return SMFIS_CONTINUE;
	domain = bg_addr_domain(&c->sender.addr);
	for (size_t i = 0; i < e->spf_ips.n; i++) {
		r = bg_spf_check(spf, e->spf_ips.v[i], domain, explain, sizeof(explain));
		if (worst_ip == NULL || r > worst)
			worst = r, worst_ip = e->spf_ips.v[i];
	}
	act = bg_spf_reply(worst, e->spf_policy, domain, worst_ip, code, xcode, text, sizeof(text));
	if (act == BG_SPF_ACCEPT)
		return SMFIS_CONTINUE;
	bg_log_info("%s: refuse from=<%s> entity=%s spf=%s ip=%s reply=\"%s %s %s\"", log_id(ctx, c, id, sizeof(id)),
		    c->sender.addr.text, e->name, bg_spf_result_name(worst), worst_ip, code, xcode, text);
	mlt_metrics_mail_refused(&c->sender, "spf");
	return mlt_reply(ctx, code, xcode, text);
}

/* Returns the connection's state, made on first use (negotiate normally makes it). */
static struct mlt_conn *
conn_of(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = bg_xcalloc(1, sizeof(*c));
		c->id = atomic_fetch_add(&conn_serial, 1) + 1;
		smfi_setpriv(ctx, c);
	}
	return c;
}

/* Refuses MAIL with a 550 reply and logs it with the sender and what. */
static sfsistat
mail_refuse(SMFICTX *ctx, struct mlt_conn *c, const char *login, const char *xcode, const char *text, const char *what)
{
	char id[64];

	bg_log_info("%s: refuse from=<%s> login=%s entity=%s %s reply=\"550 %s %s\"", log_id(ctx, c, id, sizeof(id)),
		    c->sender.addr.text, login != NULL && *login != '\0' ? login : "-", entity_name(&c->sender), what,
		    xcode, text);
	mlt_metrics_mail_refused(&c->sender, strncmp(what, "why=", 4) == 0 ? what + 4 : "bad_address");
	return mlt_reply(ctx, "550", xcode, text);
}

/*
 * Applies the sender rules at MAIL: a sender that cannot be read, a login
 * whose entity does not own the sender, and mail of no entity under
 * unknown_sender; then SPF for an entity's mail.
 */
static sfsistat
mail_check(SMFICTX *ctx, struct mlt_conn *c, const char *login, const char *from)
{
	const struct bg_config *cfg = mlt_conf_cfg(c->conf);
	enum bg_sender_status st = bg_sender_resolve(cfg, login, from, strlen(from), &c->sender);
	struct bg_mail_refusal r;

	if (bg_sender_mail_refused(cfg, st, &c->sender, &r))
		return mail_refuse(ctx, c, login, r.xcode, r.text, r.why);
	if (c->sender.entity != NULL) {
		c->gated = true;
		return mail_spf(ctx, c);
	}
	c->gated = cfg->milter.unknown_sender != BG_UNKNOWN_PASS;
	return SMFIS_CONTINUE;
}

/* MAIL FROM: take the configuration, resolve entity, list and class once for the message. */
static sfsistat
mlt_envfrom(SMFICTX *ctx, char **argv)
{
	struct mlt_conn *c = conn_of(ctx);

	message_end(ctx, c, "abort", "");
	c->conf = mlt_conf_acquire();
	c->in_message = true;
	return mail_check(ctx, c, smfi_getsymval(ctx, "{auth_authen}"), argv[0]);
}

/* RCPT TO: one decision; refusals are logged and answered with the contract's reply. */
static sfsistat
mlt_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mlt_conn *c = conn_of(ctx);
	struct bg_decision d;
	struct bg_addr rcpt = { .len = 0 };
	struct bg_reply reply;
	char id[64];

	if (!c->in_message || !c->gated)
		return SMFIS_CONTINUE; /* unknown_sender = pass: untouched */
	rcpt_verdict(ctx, c, argv[0], &rcpt, &d);
	mlt_metrics_rcpt(&c->sender, &d);
	if (d.verdict == BG_V_ACCEPT) {
		c->accepted++;
		mlt_stat_rcpt(&c->stat, mlt_conf_cfg(c->conf), &rcpt);
		mlt_msg_rcpt(&c->msg, &rcpt, argv[0]);
		return SMFIS_CONTINUE;
	}
	c->refused[d.verdict]++;
	if (d.verdict == BG_V_SUPPRESSED)
		count_reason(c, d.reason);
	bg_rcpt_reply(&d, &c->sender, rcpt.len ? rcpt.text : argv[0], &reply);
	bg_log_info("%s: refuse entity=%s class=%s verdict=%s reply=\"%s %s %s\"", log_id(ctx, c, id, sizeof(id)),
		    entity_name(&c->sender), class_name(&c->sender), bg_verdict_name(d.verdict), reply.code,
		    reply.xcode, reply.text);
	return mlt_reply(ctx, reply.code, reply.xcode, reply.text);
}

/* One header: read what the end of message needs; the MTA does not wait for an answer. */
static sfsistat
mlt_header(SMFICTX *ctx, char *name, char *value)
{
	struct mlt_conn *c = conn_of(ctx);

	if (c->in_message && c->sender.entity != NULL)
		mlt_msg_header(&c->msg, &c->sender, name, value);
	return c->hdr_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* One body chunk: to the signer, or skip the rest when nothing signs. */
static sfsistat
mlt_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct mlt_conn *c = conn_of(ctx);

	char id[64];

	if (c->in_message && c->sender.entity != NULL &&
	    mlt_msg_body(&c->msg, c->conf, &c->sender, log_id(ctx, c, id, sizeof(id)), buf, len))
		return c->body_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	if (c->body_noreply)
		return SMFIS_NOREPLY; /* no round trip a chunk: cheaper than asking the MTA to skip the rest */
	return c->can_skip ? SMFIS_SKIP : SMFIS_CONTINUE;
}

/* End of message: the message's rules, the headers and the return path; then the summary line (with a List-Id list). */
static sfsistat
mlt_eom(SMFICTX *ctx)
{
	struct mlt_conn *c = conn_of(ctx);
	char why[256], id[64];
	sfsistat st = SMFIS_CONTINUE;

	why[0] = '\0';
	if (c->in_message && c->sender.entity != NULL) {
		st = mlt_msg_eom(ctx, &c->msg, c->conf, &c->sender, log_id(ctx, c, id, sizeof(id)), why, sizeof(why));
		if (c->sender.list[0] == '\0')
			bg_strlcpy(c->sender.list, mlt_msg_list(&c->msg, &c->sender), sizeof(c->sender.list));
		if (st != SMFIS_CONTINUE)
			bg_log_info("%s: refuse message entity=%s %s", log_id(ctx, c, id, sizeof(id)), c->sender.entity->name,
				    why);
		else
			mlt_stat_flush(&c->stat, c->conf, &c->sender, log_id(ctx, c, id, sizeof(id)));
		mlt_metrics_message(&c->sender, st != SMFIS_CONTINUE);
	}
	message_end(ctx, c, st == SMFIS_CONTINUE ? "done" : "refused", why);
	return st;
}

/* The message was abandoned (RSET, QUIT before DATA, error). */
static sfsistat
mlt_abort(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		message_end(ctx, c, "abort", "");
	return SMFIS_CONTINUE;
}

/* End of connection: free its state (close may come without any other call). */
static sfsistat
mlt_close(SMFICTX *ctx)
{
	struct mlt_conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		message_end(ctx, c, "abort", "");
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/*
 * Option negotiation: MAIL, RCPT, headers and end of message only, so the
 * MTA sends nothing else; headers with their leading space, headers and
 * body chunks without waiting for a reply to each.
 */
static sfsistat
mlt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
	      unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA |
				    SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC | SMFIP_SKIP;
	const unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM | SMFIF_DELRCPT;
	struct mlt_conn *c = conn_of(ctx);

	if ((f0 & actions) != actions)
		return SMFIS_REJECT; /* an MTA that cannot change headers cannot get List-Unsubscribe */
	c->hdr_noreply = (f1 & SMFIP_NR_HDR) != 0;
	c->can_skip = (f1 & SMFIP_SKIP) != 0;
	c->body_noreply = (f1 & SMFIP_NR_BODY) != 0;
	*pf0 = actions;
	*pf1 = f1 & steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

struct smfiDesc mlt_filter = {
	.xxfi_name = "bulkguard",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM | SMFIF_DELRCPT,
	.xxfi_envfrom = mlt_envfrom,
	.xxfi_envrcpt = mlt_envrcpt,
	.xxfi_header = mlt_header,
	.xxfi_body = mlt_body,
	.xxfi_eom = mlt_eom,
	.xxfi_abort = mlt_abort,
	.xxfi_close = mlt_close,
	.xxfi_negotiate = mlt_negotiate,
};
