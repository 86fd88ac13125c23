/*
 * fb_dsn.c - delivery status notifications read into a record (fb_dsn.h):
 * RFC 3464 reports, bounces in an MTA's own words, and which recipients the
 * envelope's VERP verifies.
 *
 * Each failed recipient's class comes from its status, its action and what
 * its text says (fb_text_says over its Diagnostic-Code or a comment after its
 * Status, else the bounce's own words; fb_text_stage for where in the SMTP
 * dialogue the refusal came): the text decides where it says something
 * (5.1.1 with "IP address blacklisted" is block), the status where it does
 * not. A missing status is filled from the text (a bounce's "user unknown"
 * is 5.1.1); a report's own status is kept. A bounce without an action is a
 * delay only when its words or Subject say so.
 */
#include "config.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_verp.h"
#include "fb_dsn.h"
#include "fb_text.h"

/* The DSN fields a bounce may paste into its text, with the line break before them. */
static const char pasted_final_rcpt[] = "\nFinal-Recipient:";
static const char pasted_status[] = "\nStatus:";
static const char pasted_diagnostic[] = "\nDiagnostic-Code:";
static const char pasted_action[] = "\nAction:";
#define FIELD_LEN(name) (sizeof(name) - 1) /* the length of a field name above, without its NUL */

#define FB_ADDRESSES_MAX 256 /* addresses looked at when a text bounce names several */

#define FB_STATUS_UNDEFINED "5.0.0" /* a bounce that failed without saying why (RFC 3463: other or undefined) */

static size_t text_before_copy(const char *s, size_t n);
static bool find_failed(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out);

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

/*
 * What the comment after a Status field's code says ("5.2.1 (mailbox
 * disabled)"), n bytes at field: the code itself is no words (its meaning is
 * fb_status_class's), so a sender-side 5.7.27 does not read as a refusal of
 * the sender when the diagnostic says the recipient's domain takes no mail.
 */
static enum fb_says
status_comment_says(const char *field, size_t n)
{
	size_t i = 0;

	while (i < n && (field[i] == ' ' || field[i] == '\t'))
		i++;
	while (i < n && (isdigit((unsigned char)field[i]) || field[i] == '.'))
		i++;
	return fb_text_says(field + i, n - i);
}

/* Keeps the host name of a Reporting-MTA field ("dns; mx.example.net") in r, lower case, once. */
static void
reporting_mta(const char *field, struct fb_record *r)
{
	const char *name = field != NULL && strchr(field, ';') != NULL ? strchr(field, ';') + 1 : field;
	size_t n;

	if (name == NULL || r->reporting_mta[0] != '\0')
		return;
	name += strspn(name, " \t\r\n");
	n = strcspn(name, " \t\r\n(");
	if (n < sizeof(r->reporting_mta))
		fb_copy_lower(name, r->reporting_mta, n + 1);
}

/*
 * What a local delivery program's diagnostic (type x-unix: procmail, a pipe)
 * that says says means: its words about a user or host are the program's
 * own trouble, not the MTA's lookup (FB_SAYS_PROGRAM, counted); a full
 * mailbox, a delay, a refusal of the sender and the like stay as they are.
 */
static enum fb_says
program_says(enum fb_says says)
{
	switch (says) {
	case FB_SAYS_NOTHING:
	case FB_SAYS_USER_UNKNOWN:
	case FB_SAYS_HOST_UNKNOWN:
	case FB_SAYS_NO_ACCOUNT:
	case FB_SAYS_FILTERED: return FB_SAYS_PROGRAM;
	default: return says;
	}
}

/*
 * Reads one per-recipient block of a delivery-status part; each field is
 * read once. A block without the Status RFC 3464 requires, whose diagnostic
 * is a bare reply code ("550 a@example.com... No such user"), holds nothing
 * machine-readable: a filtering gateway's imitation of a report passing on
 * its next hop's words. Its "user unknown" is counted (FB_SAYS_FILTERED),
 * not taken as a directory lookup; with an enhanced code (5.1.1) it is one.
 */
