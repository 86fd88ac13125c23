/*
 * mlt_message.c - From alignment, the unsubscribe headers, VERP and DKIM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bg_from.h"
#include "bg_header.h"
#include "bg_token.h"
#include "bg_util.h"
#include "bg_verp.h"
#include "mlt_message.h"
#include "mlt_reply.h"
#include "mlt_rules.h"

/* Frees the kept headers (after signing has read them, or at reset). */
static void
free_headers(struct mlt_msg *m)
{
	for (size_t i = 0; i < m->n_hdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
	}
	free(m->hdrs);
	m->hdrs = NULL;
	m->n_hdrs = m->hdr_cap = 0;
}

void
mlt_msg_reset(struct mlt_msg *m)
{
	bg_dkim_free(m->dkim);
	free_headers(m);
	for (size_t i = 0; i < m->n_all; i++)
		free(m->all[i].arg);
	free(m->all);
	memset(m, 0, sizeof(*m));
}

/* Notes the first thing that went wrong before end of message, and why, for the log line. */
static void
fail(struct mlt_msg *m, const char *what, const char *error)
{
	if (m->failed != NULL)
		return;
	m->failed = what;
	bg_strlcpy(m->error, error != NULL ? error : "", sizeof(m->error));
}

const char *
mlt_msg_list(const struct mlt_msg *m, const struct bg_sender *s)
{
	return s->list[0] != '\0' ? s->list : m->list;
}

/* True when this class of the entity's mail gets the List-Unsubscribe pair. */
static bool
gets_unsubscribe(const struct bg_sender *s)
{
	const struct bg_entity *e = s->entity;

	return (s->class == BG_CLASS_BULK || s->class == BG_CLASS_MANDATED) && e->unsubscribe_url != NULL &&
	       *e->unsubscribe_url != '\0';
}

/* True when the entity's return path is a VERP. */
static bool
gets_verp(const struct bg_sender *s)
{
	return s->entity->return_path_domain != NULL && *s->entity->return_path_domain != '\0' && s->addr.len > 0;
}

/*
 * True when the message gets our per-recipient Reply-To: bulk or mandated
 * mail (the classes that can be unsubscribed) of an entity with reply_domain.
 */
static bool
gets_reply(const struct bg_sender *s)
{
	return (s->class == BG_CLASS_BULK || s->class == BG_CLASS_MANDATED) && s->entity->reply_domain != NULL &&
	       *s->entity->reply_domain != '\0';
}

/* True when the application's pair is removed for ours (the entity does not keep its own). */
static bool
replaces_app_pair(const struct bg_sender *s)
{
	return gets_unsubscribe(s) && !s->entity->keep_unsubscribe;
}

bool
mlt_msg_one_recipient(const struct bg_sender *s)
{
	return s->entity->per_recipient || gets_unsubscribe(s) || gets_verp(s) || gets_reply(s);
}

void
mlt_msg_rcpt(struct mlt_msg *m, const struct bg_addr *rcpt, const char *arg)
{
	if (m->rcpts++ == 0)
		m->rcpt = *rcpt;
	if (m->n_all == MLT_RCPTS_MAX) {
		m->all_overflow = true;
		return;
	}
	if (m->n_all == m->all_cap) {
		m->all_cap = m->all_cap ? 2 * m->all_cap : 4;
		m->all = bg_xreallocarray(m->all, m->all_cap, sizeof(*m->all));
	}
	m->all[m->n_all].addr = *rcpt;
	m->all[m->n_all++].arg = bg_xstrdup(arg);
}

/* Starts the signer with the keys that may sign for the From domain, when the entity or the platform signs. */
static void
start_signing(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id)
{
	char err[256];

	if (m->dkim != NULL || m->failed != NULL || s->entity->n_dkim + mlt_conf_cfg(conf)->n_esp_dkim == 0)
		return;
	m->dkim = bg_dkim_begin_for(mlt_conf_dkim(conf), s->entity, m->from_domain, id, err, sizeof(err));
	if (m->dkim == NULL)
		fail(m, "dkim_begin", err);
}

/* Feeds one header to the signer, remembering a failure for end of message. */
static void
sign_header(struct mlt_msg *m, const char *name, const char *value)
{
	if (m->dkim != NULL && m->failed == NULL && bg_dkim_header(m->dkim, name, value) < 0)
		fail(m, "dkim_header", bg_dkim_error(m->dkim));
}

