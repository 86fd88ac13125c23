/*
 * pol_server.c - listeners and persistent connections on one libevent loop.
 *
 * A connection is a bufferevent (read high-water mark POL_HIGH_WATER), a
 * parser and a pending pointer. Bytes are fed to the parser only while no
 * request is being answered, so replies come back in request order and a
 * client that floods us stops being read. A client that does not read its
 * replies stops being read too: once more than POL_OUT_MAX bytes of replies
 * wait for it, until they drain to POL_OUT_RESUME; replies that cannot be
 * sent for POL_WRITE_SECONDS close the connection. So one connection holds
 * at most POL_HIGH_WATER bytes in and POL_OUT_MAX plus one reply out.
 * Everything a connection owns is freed in conn_free, the one place a
 * connection ends.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "bg_log.h"
#include "bg_util.h"
#include "pol_server.h"

#define POL_HIGH_WATER    (2 * POL_REQ_MAX) /* stop reading a busy connection here */
#define POL_IDLE_SECONDS  3600              /* Postfix closes its own after 300 s (max_idle) */
#define POL_OUT_MAX       (1024 * 1024)     /* unsent reply bytes past which a client is not read */
#define POL_OUT_RESUME    (POL_OUT_MAX / 4) /* ... until they drain to this */
#define POL_WRITE_SECONDS 60                /* replies that make no progress this long close the connection */
#define POL_MAX_LISTENERS 8

struct pol_conn {
	struct pol_server *srv;
	struct bufferevent *bev;
	struct pol_parser parser;
	struct pol_conn *prev, *next;
	void *pending;
	unsigned long id;
	int busy;       /* a request is being answered */
	int processing; /* inside process_input: replies must not recurse */
	int held;       /* more than POL_OUT_MAX bytes of replies unsent: input waits */
	unsigned holds; /* times held, for one log line */
};

struct pol_server {
	struct event_base *base;
	pol_handler handler;
	pol_cancel cancel;
	void *arg;
	struct evconnlistener *listeners[POL_MAX_LISTENERS];
	size_t nlisteners;
	struct event *resume; /* re-enables listeners after running out of descriptors */
	struct pol_conn *conns;
	size_t nconn;
	unsigned long next_id;
};

static void process_input(struct pol_conn *c);

/* Closes c, cancels what it waits for and frees it. */
static void
conn_free(struct pol_conn *c)
{
	struct pol_server *s = c->srv;

	if (c->pending != NULL)
		s->cancel(c->pending);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconn--;
	bufferevent_free(c->bev);
	pol_proto_free(&c->parser);
	free(c);
}

/* Feeds buffered input to the parser until a request is complete or input runs out. */
static int
feed_some(struct pol_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_iovec v[4];
	int i, n = evbuffer_peek(in, -1, NULL, v, 4);
	size_t used, total = 0;

	for (i = 0; i < n && i < 4; i++) {
		used = pol_proto_feed(&c->parser, v[i].iov_base, v[i].iov_len);
		total += used;
		if (pol_proto_state(&c->parser) != POL_MORE)
			break;
	}
	evbuffer_drain(in, total);
	return total > 0;
}

/* Handles every complete request in the input while the connection is free. */
static void
process_input(struct pol_conn *c)
{
	struct pol_server *s = c->srv;

	c->processing = 1;
	while (!c->busy && !c->held) {
		if (pol_proto_state(&c->parser) == POL_MORE && !feed_some(c))
			break;
		if (pol_proto_state(&c->parser) == POL_ERROR) {
			bg_log_warn("conn=%lu closed: %s", c->id, pol_proto_strerror(pol_proto_error(&c->parser)));
			conn_free(c);
			return;
		}
		if (pol_proto_state(&c->parser) == POL_READY) {
			c->busy = 1;
			s->handler(c, pol_proto_request(&c->parser), s->arg);
		}
	}
	c->processing = 0;
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_input(arg);
}