static void
dsn_block(GMimeObject *o, void *arg)
{
	struct fb_record *r = arg;
	const char *final_rcpt = fb_hdr(o, "Final-Recipient"), *original_rcpt = fb_hdr(o, "Original-Recipient");
	const char *action = fb_hdr(o, "Action"), *diagnostic = fb_hdr(o, "Diagnostic-Code");
	const char *status_field = fb_hdr(o, "Status");
	struct fb_rcpt *x;
	bool program;

	reporting_mta(fb_hdr(o, "Reporting-MTA"), r);
	if ((final_rcpt == NULL && original_rcpt == NULL && action == NULL) || r->n_rcpt >= FB_RCPT_MAX)
		return; /* the per-message block, or one recipient too many */
	x = &r->rcpt[r->n_rcpt++];
	if (!fb_field_addr(final_rcpt, &x->addr))
		fb_field_addr(original_rcpt, &x->addr);
	fb_copy_lower(action, x->action, sizeof(x->action));
	program = diagnostic != NULL && strncasecmp(diagnostic + strspn(diagnostic, " \t"), "x-unix", 6) == 0;
	if (diagnostic != NULL && strchr(diagnostic, ';') != NULL)
		diagnostic = strchr(diagnostic, ';') + 1; /* past the diagnostic type ("smtp;") */
	if (diagnostic == NULL)
		diagnostic = "";
	fb_copy_printable(diagnostic, strlen(diagnostic), x->diag, sizeof(x->diag));
	dsn_status(status_field, diagnostic, x);
	if (status_field != NULL) /* a comment after the code: "5.2.1 (mailbox disabled, not accepting messages)" */
		x->says = status_comment_says(status_field, strlen(status_field));
	if (x->says == FB_SAYS_NOTHING)
		x->says = fb_text_says(diagnostic, strnlen(diagnostic, FB_TEXT_MAX));
	x->stage = fb_text_stage(diagnostic, strnlen(diagnostic, FB_TEXT_MAX));
	if (program)
		x->says = program_says(x->says);
	if (status_field == NULL && x->says == FB_SAYS_USER_UNKNOWN && strcmp(x->status + 1, ".0.0") == 0)
		x->says = FB_SAYS_FILTERED; /* no code at all: a gateway passing on its next hop's bare words */
}

