/*
 * ctl_data.h - bulkguard-ctl's "suppress" and "consent" commands, and the
 * helpers the data commands share (Redis, login name, times, entities).
 */
#ifndef CTL_DATA_H
#define CTL_DATA_H

#include <stdbool.h>

#include "bg_config.h"
#include "bg_redis.h"

#define CTL_SUPPRESS_USAGE                                                                                             \
	"suppress add ADDRESS [--entity ENTITY [--list LIST]] [--reason REASON] [--source SOURCE]\n"                   \
	"       suppress del ADDRESS [--entity ENTITY [--list LIST]]\n"                                                \
	"       suppress show ADDRESS"
#define CTL_CONSENT_USAGE                                                                                              \
	"consent add ADDRESS --entity ENTITY [--list LIST] --level single|notified|confirmed\n"                        \
	"                   [--time TIME] [--ip IP] [--source SOURCE]\n"                                               \
	"       consent del ADDRESS --entity ENTITY [--list LIST]\n"                                                   \
	"       consent show ADDRESS"

/*
 * Run "suppress add|del|show ..." and "consent add|del|show ..." (argv[0] is
 * the command word) against cfg->redis, each write with its bg:audit entry
 * when cfg->audit. Results go to stdout, errors to stderr. Return the exit
 * status: 0; 1 when there is nothing to delete or show; 64 for bad usage, an
 * address that cannot be normalised, an entity not configured or a bad
 * value; 69 when Redis is unreachable or refuses the write.
 */
int ctl_suppress(const struct bg_config *cfg, int argc, char **argv);
int ctl_consent(const struct bg_config *cfg, int argc, char **argv);

/*
 * Connects to cfg->redis (with a timeout of at least 5 s: a person or cron
 * is waiting, not a mail). Returns a handle the caller frees with
 * bg_redis_free, or NULL after printing why.
 */
struct bg_redis *ctl_data_redis(const struct bg_config *cfg);

/* Prints "bulkguard-ctl: Redis at ADDRESS unavailable: why" and returns EX_UNAVAILABLE. */
int ctl_data_down(const struct bg_redis *r, const char *why);

/*
 * Confirms the command's writes reached redis.wait_replicas replicas
 * (bg_redis_wait) before it reports success. Returns 0, or EX_TEMPFAIL
 * after printing "bulkguard-ctl: Redis at ADDRESS: write not confirmed: why".
 */
int ctl_data_confirm(struct bg_redis *r);

/* Returns the name of the person running the command (login name, else the user's name); static. */
const char *ctl_data_login(void);

/* Parses a time given as unix seconds or as ISO 8601 UTC (2026-11-23T14:00:00Z) into *t; 0 or -1. */
int ctl_data_time(const char *s, long long *t);

/* Formats unix time t as ISO 8601 UTC into out (at least 32 bytes). */
void ctl_data_iso(long long t, char *out, size_t len);

/* True when cfg configures an entity of that name. */
bool ctl_data_entity_known(const struct bg_config *cfg, const char *name);

#endif