/* Counts a single-instance header; reads From: (the first) and List-Id: (the first naming a list). */
static void
note_form(struct mlt_msg *m, const char *name, const char *value)
{
	struct bg_addr from;
	int h = bg_rules_single(name);

	if (h >= 0)
		m->single[h]++;
	if (h == BG_H_FROM && m->froms++ == 0) {
		m->from_status = bg_from_parse(value, &from);
		if (m->from_status == BG_FROM_OK)
			bg_strlcpy(m->from_domain, bg_addr_domain(&from), sizeof(m->from_domain));
	}
	if (m->list[0] == '\0' && strcasecmp(name, "List-Id") == 0 &&
	    bg_rules_list_id(value, m->list, sizeof(m->list)) < 0)
		m->list[0] = '\0';
}

/* Notes what the rules and the header changes need from one header; false for the app's pair we replace. */
static bool
note_header(struct mlt_msg *m, const struct bg_sender *s, const char *name, const char *value)
{
	note_form(m, name, value);
	if (strcasecmp(name, "Reply-To") == 0) {
		m->app_reply_to++;
		return !gets_reply(s); /* replaced by ours: not signed */
	}
	if (strcasecmp(name, "List-Unsubscribe") == 0)
		m->app_unsub++;
	else if (strcasecmp(name, "List-Unsubscribe-Post") == 0)
		m->app_unsub_post++;
	else
		return true;
	/* the application's pair: signed only when it stays */
	return !replaces_app_pair(s);
}

/* Keeps a copy of one signed header for the signer, within MLT_KEPT_HEADERS_MAX and MLT_KEPT_BYTES_MAX. */
static void
keep_header(struct mlt_msg *m, const char *name, const char *value)
{
	size_t bytes = strlen(name) + strlen(value) + 2;

	if (m->too_big || m->n_hdrs == MLT_KEPT_HEADERS_MAX || bytes > MLT_KEPT_BYTES_MAX - m->hdr_bytes) {
		m->too_big = true;
		return;
	}
	if (m->n_hdrs == m->hdr_cap) {
		m->hdr_cap = m->hdr_cap ? 2 * m->hdr_cap : 16;
		m->hdrs = bg_xreallocarray(m->hdrs, m->hdr_cap, sizeof(*m->hdrs));
	}
	m->hdrs[m->n_hdrs].name = bg_xstrdup(name);
	m->hdrs[m->n_hdrs++].value = bg_xstrdup(value);
	m->hdr_bytes += bytes;
}

void
mlt_msg_header(struct mlt_msg *m, const struct bg_sender *s, const char *name, const char *value)
{
	if (note_header(m, s, name, value) && bg_dkim_signs(name))
		keep_header(m, name, value);
}

/* True when the message lacks header h and the configuration has it added. */
static bool
adds_missing(const struct mlt_msg *m, struct bg_held *conf, enum bg_single h)
{
	return m->single[h] == 0 && mlt_conf_cfg(conf)->milter.missing_headers == BG_MISSING_ADD;
}

/* Makes the Date: and Message-ID: (at the From domain) a message lacks, when they are added. */
static void
make_missing(struct mlt_msg *m, struct bg_held *conf)
{
	time_t now = time(NULL);

	if (adds_missing(m, conf, BG_H_DATE) && bg_rules_date(now, m->date, sizeof(m->date)) < 0)
		fail(m, "date", "no Date: could be made");
	if (adds_missing(m, conf, BG_H_MESSAGE_ID) && m->from_domain[0] != '\0' &&
	    bg_rules_message_id(now, m->from_domain, m->message_id, sizeof(m->message_id)) < 0)
		fail(m, "message_id", "no Message-ID: could be made");
}

/* Makes our List-Unsubscribe value with the recipient's token; false on failure. */
static bool
make_unsubscribe(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s)
{
	char token[BG_TOKEN_MAX + 1];

	return bg_token_make(mlt_conf_tokens(conf), s->entity->name, mlt_msg_list(m, s), m->rcpt.text, time(NULL),
	                     token, sizeof(token)) == BG_TOKEN_OK &&
	       bg_header_list_unsubscribe(s->entity, token, m->unsub, sizeof(m->unsub)) == 0;
}

/* Makes our Reply-To value, the recipient's reply address; false on failure. */
static bool
make_reply_to(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s)
{
	char addr[BG_ADDR_MAX + 1];

	if (bg_verp_reply_make(mlt_conf_tokens(conf), m->rcpt.text, s->entity->verp_tag, bg_verp_day(time(NULL)),
	                       s->entity->reply_domain, addr, sizeof(addr)) != BG_VERP_OK)
		return false;
	snprintf(m->reply_to, sizeof(m->reply_to), " <%s>", addr);
	return true;
}

