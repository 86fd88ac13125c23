/*
 * pol_cluster.c - the policy daemon's asynchronous Redis Cluster client.
 *
 * One hiredis async connection per node, made when a job first goes there,
 * AUTH (as configured) and SCRIPT LOAD queued first on each. The slot map
 * is lib's (bg_cluster_map_build on a CLUSTER SLOTS reply), fetched in the
 * background from the known masters and the seeds in turn: at start, every
 * PERIOD_MS, and after a MOVED, a lost connection or a cluster error, at
 * most every REFRESH_MIN_MS. A job (one script call) goes to the master of its first
 * key's slot; MOVED patches the map and sends it to the new owner, ASK
 * sends ASKING and the job to the target, NOSCRIPT sends it again as EVAL,
 * at most BG_CLUSTER_MAX_REDIRECTS times in all. A job whose connection is
 * lost is never sent again (it may have run): it fails. As in pol_redis.c,
 * each job's timer answers the caller with "timeout" and drops the node's
 * connection; the job itself is freed only when hiredis lets it go.
 *
 * A charge must not be lost in a failover: on a master with a replica
 * connected (ROLE, asked on each new connection and with every map fetch;
 * unknown until it answers counts as one) each script call is followed on
 * the same connection by WAIT 1 (half of timeout_ms), and its reply is given
 * only when a replica acknowledged it; else the call fails. A master without
 * a replica is not waited on: no replica could take over without the charge.
 * (CLUSTER SLOTS is no guide: Redis 7 leaves out a replica that has not yet
 * replicated anything.)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "bg_cluster.h"
#include "bg_metrics.h"
#include "bg_redis.h"
#include "bg_util.h"
#include "pol_cluster.h"
#include "pol_job.h"

#define REFRESH_MIN_MS 100  /* between two fetches of the slot map */
#define RETRY_MS       250  /* after a fetch that failed */
#define PERIOD_MS      1000 /* between fetches when nothing asks for one: replicas come and go */
#define MAX_NODES      (BG_CLUSTER_MAX_NODES + BG_CLUSTER_MAX_SEEDS)

struct pc_node {
	struct pol_cluster *c;
	struct bg_cluster_node_addr addr;
	redisAsyncContext *ac; /* NULL: not connected */
	char sha[41];          /* "" until SCRIPT LOAD answered on this connection */
	char lost[192];        /* why set-up dropped the connection; "" when it did not */
	int replicas;          /* replicas connected to it, as ROLE said; -1 until ROLE answers */
};

struct pol_cluster {
	struct event_base *base;
	long timeout_ms;
	struct bg_redis_conf auth; /* user, password: a copy */
	const char *script;
	struct bg_cluster_node_addr seed[BG_CLUSTER_MAX_SEEDS];
	size_t nseeds;
	struct bg_cluster_map *map; /* NULL until first fetched */
	struct pc_node node[MAX_NODES];
	size_t nnodes;
	struct pc_node *fetching; /* the node asked for the map, NULL when none is */
	unsigned rotate;          /* where the next fetch starts asking */
	double last_fetch;
	struct event *refresh; /* fetch timer, and the deadline of a fetch */
};

struct pc_job {
	struct pol_job job; /* the caller, the arguments, the deadline, the held reply */
	struct pol_cluster *c;
	unsigned slot;
	int redirects;               /* MOVED, ASK and NOSCRIPT resends so far */
	struct pc_node *on;          /* the node it was last sent to */
	const redisAsyncContext *ac; /* the connection it was last sent on (compared, never used) */
	int refs;                    /* hiredis callbacks still to come for it */
	int wait;                    /* a WAIT follows the last send */
};

static void mark_stale(struct pol_cluster *c);

/* Frees a job hiredis has finished with; a caller still waiting gets its failure first. */
static void
job_done(struct pc_job *j)
{
	pol_job_answer(&j->job, NULL, "connection lost");
	pol_job_fini(&j->job);
	free(j);
}

/* Drops one hiredis reference to j, freeing it after the last. */
static void
job_unref(struct pc_job *j)
{
	if (--j->refs == 0)
		job_done(j);
}

/* Closes n's connection now; its pending jobs get NULL replies from hiredis. */
static void
node_drop(struct pc_node *n)
{
	redisAsyncContext *ac = n->ac;

	if (ac == NULL)
		return;
	n->ac = NULL;
	n->sha[0] = '\0';
	redisAsyncFree(ac);
}

static void
connect_cb(const redisAsyncContext *ac, int status)
{
	struct pc_node *n = ac->data;

	if (n->ac != ac || status == REDIS_OK)
		return;
	n->ac = NULL; /* hiredis frees it after this call */
	n->sha[0] = '\0';
	mark_stale(n->c);
}

