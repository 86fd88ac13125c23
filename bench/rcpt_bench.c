/*
 * rcpt_bench.c - the milter's recipient lookups (bg_rcpt_check) against the Redis of a configuration.
 *
 * SYNOPSIS
 *	rcpt_bench -c conf -f sender [-n lookups | -d seconds] [-t threads] [-v] < addresses
 *
 * DESCRIPTION
 *	Reads recipient addresses, one a line, resolves sender as the milter
 *	does (bg_sender_resolve) and runs bg_rcpt_check, the milter's own
 *	RCPT decision (one pipeline per recipient; on a Cluster one per
 *	master), over the addresses in turn until lookups were made (default:
 *	each address once) or for seconds, from threads threads (default 1),
 *	each with its own connection as each milter worker has. Prints one
 *	line: lookups=N seconds=S per_second=R and the count of each verdict.
 *	With -v (one thread) prints "address verdict" per lookup first. Works the same on one Redis (redis.address) and
 *on a Cluster (redis.cluster_nodes).
 *
 * DIAGNOSTICS
 *	Exit 0; 64 for bad usage; 78 for a bad configuration or sender.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg_config.h"
#include "bg_rcpt.h"
#include "bg_redis.h"
#include "bg_sender.h"
#include "bg_util.h"

#define MAX_ADDRS 2000000

struct job {
	const struct bg_config *cfg;
	const struct bg_sender *sender;
	struct bg_addr *addr;
	size_t naddr, first, count;
	double seconds; /* > 0: run this long instead of count lookups */
	int verbose;
	unsigned long verdicts[BG_V_COUNT];
};

/* Returns the monotonic clock in seconds. */
static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs one thread's lookups. */
static void *
run(void *arg)
{
	struct job *j = arg;
	const char *err;
	struct bg_redis *r = bg_redis_new(&j->cfg->redis, &err);
	struct bg_decision d;

	if (r == NULL) {
		fprintf(stderr, "rcpt_bench: %s\n", err);
		exit(78);
	}
	double end = now() + j->seconds;

	for (size_t i = 0; j->seconds > 0 ? now() < end : i < j->count; i++) {
		const struct bg_addr *a = &j->addr[(j->first + i) % j->naddr];
		bg_rcpt_check(r, j->cfg->redis.prefix, NULL, j->sender, a, time(NULL), &d);
		if (d.verdict < BG_V_COUNT)
			j->verdicts[d.verdict]++;
		if (j->verbose)
			printf("%s %s\n", a->text, bg_verdict_name(d.verdict));
	}
	bg_redis_free(r);
	return NULL;
}

/* Reads the addresses from stdin; returns how many. */
static size_t
read_addrs(struct bg_addr **out)
{
	char line[1024];
	size_t n = 0, cap = 1024;
	struct bg_addr *a = bg_xcalloc(cap, sizeof(*a));

	while (n < MAX_ADDRS && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap)
			a = bg_xreallocarray(a, cap *= 2, sizeof(*a));
		if (bg_addr_normalise(line, strlen(line), 0, &a[n]) == BG_ADDR_OK)
			n++;
	}
	*out = a;
	return n;
}

/* Prints the summary line. */
static void
report(const struct job *jobs, int threads, double secs)
{
	unsigned long total = 0, v[BG_V_COUNT] = {0};

	for (int t = 0; t < threads; t++)
		for (int k = 0; k < BG_V_COUNT; k++)
			v[k] += jobs[t].verdicts[k], total += jobs[t].verdicts[k];
	printf("lookups=%lu seconds=%.3f per_second=%.0f", total, secs, secs > 0 ? total / secs : 0.0);
	for (int k = 0; k < BG_V_COUNT; k++)
		if (v[k] > 0)
			printf(" %s=%lu", bg_verdict_name((enum bg_verdict)k), v[k]);
	printf("\n");
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *from = NULL;
	long lookups = 0, threads = 1;
	double seconds = 0;
	int verbose = 0, c;
	char err[512];
	struct bg_config *cfg;
	struct bg_sender s;
	struct bg_addr *addr;
	size_t naddr;
	struct job *jobs;
	pthread_t *tid;
	double t0;

	while ((c = getopt(argc, argv, "c:d:f:n:t:v")) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'd': seconds = atof(optarg); break;
		case 'f': from = optarg; break;
		case 'n': lookups = atol(optarg); break;
		case 't': threads = atol(optarg); break;
		case 'v': verbose = 1; break;
		default: return 64;
		}
	}
	if (conf == NULL || from == NULL || threads < 1 || threads > 256) {
		fprintf(
		    stderr,
		    "usage: rcpt_bench -c conf -f sender [-n lookups | -d seconds] [-t threads] [-v] < addresses\n");
		return 64;
	}
	if ((cfg = bg_config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rcpt_bench: %s\n", err);
		return 78;
	}
	if (bg_sender_resolve(cfg, NULL, from, strlen(from), &s) != BG_SENDER_OK) {
		fprintf(stderr, "rcpt_bench: sender %s refused\n", from);
		return 78;
	}
	if ((naddr = read_addrs(&addr)) == 0)
		return 64;
	if (lookups <= 0)
		lookups = (long)naddr;
	if (verbose)
		threads = 1;
	jobs = bg_xcalloc((size_t)threads, sizeof(*jobs));
	tid = bg_xcalloc((size_t)threads, sizeof(*tid));
	t0 = now();
	for (long t = 0; t < threads; t++) {
		jobs[t] = (struct job){cfg,
		                       &s,
		                       addr,
		                       naddr,
		                       (size_t)t * naddr / (size_t)threads,
		                       (size_t)(lookups / threads + (t < lookups % threads)),
		                       seconds,
		                       verbose,
		                       {0}};
		pthread_create(&tid[t], NULL, run, &jobs[t]);
	}
	for (long t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	report(jobs, (int)threads, now() - t0);
	free(jobs);
	free(tid);
	free(addr);
	bg_config_free(cfg);
	return 0;
}