/*
 * Makes the headers we add, once, and feeds them to the signer in the order
 * they will stand (appended after the message's own), then ends its headers.
 */
static void
prepare(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id)
{
	if (m->prepared)
		return;
	m->prepared = true;
	if (m->froms == 1 && m->from_status == BG_FROM_OK && !m->too_big)
		start_signing(m, conf, s, id);
	for (size_t i = 0; i < m->n_hdrs; i++)
		sign_header(m, m->hdrs[i].name, m->hdrs[i].value);
	free_headers(m);
	make_missing(m, conf);
	if (m->date[0] != '\0')
		sign_header(m, "Date", m->date);
	if (m->message_id[0] != '\0')
		sign_header(m, "Message-ID", m->message_id);
	if (gets_unsubscribe(s) && !(s->entity->keep_unsubscribe && m->app_unsub > 0) && m->rcpts > 0 &&
	    !make_unsubscribe(m, conf, s)) {
		fail(m, "token", "no List-Unsubscribe could be made (token or header)");
		m->unsub[0] = '\0';
	}
	if (m->unsub[0] != '\0') {
		sign_header(m, "List-Unsubscribe", m->unsub);
		sign_header(m, "List-Unsubscribe-Post", BG_LIST_UNSUBSCRIBE_POST);
	}
	if (bg_header_feedback_id(s->entity, mlt_msg_list(m, s), s->class, m->feedback_id, sizeof(m->feedback_id)) == 0)
		sign_header(m, "Feedback-ID", m->feedback_id);
	else
		m->feedback_id[0] = '\0';
	if (gets_reply(s) && m->rcpts > 0 && !make_reply_to(m, conf, s))
		fail(m, "reply_to", "no Reply-To could be made");
	if (m->reply_to[0] != '\0')
		sign_header(m, "Reply-To", m->reply_to);
	if (m->dkim != NULL && m->failed == NULL && bg_dkim_eoh(m->dkim) < 0)
		fail(m, "dkim_eoh", bg_dkim_error(m->dkim));
}

bool
mlt_msg_body(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id,
             const unsigned char *buf, size_t len)
{
	prepare(m, conf, s, id);
	if (m->dkim == NULL || m->failed != NULL)
		return false;
	if (bg_dkim_body(m->dkim, buf, len) < 0)
		fail(m, "dkim_body", bg_dkim_error(m->dkim));
	return m->failed == NULL;
}

/* The From rule: exactly one From: with one mailbox, in a domain of the entity. */
static sfsistat
check_from(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len)
{
	char text[BG_ADDR_DOMAIN_MAX + 128];

	if (m->froms != 1 || m->from_status != BG_FROM_OK) {
		snprintf(why, len, "from_headers=%u from_status=%d", m->froms, m->from_status);
		return mlt_reply(ctx, "550", "5.7.1",
		                 m->froms != 1 ? "message must have exactly one From: header"
		                               : "From: must hold exactly one address");
	}
	if (!bg_header_domain_aligned(s->entity, m->from_domain)) {
		snprintf(why, len, "from_domain=%s not_aligned", m->from_domain);
		snprintf(text, sizeof(text), "From domain %s not authorized for %s", m->from_domain, s->entity->name);
		return mlt_reply(ctx, "550", "5.7.1", text);
	}
	return SMFIS_CONTINUE;
}

/* Removes the application's own pair (highest index first, so indexes stay valid). */
static int
remove_app_pair(SMFICTX *ctx, const struct mlt_msg *m)
{
	for (unsigned i = m->app_unsub; i > 0; i--)
		if (smfi_chgheader(ctx, "List-Unsubscribe", (int)i, NULL) != MI_SUCCESS)
			return -1;
	for (unsigned i = m->app_unsub_post; i > 0; i--)
		if (smfi_chgheader(ctx, "List-Unsubscribe-Post", (int)i, NULL) != MI_SUCCESS)
			return -1;
	return 0;
}

/*
 * Applies the header changes prepared earlier: Date and Message-ID added, the
 * pair replaced, Feedback-ID added, the application's Reply-To replaced by ours.
 */