static void
disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct pc_node *n = ac->data;

	(void)status;
	if (n->ac != ac)
		return;
	n->ac = NULL; /* hiredis frees it after this call */
	n->sha[0] = '\0';
	mark_stale(n->c);
}

/* The reply to AUTH: anything but +OK drops the connection, its reason kept (never the password). */
static void
auth_reply(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_node *n = ac->data;
	redisReply *reply = rep;

	(void)privdata;
	if (reply == NULL || n->ac != ac || reply->type == REDIS_REPLY_STATUS)
		return;
	snprintf(n->lost, sizeof(n->lost), "AUTH refused: %.128s",
	         reply->type == REDIS_REPLY_ERROR && reply->str ? reply->str : "unexpected reply");
	node_drop(n); /* hiredis frees the context when this callback returns */
}

/* Remembers the SHA of the script loaded on the node. */
static void
script_loaded(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_node *n = privdata;
	redisReply *reply = rep;

	if (reply != NULL && n->ac == ac && reply->type == REDIS_REPLY_STRING && reply->len == 40)
		memcpy(n->sha, reply->str, 41);
}

/* ROLE's reply: how many replicas are connected to n (0 when n is not a master). */
static void
role_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_node *n = privdata;
	redisReply *reply = rep;

	if (reply == NULL || n->ac != ac || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(reply->element[0]->str, "master") == 0 && reply->elements >= 3 &&
	    reply->element[2]->type == REDIS_REPLY_ARRAY)
		n->replicas = (int)reply->element[2]->elements;
	else
		n->replicas = 0;
}

/* Starts n's connection with AUTH, SCRIPT LOAD and ROLE queued first. Returns 0, or -1 (n stays unconnected). */
static int
node_connect(struct pc_node *n)
{
	const char *argv[3] = {"AUTH", n->c->auth.user, n->c->auth.password};
	redisAsyncContext *ac = redisAsyncConnect(n->addr.host, n->addr.port);

	if (ac == NULL || ac->err) {
		if (ac != NULL)
			redisAsyncFree(ac);
		return -1;
	}
	ac->data = n;
	n->ac = ac;
	n->lost[0] = '\0';
	redisLibeventAttach(ac, n->c->base);
	redisAsyncSetConnectCallback(ac, connect_cb);
	redisAsyncSetDisconnectCallback(ac, disconnect_cb);
	if (n->c->auth.password != NULL) {
		if (n->c->auth.user == NULL)
			argv[1] = n->c->auth.password;
		redisAsyncCommandArgv(ac, auth_reply, NULL, n->c->auth.user ? 3 : 2, argv, NULL);
	}
	redisAsyncCommand(ac, script_loaded, n, "SCRIPT LOAD %s", n->c->script);
	n->replicas = -1;
	redisAsyncCommand(ac, role_cb, n, "ROLE");
	return 0;
}

/* Returns the node at a, connecting it if needed; NULL when every node is connected or it cannot connect. */
static struct pc_node *
node_at(struct pol_cluster *c, const struct bg_cluster_node_addr *a)
{
	struct pc_node *n = NULL;

	for (size_t i = 0; i < c->nnodes && n == NULL; i++)
		if (c->node[i].addr.port == a->port && strcmp(c->node[i].addr.host, a->host) == 0)
			n = &c->node[i];
	for (size_t i = 0; i < c->nnodes && n == NULL && c->nnodes == MAX_NODES; i++)
		if (c->node[i].ac == NULL) /* a full table reuses a node not connected (one that left) */
			n = &c->node[i];
	if (n == NULL && c->nnodes < MAX_NODES)
		n = &c->node[c->nnodes++];
	if (n == NULL)
		return NULL;
	if (n->addr.port != a->port || strcmp(n->addr.host, a->host) != 0) {
		memset(n, 0, sizeof(*n));
		n->c = c;
		n->addr = *a;
	}
	if (n->ac == NULL && node_connect(n) < 0)
		return NULL;
	return n;
}

static void reply_cb(redisAsyncContext *ac, void *rep, void *privdata);
static void wait_cb(redisAsyncContext *ac, void *rep, void *privdata);

/* Sends j to n (ASKING first when asking): EVALSHA when n has the SHA, else EVAL. 0 or -1. */
static int
job_go(struct pc_job *j, struct pc_node *n, int asking)
{
	if (n == NULL || n->ac == NULL)
		return -1;
	if (asking && redisAsyncCommand(n->ac, NULL, NULL, "ASKING") != REDIS_OK)
		return -1;
	pol_job_script(&j->job, n->sha, j->c->script);
	j->on = n;
	j->ac = n->ac;
	if (redisAsyncCommandArgv(n->ac, reply_cb, j, j->job.argc, j->job.argv, j->job.argvlen) != REDIS_OK)
		return -1;
	j->refs++;
	j->wait = n->replicas != 0;
	if (j->wait && redisAsyncCommand(n->ac, wait_cb, j, "WAIT 1 %ld", (j->c->timeout_ms + 1) / 2) == REDIS_OK)
		j->refs++; /* when WAIT cannot be queued, the deadline answers */
	return 0;
}