/* Returns the bounce's own words, before any copy of the returned message (caller g_frees), or NULL. */
static char *
bounce_words(const struct fb_walk *w, size_t *len)
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
 * Reads what the bounce's words (n bytes at s) say about recipient x of
 * several whose report gives no diagnostic: the line that names its address
 * and the folded lines after it (OpenSMTPD lists "addr: 550 5.1.1 ... User
 * unknown" above a report with a bare Status 5.0.0). Its enhanced code
 * refines a vague x.0.0 of the same class, as a Diagnostic-Code's does.
 */
static void
rcpt_from_words(const char *s, size_t n, struct fb_rcpt *x)
{
	char status[sizeof(x->status)], line[FB_DIAG_MAX + 1];
	long at;
	size_t b, e;

	if (x->addr.len == 0 || x->diag[0] != '\0' || (at = fb_find_ci(s, n, x->addr.text)) < 0)
		return;
	for (b = (size_t)at; b > 0 && s[b - 1] != '\n'; b--)
		;
	for (e = (size_t)at; e < n && s[e] != '\n'; e++)
		;
	while (e + 1 < n && (s[e + 1] == ' ' || s[e + 1] == '\t'))
		for (e++; e < n && s[e] != '\n'; e++)
			;
	if (fb_find_status(s + b, e - b, status, sizeof(status), line, sizeof(line)) &&
	    (x->status[0] == '\0' || (strcmp(x->status + 1, ".0.0") == 0 && status[0] == x->status[0])))
		snprintf(x->status, sizeof(x->status), "%s", status);
	fb_copy_printable(s + b, e - b, x->diag, sizeof(x->diag));
	x->says = fb_text_says(s + b, e - b);
	x->stage = fb_text_stage(s + b, e - b);
}

/* True when n bytes of s name domain on its own (not as an address's part after '@', not inside a longer name). */
static bool
names_domain(const char *s, size_t n, const char *domain)
{
	size_t m = strlen(domain);

	for (long at = m > 0 ? fb_find_ci(s, n, domain) : -1; at >= 0;) {
		size_t i = (size_t)at, e = i + m;
		bool own = (i == 0 || !(isalnum((unsigned char)s[i - 1]) || strchr("@.-", s[i - 1]) != NULL)) &&
		           (e >= n || !(isalnum((unsigned char)s[e]) || s[e] == '-' ||
		                        (s[e] == '.' && e + 1 < n && isalnum((unsigned char)s[e + 1]))));
		long next;

		if (own)
			return true;
		next = fb_find_ci(s + i + 1, n - i - 1, domain);
		at = next < 0 ? -1 : (long)(i + 1) + next;
	}
	return false;
}

/*
 * A "does not exist" that names the sender's own domain (the bounce's To,
 * or the envelope recipient's: the returned message's sender), not the
 * recipient's: Exim's "553 sender.example does not exist" after DATA. The
 * sender was refused; it says nothing about the mailbox (blocked).
 */
static void
sender_domain_refused(struct fb_rcpt *x, GMimeMessage *m, const char *env)
{
	const char *to = fb_hdr(GMIME_OBJECT(m), "To");
	struct bg_addr sender;
	const char *domains[2] = {NULL, NULL};

	if (x->says != FB_SAYS_USER_UNKNOWN && x->says != FB_SAYS_HOST_UNKNOWN && x->says != FB_SAYS_FILTERED)
		return;
	if (fb_field_addr(to, &sender))
		domains[0] = bg_addr_domain(&sender);
	if (env != NULL && strchr(env, '@') != NULL)
		domains[1] = strrchr(env, '@') + 1;
	for (int i = 0; i < 2; i++)
		if (domains[i] != NULL && domains[i][0] != '\0' &&
		    (x->addr.len == 0 || strcasecmp(bg_addr_domain(&x->addr), domains[i]) != 0) &&
		    names_domain(x->diag, strlen(x->diag), domains[i])) {
			x->says = FB_SAYS_BLOCKED;
			return;
		}
}

/*
 * Reads a message/delivery-status part into r. A recipient whose diagnostic
 * says nothing is read from the bounce's own words: all of them when it is
 * the only one, else the line that names it; X-Failed-Recipients or those
 * words name a lone recipient without an address. A report without any
 * recipient's block is read as a bounce without a report.
 */
void
fb_read_dsn(GMimeMessage *m, GMimePart *part, struct fb_walk *w, const char *env, struct fb_record *r)
{
	GByteArray *ba = fb_part_bytes(part, FB_TEXT_MAX);
	const char *failed_rcpts = fb_hdr(GMIME_OBJECT(m), "X-Failed-Recipients");
	size_t words_len = 0;
	char *words = NULL;

	r->kind = FB_DSN;
	r->standard = true;
	if (ba == NULL)
		return;
	fb_each_block((const char *)ba->data, ba->len, dsn_block, r);
	g_byte_array_unref(ba);
	if (r->n_rcpt == 0) { /* no recipient's block (Postfix writes such reports at times): read as its words say */
		fb_read_plain_bounce(m, w, env, r);
		r->kind = FB_DSN;
		return;
	}
	words = bounce_words(w, &words_len);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && failed_rcpts != NULL && strchr(failed_rcpts, ',') == NULL)
		fb_field_addr(failed_rcpts, &r->rcpt[0].addr);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && words != NULL)
		find_failed(words, words_len, m, env, &r->rcpt[0].addr);
	if (r->n_rcpt == 1 && r->rcpt[0].says == FB_SAYS_NOTHING && words != NULL)
		r->rcpt[0].says = fb_text_says(words, words_len);
	if (r->n_rcpt == 1 && r->rcpt[0].stage == FB_STAGE_UNKNOWN && words != NULL)
		r->rcpt[0].stage = fb_text_stage(words, words_len);
	for (size_t i = 0; r->n_rcpt > 1 && words != NULL && i < r->n_rcpt; i++)
		if (r->rcpt[i].says == FB_SAYS_NOTHING)
			rcpt_from_words(words, words_len, &r->rcpt[i]);
	for (size_t i = 0; r->n_rcpt > 1 && words != NULL && i < r->n_rcpt; i++)
		if (r->rcpt[i].stage == FB_STAGE_UNKNOWN && fb_text_stage(words, words_len) == FB_STAGE_RCPT)
			r->rcpt[i].stage = FB_STAGE_RCPT; /* Postfix's words name the command its report leaves out */
	g_free(words);
	for (size_t i = 0; i < r->n_rcpt; i++) {
		struct fb_rcpt *x = &r->rcpt[i];

		sender_domain_refused(x, m, env);
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
	return in_header(fb_hdr(o, "From"), a) || in_header(fb_hdr(o, "To"), a) || strcasecmp(a->text, env) == 0;
}