/* Output drained to POL_OUT_RESUME: reads again a connection held for its unsent replies. */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct pol_conn *c = arg;

	if (!c->held)
		return;
	c->held = 0;
	bufferevent_enable(bev, EV_READ);
	process_input(c);
}

/* Stops reading c while more than POL_OUT_MAX bytes of replies wait for it. */
static void
hold_if_unread(struct pol_conn *c)
{
	size_t unsent = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (unsent <= POL_OUT_MAX || c->held)
		return;
	c->held = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (c->holds++ == 0)
		bg_log_info("conn=%lu not read while over %d bytes of replies wait unread", c->id, POL_OUT_MAX);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct pol_conn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING))
		bg_log_info("conn=%lu closed: replies unread for %d s", c->id, POL_WRITE_SECONDS);
	else if (what & BEV_EVENT_TIMEOUT)
		bg_log_info("conn=%lu closed: idle", c->id);
	else if (what & BEV_EVENT_ERROR)
		bg_log_info("conn=%lu closed: %s", c->id, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	conn_free(c);
}

void
pol_conn_reply(struct pol_conn *c, const char *action)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "action=%s\n\n", action);
	c->pending = NULL;
	c->busy = 0;
	pol_proto_reset(&c->parser);
	hold_if_unread(c);
	if (!c->processing)
		process_input(c);
}

void
pol_conn_pending(struct pol_conn *c, void *pending)
{
	c->pending = pending;
}

unsigned long
pol_conn_id(const struct pol_conn *c)
{
	return c->id;
}

/* Turns listening back on after a pause for lack of descriptors. */
static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pol_server *s = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_enable(s->listeners[i]);
}

/* Accept failed (EMFILE, ENFILE...): log and stop accepting for a moment. */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct pol_server *s = arg;
	struct timeval tv = {0, 200000};
	size_t i;

	(void)l;
	bg_log_warn("accept: %s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	for (i = 0; i < s->nlisteners; i++)
		evconnlistener_disable(s->listeners[i]);
	evtimer_add(s->resume, &tv);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct pol_server *s = arg;
	struct pol_conn *c = bg_xcalloc(1, sizeof(*c));
	struct timeval idle = {POL_IDLE_SECONDS, 0}, stuck = {POL_WRITE_SECONDS, 0};
	int one = 1;

	(void)l;
	(void)salen;
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->srv = s;
	c->id = ++s->next_id;
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	pol_proto_init(&c->parser);
	bufferevent_setwatermark(c->bev, EV_READ, 0, POL_HIGH_WATER);
	bufferevent_setwatermark(c->bev, EV_WRITE, POL_OUT_RESUME, 0);
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, &stuck);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconn++;
}

struct pol_server *
pol_server_new(struct event_base *base, pol_handler handler, pol_cancel cancel, void *arg)
{
	struct pol_server *s = bg_xcalloc(1, sizeof(*s));

	s->base = base;
	s->handler = handler;
	s->cancel = cancel;
	s->arg = arg;
	s->resume = evtimer_new(base, resume_cb, s);
	return s;
}

int
pol_server_listen_fd(struct pol_server *s, int fd, char *err, size_t errlen)
{
	struct evconnlistener *l;

	if (s->nlisteners == POL_MAX_LISTENERS) {
		snprintf(err, errlen, "too many listeners");
		return -1;
	}
	if (evutil_make_socket_nonblocking(fd) < 0 ||
	    (l = evconnlistener_new(s->base, accept_cb, s, 0, -1, fd)) == NULL) {
		snprintf(err, errlen, "cannot listen on descriptor %d: %s", fd, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l, accept_error_cb);
	s->listeners[s->nlisteners++] = l;
	return 0;
}

size_t
pol_server_nconn(const struct pol_server *s)
{
	return s->nconn;
}

void
pol_server_free(struct pol_server *s)
{
	size_t i;

	while (s->conns != NULL)
		conn_free(s->conns);
	for (i = 0; i < s->nlisteners; i++) {
		evconnlistener_free(s->listeners[i]);
	}
	event_free(s->resume);
	free(s);
}
