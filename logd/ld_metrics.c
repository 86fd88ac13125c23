/*
 * ld_metrics.c - logd's counters and its metrics listener.
 *
 * logd does not run in the daemon skeleton (bg_server): it listens and
 * starts bg_metrics_http itself, by the same rule (TCP only, opened before
 * the drop, served once detached). The health check makes its own Redis
 * connection: the main loop's is not shared across threads.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "bg_listen.h"
#include "bg_log.h"
#include "bg_metrics.h"
#include "bg_metrics_http.h"
#include "bg_redis.h"
#include "ld_metrics.h"

#define SERIES_MAX 1024 /* pools x 4 statuses x 4 signals */

static struct bg_metric *lines, *deliveries;
static int listen_fd = -1;
static struct bg_metrics_http *http;

void
ld_metrics_listen(const struct bg_config *cfg)
{
	const char *spec = cfg->reputation.metrics_listen;
	char err[512];

	lines = bg_metrics_counter("bulkguard_logd_lines_total", "Log lines read.", NULL, 1);
	deliveries = bg_metrics_counter("bulkguard_logd_deliveries_total", "Delivery lines by pool, status and signal.",
	                                "pool,status,signal", SERIES_MAX);
	if (spec == NULL || *spec == '\0')
		return;
	if (strncmp(spec, "unix:", 5) == 0)
		bg_log_fatal(BG_EX_CONFIG, "metrics_listen \"%s\" is not host:port or [v6]:port", spec);
	if ((listen_fd = bg_listen_open(spec, 0, BG_METRICS_HTTP_CONN_MAX, err, sizeof(err))) < 0)
		bg_log_fatal(71, "metrics: %s", err);
}

/* /healthz: cfg's Redis answers a PING on a connection of its own. */
static bool
healthy(void *arg, char *why, size_t len)
{
	const struct bg_config *cfg = arg;
	const char *err = NULL;
	struct bg_redis *r = bg_redis_new(cfg->redis.address, cfg->redis.timeout_ms, &err);
	bool ok;

	if (r == NULL) {
		snprintf(why, len, "redis %s: %s", cfg->redis.address, err);
		return false;
	}
	ok = bg_metrics_http_ping(r, why, len);
	bg_redis_free(r);
	return ok;
}

void
ld_metrics_start(const struct bg_config *cfg)
{
	char err[512];

	if (listen_fd < 0)
		return;
	if ((http = bg_metrics_http_start(listen_fd, healthy, (void *)cfg, err, sizeof(err))) == NULL)
		bg_log_fatal(71, "metrics %s: %s", cfg->reputation.metrics_listen, err);
	bg_log_info("metrics on %s", cfg->reputation.metrics_listen);
}

void
ld_metrics_stop(void)
{
	bg_metrics_http_stop(http);
	http = NULL;
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
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
