/*
 * bg_metrics.c - the metrics registry and its text exposition.
 *
 * A labelled family holds a fixed array of max_series slots. A slot is
 * filled once, under the family's lock, and published by storing the new
 * count with release order; readers load the count with acquire order and
 * compare the published slots without the lock, so counting an existing
 * label set is a scan and one atomic add. Histograms keep one atomic
 * counter per bucket and the sum in nanoseconds.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bg_metrics.h"
#include "bg_util.h"

#define SERIES_HARD_MAX 4096 /* no family keeps more label sets than this */

enum kind { COUNTER, HISTOGRAM };

struct series {
	char *values[BG_METRICS_LABELS_MAX];
	_Atomic uint64_t n;
};

struct bg_metric {
	char *name, *help;
	enum kind kind;
	char *labels[BG_METRICS_LABELS_MAX];
	size_t nlabels;
	struct series *series; /* counters: max_series slots (1 without labels) */
	size_t max_series;
	_Atomic size_t nseries;
	_Atomic uint64_t dropped;
	pthread_mutex_t add;
	double *bounds; /* histograms */
	size_t nbounds;
	_Atomic uint64_t *buckets; /* nbounds + 1, the last one +Inf; not cumulative */
	_Atomic uint64_t sum_ns;
	struct bg_metric *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bg_metric *first, **last = &first;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static struct bg_metric *redis_latency, *redis_errors, *reloads;

/* Aborts on a programming error in a registration. */
static void
misuse(const char *name, const char *what)
{
	fprintf(stderr, "bg_metrics: %s: %s\n", name, what);
	abort();
}

/* Splits the comma-separated label names into m. */
static void
set_labels(struct bg_metric *m, const char *labels)
{
	const char *p = labels;

	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (m->nlabels == BG_METRICS_LABELS_MAX || n == 0)
			misuse(m->name, "bad label list");
		m->labels[m->nlabels++] = bg_xstrndup(p, n);
		p = comma ? comma + 1 : NULL;
	}
}

/* Adds m to the registry, refusing a name already there. */
static void
enlist(struct bg_metric *m)
{
	pthread_mutex_lock(&registry_lock);
	for (struct bg_metric *o = first; o != NULL; o = o->next)
		if (strcmp(o->name, m->name) == 0)
			misuse(m->name, "registered twice");
	*last = m;
	last = &m->next;
	pthread_mutex_unlock(&registry_lock);
}

/* A new family of kind with its name and help copied. */
static struct bg_metric *
family_new(const char *name, const char *help, enum kind kind)
{
	struct bg_metric *m = bg_xcalloc(1, sizeof(*m));

	m->name = bg_xstrdup(name);
	m->help = bg_xstrdup(help);
	m->kind = kind;
	pthread_mutex_init(&m->add, NULL);
	return m;
}

struct bg_metric *
bg_metrics_counter(const char *name, const char *help, const char *labels, size_t max_series)
{
	struct bg_metric *m = family_new(name, help, COUNTER);

	set_labels(m, labels);
	if (m->nlabels == 0) {
		m->max_series = 1;
		atomic_store(&m->nseries, 1); /* the one unlabelled series exists from the start */
	} else {
		m->max_series = max_series < 1 ? 1 : max_series > SERIES_HARD_MAX ? SERIES_HARD_MAX : max_series;
	}
	m->series = bg_xcalloc(m->max_series, sizeof(*m->series));
	enlist(m);
	return m;
}

struct bg_metric *
bg_metrics_histogram(const char *name, const char *help, const double *bounds, size_t nbounds)
{
	struct bg_metric *m = family_new(name, help, HISTOGRAM);

	for (size_t i = 1; i < nbounds; i++)
		if (!(bounds[i] > bounds[i - 1]))
			misuse(name, "bounds not ascending");
	m->bounds = bg_xcalloc(nbounds ? nbounds : 1, sizeof(*bounds));
	memcpy(m->bounds, bounds, nbounds * sizeof(*bounds));
	m->nbounds = nbounds;
	m->buckets = bg_xcalloc(nbounds + 1, sizeof(*m->buckets));
	enlist(m);
	return m;
}

/* Whether slot s holds exactly values. */
static int
same(const struct bg_metric *m, const struct series *s, const char *const *values)
{
	for (size_t i = 0; i < m->nlabels; i++)
		if (strcmp(s->values[i], values[i] != NULL ? values[i] : "") != 0)
			return 0;
	return 1;
}

/* The published slot of values among the first n, or NULL. */
static struct series *
find(struct bg_metric *m, const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same(m, &m->series[i], values))
			return &m->series[i];
	return NULL;
}

