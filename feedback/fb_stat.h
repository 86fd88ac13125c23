/*
 * fb_stat.h - feedback's verified writes counted under bg:stat: (lib/bg_stat.h).
 */
#ifndef FB_STAT_H
#define FB_STAT_H

#include <time.h>

#include "bg_config.h"
#include "bg_redis.h"
#include "bg_stat.h"

/*
 * Counts one event of field f for entity (NULL: "-") and list (NULL or ""
 * for none) in the group of addr's domain. A failure is logged with id and
 * ignored: a counter is never worth a retried mail.
 */
void fb_stat_count(const struct bg_config *cfg, struct bg_redis *redis, const char *entity, const char *list,
                   const char *addr, enum bg_stat_field f, time_t now, const char *id);

#endif
