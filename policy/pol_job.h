/*
 * pol_job.h - one script call, as both of policyd's Redis clients keep it.
 *
 * The caller to answer exactly once, the arguments to send (again, after a
 * NOSCRIPT or a redirect), the deadline, and the script's reply held until a
 * WAIT says a replica has it. pol_redis.c (one Redis) and pol_cluster.c (a
 * Cluster) each embed one as the first member of their own job and decide
 * when it is sent and freed; this module never logs.
 */
#ifndef POL_JOB_H
#define POL_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "pol_redis.h"

struct pol_job {
	pol_redis_cb cb; /* NULL once the caller has its answer */
	void *arg;
	struct event *timer; /* the caller's deadline */
	const char **argv;   /* the caller's arrays, copied; [0] and [1] are set at each send */
	size_t *argvlen;
	int argc;
	double sent;      /* when it was made, for bulkguard_redis_latency_seconds */
	redisReply *held; /* the script's reply, until WAIT answers */
};

/* Milliseconds as a timeval. */
struct timeval pol_ms_tv(long ms);

/*
 * Fills j for a call of argv (the arrays are copied, the strings stay the
 * caller's) answered to cb(arg); its timer, on base, calls on_timeout(timeout_arg)
 * once armed with pol_job_arm.
 */
void pol_job_init(struct pol_job *j, struct event_base *base, event_callback_fn on_timeout, void *timeout_arg, int argc,
                  const char **argv, const size_t *argvlen, pol_redis_cb cb, void *arg);

/* Starts the caller's deadline: timeout_ms from now. */
void pol_job_arm(struct pol_job *j, long timeout_ms);

/* Puts EVALSHA sha (when sha is not "") or EVAL script in argv[0] and argv[1]. */
void pol_job_script(struct pol_job *j, const char *sha, const char *script);

/* Gives the caller its answer (reply, or NULL and why), once; later calls do nothing. */
void pol_job_answer(struct pol_job *j, const redisReply *reply, const char *why);

/* Keeps a copy of reply until pol_job_release_held; the caller is answered then. */
void pol_job_hold(struct pol_job *j, const redisReply *reply);

/* Answers the caller with the held reply when replicated, else with why; frees the copy. No-op without one. */
void pol_job_release_held(struct pol_job *j, bool replicated, const char *why);

/* Frees what pol_job_init made (timer, arrays, a held reply); not j itself. */
void pol_job_fini(struct pol_job *j);

#endif
