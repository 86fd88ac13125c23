/*
 * bg_verp.c - VERP return paths with a MAC over recipient, entity tag and day (see bg_verp.h).
 *
 * Making a VERP (always version 2) picks the named form when the recipient
 * fits it, else the short form, and passes the result through
 * bg_addr_normalise so only valid addresses leave. Reading one recognises
 * the version by its prefix, the day, MAC and tag by shape, rebuilds the
 * recipient from the named form, checks the MAC under every key of the file
 * with a constant-time compare, and only then the window.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bg_verp.h"

#define V1_PREFIX_LEN   2                                                       /* "b-" */
#define V1_HEAD         (V1_PREFIX_LEN + BG_VERP_MAC_CHARS)                     /* "b-" and the MAC */
#define V2_PREFIX_LEN   3                                                       /* "b2-" */
#define V2_FIXED        (V2_PREFIX_LEN + BG_VERP_DAY_CHARS + BG_VERP_MAC_CHARS) /* before the tag */
#define NAMED_LOCAL_MAX 64
#define KDF_ID          1

_Static_assert(crypto_auth_hmacsha512256_KEYBYTES == 32, "HMAC key size");

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* A VERP read by shape, before any MAC is checked. */
struct shape {
	struct bg_addr v; /* the VERP, normalised, case kept */
	int version;
	char day[BG_VERP_DAY_CHARS]; /* version 2, lower case */
	char mac[BG_VERP_MAC_CHARS]; /* lower case */
	char tag[BG_VERP_TAG_MAX + 1];
	const char *rest; /* named form: "local=domain" inside v; NULL for the short form */
	size_t restlen;
	bool reply; /* a reply address ("r2-", its own KDF context), not a VERP */
};

/* ASCII lower case, leaving other bytes alone. */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True for a character of the lower-case base32 alphabet. */
static bool
b32_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

/* The value of base32 character c (lower case, valid). */
static unsigned
b32_value(char c)
{
	return c >= 'a' ? (unsigned)(c - 'a') : (unsigned)(c - '2' + 26);
}

long
bg_verp_day(time_t t)
{
	return t > 0 ? (long)(t / 86400) : 0;
}

void
bg_verp_window_set(struct bg_verp_window *w, time_t now, long max_age_seconds, time_t upgrade)
{
	w->today = bg_verp_day(now);
	w->max_age = max_age_seconds / 86400;
	w->v1_last_day = upgrade > 0 ? bg_verp_day(upgrade) + w->max_age : -1;
}

bool
bg_verp_tag_valid(const char *tag)
{
	size_t n = strnlen(tag, BG_VERP_TAG_MAX + 1);

	if (n == 0 || n > BG_VERP_TAG_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= '0' && tag[i] <= '9')))
			return false;
	return true;
}

void
bg_verp_tag_default(const char *name, char out[BG_VERP_TAG_MAX + 1])
{
	unsigned char h[crypto_generichash_BYTES];
	uint32_t v;

	if (sodium_init() < 0)
		abort(); /* can't happen: libsodium starts or nothing works */
	crypto_generichash(h, sizeof(h), (const unsigned char *)name, strlen(name), NULL, 0);
	v = (uint32_t)h[0] << 12 | (uint32_t)h[1] << 4 | h[2] >> 4;
	for (int i = 0; i < 4; i++)
		out[i] = b32[(v >> (15 - 5 * i)) & 31];
	out[4] = '\0';
}

/*
 * Writes the 8 base32 characters of the MAC, under key n of keys in KDF
 * context ctx, of head (hlen bytes, as it is) and rcpt (len bytes, lower-cased); 0 or -1.
 */
