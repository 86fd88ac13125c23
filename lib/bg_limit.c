/*
 * bg_limit.c - from a recipient to the arguments of one Redis script, and
 * from its reply to the policy answer.
 *
 * Rates are GCRA (generic cell rate algorithm): a key holds the theoretical
 * arrival time (TAT, microseconds of Redis TIME); a rate of count per period
 * has an emission interval T = period / count and lets burst requests (the
 * limit's burst, else count) through at once. Every IP of the pool has a
 * counter per day; the script picks the IP with the fewest messages today
 * among those under today's warm-up cap (warmup_daily[day] per IP, no cap
 * after the last day or without a schedule) and returns its number (1..n)
 * for the reply's transport bg-<pool>-<n>. The script checks everything
 * first and writes only when every check passes.
 *
 * Keys (prefix "bg:"): bg:rl:pool=<p> (the pool's rate),
 * bg:rl:limit:pool=<p>,group=<g>,entity=<e> (one per limit row, naming only
 * the fields the row sets, so a row without a pool counts all pools),
 * bg:wu:<p>:<warmup_start>:<day>:<ip number> (warmup_start 0 and the day
 * since the epoch for a pool without a schedule). bg:brake:pair:<p>:<g>,
 * written by bulkguard-logd, is read as the last key: while its hold_until
 * is ahead the pair is deferred; with a factor f (0.01..1) the pair gets
 * one more GCRA check of its own, the tightest matching rate times f (its
 * burst too, at least 1), its TAT in the same hash's field tat; the other
 * checks are charged as usual, so the pool's other groups keep their room.
 * With its last argument "ro" the script returns the same answer and writes
 * nothing (explain). On a Redis Cluster (cluster_nodes set) the pool's name
 * in each of these keys is written as a hash tag, {<p>}, so every key one
 * check touches lives in the pool's slot (bg:rl:pool={p},
 * bg:rl:limit:pool={p},group=<g>, bg:wu:{p}:..., bg:brake:pair:{p}:<g>).
 * A limit row without a pool counts across pools, so when the configuration
 * has one, every policy key carries the one tag {all} instead
 * (bg:rl:pool={all}<p>, bg:rl:limit:{all}entity=<e>, bg:wu:{all}<p>:...,
 * bg:brake:pair:{all}<p>:<g>): all in one slot, on one master.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_limit.h"
#include "bg_sender.h"
#include "bg_util.h"

const char BG_LIMIT_SCRIPT[] =
    "local t = redis.call('TIME')\n"
    "local sec = tonumber(t[1])\n"
    "local now = sec * 1000000 + tonumber(t[2])\n"
    "local n = tonumber(ARGV[1])\n"
    "local worst = 0\n"
    "local tats = {}\n"
    "local f = 1\n"
    "local bk = redis.call('HMGET', KEYS[n + 2], 'factor', 'hold_until', 'tat')\n"
    "if tonumber(bk[2]) and tonumber(bk[2]) > sec then return {0, tonumber(bk[2]) - sec} end\n"
    "if tonumber(bk[1]) then f = math.min(1, math.max(0.01, tonumber(bk[1]))) end\n"
    "for i = 1, n do\n"
    "  local T = tonumber(ARGV[2 * i])\n"
    "  local burst = tonumber(ARGV[2 * i + 1])\n"
    "  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')\n"
    "  if tat < now then tat = now end\n"
    "  local new = tat + T\n"
    "  local over = new - now - burst * T\n"
    "  if over > 0.5 and over > worst then worst = over end\n"
    "  tats[i] = new\n"
    "end\n"
    "local pnew = nil\n"
    "if f < 1 and n > 0 then\n"
    "  local T, burst = 0, 1\n"
    "  for i = 1, n do\n"
    "    if tonumber(ARGV[2 * i]) > T then T, burst = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]) end\n"
    "  end\n"
    "  T = T / f\n"
    "  burst = math.max(1, math.floor(burst * f))\n"
    "  local tat = tonumber(bk[3] or '0')\n"
    "  if tat < now then tat = now end\n"
    "  pnew = tat + T\n"
    "  local over = pnew - now - burst * T\n"
    "  if over > 0.5 and over > worst then worst = over end\n"
    "end\n"
    "local b = 2 * n + 2\n"
    "local wstart = tonumber(ARGV[b])\n"
    "local nips = tonumber(ARGV[b + 1])\n"
    "local day = math.floor(sec / 86400)\n"
    "local cap = nil\n"
    "if wstart > 0 then\n"
    "  day = math.floor((sec - wstart) / 86400)\n"
    "  if day < 0 then day = 0 end\n"
    "  if day < tonumber(ARGV[b + 2]) then cap = tonumber(ARGV[b + 3 + day]) end\n"
    "end\n"
    "local best, bestn = 0, nil\n"
    "for i = 1, nips do\n"
    "  local c = tonumber(redis.call('GET', KEYS[n + 1] .. day .. ':' .. i) or '0')\n"
    "  if (cap == nil or c + 1 <= cap) and (bestn == nil or c < bestn) then best, bestn = i, c end\n"
    "end\n"
    "if best == 0 then\n"
    "  local over = (wstart + (day + 1) * 86400 - sec) * 1000000\n"
    "  if over > worst then worst = over end\n"
    "end\n"
    "if worst > 0 then return {0, math.ceil(worst / 1000000)} end\n"
    "if ARGV[#ARGV] == 'ro' then return {1, best} end\n"
    "if pnew then redis.call('HSET', KEYS[n + 2], 'tat', string.format('%.0f', pnew)) end\n"
    "for i = 1, n do\n"
    "  redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1)\n"
    "end\n"
    "local wkey = KEYS[n + 1] .. day .. ':' .. best\n"
    "redis.call('INCR', wkey)\n"
    "redis.call('EXPIRE', wkey, 172800)\n"
    "return {1, best}\n";

/* A growing argument vector. */
struct args {
	char **v;
	size_t *len;
	int n, cap;
};

