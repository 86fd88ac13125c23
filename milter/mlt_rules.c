/*
 * mlt_rules.c - the per-message rules of end of message (see mlt_rules.h):
 * the form of the header, DKIM alignment, an unsubscribe for bulk mail and
 * the List-Id list's suppressions.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bg_rcpt.h"
#include "bg_rules.h"
#include "bg_util.h"
#include "mlt_reply.h"
#include "mlt_rules.h"

/* Refuses with "550 5.6.0 <what> <Name>: header". */
static sfsistat
refuse_header(SMFICTX *ctx, const char *what, enum bg_single h, char *why, size_t len)
{
	char text[64];

	snprintf(why, len, "header=%s %s", bg_rules_single_name(h), what);
	snprintf(text, sizeof(text), "%s %s: header", what, bg_rules_single_name(h));
	return mlt_reply(ctx, "550", "5.6.0", text);
}

sfsistat
mlt_rules_form(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, char *why, size_t len)
{
	static const enum bg_single needed[] = {BG_H_DATE, BG_H_MESSAGE_ID};

	if (m->too_big) {
		snprintf(why, len, "headers=%zu header_bytes=%zu too_large", m->n_hdrs, m->hdr_bytes);
		return mlt_reply(ctx, "552", "5.3.4", "message header too large");
	}
	for (int h = 0; h < BG_H_SINGLE_COUNT; h++)
		if (m->single[h] > 1)
			return refuse_header(ctx, "duplicate", (enum bg_single)h, why, len);
	if (mlt_conf_cfg(conf)->milter.missing_headers != BG_MISSING_REFUSE)
		return SMFIS_CONTINUE;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (m->single[needed[i]] == 0)
			return refuse_header(ctx, "missing", needed[i], why, len);
	return SMFIS_CONTINUE;
}

sfsistat
mlt_rules_aligned(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len)
{
	char text[BG_ADDR_DOMAIN_MAX + 160];

	if (s->entity->n_dkim == 0 || bg_rules_entity_aligned(s->entity, m->from_domain))
		return SMFIS_CONTINUE;
	snprintf(why, len, "from_domain=%s no_aligned_key", m->from_domain);
	snprintf(text, sizeof(text), "From domain %s not aligned with a signature of %s", m->from_domain,
	         s->entity->name);
	return mlt_reply(ctx, "550", "5.7.1", text);
}

/* True when the entity's mail of this class leaves with a List-Unsubscribe of bulkguard's or the app's. */
static bool
has_unsubscribe(const struct mlt_msg *m, const struct bg_entity *e)
{
	if (e->unsubscribe_url != NULL && *e->unsubscribe_url != '\0')
		return true;
	return e->keep_unsubscribe && m->app_unsub > 0 && m->app_unsub_post > 0;
}

sfsistat
mlt_rules_unsubscribe(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len)
{
	char text[160];

	if ((s->class != BG_CLASS_BULK && s->class != BG_CLASS_MANDATED) || has_unsubscribe(m, s->entity))
		return SMFIS_CONTINUE;
	snprintf(why, len, "class=%s no_unsubscribe", bg_class_name(s->class));
	snprintf(text, sizeof(text), "bulk mail of %s needs an unsubscribe", s->entity->name);
	return mlt_reply(ctx, "550", "5.7.1", text);
}

/*
 * Marks in gone[] the recipients suppressed for the list of ls; returns
 * how many, or -1 when Redis failed.
 */
static int
find_suppressed(const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *ls, bool *gone)
{
	struct bg_redis *r = mlt_conf_redis_borrow(conf);
	char reason[33];
	int n = 0, rc = 0;

	for (size_t i = 0; i < m->n_all && rc >= 0; i++) {
		rc = bg_rcpt_list_suppressed(r, mlt_conf_cfg(conf)->redis.prefix, ls, &m->all[i].addr, reason,
		                             sizeof(reason));
		gone[i] = rc == 1;
		n += rc == 1;
	}
	mlt_conf_redis_return(conf, r, rc >= 0);
	return rc < 0 ? -1 : n;
}

/* Removes the marked recipients from the message; -1 when the MTA refused. */
static int
remove_marked(SMFICTX *ctx, const struct mlt_msg *m, const bool *gone)
{
	for (size_t i = 0; i < m->n_all; i++)
		if (gone[i] && smfi_delrcpt(ctx, m->all[i].arg) != MI_SUCCESS)
			return -1;
	return 0;
}

/* Applies the list's suppressions once the list is known to come from List-Id. */
static sfsistat
list_apply(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *ls, unsigned *removed,
           char *why, size_t len)
{
	bool gone[MLT_RCPTS_MAX];
	int n = find_suppressed(m, conf, ls, gone);

	if (n < 0 && mlt_conf_cfg(conf)->milter.on_redis_error == BG_ONERR_ACCEPT)
		return SMFIS_CONTINUE;
	if (n < 0) {
		snprintf(why, len, "list=%s redis_error", ls->list);
		return mlt_reply(ctx, "451", "4.3.0", "Recipient policy unavailable, try again later");
	}
	if ((size_t)n == m->n_all) {
		snprintf(why, len, "list=%s list_suppressed=%d", ls->list, n);
		return mlt_reply(ctx, "550", "5.7.1", "no recipient left after list suppressions");
	}
	if (remove_marked(ctx, m, gone) < 0) {
		snprintf(why, len, "list=%s failed=delrcpt", ls->list);
		return mlt_reply(ctx, "451", "4.7.0",
		                       "Message could not be prepared for sending, try again later");
	}
	*removed = (unsigned)n;
	return SMFIS_CONTINUE;
}

sfsistat
mlt_rules_list(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s,
               unsigned *removed, char *why, size_t len)
{
	struct bg_sender ls;

	*removed = 0;
	if (s->list[0] != '\0' || m->list[0] == '\0' || m->n_all == 0)
		return SMFIS_CONTINUE;
	if (m->all_overflow) {
		snprintf(why, len, "list=%s recipients_over=%d", m->list, MLT_RCPTS_MAX);
		return mlt_reply(ctx, "451", "4.7.0",
		                       "Message could not be prepared for sending, try again later");
	}
	ls = *s;
	bg_strlcpy(ls.list, m->list, sizeof(ls.list));
	return list_apply(ctx, m, conf, &ls, removed, why, len);
}
