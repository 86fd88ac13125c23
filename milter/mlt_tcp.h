/*
 * mlt_tcp.h - no Nagle and no delayed ACKs on the milter's TCP connections.
 *
 * The milter conversation is many small packets, each waiting for the
 * other side's answer: over TCP, Nagle's algorithm (on either side) holds a
 * small write back until the previous one is acknowledged, and the delayed
 * ACK holds that acknowledgement back up to 40 ms, so a TCP milter ran at
 * about half its unix-socket speed. libmilter does not expose its sockets, so
 * the program links libmilter from its archive with
 *
 *	-Wl,--wrap=accept -Wl,--wrap=read -Wl,--wrap=close
 *
 * (as it wraps sigwait, mlt_signal.h): every connection libmilter accepts
 * gets TCP_NODELAY, and TCP_QUICKACK again after each read from it (Linux
 * clears it by itself), so Postfix's own small writes are acknowledged at
 * once. A unix-socket connection is left as it is. The wrappers also see the
 * program's own read() and close() calls; they act on accepted TCP
 * connections only.
 */
#ifndef MLT_TCP_H
#define MLT_TCP_H

#include <sys/socket.h>
#include <sys/types.h>

int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t __wrap_read(int fd, void *buf, size_t n);
int __wrap_close(int fd);

#endif