/* Appends a formatted argument. */
static void __attribute__((format(printf, 2, 3))) add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int len;

	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 32;
		a->v = realloc(a->v, (size_t)a->cap * sizeof(*a->v));
		a->len = realloc(a->len, (size_t)a->cap * sizeof(*a->len));
		if (a->v == NULL || a->len == NULL)
			abort();
	}
	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len < 0)
		abort();
	a->v[a->n] = s;
	a->len[a->n++] = (size_t)len;
}

/* Returns the pool the class of mail leaves through (the class's own, else the entity's). */
static const char *
class_pool(const struct bg_entity *e, enum bg_class c)
{
	const char *p = NULL;

	if (c == BG_CLASS_MANDATED)
		p = e->mandated_pool;
	else if (c == BG_CLASS_TRANSACTIONAL)
		p = e->transactional_pool;
	else if (c == BG_CLASS_CONFIRMATION)
		p = e->confirmation_pool;
	return p != NULL && *p != '\0' ? p : e->pool;
}

/* Returns the pool called name, or NULL. */
static const struct bg_pool *
find_pool(const struct bg_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return &cfg->pools[i];
	return NULL;
}

/* Returns the name of the domain group holding domain, or domain itself. */
static const char *
find_group(const struct bg_config *cfg, const char *domain)
{
	size_t i;

	for (i = 0; i < cfg->n_groups; i++)
		if (bg_strlist_has(&cfg->groups[i].domains, domain))
			return cfg->groups[i].name;
	return domain;
}

/* True when every field the limit sets matches. */
static int
limit_applies(const struct bg_limit *l, const char *pool, const char *group, const char *entity)
{
	if (l->rate.count <= 0 || l->rate.period <= 0)
		return 0;
	if (l->pool != NULL && *l->pool != '\0' && strcmp(l->pool, pool) != 0)
		return 0;
	if (l->group != NULL && *l->group != '\0' && strcasecmp(l->group, group) != 0)
		return 0;
	if (l->entity != NULL && *l->entity != '\0' && strcmp(l->entity, entity) != 0)
		return 0;
	return 1;
}

bool
bg_limit_one_slot(const struct bg_config *cfg)
{
	size_t i;

	if (cfg->redis.cluster_nodes.n == 0)
		return false;
	for (i = 0; i < cfg->n_limits; i++)
		if (cfg->limits[i].pool == NULL || *cfg->limits[i].pool == '\0')
			return true;
	return false;
}

void
bg_limit_pool_name(const struct bg_config *cfg, const char *pool, char *buf, size_t len)
{
	if (cfg->redis.cluster_nodes.n == 0)
		snprintf(buf, len, "%s", pool);
	else if (bg_limit_one_slot(cfg))
		snprintf(buf, len, BG_LIMIT_ONE_TAG "%s", pool);
	else
		snprintf(buf, len, "{%s}", pool);
}

