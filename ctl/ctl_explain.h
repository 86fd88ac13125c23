/*
 * ctl_explain.h - bulkguard-ctl's "explain" command: why a recipient would
 * be accepted or refused, and what policyd would answer, from the same
 * decision code the milter and policyd run, without writing anything.
 */
#ifndef CTL_EXPLAIN_H
#define CTL_EXPLAIN_H

#include "bg_config.h"

#define CTL_EXPLAIN_USAGE "explain --from SENDER [--sasl LOGIN] RECIPIENT"

/*
 * Runs "explain --from SENDER [--sasl LOGIN] RECIPIENT" (argv[0] is the
 * command word): prints the entity, list and class, the milter's answer at
 * MAIL, every key and field the recipient gate reads with its value, the
 * verdict and the exact SMTP reply, and policyd's answer (its rate script
 * run read-only: nothing is charged, no confirmation is claimed). Returns 0;
 * 64 for bad usage; 69 when Redis does not answer (the answers printed are
 * then the ones the daemons give when Redis fails).
 */
int ctl_explain(const struct bg_config *cfg, int argc, char **argv);

#endif
