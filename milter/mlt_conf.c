/*
 * mlt_conf.c - the configuration in force, its reload, and its Redis pool.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "bg_log.h"
#include "bg_util.h"
#include "mlt_conf.h"

#define POOL_IDLE_MAX 64

struct mlt_conf {
	struct bg_config *cfg;
	struct bg_token_keys *tokens;
	struct bg_spf *spf;
	struct bg_dkim_keys *dkim;
	int refs; /* under conf_lock */
	pthread_mutex_t pool_lock;
	struct bg_redis *idle[POOL_IDLE_MAX];
	int n_idle;
};

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mlt_conf *current;

/* Frees a configuration nobody holds any more, with its keys and idle connections. */
static void
conf_free(struct mlt_conf *c)
{
	for (int i = 0; i < c->n_idle; i++)
		bg_redis_free(c->idle[i]);
	pthread_mutex_destroy(&c->pool_lock);
	bg_token_keys_free(c->tokens);
	bg_spf_free(c->spf);
	bg_dkim_keys_free(c->dkim);
	bg_config_free(c->cfg);
	free(c);
}

/*
 * True when some entity puts tokens in headers or VERP in return paths, or
 * the key file exists (its keys find the addresses bulkguard-ctl forget
 * --keep-blocked left blocked).
 */
static bool
needs_tokens(const struct bg_config *cfg)
{
	if (cfg->unsubscribe.key_file != NULL && access(cfg->unsubscribe.key_file, F_OK) == 0)
		return true;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];
		if ((e->unsubscribe_url && *e->unsubscribe_url) || (e->return_path_domain && *e->return_path_domain))
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

/*
 * Wraps a loaded configuration with one reference (the "current" one) and
 * loads its keys; NULL with the reason in err (cfg is freed then).
 */
static struct mlt_conf *
conf_new(struct bg_config *cfg, char *err, size_t errlen)
{
	struct mlt_conf *c = bg_xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	c->refs = 1;
	pthread_mutex_init(&c->pool_lock, NULL);
	if ((c->dkim = bg_dkim_keys_load(cfg, err, errlen)) == NULL ||
	    (needs_tokens(cfg) && (c->tokens = bg_token_keys_load(cfg->unsubscribe.key_file, err, errlen)) == NULL) ||
	    (needs_spf(cfg) && (c->spf = spf_new(cfg, err, errlen)) == NULL)) {
		conf_free(c);
		return NULL;
	}
	return c;
}

int
mlt_conf_init(struct bg_config *cfg, char *err, size_t errlen)
{
	current = conf_new(cfg, err, errlen);
	return current != NULL ? 0 : -1;
}

struct mlt_conf *
mlt_conf_acquire(void)
{
	struct mlt_conf *c;

	pthread_mutex_lock(&conf_lock);
	c = current;
	c->refs++;
	pthread_mutex_unlock(&conf_lock);
	return c;
}

void
mlt_conf_release(struct mlt_conf *c)
{
	int left;

	if (c == NULL)
		return;
	pthread_mutex_lock(&conf_lock);
	left = --c->refs;
	pthread_mutex_unlock(&conf_lock);
	if (left == 0)
		conf_free(c);
}

const struct bg_config *
mlt_conf_cfg(const struct mlt_conf *c)
{
	return c->cfg;
}

const struct bg_dkim_keys *
mlt_conf_dkim(const struct mlt_conf *c)
{
	return c->dkim;
}

struct bg_spf *
mlt_conf_spf(const struct mlt_conf *c)
{
	return c->spf;
}

const struct bg_token_keys *
mlt_conf_tokens(const struct mlt_conf *c)
{
	return c->tokens;
}

struct bg_redis *
mlt_conf_redis_borrow(struct mlt_conf *c)
{
	struct bg_redis *r = NULL;
	const char *err;

	pthread_mutex_lock(&c->pool_lock);
	if (c->n_idle > 0)
		r = c->idle[--c->n_idle];
	pthread_mutex_unlock(&c->pool_lock);
	if (r == NULL)
		r = bg_redis_new(c->cfg->redis.address, c->cfg->redis.timeout_ms, &err);
	if (r == NULL) /* the address was checked when the configuration was loaded */
		bg_log_fatal(1, "redis address \"%s\": %s", c->cfg->redis.address, err);
	return r;
}

void
mlt_conf_redis_return(struct mlt_conf *c, struct bg_redis *r, bool healthy)
{
	pthread_mutex_lock(&c->pool_lock);
	if (healthy && c->n_idle < POOL_IDLE_MAX) {
		c->idle[c->n_idle++] = r;
		r = NULL;
	}
	pthread_mutex_unlock(&c->pool_lock);
	bg_redis_free(r);
}

void
mlt_conf_reload(void)
{
	char err[512];
	struct bg_config *cfg;
	struct mlt_conf *old, *next;

	cfg = bg_config_load(current->cfg->file, err, sizeof(err));
	next = cfg != NULL ? conf_new(cfg, err, sizeof(err)) : NULL;
	if (next == NULL) {
		bg_log_error("reload failed, keeping the configuration in force: %s", err);
		return;
	}
	pthread_mutex_lock(&conf_lock);
	old = current;
	current = next;
	pthread_mutex_unlock(&conf_lock);
	mlt_conf_release(old);
	bg_log_info("reloaded %s: %zu entities", cfg->file, cfg->n_entities);
}

void
mlt_conf_shutdown(void)
{
	pthread_mutex_lock(&conf_lock);
	struct mlt_conf *c = current;
	current = NULL;
	pthread_mutex_unlock(&conf_lock);
	mlt_conf_release(c);
}
