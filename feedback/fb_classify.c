/*
 * fb_classify.c - DSN, ARF and unsubscribe mail read into one record (fb_classify.h).
 *
 * The MIME tree is walked with GMime: a message/delivery-status part from
 * the null sender makes a standard DSN, a message/feedback-report part an
 * ARF report. Their field blocks are split at blank lines and each block is
 * parsed by GMime's header parser. Without either part, a valid token in the
 * envelope recipient or the Subject makes an unsubscribe mail; an auto-reply
 * (its Subject or headers say so) is refused; and a mail from the null
 * sender that looks like a bounce (a mailer-daemon sender, a bounce subject,
 * X-Failed-Recipients) is searched for a status code and the failed address
 * in its first text part (from any other sender it is refused);
 * a "complaint about message" with the message attached (Hotmail) is an abuse
 * report.
 *
 * Each failed recipient's class comes from its status, its action and what
 * its text says (fb_text_says over its Diagnostic-Code, else the bounce's
 * own words): the text decides where it says something (5.1.1 with "IP
 * address blacklisted" is block), the status where it does not. A vague
 * x.0.0 status, or none, is refined by the text (5.0.0 + "user unknown" is
 * 5.1.1). A bounce without an action is a delay only when its words say so.
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_from.h"
#include "bg_verp.h"
#include "fb_classify.h"
#include "fb_ses.h"
#include "fb_text.h"

#define FB_DEPTH_MAX  8  /* MIME nesting followed */
#define FB_BLOCKS_MAX 40 /* field blocks read from one report part */

/* The DSN fields a bounce may paste into its text, with the line break before them. */
static const char pasted_final_rcpt[] = "\nFinal-Recipient:";
static const char pasted_status[] = "\nStatus:";
static const char pasted_diagnostic[] = "\nDiagnostic-Code:";
#define FIELD_LEN(name) (sizeof(name) - 1) /* the length of a field name above, without its NUL */

#define FB_SES_MAX (1024 * 1024) /* bytes of an SES notification parsed */

#define FB_STATUS_UNDEFINED "5.0.0" /* a bounce that failed without saying why (RFC 3463: other or undefined) */

/* What the walk over the MIME tree found. */
struct walk {
	int parts;
	GMimePart *dsn;        /* message/delivery-status */
	GMimePart *arf;        /* message/feedback-report */
	GMimeObject *reported; /* message/rfc822 or text/rfc822-headers after the report */
	GMimeTextPart *text;   /* the first text/plain outside an attached message */
	GMimeMultipart *bare;  /* the first multipart without parts (a broken boundary) */
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/* GMime's one-time set-up. */
static void
gmime_start(void)
{
	g_mime_init();
}

const char *
fb_kind_name(enum fb_kind k)
{
	static const char *names[] = {"not-feedback", "dsn", "arf", "unsubscribe-mail"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *
fb_class_name(enum fb_class c)
{
	static const char *names[] = {"none", "soft", "hard", "bounce", "block"};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* ---- GMime helpers ------------------------------------------------------ */

/* Returns the decoded content of part as a byte array the caller unrefs (at most max bytes kept). */
static GByteArray *
part_bytes(GMimePart *part, size_t max)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (w == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE); /* the array is ours now */
	g_object_unref(mem);
	if (ba->len > max)
		g_byte_array_set_size(ba, (guint)max);
	return ba;
}

/* Parses len bytes of field text with GMime; returns the part (caller unrefs) or NULL. */
static GMimeObject *
parse_fields(const char *s, size_t len)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeObject *o;

	if (s == NULL || len == 0)
		return NULL;
	st = g_mime_stream_mem_new_with_buffer(s, len);
	p = g_mime_parser_new_with_stream(st);
	o = g_mime_parser_construct_part(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	return o;
}

/* Returns the value of header name of o (NULL when absent). */
static const char *
hdr(GMimeObject *o, const char *name)
{
	return o != NULL ? g_mime_object_get_header(o, name) : NULL;
}

/* Normalises the address after the "type;" of a DSN/ARF field value (or the whole value) into a. */
static bool
field_addr(const char *v, struct bg_addr *a)
{
	const char *semi;

	memset(a, 0, sizeof(*a));
	if (v == NULL)
		return false;
	if ((semi = strchr(v, ';')) != NULL)
		v = semi + 1;
	while (isspace((unsigned char)*v))
		v++;
	return bg_addr_normalise(v, strlen(v), BG_ADDR_KEEP_CASE, a) == BG_ADDR_OK;
}

/* Calls fn on each blank-line separated block of the n bytes at s, up to FB_BLOCKS_MAX. */
static void
each_block(const char *s, size_t n, void (*fn)(GMimeObject *, void *), void *arg)
{
	size_t i = 0, blocks = 0;

	while (i < n && blocks < FB_BLOCKS_MAX) {
		size_t start, end, line;
		GMimeObject *o;

		while (i < n && (s[i] == '\r' || s[i] == '\n' || s[i] == ' ' || s[i] == '\t'))
			i++;
		for (start = end = i; end < n; end = line + 1) {
			for (line = end; line < n && s[line] != '\n'; line++)
				;
			if (line == end || (line == end + 1 && s[end] == '\r'))
				break;
		}
		if (end > n)
			end = n;
		if (end > start && (o = parse_fields(s + start, end - start)) != NULL) {
			fn(o, arg);
			g_object_unref(o);
			blocks++;
		}
		i = end;
	}
}

/* ---- the MIME walk ------------------------------------------------------ */

static void walk_object(GMimeObject *o, struct walk *w, int depth);
static bool find_failed(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out);
static size_t text_before_copy(const char *s, size_t n);

/* Looks at one leaf: report parts, reported headers, the first text. */
static void
walk_leaf(GMimeObject *o, struct walk *w)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (!GMIME_IS_PART(o) || ct == NULL)
		return;
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		if (w->dsn == NULL)
			w->dsn = GMIME_PART(o);
	} else if (g_mime_content_type_is_type(ct, "message", "feedback-report")) {
		if (w->arf == NULL)
			w->arf = GMIME_PART(o);
	} else if (g_mime_content_type_is_type(ct, "text", "rfc822-headers")) {
		if (w->reported == NULL)
			w->reported = o;
	} else if (g_mime_content_type_is_type(ct, "text", "plain") && GMIME_IS_TEXT_PART(o)) {
		if (w->text == NULL)
			w->text = GMIME_TEXT_PART(o);
	}
}

/* Walks o: multiparts into their children, attached messages are kept, not entered. */
static void
walk_object(GMimeObject *o, struct walk *w, int depth)
{
	if (o == NULL || depth > FB_DEPTH_MAX || ++w->parts > FB_PARTS_MAX)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		if (n == 0 && w->bare == NULL)
			w->bare = mp;
		for (int i = 0; i < n && w->parts <= FB_PARTS_MAX; i++)
			walk_object(g_mime_multipart_get_part(mp, i), w, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		if (w->reported == NULL)
			w->reported = o;
	} else {
		walk_leaf(o, w);
	}
}

/* Returns the reported message as a GMimeMessage the caller unrefs, or NULL. */
static GMimeMessage *
reported_message(GMimeObject *o)
{
	GMimeMessage *m = NULL;
	GByteArray *ba;

	if (o == NULL)
		return NULL;
	if (GMIME_IS_MESSAGE_PART(o)) {
		if ((m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) != NULL)
			g_object_ref(m);
		return m;
	}
	if ((ba = part_bytes(GMIME_PART(o), FB_TEXT_MAX)) != NULL && ba->len == 0) {
		g_byte_array_unref(ba);
		return NULL;
	}
	if (ba != NULL) {
		GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)ba->data, ba->len);
		GMimeParser *p = g_mime_parser_new_with_stream(st);

