/*
 * unsd_http.c - the one-click endpoint's libmicrohttpd handlers.
 *
 * Each request is one struct req, made at the handler's first call and freed
 * in request_done. The handler is called with the headers (method, path and
 * token are judged there), then with each piece of body (fed to MHD's post
 * processor, which parses both form encodings), then once more at the end,
 * where a POST is answered. Token problems all get the same page, so a
 * client learns nothing about which check failed; the log says.
 */
#include "config.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg_log.h"
#include "bg_hold.h"
#include "bg_redis.h"
#include "bg_token.h"
#include "bg_suppress.h"
#include "bg_util.h"
#include "fb_stat.h"
#include "unsd_deadline.h"
#include "unsd_http.h"

#define WHO            "bulkguard-unsubd" /* the writer, for bg:audit */
#define PATH           "/u/"
#define FIELD          "List-Unsubscribe"
#define VALUE          "One-Click"
#define VALUE_MAX      32  /* bytes of the field's value kept for the comparison */
#define LOG_TOKEN      12  /* characters of a token a log line shows */
#define NOTE_MAX       640 /* bytes of a log line's tail */
#define PP_BUFFER      1024
#define HTTP_TOO_LARGE 413 /* MHD renamed its constant in 0.9.74; the number is what counts */

#define PAGE_HEAD                                                                                                      \
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"                                            \
	"<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title></head>\n<body>\n"
#define PAGE_TAIL "</body></html>\n"

