/*
 * ctl_stats.h - bulkguard-ctl's "stats" and "brake" commands.
 */
#ifndef CTL_STATS_H
#define CTL_STATS_H

#include "bg_config.h"

#define CTL_STATS_USAGE "stats [--entity ENTITY [--list LIST]] [--pool POOL] [--group GROUP] [--days N]"
#define CTL_BRAKE_USAGE "brake release --entity ENTITY | --pool POOL --group GROUP"

/*
 * "stats": the bg:stat: counters of the last N UTC days (default 1, today),
 * one line per entity (or list) x group x day and per pool IP x group x
 * hour, with rates as percentages of accepted recipients; then the entities'
 * brake windows and current brakes (suspensions, pair factors and holds).
 * Exit 0, 64 bad usage, 69 Redis unreachable.
 */
int ctl_stats(const struct bg_config *cfg, int argc, char **argv);

/*
 * "brake release": lifts an automatic suspension (a value starting with
 * "auto "; an operator's is left alone, exit 1) and forgets the entity's
 * brake window, or deletes a pool x group's brake. Exit 0 released, 1
 * nothing (or an operator's) to release, 64 bad usage, 69 Redis.
 */
int ctl_brake(const struct bg_config *cfg, int argc, char **argv);

#endif