		m = g_mime_parser_construct_message(p, NULL);
		g_object_unref(p);
		g_object_unref(st);
		g_byte_array_unref(ba);
	}
	return m;
}

/* ---- DSN ---------------------------------------------------------------- */

/* Copies a field value (NULL: none) into out, lower case. */
static void
copy_lower(const char *v, char *out, size_t len)
{
	out[0] = '\0';
	if (v != NULL)
		fb_copy_printable(v, strlen(v), out, len);
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
}

/*
 * The status of a DSN recipient from its Status field and its diagnostic:
 * only an enhanced code in the diagnostic refines Status, and then only a
 * vague x.0.0 of the same class; a reply code or a phrase fills a missing one.
 */
static void
dsn_status(const char *status_field, const char *diagnostic, struct fb_rcpt *x)
{
	char from_diag[sizeof(x->status)], line[FB_DIAG_MAX + 1];
	bool enhanced =
	    fb_find_status(diagnostic, strlen(diagnostic), from_diag, sizeof(from_diag), line, sizeof(line));

	if (status_field != NULL)
		fb_find_status(status_field, strlen(status_field), x->status, sizeof(x->status), line, sizeof(line));
	if (status_field != NULL && x->status[0] != '\0' && !enhanced)
		return;
	if (x->status[0] == '\0' || (strcmp(x->status + 1, ".0.0") == 0 && from_diag[0] == x->status[0]))
		snprintf(x->status, sizeof(x->status), "%s", from_diag);
}

/* Reads one per-recipient block of a delivery-status part; each field is read once. */
static void
dsn_block(GMimeObject *o, void *arg)
{
	struct fb_record *r = arg;
	const char *final_rcpt = hdr(o, "Final-Recipient"), *original_rcpt = hdr(o, "Original-Recipient");
	const char *action = hdr(o, "Action"), *diagnostic = hdr(o, "Diagnostic-Code");
	const char *status_field = hdr(o, "Status");
	struct fb_rcpt *x;

	if ((final_rcpt == NULL && original_rcpt == NULL && action == NULL) || r->n_rcpt >= FB_RCPT_MAX)
		return; /* the per-message block, or one recipient too many */
	x = &r->rcpt[r->n_rcpt++];
	if (!field_addr(final_rcpt, &x->addr))
		field_addr(original_rcpt, &x->addr);
	copy_lower(action, x->action, sizeof(x->action));
	if (diagnostic != NULL && strchr(diagnostic, ';') != NULL)
		diagnostic = strchr(diagnostic, ';') + 1; /* past the diagnostic type ("smtp;") */
	if (diagnostic == NULL)
		diagnostic = "";
	fb_copy_printable(diagnostic, strlen(diagnostic), x->diag, sizeof(x->diag));
	dsn_status(status_field, diagnostic, x);
	if (status_field != NULL) /* a comment after the code: "5.2.1 (mailbox disabled, not accepting messages)" */
		x->says = fb_text_says(status_field, strlen(status_field));
	if (x->says == FB_SAYS_NOTHING)
		x->says = fb_text_says(diagnostic, strnlen(diagnostic, FB_TEXT_MAX));
	x->stage = fb_text_stage(diagnostic, strnlen(diagnostic, FB_TEXT_MAX));
}

