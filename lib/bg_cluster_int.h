/*
 * bg_cluster_int.h - what the cluster handle (bg_cluster.c) shares with its pipes (bg_cluster_pipe.c).
 *
 * DIAGNOSTICS: errors are set on the handle (bg_cluster_set_error), as bg_cluster.h says.
 */
#ifndef BG_CLUSTER_INT_H
#define BG_CLUSTER_INT_H

#include "bg_cluster.h"
#include "bg_redis.h"

#define BG_CLUSTER_MAX_CONNS (BG_CLUSTER_MAX_NODES + BG_CLUSTER_MAX_SEEDS)

/* One node's connection, made when first needed. */
struct bg_cluster_conn {
	struct bg_cluster_node_addr addr;
	struct bg_redis *r;
};

struct bg_cluster {
	struct bg_cluster_node_addr seed[BG_CLUSTER_MAX_SEEDS];
	size_t nseeds;
	long timeout_ms;
	struct bg_redis_conf auth;  /* credentials of every node's connection (a copy) */
	struct bg_cluster_map *map; /* NULL until first fetched */
	int stale;                  /* fetch the map again before the next command */
	unsigned rotate;            /* where the next fetch starts asking */
	struct bg_cluster_conn conn[BG_CLUSTER_MAX_CONNS];
	size_t nconn;
	struct bg_cluster_stats stats;
	char err[256];
};

/* Sets c's error text, printf-style. */
void bg_cluster_set_error(struct bg_cluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fetches the map when there is none or it is stale. 0 when a map is there (maybe old), else -1. */
int bg_cluster_prepare(struct bg_cluster *c);

/* Returns the index in c->conn of a's connection (made, not connected), or -1 when the table is full. */
int bg_cluster_conn_index(struct bg_cluster *c, const struct bg_cluster_node_addr *a);

/* Hands command i's reply over to the caller (who frees it); NULL when it has none. */
redisReply *bg_cluster_pipe_take(struct bg_cluster_pipe *p, size_t i);

#endif