static int
apply_headers(SMFICTX *ctx, const struct mlt_msg *m)
{
	if (m->date[0] != '\0' && smfi_addheader(ctx, "Date", (char *)m->date) != MI_SUCCESS)
		return -1;
	if (m->message_id[0] != '\0' && smfi_addheader(ctx, "Message-ID", (char *)m->message_id) != MI_SUCCESS)
		return -1;
	if (m->unsub[0] != '\0' &&
	    (remove_app_pair(ctx, m) < 0 || smfi_addheader(ctx, "List-Unsubscribe", (char *)m->unsub) != MI_SUCCESS ||
	     smfi_addheader(ctx, "List-Unsubscribe-Post", BG_LIST_UNSUBSCRIBE_POST) != MI_SUCCESS))
		return -1;
	if (m->feedback_id[0] != '\0' && smfi_addheader(ctx, "Feedback-ID", (char *)m->feedback_id) != MI_SUCCESS)
		return -1;
	for (unsigned i = m->reply_to[0] != '\0' ? m->app_reply_to : 0; i > 0; i--)
		if (smfi_chgheader(ctx, "Reply-To", (int)i, NULL) != MI_SUCCESS)
			return -1;
	if (m->reply_to[0] != '\0' && smfi_addheader(ctx, "Reply-To", (char *)m->reply_to) != MI_SUCCESS)
		return -1;
	return 0;
}

/* Turns the envelope sender into the recipient's VERP. */
static int
set_verp(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s)
{
	char verp[BG_ADDR_MAX + 1], arg[BG_ADDR_MAX + 3];

	if (bg_verp_make(mlt_conf_tokens(conf), m->rcpt.text, s->entity->verp_tag, bg_verp_day(time(NULL)),
	                 s->entity->return_path_domain, verp, sizeof(verp)) != BG_VERP_OK)
		return -1;
	snprintf(arg, sizeof(arg), "<%s>", verp);
	return smfi_chgfrom(ctx, arg, NULL) == MI_SUCCESS ? 0 : -1;
}

/* Ends the signer and inserts its signatures at the top; each insertion lands above the last. */
static int
insert_signatures(SMFICTX *ctx, struct mlt_msg *m)
{
	if (m->dkim == NULL)
		return 0;
	if (bg_dkim_end(m->dkim) < 0) {
		fail(m, "dkim_end", bg_dkim_error(m->dkim));
		return -1;
	}
	for (size_t i = 0; i < bg_dkim_count(m->dkim); i++)
		if (smfi_insheader(ctx, 0, "DKIM-Signature", (char *)bg_dkim_signature(m->dkim, i)) != MI_SUCCESS) {
			fail(m, "dkim_insert", "libmilter refused the header");
			return -1;
		}
	return 0;
}

/* Says for the log what failed and why: failed=<what> error="<why>". */
static void
failure(const struct mlt_msg *m, char *why, size_t len)
{
	snprintf(why, len, "failed=%s error=\"%s\"", m->failed, m->error);
}

/* The rules of the message as a whole, in the order of mlt_rules.h. */
static sfsistat
check_rules(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, unsigned *removed,
            char *why, size_t len)
{
	sfsistat st;

	if ((st = mlt_rules_form(ctx, m, conf, why, len)) != SMFIS_CONTINUE ||
	    (st = check_from(ctx, m, s, why, len)) != SMFIS_CONTINUE ||
	    (st = mlt_rules_aligned(ctx, m, s, why, len)) != SMFIS_CONTINUE ||
	    (st = mlt_rules_unsubscribe(ctx, m, s, why, len)) != SMFIS_CONTINUE)
		return st;
	return mlt_rules_list(ctx, m, conf, s, removed, why, len);
}

sfsistat
mlt_msg_eom(SMFICTX *ctx, struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id, char *why,
            size_t len)
{
	sfsistat st;
	unsigned removed = 0;

	why[0] = '\0';
	if (s->entity == NULL || m->rcpts == 0)
		return SMFIS_CONTINUE;
	prepare(m, conf, s, id);
	if ((st = check_rules(ctx, m, conf, s, &removed, why, len)) != SMFIS_CONTINUE)
		return st;
	if (m->failed != NULL || apply_headers(ctx, m) < 0 || (gets_verp(s) && set_verp(ctx, m, conf, s) < 0)) {
		fail(m, "header_change", "libmilter refused a header or envelope change");
		failure(m, why, len);
		return mlt_reply(ctx, "451", "4.7.0", "Message could not be prepared for sending, try again later");
	}
	if (insert_signatures(ctx, m) < 0) {
		failure(m, why, len);
		return mlt_reply(ctx, "451", "4.7.0", "DKIM signing failed, try again later");
	}
	snprintf(why, len, "signatures=%zu list_removed=%u%s%s%s", m->dkim ? bg_dkim_count(m->dkim) : (size_t)0,
	         removed, m->date[0] ? " added=Date" : "", m->message_id[0] ? " added=Message-ID" : "",
	         m->reply_to[0] ? " added=Reply-To" : "");
	return SMFIS_CONTINUE;
}