/* Returns the bounce's own words, before any copy of the returned message (caller g_frees), or NULL. */
static char *
bounce_words(struct walk *w, size_t *len)
{
	char *text = NULL;

	if (w->text != NULL)
		text = g_mime_text_part_get_text(w->text);
	else if (w->bare != NULL) /* boundary missing: the text is all prologue */
		text = g_strdup(g_mime_multipart_get_prologue(w->bare));
	*len = text != NULL ? text_before_copy(text, strnlen(text, FB_TEXT_MAX)) : 0;
	return text;
}

/*
 * Reads a message/delivery-status part into r. A recipient whose diagnostic
 * says nothing is read from the bounce's own words when it is the only one;
 * X-Failed-Recipients or those words name a lone recipient without an address.
 */
static void
read_dsn(GMimeMessage *m, GMimePart *part, struct walk *w, const char *env, struct fb_record *r)
{
	GByteArray *ba = part_bytes(part, FB_TEXT_MAX);
	const char *failed_rcpts = hdr(GMIME_OBJECT(m), "X-Failed-Recipients");
	size_t words_len = 0;
	char *words = NULL;

	r->kind = FB_DSN;
	r->standard = true;
	if (ba == NULL)
		return;
	each_block((const char *)ba->data, ba->len, dsn_block, r);
	g_byte_array_unref(ba);
	if (r->n_rcpt == 1)
		words = bounce_words(w, &words_len);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && failed_rcpts != NULL && strchr(failed_rcpts, ',') == NULL)
		field_addr(failed_rcpts, &r->rcpt[0].addr);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && words != NULL)
		find_failed(words, words_len, m, env, &r->rcpt[0].addr);
	if (r->n_rcpt == 1 && r->rcpt[0].says == FB_SAYS_NOTHING && words != NULL)
		r->rcpt[0].says = fb_text_says(words, words_len);
	if (r->n_rcpt == 1 && r->rcpt[0].stage == FB_STAGE_UNKNOWN && words != NULL)
		r->rcpt[0].stage = fb_text_stage(words, words_len);
	g_free(words);
	for (size_t i = 0; i < r->n_rcpt; i++) {
		struct fb_rcpt *x = &r->rcpt[i];

		x->says = fb_says_at_stage(x->says, x->stage, x->status);
		if (x->status[0] == '\0') /* a report's own status is kept as it is, vague or not */
			fb_status_refine(x->status, sizeof(x->status), x->says);
		x->cls = fb_rcpt_class(x->status, x->action, x->says);
	}
}

/* True when a is one of the addresses of header value v (compared without case). */
static bool
in_header(const char *v, const struct bg_addr *a)
{
	InternetAddressList *l;
	bool found = false;

	if (v == NULL || (l = internet_address_list_parse(NULL, v)) == NULL)
		return false;
	for (int i = 0; i < internet_address_list_length(l) && !found; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		const char *s;

		if (INTERNET_ADDRESS_IS_MAILBOX(ia) &&
		    (s = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))))
			found = strcasecmp(s, a->text) == 0;
	}
	g_object_unref(l);
	return found;
}

/* True when the address is the bounce's own (its From or To, a daemon, the envelope recipient). */
static bool
not_the_failed(const struct bg_addr *a, GMimeMessage *m, const char *env)
{
	static const char *daemons[] = {"mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "daemon",
	                                "root",          "noreply",    "no-reply",    NULL};
	GMimeObject *o = GMIME_OBJECT(m);

	for (int i = 0; daemons[i] != NULL; i++)
		if (a->at == strlen(daemons[i]) && strncasecmp(a->text, daemons[i], a->at) == 0)
			return true;
	return in_header(hdr(o, "From"), a) || in_header(hdr(o, "To"), a) || strcasecmp(a->text, env) == 0;
}

/*
 * Finds the first address in n bytes of s that is not the bounce's own;
 * *at (NULL: not wanted) gets its offset.
 */
static bool
find_failed_at(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out, size_t *at)
{
	for (size_t i = 0; i < n; i++) {
		size_t b = i, e = i + 1;

		if (s[i] != '@')
			continue;
		while (b > 0 && (isalnum((unsigned char)s[b - 1]) || strchr(".!#$%&'*+/=?^_`{|}~-", s[b - 1])))
			b--;
		while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '.' || s[e] == '-'))
			e++;
		while (e > i + 1 && s[e - 1] == '.')
			e--;
		while (b < i && s[b] == '.')
			b++;
		if (b == i || e == i + 1)
			continue;
		if (bg_addr_normalise(s + b, e - b, BG_ADDR_KEEP_CASE, out) == BG_ADDR_OK &&
		    strchr(bg_addr_domain(out), '.') != NULL && !not_the_failed(out, m, env)) {
			if (at != NULL)
				*at = b;
			return true;
		}
		i = e;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

/* Finds the first address in n bytes of s that is not the bounce's own. */
static bool
find_failed(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out)
{
	return find_failed_at(s, n, m, env, out, NULL);
}

