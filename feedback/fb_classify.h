/*
 * fb_classify.h - what a mail to the feedback domains says: DSN, ARF report,
 * unsubscribe mail or nothing we act on.
 *
 * A pure parser: the message bytes and the envelope recipient in, one
 * record out. MIME is read with GMime only; the delivery-status and
 * feedback-report field blocks are read with GMime's header parser too.
 * Hard limits: FB_MESSAGE_MAX bytes, FB_PARTS_MAX MIME parts,
 * FB_RCPT_MAX recipients, FB_TEXT_MAX bytes of text searched in a
 * non-standard bounce. Nothing is logged and nothing written.
 *
 * Who a record is about comes from the verified VERP of the envelope
 * recipient first (bg_verp_parse; a short-form VERP is checked against
 * each Final-Recipient with bg_verp_check), the report's own fields second.
 */
#ifndef FB_CLASSIFY_H
#define FB_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"
#include "bg_token.h"

#define FB_MESSAGE_MAX (50u * 1024 * 1024) /* bytes read from stdin */
#define FB_PARTS_MAX   64                  /* MIME parts looked at */
#define FB_RCPT_MAX    32                  /* recipients kept from one DSN */
#define FB_TEXT_MAX    65536               /* bytes of bounce text searched */
#define FB_DIAG_MAX    200                 /* bytes of diagnostic kept */

enum fb_kind {
	FB_NOT_FEEDBACK = 0,
	FB_DSN,         /* a delivery status notification, standard or not */
	FB_ARF,         /* an RFC 5965 feedback report */
	FB_UNSUBSCRIBE, /* a mail to the unsubscribe mailbox with a valid token */
};

enum fb_class {
	FB_CLASS_NONE = 0, /* delivered, relayed, expanded or nothing found */
	FB_CLASS_SOFT,     /* 4.x.x: changes nothing */
	FB_CLASS_HARD,     /* other 5.x.x: counted in bg:bounces */
	FB_CLASS_BOUNCE,   /* 5.1.1, 5.1.2, 5.1.10: suppressed at once */
};

/* Where a recipient's address came from. */
enum fb_origin {
	FB_FROM_REPORT = 0, /* the report's fields, unverified */
	FB_FROM_VERP,       /* the VERP of the envelope recipient, verified */
	FB_FROM_VERP_CHECK, /* a report field checked against a short-form VERP */
};

/* One recipient of a DSN. */
struct fb_rcpt {
	struct bg_addr addr; /* normalised, case kept (fb_apply_address: the Redis form); len 0: none */
	char status[16];     /* "5.1.1", "" when none */
	char action[16];     /* failed, delayed, delivered, relayed, expanded, "" */
	enum fb_class cls;
	enum fb_origin origin;
	char diag[FB_DIAG_MAX + 1]; /* Diagnostic-Code or the text near the code; printable ASCII */
};

/* The reported message of an ARF report. */
struct fb_arf {
	char feedback_type[32];        /* abuse, fraud, virus, other, not-spam, ... (lower case) */
	struct bg_addr orig_rcpt;      /* Original-Rcpt-To, len 0 when absent or redacted */
	struct bg_addr orig_mail_from; /* Original-Mail-From, len 0 when absent */
	bool has_token;                /* a valid token in the reported List-Unsubscribe */
	struct bg_token token;
	int verp_status;          /* enum bg_verp_status of the reported Return-Path, -1 none */
	struct bg_addr verp_rcpt; /* the recipient the VERP names (checked), len 0 otherwise */
	char verp_domain[256];    /* the VERP's domain, lower case, "" none */
	char dkim_domain[256];    /* d= of the first DKIM-Signature, lower case */
	char from_domain[256];    /* the From domain of the reported message */
};

struct fb_record {
	enum fb_kind kind;
	struct fb_rcpt rcpt[FB_RCPT_MAX];
	size_t n_rcpt;
	bool standard; /* DSN: a message/delivery-status part was read */
	int verp;      /* enum bg_verp_status of the envelope recipient */
	struct fb_arf arf;
	struct bg_token token; /* FB_UNSUBSCRIBE: the opened token */
	char why[64];          /* FB_NOT_FEEDBACK: a word on why */
};

/*
 * Classifies the len bytes at msg (untrusted) sent to envelope recipient
 * rcpt (NUL-terminated, untrusted, may be empty) into *out, owned by the
 * caller. keys verifies VERPs and opens tokens (NULL: none verify).
 * Always fills *out; never fails.
 */
void fb_classify(const char *msg, size_t len, const char *rcpt, const struct bg_token_keys *keys,
                 struct fb_record *out);

/* Returns the class for an enhanced status code ("5.1.1" -> FB_CLASS_BOUNCE). */
enum fb_class fb_status_class(const char *status);

/* Names for the enums, for logs and -t output; static strings. */
const char *fb_kind_name(enum fb_kind k);
const char *fb_class_name(enum fb_class c);

#endif
