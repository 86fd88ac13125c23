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
 * A mail is read as a DSN only when its envelope sender is null (empty or
 * MAILER-DAEMON, pipe(8)'s null_sender; unknown counts as not null) and it
 * is an RFC 3464 report or has a known MTA's bounce layout; any other
 * auto-reply (a vacation or out-of-office reply: its Subject or an
 * X-Autoreply header says so) is never a bounce, and its text is not read.
 * Auto-Submitted does not decide: real DSNs carry it.
 *
 * Each DSN recipient says whether it is verified (fb_rcpt.verp BG_VERP_OK):
 * the envelope recipient is a VERP whose MAC checks and which is within its
 * window, the VERP's own recipient for the named form (it overrides the
 * report's fields), a Final-Recipient checked with bg_verp_check for the
 * short form. Otherwise the recipient is kept as the report says it (for -t)
 * with the reason in verp; fb_apply writes only verified recipients.
 */
#ifndef FB_CLASSIFY_H
#define FB_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"
#include "bg_token.h"
#include "bg_verp.h"

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
	FB_REPLY,       /* a mail to a reply address (an entity's reply_domain): fb_reply.h */
};

/*
 * What one DSN recipient calls for (fb_rcpt_class; the words -t prints).
 * Feedback's own: unrelated to the sender classes of bg_class.h.
 */
enum fb_class {
	FB_CLASS_NONE = 0, /* delivered, relayed, expanded or nothing found */
	FB_CLASS_SOFT,     /* delayed: changes nothing */
	FB_CLASS_HARD,     /* any other final failure (5.x.x, or 4.x.x given up): counted in bg:bounces */
	FB_CLASS_BOUNCE,   /* the mailbox or its domain does not exist: suppressed at once */
	FB_CLASS_BLOCK,    /* the sender was refused, not the mailbox: never counted against the recipient */
};

/* What a bounce text says about the failure, read from its words (fb_text_says). */
enum fb_says {
	FB_SAYS_NOTHING = 0,  /* no phrase we know */
	FB_SAYS_USER_UNKNOWN, /* the mailbox does not exist */
	FB_SAYS_HOST_UNKNOWN, /* the domain does not exist or has no mail host */
	FB_SAYS_BLOCKED,      /* the sender, its IP, domain, authentication or content was refused */
	FB_SAYS_FULL,         /* the mailbox is full */
	FB_SAYS_EXPIRED,      /* given up after retrying: a final failure */
	FB_SAYS_DELAYED,      /* still being retried: a warning */
	FB_SAYS_DISABLED,     /* the mailbox takes no mail here: disabled, suspended, moved, not relayed */
	FB_SAYS_FILTERED,     /* "user unknown" in answer to the content (DATA): a filter's word, not a lookup */
	FB_SAYS_NO_ACCOUNT,   /* the provider says in its own words it has no such account: never a filter's */
	FB_SAYS_PROGRAM,      /* a local delivery program's own output (x-unix): a mailer error, not a lookup */
};

/* Where in the SMTP dialogue a remote server refused, when a bounce says it. */
enum fb_stage {
	FB_STAGE_UNKNOWN = 0,
	FB_STAGE_SENDER, /* the connection, HELO/EHLO or MAIL FROM: the sender was refused */
	FB_STAGE_RCPT,   /* RCPT TO */
	FB_STAGE_DATA,   /* DATA or the end of the content */
};

/* Where a recipient's address came from. */
enum fb_origin {
	FB_ORIGIN_REPORT = 0, /* the report's fields, unverified */
	FB_ORIGIN_VERP,       /* the VERP of the envelope recipient, verified */
	FB_ORIGIN_VERP_CHECK, /* a report field checked against a short-form VERP */
	FB_ORIGIN_TOKEN,      /* an SES bounce's recipient named by our token among its original headers */
};

/* The envelope of the mail and what verifies it: fb_classify's input besides the bytes. */
struct fb_envelope {
	const char *rcpt;                 /* envelope recipient (untrusted, may be empty) */
	const char *sender;               /* envelope sender as pipe(8) passes it; NULL when unknown */
	const struct bg_token_keys *keys; /* verifies VERPs and opens tokens; NULL: nothing verifies */
	struct bg_verp_window window;     /* when VERPs are honoured */
	bool reply;                       /* rcpt is at an entity's reply_domain: read as a reply (fb_reply.h) */
	bool abuse;                       /* rcpt is one of feedback's abuse_addresses: read as a complaint */
};

