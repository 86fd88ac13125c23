/*
 * mlt_stat.h - the accepted recipients of one message, counted at its end.
 *
 * Accepted recipients are tallied per destination group while RCPT runs
 * (no Redis), and written at end of message as one pipeline of HINCRBYs
 * (lib/bg_stat.h): never an extra round trip at RCPT.
 */
#ifndef MLT_STAT_H
#define MLT_STAT_H

#include "bg_addr.h"
#include "bg_config.h"
#include "bg_sender.h"
#include "mlt_conf.h"

#define MLT_STAT_GROUPS 16 /* distinct groups kept; more are counted under "-" */

struct mlt_stat {
	struct {
		char group[BG_ADDR_MAX + 1];
		unsigned n;
	} g[MLT_STAT_GROUPS];
	int n_groups;
	unsigned other;
};

/* Counts one accepted recipient. */
void mlt_stat_rcpt(struct mlt_stat *s, const struct bg_config *cfg, const struct bg_addr *rcpt);

/* Writes the message's counts for sender (one pipeline); failures are logged with id and ignored. */
void mlt_stat_flush(struct mlt_stat *s, struct bg_held *conf, const struct bg_sender *sender, const char *id);

/* Forgets the counts. */
void mlt_stat_reset(struct mlt_stat *s);

#endif
