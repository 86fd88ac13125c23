/*
 * mlt_reply.h - the one way the milter refuses: at MAIL, at RCPT and at end of message.
 */
#ifndef MLT_REPLY_H
#define MLT_REPLY_H

#include <libmilter/mfapi.h>

/*
 * Sets the SMTP reply code ("550", "451"), xcode ("5.7.1") and text (the
 * caller keeps it free of CR, LF and '%') and returns the status that goes
 * with it: SMFIS_REJECT for a 5xx, SMFIS_TEMPFAIL for a 4xx, and
 * SMFIS_TEMPFAIL too when libmilter will not take the reply (fail closed).
 */
sfsistat mlt_reply(SMFICTX *ctx, const char *code, const char *xcode, const char *text);

#endif
