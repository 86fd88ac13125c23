/*
 * NAME
 *	bulkguard-policyd - rate limits and warm-up caps per IP pool for Postfix
 * SYNOPSIS
 *	bulkguard-policyd [-f] [-n] [-V] [-c file] [-p listen]
 * DESCRIPTION
 *	A Postfix SMTPD policy-delegation server (check_policy_service). At
 *	RCPT it resolves the sending entity, the class of mail and its pool,
 *	and the recipient's destination group, and checks in one atomic Redis
 *	script the pool's rate, the limits that match (pool x group, entity
 *	...) and the pool's warm-up cap for today. When any says no, nothing is
 *	charged and the answer is "action=DEFER_IF_PERMIT 4.7.1 Rate limit for
 *	pool <p> to <group> reached, retry in <n>s"; otherwise the pool's IP
 *	with the fewest messages today under its warm-up cap is charged and the
 *	answer is "action=FILTER bg-<pool>-<n>:" (the smtp transport bound to
 *	that IP, from bulkguard-ctl postfix-config), or "action=DUNNO" for a
 *	pool without IPs. Other protocol states, unknown senders and entities
 *	without a pool get DUNNO. A SASL login (sasl_username) alone picks the
 *	entity: a login no entity lists is an unknown sender (DUNNO, never
 *	resolved by the sender's domain), and a sender outside the login's
 *	entity's domains (or the null sender) gets "action=550 5.7.1 sender
 *	not authorized for this login", as the milter answers at MAIL. One
 *	event loop serves every connection.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 78 for a bad configuration, 64 for bad flags, 71
 *	when the socket cannot be set up. Logs to syslog (mail facility), and to
 *	stderr as well with -f. Every fallback (Redis down, slow or failing) is
 *	logged with the request's instance.
 * CONFIGURATION
 *	The policy section (listen, on_redis_error = defer | dunno), redis,
 *	entities, pools, domain_group and limit blocks, user. When Redis cannot
 *	answer within redis.timeout_ms the answer is, with defer,
 *	"action=DEFER_IF_PERMIT 4.3.0 Policy unavailable, try again later", with
 *	dunno, "action=DUNNO". SIGHUP reloads; a bad file keeps the one in force
 *	(a changed redis address or listen needs a restart).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "bg_log.h"
#include "bg_redis.h"
#include "bg_server.h"
#include "bg_util.h"
#include "pol_limit.h"
#include "pol_metrics.h"
#include "pol_redis.h"
#include "pol_server.h"

#define NAME                  "bulkguard-policyd"
#define ACTION_UNAVAILABLE    BG_LIMIT_ACTION_UNAVAILABLE
#define ACTION_NOT_AUTHORIZED BG_LIMIT_ACTION_NOT_AUTHORIZED

/* The daemon: one of each, owned by main. */
struct policyd {
	struct bg_hold *hold; /* the configuration in force (the skeleton's) */
	struct event_base *base;
	struct pol_server *server;
	struct pol_redis *redis;
};

/* One request waiting for Redis; freed in check_done only. */
struct pending {
	struct policyd *d;
	struct pol_conn *conn; /* NULL once the client has gone */
	struct bg_limit_plan plan;
	char instance[64];
	enum bg_pol_on_error on_error;
	char group[POL_METRICS_NAME_MAX]; /* the group's label for metrics */
};

/* Answers a request Redis could not decide: defer or dunno, as configured, and logs and counts it. */
static void
fallback(struct pol_conn *c, const struct pending *p, const char *why)
{
	const char *instance = p->instance;
	enum bg_pol_on_error on_error = p->on_error;
	char text[256];

	pol_metrics_decision(p->plan.pool, p->group, "unavailable");
	snprintf(text, sizeof(text), "%s", why);
	for (size_t i = 0; text[i]; i++) /* Redis' own error text, kept on one line and inside its quotes */
		if ((unsigned char)text[i] < ' ' || text[i] == '"' || text[i] == '\\')
			text[i] = '_';
	bg_log_warn("%s: redis_error=\"%s\" action=%s", instance, text, bg_pol_on_error_name(on_error));
	pol_conn_reply(c, on_error == BG_POL_ONERR_DUNNO ? "DUNNO" : ACTION_UNAVAILABLE);
}

/* The decision's word for metrics, from the answer. */
static const char *
action_word(const char *action)
{
	if (strncmp(action, "FILTER", 6) == 0)
		return "filter";
	if (strncmp(action, "DEFER", 5) == 0)
		return "defer";
	return strncmp(action, "DUNNO", 5) == 0 ? "dunno" : "other";
}