/*
 * Follows a MOVED or ASK reply (patching the map for MOVED) or a NOSCRIPT.
 * Returns 1 when j was sent again (hiredis calls reply_cb once more), else 0.
 */
static int
follow(struct pc_job *j, const redisReply *reply)
{
	struct pol_cluster *c = j->c;
	struct bg_cluster_redirect rd;
	enum bg_cluster_redirect_kind k;
	int i;

	if (j->job.cb == NULL || j->redirects >= BG_CLUSTER_MAX_REDIRECTS)
		return 0;
	if (strncmp(reply->str, "NOSCRIPT", 8) == 0) {
		j->redirects++;
		j->on->sha[0] = '\0';
		return job_go(j, j->on, 0) == 0;
	}
	k = bg_cluster_redirect_parse(reply->str, reply->len, &rd);
	if (k != BG_CLUSTER_MOVED && k != BG_CLUSTER_ASK)
		return 0;
	if (rd.to.host[0] == '\0') /* the node that answered */
		memcpy(rd.to.host, j->on->addr.host, sizeof(rd.to.host));
	j->redirects++;
	if (k == BG_CLUSTER_MOVED) {
		mark_stale(c);
		if (c->map != NULL && rd.slot < BG_CLUSTER_SLOTS &&
		    (i = bg_cluster_map_node(c->map, rd.to.host, rd.to.port)) >= 0)
			c->map->owner[rd.slot] = (uint16_t)(i + 1);
	}
	return job_go(j, node_at(c, &rd.to), k == BG_CLUSTER_ASK) == 0;
}

static void
reply_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_job *j = privdata;
	redisReply *reply = rep;

	(void)ac;
	j->refs--;
	if (reply == NULL) {
		pol_job_answer(&j->job, NULL, j->on->lost[0] ? j->on->lost : "connection lost");
		mark_stale(j->c);
	} else if (reply->type == REDIS_REPLY_ERROR) {
		if (follow(j, reply))
			return; /* hiredis calls us again for the command sent again */
		if (strncmp(reply->str, "CLUSTERDOWN", 11) == 0 || strncmp(reply->str, "TRYAGAIN", 8) == 0 ||
		    strncmp(reply->str, "MOVED", 5) == 0 || strncmp(reply->str, "ASK", 3) == 0)
			mark_stale(j->c);
		pol_job_answer(&j->job, NULL,
		               reply->str); /* Redis' own text: CLUSTERDOWN, OOM, the script's error... */
	} else if (j->wait && j->job.cb != NULL) {
		pol_job_hold(&j->job, reply); /* answered when WAIT says a replica has it */
	} else {
		pol_job_answer(&j->job, reply, NULL);
	}
	if (j->refs == 0)
		job_done(j);
}

/* WAIT's reply after the script on the same connection: the held reply if a replica has it, else a failure. */
static void
wait_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_job *j = privdata;
	redisReply *reply = rep;

	if (j->ac == ac) /* this send's WAIT, not an earlier redirected one's */
		pol_job_release_held(&j->job,
		                     reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 1,
		                     reply == NULL ? "connection lost" : "not replicated: WAIT 1 timed out");
	job_unref(j);
}

/* The caller waited timeout_ms: answer a failure and drop the stuck node's connection. */
static void
job_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pc_job *j = arg;
	struct pol_cluster *c = j->c;

	(void)fd;
	(void)what;
	pol_job_answer(&j->job, NULL, "timeout");
	mark_stale(c);
	node_drop(j->on); /* calls reply_cb(NULL) for j (freeing it) and every other job pending there */
}

int
pol_cluster_eval(struct pol_cluster *c, int argc, const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg)
{
	const struct bg_cluster_node_addr *owner;
	struct pc_job *j;
	unsigned slot;

	if (argc < 4 || c->map == NULL) {
		bg_metrics_redis_error("not_connected");
		return -1;
	}
	slot = bg_cluster_key_slot(argv[3], argvlen[3]); /* EVALSHA sha nkeys key1 ... */
	if ((owner = bg_cluster_map_owner(c->map, slot)) == NULL) {
		mark_stale(c);
		bg_metrics_redis_error("not_connected");
		return -1;
	}
	j = bg_xcalloc(1, sizeof(*j));
	pol_job_init(&j->job, c->base, job_timeout, j, argc, argv, argvlen, cb, arg);
	j->c = c;
	j->slot = slot;
	if (job_go(j, node_at(c, owner), 0) < 0) {
		job_done(j);
		mark_stale(c);
		bg_metrics_redis_error("not_connected");
		return -1;
	}
	pol_job_arm(&j->job, c->timeout_ms);
	return 0;
}