/* The slot of values, filled now if new; NULL when the family is full. */
static struct series *
slot(struct bg_metric *m, const char *const *values)
{
	size_t n = atomic_load_explicit(&m->nseries, memory_order_acquire);
	struct series *s;

	if (m->nlabels == 0)
		return &m->series[0];
	if ((s = find(m, values, n)) != NULL)
		return s;
	pthread_mutex_lock(&m->add);
	n = atomic_load_explicit(&m->nseries, memory_order_acquire);
	if ((s = find(m, values, n)) == NULL && n < m->max_series) {
		s = &m->series[n];
		for (size_t i = 0; i < m->nlabels; i++)
			s->values[i] = bg_xstrdup(values[i] != NULL ? values[i] : "");
		atomic_store_explicit(&m->nseries, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&m->add);
	return s;
}

void
bg_metrics_add(struct bg_metric *m, const char *const *values, uint64_t n)
{
	struct series *s = slot(m, values);

	if (s != NULL)
		atomic_fetch_add_explicit(&s->n, n, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&m->dropped, n, memory_order_relaxed);
}

void
bg_metrics_inc(struct bg_metric *m, const char *const *values)
{
	bg_metrics_add(m, values, 1);
}

void
bg_metrics_observe(struct bg_metric *m, double value)
{
	size_t i = 0;

	while (i < m->nbounds && value > m->bounds[i])
		i++;
	atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
	if (value > 0 && isfinite(value))
		atomic_fetch_add_explicit(&m->sum_ns, (uint64_t)(value * 1e9), memory_order_relaxed);
}

uint64_t
bg_metrics_value(struct bg_metric *m, const char *const *values)
{
	size_t n = atomic_load_explicit(&m->nseries, memory_order_acquire);
	struct series *s = m->nlabels == 0 ? &m->series[0] : find(m, values, n);

	return s != NULL ? atomic_load_explicit(&s->n, memory_order_relaxed) : 0;
}

/* Writes a label value with the format's escapes (backslash, double quote, newline). */
static void
put_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* Writes a counter's series. */
static void
put_counter(FILE *f, struct bg_metric *m)
{
	size_t n = atomic_load_explicit(&m->nseries, memory_order_acquire);

	for (size_t i = 0; i < n; i++) {
		struct series *s = &m->series[i];

		fputs(m->name, f);
		for (size_t l = 0; l < m->nlabels; l++) {
			fprintf(f, "%s%s=\"", l ? "," : "{", m->labels[l]);
			put_value(f, s->values[l]);
			fputc('"', f);
		}
		fprintf(f, "%s %llu\n", m->nlabels ? "}" : "",
		        (unsigned long long)atomic_load_explicit(&s->n, memory_order_relaxed));
	}
}

/* Writes a histogram: cumulative buckets, then the sum and the count (the +Inf bucket's value). */
static void
put_histogram(FILE *f, struct bg_metric *m)
{
	unsigned long long total = 0;

	for (size_t i = 0; i <= m->nbounds; i++) {
		total += atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
		if (i < m->nbounds)
			fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", m->name, m->bounds[i], total);
		else
			fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", m->name, total);
	}
	fprintf(f, "%s_sum %.9f\n", m->name, (double)atomic_load_explicit(&m->sum_ns, memory_order_relaxed) / 1e9);
	fprintf(f, "%s_count %llu\n", m->name, total);
}

/* Writes how many counts each labelled family lost to its bound. */
static void
put_dropped(FILE *f)
{
	fputs("# HELP bulkguard_metrics_series_dropped_total Counts not kept because the metric had its most label "
	      "sets.\n# TYPE bulkguard_metrics_series_dropped_total counter\n",
	      f);
	for (struct bg_metric *m = first; m != NULL; m = m->next)
		if (m->kind == COUNTER && m->nlabels > 0)
			fprintf(f, "bulkguard_metrics_series_dropped_total{metric=\"%s\"} %llu\n", m->name,
			        (unsigned long long)atomic_load_explicit(&m->dropped, memory_order_relaxed));
}

/* Registers the families every daemon shares. */
static void
shared_init(void)
{
	static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	                                0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};

	redis_latency = bg_metrics_histogram("bulkguard_redis_latency_seconds",
	                                     "Seconds from sending Redis a command to its reply.", bounds,
	                                     sizeof(bounds) / sizeof(bounds[0]));
	redis_errors = bg_metrics_counter("bulkguard_redis_errors_total", "Redis failures by kind.", "kind", 16);
	reloads = bg_metrics_counter("bulkguard_config_reloads_total", "Configuration reloads (SIGHUP) by result.",
	                             "result", 4);
}

char *
bg_metrics_render(size_t *len)
{
	char *text = NULL;
	FILE *f;

	pthread_once(&shared_once, shared_init);
	if ((f = open_memstream(&text, len)) == NULL)
		abort();
	pthread_mutex_lock(&registry_lock);
	for (struct bg_metric *m = first; m != NULL; m = m->next) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
		        m->kind == COUNTER ? "counter" : "histogram");
		if (m->kind == COUNTER)
			put_counter(f, m);
		else
			put_histogram(f, m);
	}
	put_dropped(f);
	pthread_mutex_unlock(&registry_lock);
	if (fclose(f) != 0)
		abort();
	return text;
}

void
bg_metrics_redis_latency(double seconds)
{
	pthread_once(&shared_once, shared_init);
	bg_metrics_observe(redis_latency, seconds);
}

void
bg_metrics_redis_error(const char *kind)
{
	pthread_once(&shared_once, shared_init);
	bg_metrics_inc(redis_errors, &kind);
}

/* The name of a reload result. */
static const char *
reload_name(enum bg_metrics_reload r)
{
	switch (r) {
	case BG_METRICS_RELOAD_OK: return "ok";
	case BG_METRICS_RELOAD_REFUSED: return "refused";
	case BG_METRICS_RELOAD_FAILED: return "failed";
	}
	return "failed";
}

void
bg_metrics_reload(enum bg_metrics_reload result)
{
	const char *v = reload_name(result);

	pthread_once(&shared_once, shared_init);
	bg_metrics_inc(reloads, &v);
}

double
bg_metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
