/*
 * bg_token_keys.c - the token key file: read, checked, parsed into guarded
 * memory (see bg_token_keys.h). Keys sit in one sodium_malloc'd block that is
 * read-only once loaded; crypto_kdf derives subkeys.
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

#include "bg_token_keys.h"

#define KEYLEN BG_TOKEN_KEY_BYTES

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

const unsigned char *
bg_token_keys_secret(const struct bg_token_keys *keys, uint8_t id)
{
	return keys->slot[id] < 0 ? NULL : keys->key[keys->slot[id]];
}
