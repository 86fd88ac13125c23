/*
 * NAME
 *	bulkguard-milter - sender policy on the submission path
 * SYNOPSIS
 *	bulkguard-milter [-f] [-n] [-V] [-c file] [-p socket]
 * DESCRIPTION
 *	A mail filter (milter) for Postfix or Sendmail. Per recipient it asks
 *	Redis, in one round trip, whether the recipient is suppressed for the
 *	sending entity, has consented to its mail, and whether the entity is
 *	suspended, and refuses with the reply doc/design.md 3.4 fixes. See
 *	bulkguard-milter(8) and bulkguard.conf(5).
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 78 for a bad configuration, 64 for bad flags,
 *	71 when the socket cannot be set up. Logs to syslog (mail facility),
 *	and to stderr as well with -f.
 * CONFIGURATION
 *	The redis and milter sections, the entities, the user to run as.
 *	SIGHUP reloads; a bad file keeps the configuration in force, and a
 *	changed socket, socket_mode, timeout, backlog or user is refused
 *	until a restart (bg_server.h).
 */
#include "config.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bg_log.h"
#include "bg_server.h"
#include "mlt_callbacks.h"
#include "mlt_conf.h"
#include "mlt_metrics.h"
#include "mlt_signal.h"

#define NAME "bulkguard-milter"

/* The milter's socket in the configuration, and its mode. */
static const char *
milter_socket(const struct bg_config *cfg)
{
	return cfg->milter.socket;
}

static long
milter_socket_mode(const struct bg_config *cfg)
{
	return cfg->milter.socket_mode;
}

/* libmilter takes its timeout and backlog once, at start. */
static int
milter_fixed(const struct bg_config *now, const struct bg_config *next, char *what, size_t len)
{
	if (now->milter.timeout != next->milter.timeout)
		snprintf(what, len, "milter.timeout changed from %ld to %ld", now->milter.timeout,
		         next->milter.timeout);
	else if (now->milter.backlog != next->milter.backlog)
		snprintf(what, len, "milter.backlog changed from %ld to %ld", now->milter.backlog,
		         next->milter.backlog);
	else
		return 0;
	return -1;
}

/* Opens the milter socket; a unix socket gets the configured mode. */
static void
open_socket(const struct bg_config *cfg, const char *sock)
{
	if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_register(mlt_filter) != MI_SUCCESS)
		bg_log_fatal(71, "cannot register the filter on %s", sock);
	smfi_settimeout((int)cfg->milter.timeout);
	smfi_setbacklog((int)cfg->milter.backlog);
	if (smfi_opensocket(1) != MI_SUCCESS)
		bg_log_fatal(71, "cannot open milter socket %s", sock);
	if (strncmp(sock, "unix:", 5) == 0 && chmod(sock + 5, (mode_t)cfg->milter.socket_mode) < 0)
		bg_log_fatal(71, "cannot set the mode of %s", sock + 5);
	if (strncmp(sock, "local:", 6) == 0 && chmod(sock + 6, (mode_t)cfg->milter.socket_mode) < 0)
		bg_log_fatal(71, "cannot set the mode of %s", sock + 6);
}

/* Opens the socket as the user it runs as (libmilter makes it) and hands over to libmilter. */
static int
run(struct bg_server *srv)
{
	const char *sock = bg_server_listening(srv);
	struct bg_held *g;
	int rc;

	mlt_conf_use(bg_server_hold(srv));
	g = mlt_conf_acquire();
	open_socket(mlt_conf_cfg(g), sock);
	mlt_conf_release(g);
	mlt_signal_use(srv, sock);
	bg_server_ready(srv, sock);
	rc = smfi_main();
	return rc == MI_SUCCESS ? 0 : 1;
}

/* The milter's metrics listener, if any. */
static const char *
milter_metrics_listen(const struct bg_config *cfg)
{
	return cfg->milter.metrics_listen;
}

static const struct bg_service milter = {
    .name = NAME,
    .usage = "[-f] [-n] [-V] [-c file] [-p socket]",
    .listen = milter_socket,
    .socket_mode = milter_socket_mode,
    .backlog = 0, /* libmilter listens */
    .derive = mlt_conf_derive,
    .state_free = mlt_conf_state_free,
    .fixed = milter_fixed,
    .run = run,
    .metrics_listen = milter_metrics_listen,
};

int
main(int argc, char **argv)
{
	mlt_metrics_init();
	return bg_server_main(argc, argv, &milter);
}
