/*
 * bg_cluster.c - the cluster handle: seeds, the slot map, one connection per node.
 *
 * The map is fetched with CLUSTER SLOTS from the known nodes in turn (the
 * masters of the map in force, then the seeds), starting one further each
 * time so a dead node is not always asked first, and giving up after
 * REFRESH_TRIES nodes failed. Connections to nodes that left the map are
 * closed when a new map comes in. Routing and redirects live in
 * bg_cluster_pipe.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_cluster_int.h"
#include "bg_util.h"

#define REFRESH_TRIES 3 /* nodes asked for the map before giving up */

void
bg_cluster_set_error(struct bg_cluster *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Reads one seed "host:port" or "[v6]:port" into *a; 0 or -1. */
static int
parse_seed(const char *s, struct bg_cluster_node_addr *a)
{
	char *host;
	int port;

	if (bg_redis_split_address(s, &host, &port) < 0)
		return -1;
	if (port == 0 || strlen(host) > BG_CLUSTER_HOST_MAX) {
		free(host);
		return -1;
	}
	strcpy(a->host, host);
	a->port = port;
	free(host);
	return 0;
}

struct bg_cluster *
bg_cluster_new(const char *const *seeds, size_t nseeds, const struct bg_redis_conf *conf, const char **err)
{
	struct bg_cluster *c;

	if (nseeds == 0 || nseeds > BG_CLUSTER_MAX_SEEDS) {
		*err = "cluster needs 1 to 32 seed nodes";
		return NULL;
	}
	if (conf->db != 0) {
		*err = "a Redis Cluster has database 0 only (redis db must be 0)";
		return NULL;
	}
	c = bg_xcalloc(1, sizeof(*c));
	c->timeout_ms = conf->timeout_ms;
	bg_redis_conf_copy(&c->auth, conf);
	c->auth.wait_replicas = conf->wait_replicas; /* each node's connection confirms its own writes */
	c->auth.wait_timeout_ms = conf->wait_timeout_ms;
	for (size_t i = 0; i < nseeds; i++) {
		if (parse_seed(seeds[i], &c->seed[i]) < 0) {
			*err = "cluster seed must be host:port or [v6]:port";
			bg_cluster_free(c);
			return NULL;
		}
	}
	c->nseeds = nseeds;
	return c;
}

void
bg_cluster_free(struct bg_cluster *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nconn; i++)
		bg_redis_free(c->conn[i].r);
	free(c->map);
	bg_redis_conf_clear(&c->auth);
	free(c);
}

const char *
bg_cluster_error(const struct bg_cluster *c)
{
	return c->err;
}

/* True when a and b name the same node. */
static int
same_addr(const struct bg_cluster_node_addr *a, const struct bg_cluster_node_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

int
bg_cluster_conn_index(struct bg_cluster *c, const struct bg_cluster_node_addr *a)
{
	char name[BG_CLUSTER_ADDR_MAX];
	const char *err;

	for (size_t i = 0; i < c->nconn; i++)
		if (same_addr(&c->conn[i].addr, a))
			return (int)i;
	if (c->nconn == BG_CLUSTER_MAX_CONNS) {
		bg_cluster_set_error(c, "more than %d cluster nodes", BG_CLUSTER_MAX_CONNS);
		return -1;
	}
	bg_cluster_addr_format(name, a);
	c->conn[c->nconn].r = bg_redis_new_at(&c->auth, name, &err);
	if (c->conn[c->nconn].r == NULL) {
		bg_cluster_set_error(c, "node %s: %s", name, err);
		return -1;
	}
	c->conn[c->nconn].addr = *a;
	return (int)c->nconn++;
}

/* Closes the connections of nodes that are not masters in c's map. */
static void
prune(struct bg_cluster *c)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->nconn; i++) {
		int keep = 0;

		for (size_t j = 0; j < c->map->nnodes && !keep; j++)
			keep = same_addr(&c->conn[i].addr, &c->map->node[j]);
		if (keep)
			c->conn[kept++] = c->conn[i];
		else
			bg_redis_free(c->conn[i].r);
	}
	c->nconn = kept;
}

/* Asks the node at a for CLUSTER SLOTS into *m; 0, or -1 with c->err. */
static int
fetch_from(struct bg_cluster *c, const struct bg_cluster_node_addr *a, struct bg_cluster_map *m)
{
	static const char *argv[] = {"CLUSTER", "SLOTS"};
	struct bg_redis *r;
	redisReply *reply;
	const char *err;
	int i = bg_cluster_conn_index(c, a);
	int rc;

	if (i < 0)
		return -1;
	r = c->conn[i].r;
	if (bg_redis_append(r, 2, argv, NULL) < 0 || (reply = bg_redis_reply(r)) == NULL) {
		bg_cluster_set_error(c, "CLUSTER SLOTS from %s: %s", bg_redis_address(r), bg_redis_error(r));
		return -1;
	}
	rc = bg_cluster_map_build(m, reply, a->host, &err);
	if (rc < 0)
		bg_cluster_set_error(c, "%s: %s%s%.*s", bg_redis_address(r), err,
		                     reply->type == REDIS_REPLY_ERROR ? ": " : "",
		                     reply->type == REDIS_REPLY_ERROR ? (int)(reply->len > 200 ? 200 : reply->len) : 0,
		                     reply->type == REDIS_REPLY_ERROR ? reply->str : "");
	freeReplyObject(reply);
	return rc;
}

