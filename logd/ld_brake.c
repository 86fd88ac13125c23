/*
 * ld_brake.c - throttling, holds and suspensions (ld_brake.h).
 *
 * Each pair change is one Lua script, so two signals never lose an update.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_limit.h"
#include "bg_log.h"
#include "bg_stat.h"
#include "ld_brake.h"

/* KEYS[1] pair; ARGV now, decrease %, floor %. Returns the new factor in thousandths and 1 when newly engaged. */
static const char THROTTLE_LUA[] = "local f = tonumber(redis.call('HGET', KEYS[1], 'factor') or '1')\n"
                                   "local new = f * (100 - tonumber(ARGV[2])) / 100\n"
                                   "local floor = tonumber(ARGV[3]) / 100\n"
                                   "if new < floor then new = floor end\n"
                                   "redis.call('HSET', KEYS[1], 'factor', string.format('%.3f', new), 'last_signal', "
                                   "ARGV[1], 'last_recover', ARGV[1])\n"
                                   "return {math.floor(new * 1000 + 0.5), f >= 1 and 1 or 0}\n";

/* KEYS[1] pair; ARGV now, burst, window, cooldown. Returns {blocks, hold_until when newly held else 0}. */
static const char BLOCK_LUA[] =
    "local now = tonumber(ARGV[1])\n"
    "local s = tonumber(redis.call('HGET', KEYS[1], 'block_start') or '0')\n"
    "if now - s > tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], 'block_start', now, 'blocks', 0) end\n"
    "local b = redis.call('HINCRBY', KEYS[1], 'blocks', 1)\n"
    "local h = tonumber(redis.call('HGET', KEYS[1], 'hold_until') or '0')\n"
    "if b >= tonumber(ARGV[2]) and h <= now then\n"
    "  h = now + tonumber(ARGV[4])\n"
    "  redis.call('HSET', KEYS[1], 'hold_until', h, 'blocks', 0, 'block_start', now)\n"
    "  return {b, h}\n"
    "end\n"
    "return {b, 0}\n";

/* KEYS[1] pair; ARGV now, recover %, interval, block window. Returns {event, factor in thousandths}:
 * 0 nothing, 1 hold released, 2 recovered a step, 3 recovered fully (released), 4 both 1 and 2/3 -> 1 + 10 * k. */
static const char TICK_LUA[] =
    "local now = tonumber(ARGV[1])\n"
    "local ev = 0\n"
    "local h = tonumber(redis.call('HGET', KEYS[1], 'hold_until') or '0')\n"
    "if h > 0 and h <= now then redis.call('HDEL', KEYS[1], 'hold_until') ev = 1 end\n"
    "local f = redis.call('HGET', KEYS[1], 'factor')\n"
    "local out = 1000\n"
    "if f then\n"
    "  f = tonumber(f)\n"
    "  local ls = tonumber(redis.call('HGET', KEYS[1], 'last_signal') or '0')\n"
    "  local lr = tonumber(redis.call('HGET', KEYS[1], 'last_recover') or '0')\n"
    "  local iv = tonumber(ARGV[3])\n"
    "  if now - ls >= iv and now - lr >= iv then\n"
    "    f = f + tonumber(ARGV[2]) / 100\n"
    "    if f >= 1 then redis.call('HDEL', KEYS[1], 'factor', 'last_recover') ev = ev + 30\n"
    "    else redis.call('HSET', KEYS[1], 'factor', string.format('%.3f', f), 'last_recover', now) ev = ev + 20 end\n"
    "  end\n"
    "  out = math.floor(math.min(f, 1) * 1000 + 0.5)\n"
    "end\n"
    "if not redis.call('HGET', KEYS[1], 'factor') and not redis.call('HGET', KEYS[1], 'hold_until') then\n"
    "  local s = tonumber(redis.call('HGET', KEYS[1], 'block_start') or '0')\n"
    "  if now - s > tonumber(ARGV[4]) then redis.call('DEL', KEYS[1]) end\n"
    "end\n"
    "return {ev, out}\n";