/* Finds the failed address in an SMTP transcript ("RCPT TO:<addr>") of the n bytes at s. */
static bool
failed_after_rcpt_to(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out)
{
	long at = fb_find_ci(s, n, "RCPT TO:");
	size_t e;

	if (at < 0)
		return false;
	for (e = (size_t)at; e < n && s[e] != '\n'; e++)
		;
	return find_failed(s + at, e - (size_t)at, m, env, out);
}

/* Returns how many bytes of the bounce text come before the copy of the returned message. */
static size_t
text_before_copy(const char *s, size_t n)
{
	static const char *marks[] = {
	    "original message", "copy of the message", "returned message", "message header", "headers of",
	    "below this line",  "unsent message",      "original text",    "message/rfc822", NULL};
	size_t i = 0;

	while (i < n) {
		size_t e;

		for (e = i; e < n && s[e] != '\n'; e++)
			;
		if (e > i && (strncasecmp(s + i, "Received: ", 10) == 0 || strncasecmp(s + i, "Return-Path:", 12) == 0))
			return i;
		if (s[i] == '-' || s[i] == '=' || s[i] == '*' || s[i] == '_')
			for (int k = 0; marks[k] != NULL; k++)
				if (fb_find_ci(s + i, e - i, marks[k]) >= 0)
					return i;
		i = e + 1;
	}
	return n;
}

/* True when the message looks like a bounce: a daemon sender, a bounce subject or X-Failed-Recipients. */
static bool
looks_like_bounce(GMimeMessage *m)
{
	static const char *subjects[] = {"undeliver",
	                                 "delivery",
	                                 "failure",
	                                 "returned mail",
	                                 "failed",
	                                 "bounce",
	                                 "could not be delivered",
	                                 "not delivered",
	                                 "non remis",
	                                 "returned to sender",
	                                 "rejected",
	                                 "warning",
	                                 NULL};
	GMimeObject *o = GMIME_OBJECT(m);
	const char *from = hdr(o, "From"), *subj = hdr(o, "Subject");

	if (hdr(o, "X-Failed-Recipients") != NULL)
		return true;
	if (from != NULL &&
	    (fb_find_ci(from, strlen(from), "mailer-daemon") >= 0 ||
	     fb_find_ci(from, strlen(from), "postmaster") >= 0 || fb_find_ci(from, strlen(from), "post_master") >= 0 ||
	     fb_find_ci(from, strlen(from), "mail delivery") >= 0))
		return true;
	for (int i = 0; subj != NULL && subjects[i] != NULL; i++)
		if (fb_find_ci(subj, strlen(subj), subjects[i]) >= 0)
			return true;
	return false;
}

/* Returns the end of the line that starts at offset at of the n bytes at s. */
static size_t
line_end(const char *s, size_t n, size_t at)
{
	while (at < n && s[at] != '\n')
		at++;
	return at;
}

/* Reads DSN fields written as text (a report pasted into the body): its Final-Recipient, Status and Diagnostic-Code
 * lines. */
static bool
inline_fields(const char *s, size_t n, struct fb_rcpt *x)
{
	long rcpt_at = fb_find_ci(s, n, pasted_final_rcpt), status_at = fb_find_ci(s, n, pasted_status), diagnostic_at;
	char rcpt[BG_ADDR_MAX + 32], line[FB_DIAG_MAX + 1];
	size_t value, end;

	if (rcpt_at < 0 || status_at < 0)
		return false;
	value = (size_t)rcpt_at + FIELD_LEN(pasted_final_rcpt);
	end = line_end(s, n, value);
	if (end - value >= sizeof(rcpt))
		end = value + sizeof(rcpt) - 1;
	snprintf(rcpt, sizeof(rcpt), "%.*s", (int)(end - value), s + value);
	value = (size_t)status_at + FIELD_LEN(pasted_status);
	fb_find_status(s + value, line_end(s, n, value) - value, x->status, sizeof(x->status), line, sizeof(line));
	if ((diagnostic_at = fb_find_ci(s, n, pasted_diagnostic)) >= 0) {
		value = (size_t)diagnostic_at + FIELD_LEN(pasted_diagnostic);
		x->says = fb_text_says(s + value, line_end(s, n, value) - value);
	}
	return field_addr(rcpt, &x->addr) && x->status[0] != '\0';
}

/* True when the Subject says the bounce is a delay warning, not a failure. */
static bool
subject_says_delay(GMimeMessage *m)
{
	const char *subj = hdr(GMIME_OBJECT(m), "Subject");

	return subj != NULL &&
	       (strncasecmp(subj, "Warning:", 8) == 0 || fb_find_ci(subj, strlen(subj), "delayed") >= 0 ||
	        fb_find_ci(subj, strlen(subj), "delay notification") >= 0);
}

/* Finds the failed recipient of a bounce without a report: X-Failed-Recipients, its words, the returned To. */
static void
plain_recipient(GMimeMessage *m, struct walk *w, const char *words, size_t len, const char *env, struct bg_addr *a)
{
	const char *failed_rcpts = hdr(GMIME_OBJECT(m), "X-Failed-Recipients");
	GMimeMessage *orig;

	if (failed_rcpts != NULL && strchr(failed_rcpts, ',') == NULL && field_addr(failed_rcpts, a))
		return;
	if (words != NULL && (failed_after_rcpt_to(words, len, m, env, a) || find_failed(words, len, m, env, a)))
		return;
	memset(a, 0, sizeof(*a));
	if (w->reported != NULL && (orig = reported_message(w->reported)) != NULL) {
		field_addr(hdr(GMIME_OBJECT(orig), "To"), a);
		g_object_unref(orig);
	}
}