static int
mac_chars(const struct bg_token_keys *keys, size_t n, const char *ctx, const char *head, size_t hlen, const char *rcpt,
          size_t len, char mac[BG_VERP_MAC_CHARS])
{
	unsigned char key[crypto_auth_hmacsha512256_KEYBYTES], h[crypto_auth_hmacsha512256_BYTES];
	unsigned char low[BG_ADDR_MAX];
	crypto_auth_hmacsha512256_state st;
	uint64_t v = 0;

	if (len > sizeof(low) || bg_token_keys_derive(keys, n, ctx, KDF_ID, key, sizeof(key)) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		low[i] = (unsigned char)lower(rcpt[i]);
	crypto_auth_hmacsha512256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)head, hlen);
	crypto_auth_hmacsha512256_update(&st, low, len);
	crypto_auth_hmacsha512256_final(&st, h);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	for (int i = 0; i < 5; i++)
		v = v << 8 | h[i];
	for (int i = 0; i < BG_VERP_MAC_CHARS; i++)
		mac[i] = b32[(v >> (35 - 5 * i)) & 31];
	return 0;
}

/* Writes into head what version 2's MAC covers before the recipient, "<day><tag>:"; returns its length. */
static size_t
v2_head(const char *day, const char *tag, char head[BG_VERP_DAY_CHARS + BG_VERP_TAG_MAX + 2])
{
	size_t t = strlen(tag);

	memcpy(head, day, BG_VERP_DAY_CHARS);
	memcpy(head + BG_VERP_DAY_CHARS, tag, t);
	head[BG_VERP_DAY_CHARS + t] = ':';
	return BG_VERP_DAY_CHARS + t + 1;
}

/* The MAC of the VERP shape s for rcpt (len bytes) under key n; 0 or -1. */
static int
shape_mac(const struct bg_token_keys *keys, size_t n, const struct shape *s, const char *rcpt, size_t len,
          char mac[BG_VERP_MAC_CHARS])
{
	char head[BG_VERP_DAY_CHARS + BG_VERP_TAG_MAX + 2];

	if (s->version == 1)
		return mac_chars(keys, n, "bgverp01", "", 0, rcpt, len, mac);
	return mac_chars(keys, n, s->reply ? "bgrply02" : "bgverp02", head, v2_head(s->day, s->tag, head), rcpt, len,
	                 mac);
}

/* True when the MAC of s is the MAC of rcpt under any key of keys. */
static bool
mac_matches(const struct bg_token_keys *keys, const struct shape *s, const char *rcpt, size_t len)
{
	char want[BG_VERP_MAC_CHARS];
	size_t n = bg_token_keys_count(keys, NULL);
	bool ok = false;

	for (size_t i = 0; i < n; i++)
		if (shape_mac(keys, i, s, rcpt, len, want) == 0 && sodium_memcmp(want, s->mac, sizeof(want)) == 0)
			ok = true;
	return ok;
}

/* Writes day as 4 base32 characters. */
static void
day_chars(long day, char out[BG_VERP_DAY_CHARS])
{
	for (int i = 0; i < BG_VERP_DAY_CHARS; i++)
		out[i] = b32[(day >> (15 - 5 * i)) & 31];
}

/* Reads 4 base32 characters (lower case, valid) as a day. */
static long
day_value(const char day[BG_VERP_DAY_CHARS])
{
	long v = 0;

	for (int i = 0; i < BG_VERP_DAY_CHARS; i++)
		v = v << 5 | (long)b32_value(day[i]);
	return v;
}

/* True for a character the named form carries as it is. */
static bool
named_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr(".#$&'*+-/=?^_`{|}~", c) != NULL);
}

/* True when the normalised recipient r fits the named form after a head of head octets. */
static bool
named_fits(const struct bg_addr *r, size_t head)
{
	const char *dom = bg_addr_domain(r);

	if (head + r->len > NAMED_LOCAL_MAX || dom[0] == '[')
		return false;
	for (size_t i = 0; i < r->at; i++)
		if (!named_char(r->text[i]))
			return false;
	return true;
}

