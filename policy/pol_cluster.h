/*
 * pol_cluster.h - the policy daemon's script calls on a Redis Cluster.
 *
 * The same contract as pol_redis_eval, on every master of a Cluster: each
 * call goes to the master of its first key's slot (the script's keys share
 * one slot: bg_limit tags them), follows MOVED and ASK, and gets exactly one
 * answer within timeout_ms: the reply, or a failure with its reason. Used
 * through pol_redis when the configuration names cluster_nodes. The module
 * never logs.
 */
#ifndef POL_CLUSTER_H
#define POL_CLUSTER_H

#include <stddef.h>

#include <event2/event.h>

#include "bg_config.h"
#include "pol_redis.h"

struct pol_cluster;

/*
 * Makes a handle for conf's cluster_nodes (seeds "host:port" or "[v6]:port"),
 * timeout_ms, user and password (copied) and starts fetching the slot map.
 * script must outlive the handle. NULL with *err (static) when a seed is
 * malformed, there are too many, or conf's db is not 0.
 */
struct pol_cluster *pol_cluster_new(struct event_base *base, const struct bg_redis_conf *conf, const char *script,
                                    const char **err);

/* Closes every connection (pending calls get their failure) and frees c; NULL is fine. */
void pol_cluster_free(struct pol_cluster *c);

/* As pol_redis_eval; -1 (cb not called) while no slot map is known or the slot's master cannot be reached. */
int pol_cluster_eval(struct pol_cluster *c, int argc, const char **argv, const size_t *argvlen, pol_redis_cb cb,
                     void *arg);

#endif
