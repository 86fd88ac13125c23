/*
 * NAME
 *	bulkguard-unsubd - RFC 8058 one-click unsubscribe endpoint
 * SYNOPSIS
 *	bulkguard-unsubd [-f] [-n] [-V] [-c file] [-p address]
 * DESCRIPTION
 *	An HTTP server, meant to sit behind a TLS reverse proxy. POST
 *	/u/<token> with List-Unsubscribe=One-Click writes the suppression the
 *	token names (reason unsubscribe, source one-click) and answers 200;
 *	GET /u/<token> only shows a page with a button that makes that POST.
 *	A bad token gets 400 and a page that says nothing more. See
 *	bulkguard-unsubd(8) and unsd_http.c.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 64 for bad flags, 71 when the listening socket
 *	cannot be set up, 78 for a bad configuration or key file. Logs to
 *	syslog (mail facility), and to stderr as well with -f.
 * CONFIGURATION
 *	unsubscribe.listen, unsubscribe.socket_mode and unsubscribe.key_file, the redis section,
 *	audit, user, and each entity's unsubscribe_scope. SIGHUP reloads the
 *	configuration and the key file; when either is bad, both in force
 *	are kept.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bg_daemon.h"
#include "bg_listen.h"
#include "bg_log.h"
#include "bg_token.h"
#include "bg_util.h"
#include "unsd_http.h"

#define NAME    "bulkguard-unsubd"
#define BACKLOG 128

/* Binds and listens on "host:port" or "[v6]:port". -1 with err. */
static int
listen_inet(const char *spec, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(spec, ':'), *h = host;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	int fd = -1, on = 1, rc;

	if (colon == NULL || colon == spec || colon[1] == '\0' || (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(err, errlen, "listen address \"%s\" is not host:port, [v6]:port or unix:/path", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		h = host + 1;
	}
	if ((rc = getaddrinfo(h, colon + 1, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen address \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, BACKLOG) < 0) {
		snprintf(err, errlen, "listen address \"%s\": %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Opens the listening socket spec names (a unix one with mode); exits 71 when it cannot. */
static int
listen_open(const char *spec, long mode)
{
	char err[512];
	int fd = strncmp(spec, "unix:", 5) == 0 ? bg_listen_unix(spec + 5, mode, BACKLOG, err, sizeof(err))
	                                        : listen_inet(spec, err, sizeof(err));

	if (fd < 0)
		bg_log_fatal(71, "%s", err);
	return fd;
}

/* Loads the configuration at path and its key file; NULL with err when either is bad (nothing kept). */
static struct bg_config *
load(const char *path, struct bg_token_keys **keys, char *err, size_t errlen)
{
	struct bg_config *cfg = bg_config_load(path, err, errlen);

	if (cfg == NULL)
		return NULL;
	if ((*keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, errlen)) == NULL) {
		bg_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* SIGHUP: loads the configuration and key file again; on any error keeps the pair in force. */
static void
reload(const char *path, const char *listening, bool listen_fixed)
{
	char err[512];
	struct bg_token_keys *keys = NULL;
	struct bg_config *cfg = load(path, &keys, err, sizeof(err));

	if (cfg == NULL) {
		bg_log_error("reload failed, keeping the configuration in force: %s", err);
		return;
	}
	if (!listen_fixed && strcmp(cfg->unsubscribe.listen, listening) != 0)
		bg_log_warn("unsubscribe.listen changed to %s: still on %s until restarted", cfg->unsubscribe.listen,
		            listening);
	bg_log_info("reloaded %s: %zu entities, %zu token keys", path, cfg->n_entities,
	            bg_token_keys_count(keys, NULL));
	unsd_http_install(cfg, keys);
}

/* Waits for signals: SIGHUP reloads, SIGTERM and SIGINT return. */
static void
wait_signals(const sigset_t *set, const char *path, const char *listening, bool listen_fixed)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return;
		reload(path, listening, listen_fixed);
	}
}

int
main(int argc, char **argv)
{
	struct bg_daemon_opts o;
	struct bg_config *cfg;
	struct bg_token_keys *keys;
	struct unsd_http *h;
	char err[512], *listening;
	sigset_t set;
	int fd;

	bg_daemon_args(argc, argv, NAME, "[-f] [-n] [-V] [-c file] [-p address]", &o);
	cfg = bg_daemon_config(NAME, &o);
	bg_log_open(NAME, o.foreground);
	if (bg_token_init() < 0)
		bg_log_fatal(1, "libsodium cannot be initialised");
	listening = bg_xstrdup(o.socket ? o.socket : cfg->unsubscribe.listen);
	fd = listen_open(listening, cfg->unsubscribe.socket_mode);
	if (bg_daemon_drop(cfg->user, err, sizeof(err)) < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	if ((keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, sizeof(err))) == NULL)
		bg_log_fatal(BG_EX_CONFIG, "%s", err); /* as the user it runs as: a reload must read it too */
	bg_daemon_detach(o.foreground);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts: only this one takes them */
	unsd_http_install(cfg, keys);
	if ((h = unsd_http_start(fd, err, sizeof(err))) == NULL)
		bg_log_fatal(71, "%s: %s", listening, err);
	bg_log_info("started on %s", listening);
	wait_signals(&set, o.config, listening, o.socket != NULL);
	unsd_http_stop(h);
	if (strncmp(listening, "unix:", 5) == 0)
		bg_listen_unlink(listening + 5);
	bg_log_info("stopped");
	free(listening);
	return 0;
}
