/*
 * cluster_check.c - drives bg_cluster against a real Redis Cluster, one handle for every step.
 *
 * Usage: cluster_check SEEDS STEP... where SEEDS is "host:port,host:port"
 * and each STEP, run in order on the same handle (so its slot map goes stale
 * when the shell reshards or kills a node between steps), is one of:
 *
 *   write N              one pipe of N HSET bg:rcpt:user<i>@example.com, then WAIT 1 on every master
 *   read N               one pipe of N HMGET in a shuffled order: each reply matches its own key
 *   get KEY FIELD WANT   HGET through bg_cluster_command (WANT "-" for none)
 *   set KEY FIELD VALUE  HSET through bg_cluster_command
 *   txn KEY              MULTI, HSET KEY and XADD bg:audit:{<tag of KEY's slot>}, EXEC: one slot, both written
 *   crossslot KEY        MULTI, HSET KEY and XADD bg:audit, EXEC: refused, nothing written
 *   run CMD              runs CMD with sh -c; it must succeed
 *   mark                 remembers the counters; `moved` and `asked` compare with them
 *   moved / asked        a MOVED / an ASK was followed since the mark
 *   load N FILE SECONDS  reads the N keys again and again until FILE exists (a background `run` is
 *                        done): no wrong answer, and the pass after it reads every key
 *   survive N SECONDS    reads the N keys again and again until a read fails and a later one
 *                        fully succeeds: no wrong answer ever, only failures, recovery by itself
 *
 * Prints one "ok - ..." or "not ok - ..." line per step (the shell test turns
 * them into its TAP checks) and "# ..." comments; exits 1 if any step failed.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg_cluster.h"

#define MAX_SEEDS 16

static int failures;
static struct bg_cluster_stats marked;
static char last_error[300]; /* printed once while it repeats */

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints one check's line. */
static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failures += !ok;
}

/* Writes key i's name into buf. */
static void
key_of(char *buf, size_t len, long i)
{
	snprintf(buf, len, "bg:rcpt:user%ld@example.com", i);
}

/* Returns seconds on a monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* WAIT 1 500 on every master, through the connections that wrote: each replica has the writes. */
static int
wait_replicas(struct bg_cluster *c)
{
	static const char *argv[] = {"WAIT", "1", "500"}; /* under the handle's 1000 ms timeout */
	char addr[BG_CLUSTER_ADDR_MAX];
	int n = bg_cluster_master_count(c), good = 0;

	for (int i = 0; i < n; i++) {
		redisReply *r;

		bg_cluster_master_address(c, i, addr);
		r = bg_cluster_command_at(c, addr, 3, argv, NULL);
		good += r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer >= 1;
		if (r != NULL)
			freeReplyObject(r);
	}
	return n > 0 && good == n;
}

/* Step write N. */
static void
step_write(struct bg_cluster *c, long n)
{
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	char key[64], sup[32], con[32];
	long good = 0;

	for (long i = 0; i < n; i++) {
		const char *argv[] = {"HSET", key, "suppress", sup, "consent:acme", con};

		key_of(key, sizeof(key), i);
		snprintf(sup, sizeof(sup), "manual %ld", i);
		snprintf(con, sizeof(con), "confirmed %ld", i);
		bg_cluster_pipe_add(p, 6, argv, NULL, 1, 1);
	}
	if (bg_cluster_pipe_run(p) < 0)
		printf("# %s\n", bg_cluster_error(c));
	for (long i = 0; i < n; i++) {
		const redisReply *r = bg_cluster_pipe_reply(p, (size_t)i);

		good += r != NULL && r->type == REDIS_REPLY_INTEGER;
	}
	bg_cluster_pipe_free(p);
	check(good == n, "write: %ld HSET in one pipe, each answered", n);
	check(wait_replicas(c), "write: %s", "WAIT 1 on every master says its replica has the writes");
}

/* Reads key i's reply: 1 right, 0 failed (no reply or an error reply), -1 wrong. */
static int
judge(const redisReply *r, long i)
{
	char sup[32], con[32];

	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		return 0;
	snprintf(sup, sizeof(sup), "manual %ld", i);
	snprintf(con, sizeof(con), "confirmed %ld", i);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING || strcmp(r->element[0]->str, sup) != 0 ||
	    strcmp(r->element[1]->str, con) != 0)
		return -1;
	return 1;
}

