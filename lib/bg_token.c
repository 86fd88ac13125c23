/*
 * bg_token.c - unsubscribe tokens and their key file (see bg_token.h).
 *
 * All cryptography is libsodium's: crypto_aead_xchacha20poly1305_ietf seals
 * the payload, randombytes_buf draws the nonce, sodium_bin2base64 and
 * sodium_base642bin do the encoding (the decoder refuses non-zero trailing
 * bits, and non-alphabet bytes are refused before it sees them, so every
 * character of a token matters), crypto_kdf derives subkeys.
 * Keys sit in one sodium_malloc'd block that is read-only once loaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
_Static_assert(KEYLEN == crypto_kdf_KEYBYTES, "token keys must serve as kdf master keys");

struct bg_token_keys {
	size_t n;
	uint8_t id[256];   /* in file order: id[0] seals */
	int16_t slot[256]; /* key id -> index into key, -1 when absent */
	int line[256];     /* where each key was, for messages */
	unsigned char key[256][KEYLEN];
};

int
bg_token_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* Allocates an empty key set in guarded memory; NULL when that fails. */
static struct bg_token_keys *
keys_new(void)
{
	struct bg_token_keys *k = sodium_malloc(sizeof(*k));

	if (k == NULL)
		return NULL;
	sodium_memzero(k, sizeof(*k));
	memset(k->slot, 0xff, sizeof(k->slot));
	return k;
}

void
bg_token_keys_free(struct bg_token_keys *keys)
{
	if (keys == NULL)
		return;
	sodium_mprotect_readwrite(keys);
	sodium_memzero(keys, sizeof(*keys));
	sodium_free(keys);
}

