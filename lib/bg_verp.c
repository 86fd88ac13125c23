/*
 * bg_verp.c - VERP return paths with a recipient MAC (see bg_verp.h).
 *
 * Making a VERP picks the named form when the recipient fits it, else the
 * short form, and passes the result through bg_addr_normalise so only valid
 * addresses leave. Reading one recognises the prefix and MAC by shape,
 * rebuilds the recipient from the named form and checks the MAC under every
 * key of the file with a constant-time compare.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bg_verp.h"

#define PREFIX          "b-"
#define PREFIX_LEN      2
#define HEAD_LEN        (PREFIX_LEN + BG_VERP_MAC_CHARS) /* "b-" and the MAC */
#define NAMED_LOCAL_MAX 64
#define KDF_CTX         "bgverp01"
#define KDF_ID          1

_Static_assert(crypto_auth_hmacsha512256_KEYBYTES == 32, "HMAC key size");

/* ASCII lower case, leaving other bytes alone. */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Writes the 8 base32 characters of the MAC of rcpt (len bytes) under key n of keys; 0 or -1. */
static int
mac_chars(const struct bg_token_keys *keys, size_t n, const char *rcpt, size_t len, char mac[BG_VERP_MAC_CHARS])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char key[crypto_auth_hmacsha512256_KEYBYTES], h[crypto_auth_hmacsha512256_BYTES];
	unsigned char low[BG_ADDR_MAX];
	uint64_t v = 0;

	if (len > sizeof(low) || bg_token_keys_derive(keys, n, KDF_CTX, KDF_ID, key, sizeof(key)) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		low[i] = (unsigned char)lower(rcpt[i]);
	crypto_auth_hmacsha512256(h, low, len, key);
	sodium_memzero(key, sizeof(key));
	for (int i = 0; i < 5; i++)
		v = v << 8 | h[i];
	for (int i = 0; i < BG_VERP_MAC_CHARS; i++)
		mac[i] = b32[(v >> (35 - 5 * i)) & 31];
	return 0;
}

/* True when mac (8 lower-case characters) is the MAC of rcpt under any key of keys. */
static bool
mac_matches(const struct bg_token_keys *keys, const char *rcpt, size_t len, const char *mac)
{
	char want[BG_VERP_MAC_CHARS];
	size_t n = bg_token_keys_count(keys, NULL);
	bool ok = false;

	for (size_t i = 0; i < n; i++)
		if (mac_chars(keys, i, rcpt, len, want) == 0 && sodium_memcmp(want, mac, sizeof(want)) == 0)
			ok = true;
	return ok;
}

/* True for a character the named form carries as it is. */
static bool
named_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr(".#$&'*+-/=?^_`{|}~", c) != NULL);
}

/* True when the normalised recipient r fits the named form. */
static bool
named_fits(const struct bg_addr *r)
{
	const char *dom = bg_addr_domain(r);

	if (HEAD_LEN + 1 + r->len > NAMED_LOCAL_MAX || dom[0] == '[')
		return false;
	for (size_t i = 0; i < r->at; i++)
		if (!named_char(r->text[i]))
			return false;
	return true;
}

/* Writes the named form of r into buf, or the short form when r is NULL; returns what snprintf does. */
static int
write_verp(char *buf, size_t size, const char *mac, const struct bg_addr *r, const char *domain)
{
	if (r == NULL)
		return snprintf(buf, size, PREFIX "%.8s@%s", mac, domain);
	return snprintf(buf, size, PREFIX "%.8s-%.*s=%s@%s", mac, (int)r->at, r->text, bg_addr_domain(r), domain);
}

/* Normalises the n bytes of buf (a VERP just written) into v; false when it is no address or n < 0. */
static bool
finish(const char *buf, int n, size_t size, struct bg_addr *v)
{
	return n > 0 && (size_t)n < size && bg_addr_normalise(buf, (size_t)n, BG_ADDR_KEEP_CASE, v) == BG_ADDR_OK;
}

int
bg_verp_make(const struct bg_token_keys *keys, const char *recipient, const char *domain, char *out, size_t outlen)
{
	struct bg_addr r, v;
	char mac[BG_VERP_MAC_CHARS], buf[2 * BG_ADDR_MAX + 64];
	size_t dlen = strnlen(domain, BG_ADDR_DOMAIN_MAX + 1);

	if (bg_addr_normalise(recipient, strlen(recipient), BG_ADDR_KEEP_CASE, &r) != BG_ADDR_OK || dlen == 0 ||
	    dlen > BG_ADDR_DOMAIN_MAX || mac_chars(keys, 0, r.text, r.len, mac) < 0) {
		errno = EINVAL;
		return -1;
	}
	/* a named form may still make the whole address too long: then the short form */
	if (!(named_fits(&r) && finish(buf, write_verp(buf, sizeof(buf), mac, &r, domain), sizeof(buf), &v)) &&
	    !finish(buf, write_verp(buf, sizeof(buf), mac, NULL, domain), sizeof(buf), &v)) {
		errno = EINVAL;
		return -1;
	}
	if (v.len >= outlen) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(out, v.text, v.len + 1);
	return (int)v.len;
}

