/*
 * unsd_http.c - the one-click endpoint's libmicrohttpd handlers.
 *
 * Each request is one struct req, made at the handler's first call and freed
 * in request_done. The handler is called with the headers (method, path and
 * token are judged there), then with each piece of body (fed to MHD's post
 * processor, which parses both form encodings), then once more at the end,
 * where a POST is answered. Token problems all get the same page, so a
 * client learns nothing about which check failed; the log says. Pages a
 * person sees once the token opened are made by unsd_page (the entity's
 * templates or the built-in ones); writes and undo are unsd_undo's.
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
#include "bg_metrics.h"
#include "bg_redis.h"
#include "bg_token.h"
#include "bg_suppress.h"
#include "bg_util.h"
#include "fb_stat.h"
#include "bg_http_deadline.h"
#include "unsd_http.h"
#include "unsd_undo.h"
#include "unsd_view.h"

#define WHO            "bulkguard-unsubd" /* the writer, for bg:audit */
#define PATH           "/u/"
#define UNDO           "/undo" /* after the token: the done page's undo */
#define FIELD          "List-Unsubscribe"
#define VALUE          "One-Click"
#define VALUE_MAX      32  /* bytes of the field's value kept for the comparison */
#define LOG_TOKEN      12  /* characters of a token a log line shows */
#define NOTE_MAX       640 /* bytes of a log line's tail */
#define PP_BUFFER      1024
#define HTTP_TOO_LARGE 413 /* MHD renamed its constant in 0.9.74; the number is what counts */

#define SMALL_MAX 64 /* bytes of the value of scope, at or mac */
#define SKEW      5  /* seconds an undo's time may lie ahead of the clock */
#define PAGE_TAIL "</body></html>\n"

static const char page_bad[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invalid link"
                               "</title></head>\n<body>\n<h1>Invalid link</h1>\n<p>This unsubscribe link is not valid."
                               " Please use the link from a recent message.</p>\n" PAGE_TAIL;
static const char page_method[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Method not"
                                  " allowed</title></head>\n<body>\n<h1>Method not allowed</h1>\n" PAGE_TAIL;

#define MSG_BODY "A one-click unsubscribe request carries the form field List-Unsubscribe=One-Click."
#define MSG_BIG  "The request is too large."
#define MSG_BUSY "Your request could not be recorded just now. Please try again in a minute."
#define MSG_UNDO_BAD                                                                                                   \
	"This undo request is not valid, or its time has passed; nothing was changed. You can subscribe again where "  \
	"you first did."
#define MSG_UNDO_GONE                                                                                                  \
	"There is nothing to undo: the record of this unsubscribe has changed since (a later request, or a delivery "  \
	"problem reported for this address). Nothing was changed."

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
	bool undo;      /* POST /u/<token>/undo */
	bool in_field;  /* a List-Unsubscribe value is being collected */
	size_t vlen;    /* its length so far (may exceed VALUE_MAX: then it is not One-Click) */
	char value[VALUE_MAX];
	struct small {
		char v[SMALL_MAX + 1];
		bool over; /* longer than SMALL_MAX: not a value this program made */
	} scope, at, mac;  /* the form's other fields: the scope chosen; the undo's time and MAC */
	char token[BG_TOKEN_MAX + 1];
	char method[16];
	char path[sizeof(PATH) + LOG_TOKEN + 4]; /* for the log: the token cut short */
	char note[NOTE_MAX];                     /* the log line's tail */
};

struct unsd_http {
	struct MHD_Daemon *d;
	struct bg_http_deadline *dl;
};

static struct bg_hold *hold; /* libmicrohttpd's request callbacks get this module's state from here */

static atomic_ulong next_id;
static struct bg_metric *requests; /* bulkguard_unsubd_requests_total{outcome} */

/* The outcome of an answered request, for bulkguard_unsubd_requests_total. */
static const char *
outcome(const struct req *q, unsigned status)
{
	switch (status) {
	case MHD_HTTP_OK: return q->undo ? "undone" : q->post ? "unsubscribed" : "page";
	case MHD_HTTP_CONFLICT: return "undo_conflict";
	case MHD_HTTP_BAD_REQUEST: return "bad_request";
	case MHD_HTTP_METHOD_NOT_ALLOWED: return "method_not_allowed";
	case HTTP_TOO_LARGE: return "too_large";
	case MHD_HTTP_SERVICE_UNAVAILABLE: return "unavailable";
	default: return "other";
	}
}

/* Counts one request by its outcome ("unanswered" when the connection ended first). */
static void
count_request(const char *what)
{
	bg_metrics_inc(requests, &what);
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
	                        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
	                        "frame-ancestors 'none'");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(rsp, "Retry-After", "60");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(rsp, "Allow", q->undo ? "POST" : "GET, HEAD, POST");
	rc = MHD_queue_response(c, status, rsp);
	MHD_destroy_response(rsp);
	q->answered = true;
	count_request(outcome(q, status));
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

/* The state of q's generation: its token keys and templates. */
static const struct unsd_state *
state(const struct req *q)
{
	return bg_held_state(q->g);
}

/*
 * Opens the token in url ("/u/<token>", or "/u/<token>/undo", which sets
 * q->undo); false (reason logged in the note) for any other path or a bad token.
 */
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
	if (len > sizeof(UNDO) - 1 && strcmp(url + len - (sizeof(UNDO) - 1), UNDO) == 0) {
		q->undo = true;
		len -= sizeof(UNDO) - 1;
	}
	if (len == 0 || len > BG_TOKEN_MAX) {
		note(q, " reason=\"token length %zu\"", len);
		return false;
	}
	if ((st = bg_token_open(state(q)->keys, url, len, &q->tok)) != BG_TOKEN_OK) {
		note(q, " reason=\"%s\"", bg_token_strerror(st));
		return false;
	}
	memcpy(q->token, url, len);
	q->token[len] = '\0';
	return true;
}

