/*
 * bg_addr.c - the one normal form of an e-mail address (see bg_addr.h).
 *
 * bg_addr_normalise() takes untrusted bytes and either produces the form
 * every program uses as a Redis key or refuses them with a reason. Steps:
 * refuse huge input, trim space and tab, refuse control characters and
 * broken UTF-8, remove balanced angle brackets, drop a source route, split
 * at the last '@' outside quotes, then normalise each side:
 *
 *   local part  dot-atom, or a quoted string unquoted when its content is a
 *               dot-atom and otherwise re-quoted canonically ('"' and '\'
 *               escaped, nothing else); ASCII lower-cased unless
 *               BG_ADDR_KEEP_CASE; other UTF-8 bytes kept as they are.
 *   domain      one trailing dot dropped; an address literal checked with
 *               inet_pton() and written back with inet_ntop(); a name with
 *               non-ASCII or "xn--" labels converted by libidn2 (UTS #46,
 *               non-transitional, NFC); then every label must be 1..63
 *               lower-case LDH characters without a leading or trailing
 *               hyphen. Pure ASCII names skip libidn2, which refuses valid
 *               DNS labels such as "ab--cd".
 *
 * The limits of RFC 5321 4.5.3.1 are applied to the output form. The code
 * never reads outside in[0..len) and does no I/O.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "bg_addr.h"

/* Input longer than this is refused before it is looked at. */
#define BG_ADDR_INPUT_MAX 1024

/* A length-carrying view of part of the input. */
struct span {
	const char *p;
	size_t n;
};

/* Returns a static English text for status. */
const char *
bg_addr_strerror(enum bg_addr_status status)
{
	switch (status) {
	case BG_ADDR_OK:
		return "ok";
	case BG_ADDR_NULL:
		return "null address";
	case BG_ADDR_EMPTY:
		return "empty address";
	case BG_ADDR_TOO_LONG:
		return "address too long";
	case BG_ADDR_CONTROL:
		return "control character in address";
	case BG_ADDR_BRACKETS:
		return "unbalanced angle brackets";
	case BG_ADDR_SYNTAX:
		return "bad local part";
	case BG_ADDR_NO_DOMAIN:
		return "no domain";
	case BG_ADDR_BAD_DOMAIN:
		return "bad domain";
	case BG_ADDR_BAD_UTF8:
		return "invalid UTF-8";
	}
	return "unknown address status";
}

/* Empties out and passes st through, so failures are one-liners. */
static enum bg_addr_status
addr_fail(struct bg_addr *out, enum bg_addr_status st)
{
	out->text[0] = '\0';
	out->len = 0;
	out->at = 0;
	return st;
}

/* Lower-cases the ASCII letters of p[0..n); other bytes are left alone. */
static void
ascii_lower(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
}

/* Drops leading and trailing spaces and tabs from s. */
static void
span_trim(struct span *s)
{
	while (s->n > 0 && (s->p[0] == ' ' || s->p[0] == '\t')) {
		s->p++;
		s->n--;
	}
	while (s->n > 0 && (s->p[s->n - 1] == ' ' || s->p[s->n - 1] == '\t'))
		s->n--;
}