/*
 * True when the line at s, read up to offset at, is a message-id field
 * (quoted or not), whose "addresses" are ids, or names the returned
 * message's sender (a summary's "From:", "MAIL FROM:"), never the failed one.
 */
static bool
id_line(const char *s, size_t at)
{
	static const char *const fields[] = {
	    "message-id:", "references:", "in-reply-to:", "content-id:", "from:", "mail from:", "sender:", NULL};
	size_t b = 0;

	while (b < at && (s[b] == '>' || s[b] == ' ' || s[b] == '\t'))
		b++;
	for (int i = 0; fields[i] != NULL; i++)
		if (at - b >= strlen(fields[i]) && strncasecmp(s + b, fields[i], strlen(fields[i])) == 0)
			return true;
	return false;
}

/*
 * True when n bytes of s name address a on a line that offers it for help
 * ("For further assistance, please contact <support@isp.example>"): the
 * bounce's own contact, wherever else it is repeated, never a failed one.
 */
static bool
help_address(const char *s, size_t n, const struct bg_addr *a)
{
	static const char *const offers[] = {"contact", "assistance", "send mail to", NULL};

	for (long at = fb_find_ci(s, n, a->text); at >= 0;) {
		size_t b = (size_t)at, e = (size_t)at;
		long next;

		while (b > 0 && s[b - 1] != '\n')
			b--;
		while (e < n && s[e] != '\n')
			e++;
		for (int i = 0; offers[i] != NULL; i++)
			if (fb_find_ci(s + b, e - b, offers[i]) >= 0)
				return true;
		next = fb_find_ci(s + e, n - e, a->text);
		at = next < 0 ? -1 : (long)e + next;
	}
	return false;
}

/*
 * Finds the first address in n bytes of s that is not the bounce's own;
 * *at (NULL: not wanted) gets its offset.
 */
static bool
find_failed_at(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out, size_t *at)
{
	size_t line = 0; /* where the line of s[i] starts */

	for (size_t i = 0; i < n; i++) {
		size_t b = i, e = i + 1;

		if (s[i] == '\n')
			line = i + 1;
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
		if (b == i || e == i + 1 || id_line(s + line, b - line))
			continue;
		if (bg_addr_normalise(s + b, e - b, BG_ADDR_KEEP_CASE, out) == BG_ADDR_OK &&
		    strchr(bg_addr_domain(out), '.') != NULL && !not_the_failed(out, m, env) &&
		    !help_address(s, n, out)) {
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
		size_t e, q = i;

		for (e = i; e < n && s[e] != '\n'; e++)
			;
		/* a forwarded bounce quotes its copy: "> Received:" */
		while (q + 1 < e && s[q] == '>' && s[q + 1] == ' ')
			q += 2;
		if (e > q && (strncasecmp(s + q, "Received: ", 10) == 0 || strncasecmp(s + q, "Return-Path:", 12) == 0))
			return i;
		if (s[i] == '-' || s[i] == '=' || s[i] == '*' || s[i] == '_')
			for (int k = 0; marks[k] != NULL; k++)
				if (fb_find_ci(s + i, e - i, marks[k]) >= 0)
					return i;
		i = e + 1;
	}
	return n;
}

/*
 * True when the bounce's own words say a message was not delivered, whoever
 * signs it (KDDI's notices come from "no-reply" with the Subject "Mail").
 */
static bool
words_say_undelivered(const struct fb_walk *w)
{
	static const char *const phrases[] = {"could not be delivered to", NULL};
	size_t len;
	char *words = bounce_words(w, &len);
	bool found = false;

	for (int i = 0; words != NULL && phrases[i] != NULL && !found; i++)
		found = fb_find_ci(words, len, phrases[i]) >= 0;
	g_free(words);
	return found;
}

/* True when the message looks like a bounce: a daemon sender, a bounce subject, X-Failed-Recipients or its words. */
bool
fb_looks_like_bounce(GMimeMessage *m, const struct fb_walk *w)
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
	                                 "not member", /* fml: "You <sender> are not member (list)" */
	                                 "not a member",
	                                 "loop alert", /* fml: "Loop Alert: Duplicated Message-ID" */
	                                 NULL};
	GMimeObject *o = GMIME_OBJECT(m);
	const char *from = fb_hdr(o, "From"), *subj = fb_hdr(o, "Subject");

	if (fb_hdr(o, "X-Failed-Recipients") != NULL)
		return true;
	if (from != NULL &&
	    (fb_find_ci(from, strlen(from), "mailer-daemon") >= 0 ||
	     fb_find_ci(from, strlen(from), "postmaster") >= 0 || fb_find_ci(from, strlen(from), "post_master") >= 0 ||
	     fb_find_ci(from, strlen(from), "mail delivery") >= 0))
		return true;
	for (int i = 0; subj != NULL && subjects[i] != NULL; i++)
		if (fb_find_ci(subj, strlen(subj), subjects[i]) >= 0)
			return true;
	return words_say_undelivered(w);
}

