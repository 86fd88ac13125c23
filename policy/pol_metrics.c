/*
 * pol_metrics.c - policyd's counters; labels only from the configuration.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_metrics.h"
#include "bg_util.h"
#include "pol_metrics.h"

#define SERIES_MAX 2048 /* pools x groups x actions, and pools x IPs, stay far below */

static struct bg_metric *decisions, *ips;

void
pol_metrics_init(void)
{
	decisions = bg_metrics_counter("bulkguard_policy_decisions_total",
	                               "Policy answers at RCPT, by pool, domain group and action.", "pool,group,action",
	                               SERIES_MAX);
	ips = bg_metrics_counter("bulkguard_policy_ip_chosen_total",
	                         "FILTER answers by pool and the source IP they chose.", "pool,ip", SERIES_MAX);
}

void
pol_metrics_group(const struct bg_config *cfg, const char *group, char *out, size_t len)
{
	bg_strlcpy(out, group == NULL ? "-" : "other", len);
	for (size_t i = 0; group != NULL && i < cfg->n_groups; i++)
		if (strcasecmp(cfg->groups[i].name, group) == 0) {
			bg_strlcpy(out, cfg->groups[i].name, len);
			return;
		}
}

void
pol_metrics_decision(const char *pool, const char *group_label, const char *action)
{
	const char *v[3] = {pool != NULL ? pool : "-", group_label, action};

	if (decisions != NULL)
		bg_metrics_inc(decisions, v);
}

/* The pool block named name, or NULL. */
static const struct bg_pool *
find_pool(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

void
pol_metrics_ip(const struct bg_config *cfg, const char *pool, long long n)
{
	const struct bg_pool *p = find_pool(cfg, pool);
	char num[24];
	const char *v[2] = {pool != NULL ? pool : "-", num};

	snprintf(num, sizeof(num), "%lld", n);
	if (p != NULL && n >= 1 && (size_t)n <= p->ips.n)
		v[1] = p->ips.v[n - 1];
	if (ips != NULL)
		bg_metrics_inc(ips, v);
}
