/*
 * mlt_stat.c - accepted recipients per group, written at end of message (mlt_stat.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bg_log.h"
#include "bg_stat.h"
#include "mlt_stat.h"

void
mlt_stat_rcpt(struct mlt_stat *s, const struct bg_config *cfg, const struct bg_addr *rcpt)
{
	const char *group = bg_stat_group(cfg, bg_addr_domain(rcpt));
	int i;

	for (i = 0; i < s->n_groups; i++)
		if (strcasecmp(s->g[i].group, group) == 0) {
			s->g[i].n++;
			return;
		}
	if (s->n_groups == MLT_STAT_GROUPS || strlen(group) > BG_ADDR_MAX) {
		s->other++;
		return;
	}
	snprintf(s->g[i].group, sizeof(s->g[i].group), "%s", group);
	s->g[i].n = 1;
	s->n_groups++;
}

void
mlt_stat_flush(struct mlt_stat *s, struct bg_held *conf, const struct bg_sender *sender, const char *id)
{
	const struct bg_config *cfg = mlt_conf_cfg(conf);
	struct bg_redis *r;
	time_t now = time(NULL);
	int q = 0, n = 0;

	if (sender->entity == NULL || (s->n_groups == 0 && s->other == 0))
		return;
	r = mlt_conf_redis_borrow(conf);
	for (int i = 0; i <= s->n_groups && q >= 0; i++) {
		unsigned cnt = i < s->n_groups ? s->g[i].n : s->other;

		if (cnt == 0)
			continue;
		n = bg_stat_entity(r, cfg, sender->entity->name, sender->list, i < s->n_groups ? s->g[i].group : "-",
		                   now, BG_ST_ACCEPTED, (long)cnt);
		q = n < 0 ? -1 : q + n;
	}
	if (q < 0 || bg_stat_drain(r, q) < 0) {
		bg_log_warn("%s: stat=accepted redis=\"%s\" (not counted)", id, bg_redis_error(r));
		mlt_conf_redis_return(conf, r, false);
		return;
	}
	mlt_conf_redis_return(conf, r, true);
}

void
mlt_stat_reset(struct mlt_stat *s)
{
	s->n_groups = 0;
	s->other = 0;
}