/* Returns the end of the line that starts at offset at of the n bytes at s. */
static size_t
line_end(const char *s, size_t n, size_t at)
{
	while (at < n && s[at] != '\n')
		at++;
	return at;
}

/* Returns the end of the field whose value starts at offset at of the n bytes at s: its line and the folded ones after
 * it. */
static size_t
field_end(const char *s, size_t n, size_t at)
{
	at = line_end(s, n, at);
	while (at + 1 < n && (s[at + 1] == ' ' || s[at + 1] == '\t'))
		at = line_end(s, n, at + 1);
	return at;
}

/* Reads DSN fields written as text (a report pasted into the body): its Final-Recipient and Status lines and its
 * Diagnostic-Code, folded lines included. */
static bool
inline_fields(const char *s, size_t n, struct fb_rcpt *x)
{
	long rcpt_at = fb_find_ci(s, n, pasted_final_rcpt), status_at = fb_find_ci(s, n, pasted_status), diagnostic_at;
	long action_at = fb_find_ci(s, n, pasted_action);
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
	x->says = status_comment_says(s + value, line_end(s, n, value) - value); /* "4.0.0 (host lookup failure)" */
	if ((diagnostic_at = fb_find_ci(s, n, pasted_diagnostic)) >= 0) {
		value = (size_t)diagnostic_at + FIELD_LEN(pasted_diagnostic);
		end = field_end(s, n, value);
		if (x->says == FB_SAYS_NOTHING)
			x->says = fb_text_says(s + value, end - value);
		x->stage = fb_text_stage(s + value, end - value);
		fb_copy_printable(s + value, end - value, x->diag, sizeof(x->diag));
	}
	if (action_at >= 0) { /* "Action: delayed" makes it a warning, whatever the diagnostic says */
		value = (size_t)action_at + FIELD_LEN(pasted_action);
		if (fb_find_ci(s + value, line_end(s, n, value) - value, "delayed") >= 0)
			x->says = FB_SAYS_DELAYED;
	}
	return fb_field_addr(rcpt, &x->addr) && x->status[0] != '\0';
}

/*
 * Reads the reports a bounce pasted into its n bytes of text at s (its MIME
 * structure broken), one recipient per Final-Recipient, each from its own
 * fields up to the next one; returns how many were read (0: none).
 */
static size_t
pasted_reports(const char *s, size_t n, struct fb_record *r)
{
	long at = fb_find_ci(s, n, pasted_final_rcpt);
	size_t found = 0;

	while (at >= 0 && found < FB_RCPT_MAX) {
		size_t from = (size_t)at;
		long next = fb_find_ci(s + from + 1, n - from - 1, pasted_final_rcpt);
		size_t to = next < 0 ? n : from + 1 + (size_t)next;

		memset(&r->rcpt[found], 0, sizeof(r->rcpt[found]));
		if (inline_fields(s + from, to - from, &r->rcpt[found]))
			found++;
		at = next < 0 ? -1 : (long)to;
	}
	return found;
}

/* True when the Subject says the bounce is a delay warning, not a failure. */
static bool
subject_says_delay(GMimeMessage *m)
{
	const char *subj = fb_hdr(GMIME_OBJECT(m), "Subject");

	return subj != NULL &&
	       (strncasecmp(subj, "Warning:", 8) == 0 || fb_find_ci(subj, strlen(subj), "delayed") >= 0 ||
	        fb_find_ci(subj, strlen(subj), "delay notification") >= 0);
}

