/*
 * pol_proto.h - Postfix policy-delegation requests, parsed from bytes.
 *
 * A request is "name=value" lines ended by LF (a CR before it is dropped)
 * and closed by an empty line (postconf(5), SMTPD_POLICY_README). The parser
 * is pure: the caller feeds whatever bytes arrived, the parser keeps a
 * partial request between calls, and says when one request is complete or
 * the input is not a policy request at all. It does no I/O and never logs.
 *
 * Hard limits: a line of POL_LINE_MAX bytes, POL_ATTR_MAX attributes and
 * POL_REQ_MAX bytes per request. NUL bytes, control characters other than
 * TAB, lines without '=' and bad attribute names are errors; an error is
 * final (the connection is to be closed). Unknown attributes are ignored.
 */
#ifndef POL_PROTO_H
#define POL_PROTO_H

#include <stddef.h>

#define POL_LINE_MAX 2048
#define POL_ATTR_MAX 100
#define POL_REQ_MAX  16384

enum pol_state {
	POL_MORE = 0, /* feed more bytes */
	POL_READY,    /* one request complete: pol_proto_request, then pol_proto_reset */
	POL_ERROR,    /* not a policy request: pol_proto_strerror says why */
};

enum pol_error {
	POL_ERR_NONE = 0,
	POL_ERR_LINE,   /* a line over POL_LINE_MAX */
	POL_ERR_ATTRS,  /* more than POL_ATTR_MAX attributes */
	POL_ERR_SIZE,   /* a request over POL_REQ_MAX */
	POL_ERR_NUL,    /* a NUL byte */
	POL_ERR_CTRL,   /* another control character */
	POL_ERR_SYNTAX, /* a line without '=' or with a bad name */
};

/* The attributes bulkguard reads; each is a NUL-terminated value, "" when absent. */
enum pol_attr {
	POL_A_REQUEST = 0,
	POL_A_PROTOCOL_STATE,
	POL_A_SENDER,
	POL_A_RECIPIENT,
	POL_A_SASL_USERNAME,
	POL_A_INSTANCE,
	POL_A_CLIENT_ADDRESS,
	POL_A_QUEUE_ID,
	POL_A_COUNT
};

struct pol_request {
	const char *v[POL_A_COUNT]; /* values, pointing into the parser */
	size_t len[POL_A_COUNT];
	unsigned nattr; /* attributes seen, known or not */
};

struct pol_parser {
	char *buf; /* the request so far, lines NUL-terminated in place */
	size_t len, cap;
	size_t line;             /* offset of the current line's first byte */
	size_t off[POL_A_COUNT]; /* value offsets + 1; 0 when absent */
	unsigned nattr;
	enum pol_state state;
	enum pol_error error;
	struct pol_request req;
};

/* Makes p an empty parser (owned by the caller; pol_proto_free releases its buffer). */
void pol_proto_init(struct pol_parser *p);

/* Frees the buffer p holds; p may be initialised again. */
void pol_proto_free(struct pol_parser *p);

/*
 * Feeds len bytes. Returns how many were used: all of them while the state
 * stays POL_MORE; up to and including the empty line when a request is
 * complete (POL_READY: the rest belongs to the next request, fed after
 * pol_proto_reset); any number on POL_ERROR. Feeding in POL_READY or
 * POL_ERROR uses nothing.
 */
size_t pol_proto_feed(struct pol_parser *p, const char *data, size_t len);

/* Returns the current state. */
enum pol_state pol_proto_state(const struct pol_parser *p);

/* In POL_READY: the request, valid until the next reset or feed. NULL otherwise. */
const struct pol_request *pol_proto_request(struct pol_parser *p);

/* After POL_READY: forgets the request and starts the next (a big buffer is released). */
void pol_proto_reset(struct pol_parser *p);

/* Returns the error (POL_ERR_NONE unless POL_ERROR). */
enum pol_error pol_proto_error(const struct pol_parser *p);

/* Returns a short English text for e; static. */
const char *pol_proto_strerror(enum pol_error e);

#endif
