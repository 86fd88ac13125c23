/*
 * bg_metrics.h - the process's Prometheus metrics: a registry of counters
 * and histograms, and the text exposition format (version 0.0.4).
 *
 * A family is registered once, at start-up, before the threads that count
 * (registration takes a lock; counting never waits on one for a label set
 * it has seen before). A labelled counter keeps at most max_series label
 * sets: values past that are not counted, and
 * bulkguard_metrics_series_dropped_total{metric} says how many were lost.
 * Callers label only by values the configuration bounds (entity, pool,
 * group, verdict words), never by an address.
 *
 * Families every daemon shares are defined here: Redis round trips
 * (bulkguard_redis_latency_seconds, bulkguard_redis_errors_total{kind}) and
 * configuration reloads (bulkguard_config_reloads_total{result}).
 *
 * DIAGNOSTICS: none; a family that cannot be registered (a name used twice,
 * too many labels) is a programming error and aborts.
 */
#ifndef BG_METRICS_H
#define BG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define BG_METRICS_LABELS_MAX 4 /* label names of one family */

struct bg_metric; /* one family: its series live as long as the process */

/*
 * Registers a counter: name (ending in _total), help, labels (a
 * comma-separated list of at most BG_METRICS_LABELS_MAX names, or NULL for
 * none) and the most label sets it keeps. The strings are copied. Returns
 * the family, owned by the registry.
 */
struct bg_metric *bg_metrics_counter(const char *name, const char *help, const char *labels, size_t max_series);

/* Registers a histogram without labels: nbounds ascending upper bounds (copied); owned by the registry. */
struct bg_metric *bg_metrics_histogram(const char *name, const char *help, const double *bounds, size_t nbounds);

/*
 * Adds n to the series of m labelled values (one string per label name, in
 * their order; ignored for a family without labels). The values are copied
 * the first time they are seen. Thread-safe.
 */
void bg_metrics_add(struct bg_metric *m, const char *const *values, uint64_t n);

/* Adds 1; as bg_metrics_add. */
void bg_metrics_inc(struct bg_metric *m, const char *const *values);

/* Counts one observation of a histogram. Thread-safe. */
void bg_metrics_observe(struct bg_metric *m, double value);

/* Returns the current value of one series of a counter (0 when never counted); for tests. */
uint64_t bg_metrics_value(struct bg_metric *m, const char *const *values);

/* Renders every family in the text exposition format; the caller frees the text, *len is its length. */
char *bg_metrics_render(size_t *len);

/* The shared families. */
enum bg_metrics_reload { BG_METRICS_RELOAD_OK, BG_METRICS_RELOAD_REFUSED, BG_METRICS_RELOAD_FAILED };

/* Counts one Redis round trip of seconds (the wait for a command's reply). */
void bg_metrics_redis_latency(double seconds);

/* Counts one Redis error of kind: connect, io, timeout, eof, protocol, reply (an error reply), other. */
void bg_metrics_redis_error(const char *kind);

/* Counts one configuration reload by its result. */
void bg_metrics_reload(enum bg_metrics_reload result);

/* Seconds on the monotonic clock, for timing round trips. */
double bg_metrics_now(void);

#endif
