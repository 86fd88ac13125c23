/*
 * bg_token.h - unsubscribe tokens: sealed, versioned, rotatable (doc/design.md 3.6).
 *
 * A token names who unsubscribes from what: entity, list and address, and
 * when it was issued. It reveals nothing, and nobody without the key file can
 * make or alter one. Its format is stable public interface:
 *
 *   token   = base64url, no padding (RFC 4648 section 5), of the bytes
 *   0       version, 1
 *   1       key id, 0..255: the key file line that sealed it
 *   2..25   nonce, 24 random bytes
 *   26..    XChaCha20-Poly1305 (IETF) ciphertext of the payload, followed by
 *           its 16-byte tag; bytes 0 and 1 are the associated data, so
 *           neither the version nor the key id can be changed
 *
 *   payload = issued   8 bytes, unix seconds, big-endian
 *             elen     1 byte, 1..64    entity   elen bytes
 *             llen     1 byte, 0..64    list     llen bytes (0: no list)
 *             alen     1 byte, 1..254   address  alen bytes, normalised
 *
 * The fields hold no NUL, control character or DEL and must use up the
 * payload exactly. A token is ceil((53 + n) * 4 / 3) characters long, n the
 * three fields' lengths added: 115 for entity "acme", list "weekly" and
 * address "alice.smith@example.com", BG_TOKEN_MAX at most.
 *
 * Key file: one key a line, "<id> <64 hex digits>", id 0..255 in decimal,
 * separated by spaces or tabs; blank lines and lines whose first non-blank
 * is '#' are ignored. The first key seals, every key opens, so a new key is
 * rotated in by putting it first and the old one stays until its tokens may
 * be forgotten. The file must be a regular file that neither group nor
 * others can read or write (as OpenDKIM demands of its keys).
 *
 * Keys live in sodium_malloc'd memory, read-only once loaded, and are wiped
 * when freed. A loaded key set is never changed, so threads share it freely.
 * Nothing here does I/O except bg_token_keys_load, and nothing logs.
 *
 * DIAGNOSTICS: opening: enum bg_token_status; loading keys: NULL, the reason in err; making: -1 EINVAL.
 */
#ifndef BG_TOKEN_H
#define BG_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BG_TOKEN_VERSION     1
#define BG_TOKEN_ENTITY_MAX  64
#define BG_TOKEN_LIST_MAX    64
#define BG_TOKEN_ADDRESS_MAX 254
#define BG_TOKEN_MAX         580   /* characters of the longest token */
#define BG_TOKEN_KEYFILE_MAX 65536 /* bytes of the longest key file */

enum bg_token_status {
	BG_TOKEN_OK = 0,
	BG_TOKEN_MALFORMED,   /* not base64url without padding */
	BG_TOKEN_TOO_SHORT,   /* fewer bytes than the smallest token */
	BG_TOKEN_TOO_LONG,    /* more bytes than the largest token */
	BG_TOKEN_BAD_VERSION, /* a version this program does not know */
	BG_TOKEN_UNKNOWN_KEY, /* a key id not in the key file */
	BG_TOKEN_FORGED,      /* authentication failed: forged or altered */
	BG_TOKEN_BAD_PAYLOAD, /* authentic, but the payload breaks the format */
};

/* An opened token; strings are NUL-terminated and owned by the record. */
struct bg_token {
	char entity[BG_TOKEN_ENTITY_MAX + 1];
	char list[BG_TOKEN_LIST_MAX + 1]; /* "" when there is no list */
	char address[BG_TOKEN_ADDRESS_MAX + 1];
	time_t issued;
	uint8_t key_id; /* the key that opened it */
};

/* An opaque, immutable key set. */
struct bg_token_keys;

/* Initialises libsodium; returns 0 or -1. Safe to call again, from any thread. */
int bg_token_init(void);

/*
 * Opens path, checks it is a regular file closed to group and others
 * (fstat on the open file) and parses it. Returns a key set the caller frees
 * with bg_token_keys_free, or NULL with "path: text" or "path:line: text" in
 * err.
 */
struct bg_token_keys *bg_token_keys_load(const char *path, char *err, size_t errlen);

/*
 * Parses len bytes of key file text; name is used in messages only. No
 * permission check: for tests and fuzzers. Same result as bg_token_keys_load.
 */
struct bg_token_keys *bg_token_keys_parse(const char *text, size_t len, const char *name, char *err, size_t errlen);

/* Wipes and frees keys; NULL is fine. */
void bg_token_keys_free(struct bg_token_keys *keys);

/* Returns the number of keys (at least 1) and sets *signing_id to the first one's id. */
size_t bg_token_keys_count(const struct bg_token_keys *keys, uint8_t *signing_id);

/*
 * Derives into sub (sublen 16..64 bytes, owned by the caller, who wipes it)
 * a subkey of the n-th key (0: the signing key) for another purpose: ctx is
 * exactly 8 characters naming it, id numbers subkeys within it (crypto_kdf).
 * Returns 0, or -1 when n or sublen is out of range.
 */
int bg_token_keys_derive(const struct bg_token_keys *keys, size_t n, const char ctx[8], uint64_t id, unsigned char *sub,
                         size_t sublen);

/*
 * Seals entity (1..64 bytes), list (0..64; NULL is no list) and address
 * (1..254, normalised by the caller) issued at the given time with the signing
 * key, writing the NUL-terminated token into out (BG_TOKEN_MAX + 1 bytes
 * always suffice). Returns the token's length, or -1 with errno EINVAL (a
 * field's length or a control character) or ENOSPC (outlen too small).
 */
int bg_token_make(const struct bg_token_keys *keys, const char *entity, const char *list, const char *address,
                  time_t issued, char *out, size_t outlen);

/*
 * Opens the len bytes at token (untrusted; not NUL-terminated) into out,
 * owned by the caller. Returns BG_TOKEN_OK and fills out, or the first thing
 * found wrong and leaves out zeroed. Does not judge the issue time.
 */
enum bg_token_status bg_token_open(const struct bg_token_keys *keys, const char *token, size_t len,
                                   struct bg_token *out);

/* Returns a short English text for status ("authentication failed ..."); static. */
const char *bg_token_strerror(enum bg_token_status status);

#endif
