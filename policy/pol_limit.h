/*
 * pol_limit.h - what one RCPT request must be checked against, and the log
 * line of each decision.
 *
 * The decision itself is lib's (bg_limit.h), shared with bulkguard-ctl
 * explain; this adds what only a policy request has: its protocol state and
 * attributes.
 */
#ifndef POL_LIMIT_H
#define POL_LIMIT_H

#include <stddef.h>

#include "bg_config.h"
#include "bg_limit.h"
#include "pol_proto.h"

#define POL_LIMIT_SCRIPT BG_LIMIT_SCRIPT

enum pol_verdict {
	POL_V_CHECK = 0,      /* run the plan */
	POL_V_NOT_RCPT,       /* protocol_state is not RCPT */
	POL_V_NO_ENTITY,      /* the sender matches no entity */
	POL_V_NO_POOL,        /* the entity names no pool for this class, or an unknown one */
	POL_V_BAD_RCPT,       /* the recipient cannot be normalised */
	POL_V_NO_LIMITS,      /* nothing to check and no IP to choose */
	POL_V_NOT_AUTHORIZED, /* a login whose entity does not own the sender: refuse */
};

/*
 * Decides what r needs (bg_limit_plan). plan is filled as far as the
 * decision went; the caller frees it with bg_limit_plan_free in every case.
 */
enum pol_verdict pol_limit_plan(const struct bg_config *cfg, const struct pol_request *r, struct bg_limit_plan *plan);

/* Returns a short word for v ("not-rcpt", "no-entity"...); static. */
const char *pol_verdict_name(enum pol_verdict v);

/*
 * Logs one decision: instance, sender, recipient, entity, class, pool,
 * group, then the action and what goes with it (extra: "transport=..",
 * "retry=..", "why=.."; NULL for nothing). Values from the client are cut
 * and cleaned of spaces and quotes.
 */
void pol_limit_log(const char *instance, const struct bg_limit_plan *plan, const char *action, const char *extra);

#endif
