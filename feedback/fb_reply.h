/*
 * fb_reply.h - replies to the per-recipient Reply-To, and our marks in mail to an abuse mailbox.
 *
 * The milter gives bulk and mandated mail of an entity with reply_domain a
 * Reply-To that is a reply address (bg_verp.h: "r2-", bound by a MAC to
 * recipient, entity tag and day). A mail to it is read here: the address is
 * checked (the named form carries its recipient; the short form is checked
 * against the envelope sender, then the From address: each only as a
 * candidate the MAC must confirm), and the reply asks to unsubscribe when
 * its Subject, with any "Re:"-like prefixes removed, or the first non-empty
 * line not quoted with '>' of its first text/plain part (at most FB_TEXT_MAX
 * bytes read) is one of the phrases of fb_reply_asks. A token quoted in the
 * Subject or that text unsubscribes too, whatever the address says. Neither
 * counts in an auto-reply or a bounce (machine): those quote what they
 * answer.
 *
 * Pure parsing with GMime, bounded as fb_classify.h says; nothing logged.
 * DIAGNOSTICS: none; what was not verified is the status in struct fb_reply.
 */
#ifndef FB_REPLY_H
#define FB_REPLY_H

#include <gmime/gmime.h>
#include <stdbool.h>
#include <stddef.h>

#include "fb_classify.h"
#include "fb_mime.h"

#define FB_REPLY_LINE_MAX 200 /* bytes of a Subject or first line compared with the phrases */

/*
 * True when the n bytes at s (a Subject or a first line, untrusted) ask to
 * unsubscribe: after "Re:", "Aw:", "Fwd:", "Fw:", "Sv:" prefixes, an
 * optional "please", and with punctuation and case ignored, the text is one
 * of unsubscribe, unsub, remove, stop, cancel, opt out, opt-out, optout,
 * alone or followed by "me" and any words ("remove me from this list").
 */
bool fb_reply_asks(const char *s, size_t n);

/*
 * Reads the message m with its walk w sent to a reply address (env->rcpt)
 * into r (kind FB_REPLY); machine: m is an auto-reply or a bounce.
 */
void fb_read_reply(GMimeMessage *m, const struct fb_walk *w, const struct fb_envelope *env, bool machine,
                   struct fb_record *r);

/*
 * Searches the n bytes at s for a VERP (version 1 or 2, named form) whose MAC
 * checks within env's window; fills a's VERP fields and returns true for the
 * first one. At most FB_REPLY_VERP_TRIES candidates are tried.
 */
bool fb_find_verp(const char *s, size_t n, const struct fb_envelope *env, struct fb_arf *a);

#define FB_REPLY_VERP_TRIES 16

#endif
