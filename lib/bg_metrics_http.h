/*
 * bg_metrics_http.h - the metrics listener: GET /metrics and GET /healthz
 * over HTTP, served by libmicrohttpd in a thread of its own.
 *
 * /metrics answers 200 with bg_metrics_render's text
 * ("text/plain; version=0.0.4"); /healthz answers 200 "ok" when the
 * daemon's health check passes and 503 with its reason when not; any other
 * path 404, any other method 405, a request with a body 400. The listener
 * is bounded: BG_METRICS_HTTP_CONN_MAX connections at once,
 * BG_METRICS_HTTP_TIMEOUT seconds idle, BG_METRICS_HTTP_DEADLINE seconds for
 * a whole request however it trickles (bg_http_deadline), and
 * BG_METRICS_HTTP_MEMORY bytes for the request line and headers (more gets
 * 431 or the connection closed).
 *
 * DIAGNOSTICS: bg_metrics_http_start returns NULL with the reason in err;
 * libmicrohttpd's own messages go to the daemon's log.
 */
#ifndef BG_METRICS_HTTP_H
#define BG_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define BG_METRICS_HTTP_CONN_MAX 8    /* connections open at once */
#define BG_METRICS_HTTP_TIMEOUT  5    /* seconds a connection may sit idle */
#define BG_METRICS_HTTP_MEMORY   8192 /* bytes per connection for the request */
#define BG_METRICS_HTTP_DEADLINE 10   /* seconds a request may take in all (over a health check's Redis timeout) */

struct bg_metrics_http;
struct bg_redis;

/* Whether the daemon is healthy; when not, a short reason in why. Called on the listener's thread. */
typedef bool (*bg_metrics_health)(void *arg, char *why, size_t len);

/*
 * Serves on fd (listening; it stays the caller's) in a new thread that
 * takes no signals. health(arg) answers /healthz. Returns a handle for
 * bg_metrics_http_stop, or NULL with the reason in err.
 */
struct bg_metrics_http *bg_metrics_http_start(int fd, bg_metrics_health health, void *arg, char *err, size_t errlen);

/*
 * The health check's round trip: PING on r (connecting if needed). True on
 * PONG; else false with "redis <address>: <error>" in why.
 */
bool bg_metrics_http_ping(struct bg_redis *r, char *why, size_t len);

/* Stops serving, joins the thread and frees h; NULL is fine. */
void bg_metrics_http_stop(struct bg_metrics_http *h);

#endif
