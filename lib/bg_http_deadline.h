/*
 * bg_http_deadline.h - an absolute deadline for every request an HTTP listener serves (unsubd, the metrics).
 *
 * libmicrohttpd's connection timeout counts idle time only: a client that
 * trickles one byte every few seconds is never idle for long and would hold
 * its connection for ever. This module notes when each connection's current
 * request began (when the connection opened, then when each request ended)
 * and a watcher thread shuts down the socket of any request older than the
 * deadline; libmicrohttpd then sees the connection end and closes it as it
 * closes any other. Connections stay libmicrohttpd's: this module never
 * closes a descriptor, and forgets a connection before it is closed.
 *
 * DIAGNOSTICS: bg_http_deadline_start returns NULL when the thread cannot start.
 */
#ifndef BG_HTTP_DEADLINE_H
#define BG_HTTP_DEADLINE_H

#include <stdbool.h>

#include <microhttpd.h>

struct bg_http_deadline;

/* Starts the watcher for a deadline of seconds; the caller stops it with bg_http_deadline_stop. */
struct bg_http_deadline *bg_http_deadline_start(unsigned seconds);

/* Stops the watcher and frees dl; call after MHD_stop_daemon (every connection gone). */
void bg_http_deadline_stop(struct bg_http_deadline *dl);

/* MHD_NotifyConnectionCallback (MHD_OPTION_NOTIFY_CONNECTION, cls = the bg_http_deadline). */
void bg_http_deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                             enum MHD_ConnectionNotificationCode code);

/* A request on c ended: the clock of the next one on c starts now. */
void bg_http_deadline_restart(struct MHD_Connection *c);

/* Returns whether c was cut by the deadline. */
bool bg_http_deadline_cut(struct MHD_Connection *c);

#endif
