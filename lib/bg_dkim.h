/*
 * bg_dkim.h - DKIM signing with libopendkim: headers and body in, signature values out.
 *
 * Nothing here knows about milters. bulkguard-milter loads the keys once (at
 * start and on SIGHUP), then per message begins a run, feeds it every header
 * exactly as it will appear in the final message, the end of headers and the
 * body chunks, ends it, and inserts the signature values it gets back
 * (doc/design.md 3.5).
 *
 * Signatures: relaxed/relaxed, never l=, rsa-sha256 (RSA keys of 2048 bits
 * or more, RFC 8301) or ed25519-sha256 (RFC 8463), one per dkim block: the
 * entity's blocks in configuration order, then the esp's. Signed headers
 * (each only when present, except the over-signed ones, which are listed
 * once more than they occur so that adding one breaks the signature):
 *
 *	From* Reply-To* Subject* Date To Cc Message-ID In-Reply-To References
 *	MIME-Version Content-Type Content-Transfer-Encoding List-Id
 *	List-Unsubscribe* List-Unsubscribe-Post* Feedback-ID      (* over-signed)
 *
 * Threads: one keys object serves any number of runs on any threads at once
 * (libopendkim's library handle is only read after bg_dkim_keys_load); a run
 * belongs to one thread at a time. The keys object must outlive every run
 * begun with it: on reload, free the old one only after its runs are freed.
 *
 * DIAGNOSTICS: a run keeps its error (bg_dkim_error); making keys or a run: NULL, the reason in err.
 */
#ifndef BG_DKIM_H
#define BG_DKIM_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_config.h"

/* The private keys of every dkim block of a configuration, and libopendkim's library handle. */
struct bg_dkim_keys;
/* The signatures of one message being made. */
struct bg_dkim_run;

/*
 * Loads the key of every dkim block of cfg (each entity's, then the esp's)
 * and makes one test signature with each. Refuses a key file that is missing,
 * unreadable, not a regular file, readable or writable by group or others,
 * not a PEM private key, of the wrong type for the block's algorithm, an RSA
 * key under 2048 bits, or one libopendkim cannot sign with. Returns a keys
 * object the caller frees with bg_dkim_keys_free, or NULL with
 * "file:line: dkim key PATH: reason" in err. A configuration without dkim
 * blocks gives a valid keys object that makes no signatures.
 */
struct bg_dkim_keys *bg_dkim_keys_load(const struct bg_config *cfg, char *err, size_t errlen);

/* The number of keys loaded. */
size_t bg_dkim_keys_count(const struct bg_dkim_keys *k);

/* Zeroes the keys, closes the library handle and frees everything; NULL is fine. */
void bg_dkim_keys_free(struct bg_dkim_keys *k);

struct evp_pkey_st; /* libcrypto's EVP_PKEY */

/*
 * The key that was parsed, when a keys object now loaded (any thread, any
 * reload) was loaded, from a key file of exactly these len bytes (as handed to
 * libopendkim), with one more reference that the caller owns (EVP_PKEY_free);
 * NULL when no loaded key has these bytes. For bg_dkim_wrap.c.
 */
struct evp_pkey_st *bg_dkim_key_cached(const void *buf, size_t len);

/*
 * Begins signing one message for entity e (NULL: no entity, esp signatures
 * only): one libopendkim handle per signature, e's dkim blocks first, then the
 * esp's. id (the queue id; copied) names the message in libopendkim's errors.
 * Every block of e must be one k was loaded from (same domain, selector, key
 * and algorithm), else this fails. Returns a run the caller frees with
 * bg_dkim_free, or NULL with the reason in err. A run with no signatures is
 * valid: every call below then succeeds and bg_dkim_count gives 0.
 */
struct bg_dkim_run *bg_dkim_begin(const struct bg_dkim_keys *k, const struct bg_entity *e, const char *id, char *err,
                                  size_t errlen);

/*
 * As bg_dkim_begin, with only the entity's blocks whose domain aligns with
 * from_domain (the same organisational domain: keys that may sign for that
 * From); the esp's blocks always sign. from_domain NULL: every block.
 */
struct bg_dkim_run *bg_dkim_begin_for(const struct bg_dkim_keys *k, const struct bg_entity *e, const char *from_domain,
                                      const char *id, char *err, size_t errlen);

/* True when headers named name (compared without case) are signed: only these need feeding. */
bool bg_dkim_signs(const char *name);

/*
 * Feeds one header, in message order, as it will appear in the final message:
 * name, then value exactly as it follows the colon (with or without a leading
 * space; folds as "\n\t" or "\r\n\t", given to libopendkim as CRLF). Existing
 * DKIM-Signature headers are skipped: they are never signed, and a malformed
 * one would otherwise fail the run. Returns 0, or -1 (see bg_dkim_error).
 */
int bg_dkim_header(struct bg_dkim_run *run, const char *name, const char *value);

/* Declares the end of the headers. Returns 0 or -1. */
int bg_dkim_eoh(struct bg_dkim_run *run);

/*
 * Feeds len bytes of the body, in chunks of any size, with CRLF line ends (as
 * a milter receives it). A bare LF is signed as if it were CRLF, which is what
 * the MTA puts on the wire. Returns 0 or -1.
 */
int bg_dkim_body(struct bg_dkim_run *run, const unsigned char *buf, size_t len);

/* Computes the signatures. Returns 0 or -1. Input after it fails the run. */
int bg_dkim_end(struct bg_dkim_run *run);

/* The number of signatures made (valid after bg_dkim_end returned 0). */
size_t bg_dkim_count(const struct bg_dkim_run *run);

/*
 * The i-th DKIM-Signature value, i < bg_dkim_count: starts with a space, folded
 * with "\n\t", ready for smfi_insheader. The order is the INSERTION order for
 * inserting each one at the top of the message, so call, for i = 0, 1, ...:
 *
 *	smfi_insheader(ctx, 0, "DKIM-Signature", (char *)bg_dkim_signature(run, i));
 *
 * Each insertion lands above the previous one, so the message ends up with the
 * entity's signatures (in configuration order) above the esp's: i = 0 is the
 * esp's last signature, i = count - 1 the entity's first. Owned by the run;
 * NULL until bg_dkim_end has succeeded. i >= bg_dkim_count aborts.
 */
const char *bg_dkim_signature(const struct bg_dkim_run *run, size_t i);

/*
 * Why the run failed ("" while it has not), for the log line; the caller
 * answers 451 4.7.0 and never lets the message go unsigned. Owned by the run.
 */
const char *bg_dkim_error(const struct bg_dkim_run *run);

/* Frees the run, zeroing what libopendkim held; NULL is fine. */
void bg_dkim_free(struct bg_dkim_run *run);

#endif
