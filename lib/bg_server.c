/*
 * bg_server.c - the daemon skeleton: start-up in the contract's order,
 * the configuration in force, and reload.
 *
 * Start-up: flags, the configuration (-n stops here), the log, the service's
 * prepare(), the listening socket (as root, so it may live in /run), the
 * privilege drop, the service's state (as the user: a reload must be able to
 * read the same files), detaching, run().
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_daemon.h"
#include "bg_listen.h"
#include "bg_log.h"
#include "bg_metrics.h"
#include "bg_metrics_http.h"
#include "bg_notify.h"
#include "bg_redis.h"
#include "bg_server.h"
#include "bg_util.h"

#define ERR_MAX 512

struct bg_server {
	const struct bg_service *svc;
	struct bg_daemon_opts opts;
	struct bg_hold *hold;
	char *listening;   /* the socket spec in use */
	bool listen_fixed; /* -p gave it: the file's setting does not apply */
	int fd;
	char *metrics_listening; /* the metrics listener's spec, NULL when none */
	int metrics_fd;
	struct bg_metrics_http *metrics;
	void *arg;
	char status[256]; /* what systemd shows: "serving on <socket>" */
};

/* Returns a string option for a message, "" for NULL. */
static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* Compares the settings only a restart changes; 0, or -1 with what changed in what. */
static int
restart_needed(const struct bg_server *srv, const struct bg_config *now, const struct bg_config *next, char *what,
               size_t len)
{
	const struct bg_service *svc = srv->svc;

	if (strcmp(str(now->user), str(next->user)) != 0) {
		snprintf(what, len, "user changed from \"%s\" to \"%s\"", str(now->user), str(next->user));
		return -1;
	}
	if (svc->listen != NULL && !srv->listen_fixed && strcmp(str(svc->listen(now)), str(svc->listen(next))) != 0) {
		snprintf(what, len, "the listening socket changed from %s to %s", str(svc->listen(now)),
		         str(svc->listen(next)));
		return -1;
	}
	if (svc->socket_mode != NULL &&
	    (strncmp(srv->listening, "unix:", 5) == 0 || strncmp(srv->listening, "local:", 6) == 0) &&
	    svc->socket_mode(now) != svc->socket_mode(next)) {
		snprintf(what, len, "socket_mode changed from 0%lo to 0%lo", (unsigned long)svc->socket_mode(now),
		         (unsigned long)svc->socket_mode(next));
		return -1;
	}
	if (svc->metrics_listen != NULL && strcmp(str(svc->metrics_listen(now)), str(svc->metrics_listen(next))) != 0) {
		snprintf(what, len, "metrics_listen changed from \"%s\" to \"%s\"", str(svc->metrics_listen(now)),
		         str(svc->metrics_listen(next)));
		return -1;
	}
	return svc->fixed != NULL ? svc->fixed(now, next, what, len) : 0;
}

/* Loads the file again and checks it against the one in force; the new state, or NULL with err. */
static struct bg_config *
reload_load(struct bg_server *srv, void **state, char *err, size_t errlen, bool *refused)
{
	struct bg_held *g = bg_hold_acquire(srv->hold);
	struct bg_config *next = bg_config_load(bg_held_cfg(g)->file, err, errlen);
	char what[ERR_MAX / 2];

	*state = NULL;
	*refused = false;
	if (next != NULL && restart_needed(srv, bg_held_cfg(g), next, what, sizeof(what)) < 0) {
		snprintf(err, errlen, "%s: %s; that takes a restart", next->file, what);
		*refused = true;
	} else if (next != NULL && srv->svc->derive != NULL && (*state = srv->svc->derive(next, err, errlen)) == NULL) {
		;
	} else if (next != NULL && srv->svc->apply != NULL && srv->svc->apply(srv, next, err, errlen) < 0) {
		*refused = true;
	} else {
		bg_held_release(g);
		return next;
	}
	if (*state != NULL && srv->svc->state_free != NULL)
		srv->svc->state_free(*state);
	bg_config_free(next);
	bg_held_release(g);
	return NULL;
}

void
bg_server_ready(struct bg_server *srv, const char *where)
{
	char status[ERR_MAX];

	bg_log_info("started on %s", where);
	snprintf(status, sizeof(status), "serving on %s", where);
	bg_strlcpy(srv->status, status, sizeof(srv->status));
	bg_notify_ready(srv->status);
}

void
bg_server_stopping(int sig)
{
	bg_log_info("signal %d: stopping", sig);
	bg_notify_stopping();
}

int
bg_server_reload(struct bg_server *srv)
{
	char err[ERR_MAX];
	void *state;
	bool refused;
	struct bg_config *next;

	bg_notify_reloading();
	next = reload_load(srv, &state, err, sizeof(err), &refused);
	if (next == NULL) {
		bg_log_error("reload %s, keeping the configuration in force: %s", refused ? "refused" : "failed", err);
		bg_metrics_reload(refused ? BG_METRICS_RELOAD_REFUSED : BG_METRICS_RELOAD_FAILED);
		bg_notify_ready(srv->status);
		return -1;
	}
	bg_log_info("reloaded %s: %zu entities, redis %s", next->file, next->n_entities, next->redis.address);
	bg_hold_swap(srv->hold, next, state);
	bg_metrics_reload(BG_METRICS_RELOAD_OK);
	bg_notify_ready(srv->status);
	return 0;
}

/* Opens the socket the service listens on, unless run() does; exits 71 when it cannot. */
static void
start_listening(struct bg_server *srv, const struct bg_config *cfg)
{
	char err[ERR_MAX];

	srv->fd = -1;
	if (srv->svc->backlog <= 0)
		return;
	srv->fd = bg_listen_open(srv->listening, srv->svc->socket_mode(cfg), srv->svc->backlog, err, sizeof(err));
	if (srv->fd < 0)
		bg_log_fatal(71, "%s", err);
}

