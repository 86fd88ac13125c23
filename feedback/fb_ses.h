/*
 * fb_ses.h - Amazon SES notifications (JSON, as SNS mails them) read into plain fields.
 *
 * A pure parser over json-glib: the notification's JSON (bare, or inside an
 * SNS envelope's "Message" string) in, its type, the recipients it names and
 * what identifies the sent message (mail.source, the List-Unsubscribe of
 * mail.headers) out. What the fields mean, and whether they are ours, is
 * decided by fb_classify. Bounded: FB_SES_RCPT_MAX recipients, every string
 * cut to its field's size.
 */
#ifndef FB_SES_H
#define FB_SES_H

#include <stdbool.h>
#include <stddef.h>

#define FB_SES_RCPT_MAX   32   /* recipients kept from one notification */
#define FB_SES_FIELD_MAX  512  /* bytes kept of an address or status field */
#define FB_SES_HEADER_MAX 2048 /* bytes kept of the List-Unsubscribe header */

enum fb_ses_type {
	FB_SES_OTHER = 0, /* Delivery, or anything else: nothing to do */
	FB_SES_BOUNCE,    /* notificationType Bounce */
	FB_SES_COMPLAINT, /* notificationType Complaint */
};

/* One recipient a notification names. */
struct fb_ses_rcpt {
	char address[FB_SES_FIELD_MAX]; /* emailAddress */
	char status[FB_SES_FIELD_MAX];  /* status ("5.1.1"), "" when absent */
	char action[FB_SES_FIELD_MAX];  /* action ("failed"), "" when absent */
	char diag[FB_SES_FIELD_MAX];    /* diagnosticCode, "" when absent */
};

struct fb_ses {
	enum fb_ses_type type;
	bool permanent;                           /* Bounce: bounceType Permanent (Transient and Undetermined: false) */
	char feedback_type[64];                   /* Complaint: complaintFeedbackType, "" when absent */
	char source[FB_SES_FIELD_MAX];            /* mail.source: the envelope sender the message was sent with */
	char list_unsubscribe[FB_SES_HEADER_MAX]; /* the List-Unsubscribe of mail.headers, "" when absent */
	struct fb_ses_rcpt rcpt[FB_SES_RCPT_MAX];
	size_t n_rcpt;
};

/*
 * Parses the n bytes at s (untrusted) as an SES notification into *out
 * (owned by the caller). Returns false, with *out zeroed, for anything that
 * is not one (not JSON, no notificationType).
 */
bool fb_ses_parse(const char *s, size_t n, struct fb_ses *out);

#endif
