/*
 * fuzz_policy.c - libFuzzer target for the policy-request parser.
 *
 * Feeds the input in two pieces (split where its first byte says), parses
 * every request it holds, and checks the invariants: a request's values hold
 * no NUL, CR or LF and are bounded, counts stay within the limits, and
 * feeding the same bytes in one piece gives the same requests. When the
 * first byte is odd the input is repeated 24 times, so inputs short enough
 * for -max_len still reach the line, attribute and size limits.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../policy/pol_proto.h"

/* Parses data (split at cut); writes a digest of requests into out; returns the count. */
static size_t
parse_all(const char *data, size_t len, size_t cut, unsigned long *digest)
{
	struct pol_parser p;
	size_t off = 0, n = 0, end, used, i;
	const struct pol_request *r;

	pol_proto_init(&p);
	*digest = 0;
	while (off < len) {
		end = off < cut ? cut : len;
		used = pol_proto_feed(&p, data + off, end - off);
		if (used > end - off)
			abort();
		off += used;
		if (pol_proto_state(&p) == POL_ERROR)
			break;
		if (pol_proto_state(&p) == POL_READY) {
			r = pol_proto_request(&p);
			if (r == NULL || r->nattr > POL_ATTR_MAX)
				abort();
			for (i = 0; i < POL_A_COUNT; i++) {
				if (strlen(r->v[i]) != r->len[i] || r->len[i] >= POL_LINE_MAX ||
				    strpbrk(r->v[i], "\r\n") != NULL)
					abort();
				*digest = *digest * 31 + r->len[i];
			}
			n++;
			pol_proto_reset(&p);
		} else if (used == 0) {
			abort(); /* MORE must use everything it was given */
		}
	}
	*digest = *digest * 7 + (unsigned long)pol_proto_error(&p);
	pol_proto_free(&p);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long d1, d2;
	size_t cut, n1, n2, len = size, i;
	char *buf;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		len = size * 24;
	buf = malloc(len);
	if (buf == NULL)
		return 0;
	for (i = 0; i < len; i += size)
		memcpy(buf + i, data, size);
	cut = (data[0] * size) % len;
	n1 = parse_all(buf, len, cut, &d1);
	n2 = parse_all(buf, len, 0, &d2);
	free(buf);
	if (n1 != n2 || d1 != d2)
		abort();
	return 0;
}
