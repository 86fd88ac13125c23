/*
 * fb_text.c - reading bounce text: status codes and their classes, the phrases MTAs use,
 * auto-reply subjects, the null sender, and tokens in text.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fb_classify.h"
#include "fb_text.h"

#define FB_TOKEN_MIN 70 /* characters of the shortest token */
#define FB_TRIES_MAX 16 /* token candidates tried in one text */

/* Copies n bytes of s into out (len bytes) as printable ASCII on one line, trimmed. */
void
fb_copy_printable(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c < 0x20 || c > 0x7e)
			c = '?';
		if (c == ' ' && o > 0 && out[o - 1] == ' ')
			continue;
		out[o++] = (char)c;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* True when s[i] may precede or follow a status code (not a digit, dot or letter). */
static bool
code_edge(const char *s, size_t n, size_t i)
{
	return i >= n || !(isalnum((unsigned char)s[i]) || s[i] == '.');
}

/* Length of the enhanced status code [45].d{1,3}.d{1,3} at s[i], or 0. */
static size_t
enhanced_at(const char *s, size_t n, size_t i)
{
	size_t j = i + 1, k;

	if (i >= n || (s[i] != '4' && s[i] != '5') || (i > 0 && !code_edge(s, n, i - 1)))
		return 0;
	for (int part = 0; part < 2; part++) {
		if (j >= n || s[j] != '.')
			return 0;
		for (k = ++j; j < n && j - k < 4 && isdigit((unsigned char)s[j]); j++)
			;
		if (j == k || j - k > 3)
			return 0;
	}
	return code_edge(s, n, j) ? j - i : 0;
}

/* Length of an SMTP reply code [45]dd followed by a space or '-' at s[i], or 0. */
static size_t
smtp_at(const char *s, size_t n, size_t i)
{
	if (i + 3 >= n || (s[i] != '4' && s[i] != '5') || !isdigit((unsigned char)s[i + 1]) ||
	    !isdigit((unsigned char)s[i + 2]) || (s[i + 3] != ' ' && s[i + 3] != '-'))
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || strchr(".:/-+#=", s[i - 1]) != NULL))
		return 0;
	return 3;
}

/* Case-insensitive search for needle in n bytes of s; returns its offset or -1. */
long
fb_find_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; m <= n && i <= n - m; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return (long)i;
	return -1;
}

/* True when n bytes of s hold one of the NULL-terminated phrases (without case). */
static bool
says_any(const char *s, size_t n, const char *const *phrases)
{
	for (int i = 0; phrases[i] != NULL; i++)
		if (fb_find_ci(s, n, phrases[i]) >= 0)
			return true;
	return false;
}

/* Phrases that say the mailbox does not exist, when no code says it. */
static bool
says_unknown_user(const char *s, size_t n)
{
	static const char *phrases[] = {"user unknown",        "unknown user",
	                                "no such user",        "does not exist",
	                                "no mailbox here",     "mailbox not found",
	                                "unknown recipient",   "recipient unknown",
	                                "invalid recipient",   "no such recipient",
	                                "mailbox unavailable", "not a valid mailbox",
	                                "address rejected",    "user not found",
	                                "addressee unknown",   "unknown address",
	                                "no such mailbox",     "account has been disabled",
	                                "account is disabled", NULL};

	return says_any(s, n, phrases);
}

/* Phrases that say the message is delayed or expired in the queue: a soft failure. */
static bool
says_expired(const char *s, size_t n)
{
	static const char *phrases[] = {"retry timeout exceeded",
	                                "retry time not reached",
	                                "message expired",
	                                "delivery time expired",
	                                "too long in the queue",
	                                "was not delivered within",
	                                "could not be delivered within",
	                                "delivery expired",
	                                "has been delayed",
	                                "warning message only",
	                                "will be retried",
	                                "delivery delayed",
	                                "still trying",
	                                NULL};

	return says_any(s, n, phrases);
}

bool
fb_subject_auto_reply(const char *subject)
{
	static const char *starts[] = {"automatic reply",
	                               "automatische antwort",
	                               "auto reply",
	                               "auto-reply",
	                               "autoreply",
	                               "auto response",
	                               "auto-response",
	                               "autoresponse",
	                               "automatic response",
	                               "auto:",
	                               "[auto",
	                               "(auto",
	                               "out of office",
	                               "out of the office",
	                               "ooo:",
	                               "abwesend",
	                               "abwesenheit",
	                               "vacation",
	                               "on vacation",
	                               "away from",
	                               "r\xc3\xa9ponse automatique",
	                               "reponse automatique",
	                               "risposta automatica",
	                               "respuesta autom",
	                               "automatisch antwoord",
	                               "resposta autom",
	                               NULL};

	if (subject == NULL)
		return false;
	while (*subject == ' ' || *subject == '\t')
		subject++;
	for (int i = 0; starts[i] != NULL; i++)
		if (strncasecmp(subject, starts[i], strlen(starts[i])) == 0)
			return true;
	return false;
}