/* One pass over n keys in a shuffled order; counts right, failed and wrong replies. */
static void
read_pass(struct bg_cluster *c, long n, long *right, long *failed, long *wrong)
{
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	long *order = calloc((size_t)n, sizeof(*order));
	char key[64];

	*right = *failed = *wrong = 0;
	for (long j = 0; j < n; j++) {
		const char *argv[] = {"HMGET", key, "suppress", "consent:acme"};

		order[j] = (j * 7919) % n; /* 7919 is prime: a permutation when n is not a multiple */
		key_of(key, sizeof(key), order[j]);
		bg_cluster_pipe_add(p, 4, argv, NULL, 1, 1);
	}
	bg_cluster_pipe_run(p);
	for (long j = 0; j < n; j++) {
		int v = judge(bg_cluster_pipe_reply(p, (size_t)j), order[j]);

		*right += v == 1, *failed += v == 0, *wrong += v == -1;
		if (v == -1)
			printf("# WRONG answer for user%ld\n", order[j]);
	}
	if (*failed && strcmp(last_error, bg_cluster_error(c)) != 0) {
		snprintf(last_error, sizeof(last_error), "%s", bg_cluster_error(c));
		printf("# a failure: %s\n", last_error);
	}
	free(order);
	bg_cluster_pipe_free(p);
}

/* Step read N. */
static void
step_read(struct bg_cluster *c, long n)
{
	long right, failed, wrong;

	read_pass(c, n, &right, &failed, &wrong);
	printf("# read: %ld right, %ld failed, %ld wrong\n", right, failed, wrong);
	check(right == n, "read: %ld HMGET in one pipe across the nodes, each reply its own key's", n);
}

/* Step get KEY FIELD WANT. */
static void
step_get(struct bg_cluster *c, const char *key, const char *field, const char *want)
{
	const char *argv[] = {"HGET", key, field};
	redisReply *r = bg_cluster_command(c, 3, argv, NULL, 1, 1);
	int ok;

	if (strcmp(want, "-") == 0)
		ok = r != NULL && r->type == REDIS_REPLY_NIL;
	else
		ok = r != NULL && r->type == REDIS_REPLY_STRING && strcmp(r->str, want) == 0;
	if (r == NULL)
		printf("# %s\n", bg_cluster_error(c));
	else if (!ok)
		printf("# got type %d \"%s\"\n", r->type, r->str ? r->str : "");
	check(ok, "get %s", key);
	if (r != NULL)
		freeReplyObject(r);
}

/* Step set KEY FIELD VALUE. */
static void
step_set(struct bg_cluster *c, const char *key, const char *field, const char *value)
{
	const char *argv[] = {"HSET", key, field, value};
	redisReply *r = bg_cluster_command(c, 4, argv, NULL, 1, 1);

	if (r == NULL)
		printf("# %s\n", bg_cluster_error(c));
	else if (r->type != REDIS_REPLY_INTEGER)
		printf("# got type %d \"%s\"\n", r->type, r->str ? r->str : "");
	check(r != NULL && r->type == REDIS_REPLY_INTEGER, "set %s", key);
	if (r != NULL)
		freeReplyObject(r);
}

/* Returns an integer command's value, -1 on failure. */
static long long
int_command(struct bg_cluster *c, int argc, const char **argv)
{
	redisReply *r = bg_cluster_command(c, argc, argv, NULL, 1, 1);
	long long v = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	if (r != NULL)
		freeReplyObject(r);
	return v;
}