/* Writes the named form of r into buf, or the short form when r is NULL; returns what snprintf does. */
static int
write_verp(char *buf, size_t size, const struct shape *s, const struct bg_addr *r, const char *domain)
{
	char p = s->reply ? 'r' : 'b';

	if (r == NULL)
		return snprintf(buf, size, "%c2-%.4s%.8s%s@%s", p, s->day, s->mac, s->tag, domain);
	return snprintf(buf, size, "%c2-%.4s%.8s%s-%.*s=%s@%s", p, s->day, s->mac, s->tag, (int)r->at, r->text,
	                bg_addr_domain(r), domain);
}

/* Normalises the n bytes of buf (a VERP just written) into v; false when it is no address or n < 0. */
static bool
finish(const char *buf, int n, size_t size, struct bg_addr *v)
{
	return n > 0 && (size_t)n < size && bg_addr_normalise(buf, (size_t)n, BG_ADDR_KEEP_CASE, v) == BG_ADDR_OK;
}

/* Makes a VERP, or with reply a reply address: bg_verp_make and bg_verp_reply_make. */
static enum bg_verp_status
make_any(const struct bg_token_keys *keys, const char *recipient, const char *tag, long day, const char *domain,
         char *out, size_t outlen, bool reply)
{
	struct bg_addr r, v;
	struct shape s = {.version = 2, .reply = reply};
	char buf[2 * BG_ADDR_MAX + 64];
	size_t dlen = strnlen(domain, BG_ADDR_DOMAIN_MAX + 1), head = V2_FIXED + strlen(tag) + 1;

	if (!bg_verp_tag_valid(tag) || day < 0 || day > BG_VERP_DAY_MAX ||
	    bg_addr_normalise(recipient, strlen(recipient), BG_ADDR_KEEP_CASE, &r) != BG_ADDR_OK || dlen == 0 ||
	    dlen > BG_ADDR_DOMAIN_MAX)
		return BG_VERP_REFUSED;
	day_chars(day, s.day);
	memcpy(s.tag, tag, strlen(tag) + 1);
	if (shape_mac(keys, 0, &s, r.text, r.len, s.mac) < 0)
		return BG_VERP_REFUSED;
	/* a named form may still make the whole address too long: then the short form */
	if (!(named_fits(&r, head) && finish(buf, write_verp(buf, sizeof(buf), &s, &r, domain), sizeof(buf), &v)) &&
	    !finish(buf, write_verp(buf, sizeof(buf), &s, NULL, domain), sizeof(buf), &v))
		return BG_VERP_REFUSED;
	if (v.len >= outlen)
		return BG_VERP_NO_ROOM;
	memcpy(out, v.text, v.len + 1);
	return BG_VERP_OK;
}

enum bg_verp_status
bg_verp_make(const struct bg_token_keys *keys, const char *recipient, const char *tag, long day, const char *domain,
             char *out, size_t outlen)
{
	return make_any(keys, recipient, tag, day, domain, out, outlen, false);
}

enum bg_verp_status
bg_verp_reply_make(const struct bg_token_keys *keys, const char *recipient, const char *tag, long day,
                   const char *domain, char *out, size_t outlen)
{
	return make_any(keys, recipient, tag, day, domain, out, outlen, true);
}

/* Copies n base32 characters from src, lower-cased, to dst; false when one is not base32. */
static bool
copy_b32(char *dst, const char *src, int n)
{
	for (int i = 0; i < n; i++)
		if (!b32_char(dst[i] = lower(src[i])))
			return false;
	return true;
}

/* Points s->rest at the recipient after the head of h octets (named form), or NULL at the '@' (short form). */
static enum bg_verp_status
split_rest(struct shape *s, size_t h)
{
	if (s->v.at == h) {
		s->rest = NULL;
		s->restlen = 0;
		return BG_VERP_UNNAMED;
	}
	if (s->v.text[h] != '-')
		return BG_VERP_NOT_VERP;
	s->rest = s->v.text + h + 1;
	s->restlen = s->v.at - h - 1;
	return BG_VERP_OK;
}

