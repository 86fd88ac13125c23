/*
 * bg_listen.c - listening unix sockets: the path rule and the mode.
 *
 * The socket is bound under a umask that lets nobody in, then given its
 * mode, so there is no moment where it is more open than configured. The
 * umask is process-wide: call this before any thread starts.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bg_listen.h"

/* Clears path for a new socket: removes an old socket, refuses anything else. 0, or -1 with err. */
static int
clear_path(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen,
		         "unix:%s: exists and is not a socket; left alone, remove it or choose another path", path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "unix:%s: cannot remove the old socket: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds fd to path with no permissions, then gives the socket mode. 0, or -1 with errno set. */
static int
bind_mode(int fd, const char *path, long mode)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	mode_t old;
	int rc;

	memcpy(sun.sun_path, path, strlen(path) + 1);
	old = umask(0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0)
		return -1;
	return chmod(path, (mode_t)mode);
}

int
bg_listen_unix(const char *path, long mode, int backlog, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (path[0] != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "unix:%s: not an absolute path that fits a socket address", path);
		return -1;
	}
	if (mode < 0 || mode > 0777) {
		snprintf(err, errlen, "unix:%s: socket mode %lo out of 0..0777", path, (unsigned long)mode);
		return -1;
	}
	if (clear_path(path, err, errlen) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 || bind_mode(fd, path, mode) < 0 ||
	    listen(fd, backlog) < 0) {
		snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void
bg_listen_unlink(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
}

/* Splits "host:port" or "[v6]:port" into host (hostlen bytes) and port; 0, or -1 when it is neither. */
static int
split_host_port(const char *spec, char *host, size_t hostlen, const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : 0;

	if (colon == NULL || n == 0 || colon[1] == '\0' || n >= hostlen)
		return -1;
	if (spec[0] == '[' && spec[n - 1] == ']') {
		if (n < 3)
			return -1;
		memcpy(host, spec + 1, n - 2);
		host[n - 2] = '\0';
	} else {
		memcpy(host, spec, n);
		host[n] = '\0';
	}
	*port = colon + 1;
	return 0;
}

/* Binds and listens on "host:port" or "[v6]:port" over TCP; the descriptor, or -1 with err. */
static int
listen_tcp(const char *spec, int backlog, char *err, size_t errlen)
{
	char host[256];
	const char *port;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	int fd, on = 1, rc;

	if (split_host_port(spec, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "listen address \"%s\" is not host:port, [v6]:port or unix:/path", spec);
		return -1;
	}
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "listen address \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "listen address \"%s\": %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
bg_listen_open(const char *spec, long mode, int backlog, char *err, size_t errlen)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return bg_listen_unix(spec + 5, mode, backlog, err, errlen);
	return listen_tcp(spec, backlog, err, errlen);
}

void
bg_listen_close(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		bg_listen_unlink(spec + 5);
}