/* Step txn KEY: HSET KEY and XADD to the audit part of KEY's slot, bg:audit:{<slot tag>}, in one transaction. */
static void
step_txn(struct bg_cluster *c, const char *key)
{
	static char tags[BG_CLUSTER_SLOTS][BG_CLUSTER_TAG_MAX];
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	char audit[64];
	const char *hset[] = {"HSET", key, "txn", "yes"};
	const char *xadd[] = {"XADD", audit, "*", "who", "cluster_check", "key", key};
	const char *xlen[] = {"XLEN", audit};
	const redisReply *exec;
	int ok;

	bg_cluster_slot_tags(tags);
	snprintf(audit, sizeof(audit), "bg:audit:{%s}", tags[bg_cluster_key_slot(key, strlen(key))]);
	printf("# audit part of %s: %s\n", key, audit);
	bg_cluster_pipe_multi(p);
	bg_cluster_pipe_add(p, 4, hset, NULL, 1, 1);
	bg_cluster_pipe_add(p, 7, xadd, NULL, 1, 1);
	ok = bg_cluster_pipe_exec(p) == 0 && bg_cluster_pipe_run(p) == 0;
	exec = bg_cluster_pipe_reply(p, 3);
	ok = ok && exec != NULL && exec->type == REDIS_REPLY_ARRAY && exec->elements == 2 &&
	     exec->element[0]->type == REDIS_REPLY_INTEGER && exec->element[1]->type == REDIS_REPLY_STRING;
	if (!ok)
		printf("# %s\n", bg_cluster_error(c));
	check(ok, "txn: MULTI/EXEC over %s and its slot's audit part ran on one node", key);
	bg_cluster_pipe_free(p);
	check(int_command(c, 2, xlen) == 1, "txn: %s holds the entry", audit);
}

/* Step crossslot KEY: a transaction over KEY and bg:audit is refused, never sent. */
static void
step_crossslot(struct bg_cluster *c, const char *key)
{
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	const char *hset[] = {"HSET", key, "cross", "yes"};
	const char *xadd[] = {"XADD", "bg:audit", "*", "k", "v"};
	const char *hexists[] = {"HEXISTS", key, "cross"};
	const char *exists[] = {"EXISTS", "bg:audit"};
	int refused;

	bg_cluster_pipe_multi(p);
	bg_cluster_pipe_add(p, 4, hset, NULL, 1, 1);
	bg_cluster_pipe_add(p, 5, xadd, NULL, 1, 1);
	refused = bg_cluster_pipe_exec(p) < 0 && bg_cluster_pipe_run(p) < 0 &&
	          strstr(bg_cluster_error(c), "CROSSSLOT") != NULL && bg_cluster_pipe_reply(p, 3) == NULL;
	printf("# %s\n", bg_cluster_error(c));
	bg_cluster_pipe_free(p);
	check(refused, "crossslot: a transaction over %s and bg:audit is refused with CROSSSLOT", key);
	check(int_command(c, 3, hexists) == 0 && int_command(c, 2, exists) == 0, "crossslot: %s",
	      "nothing of it was written");
}

/* Step survive N SECONDS: failures allowed, wrong answers never, recovery by itself. */
static void
step_survive(struct bg_cluster *c, long n, double seconds)
{
	double start = now(), first_fail = 0, recovered = 0;
	long right, failed, wrong, wrong_total = 0, failed_total = 0, passes = 0, failed_passes = 0;

	while (now() - start < seconds) {
		read_pass(c, n, &right, &failed, &wrong);
		passes++;
		wrong_total += wrong;
		failed_total += failed;
		if (failed || wrong) {
			failed_passes++;
			if (first_fail == 0)
				first_fail = now();
		} else if (first_fail != 0) {
			recovered = now();
			break;
		}
		usleep(50000);
	}
	printf("# survive: %ld passes, %ld with failures, %ld reads failed, %ld wrong; first failure at %.2f s, "
	       "recovered at %.2f s\n",
	       passes, failed_passes, failed_total, wrong_total, first_fail ? first_fail - start : -1.0,
	       recovered ? recovered - start : -1.0);
	check(first_fail != 0, "survive: %s", "reads failed while the master was gone (tempfail)");
	check(wrong_total == 0, "survive: %s", "no wrong answer, ever");
	check(recovered != 0, "survive: %s", "every key read again, by the same handle, without help");
}

