/*
 * bg_http_deadline.c - the watcher that cuts requests older than the deadline.
 *
 * Each open connection has one struct dl_conn, made when libmicrohttpd
 * announces the connection and freed when it announces its end (which it
 * does before it closes the descriptor), both under the one lock the
 * watcher holds while it shuts sockets down: so a descriptor is never shut
 * down after libmicrohttpd let it go. The watcher looks every
 * DL_TICK_MS; a request is cut between the deadline and a tick later.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "bg_log.h"
#include "bg_util.h"
#include "bg_http_deadline.h"

#define DL_TICK_MS 250

/* One open connection. */
struct dl_conn {
	struct bg_http_deadline *dl;
	struct dl_conn *prev, *next;
	MHD_socket fd;
	struct timespec began; /* of the request under way (CLOCK_MONOTONIC) */
	bool cut;
	char peer[INET6_ADDRSTRLEN + 8];
};

struct bg_http_deadline {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool stopping;
	unsigned seconds;
	struct dl_conn *conns;
};

/* Returns the monotonic clock now. */
static struct timespec
now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* Returns the milliseconds from a to b. */
static long long
ms_between(struct timespec a, struct timespec b)
{
	return (long long)(b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

/* Writes c's client address into k->peer ("unix" for a unix socket). */
static void
peer_name(struct MHD_Connection *c, struct dl_conn *k)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(k->peer, sizeof(k->peer), "unix");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, k->peer, sizeof(k->peer));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, k->peer,
		          sizeof(k->peer));
}

/* Shuts down every connection whose request is older than the deadline; under dl->lock. */
static void
cut_late(struct bg_http_deadline *dl)
{
	struct timespec t = now_mono();

	for (struct dl_conn *k = dl->conns; k != NULL; k = k->next) {
		if (k->cut || ms_between(k->began, t) < (long long)dl->seconds * 1000)
			continue;
		k->cut = true;
		shutdown(k->fd, SHUT_RDWR);
		bg_log_info("http: peer=%s closed: request not done within %u s (deadline)", k->peer, dl->seconds);
	}
}

/* The watcher thread: a look every DL_TICK_MS until stopped. */
static void *
watch(void *arg)
{
	struct bg_http_deadline *dl = arg;
	struct timespec until;

	pthread_mutex_lock(&dl->lock);
	while (!dl->stopping) {
		cut_late(dl);
		until = now_mono();
		until.tv_nsec += DL_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&dl->wake, &dl->lock, &until);
	}
	pthread_mutex_unlock(&dl->lock);
	return NULL;
}

struct bg_http_deadline *
bg_http_deadline_start(unsigned seconds)
{
	struct bg_http_deadline *dl = bg_xcalloc(1, sizeof(*dl));
	pthread_condattr_t ca;

	dl->seconds = seconds;
	pthread_mutex_init(&dl->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dl->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&dl->thread, NULL, watch, dl) != 0) {
		pthread_cond_destroy(&dl->wake);
		pthread_mutex_destroy(&dl->lock);
		free(dl);
		return NULL;
	}
	return dl;
}

void
bg_http_deadline_stop(struct bg_http_deadline *dl)
{
	pthread_mutex_lock(&dl->lock);
	dl->stopping = true;
	pthread_cond_signal(&dl->wake);
	pthread_mutex_unlock(&dl->lock);
	pthread_join(dl->thread, NULL);
	while (dl->conns != NULL) { /* none after MHD_stop_daemon; freed anyway */
		struct dl_conn *k = dl->conns;
		dl->conns = k->next;
		free(k);
	}
	pthread_cond_destroy(&dl->wake);
	pthread_mutex_destroy(&dl->lock);
	free(dl);
}

/* A connection opened: starts its clock. */
static void
conn_started(struct bg_http_deadline *dl, struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct dl_conn *k = bg_xcalloc(1, sizeof(*k));

	k->dl = dl;
	k->fd = ci != NULL ? ci->connect_fd : MHD_INVALID_SOCKET;
	k->began = now_mono();
	peer_name(c, k);
	*socket_context = k;
	if (k->fd == MHD_INVALID_SOCKET)
		return; /* nothing to shut down: never watched */
	pthread_mutex_lock(&dl->lock);
	k->next = dl->conns;
	if (dl->conns != NULL)
		dl->conns->prev = k;
	dl->conns = k;
	pthread_mutex_unlock(&dl->lock);
}

/* A connection is about to be closed: forgets it. */
static void
conn_closed(struct bg_http_deadline *dl, void **socket_context)
{
	struct dl_conn *k = *socket_context;

	if (k == NULL)
		return;
	pthread_mutex_lock(&dl->lock);
	if (k->prev != NULL)
		k->prev->next = k->next;
	else if (dl->conns == k)
		dl->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&dl->lock);
	free(k);
	*socket_context = NULL;
}

void
bg_http_deadline_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
	switch (code) {
	case MHD_CONNECTION_NOTIFY_STARTED: conn_started(cls, c, socket_context); break;
	case MHD_CONNECTION_NOTIFY_CLOSED: conn_closed(cls, socket_context); break;
	}
}

/* Returns c's record, or NULL. */
static struct dl_conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

void
bg_http_deadline_restart(struct MHD_Connection *c)
{
	struct dl_conn *k = conn_of(c);

	if (k == NULL)
		return;
	pthread_mutex_lock(&k->dl->lock);
	k->began = now_mono();
	pthread_mutex_unlock(&k->dl->lock);
}

bool
bg_http_deadline_cut(struct MHD_Connection *c)
{
	struct dl_conn *k = conn_of(c);
	bool cut;

	if (k == NULL)
		return false;
	pthread_mutex_lock(&k->dl->lock);
	cut = k->cut;
	pthread_mutex_unlock(&k->dl->lock);
	return cut;
}