/* Runs script with one key and up to 4 arguments; returns the reply (caller frees) or NULL. */
static redisReply *
eval(struct bg_redis *r, const char *script, const char *key, int nargs, const char **args)
{
	const char *argv[8] = {"EVAL", script, "1", key};
	redisReply *rep;

	for (int i = 0; i < nargs; i++)
		argv[4 + i] = args[i];
	if (bg_redis_append(r, 4 + nargs, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return NULL;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_INTEGER ||
	    rep->element[1]->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* Writes the pair's key, the pool named as policyd reads it ({pool} or {all}pool on a Cluster, bg_limit.h). */
static void
pair_key(char *out, size_t len, const struct bg_config *cfg, const char *pool, const char *group)
{
	char pname[BG_LIMIT_POOL_NAME_MAX];

	bg_limit_pool_name(cfg, pool, pname, sizeof(pname));
	snprintf(out, len, "%sbrake:pair:%s:%s", cfg->redis.prefix, pname, group);
}

int
ld_brake_throttle(struct bg_redis *r, const struct bg_config *cfg, const char *pool, const char *group, time_t now)
{
	char key[600], t[24], dec[8], floor[8];
	const char *args[] = {t, dec, floor};
	redisReply *rep;

	pair_key(key, sizeof(key), cfg, pool, group);
	snprintf(t, sizeof(t), "%lld", (long long)now);
	snprintf(dec, sizeof(dec), "%ld", cfg->reputation.throttle_decrease_pct);
	snprintf(floor, sizeof(floor), "%ld", cfg->reputation.throttle_floor_pct);
	if ((rep = eval(r, THROTTLE_LUA, key, 3, args)) == NULL)
		return -1;
	bg_log_warn("brake=throttle pool=%s group=%s factor=%.3f action=%s", pool, group,
	            (double)rep->element[0]->integer / 1000.0, rep->element[1]->integer ? "engage" : "lower");
	freeReplyObject(rep);
	return 0;
}

int
ld_brake_block(struct bg_redis *r, const struct bg_config *cfg, const char *pool, const char *group, time_t now)
{
	char key[600], t[24], burst[24], win[24], cool[24];
	const char *args[] = {t, burst, win, cool};
	redisReply *rep;

	pair_key(key, sizeof(key), cfg, pool, group);
	snprintf(t, sizeof(t), "%lld", (long long)now);
	snprintf(burst, sizeof(burst), "%ld", cfg->reputation.block_burst);
	snprintf(win, sizeof(win), "%ld", cfg->reputation.block_window);
	snprintf(cool, sizeof(cool), "%ld", cfg->reputation.block_cooldown);
	if ((rep = eval(r, BLOCK_LUA, key, 4, args)) == NULL)
		return -1;
	if (rep->element[1]->integer > 0)
		bg_log_warn("brake=hold pool=%s group=%s blocks=%lld until=%lld action=engage", pool, group,
		            rep->element[0]->integer, rep->element[1]->integer);
	freeReplyObject(rep);
	return 0;
}

/* One pair's recovery and cool-down; key is the whole key. */
static int
tick_pair(struct bg_redis *r, const struct bg_config *cfg, const char *key, time_t now)
{
	char t[24], rec[8], iv[24], bw[24];
	const char *args[] = {t, rec, iv, bw};
	const char *name = key + strlen(cfg->redis.prefix) + strlen("brake:pair:");
	redisReply *rep;
	long long ev;

	snprintf(t, sizeof(t), "%lld", (long long)now);
	snprintf(rec, sizeof(rec), "%ld", cfg->reputation.throttle_recover_pct);
	snprintf(iv, sizeof(iv), "%ld", cfg->reputation.throttle_recover_interval);
	snprintf(bw, sizeof(bw), "%ld", cfg->reputation.block_window);
	if ((rep = eval(r, TICK_LUA, key, 4, args)) == NULL)
		return -1;
	ev = rep->element[0]->integer;
	if (ev % 10 == 1)
		bg_log_warn("brake=hold pair=%s action=release", name);
	if (ev / 10 == 2)
		bg_log_info("brake=throttle pair=%s factor=%.3f action=recover", name,
		            (double)rep->element[1]->integer / 1000.0);
	if (ev / 10 == 3)
		bg_log_warn("brake=throttle pair=%s factor=1 action=release", name);
	freeReplyObject(rep);
	return 0;
}

/* Every pair key (SCAN), each ticked. */
static int
tick_pairs(struct bg_redis *r, const struct bg_config *cfg, time_t now)
{
	char pattern[300], cursor[32] = "0";
	const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
	redisReply *rep;
	int rc = 0;

	snprintf(pattern, sizeof(pattern), "%sbrake:pair:*", cfg->redis.prefix);
	do {
		if (bg_redis_append(r, 6, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
			return -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
			freeReplyObject(rep);
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		for (size_t i = 0; i < rep->element[1]->elements; i++)
			if (tick_pair(r, cfg, rep->element[1]->element[i]->str, now) < 0)
				rc = -1;
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0 && rc == 0);
	return rc;
}

/* Sets the automatic suspension (NX: never over an operator's); logs when it engages. */
static int
suspend(struct bg_redis *r, const struct bg_config *cfg, const char *entity, const char *why, time_t now)
{
	char key[300], value[300];
	const char *argv[] = {"SET", key, value, "NX"};
	redisReply *rep;

	snprintf(key, sizeof(key), "%ssuspend:%s", cfg->redis.prefix, entity);
	snprintf(value, sizeof(value), BG_STAT_SUSPEND_AUTO "%lld %s", (long long)now, why);
	if (bg_redis_append(r, 4, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STATUS)
		bg_log_warn("brake=suspend entity=%s %s action=engage", entity, why);
	freeReplyObject(rep);
	return 0;
}

/* Warn state per entity index, so a warning is logged once per change. */
static unsigned char warned[4096];

/* One entity's rates over the window. */
static int
tick_entity(struct bg_redis *r, const struct bg_config *cfg, size_t idx, time_t now)
{
	const struct bg_entity *e = &cfg->entities[idx];
	const long bucket = cfg->reputation.bucket, window = cfg->reputation.window;
	char key[300], why[200];
	const char *argv[] = {"HGETALL", key};
	struct bg_stat_window w;
	redisReply *rep;
	long long cbp, bbp;
	int level = 0;

	snprintf(key, sizeof(key), "%sstat:w:%s", cfg->redis.prefix, e->name);
	if (bg_redis_append(r, 2, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	bg_stat_window_sum(rep, bucket, window, now, &w);
	freeReplyObject(rep);
	if (w.accepted < cfg->reputation.min_volume)
		return 0;
	cbp = w.complaint * 10000 / w.accepted;
	bbp = w.bounce * 10000 / w.accepted;
	snprintf(why, sizeof(why), "complaint-rate=%lld.%02lld%% bounce-rate=%lld.%02lld%% recipients=%lld window=%lds",
	         cbp / 100, cbp % 100, bbp / 100, bbp % 100, w.accepted, window);
	if (cbp >= cfg->reputation.complaint_suspend_bp || bbp >= cfg->reputation.bounce_suspend_bp)
		return suspend(r, cfg, e->name, why, now);
	if (cbp >= cfg->reputation.complaint_warn_bp || bbp >= cfg->reputation.bounce_warn_bp)
		level = 1;
	if (idx < sizeof(warned) && warned[idx] != level) {
		bg_log_warn("brake=warn entity=%s %s action=%s", e->name, why, level ? "engage" : "release");
		warned[idx] = (unsigned char)level;
	}
	return 0;
}

int
ld_brake_tick(struct bg_redis *r, const struct bg_config *cfg, time_t now)
{
	int rc = tick_pairs(r, cfg, now);

	for (size_t i = 0; i < cfg->n_entities; i++)
		if (tick_entity(r, cfg, i, now) < 0)
			rc = -1;
	return rc;
}
