/*
 * mlt_rules.h - the per-message rules checked at end of message.
 *
 * Each rule looks at what mlt_message.c noted while the message streamed
 * by and either lets it pass (SMFIS_CONTINUE) or sets the contract's reply
 * and returns SMFIS_REJECT / SMFIS_TEMPFAIL, with what happened in why
 * (len bytes) for the log line. In the order mlt_msg_eom applies them:
 *
 *   form         550 5.6.0 duplicate <Name>: header (RFC 5322 3.6 single-
 *                instance headers); with missing_headers = refuse,
 *                550 5.6.0 missing <Name>: header for Date and Message-ID;
 *                552 5.3.4 message header too large past MLT_KEPT_*
 *   (From rule, in mlt_message.c)
 *   aligned      550 5.7.1 From domain <d> not aligned with a signature of
 *                <entity>: an entity with dkim blocks has none whose
 *                organisational domain is the From's
 *   unsubscribe  550 5.7.1 bulk mail of <entity> needs an unsubscribe: bulk
 *                or mandated mail of an entity without unsubscribe_url,
 *                unless it keeps the application's complete pair
 *   list         recipients suppressed for the list List-Id named (when the
 *                envelope names none) removed with smfi_delrcpt; none left:
 *                550 5.7.1 no recipient left after list suppressions; Redis
 *                failure: on_redis_error (451 4.3.0 with tempfail)
 */
#ifndef MLT_RULES_H
#define MLT_RULES_H

#include <libmilter/mfapi.h>
#include <stddef.h>

#include "bg_sender.h"
#include "mlt_conf.h"
#include "mlt_message.h"

/* Duplicate single-instance headers, missing Date/Message-ID (refuse mode), headers too large. */
sfsistat mlt_rules_form(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, char *why, size_t len);

/* At least one of the entity's keys aligns with the From domain (when it has keys). */
sfsistat mlt_rules_aligned(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len);

/* Bulk and mandated mail leaves with an unsubscribe. */
sfsistat mlt_rules_unsubscribe(SMFICTX *ctx, const struct mlt_msg *m, const struct bg_sender *s, char *why, size_t len);

/*
 * List-scoped suppressions of the List-Id list: removes the suppressed
 * recipients (their number in *removed). Does nothing when the envelope
 * named the list or no List-Id did.
 */
sfsistat mlt_rules_list(SMFICTX *ctx, const struct mlt_msg *m, struct bg_held *conf, const struct bg_sender *s,
                        unsigned *removed, char *why, size_t len);

#endif
