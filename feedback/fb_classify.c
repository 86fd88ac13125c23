/*
 * fb_classify.c - DSN, ARF and unsubscribe mail read into one record (fb_classify.h).
 *
 * Read top to bottom in the order a message is tried (classify_message):
 * the MIME tree is walked (fb_mime.c); a message/feedback-report part makes
 * an ARF report; a message/delivery-status part from the null sender a DSN
 * (fb_dsn.c); an Amazon SES notification (JSON, fb_ses.c) a DSN or an ARF
 * report; a valid token in the envelope recipient or the Subject an
 * unsubscribe mail; a "complaint about message" with the message attached
 * (Hotmail) an abuse report. The rest: an auto-reply is refused; a mail from
 * the null sender that looks like a bounce is read from its words (fb_dsn.c;
 * from any other sender it is refused); anything else is no feedback. A DSN's
 * recipients are then verified by the envelope's VERP (fb_resolve_verp).
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_from.h"
#include "bg_verp.h"
#include "fb_classify.h"
#include "fb_dsn.h"
#include "fb_mime.h"
#include "fb_reply.h"
#include "fb_ses.h"
#include "fb_text.h"

#define FB_SES_MAX (1024 * 1024) /* bytes of an SES notification parsed */

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* GMime's one-time set-up. */
static void
gmime_start(void)
{
	g_mime_init();
}

