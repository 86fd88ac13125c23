/*
 * mlt_message.h - what the milter does with a message's content.
 *
 * Headers are read as they stream by (NOREPLY: the MTA does not wait):
 * the From: headers for the alignment rule, and the application's own
 * List-Unsubscribe pair, which is replaced unless the entity keeps it. At
 * end of message, in this order: the From rule (550 5.7.1 for mail that
 * breaks it), the application's pair removed, List-Unsubscribe(-Post) with
 * the recipient's token and Feedback-ID added, the envelope sender turned
 * into a VERP. All per-message state lives in struct mlt_msg and is
 * released by mlt_msg_reset, called at end of message, abort and close.
 */
#ifndef MLT_MESSAGE_H
#define MLT_MESSAGE_H

#include <libmilter/mfapi.h>
#include <stdbool.h>

#include "bg_addr.h"
#include "bg_sender.h"
#include "mlt_conf.h"

struct mlt_msg {
	struct bg_addr rcpt;  /* the first accepted recipient: its token, its VERP */
	unsigned rcpts;       /* accepted recipients */
	unsigned froms;       /* From: headers seen */
	char from_domain[BG_ADDR_DOMAIN_MAX + 1];
	int from_status;      /* enum bg_from_status of the first From: */
	unsigned app_unsub;   /* the application's List-Unsubscribe headers */
	unsigned app_unsub_post;
};

/* Forgets the message (end, abort, close). */
void mlt_msg_reset(struct mlt_msg *m);

/* True when the sender's mail must go one recipient per message: per_recipient, tokens or VERP. */
bool mlt_msg_one_recipient(const struct bg_sender *s);

/* Notes an accepted recipient. */
void mlt_msg_rcpt(struct mlt_msg *m, const struct bg_addr *rcpt);

/* One header as it streams by. */
void mlt_msg_header(struct mlt_msg *m, const struct bg_sender *s, const char *name, const char *value);

/*
 * End of message: applies the From rule and the header and envelope
 * changes. Returns SMFIS_CONTINUE, or SMFIS_REJECT / SMFIS_TEMPFAIL with the
 * reply set; why (len bytes) says what happened for the log.
 */
sfsistat mlt_msg_eom(SMFICTX *ctx, struct mlt_msg *m, struct mlt_conf *conf, const struct bg_sender *s,
		     char *why, size_t len);

#endif
