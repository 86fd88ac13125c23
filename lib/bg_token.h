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
 * The key file and the key set are bg_token_keys.h's. Nothing here does
 * I/O, and nothing logs.
 *
 * DIAGNOSTICS: making and opening return enum bg_token_status; bg_token_strerror names it.
 */
#ifndef BG_TOKEN_H
#define BG_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bg_token_keys.h"

#define BG_TOKEN_VERSION     1
#define BG_TOKEN_ENTITY_MAX  64
#define BG_TOKEN_LIST_MAX    64
#define BG_TOKEN_ADDRESS_MAX 254
#define BG_TOKEN_MAX         580 /* characters of the longest token */

enum bg_token_status {
	BG_TOKEN_OK = 0,
	BG_TOKEN_MALFORMED,   /* not base64url without padding */
	BG_TOKEN_TOO_SHORT,   /* fewer bytes than the smallest token */
	BG_TOKEN_TOO_LONG,    /* more bytes than the largest token */
	BG_TOKEN_BAD_VERSION, /* a version this program does not know */
	BG_TOKEN_UNKNOWN_KEY, /* a key id not in the key file */
	BG_TOKEN_FORGED,      /* authentication failed: forged or altered */
	BG_TOKEN_BAD_PAYLOAD, /* authentic, but the payload breaks the format */
	BG_TOKEN_REFUSED,     /* making: a field's length or a control character, or a time before 1970 */
	BG_TOKEN_NO_ROOM,     /* making: the output buffer is too small */
};

/* An opened token; strings are NUL-terminated and owned by the record. */
struct bg_token {
	char entity[BG_TOKEN_ENTITY_MAX + 1];
	char list[BG_TOKEN_LIST_MAX + 1]; /* "" when there is no list */
	char address[BG_TOKEN_ADDRESS_MAX + 1];
	time_t issued;
	uint8_t key_id; /* the key that opened it */
};

/*
 * Seals entity (1..64 bytes), list (0..64; NULL is no list) and address
 * (1..254, normalised by the caller) issued at the given time with the signing
 * key, writing the NUL-terminated token into out (BG_TOKEN_MAX + 1 bytes
 * always suffice). Returns BG_TOKEN_OK, BG_TOKEN_REFUSED (a field's length
 * or a control character) or BG_TOKEN_NO_ROOM (outlen too small).
 */
enum bg_token_status bg_token_make(const struct bg_token_keys *keys, const char *entity, const char *list,
                                   const char *address, time_t issued, char *out, size_t outlen);

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