/* Counts the source IP a FILTER chose, by the configuration in force. */
static void
count_ip(const struct pending *p, long long n)
{
	struct bg_held *g = bg_hold_acquire(p->d->hold);

	pol_metrics_ip(bg_held_cfg(g), p->plan.pool, n);
	bg_held_release(g);
}

/* Turns the script's reply into the answer, and logs and counts the decision. */
static void
answer(struct pending *p, const redisReply *reply)
{
	char action[1024], extra[64];
	long long n;

	switch (bg_limit_answer(&p->plan, reply, action, sizeof(action), &n)) {
	case BG_LIMIT_BAD_REPLY: fallback(p->conn, p, "unexpected script reply"); return;
	case BG_LIMIT_FILTER:
		snprintf(extra, sizeof(extra), "transport=" BG_POOL_TRANSPORT_FMT, p->plan.pool, (size_t)n);
		pol_limit_log(p->instance, &p->plan, "filter", extra);
		count_ip(p, n);
		break;
	case BG_LIMIT_DUNNO: pol_limit_log(p->instance, &p->plan, "dunno", "why=no-ips"); break;
	case BG_LIMIT_DEFER:
		snprintf(extra, sizeof(extra), "retry=%lld", n);
		pol_limit_log(p->instance, &p->plan, "defer", extra);
		break;
	}
	pol_metrics_decision(p->plan.pool, p->group, action_word(action));
	pol_conn_reply(p->conn, action);
}

/* Redis answered (or failed): reply if the client is still there, then free. */
static void
check_done(void *arg, const redisReply *reply, const char *why)
{
	struct pending *p = arg;

	if (p->conn != NULL) {
		if (reply == NULL)
			fallback(p->conn, p, why);
		else
			answer(p, reply);
	}
	bg_limit_plan_free(&p->plan);
	free(p);
}

/* The client went away while its check ran. */
static void
cancel(void *pending)
{
	((struct pending *)pending)->conn = NULL;
}

/* Copies the request's instance (or the connection number) for log lines. */
static void
set_instance(char *buf, size_t len, struct pol_conn *c, const struct pol_request *r)
{
	size_t i;

	if (r->len[POL_A_INSTANCE] > 0)
		snprintf(buf, len, "%s", r->v[POL_A_INSTANCE]);
	else
		snprintf(buf, len, "conn%lu", pol_conn_id(c));
	for (i = 0; buf[i]; i++)
		if (buf[i] == ' ' || buf[i] == '"' || buf[i] == '\\')
			buf[i] = '_';
}

/* Answers a request needing no Redis check: DUNNO, or refuses a login's foreign sender; logs and counts it. */
static void
answer_now(struct pol_conn *c, const struct pol_request *r, enum pol_verdict v, const struct pending *p)
{
	const struct bg_limit_plan *plan = &p->plan;
	char instance[64], why[64];

	set_instance(instance, sizeof(instance), c, r);
	if (v != POL_V_NOT_AUTHORIZED) {
		snprintf(why, sizeof(why), "why=%s", pol_verdict_name(v));
		pol_limit_log(instance, plan, "dunno", why);
		pol_metrics_decision(plan->pool, p->group, "dunno");
		pol_conn_reply(c, "DUNNO");
		return;
	}
	pol_limit_log(instance, plan, "reject", "why=sender_outside_login_entity");
	pol_metrics_decision(plan->pool, p->group, "reject");
	pol_conn_reply(c, ACTION_NOT_AUTHORIZED);
}

/* Handles one request: an answer at once, or a Redis check answered later. */
static void
handle(struct pol_conn *c, const struct pol_request *r, void *arg)
{
	struct policyd *d = arg;
	struct pending *p = bg_xcalloc(1, sizeof(*p));
	struct bg_held *g = bg_hold_acquire(d->hold); /* the plan copies what it needs of the configuration */
	enum pol_verdict v;

	v = pol_limit_plan(bg_held_cfg(g), r, &p->plan);
	p->on_error = bg_held_cfg(g)->policy.on_redis_error;
	pol_metrics_group(bg_held_cfg(g), p->plan.group, p->group, sizeof(p->group));
	bg_held_release(g);
	if (v != POL_V_CHECK) {
		answer_now(c, r, v, p);
		bg_limit_plan_free(&p->plan);
		free(p);
		return;
	}
	p->d = d;
	p->conn = c;
	set_instance(p->instance, sizeof(p->instance), c, r);
	if (pol_redis_eval(d->redis, p->plan.argc, (const char **)p->plan.argv, p->plan.argvlen, check_done, p) < 0) {
		fallback(c, p, "not connected");
		bg_limit_plan_free(&p->plan);
		free(p);
		return;
	}
	pol_conn_pending(c, p);
}

