/*
 * bg_rcpt.h - the recipient gate: may this sender mail this recipient now?
 *
 * One Redis round trip per recipient: HMGET of the recipient's hash
 * (suppressions in every scope that applies, consent for the entity and the
 * list), pipelined with HMGET of the suppressions of its base address (the
 * one person behind its variants, bg_addr_base) when that differs, and GET
 * of the entity's suspension key, and with the token keys GET of the keyed
 * hash of the address and of its base under each key (bg:blocked:, left by
 * bulkguard-ctl forget --keep-blocked). Consent is read from the literal address
 * only. Confirmation mail that passes costs one more command, an atomic SET
 * NX that claims the base address for confirmation_interval (the
 * subscription-bombing guard). Mail of no entity (an unknown sender) reads
 * the global suppress field of both addresses only, and is judged as
 * transactional mail: refused for dead addresses alone.
 *
 * The decision itself (bg_rcpt_decide) is pure and follows the class table
 * of doc/design.md (3.3); bg_rcpt_reply turns a decision into the contract's SMTP reply.
 *
 * DIAGNOSTICS: a Redis failure is the verdict BG_V_UNAVAILABLE, its text in bg_redis_error.
 */
#ifndef BG_RCPT_H
#define BG_RCPT_H

#include <stdbool.h>
#include <time.h>

#include "bg_addr.h"
#include "bg_redis.h"
#include "bg_sender.h"
#include "bg_token.h"

enum bg_verdict {
	BG_V_ACCEPT = 0,
	BG_V_SUPPRESSED,      /* 550 5.7.1 <addr>: recipient suppressed (<reason>) */
	BG_V_NO_CONSENT,      /* 550 5.7.1 <addr>: no recorded consent for <entity>[/<list>] */
	BG_V_SUSPENDED,       /* 451 4.7.1 bulk mail of <entity> suspended */
	BG_V_CONFIRM_RECENT,  /* 550 5.7.1 <addr>: confirmation sent recently */
	BG_V_ONE_PER_MESSAGE, /* 452 4.5.3 Too many recipients: one per message */
	BG_V_UNAVAILABLE,     /* 451 4.3.0 Recipient policy unavailable, try again later */
	BG_V_BAD_ADDRESS,     /* 550 5.1.3 <addr>: bad recipient address syntax */
	BG_V_COUNT
};

/* What Redis holds for one recipient, as far as one message is concerned. */
enum bg_fact {
	BG_F_SUPPRESS = 0,         /* suppress */
	BG_F_SUPPRESS_ENTITY,      /* suppress:<entity> */
	BG_F_SUPPRESS_LIST,        /* suppress:<entity>/<list> */
	BG_F_CONSENT_ENTITY,       /* consent:<entity> */
	BG_F_CONSENT_LIST,         /* consent:<entity>/<list> */
	BG_F_SUSPEND,              /* bg:suspend:<entity> */
	BG_F_BASE_SUPPRESS,        /* suppress of the base address */
	BG_F_BASE_SUPPRESS_ENTITY, /* suppress:<entity> of the base address */
	BG_F_BASE_SUPPRESS_LIST,   /* suppress:<entity>/<list> of the base address */
	BG_F_BLOCKED,              /* bg:blocked:<keyed hash> of the address or its base (bg_erase.h) */
	BG_F_COUNT
};

/* Values found, NUL-terminated, NULL when absent; they point into Redis replies. */
struct bg_rcpt_facts {
	const char *v[BG_F_COUNT];
};

struct bg_decision {
	enum bg_verdict verdict;
	char reason[33];         /* BG_V_SUPPRESSED: the reason word, safe for an SMTP reply */
	bool claim_confirmation; /* accepted confirmation mail: claim the address first */
};

struct bg_reply {
	char code[4];
	char xcode[8];
	char text[BG_ADDR_MAX + 160];
};

/*
 * Decides for one recipient of sender s from the facts, at time now; pure.
 * Suppressions are judged by reason: bounce and invalid (dead) refuse every
 * class; complaint refuses all but transactional mail (and mandated mail when
 * the entity lets notices reach complainers); any other reason is an
 * unsubscribe and refuses bulk and confirmation mail. The strongest reason
 * that applies is the one reported; the base address's suppressions count
 * as the literal address's do. A blocked (forgotten) address is refused for
 * every class, with the reason "blocked". Mail of no entity (s->entity NULL) is judged
 * as transactional mail by its global suppressions alone.
 */
void bg_rcpt_decide(const struct bg_sender *s, const struct bg_rcpt_facts *f, time_t now,
		    struct bg_decision *d);

/*
 * Asks Redis and decides: fetch (rcpt and its base address, in one round
 * trip), decide, and for confirmation mail claim the base address. keys
 * (NULL: none loaded) are the token keys whose bg:blocked: hashes count. Any
 * Redis error, timeout or malformed reply gives BG_V_UNAVAILABLE (the
 * caller applies on_redis_error); the text is in bg_redis_error(r). prefix
 * is the key prefix ("bg:").
 */
void bg_rcpt_check(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys,
		   const struct bg_sender *s, const struct bg_addr *rcpt, time_t now, struct bg_decision *d);

/* One key or hash field the gate read, and what it held. */
struct bg_rcpt_seen {
	char key[600];    /* bg:rcpt:<address>, bg:suspend:<entity>, bg:blocked:<hash>, bg:confirm:... */
	char field[160];  /* the hash field; "" for a string key */
	char value[420];  /* what it held (cut); "" when absent */
	bool found;
};

#define BG_RCPT_SEEN_MAX 24

/* Everything one explained decision read, in the order it was read. */
struct bg_rcpt_trace {
	struct bg_rcpt_seen seen[BG_RCPT_SEEN_MAX];
	int n;
};

/*
 * As bg_rcpt_check, but writes nothing: the same lookup and the same
 * decision; where the milter would claim a confirmation (SET NX), the
 * claim key is only read (GET), and an existing claim gives
 * BG_V_CONFIRM_RECENT as the SET NX would. Fills t with every key and field
 * read and its value. Owned by the caller.
 */
void bg_rcpt_explain(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys,
		     const struct bg_sender *s, const struct bg_addr *rcpt, time_t now, struct bg_decision *d,
		     struct bg_rcpt_trace *t);

/*
 * The end-of-message check of mail whose list came from List-Id (s->list
 * set by the caller): reads the recipient's suppressions in every scope,
 * list included, for it and its base address (one round trip, as
 * bg_rcpt_check) and judges them for s->class. Consent, suspension and the
 * confirmation guard were decided at RCPT and are not looked at again.
 * Returns 1 (suppressed: the reason word in reason), 0, or -1 when Redis
 * failed (the text in bg_redis_error(r)).
 */
int bg_rcpt_list_suppressed(struct bg_redis *r, const char *prefix, const struct bg_sender *s,
                            const struct bg_addr *rcpt, char *reason, size_t len);

/*
 * Writes the contract's reply for d into out. addr is the recipient as it
 * is to be shown (normalised, or as given for a bad address; it is cleaned
 * of anything unsafe in a reply).
 */
void bg_rcpt_reply(const struct bg_decision *d, const struct bg_sender *s, const char *addr,
		   struct bg_reply *out);

/* Returns a short name for a verdict, for logs ("suppressed", "no_consent"). */
const char *bg_verdict_name(enum bg_verdict v);

#endif