/* Returns the n-th node to ask for the map: the map's masters, then the seeds. */
static const struct bg_cluster_node_addr *
candidate(const struct bg_cluster *c, size_t n)
{
	size_t masters = c->map != NULL ? c->map->nnodes : 0;

	n %= masters + c->nseeds;
	return n < masters ? &c->map->node[n] : &c->seed[n - masters];
}

int
bg_cluster_refresh(struct bg_cluster *c)
{
	struct bg_cluster_map *m = bg_xcalloc(1, sizeof(*m));
	struct bg_cluster_node_addr a;
	size_t total = (c->map != NULL ? c->map->nnodes : 0) + c->nseeds;
	size_t tries = total < REFRESH_TRIES ? total : REFRESH_TRIES;

	for (size_t t = 0; t < tries; t++) {
		a = *candidate(c, c->rotate++);
		if (fetch_from(c, &a, m) == 0) {
			free(c->map);
			c->map = m;
			c->stale = 0;
			c->stats.refreshes++;
			prune(c);
			return 0;
		}
	}
	free(m);
	return -1;
}

int
bg_cluster_prepare(struct bg_cluster *c)
{
	if (c->map != NULL && !c->stale)
		return 0;
	if (bg_cluster_refresh(c) == 0 || c->map != NULL)
		return 0;
	return -1;
}

int
bg_cluster_master_count(struct bg_cluster *c)
{
	if (bg_cluster_prepare(c) < 0)
		return -1;
	return (int)c->map->nnodes;
}

void
bg_cluster_master_address(const struct bg_cluster *c, int i, char buf[BG_CLUSTER_ADDR_MAX])
{
	if (c->map == NULL || i < 0 || (size_t)i >= c->map->nnodes) {
		buf[0] = '\0';
		return;
	}
	bg_cluster_addr_format(buf, &c->map->node[i]);
}

redisReply *
bg_cluster_command_at(struct bg_cluster *c, const char *address, int argc, const char **argv, const size_t *argvlen)
{
	struct bg_cluster_node_addr a;
	struct bg_redis *r;
	redisReply *reply;
	int i;

	if (parse_seed(address, &a) < 0) {
		bg_cluster_set_error(c, "node address must be host:port or [v6]:port");
		return NULL;
	}
	i = bg_cluster_conn_index(c, &a);
	if (i < 0)
		return NULL;
	r = c->conn[i].r;
	if (bg_redis_append(r, argc, argv, argvlen) < 0 || (reply = bg_redis_reply(r)) == NULL) {
		bg_cluster_set_error(c, "%s: %s", bg_redis_address(r), bg_redis_error(r));
		c->stale = 1;
		return NULL;
	}
	return reply;
}

int
bg_cluster_wait(struct bg_cluster *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->nconn; i++)
		if (c->conn[i].r != NULL && bg_redis_wait(c->conn[i].r) < 0 && rc == 0) {
			bg_cluster_set_error(c, "%s: %s", bg_redis_address(c->conn[i].r), bg_redis_error(c->conn[i].r));
			rc = -1;
		}
	return rc;
}

redisReply *
bg_cluster_command(struct bg_cluster *c, int argc, const char **argv, const size_t *argvlen, int key_first,
                   int key_count)
{
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	redisReply *reply = NULL;

	if (bg_cluster_pipe_add(p, argc, argv, argvlen, key_first, key_count) == 0 && bg_cluster_pipe_run(p) == 0)
		reply = bg_cluster_pipe_take(p, 0);
	else if (bg_cluster_pipe_error(p, 0) != NULL)
		bg_cluster_set_error(c, "%s", bg_cluster_pipe_error(p, 0));
	bg_cluster_pipe_free(p);
	return reply;
}

void
bg_cluster_stats(const struct bg_cluster *c, struct bg_cluster_stats *s)
{
	*s = c->stats;
}

int
bg_cluster_same_slot(size_t n, const char *const *keys, const size_t *lens)
{
	unsigned slot;

	if (n == 0)
		return -1;
	slot = bg_cluster_key_slot(keys[0], lens != NULL ? lens[0] : strlen(keys[0]));
	for (size_t i = 1; i < n; i++)
		if (bg_cluster_key_slot(keys[i], lens != NULL ? lens[i] : strlen(keys[i])) != slot)
			return -1;
	return (int)slot;
}
