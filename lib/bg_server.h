/*
 * bg_server.h - the skeleton every bulkguard daemon runs in.
 *
 * A daemon describes itself in a struct bg_service and its main is one call,
 * bg_server_main (as a Postfix daemon's main is multi_server_main). The
 * skeleton owns what the daemons share: the common flags (-c -f -n -V -p),
 * loading the configuration with the contract's exit codes, the listening
 * socket (bg_listen's rule), privilege drop, detaching, the configuration in
 * force (bg_hold) and SIGHUP reload. The service's run() drives its own
 * event loop (libmilter, libevent, libmicrohttpd) and calls bg_server_reload
 * when SIGHUP comes, or lets bg_server_wait take the signals.
 *
 * Reload: the file is loaded and checked again and the service derives its
 * state from it (keys, checkers); then either every setting takes effect, or
 * the reload is refused, logged with the reason, and the configuration in
 * force stays whole. Refused: a file with an error, a state that cannot be
 * derived (a bad key file), and a change to what only a restart can change:
 * user, the listening socket and its socket_mode (unless -p fixed it), and
 * whatever the service's fixed() names. Redis settings take effect: a new
 * generation borrows connections to the new address.
 *
 * Metrics: when the service's metrics_listen names an address, the
 * skeleton listens there before the drop and, once detached, serves
 * /metrics and /healthz (bg_metrics_http) until run() returns; /healthz
 * passes when Redis answers a PING within redis.timeout_ms. Reloads are
 * counted in bulkguard_config_reloads_total{result="ok|refused|failed"}.
 *
 * DIAGNOSTICS: start-up trouble is logged and exits: 64 bad flags, 78 bad
 * configuration, state or privilege drop, 71 a socket or detach, 1 what
 * prepare() refuses. A reload logs one line, "reloaded <file>: ..." or
 * "reload failed|refused, keeping the configuration in force: <why>".
 */
#ifndef BG_SERVER_H
#define BG_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "bg_config.h"
#include "bg_daemon.h"
#include "bg_hold.h"

struct bg_server; /* the running daemon, as the skeleton knows it */

struct bg_service {
	const char *name;  /* program name, for usage and logs */
	const char *usage; /* its flags, for the usage line */
	/* Optional: the program's own flags (getopt letters, e.g. "ol:") and their handler, called while parsing. */
	const char *own_flags;
	void (*own_flag)(int ch, const char *arg, struct bg_daemon_opts *o);
	/* Optional (NULL: it listens on no socket): the socket spec of its section and that socket's mode. */
	const char *(*listen)(const struct bg_config *cfg);
	long (*socket_mode)(const struct bg_config *cfg);
	/* > 0: the skeleton listens with this backlog before the drop; 0: run() listens (libmilter). */
	int backlog;
	/* Optional: before anything else, after the configuration loaded; -1 with err exits 1. */
	int (*prepare)(char *err, size_t errlen);
	/* Optional: derives the service's state from cfg, as the user it runs as; NULL with err refuses cfg. */
	void *(*derive)(const struct bg_config *cfg, char *err, size_t errlen);
	void (*state_free)(void *state);
	/* Optional: names in what a setting of next that cannot change without a restart; 0 when none changed. */
	int (*fixed)(const struct bg_config *now, const struct bg_config *next, char *what, size_t len);
	/* Optional: applies next to what the service keeps outside the holder (policyd's Redis); -1 with err refuses.
	 */
	int (*apply)(struct bg_server *srv, const struct bg_config *next, char *err, size_t errlen);
	/* Optional: what -n checks beyond the configuration and key files; -1 with err exits 78. */
	int (*check)(const struct bg_config *cfg, char *err, size_t errlen);
	/* Serves until told to stop; returns the exit status. */
	int (*run)(struct bg_server *srv);
	/* Optional: the metrics listener of its section ("host:port"; NULL or "" for none). */
	const char *(*metrics_listen)(const struct bg_config *cfg);
};

/* Runs the daemon svc describes: flags, configuration, socket, drop, detach, run(). Returns its exit status. */
int bg_server_main(int argc, char **argv, const struct bg_service *svc);

/* The configuration in force. */
struct bg_hold *bg_server_hold(const struct bg_server *srv);

/* The listening descriptor (-1 when run() listens itself) and the spec in use ("unix:/path", "host:port"). */
int bg_server_fd(const struct bg_server *srv);
const char *bg_server_listening(const struct bg_server *srv);

/* Whether -f was given. */
bool bg_server_foreground(const struct bg_server *srv);

/* A pointer of the service's own, for its callbacks. */
void bg_server_set_arg(struct bg_server *srv, void *arg);
void *bg_server_arg(const struct bg_server *srv);

/* Says the daemon serves on where: logs "started on <where>" and tells systemd READY=1. */
void bg_server_ready(struct bg_server *srv, const char *where);

/* Says the daemon begins to stop (SIGTERM, SIGINT): logs it and tells systemd STOPPING=1. */
void bg_server_stopping(int sig);

/*
 * SIGHUP: loads the file again and swaps it in, or refuses; logs either way,
 * and tells systemd RELOADING=1, then READY=1. Returns 0 or -1 (refused).
 */
int bg_server_reload(struct bg_server *srv);

/* Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (call before starting threads). */
void bg_server_block_signals(void);

/* Takes the blocked signals: SIGHUP reloads, SIGTERM or SIGINT returns. */
void bg_server_wait(struct bg_server *srv);

#endif
