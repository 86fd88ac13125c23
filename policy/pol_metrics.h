/*
 * pol_metrics.h - policyd's Prometheus counters.
 *
 * bulkguard_policy_decisions_total{pool,group,action}: one per answer
 * (action: filter, dunno, defer, reject, unavailable, the fallback when
 * Redis could not decide); bulkguard_policy_ip_chosen_total{pool,ip}: the
 * pool's source address each FILTER chose. pool and group are names of
 * the configuration ("-" when none applies; a recipient domain outside
 * every domain_group counts as "other"), ip an address of a pool block.
 *
 * DIAGNOSTICS: none.
 */
#ifndef POL_METRICS_H
#define POL_METRICS_H

#include <stddef.h>

#include "bg_config.h"

#define POL_METRICS_NAME_MAX 130 /* bytes of a label value kept for a pending answer */

/* Registers the counters; once, before the loop runs. */
void pol_metrics_init(void);

/* Writes into out the group label of group: its name when cfg defines it, else "other" ("-" for NULL). */
void pol_metrics_group(const struct bg_config *cfg, const char *group, char *out, size_t len);

/* Counts one answer. pool may be NULL. */
void pol_metrics_decision(const char *pool, const char *group_label, const char *action);

/* Counts one FILTER through IP number n (1-based) of pool, as cfg has it (the number itself when cfg no longer does).
 */
void pol_metrics_ip(const struct bg_config *cfg, const char *pool, long long n);

#endif
