/*
 * mlt_message.h - what the milter does with a message's content.
 *
 * Headers are read as they stream by (NOREPLY: the MTA does not wait):
 * the From: headers for the alignment rule, and the application's own
 * List-Unsubscribe pair, which is replaced unless the entity keeps it; each
 * header that stays is fed to the DKIM signer as it passes. When the body
 * begins (or at end of message for an empty one) the headers bulkguard adds
 * are made (List-Unsubscribe(-Post) with the recipient's token, Feedback-ID)
 * and fed too, so the signatures cover them; the body streams into the
 * signer, or is skipped when nothing signs. At end of message, in this
 * order: the From rule (550 5.7.1 for mail that breaks it), the
 * application's pair removed, ours added, the envelope sender turned into a
 * VERP, and the DKIM-Signature headers inserted last; a signing failure is
 * a temporary failure (451 4.7.0), never unsigned mail. All per-message
 * state lives in struct mlt_msg and is released by mlt_msg_reset, called at
 * end of message, abort and close.
 */
#ifndef MLT_MESSAGE_H
#define MLT_MESSAGE_H

#include <libmilter/mfapi.h>
#include <stdbool.h>

#include "bg_addr.h"
#include "bg_dkim.h"
#include "bg_sender.h"
#include "mlt_conf.h"

#define MLT_HEADER_MAX 2048

struct mlt_msg {
	struct bg_addr rcpt;  /* the first accepted recipient: its token, its VERP */
	unsigned rcpts;       /* accepted recipients */
	unsigned froms;       /* From: headers seen */
	char from_domain[BG_ADDR_DOMAIN_MAX + 1];
	int from_status;      /* enum bg_from_status of the first From: */
	unsigned app_unsub;   /* the application's List-Unsubscribe headers */
	unsigned app_unsub_post;
	struct bg_dkim_run *dkim; /* NULL when nothing signs this message */
	bool prepared;        /* our headers made (and fed to the signer) */
	const char *failed;   /* the first thing that went wrong before end of message, for the log */
	char error[256];      /* and why ("" when nothing more is known) */
	char unsub[MLT_HEADER_MAX]; /* our List-Unsubscribe value, "" when none */
	char feedback_id[256];      /* our Feedback-ID value, "" when none */
};

/* Forgets the message (end, abort, close): frees the signer and clears every field. */
void mlt_msg_reset(struct mlt_msg *m);

/* True when the sender's mail must go one recipient per message: per_recipient, tokens or VERP. */
bool mlt_msg_one_recipient(const struct bg_sender *s);

/* Notes an accepted recipient. */
void mlt_msg_rcpt(struct mlt_msg *m, const struct bg_addr *rcpt);

/* One header as it streams by; id names the message in signing errors. */
void mlt_msg_header(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id,
                    const char *name, const char *value);

/* One body chunk; returns false when the rest of the body is not needed (nothing signs). */
bool mlt_msg_body(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const unsigned char *buf,
                  size_t len);

/*
 * End of message: applies the From rule and the header and envelope
 * changes. Returns SMFIS_CONTINUE, or SMFIS_REJECT / SMFIS_TEMPFAIL with the
 * reply set; why (len bytes) says what happened for the log.
 */
sfsistat mlt_msg_eom(SMFICTX *ctx, struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, char *why,
                     size_t len);

#endif