/* Decides a plain bounce's recipient: a delay when its words or the Subject say so, else a final failure. */
static void
plain_class(struct fb_rcpt *x, bool subject_says_delay)
{
	if (x->says == FB_SAYS_NOTHING && subject_says_delay)
		x->says = FB_SAYS_DELAYED;
	x->says = fb_says_at_stage(x->says, x->stage, x->status);
	fb_status_refine(x->status, sizeof(x->status), x->says);
	if (x->status[0] == '\0' && x->says != FB_SAYS_DELAYED && (x->addr.len > 0))
		snprintf(x->status, sizeof(x->status), "%s",
		         FB_STATUS_UNDEFINED); /* it failed; its words say no more */
	snprintf(x->action, sizeof(x->action), "%s", x->says == FB_SAYS_DELAYED ? "delayed" : "failed");
	x->cls = fb_rcpt_class(x->status, x->action, x->says);
}

/* Reads one recipient's part of a bounce's words (n bytes at s): its status and what it says. */
static void
plain_part(const char *s, size_t n, struct fb_rcpt *x)
{
	fb_find_status(s, n, x->status, sizeof(x->status), x->diag, sizeof(x->diag));
	x->says = fb_text_says(s, n);
	x->stage = fb_text_stage(s, n);
}

/*
 * Splits a bounce's words that name several failed addresses, each followed
 * by its own reason (qmail's "<a>:" paragraphs, Exim's and OpenSMTPD's
 * lists), into one recipient each, from the first one on; the record keeps
 * its first recipient as read when there are fewer than two.
 */
static void
plain_recipients(const char *s, size_t n, GMimeMessage *m, const char *env, struct fb_record *r)
{
	size_t start[FB_RCPT_MAX], found = 0, at = 0, from = 0;
	struct bg_addr a[FB_RCPT_MAX];

	while (found < FB_RCPT_MAX && from < n && find_failed_at(s + from, n - from, m, env, &a[found], &at)) {
		bool seen = false;

		for (size_t i = 0; i < found && !seen; i++)
			seen = strcasecmp(a[i].text, a[found].text) == 0;
		if (!seen)
			start[found++] = from + at;
		from += at + a[seen ? 0 : found - 1].len;
		from = from > n ? n : from;
	}
	if (found < 2)
		return;
	for (size_t i = 0; i < found; i++) {
		struct fb_rcpt *x = &r->rcpt[i];

		memset(x, 0, sizeof(*x));
		x->addr = a[i];
		plain_part(s + start[i], (i + 1 < found ? start[i + 1] : n) - start[i], x);
	}
	r->n_rcpt = found;
}

/* Reads a bounce without a delivery-status part from its words: its recipients, what is found for each. */
static bool
read_plain_bounce(GMimeMessage *m, struct walk *w, const char *env, struct fb_record *r)
{
	struct fb_rcpt *x = &r->rcpt[0];
	size_t len = 0;
	char *words = bounce_words(w, &len);

	bool delay = subject_says_delay(m);

	memset(x, 0, sizeof(*x));
	r->n_rcpt = 1;
	if (words != NULL && !inline_fields(words, strnlen(words, FB_TEXT_MAX), x)) {
		plain_part(words, len, x);
		plain_recipient(m, w, words, len, env, &x->addr);
		if (hdr(GMIME_OBJECT(m), "X-Failed-Recipients") == NULL)
			plain_recipients(words, len, m, env, r);
	} else if (words == NULL) {
		plain_recipient(m, w, NULL, 0, env, &x->addr);
	}
	for (size_t i = 0; i < r->n_rcpt; i++) {
		x = &r->rcpt[i];
		if (words != NULL && x->says == FB_SAYS_NOTHING) /* a part that says nothing: the whole words */
			x->says = fb_text_says(words, len);
		if (words != NULL && x->stage == FB_STAGE_UNKNOWN)
			x->stage = fb_text_stage(words, len);
		plain_class(x, delay);
	}
	g_free(words);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && r->rcpt[0].status[0] == '\0') {
		r->n_rcpt = 0;
		return false;
	}
	r->kind = FB_DSN;
	return true;
}

/*
 * Marks the DSN recipients the envelope's VERP verifies: a named VERP's own
 * recipient (it replaces the report's, which may name a forwarded address),
 * or each Final-Recipient a short-form VERP checks. The others keep the
 * report's address, unverified, with the reason in verp.
 */