/* Arms the refresh timer in ms milliseconds. */
static void
arm(struct pol_cluster *c, long ms)
{
	struct timeval tv = pol_ms_tv(ms);

	evtimer_add(c->refresh, &tv);
}

/* Asks for a new map soon (at most every REFRESH_MIN_MS), unless a fetch is under way. */
static void
mark_stale(struct pol_cluster *c)
{
	long wait = (long)((c->last_fetch + REFRESH_MIN_MS / 1000.0 - bg_metrics_now()) * 1000);

	if (c->fetching == NULL) /* sooner than the periodic fetch */
		arm(c, wait > 0 ? wait : 0);
}

/* The CLUSTER SLOTS reply: a good one replaces the map; otherwise another node is asked later. */
static void
slots_cb(redisAsyncContext *ac, void *rep, void *privdata)
{
	struct pc_node *n = privdata;
	struct pol_cluster *c = n->c;
	struct bg_cluster_map *m;
	const char *err;

	(void)ac;
	if (c->fetching != n)
		return;
	c->fetching = NULL;
	evtimer_del(c->refresh);
	m = bg_xcalloc(1, sizeof(*m));
	if (rep != NULL && bg_cluster_map_build(m, rep, n->addr.host, &err) == 0) {
		free(c->map);
		c->map = m;
		arm(c, PERIOD_MS);
		return;
	}
	free(m);
	c->rotate++;
	arm(c, RETRY_MS);
}

/* Returns the address of the next node to ask for the map: the map's masters, then the seeds, in turn. */
static const struct bg_cluster_node_addr *
next_source(struct pol_cluster *c)
{
	size_t nmap = c->map != NULL ? c->map->nnodes : 0;
	size_t i = c->rotate % (nmap + c->nseeds);

	return i < nmap ? &c->map->node[i] : &c->seed[i - nmap];
}

/* The refresh timer: gives up on a fetch that took too long, and starts one. */
static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pol_cluster *c = arg;
	struct pc_node *n;

	(void)fd;
	(void)what;
	if (c->fetching != NULL) { /* no answer within timeout_ms */
		n = c->fetching;
		c->fetching = NULL;
		c->rotate++;
		node_drop(n);
	}
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->node[i].ac != NULL)
			redisAsyncCommand(c->node[i].ac, role_cb, &c->node[i], "ROLE");
	c->last_fetch = bg_metrics_now();
	n = node_at(c, next_source(c));
	if (n == NULL || redisAsyncCommand(n->ac, slots_cb, n, "CLUSTER SLOTS") != REDIS_OK) {
		c->rotate++;
		arm(c, RETRY_MS);
		return;
	}
	c->fetching = n;
	arm(c, c->timeout_ms);
}

struct pol_cluster *
pol_cluster_new(struct event_base *base, const struct bg_redis_conf *conf, const char *script, const char **err)
{
	struct pol_cluster *c;
	char *host;
	int port;

	if (conf->cluster_nodes.n > BG_CLUSTER_MAX_SEEDS) {
		*err = "cluster needs 1 to 32 seed nodes";
		return NULL;
	}
	if (conf->db != 0) {
		*err = "a Redis Cluster has database 0 only (redis db must be 0)";
		return NULL;
	}
	c = bg_xcalloc(1, sizeof(*c));
	for (size_t i = 0; i < conf->cluster_nodes.n; i++, c->nseeds++) {
		if (bg_redis_split_address(conf->cluster_nodes.v[i], &host, &port) < 0 || port == 0 ||
		    strlen(host) > BG_CLUSTER_HOST_MAX) {
			free(host);
			free(c);
			*err = "cluster seed must be host:port or [v6]:port";
			return NULL;
		}
		strcpy(c->seed[i].host, host);
		c->seed[i].port = port;
		free(host);
	}
	c->base = base;
	c->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 250;
	bg_redis_conf_copy(&c->auth, conf);
	c->script = script;
	c->refresh = evtimer_new(base, refresh_cb, c);
	arm(c, 0);
	return c;
}

void
pol_cluster_free(struct pol_cluster *c)
{
	if (c == NULL)
		return;
	c->fetching = NULL;
	for (size_t i = 0; i < c->nnodes; i++)
		node_drop(&c->node[i]);
	event_free(c->refresh);
	free(c->map);
	bg_redis_conf_clear(&c->auth);
	free(c);
}
