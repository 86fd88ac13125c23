/*
 * pol_server.h - the policy daemon's sockets: listeners and connections.
 *
 * One libevent loop serves every connection. Postfix keeps one connection
 * per smtpd process and sends one request at a time on it; a connection
 * costs a bufferevent and a small parser, and reads stop at a high-water
 * mark while a request is being answered, and while more than 1 MB of
 * replies wait for a client that does not read them. Each complete request goes to the
 * handler, which answers it now or later with pol_conn_reply; requests on
 * one connection are answered in order. Input that is not a policy request
 * closes that connection only.
 */
#ifndef POL_SERVER_H
#define POL_SERVER_H

#include <stddef.h>

#include <event2/event.h>

#include "pol_proto.h"

struct pol_server;
struct pol_conn;

/* Called with each complete request; r is valid during the call only. */
typedef void (*pol_handler)(struct pol_conn *c, const struct pol_request *r, void *arg);
/* Called when a connection goes away while pending (set by pol_conn_pending) is not NULL. */
typedef void (*pol_cancel)(void *pending);

/* Makes a server on base; the caller frees it with pol_server_free. */
struct pol_server *pol_server_new(struct event_base *base, pol_handler handler, pol_cancel cancel, void *arg);

/*
 * Accepts connections on fd, a listening socket (bg_listen_open), made
 * non-blocking here; the caller still owns and closes fd. Returns 0, or -1
 * with the reason in err.
 */
int pol_server_listen_fd(struct pol_server *s, int fd, char *err, size_t errlen);

/* The backlog policyd listens with. */
#define POL_BACKLOG 4096

/* Closes listeners and connections (pending ones are cancelled) and frees s. */
void pol_server_free(struct pol_server *s);

/* Returns the number of open connections. */
size_t pol_server_nconn(const struct pol_server *s);

/* Remembers what the handler's answer waits for, for the cancel callback (NULL: nothing). */
void pol_conn_pending(struct pol_conn *c, void *pending);

/* Returns the connection's number, for log lines. */
unsigned long pol_conn_id(const struct pol_conn *c);

/*
 * Answers the request being handled with "action=<action>\n\n" and goes on
 * with the next request on c. action is copied; it must hold no CR or LF.
 */
void pol_conn_reply(struct pol_conn *c, const char *action);

#endif
