/*
 * bg_token.c - unsubscribe tokens sealed and opened (see bg_token.h).
 *
 * All cryptography is libsodium's: crypto_aead_xchacha20poly1305_ietf seals
 * the payload, randombytes_buf draws the nonce, sodium_bin2base64 and
 * sodium_base642bin do the encoding (the decoder refuses non-zero trailing
 * bits, and non-alphabet bytes are refused before it sees them, so every
 * character of a token matters).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "bg_token.h"

#define HEAD        2 /* version and key id: the associated data */
#define NONCE       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG         crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEYLEN      crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define PAYLOAD_MAX (8 + 3 + BG_TOKEN_ENTITY_MAX + BG_TOKEN_LIST_MAX + BG_TOKEN_ADDRESS_MAX)
#define PAYLOAD_MIN (8 + 3 + 1 + 0 + 1)
#define BIN_MAX     (HEAD + NONCE + PAYLOAD_MAX + TAG)
#define BIN_MIN     (HEAD + NONCE + PAYLOAD_MIN + TAG)
#define VARIANT     sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(sodium_base64_ENCODED_LEN(BIN_MAX, VARIANT) == BG_TOKEN_MAX + 1, "BG_TOKEN_MAX is wrong");
_Static_assert(KEYLEN == BG_TOKEN_KEY_BYTES, "a token key is an XChaCha20-Poly1305 key");

/* Returns the length of field s when it is min..max bytes without control characters, else -1. */
static int
field_len(const char *s, size_t min, size_t max)
{
	size_t len = s == NULL ? 0 : strnlen(s, max + 1);

	if (len < min || len > max)
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	return (int)len;
}

/* Appends a length-prefixed field to the payload at *p. */
static void
put_field(unsigned char **p, const char *s, int len)
{
	*(*p)++ = (unsigned char)len;
	if (len > 0)
		memcpy(*p, s, (size_t)len);
	*p += len;
}

/* Builds the payload into m (PAYLOAD_MAX bytes); returns its length, or -1 for a bad field. */
static int
build_payload(unsigned char *m, const char *entity, const char *list, const char *address, time_t issued)
{
	int elen = field_len(entity, 1, BG_TOKEN_ENTITY_MAX);
	int llen = field_len(list, 0, BG_TOKEN_LIST_MAX);
	int alen = field_len(address, 1, BG_TOKEN_ADDRESS_MAX);
	unsigned char *p = m;

	if (elen < 0 || llen < 0 || alen < 0 || issued < 0)
		return -1;
	for (int i = 7; i >= 0; i--)
		*p++ = (unsigned char)((uint64_t)issued >> (8 * i));
	put_field(&p, entity, elen);
	put_field(&p, list, llen);
	put_field(&p, address, alen);
	return (int)(p - m);
}

enum bg_token_status
bg_token_make(const struct bg_token_keys *keys, const char *entity, const char *list, const char *address,
              time_t issued, char *out, size_t outlen)
{
	unsigned char m[PAYLOAD_MAX], bin[BIN_MAX];
	unsigned long long clen;
	int mlen = build_payload(m, entity, list, address, issued);
	size_t binlen;
	uint8_t id;

	if (mlen < 0)
		return BG_TOKEN_REFUSED;
	binlen = HEAD + NONCE + (size_t)mlen + TAG;
	if (outlen < sodium_base64_ENCODED_LEN(binlen, VARIANT)) /* sodium_bin2base64 would abort */
		return BG_TOKEN_NO_ROOM;
	bg_token_keys_count(keys, &id);
	bin[0] = BG_TOKEN_VERSION;
	bin[1] = id;
	randombytes_buf(bin + HEAD, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + HEAD + NONCE, &clen, m, (unsigned long long)mlen, bin, HEAD,
	                                           NULL, bin + HEAD, bg_token_keys_secret(keys, id));
	sodium_bin2base64(out, outlen, bin, binlen, VARIANT);
	return BG_TOKEN_OK;
}

/* Copies the length-prefixed field at *p (before end) into dst; -1 when it breaks the format. */
static int
get_field(const unsigned char **p, const unsigned char *end, char *dst, size_t min, size_t max)
{
	size_t len;

	if (*p >= end)
		return -1;
	len = *(*p)++;
	if (len < min || len > max || len > (size_t)(end - *p))
		return -1;
	memcpy(dst, *p, len);
	dst[len] = '\0';
	*p += len;
	return field_len(dst, min, max) == (int)len ? 0 : -1;
}

