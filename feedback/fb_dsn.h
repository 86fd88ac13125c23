/*
 * fb_dsn.h - delivery status notifications read into a feedback record.
 *
 * Internal to bulkguard-feedback (fb_classify.c calls it). Fills r->rcpt[]
 * (at most FB_RCPT_MAX) with each recipient's address, status, action, what
 * its text says and its class; reads at most FB_TEXT_MAX bytes of text.
 */
#ifndef FB_DSN_H
#define FB_DSN_H

#include <gmime/gmime.h>
#include <stdbool.h>

#include "fb_classify.h"
#include "fb_mime.h"

/* Reads the message/delivery-status part of m into r (kind FB_DSN); env is the envelope recipient. */
void fb_read_dsn(GMimeMessage *m, GMimePart *part, struct fb_walk *w, const char *env, struct fb_record *r);

/* Reads a bounce without a report part from its words into r; false when it names no recipient and no status. */
bool fb_read_plain_bounce(GMimeMessage *m, struct fb_walk *w, const char *env, struct fb_record *r);

/*
 * True when m looks like a bounce: X-Failed-Recipients, a daemon sender, a
 * bounce Subject, or its first words (w: its MIME walk) saying a message
 * could not be delivered.
 */
bool fb_looks_like_bounce(GMimeMessage *m, const struct fb_walk *w);

/*
 * Marks the DSN recipients of r the envelope's VERP verifies (r->verp,
 * r->verp_rcpt): a named VERP's own recipient replaces the report's; a
 * short-form VERP is checked against each recipient; recipients our token
 * verified already (FB_ORIGIN_TOKEN) are kept.
 */
void fb_resolve_verp(const struct fb_envelope *env, struct fb_record *r);

#endif
