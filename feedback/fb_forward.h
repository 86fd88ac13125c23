/*
 * fb_forward.h - a reply passed on, unchanged, to the entity's reply_mailbox.
 *
 * The message goes to FB_SENDMAIL (Postfix's sendmail(1)) as it arrived,
 * with the original envelope sender (the null sender when it was null or is
 * no address): only a Return-Path header at its very top, which pipe(8)
 * prepends with flags=R, is left out. A message over FB_FORWARD_MAX bytes is
 * not passed on.
 *
 * DIAGNOSTICS: enum fb_forward_result, with the reason in err.
 */
#ifndef FB_FORWARD_H
#define FB_FORWARD_H

#include <stddef.h>

#define FB_SENDMAIL    "/usr/sbin/sendmail"
#define FB_FORWARD_MAX (10u * 1024 * 1024) /* bytes of a reply passed on (Postfix's default message_size_limit) */

enum fb_forward_result {
	FB_FORWARD_OK = 0,
	FB_FORWARD_TEMPFAIL, /* sendmail could not be run or did not exit 0: the reply must be retried */
	FB_FORWARD_TOO_BIG,  /* over FB_FORWARD_MAX: refused */
};

/*
 * Passes the len bytes at msg on to mailbox (a normalised address) with
 * envelope sender (untrusted; NULL, "" or MAILER-DAEMON: the null sender).
 * Waits for sendmail. Writes the reason into err (errlen bytes) unless OK.
 */
enum fb_forward_result fb_forward(const char *mailbox, const char *sender, const char *msg, size_t len, char *err,
                                  size_t errlen);

#endif
