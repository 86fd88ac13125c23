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
 * report. Choices: a standard DSN's Status is refined only by an enhanced code
 * of its Diagnostic-Code (5.0.0 + "550 5.1.1" is 5.1.1; 5.0.0 + "550 user
 * unknown" stays 5.0.0, a counted hard bounce); only a text without any code
 * is read for "user unknown" (5.1.1) or "delayed / expired" (4.4.7, soft).
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
#include "fb_text.h"

#define FB_DEPTH_MAX  8  /* MIME nesting followed */
#define FB_BLOCKS_MAX 40 /* field blocks read from one report part */

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

	return (unsigned)k < 4 ? names[k] : "?";
}

const char *
fb_class_name(enum fb_class c)
{
	static const char *names[] = {"none", "soft", "hard", "bounce"};

	return (unsigned)c < 4 ? names[c] : "?";
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

/* Reads one per-recipient block of a delivery-status part. */
static void
dsn_block(GMimeObject *o, void *arg)
{
	struct fb_record *r = arg;
	struct fb_rcpt *x;
	const char *fin = hdr(o, "Final-Recipient"), *orig = hdr(o, "Original-Recipient");
	const char *act = hdr(o, "Action"), *st = hdr(o, "Status"), *diag = hdr(o, "Diagnostic-Code");
	char dstatus[16], dline[FB_DIAG_MAX + 1];

	if ((fin == NULL && orig == NULL && act == NULL) || r->n_rcpt >= FB_RCPT_MAX)
		return;
	x = &r->rcpt[r->n_rcpt++];
	if (!field_addr(fin, &x->addr))
		field_addr(orig, &x->addr);
	if (act != NULL)
		fb_copy_printable(act, strlen(act), x->action, sizeof(x->action));
	for (char *c = x->action; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (diag != NULL) {
		const char *semi = strchr(diag, ';');

		fb_copy_printable(semi ? semi + 1 : diag, strlen(semi ? semi + 1 : diag), x->diag, sizeof(x->diag));
		/* only an enhanced code refines Status; a reply code or a phrase only fills a missing one */
		if (!fb_find_status(x->diag, strlen(x->diag), dstatus, sizeof(dstatus), dline, sizeof(dline)) &&
		    st != NULL)
			dstatus[0] = '\0';
	} else {
		dstatus[0] = '\0';
	}
	if (st != NULL)
		fb_find_status(st, strlen(st), x->status, sizeof(x->status), dline, sizeof(dline));
	/* a vague x.0.0 Status gives way to a more precise code of the same class in the diagnostic */
	if (x->status[0] == '\0' || (strcmp(x->status + 1, ".0.0") == 0 && dstatus[0] == x->status[0]))
		if (dstatus[0] != '\0')
			snprintf(x->status, sizeof(x->status), "%s", dstatus);
	x->cls = fb_rcpt_class(x->status, x->action);
}

/* Reads a message/delivery-status part into r; X-Failed-Recipients names a lone recipient without an address. */
static void
read_dsn(GMimeMessage *m, GMimePart *part, struct walk *w, const char *env, struct fb_record *r)
{
	GByteArray *ba = part_bytes(part, FB_TEXT_MAX);
	const char *xfr = hdr(GMIME_OBJECT(m), "X-Failed-Recipients");

	r->kind = FB_DSN;
	r->standard = true;
	if (ba == NULL)
		return;
	each_block((const char *)ba->data, ba->len, dsn_block, r);
	g_byte_array_unref(ba);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && xfr != NULL && strchr(xfr, ',') == NULL)
		field_addr(xfr, &r->rcpt[0].addr);
	if (r->n_rcpt == 1 && r->rcpt[0].addr.len == 0 && w->text != NULL) {
		char *text = g_mime_text_part_get_text(w->text);

		if (text != NULL)
			find_failed(text, text_before_copy(text, strnlen(text, FB_TEXT_MAX)), m, env, &r->rcpt[0].addr);
		g_free(text);
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

/* Finds the first address in n bytes of s that is not the bounce's own. */
static bool
find_failed(const char *s, size_t n, GMimeMessage *m, const char *env, struct bg_addr *out)
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
		    strchr(bg_addr_domain(out), '.') != NULL && !not_the_failed(out, m, env))
			return true;
		i = e;
	}
	memset(out, 0, sizeof(*out));
	return false;
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

/* Reads DSN fields written as text (a report pasted into the body): Final-Recipient and Status lines. */
static bool
inline_fields(const char *s, size_t n, struct fb_rcpt *x)
{
	long f = fb_find_ci(s, n, "\nFinal-Recipient:"), st = fb_find_ci(s, n, "\nStatus:");
	char line[BG_ADDR_MAX + 32], diag[FB_DIAG_MAX + 1];
	size_t e;

	if (f < 0 || st < 0)
		return false;
	for (e = (size_t)f + 1; e < n && s[e] != '\n' && e - (size_t)f < sizeof(line) - 1; e++)
		;
	snprintf(line, sizeof(line), "%.*s", (int)(e - (size_t)f - 17), s + f + 17);
	for (e = (size_t)st + 1; e < n && s[e] != '\n'; e++)
		;
	fb_find_status(s + st + 8, e - (size_t)st - 8, x->status, sizeof(x->status), diag, sizeof(diag));
	return field_addr(line, &x->addr) && x->status[0] != '\0';
}

/* Reads a bounce without a delivery-status part from its text: one recipient, what is found. */
static bool
read_plain_bounce(GMimeMessage *m, struct walk *w, const char *env, struct fb_record *r)
{
	struct fb_rcpt *x = &r->rcpt[0];
	const char *xfr = hdr(GMIME_OBJECT(m), "X-Failed-Recipients");
	char *text = NULL;
	size_t n = 0;

	if (w->text != NULL)
		text = g_mime_text_part_get_text(w->text);
	else if (w->bare != NULL) /* boundary missing: the text is all prologue */
		text = g_strdup(g_mime_multipart_get_prologue(w->bare));
	if (text != NULL) {
		n = strlen(text);
		if (n > FB_TEXT_MAX)
			n = FB_TEXT_MAX;
		n = text_before_copy(text, n);
	}
	memset(x, 0, sizeof(*x));
	if (text != NULL && inline_fields(text, strnlen(text, FB_TEXT_MAX), x))
		xfr = NULL, n = 0; /* the pasted report says it all */
	else if (text != NULL)
		fb_find_status(text, n, x->status, sizeof(x->status), x->diag, sizeof(x->diag));
	if (strncmp(x->status, "5.1.", 4) == 0 && fb_says_full(x->diag, strlen(x->diag)))
		snprintf(x->status, sizeof(x->status), "5.2.2"); /* qmail's "(#5.1.1)" after "over quota" */
	if (x->addr.len == 0 && (xfr == NULL || !field_addr(xfr, &x->addr) || strchr(xfr, ',') != NULL))
		if (text == NULL || !failed_after_rcpt_to(text, n, m, env, &x->addr))
			if (text == NULL || !find_failed(text, n, m, env, &x->addr))
				x->addr.len = 0;
	if (x->addr.len == 0 && w->reported != NULL) {
		GMimeMessage *orig = reported_message(w->reported);

		if (orig != NULL) {
			field_addr(hdr(GMIME_OBJECT(orig), "To"), &x->addr);
			g_object_unref(orig);
		}
	}
	g_free(text);
	if (x->addr.len == 0 && x->status[0] == '\0')
		return false;
	snprintf(x->action, sizeof(x->action), "%s", x->status[0] == '4' ? "delayed" : "failed");
	x->cls = fb_status_class(x->status);
	r->kind = FB_DSN;
	r->n_rcpt = 1;
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
	struct bg_addr v;
	size_t keep = 0;

	if (r->verp == BG_VERP_OK) {
		bg_verp_parse(env->keys, env->rcpt, strlen(env->rcpt), &env->window, &v, NULL);
		for (size_t i = 0; i < r->n_rcpt; i++)
			if (strcasecmp(r->rcpt[i].addr.text, v.text) == 0 ||
			    (keep == 0 && r->rcpt[i].cls != FB_CLASS_NONE))
				keep = i + 1;
		if (r->n_rcpt == 0)
			memset(&r->rcpt[0], 0, sizeof(r->rcpt[0]));
		r->rcpt[0] = r->rcpt[keep > 0 ? keep - 1 : 0];
		r->rcpt[0].addr = v;
		r->rcpt[0].origin = FB_FROM_VERP;
		r->rcpt[0].verp = BG_VERP_OK;
		r->n_rcpt = 1;
		return;
	}
	for (size_t i = 0; i < r->n_rcpt; i++) {
		struct fb_rcpt *x = &r->rcpt[i];

		x->verp = r->verp;
		if (r->verp == BG_VERP_UNNAMED && x->addr.len > 0)
			x->verp =
			    bg_verp_check(env->keys, env->rcpt, strlen(env->rcpt), x->addr.text, &env->window, NULL);
		if (x->verp == BG_VERP_OK)
			x->origin = FB_FROM_VERP_CHECK;
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

/* Classifies a parsed message: ARF, a DSN from the null sender, an unsubscribe mail, a complaint, or the rest. */
static void
classify_message(GMimeMessage *m, const struct fb_envelope *env, struct fb_record *r)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	walk_object(g_mime_message_get_mime_part(m), &w, 0);
	if (w.arf != NULL)
		read_arf(w.arf, &w, env, r);
	else if (w.dsn != NULL && fb_sender_is_null(env->sender))
		read_dsn(m, w.dsn, &w, env->rcpt, r);
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
		out->verp = (int)bg_verp_parse(env->keys, env->rcpt, strlen(env->rcpt), &env->window,
		                               &out->rcpt[0].addr, &out->verp_info);
	memset(&out->rcpt[0], 0, sizeof(out->rcpt[0]));
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
