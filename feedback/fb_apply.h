/*
 * fb_apply.h - a classified feedback record written to Redis as suppressions.
 *
 * 5.1.1, 5.1.2 and 5.1.10 suppress the address for every sender (bounce,
 * source dsn-<status>). Other 5.x.x bounces are added to the sorted set
 * bg:bounces:<address> (score: the time) and suppress (bounce,
 * dsn-repeated) once feedback.bounce_threshold of them, no older than
 * FB_BOUNCE_WINDOW_DAYS, span at least feedback.bounce_min_span_days
 * (newest - oldest). ARF abuse and fraud reports suppress the complainer for
 * the entity (complaint, arf); an unsubscribe mail for the token's entity,
 * or list with unsubscribe_scope = list (unsubscribe, mailto).
 *
 * Only verified origins write: a DSN recipient that a VERP verifies
 * (fb_rcpt.verp), an ARF report whose reported message carries a token that
 * opens or a verified VERP (version 2 names the entity by its tag, version 1
 * by its return_path_domain), an unsubscribe mail with a token, a reply
 * (FB_REPLY) with a token or whose reply address verifies (reason
 * unsubscribe, source reply, for the entity of the address's tag; a reply
 * address that does not verify is counted whether the reply asks or not),
 * and a mail to an abuse address with a token or a verified VERP (a
 * complaint, as an ARF report; fb_classify reads it as one). Anything
 * else that would have written, and every mail refused as a report
 * (auto-replies, bounces from a sender that is not null), writes nothing but
 * HINCRBY <prefix>unverified <reason> 1 and one log line with its reason.
 */
#ifndef FB_APPLY_H
#define FB_APPLY_H

#include <time.h>

#include "bg_config.h"
#include "bg_redis.h"
#include "fb_classify.h"

#define FB_UNVERIFIED_KEY     "unverified" /* after the prefix: hash of reason -> count */
#define FB_BOUNCE_WINDOW_DAYS 90           /* hard bounces older than this are forgotten (at least twice the span) */

enum fb_result {
	FB_DONE = 0, /* written, or nothing to write */
	FB_TEMPFAIL, /* Redis could not be written: the mail must be retried */
};

/*
 * Writes what r says for the mail with id (for logs) at time now, through
 * redis. Logs one line per decision. Returns FB_DONE or FB_TEMPFAIL (then
 * some writes may be missing; every write is idempotent, so a retry is safe).
 */
enum fb_result fb_apply(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now,
                        const char *id);

/*
 * Logs that the mail with id writes nothing for addr (NULL: none) because its
 * origin is not verified (reason, a short word), and adds one to the field
 * reason of the hash <prefix>unverified through redis (NULL: log only). A
 * failed count is logged and otherwise ignored: it loses no suppression.
 */
void fb_apply_unverified(const struct bg_config *cfg, struct bg_redis *redis, const char *id, const char *what,
                         const char *addr, const char *reason);

/* Writes into out the Redis form of a (lower case unless keep_local_case); returns false if refused. */
bool fb_apply_address(const struct bg_config *cfg, const struct bg_addr *a, struct bg_addr *out);

#define FB_ENTITIES_MAX 8

/* Whom a complaint or an unsubscribe mail suppresses, and for which entities. */
struct fb_target {
	struct bg_addr addr;                 /* in Redis form */
	const char *entity[FB_ENTITIES_MAX]; /* names, owned by cfg or r */
	size_t n_entity;
	const char *list; /* unsubscribe_scope = list: the token's list, else NULL */
	const char *via;  /* token, verp */
	const char *why;  /* when none is found: the reason, a static word */
};

/*
 * Finds the target of an ARF report or an unsubscribe mail r into *t: the
 * token's, else the verified VERP's recipient and entity (its tag, or for
 * version 1 the entities of its return_path_domain). Never the report's own
 * fields. Returns false when nobody or no entity is verified (t->why says
 * why). t points into cfg and r: it lives as long as both.
 */
bool fb_apply_target(const struct bg_config *cfg, const struct fb_record *r, struct fb_target *t);

/*
 * Returns the reply_mailbox a reply to rcpt is passed on to: that of the
 * entity at rcpt's reply_domain whose verp_tag is tag (what the address
 * carries, verified or not: passing on writes nothing), else of the first
 * entity at that domain; NULL when none. Owned by cfg.
 */
const char *fb_apply_reply_mailbox(const struct bg_config *cfg, const char *tag, const char *rcpt);

#endif
