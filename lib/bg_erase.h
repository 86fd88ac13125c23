/*
 * bg_erase.h - erasing one address from Redis (GDPR Art. 17), and the keyed
 * hash that keeps an erased address refused.
 *
 * After bg_erase_address the address is stored in clear nowhere under the
 * prefix: its record (bg:rcpt:<address>), its bounce history
 * (bg:bounces:<address>) and every confirmation claim naming it or its
 * base address (bg:confirm:<entity>:<address or base>) are deleted; each
 * bg:audit entry whose address field is it is deleted and added again at
 * the end of the stream with the address replaced by its pseudonym
 * ("forgotten:<hex>") and a field "was" holding the old entry's id (whose
 * first part is its time in milliseconds); stream entries cannot be edited.
 * On a single Redis all of it is one MULTI/EXEC. On a Cluster the keys
 * are found with SCAN on every master, and the audit parts are bg:audit
 * and every bg:audit:{<tag>} of every master (bg_audit.h); one transaction
 * cannot span slots, so the writes run in four steps, each one MULTI/EXEC
 * per slot, each step after the one before: the block (keep_blocked, first,
 * so the address is never open to mail while its record goes), the keys,
 * the audit entries (one part is one key: its rewrite is whole or not at
 * all), the forget entry in bg:audit (last). An erasure that stops half-way
 * leaves some of it done and says where it stopped; run again, it finds
 * what is left and finishes (an entry already rewritten no longer names
 * the address).
 * With keep_blocked, the string bg:blocked:<hex> ("blocked <unix-time>")
 * is set, hex the keyed hash of the address, and the recipient gate
 * refuses the address for every class of mail while the key exists.
 *
 * Keyed hashes: BLAKE2b-256 (crypto_generichash) of the normalised address
 * under a subkey of a key of the token key file (bg_token_keys_derive,
 * context "bgblock1" for bg:blocked:, "bgforget" for pseudonyms), as 64
 * lower-case hex digits (pseudonyms: the first 32). Blocks are made with
 * the signing key; the gate checks those of every key of the file (at most
 * BG_ERASE_KEYS), so a rotation keeps them while the old key stays in the
 * file.
 */
#ifndef BG_ERASE_H
#define BG_ERASE_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_redis.h"
#include "bg_token.h"

#define BG_ERASE_KEYS   4   /* keys of the file whose blocks the gate checks */
#define BG_ERASE_KEYLEN 160 /* buffer for a bg:blocked: key */

/*
 * Writes "<prefix>blocked:<hex>" for address under the n-th key of keys
 * into out (len >= BG_ERASE_KEYLEN). Returns 0, or -1 when there is no such
 * key.
 */
int bg_erase_blocked_key(const struct bg_token_keys *keys, size_t n, const char *prefix, const char *address, char *out,
                         size_t len);

/* What one erasure did. */
struct bg_erase_result {
	long keys_deleted;             /* records, bounce histories, claims */
	long audit_rewritten;          /* bg:audit entries deleted and added again pseudonymised */
	char pseudonym[48];            /* "forgotten:<32 hex>", or "forgotten" without keys */
	char blocked[BG_ERASE_KEYLEN]; /* with keep_blocked: the bg:blocked: key set */
};

/*
 * Erases address (normalised) and the claims of base (its base address,
 * or NULL when the same), after reading what to erase: in one MULTI/EXEC,
 * or on a Cluster in the steps above.
 * keys may be NULL unless keep_blocked (pseudonyms are then "forgotten").
 * With audit, the erasure itself is recorded (what=forget, the pseudonym as
 * address). With dry_run nothing is written and res says what would be.
 * Returns 0, or -1 with Redis' reason in err (on a Cluster, when writing:
 * the step, the slot and a key of the transaction that failed).
 */
int bg_erase_address(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const char *address,
                     const char *base, bool keep_blocked, bool audit, const char *who, bool dry_run,
                     struct bg_erase_result *res, char *err, size_t errlen);

#endif
