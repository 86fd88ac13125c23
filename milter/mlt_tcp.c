/*
 * mlt_tcp.c - TCP_NODELAY and TCP_QUICKACK on libmilter's accepted TCP
 * connections (see mlt_tcp.h).
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mlt_tcp.h"

#define TRACKED_FDS 65536 /* descriptors above this get TCP_NODELAY but no TCP_QUICKACK */

int __real_accept(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t __real_read(int fd, void *buf, size_t n);
int __real_close(int fd);

/* Which descriptors are accepted TCP connections: written by accept and close, read by read. */
static atomic_bool tcp_fd[TRACKED_FDS];

/* True for a descriptor the table covers. */
static bool
tracked(int fd)
{
	return fd >= 0 && fd < TRACKED_FDS;
}

/* accept(), then TCP_NODELAY on a TCP connection, which is remembered for read(). */
int
__wrap_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int c = __real_accept(fd, addr, len), on = 1;
	bool tcp;

	if (c < 0)
		return c;
	/* fails (EOPNOTSUPP) on a unix socket: that is the test */
	tcp = setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0;
	if (tracked(c))
		atomic_store_explicit(&tcp_fd[c], tcp, memory_order_relaxed);
	return c;
}

/* read(), then TCP_QUICKACK again on an accepted TCP connection. */
ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	ssize_t r = __real_read(fd, buf, n);
	int on = 1;

	if (r > 0 && tracked(fd) && atomic_load_explicit(&tcp_fd[fd], memory_order_relaxed))
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
	return r;
}

/* close(), forgetting the descriptor first. */
int
__wrap_close(int fd)
{
	if (tracked(fd))
		atomic_store_explicit(&tcp_fd[fd], false, memory_order_relaxed);
	return __real_close(fd);
}
