/*
 * bg_limit.h - the policy decision: which pool and limits one recipient is
 * checked against, the Redis script that checks them, and the answer.
 *
 * Pure but for the script: from the configuration, a login, an envelope
 * sender and a recipient it finds the entity and class (bg_sender_resolve,
 * as the milter does: a login alone picks the entity, an unlisted login is
 * an unknown sender, a sender outside the login's entity's domains is not
 * authorized), the pool of that class, the recipient's destination group
 * (domain_group, or the domain itself), and builds the arguments of the one
 * Redis script (BG_LIMIT_SCRIPT) that checks every rate and the warm-up cap
 * atomically, charging all or none. bulkguard-policyd runs it; bulkguard-ctl
 * explain runs it read-only (nothing written). The plan owns copies of
 * everything, so the configuration may be replaced while a check is in
 * flight.
 */
#ifndef BG_LIMIT_H
#define BG_LIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "bg_config.h"

#define BG_LIMIT_MAX_CHECKS    32      /* rate checks per request; more matching limits are ignored */
#define BG_LIMIT_POOL_NAME_MAX 300     /* a pool's name as written in keys, tag and NUL included */
#define BG_LIMIT_ONE_TAG       "{all}" /* every policy key's tag on a Cluster with a limit without a pool */

/* The contract's fixed answers (doc/design.md 3.8, 3.3). */
#define BG_LIMIT_ACTION_UNAVAILABLE    "DEFER_IF_PERMIT 4.3.0 Policy unavailable, try again later"
#define BG_LIMIT_ACTION_NOT_AUTHORIZED "550 5.7.1 sender not authorized for this login"

enum bg_limit_verdict {
	BG_LIMIT_CHECK = 0,      /* run the plan */
	BG_LIMIT_NO_ENTITY,      /* the sender matches no entity */
	BG_LIMIT_NO_POOL,        /* the entity names no pool for this class, or an unknown one */
	BG_LIMIT_BAD_RCPT,       /* the recipient cannot be normalised */
	BG_LIMIT_NO_LIMITS,      /* nothing to check and no IP to choose */
	BG_LIMIT_NOT_AUTHORIZED, /* a login whose entity does not own the sender: refuse */
};

/* What the script's reply means. */
enum bg_limit_outcome {
	BG_LIMIT_FILTER = 0, /* charged: FILTER to the pool's IP *n */
	BG_LIMIT_DUNNO,      /* charged, a pool without IPs: DUNNO */
	BG_LIMIT_DEFER,      /* a limit or cap reached: retry in *n seconds, nothing charged */
	BG_LIMIT_BAD_REPLY,  /* not the script's reply: treat as a Redis failure */
};

struct bg_limit_plan {
	char *pool, *group, *entity, *class_name;
	char *sender, *login, *rcpt; /* for log lines: sender and login as given, the recipient normalised */
	char **argv;                 /* "EVALSHA", sha placeholder, nkeys, keys..., args... */
	size_t *argvlen;
	int argc;
	int nkeys;
	size_t n_ips; /* the pool's IPs; 0: no transport, the answer is DUNNO */
};

/*
 * The Lua script: returns {1, ip} (charged; ip is the number, 1..n, of the
 * pool's IP the message leaves from: the one with the fewest messages today
 * under today's warm-up cap) or {0, seconds to wait} (nothing charged). Its
 * last argument is "rw", or "ro" to compute the same answer and write
 * nothing.
 */
extern const char BG_LIMIT_SCRIPT[];

/*
 * Decides what a recipient needs: sasl (NULL or "" when none), the envelope
 * sender (senderlen bytes as the client gave it; 0 for the null sender) and
 * the recipient. On BG_LIMIT_CHECK fills plan (argv[0] and argv[1] are left
 * for the caller: command and script or SHA), read-only when readonly; the
 * caller frees it with bg_limit_plan_free. Otherwise plan holds the names
 * found so far (entity, class, pool, group, sender, rcpt may be NULL).
 */
enum bg_limit_verdict bg_limit_plan(const struct bg_config *cfg, const char *sasl, const char *sender, size_t senderlen,
                                    const char *rcpt, size_t rcptlen, bool readonly, struct bg_limit_plan *plan);

/*
 * Writes pool as the policy keys name it into buf (len bytes, cut to fit):
 * "pool" on one Redis; on a Redis Cluster (cfg's cluster_nodes set) "{pool}",
 * a hash tag, or "{all}pool" when bg_limit_one_slot. The limit script's keys
 * and bg:brake:pair:<that>:<group> use it.
 */
void bg_limit_pool_name(const struct bg_config *cfg, const char *pool, char *buf, size_t len);

/*
 * True on a Redis Cluster whose configuration has a limit row without a pool:
 * such a row counts across pools, hence slots, so every policy key then
 * carries the one tag BG_LIMIT_ONE_TAG and all checks run in one slot.
 */
bool bg_limit_one_slot(const struct bg_config *cfg);

/* Frees what plan holds; leaves it empty. */
void bg_limit_plan_free(struct bg_limit_plan *plan);

/* Returns a short word for v ("no-entity"...); static. */
const char *bg_limit_verdict_name(enum bg_limit_verdict v);

/*
 * Reads the script's reply: writes the policy answer (without "action=")
 * into action and the IP number or the seconds to wait into *n.
 */
enum bg_limit_outcome bg_limit_answer(const struct bg_limit_plan *plan, const redisReply *reply, char *action,
                                      size_t len, long long *n);

#endif