/* Fills v with q's view: its configuration, templates, token and Accept-Language. */
static void
view(struct MHD_Connection *c, const struct req *q, struct unsd_view *v)
{
	v->cfg = bg_held_cfg(q->g);
	v->pages = state(q)->pages;
	v->tok = &q->tok;
	v->token = q->token;
	v->accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
}

/* Answers with a page made for q (freed here). */
static enum MHD_Result
reply_page(struct MHD_Connection *c, struct req *q, unsigned status, char *page)
{
	enum MHD_Result rc = reply(c, q, status, page);

	free(page);
	return rc;
}

/* Answers status with the entity's error page saying message. */
static enum MHD_Result
reply_error(struct MHD_Connection *c, struct req *q, unsigned status, const char *message)
{
	struct unsd_view v;

	view(c, q, &v);
	return reply_page(c, q, status, unsd_view_error(&v, message));
}

/* Answers GET and HEAD: a page whose button POSTs List-Unsubscribe=One-Click to the same URL. */
static enum MHD_Result
answer_get(struct MHD_Connection *c, struct req *q)
{
	struct unsd_view v;

	view(c, q, &v);
	note(q, " entity=%s", q->tok.entity);
	return reply_page(c, q, MHD_HTTP_OK, unsd_view_confirm(&v));
}

/* Ends the List-Unsubscribe value being collected, remembering whether it was One-Click. */
static void
field_end(struct req *q)
{
	if (q->in_field && q->vlen == sizeof(VALUE) - 1 && memcmp(q->value, VALUE, q->vlen) == 0)
		q->one_click = true;
	q->in_field = false;
}