/* True for a character of the lower-case base32 alphabet. */
static bool
b32_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/*
 * Recognises the prefix of the normalised address v: copies the MAC, lower-cased,
 * to mac and points *rest at the recipient of a named form (*restlen 0 for the short form).
 */
static enum bg_verp_status
split(const struct bg_addr *v, char *mac, const char **rest, size_t *restlen)
{
	if (v->at < HEAD_LEN || lower(v->text[0]) != 'b' || v->text[1] != '-')
		return BG_VERP_NOT_VERP;
	for (int i = 0; i < BG_VERP_MAC_CHARS; i++)
		if (!b32_char(mac[i] = lower(v->text[PREFIX_LEN + i])))
			return BG_VERP_NOT_VERP;
	if (v->at == HEAD_LEN) {
		*rest = NULL;
		*restlen = 0;
		return BG_VERP_UNNAMED;
	}
	if (v->text[HEAD_LEN] != '-')
		return BG_VERP_NOT_VERP;
	*rest = v->text + HEAD_LEN + 1;
	*restlen = v->at - HEAD_LEN - 1;
	return BG_VERP_OK;
}

/* Rebuilds the recipient "local@domain" from "local=domain" (len bytes) into r. */
static enum bg_verp_status
named_recipient(const char *rest, size_t len, struct bg_addr *r)
{
	char buf[NAMED_LOCAL_MAX + 1];
	const char *eq = NULL;

	for (size_t i = 0; i < len; i++)
		if (rest[i] == '=')
			eq = rest + i;
	if (eq == NULL || eq == rest || eq == rest + len - 1 || len >= sizeof(buf))
		return BG_VERP_MALFORMED;
	memcpy(buf, rest, len);
	buf[eq - rest] = '@';
	if (bg_addr_normalise(buf, len, BG_ADDR_KEEP_CASE, r) != BG_ADDR_OK)
		return BG_VERP_MALFORMED;
	return BG_VERP_OK;
}

/* Normalises verp and splits it; the common first step of parse and check. */
static enum bg_verp_status
read_verp(const char *verp, size_t len, struct bg_addr *v, char *mac, const char **rest, size_t *restlen)
{
	if (bg_addr_normalise(verp, len, BG_ADDR_KEEP_CASE, v) != BG_ADDR_OK)
		return BG_VERP_NOT_VERP;
	return split(v, mac, rest, restlen);
}

enum bg_verp_status
bg_verp_parse(const struct bg_token_keys *keys, const char *verp, size_t len, struct bg_addr *recipient_out)
{
	struct bg_addr v;
	char mac[BG_VERP_MAC_CHARS];
	const char *rest;
	size_t restlen;
	enum bg_verp_status st;

	memset(recipient_out, 0, sizeof(*recipient_out));
	if ((st = read_verp(verp, len, &v, mac, &rest, &restlen)) != BG_VERP_OK)
		return st;
	if ((st = named_recipient(rest, restlen, recipient_out)) == BG_VERP_OK &&
	    !mac_matches(keys, recipient_out->text, recipient_out->len, mac))
		st = BG_VERP_BAD_MAC;
	if (st != BG_VERP_OK)
		memset(recipient_out, 0, sizeof(*recipient_out));
	return st;
}

enum bg_verp_status
bg_verp_check(const struct bg_token_keys *keys, const char *verp, size_t len, const char *recipient)
{
	struct bg_addr v, r, named;
	char mac[BG_VERP_MAC_CHARS];
	const char *rest;
	size_t restlen;
	enum bg_verp_status st = read_verp(verp, len, &v, mac, &rest, &restlen);

	if (st != BG_VERP_OK && st != BG_VERP_UNNAMED)
		return st;
	if (bg_addr_normalise(recipient, strlen(recipient), BG_ADDR_KEEP_CASE, &r) != BG_ADDR_OK)
		return BG_VERP_MALFORMED;
	if (st == BG_VERP_OK) {
		if ((st = named_recipient(rest, restlen, &named)) != BG_VERP_OK)
			return st;
		if (named.len != r.len || strncasecmp(named.text, r.text, r.len) != 0)
			return BG_VERP_BAD_MAC;
	}
	return mac_matches(keys, r.text, r.len, mac) ? BG_VERP_OK : BG_VERP_BAD_MAC;
}

const char *
bg_verp_strerror(enum bg_verp_status status)
{
	switch (status) {
	case BG_VERP_OK: return "verp ok";
	case BG_VERP_UNNAMED: return "verp names no recipient";
	case BG_VERP_NOT_VERP: return "not a verp address";
	case BG_VERP_MALFORMED: return "malformed verp address";
	case BG_VERP_BAD_MAC: return "verp mac does not match (forged or altered)";
	}
	return "unknown verp status";
}
