/*
 * bg_hold.c - the configuration in force: one generation at a time, shared
 * by count, each with its own pool of idle Redis connections.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bg_hold.h"
#include "bg_util.h"

#define IDLE_MAX 64 /* idle Redis connections kept per generation */

struct bg_held {
	struct bg_config *cfg;
	void *state;
	void (*state_free)(void *state);
	atomic_int refs; /* one for being in force, one per acquire */
	pthread_mutex_t pool_lock;
	struct bg_redis *idle[IDLE_MAX];
	int n_idle;
};

struct bg_hold {
	pthread_mutex_t lock; /* guards current */
	struct bg_held *current;
	void (*state_free)(void *state);
};

/* Frees a generation nobody holds, with its state and idle connections. */
static void
held_free(struct bg_held *g)
{
	for (int i = 0; i < g->n_idle; i++)
		bg_redis_free(g->idle[i]);
	pthread_mutex_destroy(&g->pool_lock);
	if (g->state_free != NULL)
		g->state_free(g->state);
	bg_config_free(g->cfg);
	free(g);
}

struct bg_hold *
bg_hold_new(void (*state_free)(void *state))
{
	struct bg_hold *h = bg_xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->lock, NULL);
	h->state_free = state_free;
	return h;
}

void
bg_hold_swap(struct bg_hold *h, struct bg_config *cfg, void *state)
{
	struct bg_held *g = bg_xcalloc(1, sizeof(*g)), *old;

	g->cfg = cfg;
	g->state = state;
	g->state_free = h->state_free;
	atomic_init(&g->refs, 1);
	pthread_mutex_init(&g->pool_lock, NULL);
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = g;
	pthread_mutex_unlock(&h->lock);
	bg_held_release(old);
}

void
bg_hold_free(struct bg_hold *h)
{
	struct bg_held *old;

	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = NULL;
	pthread_mutex_unlock(&h->lock);
	bg_held_release(old);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

struct bg_held *
bg_hold_acquire(struct bg_hold *h)
{
	struct bg_held *g;

	pthread_mutex_lock(&h->lock);
	g = h->current;
	if (g == NULL)
		abort();               /* acquired before the first swap or after bg_hold_free: a bug */
	atomic_fetch_add(&g->refs, 1); /* g cannot go meanwhile: being in force holds one */
	pthread_mutex_unlock(&h->lock);
	return g;
}

void
bg_held_release(struct bg_held *g)
{
	if (g != NULL && atomic_fetch_sub(&g->refs, 1) == 1)
		held_free(g);
}

const struct bg_config *
bg_held_cfg(const struct bg_held *g)
{
	return g->cfg;
}

void *
bg_held_state(const struct bg_held *g)
{
	return g->state;
}

struct bg_redis *
bg_held_redis_borrow(struct bg_held *g, bool *reused, const char **why)
{
	struct bg_redis *r = NULL;

	pthread_mutex_lock(&g->pool_lock);
	if (g->n_idle > 0)
		r = g->idle[--g->n_idle];
	pthread_mutex_unlock(&g->pool_lock);
	*reused = r != NULL;
	if (r == NULL)
		r = bg_redis_new(&g->cfg->redis, why);
	return r;
}

void
bg_held_redis_return(struct bg_held *g, struct bg_redis *r, bool healthy)
{
	pthread_mutex_lock(&g->pool_lock);
	if (healthy && g->n_idle < IDLE_MAX) {
		g->idle[g->n_idle++] = r;
		r = NULL;
	}
	pthread_mutex_unlock(&g->pool_lock);
	bg_redis_free(r);
}