/* Collects a piece of the value of scope, at or mac (the last one of each counts); other fields are ignored. */
static enum MHD_Result
small_field(struct req *q, const char *key, const char *data, uint64_t off, size_t size)
{
	struct small *f = strcmp(key, "scope") == 0 ? &q->scope
	                  : strcmp(key, "at") == 0  ? &q->at
	                  : strcmp(key, "mac") == 0 ? &q->mac
	                                            : NULL;
	size_t n;

	if (f == NULL)
		return MHD_YES;
	if (off == 0)
		memset(f, 0, sizeof(*f));
	n = strlen(f->v);
	if (f->over || off != n || n + size > SMALL_MAX)
		f->over = true;
	else
		memcpy(f->v + n, data, size);
	return MHD_YES;
}

/* MHD_PostDataIterator: collects each List-Unsubscribe value (any One-Click counts), and scope, at and mac. */
static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename, const char *ctype,
           const char *encoding, const char *data, uint64_t off, size_t size)
{
	struct req *q = cls;

	if (key != NULL && strcmp(key, FIELD) != 0)
		return small_field(q, key, data, off, size);
	if (key == NULL)
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
	if (q->undo && !q->post)
		return reply_error(c, q, MHD_HTTP_METHOD_NOT_ALLOWED,
		                   "An undo is a button on the page you saw after "
		                   "unsubscribing; nothing was changed.");
	if (!q->post)
		return MHD_YES; /* answered once read whole, so the connection can stay open */
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > UNSD_BODY_MAX) {
		note(q, " entity=%s reason=\"Content-Length %.20s\"", q->tok.entity, clen);
		return reply_error(c, q, HTTP_TOO_LARGE, MSG_BIG);
	}
	if ((q->pp = MHD_create_post_processor(c, PP_BUFFER, post_field, q)) == NULL) {
		note(q, " entity=%s reason=\"not a form (Content-Type)\"", q->tok.entity);
		return reply_error(c, q, MHD_HTTP_BAD_REQUEST, MSG_BODY);
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
 * Runs one write or undo of ch on a borrowed connection. One that worked
 * last time and fails now may have died quietly (Redis restarted): one more
 * try, reconnected, before giving up. Returns what unsd_store_write or
 * unsd_store_undo returns (>= 0 done), or < 0 with the reason in why (len bytes).
 */
static int
store(struct req *q, const struct unsd_change *ch, bool undo, char *why, size_t len)
{
	int (*op)(struct bg_redis *, const struct unsd_change *, char *, size_t) =
	    undo ? unsd_store_undo : unsd_store_write;
	const char *err = NULL;
	bool reused;
	struct bg_redis *r = bg_held_redis_borrow(q->g, &reused, &err);
	int rc;

	if (r == NULL) {
		bg_strlcpy(why, err, len);
		return UNSD_STORE_DOWN;
	}
	rc = op(r, ch, why, len);
	if (rc == UNSD_STORE_DOWN && reused)
		rc = op(r, ch, why, len);
	if (rc >= 0 && bg_redis_wait(r) < 0) /* a 200 promises the change survives a failover */
		rc = UNSD_STORE_DOWN;
	if (rc == UNSD_STORE_DOWN)
		bg_strlcpy(why, bg_redis_error(r), len);
	bg_held_redis_return(q->g, r, rc != UNSD_STORE_DOWN);
	return rc;
}

/* Fills ch with the write of an unsubscribe through q's token from list (NULL: the entity) at time at. */
static void
change(const struct req *q, const char *list, long long at, struct unsd_change *ch, char *field, size_t flen,
       char *value, size_t vlen)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);

	bg_suppress_field("suppress", q->tok.entity, list, field, flen);
	snprintf(value, vlen, "unsubscribe %lld one-click", at);
	*ch = (struct unsd_change){.prefix = cfg->redis.prefix,
	                           .address = q->tok.address,
	                           .field = field,
	                           .value = value,
	                           .audit = cfg->audit,
	                           .who = WHO};
}

