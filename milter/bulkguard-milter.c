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
 *	SIGHUP reloads; a bad file keeps the configuration in force.
 */
#include "config.h"

#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bg_daemon.h"
#include "bg_log.h"
#include "mlt_callbacks.h"
#include "mlt_conf.h"
#include "mlt_signal.h"

#define NAME "bulkguard-milter"

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

int
main(int argc, char **argv)
{
	struct bg_daemon_opts o;
	struct bg_config *cfg;
	char err[512];
	const char *sock;
	int rc;

	bg_daemon_args(argc, argv, NAME, "[-f] [-n] [-V] [-c file] [-p socket]", &o);
	cfg = bg_daemon_config(NAME, &o);
	bg_log_open(NAME, o.foreground);
	sock = o.socket ? o.socket : cfg->milter.socket;
	if (bg_daemon_drop(cfg->user, err, sizeof(err)) < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	bg_daemon_detach(o.foreground);
	if (mlt_conf_init(cfg, err, sizeof(err)) < 0)
		bg_log_fatal(BG_EX_CONFIG, "%s", err);
	open_socket(cfg, sock); /* cfg stays valid: no reload can come before smfi_main */
	mlt_signal_socket(sock);
	bg_log_info("started on %s", sock);
	rc = smfi_main();
	bg_log_info("stopped");
	mlt_conf_shutdown();
	return rc == MI_SUCCESS ? 0 : 1;
}
