/*
 * bg_token_keys.h - the key file of tokens and VERPs, loaded once and shared.
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
 * DIAGNOSTICS: NULL or -1; loading and parsing put "path: text" or
 * "path:line: text" in the caller's err.
 */
#ifndef BG_TOKEN_KEYS_H
#define BG_TOKEN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define BG_TOKEN_KEYFILE_MAX 65536 /* bytes of the longest key file */
#define BG_TOKEN_KEY_BYTES   32    /* one key: XChaCha20-Poly1305 and crypto_kdf master key */

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
 * Returns 0, or -1 when n or sublen is out of range (err is not needed: a
 * caller's mistake).
 */
int bg_token_keys_derive(const struct bg_token_keys *keys, size_t n, const char ctx[8], uint64_t id, unsigned char *sub,
                         size_t sublen);

/*
 * Returns the key with key id id, or NULL when the file has none; for the
 * code that seals and opens with it (bg_token). Valid while keys is.
 */
const unsigned char *bg_token_keys_secret(const struct bg_token_keys *keys, uint8_t id);

#endif
