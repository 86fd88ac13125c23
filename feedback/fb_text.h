/*
 * fb_text.h - reading bounce text: status codes and the phrases MTAs use.
 *
 * Pure functions over bytes (no GMime): what bounces without a
 * delivery-status part say, the class a status calls for, which senders
 * may send a bounce, and printable copies for logs and records.
 */
#ifndef FB_TEXT_H
#define FB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_token.h"
#include "fb_classify.h"

/* Copies n bytes of s into out (len bytes) as printable ASCII on one line, trimmed. */
void fb_copy_printable(const char *s, size_t n, char *out, size_t len);

/* Case-insensitive search for needle in n bytes of s; returns its offset or -1. */
long fb_find_ci(const char *s, size_t n, const char *needle);

/*
 * True when a Subject (NULL: false) says its mail is an auto-reply: it starts
 * with "Automatic reply", "Auto reply", "Autoreply", "Out of office",
 * "Vacation", their usual variants and translations (without case).
 */
bool fb_subject_auto_reply(const char *subject);

/* Phrases that say the mailbox is full. */
bool fb_says_full(const char *s, size_t n);

/*
 * Finds a status in n bytes of s: the first enhanced code, else an SMTP reply
 * code as x.0.0 (5.1.1 when the text says the user is unknown), else 5.1.1
 * or 4.4.7 for a text that says the user is unknown or the message expired.
 * Writes it to status ("" none) and the line it was on to diag. Returns true for an enhanced code found as such.
 */
bool fb_find_status(const char *s, size_t n, char *status, size_t slen, char *diag, size_t dlen);

/*
 * Finds a token that opens with keys in n bytes of s (runs of base64url
 * characters, "%XX" escapes between them, tails after each '-'; at most 16
 * tries). Fills out and returns true, else zeroes out. keys or s NULL: false.
 */
bool fb_find_token(const char *s, size_t n, const struct bg_token_keys *keys, struct bg_token *out);

/* Returns the class for an enhanced status code ("5.1.1" -> FB_CLASS_BOUNCE). */
enum fb_class fb_status_class(const char *status);

/*
 * Returns what a DSN recipient's status and action (NULL or "": none) call
 * for: 5.1.1, 5.1.2 and 5.1.10 suppress at once (FB_CLASS_BOUNCE), any other
 * 5.x.x is a counted hard bounce (FB_CLASS_HARD), 4.x.x and anything
 * delayed change nothing (FB_CLASS_SOFT), delivered, relayed and expanded
 * are no failure (FB_CLASS_NONE). Pure; the rule fb_apply writes by.
 */
enum fb_class fb_rcpt_class(const char *status, const char *action);

/* True when sender is the null sender: "" , "<>" or MAILER-DAEMON (any case); NULL is not. */
bool fb_sender_is_null(const char *sender);

#endif