/* Appends "pool=X" etc. for the fields the limit sets (the pool as bg_limit_pool_name writes it). */
static char *
limit_key(const struct bg_config *cfg, const struct bg_limit *l)
{
	char pname[BG_LIMIT_POOL_NAME_MAX];
	const char *prefix = cfg->redis.prefix;
	char *k;
	const char *sep1 = "", *sep2 = "";
	int pool = l->pool && *l->pool, group = l->group && *l->group, ent = l->entity && *l->entity;

	if (pool && (group || ent))
		sep1 = ",";
	if (group && ent)
		sep2 = ",";
	if (pool)
		bg_limit_pool_name(cfg, l->pool, pname, sizeof(pname));
	if (asprintf(&k, "%srl:limit:%s%s%s%s%s%s%s%s%s", prefix,
	             pool                     ? "pool="
	             : bg_limit_one_slot(cfg) ? BG_LIMIT_ONE_TAG /* a Cluster: the one tag, as the pool's keys */
	                                      : "",
	             pool ? pname : "", sep1, group ? "group=" : "", group ? l->group : "", sep2, ent ? "entity=" : "",
	             ent ? l->entity : "", "") < 0)
		abort();
	return k;
}

/* One GCRA check: its key and (interval, burst) arguments. */
struct check {
	char *key;
	double interval_us;
	long burst;
};

/* Collects the pool's rate and every matching limit into ck; returns how many. */
static int
collect_checks(const struct bg_config *cfg, const struct bg_pool *p, const char *group, const char *entity,
               struct check *ck)
{
	int n = 0;
	size_t i;
	const struct bg_limit *l;
	char pname[BG_LIMIT_POOL_NAME_MAX];

	bg_limit_pool_name(cfg, p->name, pname, sizeof(pname));
	if (p->rate.count > 0 && p->rate.period > 0) {
		if (asprintf(&ck[n].key, "%srl:pool=%s", cfg->redis.prefix, pname) < 0)
			abort();
		ck[n].interval_us = (double)p->rate.period * 1e6 / (double)p->rate.count;
		ck[n++].burst = p->rate.count;
	}
	for (i = 0; i < cfg->n_limits && n < BG_LIMIT_MAX_CHECKS; i++) {
		l = &cfg->limits[i];
		if (!limit_applies(l, p->name, group, entity))
			continue;
		ck[n].key = limit_key(cfg, l);
		ck[n].interval_us = (double)l->rate.period * 1e6 / (double)l->rate.count;
		ck[n++].burst = l->burst > 0 ? l->burst : l->rate.count;
	}
	return n;
}

/* Builds the script's argv from the checks and the pool's warm-up schedule. */
static void
build_args(const struct bg_config *cfg, const struct bg_pool *p, const char *group, struct check *ck, int n,
           bool readonly, struct bg_limit_plan *plan)
{
	struct args a = {0};
	int i;
	size_t d;
	char pname[BG_LIMIT_POOL_NAME_MAX];

	bg_limit_pool_name(cfg, p->name, pname, sizeof(pname));
	add(&a, "EVALSHA");
	add(&a, "-");
	add(&a, "%d", n + 2);
	for (i = 0; i < n; i++)
		add(&a, "%s", ck[i].key);
	add(&a, "%swu:%s:%ld:", cfg->redis.prefix, pname, p->warmup_start);
	add(&a, "%sbrake:pair:%s:%s", cfg->redis.prefix, pname, group);
	add(&a, "%d", n);
	for (i = 0; i < n; i++) {
		add(&a, "%.3f", ck[i].interval_us);
		add(&a, "%ld", ck[i].burst);
		free(ck[i].key);
	}
	add(&a, "%ld", p->n_warmup_daily > 0 ? p->warmup_start : 0L);
	add(&a, "%zu", p->ips.n > 0 ? p->ips.n : (size_t)1);
	add(&a, "%zu", p->n_warmup_daily);
	for (d = 0; d < p->n_warmup_daily; d++)
		add(&a, "%ld", p->warmup_daily[d]);
	add(&a, "%s", readonly ? "ro" : "rw");
	plan->argv = a.v;
	plan->argvlen = a.len;
	plan->argc = a.n;
	plan->nkeys = n + 2;
	plan->n_ips = p->ips.n;
}

