/*
 * mlt_message.c - From alignment, the unsubscribe headers and VERP at end of message.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bg_from.h"
#include "bg_header.h"
#include "bg_token.h"
#include "bg_util.h"
#include "bg_verp.h"
#include "mlt_message.h"

#define HEADER_MAX 2048

void
mlt_msg_reset(struct mlt_msg *m)
{
	memset(m, 0, sizeof(*m));
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

bool
mlt_msg_one_recipient(const struct bg_sender *s)
{
	return s->entity->per_recipient || gets_unsubscribe(s) || gets_verp(s);
}

void
mlt_msg_rcpt(struct mlt_msg *m, const struct bg_addr *rcpt)
{
	if (m->rcpts++ == 0)
		m->rcpt = *rcpt;
}

void
mlt_msg_header(struct mlt_msg *m, const struct bg_sender *s, const char *name, const char *value)
{
	struct bg_addr from;

	if (strcasecmp(name, "From") == 0) {
		if (m->froms++ == 0) {
			m->from_status = bg_from_parse(value, &from);
			if (m->from_status == BG_FROM_OK)
				bg_strlcpy(m->from_domain, bg_addr_domain(&from), sizeof(m->from_domain));
		}
	} else if (strcasecmp(name, "List-Unsubscribe") == 0) {
		m->app_unsub++;
	} else if (strcasecmp(name, "List-Unsubscribe-Post") == 0) {
		m->app_unsub_post++;
	}
}

/* Sets a reply and returns the status that goes with its code. */
static sfsistat
reply(SMFICTX *ctx, const char *code, const char *xcode, const char *text)
{
	smfi_setreply(ctx, (char *)code, (char *)xcode, (char *)text);
	return code[0] == '5' ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

/* The From rule: exactly one From: with one mailbox, in a domain of the entity. */
static sfsistat
check_from(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len)
{
	char text[BG_ADDR_DOMAIN_MAX + 128];

	if (m->froms != 1 || m->from_status != BG_FROM_OK) {
		snprintf(why, len, "from_headers=%u from_status=%d", m->froms, m->from_status);
		return reply(ctx, "550", "5.7.1", m->froms != 1 ? "message must have exactly one From: header"
							     : "From: must hold exactly one address");
	}
	if (!bg_header_domain_aligned(s->entity, m->from_domain)) {
		snprintf(why, len, "from_domain=%s not_aligned", m->from_domain);
		snprintf(text, sizeof(text), "From domain %s not authorized for %s", m->from_domain, s->entity->name);
		return reply(ctx, "550", "5.7.1", text);
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

/* Adds List-Unsubscribe (with the recipient's token) and List-Unsubscribe-Post. */
static int
add_unsubscribe(SMFICTX *ctx, const struct mlt_msg *m, struct mlt_conf *conf, const struct bg_sender *s)
{
	char token[BG_TOKEN_MAX + 1], value[HEADER_MAX];

	if (bg_token_make(mlt_conf_tokens(conf), s->entity->name, s->list, m->rcpt.text, time(NULL), token,
			  sizeof(token)) < 0 ||
	    bg_header_list_unsubscribe(s->entity, token, value, sizeof(value)) < 0)
		return -1;
	if (!s->entity->keep_unsubscribe && remove_app_pair(ctx, m) < 0)
		return -1;
	if (smfi_addheader(ctx, "List-Unsubscribe", value) != MI_SUCCESS ||
	    smfi_addheader(ctx, "List-Unsubscribe-Post", BG_LIST_UNSUBSCRIBE_POST) != MI_SUCCESS)
		return -1;
	return 0;
}

/* Adds Feedback-ID when the entity sets one. */
static int
add_feedback_id(SMFICTX *ctx, const struct bg_sender *s)
{
	char value[256];

	if (bg_header_feedback_id(s->entity, s->list, s->class, value, sizeof(value)) < 0)
		return 0;
	return smfi_addheader(ctx, "Feedback-ID", value) == MI_SUCCESS ? 0 : -1;
}

/* Turns the envelope sender into the recipient's VERP. */
static int
set_verp(SMFICTX *ctx, const struct mlt_msg *m, struct mlt_conf *conf, const struct bg_sender *s)
{
	char verp[BG_ADDR_MAX + 1], arg[BG_ADDR_MAX + 3];

	if (bg_verp_make(mlt_conf_tokens(conf), m->rcpt.text, s->entity->return_path_domain, verp, sizeof(verp)) < 0)
		return -1;
	snprintf(arg, sizeof(arg), "<%s>", verp);
	return smfi_chgfrom(ctx, arg, NULL) == MI_SUCCESS ? 0 : -1;
}

/* True when the application's pair stays: the entity keeps it and there is one. */
static bool
keeps_app_pair(const struct mlt_msg *m, const struct bg_sender *s)
{
	return s->entity->keep_unsubscribe && m->app_unsub > 0;
}

sfsistat
mlt_msg_eom(SMFICTX *ctx, struct mlt_msg *m, struct mlt_conf *conf, const struct bg_sender *s, char *why,
	    size_t len)
{
	sfsistat st;

	why[0] = '\0';
	if (s->entity == NULL || m->rcpts == 0)
		return SMFIS_CONTINUE;
	if ((st = check_from(ctx, m, s, why, len)) != SMFIS_CONTINUE)
		return st;
	if (gets_unsubscribe(s) && !keeps_app_pair(m, s) && add_unsubscribe(ctx, m, conf, s) < 0) {
		snprintf(why, len, "unsubscribe headers failed");
		return reply(ctx, "451", "4.3.0", "List-Unsubscribe could not be added, try again later");
	}
	if (add_feedback_id(ctx, s) < 0 || (gets_verp(s) && set_verp(ctx, m, conf, s) < 0)) {
		snprintf(why, len, "header or return path change failed");
		return reply(ctx, "451", "4.3.0", "Message could not be prepared, try again later");
	}
	return SMFIS_CONTINUE;
}
