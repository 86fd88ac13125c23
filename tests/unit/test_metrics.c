/*
 * test_metrics.c - unit tests for the metrics registry (bg_metrics).
 *
 * A labelled counter keeps its bound: the label set past max_series is not
 * counted and shows in bulkguard_metrics_series_dropped_total; label values
 * are escaped in the exposition; a histogram's buckets are cumulative and
 * its count is its +Inf bucket; and eight threads counting the same and new
 * label sets at once lose no count.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_metrics.h"

#define THREADS 8
#define ROUNDS  20000

/* Whether the rendered text holds line (a whole line). */
static int
rendered_has(const char *line)
{
	size_t len;
	char *text = bg_metrics_render(&len);
	char *want = malloc(strlen(line) + 3);
	int found;

	sprintf(want, "\n%s\n", line);
	found = strstr(text, want) != NULL;
	free(want);
	free(text);
	return found;
}

/* The label set past the bound is dropped, and the drop is counted. */
static void
test_bound(void **state)
{
	struct bg_metric *m = bg_metrics_counter("bulkguard_test_bound_total", "test", "a", 2);
	const char *x[] = {"x"}, *y[] = {"y"}, *z[] = {"z"};

	(void)state;
	bg_metrics_inc(m, x);
	bg_metrics_add(m, y, 5);
	bg_metrics_inc(m, z);
	bg_metrics_inc(m, x);
	assert_int_equal(bg_metrics_value(m, x), 2);
	assert_int_equal(bg_metrics_value(m, y), 5);
	assert_int_equal(bg_metrics_value(m, z), 0);
	assert_true(rendered_has("bulkguard_test_bound_total{a=\"y\"} 5"));
	assert_false(rendered_has("bulkguard_test_bound_total{a=\"z\"} 1"));
	assert_true(rendered_has("bulkguard_metrics_series_dropped_total{metric=\"bulkguard_test_bound_total\"} 1"));
}

/* Backslash, double quote and newline in a value are escaped. */
static void
test_escape(void **state)
{
	struct bg_metric *m = bg_metrics_counter("bulkguard_test_escape_total", "test", "a,b", 4);
	const char *v[] = {"q\"b\\n\nx", "plain"};

	(void)state;
	bg_metrics_inc(m, v);
	assert_true(rendered_has("bulkguard_test_escape_total{a=\"q\\\"b\\\\n\\nx\",b=\"plain\"} 1"));
}

/* Buckets are cumulative; the count equals the +Inf bucket; the sum adds up. */
static void
test_histogram(void **state)
{
	static const double bounds[] = {0.1, 1};
	struct bg_metric *h = bg_metrics_histogram("bulkguard_test_seconds", "test", bounds, 2);

	(void)state;
	bg_metrics_observe(h, 0.05);
	bg_metrics_observe(h, 0.1);
	bg_metrics_observe(h, 0.5);
	bg_metrics_observe(h, 3);
	assert_true(rendered_has("bulkguard_test_seconds_bucket{le=\"0.1\"} 2"));
	assert_true(rendered_has("bulkguard_test_seconds_bucket{le=\"1\"} 3"));
	assert_true(rendered_has("bulkguard_test_seconds_bucket{le=\"+Inf\"} 4"));
	assert_true(rendered_has("bulkguard_test_seconds_count 4"));
	assert_true(rendered_has("bulkguard_test_seconds_sum 3.650000000"));
}

static struct bg_metric *shared;

/* One thread: the common label set and one of its own, ROUNDS times each. */
static void *
count_thread(void *arg)
{
	char own[16];
	const char *common[] = {"common"}, *mine[] = {own};

	snprintf(own, sizeof(own), "t%ld", (long)(intptr_t)arg);
	for (int i = 0; i < ROUNDS; i++) {
		bg_metrics_inc(shared, common);
		bg_metrics_inc(shared, mine);
	}
	return NULL;
}

/* Threads counting at once lose nothing, and each new label set gets one slot. */
static void
test_threads(void **state)
{
	pthread_t t[THREADS];
	const char *common[] = {"common"};
	char own[16];
	const char *mine[] = {own};

	(void)state;
	shared = bg_metrics_counter("bulkguard_test_threads_total", "test", "who", THREADS + 1);
	for (long i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_thread, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(bg_metrics_value(shared, common), (uint64_t)THREADS * ROUNDS);
	for (int i = 0; i < THREADS; i++) {
		snprintf(own, sizeof(own), "t%d", i);
		assert_int_equal(bg_metrics_value(shared, mine), ROUNDS);
	}
	assert_true(rendered_has("bulkguard_metrics_series_dropped_total{metric=\"bulkguard_test_threads_total\"} 0"));
}

/* The shared families are there, with HELP and TYPE, before anything counted. */
static void
test_shared(void **state)
{
	(void)state;
	bg_metrics_reload(BG_METRICS_RELOAD_REFUSED);
	assert_true(rendered_has("# TYPE bulkguard_redis_latency_seconds histogram"));
	assert_true(rendered_has("# TYPE bulkguard_redis_errors_total counter"));
	assert_true(rendered_has("bulkguard_config_reloads_total{result=\"refused\"} 1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound),   cmocka_unit_test(test_escape), cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_threads), cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests_name("bg_metrics", tests, NULL, NULL);
}