/* Reads version 1: "b-" and the MAC. */
static enum bg_verp_status
split_v1(struct shape *s)
{
	if (s->v.at < V1_HEAD || !copy_b32(s->mac, s->v.text + V1_PREFIX_LEN, BG_VERP_MAC_CHARS))
		return BG_VERP_NOT_VERP;
	s->version = 1;
	return split_rest(s, V1_HEAD);
}

/* Reads version 2: "b2-", the day, the MAC and the tag. */
static enum bg_verp_status
split_v2(struct shape *s)
{
	const char *t = s->v.text + V2_FIXED;
	size_t n = 0;

	if (s->v.at < V2_FIXED + 1 || !copy_b32(s->day, s->v.text + V2_PREFIX_LEN, BG_VERP_DAY_CHARS) ||
	    !copy_b32(s->mac, s->v.text + V2_PREFIX_LEN + BG_VERP_DAY_CHARS, BG_VERP_MAC_CHARS))
		return BG_VERP_NOT_VERP;
	for (; V2_FIXED + n < s->v.at && t[n] != '-'; n++) {
		if (n == BG_VERP_TAG_MAX)
			return BG_VERP_NOT_VERP;
		s->tag[n] = lower(t[n]);
	}
	s->tag[n] = '\0';
	if (!bg_verp_tag_valid(s->tag))
		return BG_VERP_NOT_VERP;
	s->version = 2;
	return split_rest(s, V2_FIXED + n);
}

/*
 * Normalises verp into s and reads its shape: BG_VERP_OK (named), UNNAMED
 * (short) or NOT_VERP. With reply only a reply address ("r2-") is read, else
 * only a VERP: neither passes for the other.
 */
