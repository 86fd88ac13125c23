/*
 * ctl_stats.c - "stats" and "brake release" (ctl_stats.h).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bg_limit.h"
#include "bg_stat.h"
#include "ctl_data.h"
#include "ctl_stats.h"

#define EX_USAGE_    64
#define EX_UNAVAIL_  69
#define EX_TEMPFAIL_ 75

/* What to show. */
struct filter {
	const char *entity, *list, *pool, *group;
	long days;
};

/* Reads the options after the command word; returns 0 or -1 (usage). */
static int
read_filter(int argc, char **argv, struct filter *f)
{
	static const struct option opts[] = {
	    {"entity", required_argument, NULL, 'e'}, {"list", required_argument, NULL, 'l'},
	    {"pool", required_argument, NULL, 'p'},   {"group", required_argument, NULL, 'g'},
	    {"days", required_argument, NULL, 'd'},   {NULL, 0, NULL, 0}};
	int ch;

	memset(f, 0, sizeof(*f));
	f->days = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'e': f->entity = optarg; break;
		case 'l': f->list = optarg; break;
		case 'p': f->pool = optarg; break;
		case 'g': f->group = optarg; break;
		case 'd': f->days = strtol(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	return optind == argc && f->days >= 1 && f->days <= 100 && (f->list == NULL || f->entity != NULL) ? 0 : -1;
}

/* Runs one command; returns the reply (caller frees) or NULL. */
static redisReply *
run(struct bg_redis *r, int argc, const char **argv)
{
	if (bg_redis_append(r, argc, argv, NULL) < 0)
		return NULL;
	return bg_redis_reply(r);
}

/* Returns field's value in an HGETALL reply, 0 when absent. */
static long long
hval(const redisReply *h, const char *field)
{
	for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
		if (strcmp(h->element[i]->str, field) == 0)
			return strtoll(h->element[i + 1]->str, NULL, 10);
	return 0;
}

/* Prints n / d as a percentage with two decimals. */
static void
pct(const char *name, long long n, long long d)
{
	long long bp = d > 0 ? n * 10000 / d : 0;

	printf(" %s=%lld.%02lld%%", name, bp / 100, bp % 100);
}

/* Prints one counter hash: every field, then the rates when it has accepted recipients. */
static void
print_hash(const char *head, const redisReply *h, bool rates)
{
	printf("%s", head);
	for (int f = 0; f < BG_ST_COUNT; f++) {
		long long v = hval(h, bg_stat_field_name(f));

		if (v != 0)
			printf(" %s=%lld", bg_stat_field_name(f), v);
	}
	if (rates) {
		long long acc = hval(h, "accepted");

		pct("complaint-rate", hval(h, "complaint"), acc);
		pct("bounce-rate", hval(h, "bounce-dead") + hval(h, "bounce-counted"), acc);
		pct("block-rate", hval(h, "bounce-block"), acc);
	}
	printf("\n");
}

/* SCANs pattern and prints each hash with head_fmt's fields taken from the key after skip bytes. */
static int
scan_print(struct bg_redis *r, const char *pattern, size_t skip, const char *lead, const char *what, bool rates)
{
	char cursor[32] = "0", head[1024];
	const char *scan[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
	redisReply *rep, *h;

	do {
		if ((rep = run(r, 6, scan)) == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
			return -1;
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const char *key = rep->element[1]->element[i]->str;
			const char *hg[] = {"HGETALL", key};
			const char *last = strrchr(key, ':');
			const char *mid = last - 1;

			while (mid > key + skip && *mid != ':')
				mid--;
			if ((h = run(r, 2, hg)) == NULL)
				return -1;
			snprintf(head, sizeof(head), "%s%s=%.*s group=%.*s period=%s", lead, what,
			         (int)(mid - key - skip), key + skip, (int)(last - mid - 1), mid + 1, last + 1);
			print_hash(head, h, rates);
			freeReplyObject(h);
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

/* The counter lines of the period. */
static int
counters(const struct bg_config *cfg, struct bg_redis *r, const struct filter *f)
{
	char pat[1024], day[16], lead[300];
	const char *pre = cfg->redis.prefix, *g = f->group ? f->group : "*";
	time_t now = time(NULL);

	for (long d = 0; d < f->days; d++) {
		bg_stat_day(now - d * 86400, day);
		if (f->pool == NULL) {
			if (f->list != NULL)
				snprintf(pat, sizeof(pat), "%sstat:l:%s/%s:%s:%s", pre, f->entity, f->list, g, day);
			else
				snprintf(pat, sizeof(pat), "%sstat:e:%s:%s:%s", pre, f->entity ? f->entity : "*", g,
				         day);
			if (scan_print(r, pat, strlen(pre) + 7, "", f->list ? "list" : "entity", true) < 0)
				return -1;
		}
		for (size_t p = 0; f->entity == NULL && p < cfg->n_pools; p++) {
			if (f->pool != NULL && strcmp(f->pool, cfg->pools[p].name) != 0)
				continue;
			for (size_t i = 0; i < cfg->pools[p].ips.n; i++) {
				snprintf(pat, sizeof(pat), "%sstat:ip:%s:%s:%sT*", pre, cfg->pools[p].ips.v[i], g, day);
				snprintf(lead, sizeof(lead), "pool=%s ", cfg->pools[p].name);
				if (scan_print(r, pat, strlen(pre) + 8, lead, "ip", false) < 0)
					return -1;
			}
		}
	}
	return 0;
}

/* The entities' windows and suspensions. */
static int
entity_brakes(const struct bg_config *cfg, struct bg_redis *r, const struct filter *f)
{
	char key[600];
	const char *hg[] = {"HGETALL", key}, *get[] = {"GET", key};
	redisReply *rep;
	struct bg_stat_window w;

	for (size_t i = 0; i < cfg->n_entities; i++) {
		const char *e = cfg->entities[i].name;

		if (f->entity != NULL && strcmp(f->entity, e) != 0)
			continue;
		snprintf(key, sizeof(key), "%sstat:w:%s", cfg->redis.prefix, e);
		if ((rep = run(r, 2, hg)) == NULL)
			return -1;
		bg_stat_window_sum(rep, cfg->reputation.bucket, cfg->reputation.window, time(NULL), &w);
		freeReplyObject(rep);
		printf("window entity=%s seconds=%ld accepted=%lld complaint=%lld bounce=%lld", e,
		       cfg->reputation.window, w.accepted, w.complaint, w.bounce);
		pct("complaint-rate", w.complaint, w.accepted);
		pct("bounce-rate", w.bounce, w.accepted);
		printf("\n");
		snprintf(key, sizeof(key), "%ssuspend:%s", cfg->redis.prefix, e);
		if ((rep = run(r, 2, get)) == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_STRING)
			printf("brake=suspend entity=%s by=%s value=\"%s\"\n", e,
			       strncmp(rep->str, BG_STAT_SUSPEND_AUTO, strlen(BG_STAT_SUSPEND_AUTO)) == 0 ? "auto"
			                                                                                  : "operator",
			       rep->str);
		freeReplyObject(rep);
	}
	return 0;
}

/* Returns a brake key's "<pool>:<group>" tail, a Cluster's tag left out (in buf when any). */
static const char *
pair_name(const char *tail, char *buf, size_t len)
{
	const char *close;

	if (strncmp(tail, BG_LIMIT_ONE_TAG, strlen(BG_LIMIT_ONE_TAG)) == 0)
		return tail + strlen(BG_LIMIT_ONE_TAG);
	if (tail[0] != '{' || (close = strchr(tail, '}')) == NULL)
		return tail;
	snprintf(buf, len, "%.*s%s", (int)(close - tail - 1), tail + 1, close + 1);
	return buf;
}

/* The pair brakes (factor, hold). */
static int
pair_brakes(const struct bg_config *cfg, struct bg_redis *r, const struct filter *f)
{
	char pat[600], pname[BG_LIMIT_POOL_NAME_MAX], cursor[32] = "0";
	const char *scan[] = {"SCAN", cursor, "MATCH", pat, "COUNT", "1000"};
	redisReply *rep, *h;

	bg_limit_pool_name(cfg, f->pool ? f->pool : "*", pname, sizeof(pname)); /* {pool} on a Cluster */
	snprintf(pat, sizeof(pat), "%sbrake:pair:%s:%s", cfg->redis.prefix, pname, f->group ? f->group : "*");
	do {
		if ((rep = run(r, 6, scan)) == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
			return -1;
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const char *key = rep->element[1]->element[i]->str;
			const char *hm[] = {"HMGET", key, "factor", "hold_until"};
			char name[600];

			if ((h = run(r, 4, hm)) == NULL)
				return -1;
			if (h->type == REDIS_REPLY_ARRAY && h->elements == 2 &&
			    (h->element[0]->type == REDIS_REPLY_STRING || h->element[1]->type == REDIS_REPLY_STRING))
				printf("brake=pair pair=%s factor=%s hold_until=%s\n",
				       pair_name(key + strlen(cfg->redis.prefix) + 11, name, sizeof(name)),
				       h->element[0]->type == REDIS_REPLY_STRING ? h->element[0]->str : "1",
				       h->element[1]->type == REDIS_REPLY_STRING ? h->element[1]->str : "-");
			freeReplyObject(h);
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

int
ctl_stats(const struct bg_config *cfg, int argc, char **argv)
{
	struct filter f;
	struct bg_redis *r;
	int rc;

	if (read_filter(argc, argv, &f) < 0) {
		fprintf(stderr, "usage: bulkguard-ctl " CTL_STATS_USAGE "\n");
		return EX_USAGE_;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAIL_;
	rc = counters(cfg, r, &f) < 0 || (f.pool == NULL && entity_brakes(cfg, r, &f) < 0) ||
	             (f.entity == NULL && pair_brakes(cfg, r, &f) < 0)
	         ? EX_UNAVAIL_
	         : 0;
	if (rc != 0)
		fprintf(stderr, "bulkguard-ctl: redis %s: %s\n", cfg->redis.address, bg_redis_error(r));
	bg_redis_free(r);
	return rc;
}

/* Lifts an automatic suspension (atomically: only a value starting with "auto "). */
static const char RELEASE_LUA[] = "local v = redis.call('GET', KEYS[1])\n"
                                  "if not v then return 0 end\n"
                                  "if string.sub(v, 1, 5) ~= 'auto ' then return -1 end\n"
                                  "redis.call('DEL', KEYS[1], KEYS[2])\n"
                                  "return 1\n";

int
ctl_brake(const struct bg_config *cfg, int argc, char **argv)
{
	struct filter f;
	struct bg_redis *r;
	redisReply *rep;
	char k1[600], k2[600];
	long long n;

	if (argc < 2 || strcmp(argv[1], "release") != 0 || read_filter(argc - 1, argv + 1, &f) < 0 ||
	    (f.entity == NULL) == (f.pool == NULL) || (f.pool != NULL) != (f.group != NULL)) {
		fprintf(stderr, "usage: bulkguard-ctl " CTL_BRAKE_USAGE "\n");
		return EX_USAGE_;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAIL_;
	if (f.entity != NULL) {
		snprintf(k1, sizeof(k1), "%ssuspend:%s", cfg->redis.prefix, f.entity);
		snprintf(k2, sizeof(k2), "%sstat:w:%s", cfg->redis.prefix, f.entity);
		rep = run(r, 5, (const char *[]){"EVAL", RELEASE_LUA, "2", k1, k2});
	} else {
		char pname[BG_LIMIT_POOL_NAME_MAX];

		bg_limit_pool_name(cfg, f.pool, pname, sizeof(pname));
		snprintf(k1, sizeof(k1), "%sbrake:pair:%s:%s", cfg->redis.prefix, pname, f.group);
		rep = run(r, 2, (const char *[]){"DEL", k1});
	}
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		fprintf(stderr, "bulkguard-ctl: redis %s: %s\n", cfg->redis.address,
		        rep ? (rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply") : bg_redis_error(r));
		if (rep)
			freeReplyObject(rep);
		bg_redis_free(r);
		return EX_UNAVAIL_;
	}
	n = rep->integer;
	freeReplyObject(rep);
	if (n > 0 && ctl_data_confirm(r) != 0) {
		bg_redis_free(r);
		return EX_TEMPFAIL_;
	}
	bg_redis_free(r);
	if (n < 0)
		fprintf(stderr, "bulkguard-ctl: %s was set by an operator: not released (DEL it yourself)\n", k1);
	else if (n == 0)
		fprintf(stderr, "bulkguard-ctl: no brake at %s\n", k1);
	else
		printf("released %s\n", k1);
	return n > 0 ? 0 : 1;
}