const char *
fb_kind_name(enum fb_kind k)
{
	static const char *names[] = {"not-feedback", "dsn", "arf", "unsubscribe-mail", "reply"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *
fb_class_name(enum fb_class c)
{
	static const char *names[] = {"none", "soft", "hard", "bounce", "block"};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* ---- ARF ---------------------------------------------------------------- */

/* Reads the feedback-report fields. */
static void
arf_block(GMimeObject *o, void *arg)
{
	struct fb_record *r = arg;
	const char *t = fb_hdr(o, "Feedback-Type"), *rcpt = fb_hdr(o, "Original-Rcpt-To");

	if (t != NULL && r->arf.feedback_type[0] == '\0') {
		fb_copy_printable(t, strlen(t), r->arf.feedback_type, sizeof(r->arf.feedback_type));
		for (char *c = r->arf.feedback_type; *c; c++)
			*c = (char)(isalnum((unsigned char)*c) || *c == '-' ? tolower((unsigned char)*c) : '\0');
	}
	if (rcpt != NULL && r->arf.orig_rcpt.len == 0)
		fb_field_addr(rcpt, &r->arf.orig_rcpt);
	if (r->arf.orig_mail_from.len == 0)
		fb_field_addr(fb_hdr(o, "Original-Mail-From"), &r->arf.orig_mail_from);
}

/* Copies the d= tag of a DKIM-Signature value into out, lower case. */
static void
dkim_domain(const char *sig, char *out, size_t len)
{
	const char *p = sig;

	out[0] = '\0';
	while (p != NULL && *p) {
		while (isspace((unsigned char)*p) || *p == ';')
			p++;
		if (*p == 'd') {
			const char *q = p + 1, *e;

			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=') {
				for (q++; isspace((unsigned char)*q); q++)
					;
				for (e = q; *e && *e != ';' && !isspace((unsigned char)*e); e++)
					;
				fb_copy_printable(q, (size_t)(e - q), out, len);
				for (char *c = out; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				return;
			}
		}
		p = strchr(p, ';');
	}
}

/* Reads the VERP of the reported message's envelope sender (Return-Path, else Original-Mail-From). */
static void
arf_verp(const char *rp, const struct fb_envelope *env, struct fb_arf *a)
{
	struct bg_addr v;
	const char *at;

	a->verp_status = -1;
	if (rp == NULL || env->keys == NULL || !fb_field_addr(rp, &v))
		return;
	at = bg_addr_domain(&v);
	fb_copy_printable(at, strlen(at), a->verp_domain, sizeof(a->verp_domain));
	a->verp_status = (int)bg_verp_parse(env->keys, v.text, v.len, &env->window, &a->verp_rcpt, &a->verp_info);
	if (a->verp_status == BG_VERP_UNNAMED && a->orig_rcpt.len > 0) {
		a->verp_status =
		    (int)bg_verp_check(env->keys, v.text, v.len, a->orig_rcpt.text, &env->window, &a->verp_info);
		if (a->verp_status == BG_VERP_OK)
			a->verp_rcpt = a->orig_rcpt;
	}
	if (a->verp_status != BG_VERP_OK)
		memset(&a->verp_rcpt, 0, sizeof(a->verp_rcpt));
}

/* Reads what the reported message says about who sent it and to whom. */
static void
arf_reported(GMimeMessage *m, const struct fb_envelope *env, const char *omf, struct fb_arf *a)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *lu = fb_hdr(o, "List-Unsubscribe"), *rp = fb_hdr(o, "Return-Path");
	const char *sig = fb_hdr(o, "DKIM-Signature"), *from = fb_hdr(o, "From");
	struct bg_addr fa;

	if (lu != NULL)
		a->has_token = fb_find_token(lu, strlen(lu), env->keys, &a->token);
	arf_verp(rp != NULL ? rp : omf, env, a);
	if (sig != NULL)
		dkim_domain(sig, a->dkim_domain, sizeof(a->dkim_domain));
	if (from != NULL && bg_from_parse(from, &fa) == BG_FROM_OK)
		snprintf(a->from_domain, sizeof(a->from_domain), "%s", bg_addr_domain(&fa));
}

/* Reads an ARF report into r. */
static void
read_arf(GMimePart *part, struct fb_walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	GByteArray *ba = fb_part_bytes(part, FB_TEXT_MAX);
	GMimeMessage *m = fb_reported_message(w->reported);
	const char *omf;

	r->kind = FB_ARF;
	if (ba != NULL)
		fb_each_block((const char *)ba->data, ba->len, arf_block, r);
	omf = r->arf.orig_mail_from.len > 0 ? r->arf.orig_mail_from.text : NULL;
	if (m != NULL)
		arf_reported(m, env, omf, &r->arf);
	else
		arf_verp(omf, env, &r->arf);
	if (m != NULL)
		g_object_unref(m);
	if (ba != NULL)
		g_byte_array_unref(ba);
}

/* Reads a complaint without a feedback-report part (Hotmail's): the attached message is the reported one. */
static bool
read_plain_complaint(GMimeMessage *m, struct fb_walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	const char *subj = fb_hdr(GMIME_OBJECT(m), "Subject");
	GMimeMessage *rep;
	const char *who;

	if (subj == NULL || fb_find_ci(subj, strlen(subj), "complaint about message") < 0 ||
	    (rep = fb_reported_message(w->reported)) == NULL)
		return false;
	r->kind = FB_ARF;
	snprintf(r->arf.feedback_type, sizeof(r->arf.feedback_type), "abuse");
	if ((who = fb_hdr(GMIME_OBJECT(rep), "X-HmXmrOriginalRecipient")) == NULL)
		who = fb_hdr(GMIME_OBJECT(rep), "To");
	fb_field_addr(who, &r->arf.orig_rcpt);
	arf_reported(rep, env, NULL, &r->arf);
	g_object_unref(rep);
	return true;
}

/*
 * Reads a mail to an abuse address that is no ARF report as an abuse report:
 * the token or VERP of the attached message, else a token in the Subject or
 * the text, else a VERP (named form) in the text. Nothing else identifies.
 */
static void
read_abuse(GMimeMessage *m, struct fb_walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	GMimeMessage *rep = fb_reported_message(w->reported);
	GByteArray *text = w->text != NULL ? fb_part_bytes(GMIME_PART(w->text), FB_TEXT_MAX) : NULL;
	const char *subj = fb_hdr(GMIME_OBJECT(m), "Subject");
	struct fb_arf *a = &r->arf;

	r->kind = FB_ARF;
	a->abuse_mailbox = true;
	snprintf(a->feedback_type, sizeof(a->feedback_type), "abuse");
	if (rep != NULL) {
		arf_reported(rep, env, NULL, a);
		g_object_unref(rep);
	}
	if (!a->has_token && subj != NULL)
		a->has_token = fb_find_token(subj, strlen(subj), env->keys, &a->token);
	if (!a->has_token && text != NULL)
		a->has_token = fb_find_token((const char *)text->data, text->len, env->keys, &a->token);
	if (!a->has_token && a->verp_status != BG_VERP_OK && text != NULL)
		fb_find_verp((const char *)text->data, text->len, env, a);
	if (text != NULL)
		g_byte_array_unref(text);
}

/* ---- Amazon SES notifications ------------------------------------------ */

/*
 * Verifies the recipients of an SES bounce: the VERP it was sent with
 * (mail.source) stands for the envelope's VERP of a DSN (fb_resolve_verp
 * does the rest); a source that is no VERP leaves the envelope's; without
 * either, a token among its headers verifies the recipient it names.
 */
static void
ses_origin(const struct fb_ses *ses, const struct fb_envelope *env, struct fb_record *r)
{
	struct bg_token token;
	struct bg_addr source_rcpt;
	struct bg_verp_info source_info;
	int source = BG_VERP_NOT_VERP;

	if (env->keys != NULL && ses->source[0] != '\0')
		source = (int)bg_verp_parse(env->keys, ses->source, strlen(ses->source), &env->window, &source_rcpt,
		                            &source_info);
	if (source !=
	    BG_VERP_NOT_VERP) { /* a VERP as the source decides, forged or not; else the envelope's, as for a DSN */
		r->verp = source;
		r->verp_rcpt = source_rcpt;
		r->verp_info = source_info;
	}
	if (r->verp == BG_VERP_OK || r->verp == BG_VERP_UNNAMED ||
	    !fb_find_token(ses->list_unsubscribe, strlen(ses->list_unsubscribe), env->keys, &token))
		return;
	for (size_t i = 0; i < r->n_rcpt; i++)
		if (strcasecmp(r->rcpt[i].addr.text, token.address) == 0) {
			r->rcpt[i].verp = BG_VERP_OK;
			r->rcpt[i].origin = FB_ORIGIN_TOKEN;
		}
}

/* Reads the recipients of an SES bounce as DSN recipients. */
static void
ses_bounce(const struct fb_ses *ses, struct fb_record *r)
{
	r->kind = FB_DSN;
	for (size_t i = 0; i < ses->n_rcpt && r->n_rcpt < FB_RCPT_MAX; i++) {
		const struct fb_ses_rcpt *in = &ses->rcpt[i];
		struct fb_rcpt *x = &r->rcpt[r->n_rcpt++];
		char line[FB_DIAG_MAX + 1], from_diag[sizeof(x->status)];

		fb_field_addr(in->address, &x->addr);
		fb_copy_lower(in->action[0] != '\0' ? in->action : "failed", x->action, sizeof(x->action));
		fb_copy_printable(in->diag, strlen(in->diag), x->diag, sizeof(x->diag));
		fb_find_status(in->status, strlen(in->status), x->status, sizeof(x->status), line, sizeof(line));
		if (x->status[0] == '\0' &&
		    fb_find_status(in->diag, strlen(in->diag), from_diag, sizeof(from_diag), line, sizeof(line)))
			snprintf(x->status, sizeof(x->status), "%s", from_diag);
		x->says = fb_says_at_stage(fb_text_says(in->diag, strlen(in->diag)),
		                           fb_text_stage(in->diag, strlen(in->diag)), x->status);
		fb_status_refine(x->status, sizeof(x->status), x->says);
		x->cls = fb_rcpt_class(x->status, x->action, x->says);
	}
}

/* Reads an SES complaint as an ARF report: its recipient, type, token and VERP. */
static void
ses_complaint(const struct fb_ses *ses, const struct fb_envelope *env, struct fb_record *r)
{
	struct fb_arf *a = &r->arf;

	r->kind = FB_ARF;
	fb_copy_lower(ses->feedback_type[0] != '\0' ? ses->feedback_type : "abuse", a->feedback_type,
	              sizeof(a->feedback_type));
	if (ses->n_rcpt > 0)
		fb_field_addr(ses->rcpt[0].address, &a->orig_rcpt);
	a->has_token = fb_find_token(ses->list_unsubscribe, strlen(ses->list_unsubscribe), env->keys, &a->token);
	arf_verp(ses->source[0] != '\0' ? ses->source : NULL, env, a);
}

/* Reads an Amazon SES notification (JSON in the first text part) into r; false when the text is none. */
static bool
read_ses(struct fb_walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	struct fb_ses *ses;
	char *text;
	bool read = false;

	if (w->text == NULL || (text = g_mime_text_part_get_text(w->text)) == NULL)
		return false;
	if ((ses = g_try_new0(struct fb_ses, 1)) != NULL && fb_ses_parse(text, strnlen(text, FB_SES_MAX), ses)) {
		read = true;
		if (ses->type == FB_SES_BOUNCE) {
			ses_bounce(ses, r);
			ses_origin(ses, env, r);
		} else if (ses->type == FB_SES_COMPLAINT) {
			ses_complaint(ses, env, r);
		} else {
			snprintf(r->why, sizeof(r->why), "%s", "ses-not-a-failure");
		}
	}
	g_free(ses);
	g_free(text);
	return read;
}

/* ---- the whole message -------------------------------------------------- */

/* True when the message says it is an auto-reply (RFC 3834, vacation, out of office) by its Subject or headers. */
static bool auto_reply(GMimeMessage *m);

/* Finds a token in the first text part (FB_TEXT_MAX bytes) of a mail that is neither an auto-reply nor a bounce. */
static bool
text_token(GMimeMessage *m, const struct fb_walk *w, const struct bg_token_keys *keys, struct bg_token *out)
{
	GByteArray *text;
	bool found;

	if (w->text == NULL || auto_reply(m) || fb_looks_like_bounce(m, w) ||
	    (text = fb_part_bytes(GMIME_PART(w->text), FB_TEXT_MAX)) == NULL)
		return false;
	found = fb_find_token((const char *)text->data, text->len, keys, out);
	g_byte_array_unref(text);
	return found;
}

/* Finds a token in the envelope recipient's local part, the Subject, or the text (a reply quoting it). */
static bool
read_unsubscribe(GMimeMessage *m, const struct fb_walk *w, const char *env, const struct bg_token_keys *keys,
                 struct fb_record *r)
{
	const char *at = strrchr(env, '@'), *subj = fb_hdr(GMIME_OBJECT(m), "Subject");

	if (fb_find_token(env, at ? (size_t)(at - env) : strlen(env), keys, &r->token) ||
	    (subj != NULL && fb_find_token(subj, strlen(subj), keys, &r->token)) || text_token(m, w, keys, &r->token)) {
		r->kind = FB_UNSUBSCRIBE;
		return true;
	}
	return false;
}

/* True when the message says it is an auto-reply (RFC 3834, vacation, out of office) by its Subject or headers. */
static bool
auto_reply(GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *prec = fb_hdr(o, "Precedence");

	return fb_subject_auto_reply(fb_hdr(o, "Subject")) || fb_hdr(o, "X-Autoreply") != NULL ||
	       fb_hdr(o, "X-Autorespond") != NULL || fb_hdr(o, "X-Autoresponder") != NULL ||
	       (prec != NULL && fb_find_ci(prec, strlen(prec), "auto_reply") >= 0);
}

/* Marks r as a mail refused as a report (counted as unverified), with why. */
static void
refuse(struct fb_record *r, const char *why)
{
	r->refused = true;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* Reads a mail that is no report part, token or complaint: a bounce in a known MTA's layout from the null sender, or
 * nothing. */
static void
read_other(GMimeMessage *m, struct fb_walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	bool bounce = w->dsn != NULL || fb_looks_like_bounce(m, w);

	if (w->dsn == NULL && auto_reply(m))
		refuse(r, "auto-reply");
	else if (bounce && !fb_sender_is_null(env->sender))
		refuse(r, env->sender == NULL ? "sender-unknown" : "sender-not-null");
	else if (!bounce)
		snprintf(r->why, sizeof(r->why), "%s", "not-a-report");
	else if (!fb_read_plain_bounce(m, w, env->rcpt, r))
		snprintf(r->why, sizeof(r->why), "%s", "bounce-without-status");
}

/* Returns the message attached as o when it is itself a multipart/report (a forwarded bounce), else NULL. */
static GMimeMessage *
forwarded_report(GMimeObject *o)
{
	GMimeMessage *inner;
	GMimeObject *body;
	GMimeContentType *ct;

	if (o == NULL || !GMIME_IS_MESSAGE_PART(o) ||
	    (inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) == NULL ||
	    (body = g_mime_message_get_mime_part(inner)) == NULL || (ct = g_mime_object_get_content_type(body)) == NULL)
		return NULL;
	return g_mime_content_type_is_type(ct, "multipart", "report") ? inner : NULL;
}

/* Classifies a parsed message: ARF, a DSN from the null sender, an unsubscribe mail, a complaint, or the rest. */
static void
classify_message(GMimeMessage *m, const struct fb_envelope *env, struct fb_record *r)
{
	struct fb_walk w;

	memset(&w, 0, sizeof(w));
	fb_walk_object(g_mime_message_get_mime_part(m), &w, 0);
	if (w.dsn == NULL && w.arf == NULL && forwarded_report(w.reported) != NULL) {
		GMimeMessage *inner = forwarded_report(w.reported);

		memset(&w, 0, sizeof(w)); /* a bounce forwarded as an attachment: its report is read */
		fb_walk_object(g_mime_message_get_mime_part(inner), &w, 0);
	}
	if (w.arf != NULL)
		read_arf(w.arf, &w, env, r);
	else if (w.dsn != NULL && fb_sender_is_null(env->sender))
		fb_read_dsn(m, w.dsn, &w, env->rcpt, r);
	else if (read_ses(&w, env, r) && r->kind != FB_DSN)
		return;
	else if (r->kind == FB_DSN)
		; /* an SES bounce: its VERP is resolved below */
	else if (env->reply)
		fb_read_reply(m, &w, env, auto_reply(m) || fb_looks_like_bounce(m, &w), r);
	else if (env->abuse)
		read_abuse(m, &w, env, r);
	else if (read_unsubscribe(m, &w, env->rcpt, env->keys, r) || read_plain_complaint(m, &w, env, r))
		return;
	else
		read_other(m, &w, env, r);
	if (r->kind == FB_DSN)
		fb_resolve_verp(env, r);
}

void
fb_classify(const char *msg, size_t len, const struct fb_envelope *env, struct fb_record *out)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	memset(out, 0, sizeof(*out));
	out->arf.verp_status = -1;
	out->verp = BG_VERP_NOT_VERP;
	if (env->keys != NULL)
		out->verp = (int)bg_verp_parse(env->keys, env->rcpt, strlen(env->rcpt), &env->window, &out->verp_rcpt,
		                               &out->verp_info);
	if (len > FB_MESSAGE_MAX) {
		snprintf(out->why, sizeof(out->why), "too-large");
		return;
	}
	pthread_once(&gmime_once, gmime_start);
	st = g_mime_stream_mem_new_with_buffer(msg, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	if (m == NULL)
		snprintf(out->why, sizeof(out->why), "unparseable");
	else
		classify_message(m, env, out);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
}