/* True for the blanks allowed between and around the fields of a key line. */
static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the decimal key id at *p (1..3 digits, 0..255); -1 when there is none. */
static int
parse_id(const char **p, const char *end)
{
	int id = 0, digits = 0;

	while (*p < end && **p >= '0' && **p <= '9' && digits < 4) {
		id = id * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	return digits == 0 || digits > 3 || id > 255 ? -1 : id;
}

/* Parses one non-blank, non-comment line [p, end) into keys; returns 0 or -1 with err. */
static int
parse_line(struct bg_token_keys *k, const char *p, const char *end, const char *name, int lineno, char *err,
           size_t errlen)
{
	const char *hex;
	size_t binlen = 0;
	int id = parse_id(&p, end);

	if (id < 0 || p == end || !blank(*p)) {
		snprintf(err, errlen, "%s:%d: expected \"<id 0..255> <64 hex digits>\"", name, lineno);
		return -1;
	}
	while (p < end && blank(*p))
		p++;
	hex = p;
	while (p < end && !blank(*p))
		p++;
	if (p - hex != 2 * KEYLEN ||
	    sodium_hex2bin(k->key[k->n], KEYLEN, hex, (size_t)(p - hex), NULL, &binlen, NULL) != 0 ||
	    binlen != KEYLEN) {
		snprintf(err, errlen, "%s:%d: key %d: expected 64 hex digits", name, lineno, id);
		return -1;
	}
	while (p < end && blank(*p))
		p++;
	if (p != end) {
		snprintf(err, errlen, "%s:%d: key %d: text after the key", name, lineno, id);
		return -1;
	}
	if (k->slot[id] >= 0) {
		snprintf(err, errlen, "%s:%d: key id %d already used on line %d", name, lineno, id,
		         k->line[k->slot[id]]);
		return -1;
	}
	k->slot[id] = (int16_t)k->n;
	k->id[k->n] = (uint8_t)id;
	k->line[k->n++] = lineno;
	return 0;
}

/* Parses every line of text into k; returns 0 or -1 with err. */
static int
parse_text(struct bg_token_keys *k, const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *q = p;

		lineno++;
		while (q < eol && blank(*q))
			q++;
		if (q < eol && *q != '#' && parse_line(k, q, eol, name, lineno, err, errlen) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	if (k->n == 0) {
		snprintf(err, errlen, "%s: no keys", name);
		return -1;
	}
	return 0;
}

struct bg_token_keys *
bg_token_keys_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct bg_token_keys *k;

	if (bg_token_init() < 0) {
		snprintf(err, errlen, "%s: libsodium cannot be initialised", name);
		return NULL;
	}
	if (len > BG_TOKEN_KEYFILE_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", name, BG_TOKEN_KEYFILE_MAX);
		return NULL;
	}
	if ((k = keys_new()) == NULL) {
		snprintf(err, errlen, "%s: out of secure memory", name);
		return NULL;
	}
	if (parse_text(k, text, len, name, err, errlen) < 0) {
		bg_token_keys_free(k);
		return NULL;
	}
	sodium_mprotect_readonly(k);
	return k;
}

/* Refuses what is not a regular file, or is open to group or others; 0 or -1 with err. */
static int
check_mode(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "%s: readable or writable by group or others (mode %04o): chmod 600 it", path,
		         (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Reads all of fd into buf (size bytes); returns the length, or -1 with err. */
static ssize_t
read_all(int fd, unsigned char *buf, size_t size, const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	ssize_t n;

	while (len < size && (n = read(fd, buf + len, size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		len += (size_t)n;
	}
	if (len == size) {
		snprintf(err, errlen, "%s: longer than %d bytes", path, BG_TOKEN_KEYFILE_MAX);
		return -1;
	}
	return (ssize_t)len;
}

struct bg_token_keys *
bg_token_keys_load(const char *path, char *err, size_t errlen)
{
	struct bg_token_keys *k = NULL;
	unsigned char *buf;
	ssize_t len;
	int fd;

	if (bg_token_init() < 0) {
		snprintf(err, errlen, "%s: libsodium cannot be initialised", path);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = sodium_malloc(BG_TOKEN_KEYFILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of secure memory", path);
		close(fd);
		return NULL;
	}
	if (check_mode(fd, path, err, errlen) == 0 &&
	    (len = read_all(fd, buf, BG_TOKEN_KEYFILE_MAX + 1, path, err, errlen)) >= 0)
		k = bg_token_keys_parse((const char *)buf, (size_t)len, path, err, errlen);
	close(fd);
	sodium_free(buf); /* wipes it */
	return k;
}

size_t
bg_token_keys_count(const struct bg_token_keys *keys, uint8_t *signing_id)
{
	if (signing_id != NULL)
		*signing_id = keys->id[0];
	return keys->n;
}

int
bg_token_keys_derive(const struct bg_token_keys *keys, size_t n, const char ctx[8], uint64_t id, unsigned char *sub,
                     size_t sublen)
{
	if (n >= keys->n || sublen < crypto_kdf_BYTES_MIN || sublen > crypto_kdf_BYTES_MAX)
		return -1;
	return crypto_kdf_derive_from_key(sub, sublen, id, ctx, keys->key[n]) == 0 ? 0 : -1;
}

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

int
bg_token_make(const struct bg_token_keys *keys, const char *entity, const char *list, const char *address,
              time_t issued, char *out, size_t outlen)
{
	unsigned char m[PAYLOAD_MAX], bin[BIN_MAX];
	unsigned long long clen;
	int mlen = build_payload(m, entity, list, address, issued);
	size_t binlen;

	if (mlen < 0) {
		errno = EINVAL;
		return -1;
	}
	binlen = HEAD + NONCE + (size_t)mlen + TAG;
	if (outlen < sodium_base64_ENCODED_LEN(binlen, VARIANT)) { /* sodium_bin2base64 would abort */
		errno = ENOSPC;
		return -1;
	}
	bin[0] = BG_TOKEN_VERSION;
	bin[1] = keys->id[0];
	randombytes_buf(bin + HEAD, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + HEAD + NONCE, &clen, m, (unsigned long long)mlen, bin, HEAD,
	                                           NULL, bin + HEAD, keys->key[0]);
	sodium_bin2base64(out, outlen, bin, binlen, VARIANT);
	return (int)strlen(out);
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
	if (keys->slot[bin[1]] < 0)
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
	                                               HEAD, bin + HEAD, keys->key[keys->slot[bin[1]]]) != 0)
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
	}
	return "unknown token status";
}
