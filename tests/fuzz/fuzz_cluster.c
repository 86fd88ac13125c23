/*
 * fuzz_cluster.c - libFuzzer target for the Redis Cluster parsers (bg_cluster_slot).
 *
 * The input is read three ways: as the text of an error reply
 * (bg_cluster_redirect_parse), as RESP bytes whose replies, read by
 * hiredis's own reader, go to the slot-map builder (bg_cluster_map_build),
 * and as a key (bg_cluster_key_slot). Aborts when an invariant breaks: a
 * redirect's slot, port or host out of bounds; a built map naming a node it
 * does not hold, an empty or over-long host, a duplicate node; a refused map
 * that is not left empty. Inputs announcing arrays of more than 100,000
 * elements are skipped (hiredis would allocate them before reading any).
 * Build:
 *   clang -fsanitize=fuzzer,address,undefined -I. -Ilib lib/bg_cluster_slot.c \
 *       tests/fuzz/fuzz_cluster.c -lhiredis
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_cluster_slot.h"

#define MAX_ANNOUNCED 100000 /* array length announced in the input */
#define MAX_REPLIES   16     /* replies read from one input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_cluster: %s\n", what);
	abort();
}

/* Checks a host as the parsers promise it: bounded, terminated, no space or control byte. */
static void
check_host(const char *host, int may_be_empty)
{
	size_t len = strnlen(host, BG_CLUSTER_HOST_MAX + 1);

	if (len > BG_CLUSTER_HOST_MAX)
		fail("host over its limit");
	if (len == 0 && !may_be_empty)
		fail("empty host");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)host[i] <= ' ' || (unsigned char)host[i] >= 0x7f || host[i] == '[' || host[i] == ']')
			fail("host with a byte it may not hold");
}

/* Parses data as an error reply and checks a redirect's fields. */
static void
run_redirect(const char *text, size_t len)
{
	struct bg_cluster_redirect rd;

	switch (bg_cluster_redirect_parse(text, len, &rd)) {
	case BG_CLUSTER_MOVED:
	case BG_CLUSTER_ASK:
		if (rd.slot >= BG_CLUSTER_SLOTS)
			fail("redirect slot out of range");
		if (rd.to.port < 1 || rd.to.port > 65535)
			fail("redirect port out of range");
		check_host(rd.to.host, 1);
		break;
	case BG_CLUSTER_NOT_REDIRECT:
	case BG_CLUSTER_BAD_REDIRECT: break;
	default: fail("unknown redirect kind");
	}
}

/* Checks a map the builder accepted, or its emptiness after a refusal. */
static void
check_map(const struct bg_cluster_map *m, int rc, const char *err)
{
	char a[BG_CLUSTER_ADDR_MAX], b[BG_CLUSTER_ADDR_MAX];

	if (rc < 0 && (err == NULL || m->nnodes != 0))
		fail("refused map without an error or not emptied");
	if (m->nnodes > BG_CLUSTER_MAX_NODES)
		fail("more nodes than the limit");
	for (size_t s = 0; s < BG_CLUSTER_SLOTS; s++)
		if (m->owner[s] > m->nnodes || (rc < 0 && m->owner[s] != 0))
			fail("slot owned by a node the map does not hold");
	for (size_t i = 0; i < m->nnodes; i++) {
		check_host(m->node[i].host, 0);
		if (m->node[i].port < 1 || m->node[i].port > 65535)
			fail("node port out of range");
		bg_cluster_addr_format(a, &m->node[i]);
		for (size_t j = 0; j < i; j++) {
			bg_cluster_addr_format(b, &m->node[j]);
			if (strcmp(a, b) == 0)
				fail("node listed twice");
		}
	}
}

/* True when the input announces an array longer than MAX_ANNOUNCED anywhere. */
static int
announces_huge_array(const char *p, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned long long n = 0;
		size_t j = i + 1;

		if (p[i] != '*')
			continue;
		while (j < size && p[j] >= '0' && p[j] <= '9' && n <= MAX_ANNOUNCED)
			n = n * 10 + (unsigned)(p[j++] - '0');
		if (n > MAX_ANNOUNCED)
			return 1;
	}
	return 0;
}

/* Reads data as RESP and builds a map from every reply it holds. */
static void
run_map(const char *p, size_t size, struct bg_cluster_map *m)
{
	redisReader *r;
	void *reply;

	if (announces_huge_array(p, size) || (r = redisReaderCreate()) == NULL)
		return;
	if (redisReaderFeed(r, p, size) == REDIS_OK) {
		for (int n = 0; n < MAX_REPLIES; n++) {
			const char *err = NULL;
			int rc;

			reply = NULL;
			if (redisReaderGetReply(r, &reply) != REDIS_OK || reply == NULL)
				break;
			rc = bg_cluster_map_build(m, reply, "192.0.2.1", &err);
			check_map(m, rc, err);
			if (((redisReply *)reply)->type == REDIS_REPLY_ERROR)
				run_redirect(((redisReply *)reply)->str, ((redisReply *)reply)->len);
			freeReplyObject(reply);
		}
	}
	redisReaderFree(r);
}

/* Runs every reading on an exact-size copy, so over-reads are caught. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bg_cluster_map map;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	run_redirect(copy, size);
	if (bg_cluster_key_slot(copy, size) >= BG_CLUSTER_SLOTS)
		fail("slot out of range");
	run_map(copy, size, &map);
	free(copy);
	return 0;
}