static void
resolve_verp(const struct fb_envelope *env, struct fb_record *r)
{
	size_t keep = 0;

	if (r->verp == BG_VERP_OK) {
		for (size_t i = 0; i < r->n_rcpt; i++)
			if (strcasecmp(r->rcpt[i].addr.text, r->verp_rcpt.text) == 0 ||
			    (keep == 0 && r->rcpt[i].cls != FB_CLASS_NONE))
				keep = i + 1;
		if (r->n_rcpt == 0)
			memset(&r->rcpt[0], 0, sizeof(r->rcpt[0]));
		r->rcpt[0] = r->rcpt[keep > 0 ? keep - 1 : 0];
		r->rcpt[0].addr = r->verp_rcpt;
		r->rcpt[0].origin = FB_ORIGIN_VERP;
		r->rcpt[0].verp = BG_VERP_OK;
		r->n_rcpt = 1;
		return;
	}
	for (size_t i = 0; i < r->n_rcpt; i++) {
		struct fb_rcpt *x = &r->rcpt[i];

		if (x->origin == FB_ORIGIN_TOKEN)
			continue; /* an SES bounce's recipient our token names: verified already */
		x->verp = r->verp;
		if (r->verp == BG_VERP_UNNAMED && x->addr.len > 0)
			x->verp =
			    bg_verp_check(env->keys, env->rcpt, strlen(env->rcpt), x->addr.text, &env->window, NULL);
		if (x->verp == BG_VERP_OK)
			x->origin = FB_ORIGIN_VERP_CHECK;
	}
}

/* ---- ARF ---------------------------------------------------------------- */

/* Reads the feedback-report fields. */
static void
arf_block(GMimeObject *o, void *arg)
{
	struct fb_record *r = arg;
	const char *t = hdr(o, "Feedback-Type"), *rcpt = hdr(o, "Original-Rcpt-To");

	if (t != NULL && r->arf.feedback_type[0] == '\0') {
		fb_copy_printable(t, strlen(t), r->arf.feedback_type, sizeof(r->arf.feedback_type));
		for (char *c = r->arf.feedback_type; *c; c++)
			*c = (char)(isalnum((unsigned char)*c) || *c == '-' ? tolower((unsigned char)*c) : '\0');
	}
	if (rcpt != NULL && r->arf.orig_rcpt.len == 0)
		field_addr(rcpt, &r->arf.orig_rcpt);
	if (r->arf.orig_mail_from.len == 0)
		field_addr(hdr(o, "Original-Mail-From"), &r->arf.orig_mail_from);
}

/* Copies the d= tag of a DKIM-Signature value into out, lower case. */
static void
dkim_domain(const char *sig, char *out, size_t len)
{
	const char *p = sig;

	out[0] = '\0';
	while (p != NULL && *p) {
		while (isspace((unsigned char)*p) || *p == ';')
			p++;
		if (*p == 'd') {
			const char *q = p + 1, *e;

			while (isspace((unsigned char)*q))
				q++;
			if (*q == '=') {
				for (q++; isspace((unsigned char)*q); q++)
					;
				for (e = q; *e && *e != ';' && !isspace((unsigned char)*e); e++)
					;
				fb_copy_printable(q, (size_t)(e - q), out, len);
				for (char *c = out; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				return;
			}
		}
		p = strchr(p, ';');
	}
}

/* Reads the VERP of the reported message's envelope sender (Return-Path, else Original-Mail-From). */
static void
arf_verp(const char *rp, const struct fb_envelope *env, struct fb_arf *a)
{
	struct bg_addr v;
	const char *at;

	a->verp_status = -1;
	if (rp == NULL || env->keys == NULL || !field_addr(rp, &v))
		return;
	at = bg_addr_domain(&v);
	fb_copy_printable(at, strlen(at), a->verp_domain, sizeof(a->verp_domain));
	a->verp_status = (int)bg_verp_parse(env->keys, v.text, v.len, &env->window, &a->verp_rcpt, &a->verp_info);
	if (a->verp_status == BG_VERP_UNNAMED && a->orig_rcpt.len > 0) {
		a->verp_status =
		    (int)bg_verp_check(env->keys, v.text, v.len, a->orig_rcpt.text, &env->window, &a->verp_info);
		if (a->verp_status == BG_VERP_OK)
			a->verp_rcpt = a->orig_rcpt;
	}
	if (a->verp_status != BG_VERP_OK)
		memset(&a->verp_rcpt, 0, sizeof(a->verp_rcpt));
}

/* Reads what the reported message says about who sent it and to whom. */
static void
arf_reported(GMimeMessage *m, const struct fb_envelope *env, const char *omf, struct fb_arf *a)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *lu = hdr(o, "List-Unsubscribe"), *rp = hdr(o, "Return-Path");
	const char *sig = hdr(o, "DKIM-Signature"), *from = hdr(o, "From");
	struct bg_addr fa;

	if (lu != NULL)
		a->has_token = fb_find_token(lu, strlen(lu), env->keys, &a->token);
	arf_verp(rp != NULL ? rp : omf, env, a);
	if (sig != NULL)
		dkim_domain(sig, a->dkim_domain, sizeof(a->dkim_domain));
	if (from != NULL && bg_from_parse(from, &fa) == BG_FROM_OK)
		snprintf(a->from_domain, sizeof(a->from_domain), "%s", bg_addr_domain(&fa));
}

/* Reads an ARF report into r. */
static void
read_arf(GMimePart *part, struct walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	GByteArray *ba = part_bytes(part, FB_TEXT_MAX);
	GMimeMessage *m = reported_message(w->reported);
	const char *omf;

	r->kind = FB_ARF;
	if (ba != NULL)
		each_block((const char *)ba->data, ba->len, arf_block, r);
	omf = r->arf.orig_mail_from.len > 0 ? r->arf.orig_mail_from.text : NULL;
	if (m != NULL)
		arf_reported(m, env, omf, &r->arf);
	else
		arf_verp(omf, env, &r->arf);
	if (m != NULL)
		g_object_unref(m);
	if (ba != NULL)
		g_byte_array_unref(ba);
}

