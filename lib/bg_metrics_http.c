/*
 * bg_metrics_http.c - /metrics and /healthz on libmicrohttpd.
 *
 * One internal polling thread serves every connection: a scrape renders
 * the registry, a health check waits at most the Redis timeout. Requests
 * are answered on their first call; a request that carries a body is
 * refused before it is read.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "bg_http_deadline.h"
#include "bg_log.h"
#include "bg_metrics.h"
#include "bg_metrics_http.h"
#include "bg_redis.h"
#include "bg_util.h"

struct bg_metrics_http {
	struct MHD_Daemon *d;
	struct bg_http_deadline *dl; /* cuts a request that trickles past BG_METRICS_HTTP_DEADLINE */
	bg_metrics_health health;
	void *arg;
};

/* Queues status with body (copied, or taken when owned) as plain text. */
static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len, bool owned)
{
	struct MHD_Response *rsp =
	    MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (rsp == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(rsp, "Content-Type", type);
	MHD_add_response_header(rsp, "Cache-Control", "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(rsp, "Allow", "GET");
	rc = MHD_queue_response(c, status, rsp);
	MHD_destroy_response(rsp);
	return rc;
}

/* Answers a fixed text. */
static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return answer(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text), false);
}

/* GET /healthz: 200 "ok", or 503 with the reason. */
static enum MHD_Result
answer_health(struct MHD_Connection *c, struct bg_metrics_http *h)
{
	char why[256], body[300];

	why[0] = '\0';
	if (h->health(h->arg, why, sizeof(why)))
		return answer_text(c, MHD_HTTP_OK, "ok\n");
	snprintf(body, sizeof(body), "unhealthy: %s\n", why);
	return answer_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, body);
}

/* GET /metrics: the registry as text. */
static enum MHD_Result
answer_metrics(struct MHD_Connection *c)
{
	size_t len;
	char *text = bg_metrics_render(&len);

	return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len, true);
}

/* Whether the request announces a body (Content-Length other than 0, or chunked). */
static bool
has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl != NULL && strcmp(cl, "0") != 0) ||
	       MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/* MHD_AccessHandlerCallback: every request is answered on its first call. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version, const char *data,
       size_t *size, void **con_cls)
{
	(void)version;
	(void)data;
	if (*con_cls != NULL) { /* a body arrived after all: it is not read */
		*size = 0;
		return MHD_YES;
	}
	*con_cls = c;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (has_body(c))
		return answer_text(c, MHD_HTTP_BAD_REQUEST, "no body, please\n");
	if (strcmp(url, "/metrics") == 0)
		return answer_metrics(c);
	if (strcmp(url, "/healthz") == 0)
		return answer_health(c, cls);
	return answer_text(c, MHD_HTTP_NOT_FOUND, "/metrics or /healthz\n");
}

/* libmicrohttpd's own messages, into the log. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	bg_log_warn("metrics_http: %s", line);
}

/* MHD_RequestCompletedCallback: the connection's next request starts its own deadline. */
static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	(void)cls;
	(void)con_cls;
	(void)why;
	bg_http_deadline_restart(c);
}

/* Starts libmicrohttpd on fd; its thread inherits the caller's signal mask. */
static struct MHD_Daemon *
start_daemon(int fd, struct bg_metrics_http *h)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;

	return MHD_start_daemon(flags, 0, NULL, NULL, handle, h, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	                        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	                        (unsigned)BG_METRICS_HTTP_CONN_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
	                        (unsigned)BG_METRICS_HTTP_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	                        (size_t)BG_METRICS_HTTP_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, bg_http_deadline_notify,
	                        h->dl, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
}

struct bg_metrics_http *
bg_metrics_http_start(int fd, bg_metrics_health health, void *arg, char *err, size_t errlen)
{
	struct bg_metrics_http *h = bg_xcalloc(1, sizeof(*h));
	sigset_t all, old;

	h->health = health;
	h->arg = arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* the daemon's own threads take its signals */
	if ((h->dl = bg_http_deadline_start(BG_METRICS_HTTP_DEADLINE)) != NULL)
		h->d = start_daemon(fd, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (h->d == NULL) {
		snprintf(err, errlen,
		         h->dl == NULL ? "cannot start the metrics deadline thread"
		                       : "libmicrohttpd could not start on the metrics socket");
		if (h->dl != NULL)
			bg_http_deadline_stop(h->dl);
		free(h);
		return NULL;
	}
	return h;
}

bool
bg_metrics_http_ping(struct bg_redis *r, char *why, size_t len)
{
	const char *argv[] = {"PING"};
	size_t argvlen[] = {4};
	redisReply *reply = NULL;
	bool ok = false;

	if (bg_redis_append(r, 1, argv, argvlen) == 0 && (reply = bg_redis_reply(r)) != NULL)
		ok = reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
	if (!ok)
		snprintf(why, len, "redis %s: %s", bg_redis_address(r),
		         reply != NULL && reply->type == REDIS_REPLY_ERROR ? reply->str : bg_redis_error(r));
	freeReplyObject(reply);
	return ok;
}

void
bg_metrics_http_stop(struct bg_metrics_http *h)
{
	if (h == NULL)
		return;
	(void)MHD_quiesce_daemon(h->d);
	MHD_stop_daemon(h->d);
	bg_http_deadline_stop(h->dl);
	free(h);
}
