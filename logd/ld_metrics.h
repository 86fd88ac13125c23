/*
 * ld_metrics.h - bulkguard-logd's metrics listener and counters.
 *
 * With reputation.metrics_listen set, the daemon skeleton (bg_server) serves
 * /metrics and /healthz for logd as for every daemon: the shared Redis
 * families, bulkguard_logd_lines_total (log lines read) and
 * bulkguard_logd_deliveries_total{pool,status,signal} (delivery lines by
 * the pool of their transport, "-" for any other transport, status sent,
 * deferred, bounced or expired, signal none, throttle, block or dead).
 *
 * DIAGNOSTICS: nothing here fails (a label set past the limit is counted as dropped).
 */
#ifndef LD_METRICS_H
#define LD_METRICS_H

#include "ld_parse.h"

/* Registers logd's counters; once, before any is counted. */
void ld_metrics_init(void);

/* Counts one line read. */
void ld_metrics_line(void);

/* Counts one delivery line; pool is a pool block's name or NULL. */
void ld_metrics_delivery(const char *pool, const struct ld_record *rec);

#endif
