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
 *	The page after the POST offers, for unsubscribe.undo_window, an undo
 *	(POST /u/<token>/undo with a MAC the page carries). Pages come from the
 *	entity's unsubscribe_templates, or are built in.
 *	A bad token gets 400 and a page that says nothing more. See
 *	bulkguard-unsubd(8) and unsd_http.c.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM, 64 for bad flags, 71 when the listening socket
 *	cannot be set up, 78 for a bad configuration or key file. Logs to
 *	syslog (mail facility), and to stderr as well with -f.
 * CONFIGURATION
 *	unsubscribe.listen, unsubscribe.socket_mode and unsubscribe.key_file, the redis section,
 *	unsubscribe.undo_window, audit, user, and each entity's unsubscribe_scope,
 *	display_name and unsubscribe_templates. SIGHUP reloads the
 *	configuration, the key file and the templates; when one is bad, all in force
 *	are kept, and a changed listen, socket_mode or user is refused until
 *	a restart (bg_server.h).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "bg_log.h"
#include "bg_server.h"
#include "bg_token.h"
#include "bg_util.h"
#include "unsd_http.h"

#define NAME    "bulkguard-unsubd"
#define BACKLOG 128

/* libsodium, before anything uses it. */
static int
prepare(char *err, size_t errlen)
{
	if (bg_token_init() == 0)
		return 0;
	snprintf(err, errlen, "libsodium cannot be initialised");
	return -1;
}

/* The state of a configuration: its token keys and page templates (read as the user it runs as, as a reload will). */
static void *
derive(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct unsd_state *st = bg_xcalloc(1, sizeof(*st));

	if ((st->keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, errlen)) == NULL ||
	    (st->pages = unsd_pages_load(cfg, err, errlen)) == NULL) {
		bg_token_keys_free(st->keys);
		free(st);
		return NULL;
	}
	return st;
}

static void
state_free(void *state)
{
	struct unsd_state *st = state;

	bg_token_keys_free(st->keys);
	unsd_pages_free(st->pages);
	free(st);
}

/* -n: the templates load and pass their checks (the key file is checked by the skeleton). */
static int
check(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct unsd_pages *p = unsd_pages_load(cfg, err, errlen);

	unsd_pages_free(p);
	return p == NULL ? -1 : 0;
}

/* Serves HTTP until SIGTERM or SIGINT; SIGHUP reloads. */
static int
run(struct bg_server *srv)
{
	char err[512];
	struct unsd_http *h;

	signal(SIGPIPE, SIG_IGN);
	bg_server_block_signals(); /* before any thread starts: only this one takes them */
	if ((h = unsd_http_start(bg_server_fd(srv), bg_server_hold(srv), err, sizeof(err))) == NULL)
		bg_log_fatal(71, "%s: %s", bg_server_listening(srv), err);
	bg_server_ready(srv, bg_server_listening(srv));
	bg_server_wait(srv);
	unsd_http_stop(h);
	return 0;
}

/* unsubd's socket in the configuration, and its mode. */
static const char *
unsub_listen(const struct bg_config *cfg)
{
	return cfg->unsubscribe.listen;
}

static long
unsub_socket_mode(const struct bg_config *cfg)
{
	return cfg->unsubscribe.socket_mode;
}

/* unsubd's metrics listener, if any. */
static const char *
unsub_metrics_listen(const struct bg_config *cfg)
{
	return cfg->unsubscribe.metrics_listen;
}

static const struct bg_service unsubd = {
    .name = NAME,
    .usage = "[-f] [-n] [-V] [-c file] [-p address]",
    .listen = unsub_listen,
    .socket_mode = unsub_socket_mode,
    .backlog = BACKLOG,
    .prepare = prepare,
    .derive = derive,
    .state_free = state_free,
    .check = check,
    .run = run,
    .metrics_listen = unsub_metrics_listen,
};

int
main(int argc, char **argv)
{
	return bg_server_main(argc, argv, &unsubd);
}