/* Phrases that say the mailbox is full. */
bool
fb_says_full(const char *s, size_t n)
{
	static const char *phrases[] = {"over quota",
	                                "quota exceeded",
	                                "mailbox full",
	                                "mailbox is full",
	                                "insufficient storage",
	                                "exceeded storage",
	                                NULL};

	return says_any(s, n, phrases);
}

/*
 * Finds a status in n bytes of s: the first enhanced code, else an SMTP reply
 * code as x.0.0 (5.1.1 when the text says the user is unknown), else 5.1.1
 * or 4.4.7 for a text that says the user is unknown or the message expired.
 * Writes it to status ("" none) and the line it was on to diag. Returns true for an enhanced code found as such.
 */
bool
fb_find_status(const char *s, size_t n, char *status, size_t slen, char *diag, size_t dlen)
{
	size_t i, at = n, k = 0;
	bool smtp = false;

	status[0] = diag[0] = '\0';
	for (i = 0; i < n && at == n; i++)
		if ((k = enhanced_at(s, n, i)) > 0)
			at = i;
	for (i = 0; i < n && at == n; i++)
		if ((k = smtp_at(s, n, i)) > 0)
			at = i, smtp = true;
	if (at == n) {
		if (says_unknown_user(s, n))
			snprintf(status, slen, "5.1.1");
		else if (says_expired(s, n))
			snprintf(status, slen, "4.4.7");
		return false;
	}
	if (smtp)
		snprintf(status, slen, "%c.%s", s[at], s[at] == '5' && says_unknown_user(s, n) ? "1.1" : "0.0");
	else
		snprintf(status, slen, "%.*s", (int)k, s + at);
	for (i = at; i > 0 && s[i - 1] != '\n'; i--)
		;
	for (k = at; k < n && s[k] != '\n'; k++)
		;
	fb_copy_printable(s + i, k - i, diag, dlen);
	return !smtp;
}

/* True for a base64url character. */
static bool
b64url(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Tries the run of len characters at s, and its tails after each '-', as a token. */
static bool
try_run(const char *s, size_t len, const struct bg_token_keys *keys, struct bg_token *out, int *tries)
{
	for (size_t i = 0; i < len && *tries < FB_TRIES_MAX; i++) {
		if (i > 0 && s[i - 1] != '-')
			continue;
		if (len - i < FB_TOKEN_MIN)
			break;
		if (len - i > BG_TOKEN_MAX)
			continue;
		++*tries;
		if (bg_token_open(keys, s + i, len - i, out) == BG_TOKEN_OK)
			return true;
	}
	return false;
}

bool
fb_find_token(const char *s, size_t n, const struct bg_token_keys *keys, struct bg_token *out)
{
	int tries = 0;
	size_t i = 0;

	if (keys == NULL || s == NULL)
		return false;
	while (i < n && tries < FB_TRIES_MAX) {
		size_t start;

		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			i += 3;
			continue;
		}
		if (!b64url(s[i])) {
			i++;
			continue;
		}
		for (start = i; i < n && b64url(s[i]); i++)
			;
		if (try_run(s + start, i - start, keys, out, &tries))
			return true;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

enum fb_class
fb_status_class(const char *s)
{
	int c, sub, det;

	if (s == NULL || sscanf(s, "%d.%d.%d", &c, &sub, &det) != 3)
		return FB_CLASS_NONE;
	if (c == 4)
		return FB_CLASS_SOFT;
	if (c != 5)
		return FB_CLASS_NONE;
	if (sub == 1 && (det == 1 || det == 2 || det == 10))
		return FB_CLASS_BOUNCE;
	return FB_CLASS_HARD;
}

enum fb_class
fb_rcpt_class(const char *status, const char *action)
{
	enum fb_class c = fb_status_class(status);

	if (action == NULL)
		return c;
	if (strcasecmp(action, "delivered") == 0 || strcasecmp(action, "relayed") == 0 ||
	    strcasecmp(action, "expanded") == 0)
		return FB_CLASS_NONE;
	if (strcasecmp(action, "delayed") == 0 && c > FB_CLASS_SOFT)
		return FB_CLASS_SOFT;
	return c;
}

bool
fb_sender_is_null(const char *sender)
{
	return sender != NULL &&
	       (sender[0] == '\0' || strcmp(sender, "<>") == 0 || strcasecmp(sender, "MAILER-DAEMON") == 0);
}
