/*
 * ld_metrics.h - bulkguard-logd's metrics listener and counters.
 *
 * With reputation.metrics_listen set, logd serves /metrics and /healthz
 * (bg_metrics_http) from a thread of its own: the shared Redis families,
 * bulkguard_logd_lines_total (log lines read) and
 * bulkguard_logd_deliveries_total{pool,status,signal} (delivery lines by
 * the pool of their transport, "-" for any other transport, status sent,
 * deferred, bounced or expired, signal none, throttle, block or dead).
 *
 * DIAGNOSTICS: ld_metrics_listen and ld_metrics_start exit (71) when the
 * listener cannot be set up, as the other daemons do.
 */
#ifndef LD_METRICS_H
#define LD_METRICS_H

#include "bg_config.h"
#include "ld_parse.h"

/* Registers the counters and, when cfg names a listener, listens there (before the privilege drop). */
void ld_metrics_listen(const struct bg_config *cfg);

/* Serves the listener, once detached; /healthz PINGs cfg's Redis (cfg must outlive ld_metrics_stop). */
void ld_metrics_start(const struct bg_config *cfg);

/* Stops serving and closes the listener. */
void ld_metrics_stop(void);

/* Counts one line read. */
void ld_metrics_line(void);

/* Counts one delivery line; pool is a pool block's name or NULL. */
void ld_metrics_delivery(const char *pool, const struct ld_record *rec);

#endif