/* SIGHUP: the skeleton reloads. */
static void
hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	bg_server_reload(arg);
}

/* On reload: any changed Redis setting gets a new connection; checks in flight on the old one fall back. */
static int
apply(struct bg_server *srv, const struct bg_config *next, char *err, size_t errlen)
{
	struct policyd *d = bg_server_arg(srv);
	struct bg_held *g = bg_hold_acquire(d->hold);
	const struct bg_config *now = bg_held_cfg(g);
	bool same = bg_redis_conf_same(&now->redis, &next->redis);
	struct pol_redis *r;
	const char *why = NULL;

	bg_held_release(g);
	if (same)
		return 0;
	r = pol_redis_new(d->base, &next->redis, POL_LIMIT_SCRIPT, &why);
	if (r == NULL) {
		snprintf(err, errlen, "redis address \"%s\": %s", next->redis.address, why);
		return -1;
	}
	bg_log_info("redis: leaving %s for %s user=%s db=%ld timeout_ms=%ld", now->redis.address, next->redis.address,
	            next->redis.user ? next->redis.user : "default", next->redis.db, next->redis.timeout_ms);
	pol_redis_free(d->redis);
	d->redis = r;
	return 0;
}

/* SIGTERM, SIGINT: leave the loop. */
static void
stop(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	bg_server_stopping((int)sig);
	event_base_loopbreak(arg);
}

/* Lets the process hold as many descriptors as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			bg_log_warn("cannot raise the descriptor limit");
	}
}

/* The event loop, the listener and Redis: everything before the loop. */
static void
setup(struct policyd *d, struct bg_server *srv)
{
	struct bg_held *g = bg_hold_acquire(d->hold);
	const struct bg_config *cfg = bg_held_cfg(g);
	const char *rerr = NULL;
	char err[512];

	raise_nofile();
	d->base = event_base_new();
	if (d->base == NULL)
		bg_log_fatal(71, "cannot make an event loop");
	d->server = pol_server_new(d->base, handle, cancel, d);
	if (pol_server_listen_fd(d->server, bg_server_fd(srv), err, sizeof(err)) < 0)
		bg_log_fatal(71, "%s: %s", bg_server_listening(srv), err);
	d->redis = pol_redis_new(d->base, &cfg->redis, POL_LIMIT_SCRIPT, &rerr);
	if (d->redis == NULL)
		bg_log_fatal(BG_EX_CONFIG, "%s: %s", cfg->file, rerr);
	bg_held_release(g);
	bg_server_ready(srv, bg_server_listening(srv));
}

/* Serves until SIGTERM or SIGINT. */
static int
run(struct bg_server *srv)
{
	struct policyd d = {.hold = bg_server_hold(srv)};
	struct event *ev_hup, *ev_term, *ev_int;

	signal(SIGPIPE, SIG_IGN);
	bg_server_set_arg(srv, &d);
	setup(&d, srv);
	ev_hup = evsignal_new(d.base, SIGHUP, hup, srv);
	ev_term = evsignal_new(d.base, SIGTERM, stop, d.base);
	ev_int = evsignal_new(d.base, SIGINT, stop, d.base);
	evsignal_add(ev_hup, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	event_base_dispatch(d.base);
	pol_server_free(d.server);
	pol_redis_free(d.redis);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(d.base);
	return 0;
}

/* policyd's socket in the configuration, and its mode. */
static const char *
policy_listen(const struct bg_config *cfg)
{
	return cfg->policy.listen;
}

static long
policy_socket_mode(const struct bg_config *cfg)
{
	return cfg->policy.socket_mode;
}

/* policyd's metrics listener, if any. */
static const char *
policy_metrics_listen(const struct bg_config *cfg)
{
	return cfg->policy.metrics_listen;
}

static const struct bg_service policyd = {
    .name = NAME,
    .usage = "[-f] [-n] [-V] [-c file] [-p listen]",
    .listen = policy_listen,
    .socket_mode = policy_socket_mode,
    .backlog = POL_BACKLOG,
    .apply = apply,
    .run = run,
    .metrics_listen = policy_metrics_listen,
};

int
main(int argc, char **argv)
{
	pol_metrics_init();
	return bg_server_main(argc, argv, &policyd);
}
