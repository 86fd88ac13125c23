/*
 * pol_limit.h - what one RCPT request must be checked against, and how.
 *
 * Pure: from the configuration and a request it finds the entity and class
 * (bg_sender_resolve, as the milter does: a login alone picks the entity,
 * an unlisted login is an unknown sender, a sender outside the login's
 * entity's domains is not authorized), the pool of that class, the
 * recipient's destination group (domain_group, or the domain itself), and
 * builds the arguments of the one Redis script (POL_LIMIT_SCRIPT) that
 * checks every rate and the warm-up cap atomically, charging all or none.
 * The plan owns copies of everything, so the configuration may be replaced
 * while a check is in flight.
 */
#ifndef POL_LIMIT_H
#define POL_LIMIT_H

#include <stddef.h>

#include "bg_config.h"
#include "pol_proto.h"

#define POL_MAX_CHECKS 32 /* rate checks per request; more matching limits are ignored */

enum pol_verdict {
	POL_V_CHECK = 0, /* run the plan */
	POL_V_NOT_RCPT,  /* protocol_state is not RCPT */
	POL_V_NO_ENTITY, /* the sender matches no entity */
	POL_V_NO_POOL,   /* the entity names no pool for this class, or an unknown one */
	POL_V_BAD_RCPT,  /* the recipient cannot be normalised */
	POL_V_NO_LIMITS, /* nothing to check and no IP to choose */
	POL_V_NOT_AUTHORIZED, /* a login whose entity does not own the sender: refuse */
};

struct pol_plan {
	char *pool, *group, *entity, *class_name;
	char **argv; /* "EVALSHA", sha placeholder, nkeys, keys..., args... */
	size_t *argvlen;
	int argc;
	int nkeys;
	size_t n_ips; /* the pool's IPs; 0: no transport, the answer is DUNNO */
};

/*
 * The Lua script: returns {1, ip} (charged; ip is the number, 1..n, of the
 * pool's IP the message leaves from: the one with the fewest messages today
 * under today's warm-up cap) or {0, seconds to wait} (nothing charged).
 */
extern const char POL_LIMIT_SCRIPT[];

/*
 * Decides what r needs. On POL_V_CHECK fills plan (argv[0] and argv[1] are
 * left for the caller: command and script or SHA); the caller frees it with
 * pol_plan_free. Otherwise plan is left empty (pol_plan_free is still fine).
 */
enum pol_verdict pol_limit_plan(const struct bg_config *cfg, const struct pol_request *r, struct pol_plan *plan);

/* Frees what plan holds; leaves it empty. */
void pol_plan_free(struct pol_plan *plan);

/* Returns a short word for v ("not-rcpt", "no-entity"...); static. */
const char *pol_verdict_name(enum pol_verdict v);

#endif