/* Parses an authentic payload into out; BG_TOKEN_OK or BG_TOKEN_BAD_PAYLOAD. */
static enum bg_token_status
parse_payload(const unsigned char *m, size_t mlen, struct bg_token *out)
{
	const unsigned char *p = m + 8, *end = m + mlen;
	uint64_t t = 0;

	if (mlen < PAYLOAD_MIN)
		return BG_TOKEN_BAD_PAYLOAD;
	for (int i = 0; i < 8; i++)
		t = t << 8 | m[i];
	if (t > INT64_MAX || get_field(&p, end, out->entity, 1, BG_TOKEN_ENTITY_MAX) < 0 ||
	    get_field(&p, end, out->list, 0, BG_TOKEN_LIST_MAX) < 0 ||
	    get_field(&p, end, out->address, 1, BG_TOKEN_ADDRESS_MAX) < 0 || p != end)
		return BG_TOKEN_BAD_PAYLOAD;
	out->issued = (time_t)t;
	return BG_TOKEN_OK;
}

/* True when all len bytes at s are base64url characters. */
static bool
base64url(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}

/*
 * Decodes token into bin (BIN_MAX bytes) and checks its frame; sets *binlen.
 * The alphabet is checked first: libsodium 1.0.18 reads bytes >= 0x80 as '_'.
 */
static enum bg_token_status
decode(const struct bg_token_keys *keys, const char *token, size_t len, unsigned char *bin, size_t *binlen)
{
	if (len > BG_TOKEN_MAX)
		return BG_TOKEN_TOO_LONG;
	if (!base64url(token, len) || sodium_base642bin(bin, BIN_MAX, token, len, NULL, binlen, NULL, VARIANT) != 0)
		return BG_TOKEN_MALFORMED;
	if (*binlen < HEAD)
		return BG_TOKEN_TOO_SHORT;
	if (bin[0] != BG_TOKEN_VERSION)
		return BG_TOKEN_BAD_VERSION;
	if (*binlen < BIN_MIN)
		return BG_TOKEN_TOO_SHORT;
	if (bg_token_keys_secret(keys, bin[1]) == NULL)
		return BG_TOKEN_UNKNOWN_KEY;
	return BG_TOKEN_OK;
}

enum bg_token_status
bg_token_open(const struct bg_token_keys *keys, const char *token, size_t len, struct bg_token *out)
{
	unsigned char bin[BIN_MAX], m[PAYLOAD_MAX];
	unsigned long long mlen;
	size_t binlen = 0;
	enum bg_token_status st;

	memset(out, 0, sizeof(*out));
	if ((st = decode(keys, token, len, bin, &binlen)) != BG_TOKEN_OK)
		return st;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, bin + HEAD + NONCE, binlen - HEAD - NONCE, bin,
	                                               HEAD, bin + HEAD, bg_token_keys_secret(keys, bin[1])) != 0)
		return BG_TOKEN_FORGED;
	if ((st = parse_payload(m, (size_t)mlen, out)) != BG_TOKEN_OK) {
		memset(out, 0, sizeof(*out));
		return st;
	}
	out->key_id = bin[1];
	return BG_TOKEN_OK;
}

const char *
bg_token_strerror(enum bg_token_status status)
{
	switch (status) {
	case BG_TOKEN_OK: return "token ok";
	case BG_TOKEN_MALFORMED: return "malformed token (not base64url, or truncated)";
	case BG_TOKEN_TOO_SHORT: return "token too short (truncated?)";
	case BG_TOKEN_TOO_LONG: return "token too long";
	case BG_TOKEN_BAD_VERSION: return "unknown token version";
	case BG_TOKEN_UNKNOWN_KEY: return "unknown key id (not in the key file)";
	case BG_TOKEN_FORGED: return "authentication failed (forged or altered)";
	case BG_TOKEN_BAD_PAYLOAD: return "bad token payload";
	case BG_TOKEN_REFUSED: return "entity, list, address or time out of bounds";
	case BG_TOKEN_NO_ROOM: return "token buffer too small";
	}
	return "unknown token status";
}