/* Tells whether s holds NUL, another C0 control character or DEL. */
static bool
span_has_control(const struct span *s)
{
	for (size_t i = 0; i < s->n; i++) {
		unsigned char c = (unsigned char)s->p[i];

		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/*
 * Returns the length of the well-formed UTF-8 sequence at p[0..n) that
 * starts with a byte >= 0x80, or 0: no overlong forms, surrogates or code
 * points over U+10FFFF (RFC 3629 section 4).
 */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Tells whether s is well-formed UTF-8 (plain ASCII is). */
static bool
span_utf8_ok(const struct span *s)
{
	const unsigned char *p = (const unsigned char *)s->p;
	size_t i = 0;

	while (i < s->n) {
		size_t len = p[i] < 0x80 ? 1 : utf8_seq_len(p + i, s->n - i);

		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

/* Removes one pair of angle brackets around s; refuses any other '<' '>'. */
static enum bg_addr_status
span_unbracket(struct span *s)
{
	bool open = s->n > 0 && s->p[0] == '<';
	bool close = s->n > 0 && s->p[s->n - 1] == '>';

	if (open != close || (open && s->n < 2))
		return BG_ADDR_BRACKETS;
	if (open) {
		s->p++;
		s->n -= 2;
	}
	if (memchr(s->p, '<', s->n) != NULL || memchr(s->p, '>', s->n) != NULL)
		return BG_ADDR_BRACKETS;
	span_trim(s);
	return BG_ADDR_OK;
}

/* Returns the length of one source-route domain at p[0..n), 0 if none. */
static size_t
route_domain_len(const char *p, size_t n)
{
	size_t i = 0;

	if (n > 0 && p[0] == '[') {
		const char *end = memchr(p, ']', n);

		return end == NULL ? 0 : (size_t)(end - p) + 1;
	}
	while (i < n && strchr("@,:\"\\ []", p[i]) == NULL)
		i++;
	return i;
}

/* Drops an RFC 5321 source route ("@a.example,@b.example:") from s. */
static enum bg_addr_status
span_drop_route(struct span *s)
{
	size_t i = 0;

	if (s->n == 0 || s->p[0] != '@')
		return BG_ADDR_OK;
	for (;;) {
		size_t dlen;

		if (i >= s->n || s->p[i] != '@')
			return BG_ADDR_SYNTAX;
		i++;
		dlen = route_domain_len(s->p + i, s->n - i);
		if (dlen == 0 || i + dlen >= s->n)
			return BG_ADDR_SYNTAX;
		i += dlen;
		if (s->p[i++] == ':')
			break;
		if (s->p[i - 1] != ',')
			return BG_ADDR_SYNTAX;
	}
	s->p += i;
	s->n -= i;
	return BG_ADDR_OK;
}

/* Splits s at its last '@' outside double quotes into local and domain. */
static enum bg_addr_status
span_split(const struct span *s, struct span *local, struct span *domain)
{
	bool quoted = false;
	size_t at = s->n;

	for (size_t i = 0; i < s->n; i++) {
		if (quoted && s->p[i] == '\\')
			i++;
		else if (s->p[i] == '"')
			quoted = !quoted;
		else if (!quoted && s->p[i] == '@')
			at = i;
	}
	if (quoted)
		return BG_ADDR_SYNTAX;
	if (at == s->n || at + 1 == s->n)
		return BG_ADDR_NO_DOMAIN;
	if (at == 0)
		return BG_ADDR_SYNTAX;
	local->p = s->p;
	local->n = at;
	domain->p = s->p + at + 1;
	domain->n = s->n - at - 1;
	return BG_ADDR_OK;
}

/* Tells whether c may appear in an atom (RFC 5322 atext, RFC 6531 UTF-8). */
static bool
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Tells whether p[0..n) is a dot-atom: atoms joined by single dots. */
static bool
is_dot_atom(const char *p, size_t n)
{
	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.' ? p[i + 1] == '.' : !is_atext((unsigned char)p[i]))
			return false;
	}
	return true;
}

/*
 * Unquotes the quoted string s ("..." with quoted pairs, RFC 5321 qtextSMTP
 * plus RFC 6531 UTF-8) into buf, which holds at least s->n bytes; returns
 * the content length, or (size_t)-1 when s is not one well-formed string.
 */
static size_t
unquote(const struct span *s, char *buf)
{
	size_t len = 0;

	if (s->n < 2 || s->p[0] != '"' || s->p[s->n - 1] != '"')
		return (size_t)-1;
	for (size_t i = 1; i < s->n - 1; i++) {
		unsigned char c = (unsigned char)s->p[i];

		if (c == '"')
			return (size_t)-1;
		if (c == '\\') {
			if (++i == s->n - 1 || (unsigned char)s->p[i] >= 0x80)
				return (size_t)-1;
			c = (unsigned char)s->p[i];
		}
		buf[len++] = (char)c;
	}
	return len;
}

/* Writes content as a canonical quoted string into buf; returns its length. */
static size_t
requote(const char *content, size_t n, char *buf)
{
	size_t len = 0;

	buf[len++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (content[i] == '"' || content[i] == '\\')
			buf[len++] = '\\';
		buf[len++] = content[i];
	}
	buf[len++] = '"';
	return len;
}

/* Normalises the local part s into out->text; sets out->len. */
static enum bg_addr_status
local_normalise(const struct span *s, unsigned flags, struct bg_addr *out)
{
	char content[BG_ADDR_INPUT_MAX], quoted[2 * BG_ADDR_INPUT_MAX + 2];
	const char *p = s->p;
	size_t n = s->n;

	if (s->p[0] == '"') {
		n = unquote(s, content);
		if (n == 0 || n == (size_t)-1)
			return BG_ADDR_SYNTAX;
		p = content;
		if (!is_dot_atom(p, n)) {
			n = requote(content, n, quoted);
			p = quoted;
		}
	} else if (!is_dot_atom(p, n)) {
		return BG_ADDR_SYNTAX;
	}
	if (n > BG_ADDR_LOCAL_MAX)
		return BG_ADDR_TOO_LONG;
	memcpy(out->text, p, n);
	if (!(flags & BG_ADDR_KEEP_CASE))
		ascii_lower(out->text, n);
	out->len = n;
	return BG_ADDR_OK;
}

/* Checks that the ASCII domain p[0..n) is lower-case LDH labels of 1..63. */
static enum bg_addr_status
domain_check_ldh(const char *p, size_t n)
{
	size_t start = 0;

	if (n > BG_ADDR_DOMAIN_MAX)
		return BG_ADDR_TOO_LONG;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '.') {
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
			      p[i] == '-'))
				return BG_ADDR_BAD_DOMAIN;
			continue;
		}
		if (i == start || i - start > 63 || p[start] == '-' || p[i - 1] == '-')
			return BG_ADDR_BAD_DOMAIN;
		start = i + 1;
	}
	return BG_ADDR_OK;
}