/* Counts an unsubscribe written (bg:stat), on a borrowed connection; a failure here only costs the count. */
static void
count(struct req *q, const char *list, time_t when)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);
	const char *err;
	bool reused;
	struct bg_redis *r = bg_held_redis_borrow(q->g, &reused, &err);
	char id[32];

	if (r == NULL)
		return;
	snprintf(id, sizeof(id), "req=%lu", q->id);
	fb_stat_count(cfg, r, q->tok.entity, list, q->tok.address, BG_ST_UNSUB_CLICK, when, id);
	bg_held_redis_return(q->g, r, true);
}

/*
 * Writes the suppression the token names from list at time at; returns 1
 * (the field is new), 0 (it replaced one), or -1 with the reason logged at warning.
 */
static int
suppress(struct req *q, const char *list, long long at)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);
	char why[256], field[BG_SUPPRESS_FIELD_LEN], value[64];
	struct unsd_change ch;
	int rc;

	change(q, list, at, &ch, field, sizeof(field), value, sizeof(value));
	if ((rc = store(q, &ch, false, why, sizeof(why))) >= 0) {
		count(q, list, (time_t)at);
		return rc;
	}
	bg_log_warn("req=%lu unsubscribe NOT recorded, client told to retry: redis %s: %s address=%s entity=%s list=%s",
	            q->id, cfg->redis.address, why, q->tok.address, q->tok.entity, list ? list : "");
	return -1;
}

/* Reads the form's end: false when it was too large, not a form, or broken (answered then). */
static bool
form_end(struct MHD_Connection *c, struct req *q, enum MHD_Result *rc)
{
	if (q->too_big) {
		note(q, " entity=%s reason=\"body over %d bytes\"", q->tok.entity, UNSD_BODY_MAX);
		*rc = reply_error(c, q, HTTP_TOO_LARGE, MSG_BIG);
		return false;
	}
	if (MHD_destroy_post_processor(q->pp) != MHD_YES) /* also hands over the last urlencoded value */
		q->bad_form = true;
	q->pp = NULL;
	field_end(q);
	return true;
}

/* The list the form chose: the token's list unless the person chose all of the entity (scope=entity). */
static const char *
chosen_list(const struct req *q)
{
	const char *list = unsd_view_list(bg_held_cfg(q->g), &q->tok);

	return list != NULL && !q->scope.over && strcmp(q->scope.v, "entity") == 0 ? NULL : list;
}

/* Last call of a POST, body read: checks the form, writes, answers 200 (or 400, 413, 503). */
static enum MHD_Result
answer_post(struct MHD_Connection *c, struct req *q)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);
	char mac[UNSD_MAC_LEN + 1], field[BG_SUPPRESS_FIELD_LEN], value[64];
	long long at = (long long)time(NULL);
	enum MHD_Result rc;
	struct unsd_change ch;
	struct unsd_view v;
	const char *list;
	int fresh;
	bool undo;

	if (!form_end(c, q, &rc))
		return rc;
	if (q->bad_form || !q->one_click) {
		note(q, " entity=%s reason=\"no List-Unsubscribe=One-Click in the body\"", q->tok.entity);
		return reply_error(c, q, MHD_HTTP_BAD_REQUEST, MSG_BODY);
	}
	list = chosen_list(q);
	if ((fresh = suppress(q, list, at)) < 0) {
		note(q, " entity=%s reason=\"redis unavailable\"", q->tok.entity);
		return reply_error(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, MSG_BUSY);
	}
	change(q, list, at, &ch, field, sizeof(field), value, sizeof(value));
	undo = fresh == 1 && cfg->unsubscribe.undo_window > 0 &&
	       unsd_undo_mac(state(q)->keys, q->token, at, field, value, mac) == 0;
	note(q, " entity=%s list=%s address=%s scope=%s undo=%s", q->tok.entity, list ? list : "", q->tok.address,
	     list ? "list" : "entity", undo ? "offered" : "none");
	view(c, q, &v);
	return reply_page(c, q, MHD_HTTP_OK, unsd_view_done(&v, list, at, undo ? mac : NULL));
}