/* Step load N FILE SECONDS: reads while something runs until FILE appears; failures allowed, wrong answers never. */
static void
step_load(struct bg_cluster *c, long n, const char *file, double seconds)
{
	double start = now();
	long right, failed, wrong, passes = 0, failed_total = 0, wrong_total = 0;
	int done = 0;

	while (now() - start < seconds && !done) {
		done = access(file, F_OK) == 0;
		read_pass(c, n, &right, &failed, &wrong);
		passes++;
		failed_total += failed;
		wrong_total += wrong;
		usleep(20000);
	}
	printf("# load: %ld passes in %.1f s, %ld reads failed, %ld wrong\n", passes, now() - start, failed_total,
	       wrong_total);
	check(done, "load: %s", "the background command finished in time");
	check(wrong_total == 0, "load: %ld passes while it ran, no wrong answer", passes);
	check(failed == 0 && wrong == 0, "load: %s", "the last pass, after it finished, read every key");
}

/* Step moved / asked: the counter grew since the mark. */
static void
step_counter(struct bg_cluster *c, int ask)
{
	struct bg_cluster_stats s;

	bg_cluster_stats(c, &s);
	printf("# counters: moved %lu ask %lu refreshes %lu failed %lu\n", s.moved, s.ask, s.refreshes, s.failed);
	if (ask)
		check(s.ask > marked.ask, "%s: an ASK was followed (ASKING, then the command on the target)", "asked");
	else
		check(s.moved > marked.moved, "%s: a MOVED was followed and the map refreshed",
		      s.refreshes > marked.refreshes ? "moved" : "moved (NO refresh)");
}

/* Runs the step at argv[*i], advancing *i past its arguments; -1 on a usage error. */
static int
step(struct bg_cluster *c, int argc, char **argv, int *i)
{
	const char *name = argv[(*i)++];
	int need = strcmp(name, "get") == 0 || strcmp(name, "set") == 0 || strcmp(name, "load") == 0       ? 3
	           : strcmp(name, "survive") == 0                                                          ? 2
	           : strcmp(name, "mark") == 0 || strcmp(name, "moved") == 0 || strcmp(name, "asked") == 0 ? 0
	                                                                                                   : 1;
	char **a = argv + *i;

	if (*i + need > argc)
		return -1;
	*i += need;
	if (strcmp(name, "write") == 0)
		step_write(c, atol(a[0]));
	else if (strcmp(name, "read") == 0)
		step_read(c, atol(a[0]));
	else if (strcmp(name, "get") == 0)
		step_get(c, a[0], a[1], a[2]);
	else if (strcmp(name, "set") == 0)
		step_set(c, a[0], a[1], a[2]);
	else if (strcmp(name, "txn") == 0)
		step_txn(c, a[0]);
	else if (strcmp(name, "crossslot") == 0)
		step_crossslot(c, a[0]);
	else if (strcmp(name, "run") == 0)
		check(system(a[0]) == 0, "run: %s", a[0]);
	else if (strcmp(name, "mark") == 0)
		bg_cluster_stats(c, &marked);
	else if (strcmp(name, "moved") == 0 || strcmp(name, "asked") == 0)
		step_counter(c, name[0] == 'a');
	else if (strcmp(name, "survive") == 0)
		step_survive(c, atol(a[0]), atof(a[1]));
	else if (strcmp(name, "load") == 0)
		step_load(c, atol(a[0]), a[1], atof(a[2]));
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *seeds[MAX_SEEDS];
	size_t n = 0;
	const char *err = NULL;
	struct bg_cluster *c;
	char *list;

	signal(SIGPIPE, SIG_IGN); /* a killed node's socket: an error, not the end of the program */
	if (argc < 3) {
		fprintf(stderr, "usage: cluster_check SEEDS STEP...\n");
		return 64;
	}
	list = strdup(argv[1]);
	for (char *s = strtok(list, ","); s != NULL && n < MAX_SEEDS; s = strtok(NULL, ","))
		seeds[n++] = s;
	c = bg_cluster_new(seeds, n, &(struct bg_redis_conf){ .timeout_ms = 1000 }, &err);
	if (c == NULL) {
		fprintf(stderr, "cluster_check: %s\n", err);
		return 64;
	}
	for (int i = 2; i < argc;) {
		if (step(c, argc, argv, &i) < 0) {
			fprintf(stderr, "cluster_check: bad step near \"%s\"\n", argv[i - 1]);
			return 64;
		}
	}
	bg_cluster_free(c);
	free(list);
	return failures ? 1 : 0;
}
