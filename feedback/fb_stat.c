/*
 * fb_stat.c - counting feedback's verified writes (fb_stat.h).
 */
#include "config.h"

#include <string.h>

#include "bg_log.h"
#include "fb_stat.h"

void
fb_stat_count(const struct bg_config *cfg, struct bg_redis *redis, const char *entity, const char *list,
              const char *addr, enum bg_stat_field f, time_t now, const char *id)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
	const char *group = at != NULL ? bg_stat_group(cfg, at + 1) : "-";
	int q;

	if (redis == NULL)
		return;
	q = bg_stat_entity(redis, cfg, entity, list, group, now, f, 1);
	if (q < 0 || bg_stat_drain(redis, q) < 0)
		bg_log_warn("%s: stat=%s redis=\"%s\" (not counted)", id, bg_stat_field_name(f), bg_redis_error(redis));
}
