/*
 * pol_proto.c - the policy-request parser: bytes in, one request out.
 *
 * Bytes are copied into one growing buffer (at most POL_REQ_MAX + 1), each
 * finished line is checked and NUL-terminated in place, and the offsets of
 * the attributes bulkguard reads are remembered. Nothing here blocks or logs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pol_proto.h"

#define KEEP_CAP 1024 /* a buffer larger than this is released after a request */

static const char *const attr_names[POL_A_COUNT] = {
    [POL_A_REQUEST] = "request",
    [POL_A_PROTOCOL_STATE] = "protocol_state",
    [POL_A_SENDER] = "sender",
    [POL_A_RECIPIENT] = "recipient",
    [POL_A_SASL_USERNAME] = "sasl_username",
    [POL_A_INSTANCE] = "instance",
    [POL_A_CLIENT_ADDRESS] = "client_address",
    [POL_A_QUEUE_ID] = "queue_id",
};

/* Puts p in the error state with e; returns used (for the caller's return). */
static size_t
fail(struct pol_parser *p, enum pol_error e, size_t used)
{
	p->state = POL_ERROR;
	p->error = e;
	return used;
}

void
pol_proto_init(struct pol_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void
pol_proto_free(struct pol_parser *p)
{
	free(p->buf);
	pol_proto_init(p);
}

/* Makes room for n more bytes (n small); aborts when memory is gone. */
static void
reserve(struct pol_parser *p, size_t n)
{
	size_t cap = p->cap ? p->cap : 256;

	if (p->len + n <= p->cap)
		return;
	while (cap < p->len + n)
		cap *= 2;
	p->buf = realloc(p->buf, cap);
	if (p->buf == NULL)
		abort();
	p->cap = cap;
}

/* True for a name Postfix could send: lower-case letters, digits, '_' and '-'. */
static int
good_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Files one finished attribute line (without its LF, NUL-terminated at end). 0 or an error. */
static enum pol_error
take_line(struct pol_parser *p, size_t start, size_t end)
{
	char *line = p->buf + start;
	char *eq = memchr(line, '=', end - start);
	size_t i;

	if (eq == NULL || !good_name(line, (size_t)(eq - line)))
		return POL_ERR_SYNTAX;
	if (++p->nattr > POL_ATTR_MAX)
		return POL_ERR_ATTRS;
	for (i = 0; i < POL_A_COUNT; i++)
		if ((size_t)(eq - line) == strlen(attr_names[i]) &&
		    memcmp(line, attr_names[i], (size_t)(eq - line)) == 0)
			p->off[i] = (size_t)(eq + 1 - p->buf) + 1;
	return POL_ERR_NONE;
}

/* Fills p->req from the offsets. */
static void
make_request(struct pol_parser *p)
{
	size_t i;

	for (i = 0; i < POL_A_COUNT; i++) {
		p->req.v[i] = p->off[i] ? p->buf + p->off[i] - 1 : "";
		p->req.len[i] = strlen(p->req.v[i]);
	}
	p->req.nattr = p->nattr;
}

/* Ends the current line (LF just seen, not stored). Returns an error or 0. */
static enum pol_error
end_line(struct pol_parser *p)
{
	size_t start = p->line, end = p->len, i;
	enum pol_error e;

	if (end > start && p->buf[end - 1] == '\r')
		end--;
	for (i = start; i < end; i++)
		if (p->buf[i] == '\r')
			return POL_ERR_CTRL;
	reserve(p, 1);
	p->buf[end] = '\0';
	p->len = end + 1;
	p->line = p->len;
	if (end == start) {
		make_request(p);
		p->state = POL_READY;
		return POL_ERR_NONE;
	}
	e = take_line(p, start, end);
	return e;
}

size_t
pol_proto_feed(struct pol_parser *p, const char *data, size_t len)
{
	size_t i;
	unsigned char c;
	enum pol_error e;

	if (p->state != POL_MORE)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)data[i];
		if (c == '\n') {
			if ((e = end_line(p)) != POL_ERR_NONE)
				return fail(p, e, i + 1);
			if (p->state == POL_READY)
				return i + 1;
			continue;
		}
		if (c == '\0')
			return fail(p, POL_ERR_NUL, i + 1);
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return fail(p, POL_ERR_CTRL, i + 1);
		if (p->len - p->line >= POL_LINE_MAX)
			return fail(p, POL_ERR_LINE, i + 1);
		if (p->len >= POL_REQ_MAX)
			return fail(p, POL_ERR_SIZE, i + 1);
		reserve(p, 1);
		p->buf[p->len++] = (char)c;
	}
	return len;
}

enum pol_state
pol_proto_state(const struct pol_parser *p)
{
	return p->state;
}

const struct pol_request *
pol_proto_request(struct pol_parser *p)
{
	return p->state == POL_READY ? &p->req : NULL;
}

void
pol_proto_reset(struct pol_parser *p)
{
	char *buf = p->buf;
	size_t cap = p->cap;

	if (cap > KEEP_CAP) {
		free(buf);
		buf = NULL;
		cap = 0;
	}
	pol_proto_init(p);
	p->buf = buf;
	p->cap = cap;
}

enum pol_error
pol_proto_error(const struct pol_parser *p)
{
	return p->error;
}

const char *
pol_proto_strerror(enum pol_error e)
{
	switch (e) {
	case POL_ERR_NONE: return "no error";
	case POL_ERR_LINE: return "line too long";
	case POL_ERR_ATTRS: return "too many attributes";
	case POL_ERR_SIZE: return "request too large";
	case POL_ERR_NUL: return "NUL byte";
	case POL_ERR_CTRL: return "control character";
	case POL_ERR_SYNTAX: return "not name=value";
	}
	return "unknown error";
}