/* Finds the failed recipient of a bounce without a report: X-Failed-Recipients, its words, the returned To. */
static void
plain_recipient(GMimeMessage *m, struct fb_walk *w, const char *words, size_t len, const char *env, struct bg_addr *a)
{
	const char *failed_rcpts = fb_hdr(GMIME_OBJECT(m), "X-Failed-Recipients");
	GMimeMessage *orig;

	if (failed_rcpts != NULL && strchr(failed_rcpts, ',') == NULL && fb_field_addr(failed_rcpts, a))
		return;
	if (words != NULL && (failed_after_rcpt_to(words, len, m, env, a) || find_failed(words, len, m, env, a)))
		return;
	memset(a, 0, sizeof(*a));
	if (w->reported != NULL && (orig = fb_reported_message(w->reported)) != NULL) {
		fb_field_addr(fb_hdr(GMIME_OBJECT(orig), "To"), a);
		g_object_unref(orig);
	}
}

/*
 * True when a plain bounce's recipient x says "user unknown" in a remote
 * reply with a bare code ("Server mx.example.org failed with: 550 <a@...>
 * No such user here"): no enhanced code says the address is unknown, and no
 * word says it answered RCPT TO. A gateway or appliance passing on what it
 * was told, counted (FB_SAYS_FILTERED) rather than taken as a directory
 * lookup; text without any reply code (Domino's, Exchange's own) is not one.
 */
static bool
bare_reply_unknown(const struct fb_rcpt *x)
{
	return x->says == FB_SAYS_USER_UNKNOWN && x->stage != FB_STAGE_RCPT && x->status[0] != '\0' &&
	       strcmp(x->status + 1, ".0.0") == 0;
}

/*
 * Decides a plain bounce's recipient: a delay when its words or the Subject
 * say so, else a final failure. A pasted report's own status (reported) is
 * kept as it is, vague or not, as a report's is.
 */
static void
plain_class(struct fb_rcpt *x, bool subject_says_delay, bool reported)
{
	if (x->says == FB_SAYS_NOTHING && subject_says_delay)
		x->says = FB_SAYS_DELAYED;
	x->says = fb_says_at_stage(x->says, x->stage, x->status);
	if (!reported && bare_reply_unknown(x))
		x->says = FB_SAYS_FILTERED;
	if (!reported)
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

	for (int tries = 0; tries < FB_ADDRESSES_MAX && found < FB_RCPT_MAX && from < n &&
	                    find_failed_at(s + from, n - from, m, env, &a[found], &at);
	     tries++) {
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
bool
fb_read_plain_bounce(GMimeMessage *m, struct fb_walk *w, const char *env, struct fb_record *r)
{
	struct fb_rcpt *x = &r->rcpt[0];
	size_t len = 0;
	char *words = bounce_words(w, &len);
	bool delay = subject_says_delay(m);
	size_t pasted = words != NULL ? pasted_reports(words, strnlen(words, FB_TEXT_MAX), r) : 0;
	bool whole = pasted < 2; /* the whole words speak for a recipient that says nothing (not several reports') */

	if (pasted > 0) {
		r->n_rcpt = pasted;
	} else {
		memset(x, 0, sizeof(*x));
		r->n_rcpt = 1;
		if (words != NULL) {
			plain_part(words, len, x);
			plain_recipient(m, w, words, len, env, &x->addr);
			if (fb_hdr(GMIME_OBJECT(m), "X-Failed-Recipients") == NULL)
				plain_recipients(words, len, m, env, r);
		} else {
			plain_recipient(m, w, NULL, 0, env, &x->addr);
		}
	}
	for (size_t i = 0; i < r->n_rcpt; i++) {
		x = &r->rcpt[i];
		if (words != NULL && whole && x->says == FB_SAYS_NOTHING)
			x->says = fb_text_says(words, len);
		if (words != NULL && whole && x->stage == FB_STAGE_UNKNOWN)
			x->stage = fb_text_stage(words, len);
		sender_domain_refused(x, m, env);
		plain_class(x, delay, pasted > 0);
	}
	g_free(words);
	/* nothing to go on; words that say something are kept without an address (the VERP may name whom) */
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && r->rcpt[0].status[0] == '\0' &&
	    r->rcpt[0].says == FB_SAYS_NOTHING) {
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
void
fb_resolve_verp(const struct fb_envelope *env, struct fb_record *r)
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
