/*
 * bg_listen.h - listening sockets, made by one rule for every daemon.
 *
 * A daemon listens on "unix:/path" or on TCP "host:port" / "[v6]:port".
 * A path that holds anything but a socket is never removed: making the
 * socket fails and the daemon refuses to start. A socket left by an earlier
 * run is replaced. The new socket gets the configured mode, and nobody can
 * connect before it has it. At stop, the path is removed only while it is
 * still a socket.
 *
 * DIAGNOSTICS: errors are returned as -1 with the text in the caller's err
 * ("unix:<path>: <reason>", "listen address \"<spec>\": <reason>").
 */
#ifndef BG_LISTEN_H
#define BG_LISTEN_H

#include <stddef.h>

/*
 * Binds and listens on a unix stream socket at path (absolute), close-on-exec,
 * mode mode (0..0777), backlog backlog. Returns the descriptor, which the
 * caller closes, or -1 with the reason in err.
 */
int bg_listen_unix(const char *path, long mode, int backlog, char *err, size_t errlen);

/*
 * Listens on spec: "unix:/path" (bg_listen_unix, with mode) or TCP
 * "host:port" / "[v6]:port" (SO_REUSEADDR). Returns a close-on-exec
 * descriptor the caller closes, or -1 with the reason in err.
 */
int bg_listen_open(const char *spec, long mode, int backlog, char *err, size_t errlen);

/* At stop: removes the socket of a "unix:" spec if it is still a socket; TCP needs nothing. */
void bg_listen_close(const char *spec);

/* Removes path if it is a socket; anything else there is left alone. */
void bg_listen_unlink(const char *path);

#endif