/* One recipient of a DSN. */
struct fb_rcpt {
	struct bg_addr addr; /* normalised, case kept (fb_apply_address: the Redis form); len 0: none */
	char status[16];     /* "5.1.1", "" when none */
	char action[16];     /* failed, delayed, delivered, relayed, expanded, "" */
	enum fb_says says;   /* what its diagnostic, or the bounce's words, say */
	enum fb_stage stage; /* the SMTP command the refusal answered, when the text names it */
	enum fb_class cls;   /* what it calls for (fb_rcpt_class) */
	enum fb_origin origin;
	int verp;                   /* enum bg_verp_status: BG_VERP_OK when verified, else why not */
	char diag[FB_DIAG_MAX + 1]; /* Diagnostic-Code or the text near the code; printable ASCII */
};

/* The reported message of an ARF report. */
struct fb_arf {
	char feedback_type[32];        /* abuse, fraud, virus, other, not-spam, ... (lower case) */
	struct bg_addr orig_rcpt;      /* Original-Rcpt-To, len 0 when absent or redacted */
	struct bg_addr orig_mail_from; /* Original-Mail-From, len 0 when absent */
	bool has_token;                /* a valid token in the reported List-Unsubscribe */
	struct bg_token token;
	int verp_status;               /* enum bg_verp_status of the reported Return-Path, -1 none */
	struct bg_addr verp_rcpt;      /* the recipient the VERP names (checked), len 0 otherwise */
	struct bg_verp_info verp_info; /* its version, entity tag and day (verified when verp_status is OK) */
	char verp_domain[256];         /* the VERP's domain, lower case, "" none */
	char dkim_domain[256];         /* d= of the first DKIM-Signature, lower case */
	char from_domain[256];         /* the From domain of the reported message */
	bool abuse_mailbox;            /* not a report: a mail to an abuse address, searched for a token or VERP */
};

/* A mail to a reply address (fb_reply.h). */
struct fb_reply {
	int status;          /* enum bg_verp_status of the reply address, checked (short form: against the sender) */
	struct bg_addr rcpt; /* the recipient the address verifies, len 0 otherwise */
	struct bg_verp_info info; /* its tag and day (verified when status is BG_VERP_OK) */
	bool asks;                /* its Subject or first line asks to unsubscribe (never an auto-reply or bounce) */
	bool has_token;           /* it quotes a token that opens (r->token) */
};

struct fb_record {
	enum fb_kind kind;
	struct fb_rcpt rcpt[FB_RCPT_MAX];
	size_t n_rcpt;
	bool standard;                 /* DSN: a message/delivery-status part was read */
	char reporting_mta[256];       /* DSN: its Reporting-MTA's name, lower case; "" when none (untrusted) */
	int verp;                      /* enum bg_verp_status of the envelope recipient */
	struct bg_addr verp_rcpt;      /* the recipient the envelope's VERP names (verp OK), len 0 otherwise */
	struct bg_verp_info verp_info; /* what the envelope's VERP carries (verified when verp is OK) */
	bool refused; /* FB_NOT_FEEDBACK: it claims to be a bounce but is not read as one (why says why) */
	struct fb_arf arf;
	struct bg_token token; /* FB_UNSUBSCRIBE, or FB_REPLY with has_token: the opened token */
	struct fb_reply reply; /* FB_REPLY */
	char why[64];          /* FB_NOT_FEEDBACK: a word on why */
};

/*
 * Classifies the len bytes at msg (untrusted) sent with envelope env into
 * *out, owned by the caller. Always fills *out; never fails.
 */
void fb_classify(const char *msg, size_t len, const struct fb_envelope *env, struct fb_record *out);

/* Names for the enums, for logs and -t output; static strings. */
const char *fb_kind_name(enum fb_kind k);
const char *fb_class_name(enum fb_class c);

#endif
