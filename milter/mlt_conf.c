/*
 * mlt_conf.c - what the milter derives from a configuration (keys and the
 * SPF checker), held with it by the skeleton's holder (bg_hold).
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "bg_log.h"
#include "bg_util.h"
#include "mlt_conf.h"

/* The milter's state of one configuration. */
struct mlt_state {
	struct bg_token_keys *tokens;
	struct bg_spf *spf;
	struct bg_dkim_keys *dkim;
};

static struct bg_hold *hold; /* libmilter's callbacks carry no pointer of ours */

/*
 * True when some entity puts tokens in headers, VERP in return paths or reply
 * addresses in Reply-To, or the key file exists (its keys find the addresses
 * bulkguard-ctl forget --keep-blocked left blocked).
 */
static bool
needs_tokens(const struct bg_config *cfg)
{
	if (cfg->unsubscribe.key_file != NULL && access(cfg->unsubscribe.key_file, F_OK) == 0)
		return true;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];
		if ((e->unsubscribe_url && *e->unsubscribe_url) || (e->return_path_domain && *e->return_path_domain) ||
		    (e->reply_domain && *e->reply_domain))
			return true;
	}
	return false;
}

/* True when some entity's sender domains must authorise its IPs. */
static bool
needs_spf(const struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (cfg->entities[i].spf_ips.n > 0)
			return true;
	return false;
}

/* Makes the SPF checker: DNS, or the configured zone file. NULL with err on failure. */
static struct bg_spf *
spf_new(const struct bg_config *cfg, char *err, size_t errlen)
{
	unsigned ttl = (unsigned)cfg->milter.spf_cache_ttl;
	struct bg_spf *spf;

	if (cfg->milter.spf_zone == NULL || *cfg->milter.spf_zone == '\0')
		return bg_spf_new(ttl, 0, err, errlen);
	spf = bg_spf_new_zone(ttl, err, errlen);
	if (spf != NULL && bg_spf_zone_load(spf, cfg->milter.spf_zone, err, errlen) < 0) {
		bg_spf_free(spf);
		spf = NULL;
	}
	return spf;
}

void
mlt_conf_state_free(void *state)
{
	struct mlt_state *st = state;

	if (st == NULL)
		return;
	bg_token_keys_free(st->tokens);
	bg_spf_free(st->spf);
	bg_dkim_keys_free(st->dkim);
	free(st);
}

void *
mlt_conf_derive(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct mlt_state *st = bg_xcalloc(1, sizeof(*st));

	if ((st->dkim = bg_dkim_keys_load(cfg, err, errlen)) == NULL ||
	    (needs_tokens(cfg) && (st->tokens = bg_token_keys_load(cfg->unsubscribe.key_file, err, errlen)) == NULL) ||
	    (needs_spf(cfg) && (st->spf = spf_new(cfg, err, errlen)) == NULL)) {
		mlt_conf_state_free(st);
		return NULL;
	}
	return st;
}

void
mlt_conf_use(struct bg_hold *h)
{
	hold = h;
}

struct bg_held *
mlt_conf_acquire(void)
{
	return bg_hold_acquire(hold);
}

void
mlt_conf_release(struct bg_held *c)
{
	bg_held_release(c);
}

const struct bg_config *
mlt_conf_cfg(const struct bg_held *c)
{
	return bg_held_cfg(c);
}

const struct bg_dkim_keys *
mlt_conf_dkim(const struct bg_held *c)
{
	return ((const struct mlt_state *)bg_held_state(c))->dkim;
}

struct bg_spf *
mlt_conf_spf(const struct bg_held *c)
{
	return ((const struct mlt_state *)bg_held_state(c))->spf;
}

const struct bg_token_keys *
mlt_conf_tokens(const struct bg_held *c)
{
	return ((const struct mlt_state *)bg_held_state(c))->tokens;
}

struct bg_redis *
mlt_conf_redis_borrow(struct bg_held *c)
{
	const char *err = NULL;
	bool reused;
	struct bg_redis *r = bg_held_redis_borrow(c, &reused, &err);

	if (r == NULL) /* the address was checked when the configuration was loaded */
		bg_log_fatal(1, "redis address \"%s\": %s", bg_held_cfg(c)->redis.address, err);
	return r;
}

void
mlt_conf_redis_return(struct bg_held *c, struct bg_redis *r, bool healthy)
{
	bg_held_redis_return(c, r, healthy);
}