/* Tells whether the domain p[0..n) needs libidn2: non-ASCII or an A-label. */
static bool
domain_needs_idna(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80)
			return true;
		if ((i == 0 || p[i - 1] == '.') && n - i >= 4 && strncmp(p + i, "xn--", 4) == 0)
			return true;
	}
	return false;
}

/* Converts the lower-cased domain name in buf to its A-label form, in place. */
static enum bg_addr_status
domain_idna(char *buf, size_t cap)
{
	uint8_t *alabel = NULL;
	size_t len;
	int rc;

	rc = idn2_lookup_u8((const uint8_t *)buf, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		idn2_free(alabel);
		return rc == IDN2_TOO_BIG_DOMAIN ? BG_ADDR_TOO_LONG : BG_ADDR_BAD_DOMAIN;
	}
	len = strlen((const char *)alabel);
	if (len >= cap) {
		idn2_free(alabel);
		return BG_ADDR_TOO_LONG;
	}
	memcpy(buf, alabel, len + 1);
	idn2_free(alabel);
	return BG_ADDR_OK;
}

/* Normalises an address literal ("[192.0.2.1]", "[IPv6:...]") into buf. */
static enum bg_addr_status
domain_literal(const struct span *s, char *buf, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	int af = AF_INET;
	size_t skip = 1;

	if (s->n < 3 || s->p[s->n - 1] != ']')
		return BG_ADDR_BAD_DOMAIN;
	if (s->n > 6 && strncasecmp(s->p + 1, "IPv6:", 5) == 0) {
		af = AF_INET6;
		skip = 6;
	}
	if (s->n - skip - 1 >= sizeof(addr))
		return BG_ADDR_BAD_DOMAIN;
	memcpy(addr, s->p + skip, s->n - skip - 1);
	addr[s->n - skip - 1] = '\0';
	if (inet_pton(af, addr, bin) != 1 || inet_ntop(af, bin, addr, sizeof(addr)) == NULL)
		return BG_ADDR_BAD_DOMAIN;
	if (snprintf(buf, cap, "[%s%s]", af == AF_INET6 ? "ipv6:" : "", addr) >= (int)cap)
		return BG_ADDR_TOO_LONG;
	return BG_ADDR_OK;
}

/* Normalises the domain s into buf (cap bytes, NUL-terminated). */
static enum bg_addr_status
domain_normalise(const struct span *s, char *buf, size_t cap)
{
	struct span d = *s;
	enum bg_addr_status st;

	if (d.p[0] == '[')
		return domain_literal(&d, buf, cap);
	if (d.p[d.n - 1] == '.')
		d.n--;
	if (d.n == 0 || d.n >= cap)
		return d.n == 0 ? BG_ADDR_BAD_DOMAIN : BG_ADDR_TOO_LONG;
	memcpy(buf, d.p, d.n);
	buf[d.n] = '\0';
	ascii_lower(buf, d.n);
	if (domain_needs_idna(buf, d.n) && (st = domain_idna(buf, cap)) != BG_ADDR_OK)
		return st;
	return domain_check_ldh(buf, strlen(buf));
}

/* Joins the normalised local part in out->text with the domain. */
static enum bg_addr_status
addr_join(struct bg_addr *out, const char *domain)
{
	size_t dlen = strlen(domain);

	if (out->len + 1 + dlen > BG_ADDR_MAX)
		return BG_ADDR_TOO_LONG;
	out->at = out->len;
	out->text[out->len++] = '@';
	memcpy(out->text + out->len, domain, dlen + 1);
	out->len += dlen;
	return BG_ADDR_OK;
}

