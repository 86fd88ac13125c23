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

/*
 * Reads n bytes of bounce text (a Diagnostic-Code or a bounce's own words;
 * NULL: nothing) for what it says. Phrases are matched without case; a
 * delay warning wins, then a refusal of the sender (the text decides over a
 * status: 5.1.1 with "IP address blacklisted" is blocked), then an unknown
 * host, a full mailbox, a disabled one, a filter's "550 : User unknown"
 * (FB_SAYS_FILTERED), a provider's own "no such account" sentence
 * (FB_SAYS_NO_ACCOUNT, which fb_says_at_stage leaves alone), an unknown
 * user, an expiry.
 */
enum fb_says fb_text_says(const char *s, size_t n);

/*
 * Reads n bytes of bounce text (NULL: nothing) for the SMTP command a remote
 * refusal answered: a transcript's last ">>> " command before the first
 * "<<< 4" or "<<< 5" reply, else Postfix's "in reply to ... command", Exim's
 * "after ...", qmail's "sender was rejected" and the like.
 */
enum fb_stage fb_text_stage(const char *s, size_t n);

/*
 * What a text that says says means at stage, for a recipient with status
 * (NULL or "": none): a refusal before any recipient was named is blocked,
 * whatever its words; "user unknown" in answer to the content is a filter's
 * (FB_SAYS_FILTERED) unless the status itself says the mailbox is unknown
 * (a pipelined reply to RCPT TO), and so is one with an x.2.x or x.3.x
 * status (the address was not what failed) that did not answer RCPT TO.
 * Anything else unchanged.
 */
enum fb_says fb_says_at_stage(enum fb_says says, enum fb_stage stage, const char *status);

/* The name of says for -t diagnostics and logs; a static string. */
const char *fb_says_name(enum fb_says says);

/*
 * The status a text that says says stands for ("5.1.1" for an unknown user;
 * "5.0.0" for a filter's or a delivery program's words, a failure that says
 * no more), "" for nothing; static.
 */
const char *fb_says_status(enum fb_says says);

/*
 * Finds a status in n bytes of s: the first enhanced code, else an SMTP reply
 * code as x.0.0. Writes it to status ("" none) and the line it was on to
 * diag. Returns true for an enhanced code found as such.
 */
bool fb_find_status(const char *s, size_t n, char *status, size_t slen, char *diag, size_t dlen);

/* Replaces a missing status, or a vague x.0.0 of the same class, in status (len bytes) by what the text says. */
void fb_status_refine(char *status, size_t len, enum fb_says says);

/*
 * Finds a token that opens with keys in n bytes of s (runs of base64url
 * characters, "%XX" escapes between them, tails after each '-'; at most 16
 * tries). Fills out and returns true, else zeroes out. keys or s NULL: false.
 */
bool fb_find_token(const char *s, size_t n, const struct bg_token_keys *keys, struct bg_token *out);

/*
 * Returns the class a status alone calls for: 5.1.1, 5.1.2 and 5.1.10
 * FB_CLASS_BOUNCE; the codes that refuse the sender, not the mailbox
 * (x.7.25, x.7.26, x.7.27, x.7.509, x.7.515, x.7.606-649) FB_CLASS_BLOCK;
 * any other 4.x.x or 5.x.x FB_CLASS_HARD; no status FB_CLASS_NONE.
 */
enum fb_class fb_status_class(const char *status);

/*
 * Returns what a DSN recipient calls for, from its status, its action (NULL
 * or "": none; a bounce without one is a delay only when its text says so)
 * and what its text says. Delivered, relayed and expanded: FB_CLASS_NONE;
 * delayed: FB_CLASS_SOFT (nothing changes). A final failure: the text
 * decides when it says something (blocked: FB_CLASS_BLOCK; unknown user or
 * host: FB_CLASS_BOUNCE; full or expired: FB_CLASS_HARD), else the status
 * (fb_status_class; a final 4.x.x is a counted FB_CLASS_HARD). Pure; the
 * rule fb_apply writes by.
 */
enum fb_class fb_rcpt_class(const char *status, const char *action, enum fb_says says);

/* True when sender is the null sender: "" , "<>" or MAILER-DAEMON (any case); NULL is not. */
bool fb_sender_is_null(const char *sender);

#endif