/* Reads a complaint without a feedback-report part (Hotmail's): the attached message is the reported one. */
static bool
read_plain_complaint(GMimeMessage *m, struct walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	const char *subj = hdr(GMIME_OBJECT(m), "Subject");
	GMimeMessage *rep;
	const char *who;

	if (subj == NULL || fb_find_ci(subj, strlen(subj), "complaint about message") < 0 ||
	    (rep = reported_message(w->reported)) == NULL)
		return false;
	r->kind = FB_ARF;
	snprintf(r->arf.feedback_type, sizeof(r->arf.feedback_type), "abuse");
	if ((who = hdr(GMIME_OBJECT(rep), "X-HmXmrOriginalRecipient")) == NULL)
		who = hdr(GMIME_OBJECT(rep), "To");
	field_addr(who, &r->arf.orig_rcpt);
	arf_reported(rep, env, NULL, &r->arf);
	g_object_unref(rep);
	return true;
}

/* ---- Amazon SES notifications ------------------------------------------ */

/*
 * Verifies the recipients of an SES bounce: the VERP it was sent with
 * (mail.source) as the envelope's VERP is for a DSN (resolve_verp does the
 * rest); else a token among its headers verifies the recipient it names.
 */
static void
ses_origin(const struct fb_ses *ses, const struct fb_envelope *env, struct fb_record *r)
{
	struct bg_token token;

	memset(&r->verp_rcpt, 0, sizeof(r->verp_rcpt));
	r->verp = BG_VERP_NOT_VERP;
	if (env->keys != NULL && ses->source[0] != '\0')
		r->verp = (int)bg_verp_parse(env->keys, ses->source, strlen(ses->source), &env->window, &r->verp_rcpt,
		                             &r->verp_info);
	if (r->verp == BG_VERP_OK || r->verp == BG_VERP_UNNAMED ||
	    !fb_find_token(ses->list_unsubscribe, strlen(ses->list_unsubscribe), env->keys, &token))
		return;
	for (size_t i = 0; i < r->n_rcpt; i++)
		if (strcasecmp(r->rcpt[i].addr.text, token.address) == 0) {
			r->rcpt[i].verp = BG_VERP_OK;
			r->rcpt[i].origin = FB_ORIGIN_TOKEN;
		}
}

/* Reads the recipients of an SES bounce as DSN recipients. */
static void
ses_bounce(const struct fb_ses *ses, struct fb_record *r)
{
	r->kind = FB_DSN;
	for (size_t i = 0; i < ses->n_rcpt && r->n_rcpt < FB_RCPT_MAX; i++) {
		const struct fb_ses_rcpt *in = &ses->rcpt[i];
		struct fb_rcpt *x = &r->rcpt[r->n_rcpt++];
		char line[FB_DIAG_MAX + 1], from_diag[sizeof(x->status)];

		field_addr(in->address, &x->addr);
		copy_lower(in->action[0] != '\0' ? in->action : "failed", x->action, sizeof(x->action));
		fb_copy_printable(in->diag, strlen(in->diag), x->diag, sizeof(x->diag));
		fb_find_status(in->status, strlen(in->status), x->status, sizeof(x->status), line, sizeof(line));
		if (x->status[0] == '\0' &&
		    fb_find_status(in->diag, strlen(in->diag), from_diag, sizeof(from_diag), line, sizeof(line)))
			snprintf(x->status, sizeof(x->status), "%s", from_diag);
		x->says = fb_says_at_stage(fb_text_says(in->diag, strlen(in->diag)),
		                           fb_text_stage(in->diag, strlen(in->diag)), x->status);
		fb_status_refine(x->status, sizeof(x->status), x->says);
		x->cls = fb_rcpt_class(x->status, x->action, x->says);
	}
}

/* Reads an SES complaint as an ARF report: its recipient, type, token and VERP. */
static void
ses_complaint(const struct fb_ses *ses, const struct fb_envelope *env, struct fb_record *r)
{
	struct fb_arf *a = &r->arf;

	r->kind = FB_ARF;
	copy_lower(ses->feedback_type[0] != '\0' ? ses->feedback_type : "abuse", a->feedback_type,
	           sizeof(a->feedback_type));
	if (ses->n_rcpt > 0)
		field_addr(ses->rcpt[0].address, &a->orig_rcpt);
	a->has_token = fb_find_token(ses->list_unsubscribe, strlen(ses->list_unsubscribe), env->keys, &a->token);
	arf_verp(ses->source[0] != '\0' ? ses->source : NULL, env, a);
}

/* Reads an Amazon SES notification (JSON in the first text part) into r; false when the text is none. */
static bool
read_ses(struct walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	struct fb_ses *ses;
	char *text;
	bool read = false;

	if (w->text == NULL || (text = g_mime_text_part_get_text(w->text)) == NULL)
		return false;
	if ((ses = g_try_new0(struct fb_ses, 1)) != NULL && fb_ses_parse(text, strnlen(text, FB_SES_MAX), ses)) {
		read = true;
		if (ses->type == FB_SES_BOUNCE) {
			ses_bounce(ses, r);
			ses_origin(ses, env, r);
		} else if (ses->type == FB_SES_COMPLAINT) {
			ses_complaint(ses, env, r);
		} else {
			snprintf(r->why, sizeof(r->why), "%s", "ses-not-a-failure");
		}
	}
	g_free(ses);
	g_free(text);
	return read;
}

