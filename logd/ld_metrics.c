/*
 * ld_metrics.c - logd's counters (the skeleton, bg_server, serves them).
 */
#include "config.h"

#include "bg_metrics.h"
#include "ld_metrics.h"

#define SERIES_MAX 1024 /* pools x 4 statuses x 4 signals */

static struct bg_metric *lines, *deliveries;

void
ld_metrics_init(void)
{
	lines = bg_metrics_counter("bulkguard_logd_lines_total", "Log lines read.", NULL, 1);
	deliveries = bg_metrics_counter("bulkguard_logd_deliveries_total", "Delivery lines by pool, status and signal.",
	                                "pool,status,signal", SERIES_MAX);
}

void
ld_metrics_line(void)
{
	bg_metrics_inc(lines, NULL);
}

void
ld_metrics_delivery(const char *pool, const struct ld_record *rec)
{
	const char *v[3] = {pool != NULL ? pool : "-", ld_status_name(rec->status), ld_signal_name(rec->signal)};

	bg_metrics_inc(deliveries, v);
}
