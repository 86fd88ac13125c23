/*
 * bg_listen.h - listening unix sockets, made by one rule for every daemon.
 *
 * A path that holds anything but a socket is never removed: making the
 * socket fails and the daemon refuses to start. A socket left by an earlier
 * run is replaced. The new socket gets the configured mode, and nobody can
 * connect before it has it. At stop, the path is removed only while it is
 * still a socket.
 *
 * DIAGNOSTICS: bg_listen_unix returns -1 with "unix:<path>: <reason>" in err.
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

/* Removes path if it is a socket; anything else there is left alone. */
void bg_listen_unlink(const char *path);

#endif