/* ---- the whole message -------------------------------------------------- */

/* Finds a token in the envelope recipient's local part or the Subject. */
static bool
read_unsubscribe(GMimeMessage *m, const char *env, const struct bg_token_keys *keys, struct fb_record *r)
{
	const char *at = strrchr(env, '@'), *subj = hdr(GMIME_OBJECT(m), "Subject");

	if (fb_find_token(env, at ? (size_t)(at - env) : strlen(env), keys, &r->token) ||
	    (subj != NULL && fb_find_token(subj, strlen(subj), keys, &r->token))) {
		r->kind = FB_UNSUBSCRIBE;
		return true;
	}
	return false;
}

/* True when the message says it is an auto-reply (RFC 3834, vacation, out of office) by its Subject or headers. */
static bool
auto_reply(GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);
	const char *prec = hdr(o, "Precedence");

	return fb_subject_auto_reply(hdr(o, "Subject")) || hdr(o, "X-Autoreply") != NULL ||
	       hdr(o, "X-Autorespond") != NULL || hdr(o, "X-Autoresponder") != NULL ||
	       (prec != NULL && fb_find_ci(prec, strlen(prec), "auto_reply") >= 0);
}

/* Marks r as a mail refused as a report (counted as unverified), with why. */
static void
refuse(struct fb_record *r, const char *why)
{
	r->refused = true;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* Reads a mail that is no report part, token or complaint: a bounce in a known MTA's layout from the null sender, or
 * nothing. */
static void
read_other(GMimeMessage *m, struct walk *w, const struct fb_envelope *env, struct fb_record *r)
{
	bool bounce = w->dsn != NULL || looks_like_bounce(m);

	if (w->dsn == NULL && auto_reply(m))
		refuse(r, "auto-reply");
	else if (bounce && !fb_sender_is_null(env->sender))
		refuse(r, env->sender == NULL ? "sender-unknown" : "sender-not-null");
	else if (!bounce)
		snprintf(r->why, sizeof(r->why), "%s", "not-a-report");
	else if (!read_plain_bounce(m, w, env->rcpt, r))
		snprintf(r->why, sizeof(r->why), "%s", "bounce-without-status");
}

/* Returns the message attached as o when it is itself a multipart/report (a forwarded bounce), else NULL. */
static GMimeMessage *
forwarded_report(GMimeObject *o)
{
	GMimeMessage *inner;
	GMimeObject *body;
	GMimeContentType *ct;

	if (o == NULL || !GMIME_IS_MESSAGE_PART(o) ||
	    (inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) == NULL ||
	    (body = g_mime_message_get_mime_part(inner)) == NULL || (ct = g_mime_object_get_content_type(body)) == NULL)
		return NULL;
	return g_mime_content_type_is_type(ct, "multipart", "report") ? inner : NULL;
}

/* Classifies a parsed message: ARF, a DSN from the null sender, an unsubscribe mail, a complaint, or the rest. */
static void
classify_message(GMimeMessage *m, const struct fb_envelope *env, struct fb_record *r)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	walk_object(g_mime_message_get_mime_part(m), &w, 0);
	if (w.dsn == NULL && w.arf == NULL && forwarded_report(w.reported) != NULL) {
		GMimeMessage *inner = forwarded_report(w.reported);

		memset(&w, 0, sizeof(w)); /* a bounce forwarded as an attachment: its report is read */
		walk_object(g_mime_message_get_mime_part(inner), &w, 0);
	}
	if (w.arf != NULL)
		read_arf(w.arf, &w, env, r);
	else if (w.dsn != NULL && fb_sender_is_null(env->sender))
		read_dsn(m, w.dsn, &w, env->rcpt, r);
	else if (read_ses(&w, env, r) && r->kind != FB_DSN)
		return;
	else if (r->kind == FB_DSN)
		; /* an SES bounce: its VERP is resolved below */
	else if (read_unsubscribe(m, env->rcpt, env->keys, r) || read_plain_complaint(m, &w, env, r))
		return;
	else
		read_other(m, &w, env, r);
	if (r->kind == FB_DSN)
		resolve_verp(env, r);
}

void
fb_classify(const char *msg, size_t len, const struct fb_envelope *env, struct fb_record *out)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	memset(out, 0, sizeof(*out));
	out->arf.verp_status = -1;
	out->verp = BG_VERP_NOT_VERP;
	if (env->keys != NULL)
		out->verp = (int)bg_verp_parse(env->keys, env->rcpt, strlen(env->rcpt), &env->window, &out->verp_rcpt,
		                               &out->verp_info);
	if (len > FB_MESSAGE_MAX) {
		snprintf(out->why, sizeof(out->why), "too-large");
		return;
	}
	pthread_once(&gmime_once, gmime_start);
	st = g_mime_stream_mem_new_with_buffer(msg, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	if (m == NULL)
		snprintf(out->why, sizeof(out->why), "unparseable");
	else
		classify_message(m, env, out);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
}
