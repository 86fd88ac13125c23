/*
 * unsd_http.h - bulkguard-unsubd's HTTP side: the RFC 8058 one-click handlers.
 *
 * POST /u/<token> with List-Unsubscribe=One-Click writes the suppression,
 * GET /u/<token> shows a page whose button makes that POST, POST
 * /u/<token>/undo with the done page's MAC undoes it within
 * unsubscribe.undo_window (unsd_undo.h), anything else is refused
 * (doc/design.md 3.9).
 * Requests are served from the configuration and key set in force when
 * they began; Redis connections are borrowed from that configuration's pool.
 */
#ifndef UNSD_HTTP_H
#define UNSD_HTTP_H

#include <stddef.h>

#include "bg_hold.h"
#include "bg_token.h"
#include "unsd_page.h"

/* What every client is held to (bulkguard-unsubd(8), LIMITS). */
#define UNSD_THREADS    4     /* worker threads */
#define UNSD_CONN_MAX   512   /* connections open at once; more are refused */
#define UNSD_PER_IP_MAX 32    /* connections open at once from one IPv4/IPv6 address (not unix sockets) */
#define UNSD_TIMEOUT    10    /* seconds a connection may sit idle */
#define UNSD_DEADLINE   10    /* seconds a request may take in all, however it trickles (slowloris) */
#define UNSD_BODY_MAX   4096  /* bytes of request body; more gets 413 */
#define UNSD_MEMORY_MAX 16384 /* bytes per connection for request line, headers and buffers */

struct unsd_http;

/* What bulkguard-unsubd derives from a configuration (its bg_hold state): token keys and page templates. */
struct unsd_state {
	struct bg_token_keys *keys;
	struct unsd_pages *pages;
};

/*
 * Serves HTTP on the listening socket fd with UNSD_THREADS threads, each
 * request from the configuration in force in in_force (bg_hold: the
 * configuration, with a struct unsd_state as its state) when it began. Returns
 * a server the caller stops with unsd_http_stop, or NULL with the reason in
 * err. fd stays the caller's.
 */
struct unsd_http *unsd_http_start(int fd, struct bg_hold *in_force, char *err, size_t errlen);

/* Stops accepting, ends every connection (a handler under way finishes first), and frees the server. */
void unsd_http_stop(struct unsd_http *h);

#endif