/* Returns a copy of s, or NULL for NULL. */
static char *
dup(const char *s)
{
	return s != NULL ? bg_xstrdup(s) : NULL;
}

enum bg_limit_verdict
bg_limit_plan(const struct bg_config *cfg, const char *sasl, const char *sender, size_t senderlen, const char *rcpt,
              size_t rcptlen, bool readonly, struct bg_limit_plan *plan)
{
	struct bg_sender s;
	enum bg_sender_status st;
	struct bg_addr addr;
	const struct bg_pool *pool;
	struct check ck[BG_LIMIT_MAX_CHECKS];
	int n;

	memset(plan, 0, sizeof(*plan));
	plan->sender = dup(senderlen == 0 ? "" : sender);
	plan->login = dup(sasl != NULL ? sasl : "");
	if (senderlen == 0) /* Postfix's "sender=" is the null sender */
		st = bg_sender_resolve(cfg, sasl, "<>", 2, &s);
	else
		st = bg_sender_resolve(cfg, sasl, sender, senderlen, &s);
	if (st == BG_SENDER_NOT_AUTHORIZED)
		return BG_LIMIT_NOT_AUTHORIZED;
	if (s.entity == NULL)
		return BG_LIMIT_NO_ENTITY;
	plan->entity = dup(s.entity->name);
	plan->class_name = dup(bg_class_name(s.class));
	plan->pool = dup(class_pool(s.entity, s.class));
	pool = find_pool(cfg, plan->pool);
	if (pool == NULL)
		return BG_LIMIT_NO_POOL;
	if (bg_addr_normalise(rcpt, rcptlen, cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &addr) != BG_ADDR_OK)
		return BG_LIMIT_BAD_RCPT;
	plan->rcpt = dup(addr.text);
	plan->group = dup(find_group(cfg, bg_addr_domain(&addr)));
	n = collect_checks(cfg, pool, plan->group, s.entity->name, ck);
	if (n == 0 && pool->n_warmup_daily == 0 && pool->ips.n == 0)
		return BG_LIMIT_NO_LIMITS;
	build_args(cfg, pool, plan->group, ck, n, readonly, plan);
	return BG_LIMIT_CHECK;
}

void
bg_limit_plan_free(struct bg_limit_plan *plan)
{
	int i;

	for (i = 0; i < plan->argc; i++)
		free(plan->argv[i]);
	free(plan->argv);
	free(plan->argvlen);
	free(plan->pool);
	free(plan->group);
	free(plan->entity);
	free(plan->class_name);
	free(plan->sender);
	free(plan->login);
	free(plan->rcpt);
	memset(plan, 0, sizeof(*plan));
}

const char *
bg_limit_verdict_name(enum bg_limit_verdict v)
{
	switch (v) {
	case BG_LIMIT_CHECK: return "check";
	case BG_LIMIT_NO_ENTITY: return "no-entity";
	case BG_LIMIT_NOT_AUTHORIZED: return "not-authorized";
	case BG_LIMIT_NO_POOL: return "no-pool";
	case BG_LIMIT_BAD_RCPT: return "bad-recipient";
	case BG_LIMIT_NO_LIMITS: return "no-limits";
	}
	return "?";
}

enum bg_limit_outcome
bg_limit_answer(const struct bg_limit_plan *plan, const redisReply *reply, char *action, size_t len, long long *n)
{
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER || reply->element[1]->type != REDIS_REPLY_INTEGER)
		return BG_LIMIT_BAD_REPLY;
	*n = reply->element[1]->integer;
	if (reply->element[0]->integer == 1) {
		if (plan->n_ips == 0 || *n < 1 || (unsigned long long)*n > plan->n_ips) {
			snprintf(action, len, "DUNNO");
			return BG_LIMIT_DUNNO;
		}
		snprintf(action, len, "FILTER " BG_POOL_TRANSPORT_FMT ":", plan->pool, (size_t)*n);
		return BG_LIMIT_FILTER;
	}
	if (*n < 1)
		*n = 1;
	snprintf(action, len, "DEFER_IF_PERMIT 4.7.1 Rate limit for pool %s to %s reached, retry in %llds", plan->pool,
	         plan->group, *n);
	return BG_LIMIT_DEFER;
}