static const char page_bad[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invalid link"
                               "</title></head>\n<body>\n<h1>Invalid link</h1>\n<p>This unsubscribe link is not valid."
                               " Please use the link from a recent message.</p>\n" PAGE_TAIL;
static const char page_body[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad request"
                                "</title></head>\n<body>\n<h1>Bad request</h1>\n<p>A one-click unsubscribe request"
                                " carries the form field List-Unsubscribe=One-Click.</p>\n" PAGE_TAIL;
static const char page_big[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too large"
                               "</title></head>\n<body>\n<h1>Request too large</h1>\n" PAGE_TAIL;
static const char page_method[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Method not"
                                  " allowed</title></head>\n<body>\n<h1>Method not allowed</h1>\n" PAGE_TAIL;
static const char page_busy[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Try again"
                                "</title></head>\n<body>\n<h1>Temporarily unavailable</h1>\n<p>Your request could not"
                                " be recorded just now. Please try again in a minute.</p>\n" PAGE_TAIL;

/* One request, from its headers to its end. */
struct req {
	unsigned long id;
	struct bg_held *g; /* the configuration and keys it is served from */
	struct MHD_PostProcessor *pp;
	struct bg_token tok;
	bool answered;  /* a response is queued */
	bool post;      /* else GET or HEAD */
	size_t body;    /* bytes of body received */
	bool too_big;   /* more than UNSD_BODY_MAX */
	bool bad_form;  /* the post processor gave up */
	bool one_click; /* some List-Unsubscribe field was exactly One-Click */
	bool in_field;  /* a List-Unsubscribe value is being collected */
	size_t vlen;    /* its length so far (may exceed VALUE_MAX: then it is not One-Click) */
	char value[VALUE_MAX];
	char method[16];
	char path[sizeof(PATH) + LOG_TOKEN + 4]; /* for the log: the token cut short */
	char note[NOTE_MAX];                     /* the log line's tail */
};

struct unsd_http {
	struct MHD_Daemon *d;
	struct unsd_deadline *dl;
};

static struct bg_hold *hold; /* libmicrohttpd's request callbacks get this module's state from here */

static atomic_ulong next_id;

/* Returns the HTML character reference for c, or NULL when c stands for itself. */
static const char *
html_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

/* Copies s into out (len bytes, always terminated) with &, <, >, " and ' escaped. */
static void
html_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		const char *ent = html_entity(*s);
		size_t w = ent ? strlen(ent) : 1;
		if (n + w >= len)
			break;
		memcpy(out + n, ent ? ent : s, w);
		n += w;
	}
	out[n] = '\0';
}

/* Returns the list a suppression for t is scoped to: its list when its entity says unsubscribe_scope = list. */
static const char *
scope_list(const struct bg_config *cfg, const struct bg_token *t)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (strcmp(cfg->entities[i].name, t->entity) == 0)
			return cfg->entities[i].unsubscribe_scope == BG_SCOPE_LIST && t->list[0] != '\0' ? t->list
			                                                                                 : NULL;
	return NULL; /* an entity no longer configured: its whole scope, by name */
}

/* Writes into out what the pages call the scope: "acme", or "acme (weekly)", HTML-escaped. */
static void
scope_html(const struct req *q, char *out, size_t len)
{
	char name[BG_TOKEN_ENTITY_MAX + BG_TOKEN_LIST_MAX + 8];
	const char *l = scope_list(bg_held_cfg(q->g), &q->tok);

	if (l != NULL)
		snprintf(name, sizeof(name), "%s (%s)", q->tok.entity, l);
	else
		snprintf(name, sizeof(name), "%s", q->tok.entity);
	html_escape(name, out, len);
}

/* Queues status with body (copied) and the headers every page has, and logs the request's one line. */
static enum MHD_Result
reply(struct MHD_Connection *c, struct req *q, unsigned status, const char *body)
{
	struct MHD_Response *rsp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (rsp == NULL)
		return MHD_NO;
	MHD_add_response_header(rsp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(rsp, "Cache-Control", "no-store");
	MHD_add_response_header(rsp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(rsp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(rsp, "Content-Security-Policy",
	                        "default-src 'none'; form-action 'self'; frame-ancestors 'none'");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(rsp, "Retry-After", "60");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(rsp, "Allow", "GET, HEAD, POST");
	rc = MHD_queue_response(c, status, rsp);
	MHD_destroy_response(rsp);
	q->answered = true;
	bg_log_info("req=%lu method=%s path=%s status=%u%s", q->id, q->method, q->path, status, q->note);
	return rc;
}

static void note(struct req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the log line's tail. */
static void
note(struct req *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->note, sizeof(q->note), fmt, ap);
	va_end(ap);
}

/* Copies s into out for a log line: at most max characters ("..." if cut), anything unprintable as '?'. */
static void
log_safe(const char *s, size_t max, char *out, size_t len)
{
	size_t n = strlen(s);

	snprintf(out, len, "%.*s%s", (int)(n > max ? max : n), s, n > max ? "..." : "");
	for (char *p = out; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* Makes the request record: its id, method and path as the log shows them (the token cut short). */
static struct req *
req_new(const char *url, const char *method)
{
	struct req *q = bg_xcalloc(1, sizeof(*q));

	q->id = atomic_fetch_add(&next_id, 1) + 1;
	q->g = bg_hold_acquire(hold);
	log_safe(method, sizeof(q->method) - 4, q->method, sizeof(q->method));
	log_safe(url, sizeof(PATH) - 1 + LOG_TOKEN, q->path, sizeof(q->path));
	return q;
}

/* Opens the token in url ("/u/<token>"); false (reason logged in the note) for any other path or a bad token. */
static bool
token_open(struct req *q, const char *url)
{
	enum bg_token_status st;
	size_t len;

	if (strncmp(url, PATH, sizeof(PATH) - 1) != 0) {
		note(q, " reason=\"not a /u/<token> path\"");
		return false;
	}
	url += sizeof(PATH) - 1;
	len = strlen(url);
	if (len == 0 || len > BG_TOKEN_MAX) {
		note(q, " reason=\"token length %zu\"", len);
		return false;
	}
	if ((st = bg_token_open(bg_held_state(q->g), url, len, &q->tok)) != BG_TOKEN_OK) {
		note(q, " reason=\"%s\"", bg_token_strerror(st));
		return false;
	}
	return true;
}

/* Answers GET and HEAD: a page whose button POSTs List-Unsubscribe=One-Click to the same URL. */
static enum MHD_Result
answer_get(struct MHD_Connection *c, struct req *q)
{
	char scope[512], page[2048];

	scope_html(q, scope, sizeof(scope));
	snprintf(page, sizeof(page),
	         PAGE_HEAD "<h1>Unsubscribe</h1>\n<p>Stop receiving mail from %s?</p>\n"
	                   "<form method=\"post\"><input type=\"hidden\" name=\"" FIELD "\" value=\"" VALUE "\">"
	                   "<button type=\"submit\">Unsubscribe</button></form>\n" PAGE_TAIL,
	         "Unsubscribe", scope);
	note(q, " entity=%s", q->tok.entity);
	return reply(c, q, MHD_HTTP_OK, page);
}

/* Ends the List-Unsubscribe value being collected, remembering whether it was One-Click. */
static void
field_end(struct req *q)
{
	if (q->in_field && q->vlen == sizeof(VALUE) - 1 && memcmp(q->value, VALUE, q->vlen) == 0)
		q->one_click = true;
	q->in_field = false;
}

/* MHD_PostDataIterator: collects the value of each List-Unsubscribe field; other fields are ignored. */
static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename, const char *ctype,
           const char *encoding, const char *data, uint64_t off, size_t size)
{
	struct req *q = cls;

	if (key == NULL || strcmp(key, FIELD) != 0)
		return MHD_YES;
	if (off == 0 || !q->in_field) {
		field_end(q);
		q->in_field = true;
		q->vlen = 0;
	}
	if (q->vlen + size <= VALUE_MAX)
		memcpy(q->value + q->vlen, data, size);
	q->vlen += size;
	return MHD_YES;
}

/*
 * First call, headers read: judges method, path, token and announced size,
 * answering at once (and closing) when one is wrong; the rest is answered
 * at the last call.
 */
static enum MHD_Result
first_call(struct MHD_Connection *c, struct req *q, const char *url, const char *method)
{
	const char *clen;

	q->post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (!q->post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, q, MHD_HTTP_METHOD_NOT_ALLOWED, page_method);
	if (!token_open(q, url))
		return reply(c, q, MHD_HTTP_BAD_REQUEST, page_bad);
	if (!q->post)
		return MHD_YES; /* answered once read whole, so the connection can stay open */
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > UNSD_BODY_MAX) {
		note(q, " entity=%s reason=\"Content-Length %.20s\"", q->tok.entity, clen);
		return reply(c, q, HTTP_TOO_LARGE, page_big);
	}
	if ((q->pp = MHD_create_post_processor(c, PP_BUFFER, post_field, q)) == NULL) {
		note(q, " entity=%s reason=\"not a form (Content-Type)\"", q->tok.entity);
		return reply(c, q, MHD_HTTP_BAD_REQUEST, page_body);
	}
	return MHD_YES;
}

/* Feeds one piece of body to the post processor, up to UNSD_BODY_MAX bytes in all. */
static void
body_piece(struct req *q, const char *data, size_t size)
{
	q->body += size;
	if (q->body > UNSD_BODY_MAX)
		q->too_big = true;
	if (q->too_big || q->bad_form || q->pp == NULL)
		return;
	if (MHD_post_process(q->pp, data, size) != MHD_YES)
		q->bad_form = true;
}

/*
 * Writes s on a borrowed connection and counts it (bg:stat, tagged id). One
 * that worked last time and fails now may have died quietly (Redis
 * restarted): one more try, reconnected, before giving up. Returns 0, or -1
 * with the reason in why (len bytes).
 */
static int
write_retry(struct bg_held *g, const struct bg_suppression *s, const char *id, char *why, size_t len)
{
	const struct bg_config *cfg = bg_held_cfg(g);
	const char *err = NULL;
	bool reused;
	struct bg_redis *r = bg_held_redis_borrow(g, &reused, &err);
	int rc;

	if (r == NULL) {
		bg_strlcpy(why, err, len);
		return -1;
	}
	rc = bg_suppress_write(r, cfg->redis.prefix, s, cfg->audit, WHO);
	if (rc < 0 && reused)
		rc = bg_suppress_write(r, cfg->redis.prefix, s, cfg->audit, WHO);
	if (rc == 0)
		fb_stat_count(cfg, r, s->entity, s->list, s->address, BG_ST_UNSUB_CLICK, s->when, id);
	if (rc == 0 && bg_redis_wait(r) < 0) /* a 200 promises the suppression survives a failover */
		rc = -1;
	if (rc < 0)
		bg_strlcpy(why, bg_redis_error(r), len);
	bg_held_redis_return(g, r, rc == 0);
	return rc;
}

/* Writes the suppression the token names; 0, or -1 with the reason logged at warning. */
static int
suppress(struct req *q, const char *list)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);
	struct bg_suppression s = {.address = q->tok.address,
	                           .entity = q->tok.entity,
	                           .list = list,
	                           .reason = "unsubscribe",
	                           .when = time(NULL),
	                           .source = "one-click"};
	char why[256], id[32];

	snprintf(id, sizeof(id), "req=%lu", q->id);
	if (write_retry(q->g, &s, id, why, sizeof(why)) == 0)
		return 0;
	bg_log_warn("req=%lu unsubscribe NOT recorded, client told to retry: redis %s: %s address=%s entity=%s list=%s",
	            q->id, cfg->redis.address, why, q->tok.address, q->tok.entity, list ? list : "");
	return -1;
}

/* Last call of a POST, body read: checks the form, writes, answers 200 (or 400, 413, 503). */
static enum MHD_Result
answer_post(struct MHD_Connection *c, struct req *q)
{
	char scope[512], page[2048];
	const char *list;

	if (q->too_big) {
		note(q, " entity=%s reason=\"body over %d bytes\"", q->tok.entity, UNSD_BODY_MAX);
		return reply(c, q, HTTP_TOO_LARGE, page_big);
	}
	if (MHD_destroy_post_processor(q->pp) != MHD_YES) /* also hands over the last urlencoded value */
		q->bad_form = true;
	q->pp = NULL;
	field_end(q);
	if (q->bad_form || !q->one_click) {
		note(q, " entity=%s reason=\"no List-Unsubscribe=One-Click in the body\"", q->tok.entity);
		return reply(c, q, MHD_HTTP_BAD_REQUEST, page_body);
	}
	list = scope_list(bg_held_cfg(q->g), &q->tok);
	if (suppress(q, list) < 0) {
		note(q, " entity=%s reason=\"redis unavailable\"", q->tok.entity);
		return reply(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, page_busy);
	}
	scope_html(q, scope, sizeof(scope));
	snprintf(page, sizeof(page),
	         PAGE_HEAD "<h1>Unsubscribed</h1>\n<p>You are unsubscribed from %s.</p>\n" PAGE_TAIL, "Unsubscribed",
	         scope);
	note(q, " entity=%s list=%s address=%s scope=%s", q->tok.entity, list ? list : "", q->tok.address,
	     list ? "list" : "entity");
	return reply(c, q, MHD_HTTP_OK, page);
}

/* MHD_AccessHandlerCallback: one case per stage of the request. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version, const char *data,
       size_t *size, void **con_cls)
{
	struct req *q = *con_cls;

	if (q == NULL) {
		*con_cls = q = req_new(url, method);
		return first_call(c, q, url, method);
	}
	if (*size > 0) {
		if (!q->answered)
			body_piece(q, data, *size);
		*size = 0;
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	return q->post ? answer_post(c, q) : answer_get(c, q);
}

/* MHD_RequestCompletedCallback: frees the request, whatever way it ended. */
static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	struct req *q = *con_cls;

	unsd_deadline_restart(c);
	if (q == NULL)
		return;
	if (!q->answered)
		bg_log_info("req=%lu method=%s path=%s status=none reason=\"%s\"", q->id, q->method, q->path,
		            unsd_deadline_cut(c)                            ? "deadline"
		            : why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
		                                                            : "connection closed");
	if (q->pp != NULL)
		MHD_destroy_post_processor(q->pp);
	bg_held_release(q->g);
	free(q);
	*con_cls = NULL;
}

/*
 * MHD's own error messages, into the log. A message the same as the last
 * one within the same second (a flood of refused connections) is counted,
 * not logged: the count goes out with the next line logged.
 */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char last[512];
	static time_t last_at;
	static unsigned long repeats;
	char line[512];
	time_t now = time(NULL);
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	pthread_mutex_lock(&lock);
	if (now == last_at && strcmp(line, last) == 0) {
		repeats++;
		pthread_mutex_unlock(&lock);
		return;
	}
	if (repeats > 0)
		bg_log_warn("http: %s (%lu more times)", last, repeats);
	repeats = 0;
	last_at = now;
	memcpy(last, line, sizeof(last));
	pthread_mutex_unlock(&lock);
	bg_log_warn("http: %s", line);
}

struct unsd_http *
unsd_http_start(int fd, struct bg_hold *in_force, char *err, size_t errlen)
{
	struct unsd_http *h = bg_xcalloc(1, sizeof(*h));
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;

	hold = in_force;
	if ((h->dl = unsd_deadline_start(UNSD_DEADLINE)) == NULL) {
		snprintf(err, errlen, "cannot start the deadline thread");
		free(h);
		return NULL;
	}
	h->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, handle, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, or MHD complains */
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)UNSD_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)UNSD_CONN_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)UNSD_PER_IP_MAX, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)UNSD_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)UNSD_MEMORY_MAX, MHD_OPTION_NOTIFY_CONNECTION,
	    unsd_deadline_notify, h->dl, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "libmicrohttpd could not start on the listening socket");
		unsd_deadline_stop(h->dl);
		free(h);
		return NULL;
	}
	return h;
}

void
unsd_http_stop(struct unsd_http *h)
{
	(void)MHD_quiesce_daemon(h->d); /* no new connections from here on; the socket stays the caller's */
	MHD_stop_daemon(h->d);          /* joins the workers */
	unsd_deadline_stop(h->dl);
	free(h);
}
