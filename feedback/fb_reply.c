/*
 * fb_reply.c - a reply to a reply address read into a record, and VERPs found in free text (fb_reply.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_from.h"
#include "bg_verp.h"
#include "fb_reply.h"
#include "fb_text.h"

/* The phrases that ask to unsubscribe (fb_reply.h); "opt out" is read as "optout". */
static const char *const asking[] = {"unsubscribe", "unsub", "remove", "stop", "cancel", "optout", "opt-out"};

/* Copies up to FB_REPLY_LINE_MAX bytes of s as lower-case words separated by one space; punctuation dropped. */
static void
words(const char *s, size_t n, char out[FB_REPLY_LINE_MAX + 1])
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < FB_REPLY_LINE_MAX && o < FB_REPLY_LINE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == ':')
			out[o++] = (char)tolower(c);
		else if (isspace(c) && o > 0 && out[o - 1] != ' ')
			out[o++] = ' ';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Skips one leading word w (followed by a space or the end) of *p; true when it was there. */
static bool
skip_word(const char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*p, w, n) != 0 || ((*p)[n] != ' ' && (*p)[n] != '\0'))
		return false;
	*p += (*p)[n] == ' ' ? n + 1 : n;
	return true;
}

/* Skips the reply and forward prefixes ("re:", "aw:", "fwd:", "fw:", "sv:") at *p. */
static void
skip_prefixes(const char **p)
{
	static const char *const pre[] = {"re:", "aw:", "fwd:", "fw:", "sv:"};
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (skip_word(p, pre[i]))
				again = true;
	}
}

bool
fb_reply_asks(const char *s, size_t n)
{
	char buf[FB_REPLY_LINE_MAX + 1];
	const char *p = buf;

	words(s, n, buf);
	skip_prefixes(&p);
	skip_word(&p, "please");
	if (skip_word(&p, "opt")) {
		if (!skip_word(&p, "out"))
			return false;
	} else {
		bool hit = false;

		for (size_t i = 0; i < sizeof(asking) / sizeof(asking[0]) && !hit; i++)
			hit = skip_word(&p, asking[i]);
		if (!hit)
			return false;
	}
	return *p == '\0' || skip_word(&p, "me");
}

/* Returns the first non-empty line of the n bytes at s that is not quoted ('>'), its length in *len; or NULL. */
static const char *
first_line(const char *s, size_t n, size_t *len)
{
	size_t i = 0;

	while (i < n) {
		size_t e = i;

		while (e < n && s[e] != '\n')
			e++;
		for (size_t k = i; k < e; k++)
			if (!isspace((unsigned char)s[k])) {
				if (s[k] == '>')
					break; /* a quoted line is what was answered, not the answer */
				*len = e - i;
				return s + i;
			}
		i = e + 1;
	}
	return NULL;
}

/* Checks a short-form reply address against the candidate c (untrusted); true when the MAC confirms it. */
static bool
check_candidate(const struct fb_envelope *env, const char *c, struct fb_reply *rp)
{
	struct bg_addr a;
	int st;

	if (c == NULL || bg_addr_normalise(c, strlen(c), BG_ADDR_KEEP_CASE, &a) != BG_ADDR_OK)
		return false;
	st = (int)bg_verp_reply_check(env->keys, env->rcpt, strlen(env->rcpt), a.text, &env->window, &rp->info);
	if (rp->status == BG_VERP_UNNAMED || st == BG_VERP_OK)
		rp->status = st; /* the first candidate's verdict, or any that verifies */
	if (st != BG_VERP_OK)
		return false;
	rp->rcpt = a;
	return true;
}

/* Verifies the reply address env->rcpt: named, or short and confirmed by the envelope sender or the From address. */
static void
verify_address(GMimeMessage *m, const struct fb_envelope *env, struct fb_reply *rp)
{
	const char *from = fb_hdr(GMIME_OBJECT(m), "From");
	struct bg_addr fa;

	rp->status = BG_VERP_NOT_VERP;
	if (env->keys == NULL)
		return;
	rp->status =
	    (int)bg_verp_reply_parse(env->keys, env->rcpt, strlen(env->rcpt), &env->window, &rp->rcpt, &rp->info);
	if (rp->status != BG_VERP_UNNAMED)
		return;
	if (!check_candidate(env, env->sender, rp) && from != NULL && bg_from_parse(from, &fa) == BG_FROM_OK)
		check_candidate(env, fa.text, rp);
	if (rp->status != BG_VERP_OK)
		memset(&rp->rcpt, 0, sizeof(rp->rcpt));
}

void
fb_read_reply(GMimeMessage *m, const struct fb_walk *w, const struct fb_envelope *env, bool machine,
              struct fb_record *r)
{
	const char *subj = fb_hdr(GMIME_OBJECT(m), "Subject"), *line = NULL;
	GByteArray *text = w->text != NULL ? fb_part_bytes(GMIME_PART(w->text), FB_TEXT_MAX) : NULL;
	size_t llen = 0;

	r->kind = FB_REPLY;
	verify_address(m, env, &r->reply);
	if (text != NULL)
		line = first_line((const char *)text->data, text->len, &llen);
	r->reply.asks = !machine && ((subj != NULL && fb_reply_asks(subj, strlen(subj))) ||
	                             (line != NULL && fb_reply_asks(line, llen)));
	r->reply.has_token =
	    !machine && ((subj != NULL && fb_find_token(subj, strlen(subj), env->keys, &r->token)) ||
	                 (text != NULL && fb_find_token((const char *)text->data, text->len, env->keys, &r->token)));
	if (text != NULL)
		g_byte_array_unref(text);
}

/* True for a character of a VERP's local part or domain. */
static bool
verp_char(char c)
{
	return isalnum((unsigned char)c) || (c != '\0' && strchr(".#$&'*+-/=?^_`{|}~@", c) != NULL);
}

bool
fb_find_verp(const char *s, size_t n, const struct fb_envelope *env, struct fb_arf *a)
{
	int tries = 0;

	for (size_t i = 0; env->keys != NULL && i + 3 < n && tries < FB_REPLY_VERP_TRIES; i++) {
		size_t e = i;

		if ((s[i] != 'b' && s[i] != 'B') || (i > 0 && verp_char(s[i - 1])) ||
		    !(s[i + 1] == '-' || (s[i + 1] == '2' && s[i + 2] == '-')))
			continue;
		while (e < n && e - i < BG_ADDR_MAX && verp_char(s[e]))
			e++;
		while (e > i && s[e - 1] == '.')
			e--; /* a sentence's full stop */
		tries++;
		a->verp_status =
		    (int)bg_verp_parse(env->keys, s + i, e - i, &env->window, &a->verp_rcpt, &a->verp_info);
		if (a->verp_status == BG_VERP_OK) {
			const char *at = memchr(s + i, '@', e - i);

			a->verp_domain[0] = '\0';
			if (at != NULL)
				fb_copy_printable(at + 1, (size_t)(s + e - at - 1), a->verp_domain,
				                  sizeof(a->verp_domain));
			for (char *c = a->verp_domain; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			return true;
		}
	}
	memset(&a->verp_rcpt, 0, sizeof(a->verp_rcpt));
	return false;
}