/* Checks the whole input and strips what surrounds the mailbox. */
static enum bg_addr_status
addr_unwrap(struct span *s)
{
	enum bg_addr_status st;

	span_trim(s);
	if (span_has_control(s))
		return BG_ADDR_CONTROL;
	if (!span_utf8_ok(s))
		return BG_ADDR_BAD_UTF8;
	if (s->n == 0)
		return BG_ADDR_EMPTY;
	if ((st = span_unbracket(s)) != BG_ADDR_OK)
		return st;
	if (s->n == 0)
		return BG_ADDR_NULL;
	return span_drop_route(s);
}

/* Normalises in[0..len) into out; see bg_addr.h for the contract. */
enum bg_addr_status
bg_addr_normalise(const char *in, size_t len, unsigned flags, struct bg_addr *out)
{
	char domain[2 * BG_ADDR_DOMAIN_MAX];
	struct span s = {in, len}, local, dom;
	enum bg_addr_status st;

	addr_fail(out, BG_ADDR_OK);
	if (len > BG_ADDR_INPUT_MAX)
		return BG_ADDR_TOO_LONG;
	if (len == 0)
		return BG_ADDR_EMPTY;
	st = addr_unwrap(&s);
	if (st == BG_ADDR_NULL && !(flags & BG_ADDR_ALLOW_NULL))
		st = BG_ADDR_EMPTY;
	if (st != BG_ADDR_OK)
		return st;
	if ((st = span_split(&s, &local, &dom)) != BG_ADDR_OK ||
	    (st = local_normalise(&local, flags, out)) != BG_ADDR_OK ||
	    (st = domain_normalise(&dom, domain, sizeof(domain))) != BG_ADDR_OK ||
	    (st = addr_join(out, domain)) != BG_ADDR_OK)
		return addr_fail(out, st);
	return BG_ADDR_OK;
}

/* Returns the text after the '@', or "" for a null address. */
const char *
bg_addr_domain(const struct bg_addr *a)
{
	return a->len == 0 ? a->text : a->text + a->at + 1;
}

/*
 * Finds the text after the first delim in the local part. A quoted local
 * part has none (the delimiter could be quoted), nor has one that starts
 * with delim, which would leave the base empty.
 */
bool
bg_addr_extension(const struct bg_addr *a, char delim, const char **ext, size_t *extlen)
{
	const char *d;

	if (a->len == 0 || delim == '\0' || delim == '@' || a->text[0] == '"')
		return false;
	d = memchr(a->text, delim, a->at);
	if (d == NULL || d == a->text || d + 1 == a->text + a->at)
		return false;
	*ext = d + 1;
	*extlen = (size_t)(a->text + a->at - *ext);
	return true;
}

/* Copies a into base without its extension; base may be a. */
void
bg_addr_strip_extension(const struct bg_addr *a, char delim, struct bg_addr *base)
{
	const char *ext;
	size_t extlen, cut = 0;

	if (bg_addr_extension(a, delim, &ext, &extlen))
		cut = extlen + 1;
	memmove(base->text, a->text, a->at - cut);
	memmove(base->text + a->at - cut, a->text + a->at, a->len - a->at + 1);
	base->len = a->len - cut;
	base->at = a->at - cut;
}

/* True for the domains that follow Gmail's address rules. */
static bool
gmail_domain(const char *domain)
{
	return strcmp(domain, "gmail.com") == 0 || strcmp(domain, "googlemail.com") == 0;
}

/* The base address of a variant; see bg_addr.h. */
bool
bg_addr_base(const struct bg_addr *a, char delim, struct bg_addr *base)
{
	static const char gmail[] = "@gmail.com";
	size_t n = 0;

	if (a->len == 0 || a->text[0] == '"' || !gmail_domain(bg_addr_domain(a))) {
		bg_addr_strip_extension(a, delim, base);
		return strcmp(base->text, a->text) != 0;
	}
	bg_addr_strip_extension(a, '+', base);
	for (size_t i = 0; i < base->at; i++)
		if (base->text[i] != '.')
			base->text[n++] = base->text[i];
	if (n == 0) /* a local part of dots only cannot be normalised: never here */
		n = base->at;
	ascii_lower(base->text, n);
	memcpy(base->text + n, gmail, sizeof(gmail));
	base->at = n;
	base->len = n + sizeof(gmail) - 1;
	return strcmp(base->text, a->text) != 0;
}
