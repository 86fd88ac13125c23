/*
 * unsd_undo.h - bulkguard-unsubd's writes, and the undo of a mistaken click.
 *
 * The unsubscribe is written as every program writes one (the field, and
 * with audit its bg:audit entry), and says whether the field is new: only a
 * field this unsubscribe created may be undone, so an undo never removes a
 * suppression that was there before. The done page carries a MAC (HMAC-SHA-
 * 512-256 under a subkey of the token key file's signing key, crypto_kdf
 * context "bgundo01") over the token, the time written, the field and its
 * value: an undo POST must bring it back within unsubscribe.undo_window. The
 * undo deletes the field only when it still holds exactly that value (a
 * bounce or complaint written since stays), in one Lua script with its
 * bg:audit entry, what "resubscribe"; consent is never touched.
 *
 * DIAGNOSTICS: writes return UNSD_STORE_DOWN (reason in bg_redis_error) or
 * UNSD_STORE_REFUSED (Redis's error reply in err); nothing is written then.
 */
#ifndef UNSD_UNDO_H
#define UNSD_UNDO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bg_redis.h"
#include "bg_token.h"

#define UNSD_MAC_LEN 43 /* characters of an undo MAC: base64url of 32 bytes, no padding */

#define UNSD_STORE_DOWN    (-1)
#define UNSD_STORE_REFUSED (-2)

/* What one write or undo is about: the recipient, the field, its value, and the audit. */
struct unsd_change {
	const char *prefix;  /* the keys' prefix, "bg:" */
	const char *address; /* normalised */
	const char *field;   /* suppress:<entity>[/<list>] */
	const char *value;   /* "unsubscribe <time> one-click" */
	bool audit;
	const char *who;
};

/* Writes c's field and its audit entry; returns 1 when the field is new, 0 when it replaced one, or < 0. */
int unsd_store_write(struct bg_redis *r, const struct unsd_change *c, char *err, size_t errlen);

/*
 * Deletes c's field when it holds exactly c's value, with a "resubscribe"
 * audit entry; returns 1 when deleted, 0 when it holds something else or
 * nothing (nothing written), or < 0.
 */
int unsd_store_undo(struct bg_redis *r, const struct unsd_change *c, char *err, size_t errlen);

/* Writes into mac (UNSD_MAC_LEN + 1 bytes) the undo MAC of token, the time at, field and value; -1 on no key. */
int unsd_undo_mac(const struct bg_token_keys *keys, const char *token, long long at, const char *field,
                  const char *value, char *mac);

/* Returns whether mac (untrusted) is the undo MAC of the rest, compared in constant time. */
bool unsd_undo_verify(const struct bg_token_keys *keys, const char *token, long long at, const char *field,
                      const char *value, const char *mac);

#endif
