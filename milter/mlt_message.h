/*
 * mlt_message.h - what the milter does with a message's content.
 *
 * Headers are read as they stream by (NOREPLY: the MTA does not wait): the
 * single-instance headers are counted, the first From: parsed, List-Id read
 * for a list, the application's own List-Unsubscribe pair noted (replaced
 * unless the entity keeps it), and every header DKIM signs that stays is
 * kept (bounded: MLT_KEPT_*). When the body begins (or at end of message
 * for an empty one) the signer starts with the keys that may sign for the
 * From domain, gets the kept headers, then the headers bulkguard adds
 * (Date and Message-ID when missing, List-Unsubscribe(-Post) with the
 * recipient's token, Feedback-ID), so the signatures cover them; the body
 * streams into the signer, or is skipped when nothing signs. At end of
 * message the rules of mlt_rules.h and the From rule answer first; then
 * the headers are added, the application's pair removed, the envelope
 * sender turned into a VERP, and the DKIM-Signature headers inserted last;
 * a signing failure is a temporary failure (451 4.7.0), never unsigned
 * mail. All per-message state lives in struct mlt_msg and is released by
 * mlt_msg_reset, called at end of message, abort and close.
 */
#ifndef MLT_MESSAGE_H
#define MLT_MESSAGE_H

#include <libmilter/mfapi.h>
#include <stdbool.h>

#include "bg_addr.h"
#include "bg_dkim.h"
#include "bg_rules.h"
#include "bg_sender.h"
#include "mlt_conf.h"

#define MLT_HEADER_MAX 2048
#define MLT_KEPT_HEADERS_MAX 1000          /* headers kept for signing per message */
#define MLT_KEPT_BYTES_MAX   (1024 * 1024) /* bytes of headers kept for signing */
#define MLT_RCPTS_MAX        1000          /* recipients remembered for list suppressions */

/* One header kept until signing starts (names and values copied). */
struct mlt_hdr {
	char *name;
	char *value;
};

/* One accepted recipient: normalised, and as the MTA gave it (for smfi_delrcpt). */
struct mlt_rcpt {
	struct bg_addr addr;
	char *arg;
};

struct mlt_msg {
	struct bg_addr rcpt;  /* the first accepted recipient: its token, its VERP */
	unsigned rcpts;       /* accepted recipients */
	unsigned froms;       /* From: headers seen */
	char from_domain[BG_ADDR_DOMAIN_MAX + 1];
	int from_status;      /* enum bg_from_status of the first From: */
	unsigned app_unsub;   /* the application's List-Unsubscribe headers */
	unsigned app_unsub_post;
	unsigned single[BG_H_SINGLE_COUNT]; /* occurrences of each single-instance header */
	struct mlt_hdr *hdrs;               /* the headers that stay, in order, until signing starts */
	size_t n_hdrs, hdr_cap, hdr_bytes;
	bool too_big;         /* more headers than MLT_KEPT_* allow */
	struct mlt_rcpt *all; /* every accepted recipient (at most MLT_RCPTS_MAX) */
	size_t n_all, all_cap;
	bool all_overflow;          /* more recipients than could be remembered */
	char list[BG_LIST_MAX + 1]; /* from List-Id, when the envelope names no list */
	struct bg_dkim_run *dkim; /* NULL when nothing signs this message */
	bool prepared;        /* our headers made (and fed to the signer) */
	const char *failed;   /* the first thing that went wrong before end of message, for the log */
	char error[256];      /* and why ("" when nothing more is known) */
	char unsub[MLT_HEADER_MAX]; /* our List-Unsubscribe value, "" when none */
	char feedback_id[256];      /* our Feedback-ID value, "" when none */
	char date[64];              /* the Date: value we add, "" when none */
	char message_id[BG_ADDR_DOMAIN_MAX + 64]; /* the Message-ID: value we add, "" when none */
	unsigned app_reply_to;                    /* the application's Reply-To headers */
	char reply_to[BG_ADDR_MAX + 4];           /* our Reply-To value (" <reply address>"), "" when none */
};

/* Forgets the message (end, abort, close): frees what it holds and clears every field. */
void mlt_msg_reset(struct mlt_msg *m);

/* True when the sender's mail must go one recipient per message: per_recipient, tokens, VERP or Reply-To. */
bool mlt_msg_one_recipient(const struct bg_sender *s);

/* Notes an accepted recipient, rcpt normalised and arg as the MTA gave it (copied). */
void mlt_msg_rcpt(struct mlt_msg *m, const struct bg_addr *rcpt, const char *arg);

/* The message's list: the envelope's, else the one List-Id named, else "". */
const char *mlt_msg_list(const struct mlt_msg *m, const struct bg_sender *s);

/* One header as it streams by: noted for the rules, kept (copied) for the signer. */
void mlt_msg_header(struct mlt_msg *m, const struct bg_sender *s, const char *name, const char *value);

/*
 * One body chunk (the first starts the signer; id names the message in its
 * errors); returns false when the rest of the body is not needed (nothing signs).
 */
bool mlt_msg_body(struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id,
                  const unsigned char *buf, size_t len);

/*
 * End of message: applies the rules of mlt_rules.h and the From rule, then
 * the header, recipient and envelope changes. Returns SMFIS_CONTINUE, or SMFIS_REJECT / SMFIS_TEMPFAIL with the
 * reply set; why (len bytes) says what happened for the log.
 */
sfsistat mlt_msg_eom(SMFICTX *ctx, struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s, const char *id,
                     char *why, size_t len);

#endif