/* Opens the metrics listener the configuration names, if any (TCP only); exits 71 when it cannot. */
static void
start_metrics_listening(struct bg_server *srv, const struct bg_config *cfg)
{
	const char *spec = srv->svc->metrics_listen != NULL ? srv->svc->metrics_listen(cfg) : NULL;
	char err[ERR_MAX];

	srv->metrics_fd = -1;
	if (spec == NULL || *spec == '\0')
		return;
	if (strncmp(spec, "unix:", 5) == 0)
		bg_log_fatal(BG_EX_CONFIG, "metrics_listen \"%s\" is not host:port or [v6]:port", spec);
	srv->metrics_fd = bg_listen_open(spec, 0, BG_METRICS_HTTP_CONN_MAX, err, sizeof(err));
	if (srv->metrics_fd < 0)
		bg_log_fatal(71, "metrics: %s", err);
	srv->metrics_listening = bg_xstrdup(spec);
}

/* /healthz: Redis answers a PING on a connection of the configuration in force. */
static bool
healthy(void *arg, char *why, size_t len)
{
	struct bg_server *srv = arg;
	struct bg_held *g = bg_hold_acquire(srv->hold);
	const char *err = "bad address";
	bool reused = true, ok = false;

	for (int tries = 0; tries < 2 && !ok && reused; tries++) { /* a stale idle connection gets one more try */
		struct bg_redis *r = bg_held_redis_borrow(g, &reused, &err);

		if (r == NULL) {
			snprintf(why, len, "redis %s: %s", bg_held_cfg(g)->redis.address, err);
			break;
		}
		ok = bg_metrics_http_ping(r, why, len);
		bg_held_redis_return(g, r, ok);
	}
	bg_held_release(g);
	return ok;
}

/* Serves /metrics and /healthz, once detached (a thread does not survive the fork); exits 71 when it cannot. */
static void
start_metrics(struct bg_server *srv)
{
	char err[ERR_MAX];

	if (srv->metrics_fd < 0)
		return;
	if ((srv->metrics = bg_metrics_http_start(srv->metrics_fd, healthy, srv, err, sizeof(err))) == NULL)
		bg_log_fatal(71, "metrics %s: %s", srv->metrics_listening, err);
	bg_log_info("metrics on %s", srv->metrics_listening);
}

/* Everything before run(): exits with the contract's codes on any trouble. */
static void
start(struct bg_server *srv, int argc, char **argv)
{
	const struct bg_service *svc = srv->svc;
	char err[ERR_MAX];
	struct bg_config *cfg;
	void *state = NULL;

	srv->opts.own_flags = svc->own_flags;
	srv->opts.own_flag = svc->own_flag;
	bg_daemon_args(argc, argv, svc->name, svc->usage, &srv->opts);
	cfg = bg_daemon_config_check(svc->name, &srv->opts, svc->check);
	bg_log_open(svc->name, srv->opts.foreground);
	if (svc->prepare != NULL && svc->prepare(err, sizeof(err)) < 0)
		bg_log_fatal(1, "%s", err);
	if (svc->listen == NULL && srv->opts.socket != NULL) {
		fprintf(stderr, "%s: -p: this program listens on no socket\n", svc->name);
		exit(64);
	}
	srv->listen_fixed = srv->opts.socket != NULL;
	srv->listening = bg_xstrdup(srv->listen_fixed ? srv->opts.socket : svc->listen ? str(svc->listen(cfg)) : "");
	start_listening(srv, cfg);
	start_metrics_listening(srv, cfg);
	if (bg_daemon_drop(cfg->user, err, sizeof(err)) < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	if (svc->derive != NULL && (state = svc->derive(cfg, err, sizeof(err))) == NULL)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	srv->hold = bg_hold_new(svc->state_free);
	bg_hold_swap(srv->hold, cfg, state);
	bg_daemon_detach(srv->opts.foreground);
	start_metrics(srv);
}

int
bg_server_main(int argc, char **argv, const struct bg_service *svc)
{
	struct bg_server srv = {.svc = svc, .fd = -1, .metrics_fd = -1};
	int rc;

	start(&srv, argc, argv);
	rc = svc->run(&srv);
	bg_metrics_http_stop(srv.metrics);
	if (srv.metrics_fd >= 0)
		close(srv.metrics_fd);
	free(srv.metrics_listening);
	if (srv.fd >= 0) {
		close(srv.fd);
		bg_listen_close(srv.listening);
	}
	bg_hold_free(srv.hold);
	bg_log_info("stopped");
	free(srv.listening);
	return rc;
}

struct bg_hold *
bg_server_hold(const struct bg_server *srv)
{
	return srv->hold;
}

int
bg_server_fd(const struct bg_server *srv)
{
	return srv->fd;
}

const char *
bg_server_listening(const struct bg_server *srv)
{
	return srv->listening;
}

bool
bg_server_foreground(const struct bg_server *srv)
{
	return srv->opts.foreground;
}

void
bg_server_set_arg(struct bg_server *srv, void *arg)
{
	srv->arg = arg;
}

void *
bg_server_arg(const struct bg_server *srv)
{
	return srv->arg;
}

/* Fills set with the signals the skeleton takes. */
static void
signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

void
bg_server_block_signals(void)
{
	sigset_t set;

	signal_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void
bg_server_wait(struct bg_server *srv)
{
	sigset_t set;
	int sig;

	signal_set(&set);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP) {
			bg_server_stopping(sig);
			return;
		}
		bg_server_reload(srv);
	}
}
