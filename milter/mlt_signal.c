/*
 * mlt_signal.c - libmilter's sigwait(), with SIGHUP turned into a reload and
 * SIGTERM followed by a wake-up of the listener.
 */
#include "config.h"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bg_util.h"
#include "mlt_signal.h"

int __real_sigwait(const sigset_t *set, int *sig);

static char socket_spec[512];
static struct bg_server *server; /* libmilter's sigwait carries no pointer of ours */

void
mlt_signal_use(struct bg_server *srv, const char *spec)
{
	server = srv;
	bg_strlcpy(socket_spec, spec, sizeof(socket_spec));
}

/* Connects to a unix socket path and closes again. */
static void
poke_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	bg_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (fd >= 0) {
		(void)connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		close(fd);
	}
}

/* Connects to "port@host" over TCP and closes again. */
static void
poke_inet(const char *spec)
{
	char port[16];
	const char *at = strchr(spec, '@');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (at == NULL || (size_t)(at - spec) >= sizeof(port))
		return;
	memcpy(port, spec, (size_t)(at - spec));
	port[at - spec] = '\0';
	if (getaddrinfo(at + 1, port, &hints, &ai) != 0)
		return;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0) {
		(void)connect(fd, ai->ai_addr, ai->ai_addrlen);
		close(fd);
	}
	freeaddrinfo(ai);
}

/* Waits until libmilter has taken the stop, then wakes its listener with one connection. */
static void *
wake_listener(void *unused)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	nanosleep(&pause, NULL);
	if (strncmp(socket_spec, "unix:", 5) == 0 || strncmp(socket_spec, "local:", 6) == 0)
		poke_unix(strchr(socket_spec, ':') + 1);
	else if (strncmp(socket_spec, "inet:", 5) == 0 || strncmp(socket_spec, "inet6:", 6) == 0)
		poke_inet(strchr(socket_spec, ':') + 1);
	return NULL;
}

/* Waits like sigwait(); SIGHUP reloads and waits on, anything else is returned to libmilter. */
int
__wrap_sigwait(const sigset_t *set, int *sig)
{
	pthread_t t;

	for (;;) {
		int rc = __real_sigwait(set, sig);

		if (rc != 0)
			return rc;
		if (*sig != SIGHUP) {
			bg_server_stopping(*sig);
			if (pthread_create(&t, NULL, wake_listener, NULL) == 0)
				pthread_detach(t);
			return rc;
		}
		bg_server_reload(server);
	}
}