/* Whether q's undo form is one this program made for its token within undo_window; fills ch when it is. */
static bool
undo_valid(struct req *q, long long *at, const char **list, struct unsd_change *ch, char *field, size_t flen,
           char *value, size_t vlen)
{
	const struct bg_config *cfg = bg_held_cfg(q->g);
	long long now = (long long)time(NULL);
	char *end;

	if (cfg->unsubscribe.undo_window == 0 || q->bad_form || q->at.over || q->mac.over || q->scope.over ||
	    q->at.v[0] == '\0')
		return false;
	*at = strtoll(q->at.v, &end, 10);
	if (*end != '\0' || *at <= 0 || *at > now + SKEW || now - *at > cfg->unsubscribe.undo_window)
		return false;
	*list = strcmp(q->scope.v, "entity") == 0 ? NULL : unsd_view_list(cfg, &q->tok);
	change(q, *list, *at, ch, field, flen, value, vlen);
	return unsd_undo_verify(state(q)->keys, q->token, *at, field, value, q->mac.v);
}

/* Last call of POST /u/<token>/undo: checks the MAC and the window, deletes the field if unchanged. */
static enum MHD_Result
answer_undo(struct MHD_Connection *c, struct req *q)
{
	char field[BG_SUPPRESS_FIELD_LEN], value[64], why[256];
	enum MHD_Result rc;
	struct unsd_change ch;
	struct unsd_view v;
	const char *list = NULL;
	long long at = 0;
	int done;

	if (!form_end(c, q, &rc))
		return rc;
	if (!undo_valid(q, &at, &list, &ch, field, sizeof(field), value, sizeof(value))) {
		note(q, " entity=%s address=%s reason=\"undo: bad MAC, form or time (at=%lld)\"", q->tok.entity,
		     q->tok.address, at);
		return reply_error(c, q, MHD_HTTP_BAD_REQUEST, MSG_UNDO_BAD);
	}
	if ((done = store(q, &ch, true, why, sizeof(why))) < 0) {
		bg_log_warn("req=%lu undo NOT done, client told to retry: redis %s: %s address=%s field=%s", q->id,
		            bg_held_cfg(q->g)->redis.address, why, q->tok.address, field);
		note(q, " entity=%s reason=\"redis unavailable\"", q->tok.entity);
		return reply_error(c, q, MHD_HTTP_SERVICE_UNAVAILABLE, MSG_BUSY);
	}
	note(q, " entity=%s address=%s field=%s undo=%s", q->tok.entity, q->tok.address, field,
	     done ? "done" : "changed-since");
	if (!done)
		return reply_error(c, q, MHD_HTTP_CONFLICT, MSG_UNDO_GONE);
	view(c, q, &v);
	return reply_page(c, q, MHD_HTTP_OK, unsd_view_undone(&v, list));
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
	if (!q->post)
		return answer_get(c, q);
	return q->undo ? answer_undo(c, q) : answer_post(c, q);
}

/* MHD_RequestCompletedCallback: frees the request, whatever way it ended. */
static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode why)
{
	struct req *q = *con_cls;

	bg_http_deadline_restart(c);
	if (q == NULL)
		return;
	if (!q->answered)
		count_request("unanswered");
	if (!q->answered)
		bg_log_info("req=%lu method=%s path=%s status=none reason=\"%s\"", q->id, q->method, q->path,
		            bg_http_deadline_cut(c)                         ? "deadline"
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
	if (requests == NULL)
		requests =
		    bg_metrics_counter("bulkguard_unsubd_requests_total", "HTTP requests by outcome.", "outcome", 16);
	if ((h->dl = bg_http_deadline_start(UNSD_DEADLINE)) == NULL) {
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
	    bg_http_deadline_notify, h->dl, MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "libmicrohttpd could not start on the listening socket");
		bg_http_deadline_stop(h->dl);
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
	bg_http_deadline_stop(h->dl);
	free(h);
}