static enum bg_verp_status
read_shape(const char *verp, size_t len, struct shape *s, bool reply)
{
	memset(s, 0, sizeof(*s));
	s->reply = reply;
	if (bg_addr_normalise(verp, len, BG_ADDR_KEEP_CASE, &s->v) != BG_ADDR_OK || s->v.at < 3 ||
	    lower(s->v.text[0]) != (reply ? 'r' : 'b'))
		return BG_VERP_NOT_VERP;
	if (reply)
		return s->v.text[1] == '2' && s->v.text[2] == '-' ? split_v2(s) : BG_VERP_NOT_VERP;
	if (s->v.text[1] == '-')
		return split_v1(s);
	if (s->v.text[1] == '2' && s->v.at > 2 && s->v.text[2] == '-')
		return split_v2(s);
	return BG_VERP_NOT_VERP;
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

/* Fills *info (when wanted) from the shape s. */
static void
fill_info(const struct shape *s, struct bg_verp_info *info)
{
	if (info == NULL)
		return;
	memset(info, 0, sizeof(*info));
	info->version = s->version;
	info->day = -1;
	if (s->version == 2) {
		memcpy(info->tag, s->tag, sizeof(info->tag));
		info->day = day_value(s->day);
	}
}

/* BG_VERP_OK when the VERP shape s (its MAC good) is within window w, else BG_VERP_EXPIRED. */
static enum bg_verp_status
in_window(const struct shape *s, const struct bg_verp_window *w)
{
	long day;

	if (s->version == 1)
		return w->v1_last_day >= 0 && w->today <= w->v1_last_day ? BG_VERP_OK : BG_VERP_EXPIRED;
	day = day_value(s->day);
	return w->today - day <= w->max_age && day - w->today <= 1 ? BG_VERP_OK : BG_VERP_EXPIRED;
}

/* The MAC of s over rcpt (len bytes), then the window: OK, BAD_MAC or EXPIRED. */
static enum bg_verp_status
verify(const struct bg_token_keys *keys, const struct shape *s, const char *rcpt, size_t len,
       const struct bg_verp_window *w)
{
	if (!mac_matches(keys, s, rcpt, len))
		return BG_VERP_BAD_MAC;
	return in_window(s, w);
}

/* bg_verp_parse, or with reply bg_verp_reply_parse. */
static enum bg_verp_status
parse_any(const struct bg_token_keys *keys, const char *verp, size_t len, const struct bg_verp_window *w,
          struct bg_addr *recipient_out, struct bg_verp_info *info, bool reply)
{
	struct shape s;
	enum bg_verp_status st = read_shape(verp, len, &s, reply);

	memset(recipient_out, 0, sizeof(*recipient_out));
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (st != BG_VERP_OK && st != BG_VERP_UNNAMED)
		return st;
	if (st == BG_VERP_OK && (st = named_recipient(s.rest, s.restlen, recipient_out)) == BG_VERP_OK)
		st = verify(keys, &s, recipient_out->text, recipient_out->len, w);
	if (st != BG_VERP_MALFORMED)
		fill_info(&s, info);
	if (st != BG_VERP_OK)
		memset(recipient_out, 0, sizeof(*recipient_out));
	return st;
}

/* bg_verp_check, or with reply bg_verp_reply_check. */
static enum bg_verp_status
check_any(const struct bg_token_keys *keys, const char *verp, size_t len, const char *recipient,
          const struct bg_verp_window *w, struct bg_verp_info *info, bool reply)
{
	struct bg_addr r, named;
	struct shape s;
	enum bg_verp_status st = read_shape(verp, len, &s, reply);

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	if (st != BG_VERP_OK && st != BG_VERP_UNNAMED)
		return st;
	if (bg_addr_normalise(recipient, strlen(recipient), BG_ADDR_KEEP_CASE, &r) != BG_ADDR_OK)
		return BG_VERP_MALFORMED;
	if (st == BG_VERP_OK) {
		if ((st = named_recipient(s.rest, s.restlen, &named)) != BG_VERP_OK)
			return st;
		if (named.len != r.len || strncasecmp(named.text, r.text, r.len) != 0) {
			fill_info(&s, info);
			return BG_VERP_BAD_MAC;
		}
	}
	fill_info(&s, info);
	return verify(keys, &s, r.text, r.len, w);
}

enum bg_verp_status
bg_verp_parse(const struct bg_token_keys *keys, const char *verp, size_t len, const struct bg_verp_window *w,
              struct bg_addr *recipient_out, struct bg_verp_info *info)
{
	return parse_any(keys, verp, len, w, recipient_out, info, false);
}

enum bg_verp_status
bg_verp_check(const struct bg_token_keys *keys, const char *verp, size_t len, const char *recipient,
              const struct bg_verp_window *w, struct bg_verp_info *info)
{
	return check_any(keys, verp, len, recipient, w, info, false);
}

enum bg_verp_status
bg_verp_reply_parse(const struct bg_token_keys *keys, const char *addr, size_t len, const struct bg_verp_window *w,
                    struct bg_addr *recipient_out, struct bg_verp_info *info)
{
	return parse_any(keys, addr, len, w, recipient_out, info, true);
}

enum bg_verp_status
bg_verp_reply_check(const struct bg_token_keys *keys, const char *addr, size_t len, const char *recipient,
                    const struct bg_verp_window *w, struct bg_verp_info *info)
{
	return check_any(keys, addr, len, recipient, w, info, true);
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
	case BG_VERP_EXPIRED: return "verp expired (older than verp_max_age)";
	case BG_VERP_REFUSED: return "recipient, tag, day or domain cannot make a verp";
	case BG_VERP_NO_ROOM: return "verp buffer too small";
	}
	return "unknown verp status";
}

const char *
bg_verp_status_name(enum bg_verp_status status)
{
	switch (status) {
	case BG_VERP_OK: return "ok";
	case BG_VERP_UNNAMED: return "unnamed";
	case BG_VERP_NOT_VERP: return "no-verp";
	case BG_VERP_MALFORMED: return "malformed-verp";
	case BG_VERP_BAD_MAC: return "bad-mac";
	case BG_VERP_EXPIRED: return "expired-verp";
	case BG_VERP_REFUSED: return "refused";
	case BG_VERP_NO_ROOM: return "no-room";
	}
	return "unknown";
}
