/*
 * test_cluster.c - Redis Cluster's pure parts (bg_cluster_slot) and the client's refusals (bg_cluster).
 *
 * Key slots against the specification's vectors and values redis-server's
 * CLUSTER KEYSLOT gave; MOVED and ASK replies, good and malformed, tabled;
 * slot maps built from CLUSTER SLOTS replies written as RESP text and read
 * by hiredis's own reader (Redis 7's four-element nodes, empty and unknown
 * hosts, holes, and every malformed shape refused whole); the client
 * refusing cross-slot commands and transactions before sending anything.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bg_cluster.h"
#include "bg_cluster_slot.h"

/* Key slots: the CRC16 vector, then values from redis-server 7.0 CLUSTER KEYSLOT. */
static void
test_slots(void **state)
{
	assert_int_equal(bg_cluster_crc16("123456789", 9), 0x31C3);
	assert_int_equal(bg_cluster_key_slot("123456789", 9), 12739);
	assert_int_equal(bg_cluster_key_slot("foo", 3), 12182);
	assert_int_equal(bg_cluster_key_slot("bar", 3), 5061);
	assert_int_equal(bg_cluster_key_slot("hello", 5), 866);
	assert_int_equal(bg_cluster_key_slot("", 0), 0);
	assert_int_equal(bg_cluster_key_slot("bg:rcpt:alice@example.com", 25), 14900);
	assert_int_equal(bg_cluster_key_slot("a\0b", 3), 8383);
}

/* Hash tags exactly as the specification: first '{', next '}', not empty. */
static void
test_tags(void **state)
{
	unsigned user = bg_cluster_key_slot("user1000", 8);

	assert_int_equal(user, 3443);
	assert_int_equal(bg_cluster_key_slot("{user1000}.following", 20), user);
	assert_int_equal(bg_cluster_key_slot("{user1000}.followers", 20), user);
	/* empty tag: the whole key */
	assert_int_equal(bg_cluster_key_slot("foo{}{bar}", 10), 8363);
	assert_int_not_equal(bg_cluster_key_slot("foo{}{bar}", 10), bg_cluster_key_slot("bar", 3));
	/* first '{' to next '}': the tag is "{bar" */
	assert_int_equal(bg_cluster_key_slot("foo{{bar}}zap", 13), 4015);
	assert_int_equal(bg_cluster_key_slot("foo{{bar}}zap", 13), bg_cluster_key_slot("{bar", 4));
	/* only the first tag counts */
	assert_int_equal(bg_cluster_key_slot("foo{bar}{zap}", 13), 5061);
	/* no closing brace: the whole key */
	assert_int_equal(bg_cluster_key_slot("foo{bar", 7), bg_cluster_crc16("foo{bar", 7) % 16384);
	assert_int_equal(bg_cluster_key_slot("}{", 2), bg_cluster_crc16("}{", 2) % 16384);
	/* the tag ends at len: a brace past it does not count */
	assert_int_equal(bg_cluster_key_slot("x{ab}", 4), bg_cluster_crc16("x{ab", 4) % 16384);
}

struct redirect_case {
	const char *text;
	enum bg_cluster_redirect_kind kind;
	unsigned slot;
	const char *host;
	int port;
};

/* clang-format off */
static const struct redirect_case redirects[] = {
	{"MOVED 3999 127.0.0.1:6381", BG_CLUSTER_MOVED, 3999, "127.0.0.1", 6381},
	{"-MOVED 3999 127.0.0.1:6381", BG_CLUSTER_MOVED, 3999, "127.0.0.1", 6381},
	{"ASK 3999 127.0.0.1:6381", BG_CLUSTER_ASK, 3999, "127.0.0.1", 6381},
	{"MOVED 0 10.0.0.1:1", BG_CLUSTER_MOVED, 0, "10.0.0.1", 1},
	{"MOVED 16383 h:65535", BG_CLUSTER_MOVED, 16383, "h", 65535},
	{"MOVED 7 ::1:6380", BG_CLUSTER_MOVED, 7, "::1", 6380},
	{"MOVED 7 2001:db8::17:7000", BG_CLUSTER_MOVED, 7, "2001:db8::17", 7000},
	{"ASK 7 [2001:db8::17]:7000", BG_CLUSTER_ASK, 7, "2001:db8::17", 7000},
	{"MOVED 7 fe80::1%eth0:7000", BG_CLUSTER_MOVED, 7, "fe80::1%eth0", 7000},
	{"MOVED 7 :6380", BG_CLUSTER_MOVED, 7, "", 6380},
	{"ASK 7 :6380", BG_CLUSTER_ASK, 7, "", 6380},
	{"MOVED 7 redis-1.example.net:6379", BG_CLUSTER_MOVED, 7, "redis-1.example.net", 6379},
	{"MOVED 16384 h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 123456 h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED -1 h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:0", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:65536", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:123456", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1  h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:1 ", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:1\n", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h:1x", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 ?:6379", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 h/x:6379", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 []:6379", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1 [::1:6379", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED 1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED ", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"ASK  1 h:1", BG_CLUSTER_BAD_REDIRECT, 0, "", 0},
	{"MOVED", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"MOVEDX 1 h:1", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"ASKING", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"moved 1 h:1", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"ERR unknown command", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"CLUSTERDOWN The cluster is down", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
	{"", BG_CLUSTER_NOT_REDIRECT, 0, "", 0},
};
/* clang-format on */

#define NREDIRECTS (sizeof(redirects) / sizeof(redirects[0]))

/* One MOVED/ASK case, parsed from an exact-size copy (no NUL to lean on). */
static void
test_redirect(void **state)
{
	const struct redirect_case *t = *state;
	size_t len = strlen(t->text);
	char *copy = malloc(len ? len : 1);
	struct bg_cluster_redirect rd;

	memcpy(copy, t->text, len);
	memset(&rd, 0x5a, sizeof(rd));
	assert_int_equal(bg_cluster_redirect_parse(copy, len, &rd), t->kind);
	if (t->kind == BG_CLUSTER_MOVED || t->kind == BG_CLUSTER_ASK) {
		assert_int_equal(rd.slot, t->slot);
		assert_string_equal(rd.to.host, t->host);
		assert_int_equal(rd.to.port, t->port);
	}
	free(copy);
}

/* A host of n 'a's as a redirect: 255 is the longest accepted. */
static void
test_redirect_long_host(void **state)
{
	char text[400];
	struct bg_cluster_redirect rd;

	for (int n = 254; n <= 257; n++) {
		size_t len = 8;

		memcpy(text, "MOVED 1 ", len);
		memset(text + len, 'a', (size_t)n);
		len += (size_t)n;
		memcpy(text + len, ":1", 2);
		len += 2;
		assert_int_equal(bg_cluster_redirect_parse(text, len, &rd),
		                 n <= BG_CLUSTER_HOST_MAX ? BG_CLUSTER_MOVED : BG_CLUSTER_BAD_REDIRECT);
	}
}

/* Reads RESP text into a reply tree with hiredis's reader; the caller frees it. */
static redisReply *
resp(const char *text)
{
	redisReader *r = redisReaderCreate();
	void *reply = NULL;

	assert_non_null(r);
	assert_int_equal(redisReaderFeed(r, text, strlen(text)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	assert_non_null(reply);
	redisReaderFree(r);
	return reply;
}

/* Three masters with replicas, as redis-server 7.0 answers. */
static const char three_masters[] = "*3\r\n"
                                    "*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n:7000\r\n$4\r\nabcd\r\n*0\r\n"
                                    "*4\r\n$9\r\n127.0.0.1\r\n:7003\r\n$4\r\nabcd\r\n*0\r\n"
                                    "*4\r\n:5461\r\n:10922\r\n*4\r\n$9\r\n127.0.0.1\r\n:7001\r\n$4\r\nabcd\r\n*0\r\n"
                                    "*4\r\n$9\r\n127.0.0.1\r\n:7004\r\n$4\r\nabcd\r\n*0\r\n"
                                    "*3\r\n:10923\r\n:16383\r\n*3\r\n$3\r\n::1\r\n:7002\r\n$4\r\nabcd\r\n";

/* Builds a map from RESP text; returns build's status, the map in *m. */
static int
build(const char *text, struct bg_cluster_map *m, const char **err)
{
	redisReply *r = resp(text);
	int rc = bg_cluster_map_build(m, r, "10.9.9.9", err);

	freeReplyObject(r);
	return rc;
}

/* The owner of slot as "host:port", "" for none. */
static const char *
owner(const struct bg_cluster_map *m, unsigned slot)
{
	static char buf[BG_CLUSTER_ADDR_MAX];
	const struct bg_cluster_node_addr *a = bg_cluster_map_owner(m, slot);

	buf[0] = '\0';
	if (a != NULL)
		bg_cluster_addr_format(buf, a);
	return buf;
}

/* A well-formed map: every range to its master, replicas ignored, IPv6 bracketed. */
static void
test_map_good(void **state)
{
	struct bg_cluster_map *m = malloc(sizeof(*m));
	const char *err = NULL;

	assert_int_equal(build(three_masters, m, &err), 0);
	assert_int_equal(m->nnodes, 3);
	assert_string_equal(owner(m, 0), "127.0.0.1:7000");
	assert_string_equal(owner(m, 5460), "127.0.0.1:7000");
	assert_string_equal(owner(m, 5461), "127.0.0.1:7001");
	assert_string_equal(owner(m, 10922), "127.0.0.1:7001");
	assert_string_equal(owner(m, 10923), "[::1]:7002");
	assert_string_equal(owner(m, 16383), "[::1]:7002");
	assert_string_equal(owner(m, 16384), "");
	/* several ranges of one master share its node; a hole stays unserved; an empty host is the asked node */
	assert_int_equal(build("*3\r\n*3\r\n:0\r\n:9\r\n*2\r\n$1\r\na\r\n:1\r\n"
	                       "*3\r\n:20\r\n:29\r\n*2\r\n$1\r\na\r\n:1\r\n"
	                       "*3\r\n:30\r\n:30\r\n*2\r\n$0\r\n\r\n:2\r\n",
	                       m, &err),
	                 0);
	assert_int_equal(m->nnodes, 2);
	assert_string_equal(owner(m, 9), "a:1");
	assert_string_equal(owner(m, 10), "");
	assert_string_equal(owner(m, 20), "a:1");
	assert_string_equal(owner(m, 30), "10.9.9.9:2");
	/* Redis 7 with no host name to announce: "?" leaves its slots unserved */
	assert_int_equal(
	    build("*2\r\n*3\r\n:0\r\n:9\r\n*2\r\n$1\r\n?\r\n:1\r\n*3\r\n:10\r\n:10\r\n*2\r\n$1\r\nb\r\n:1\r\n", m,
	          &err),
	    0);
	assert_string_equal(owner(m, 0), "");
	assert_string_equal(owner(m, 10), "b:1");
	/* no slots at all */
	assert_int_equal(build("*0\r\n", m, &err), 0);
	assert_int_equal(m->nnodes, 0);
	free(m);
}

/* Malformed CLUSTER SLOTS replies: each refused whole, the map left empty. */
static void
test_map_bad(void **state)
{
	static const char *bad[] = {
	    "-ERR This instance has cluster support disabled\r\n",
	    "+OK\r\n",
	    ":1\r\n",
	    "$-1\r\n",
	    "*1\r\n:1\r\n",
	    "*1\r\n*2\r\n:0\r\n:1\r\n",
	    "*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n:-1\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n$1\r\n0\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*1\r\n$1\r\na\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n$1\r\na\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n$-1\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n:1\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:0\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:65536\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n$4\r\n6379\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$3\r\na b\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:3\r\n*2\r\n$-1\r\n:1\r\n",
	    "*2\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n*3\r\n:3\r\n:4\r\n*2\r\n$1\r\nb\r\n:1\r\n",
	    "*2\r\n*3\r\n:0\r\n:3\r\n*2\r\n$1\r\na\r\n:1\r\n$-1\r\n",
	};
	struct bg_cluster_map *m = malloc(sizeof(*m));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = NULL;

		print_message("# malformed reply %zu\n", i);
		assert_int_equal(build(bad[i], m, &err), -1);
		assert_non_null(err);
		assert_int_equal(m->nnodes, 0);
		for (unsigned s = 0; s < BG_CLUSTER_SLOTS; s++)
			assert_int_equal(m->owner[s], 0);
	}
	{
		const char *err = NULL;

		assert_int_equal(bg_cluster_map_build(m, NULL, "h", &err), -1);
		assert_non_null(err);
	}
	free(m);
}

/* Writes a reply of n one-slot masters, each its own port; returns it (caller frees). */
static char *
many_masters(int n)
{
	size_t cap = (size_t)n * 64 + 16;
	char *text = malloc(cap);
	size_t len = (size_t)snprintf(text, cap, "*%d\r\n", n);

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "*3\r\n:%d\r\n:%d\r\n*2\r\n$1\r\nh\r\n:%d\r\n", i, i,
		                        1000 + i);
	return text;
}

/* Bounded: BG_CLUSTER_MAX_NODES masters fit, one more is refused; a host over 255 bytes too. */
static void
test_map_bounds(void **state)
{
	struct bg_cluster_map *m = malloc(sizeof(*m));
	char *text = many_masters(BG_CLUSTER_MAX_NODES);
	const char *err = NULL;
	char host[300];

	assert_int_equal(build(text, m, &err), 0);
	assert_int_equal(m->nnodes, BG_CLUSTER_MAX_NODES);
	assert_string_equal(owner(m, BG_CLUSTER_MAX_NODES - 1), "h:1127");
	assert_int_equal(bg_cluster_map_node(m, "h", 2000), -1);
	assert_int_equal(bg_cluster_map_node(m, "h", 1005), 5);
	free(text);
	text = many_masters(BG_CLUSTER_MAX_NODES + 1);
	assert_int_equal(build(text, m, &err), -1);
	assert_string_equal(err, "CLUSTER SLOTS: more masters than the client keeps");
	free(text);
	for (int n = 255; n <= 256; n++) {
		memset(host, 'a', (size_t)n);
		snprintf(host + n, sizeof(host) - (size_t)n, "\r\n:1\r\n");
		text = malloc(600);
		snprintf(text, 600, "*1\r\n*3\r\n:0\r\n:0\r\n*2\r\n$%d\r\n%s", n, host);
		assert_int_equal(build(text, m, &err), n <= BG_CLUSTER_HOST_MAX ? 0 : -1);
		free(text);
	}
	assert_int_equal(bg_cluster_map_node(m, "", 1), -1);
	free(m);
}

/* Slot tags: every slot has one, short, and a key carrying it in braces lands in that slot. */
static void
test_slot_tags(void **state)
{
	static char tags[BG_CLUSTER_SLOTS][BG_CLUSTER_TAG_MAX];
	char key[64];

	bg_cluster_slot_tags(tags);
	for (unsigned s = 0; s < BG_CLUSTER_SLOTS; s++) {
		size_t len = strnlen(tags[s], BG_CLUSTER_TAG_MAX);

		assert_in_range(len, 1, BG_CLUSTER_TAG_MAX - 1);
		assert_int_equal(bg_cluster_key_slot(tags[s], len), s);
		snprintf(key, sizeof(key), "bg:audit:{%s}", tags[s]);
		assert_int_equal(bg_cluster_key_slot(key, strlen(key)), s);
	}
	/* the audit part for a recipient shares its slot */
	snprintf(key, sizeof(key), "bg:audit:{%s}", tags[14900]);
	assert_int_equal(bg_cluster_key_slot(key, strlen(key)), bg_cluster_key_slot("bg:rcpt:alice@example.com", 25));
}

/* bg_cluster_same_slot: tags make keys share a slot; none given is no slot. */
static void
test_same_slot(void **state)
{
	const char *same[] = {"bg:pol:{acme}:rate", "bg:pol:{acme}:day", "{acme}"};
	const char *apart[] = {"bg:rcpt:a@example.com", "bg:audit"};

	assert_int_equal(bg_cluster_same_slot(3, same, NULL), (int)bg_cluster_key_slot("acme", 4));
	assert_int_equal(bg_cluster_same_slot(2, apart, NULL), -1);
	assert_int_equal(bg_cluster_same_slot(0, same, NULL), -1);
}

/* Cross-slot commands and transactions are refused before anything is sent (no server listens). */
static void
test_refusals(void **state)
{
	const char *seeds[] = {"127.0.0.1:1"};
	const char *err = NULL;
	struct bg_cluster *c = bg_cluster_new(seeds, 1, &(struct bg_redis_conf){.timeout_ms = 200}, &err);
	struct bg_cluster_pipe *p = bg_cluster_pipe_new(c);
	const char *del[] = {"DEL", "bg:rcpt:a@example.com", "bg:audit"};
	const char *hset[] = {"HSET", "bg:rcpt:a@example.com", "suppress", "manual"};
	const char *xadd[] = {"XADD", "bg:audit", "*", "k", "v"};
	const char *ping[] = {"PING"};

	assert_non_null(c);
	assert_int_equal(bg_cluster_pipe_add(p, 3, del, NULL, 1, 2), -1);
	assert_int_equal(bg_cluster_pipe_add(p, 1, ping, NULL, 0, 0), -1);
	assert_int_equal(bg_cluster_pipe_add(p, 4, hset, NULL, 1, 4), -1);
	assert_int_equal(bg_cluster_pipe_multi(p), 0);
	assert_int_equal(bg_cluster_pipe_multi(p), -1);
	assert_int_equal(bg_cluster_pipe_add(p, 4, hset, NULL, 1, 1), 0);
	assert_int_equal(bg_cluster_pipe_add(p, 5, xadd, NULL, 1, 1), -1);
	assert_int_equal(bg_cluster_pipe_exec(p), -1);
	assert_int_equal(bg_cluster_pipe_exec(p), -1);
	assert_int_equal(bg_cluster_pipe_count(p), 7);
	assert_int_equal(bg_cluster_pipe_run(p), -1);
	assert_non_null(strstr(bg_cluster_pipe_error(p, 0), "CROSSSLOT"));
	assert_string_equal(bg_cluster_pipe_error(p, 1), "no key to route the command by");
	assert_string_equal(bg_cluster_pipe_error(p, 2), "key position outside the command");
	for (size_t i = 3; i < 7; i++) {
		assert_null(bg_cluster_pipe_reply(p, i));
		assert_non_null(strstr(bg_cluster_pipe_error(p, i), "CROSSSLOT: keys of one transaction"));
	}
	/* the refusal is what is reported, not a connection error: nothing was sent */
	assert_non_null(strstr(bg_cluster_error(c), "CROSSSLOT"));
	bg_cluster_pipe_free(p);
	/* a transaction without a key is refused too */
	p = bg_cluster_pipe_new(c);
	assert_int_equal(bg_cluster_pipe_multi(p), 0);
	assert_int_equal(bg_cluster_pipe_add(p, 1, ping, NULL, 0, 0), 0);
	assert_int_equal(bg_cluster_pipe_exec(p), -1);
	assert_string_equal(bg_cluster_pipe_error(p, 1), "transaction without a key to route it by");
	bg_cluster_pipe_free(p);
	/* a routable command meets the dead seed: an error, no reply, no crash */
	assert_null(bg_cluster_command(c, 4, hset, NULL, 1, 1));
	assert_non_null(strstr(bg_cluster_error(c), "127.0.0.1:1"));
	bg_cluster_free(c);
}

/* Seeds: host:port or [v6]:port, 1 to 32 of them. */
static void
test_seeds(void **state)
{
	const char *good[] = {"127.0.0.1:7000", "[::1]:7001", "redis-1.example:7002"};
	const char *bad[] = {"unix:/tmp/redis.sock", "127.0.0.1", ":7000", "h:0"};
	const char *many[BG_CLUSTER_MAX_SEEDS + 1];
	const char *err = NULL;
	struct bg_cluster *c;
	struct bg_redis_conf t100 = {.timeout_ms = 100}, db1 = {.timeout_ms = 100, .db = 1};

	c = bg_cluster_new(good, 3, &t100, &err);
	assert_non_null(c);
	bg_cluster_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		assert_null(bg_cluster_new(&bad[i], 1, &t100, &err));
		assert_non_null(err);
	}
	for (size_t i = 0; i < BG_CLUSTER_MAX_SEEDS + 1; i++)
		many[i] = "127.0.0.1:7000";
	assert_null(bg_cluster_new(many, BG_CLUSTER_MAX_SEEDS + 1, &t100, &err));
	assert_null(bg_cluster_new(many, 0, &t100, &err));
	err = NULL;
	assert_null(bg_cluster_new(good, 1, &db1, &err)); /* a Cluster has no SELECT */
	assert_non_null(strstr(err, "db must be 0"));
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NREDIRECTS][80];
	static struct CMUnitTest tests[NREDIRECTS + 16];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest){"key slots", test_slots, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"hash tags", test_tags, NULL, NULL, NULL};
	for (size_t i = 0; i < NREDIRECTS; i++) {
		snprintf(names[i], sizeof(names[i]), "redirect \"%s\"", redirects[i].text);
		for (char *p = names[i]; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = '?';
		tests[n++] = (struct CMUnitTest){names[i], test_redirect, NULL, NULL, (void *)&redirects[i]};
	}
	tests[n++] = (struct CMUnitTest){"redirect host length", test_redirect_long_host, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"slot map from CLUSTER SLOTS", test_map_good, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"malformed CLUSTER SLOTS refused", test_map_bad, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"slot map bounds", test_map_bounds, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"slot tags", test_slot_tags, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"same slot", test_same_slot, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"cross-slot refused, never sent", test_refusals, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"seeds", test_seeds, NULL, NULL, NULL};
	return _cmocka_run_group_tests("bg_cluster", tests, n, NULL, NULL);
}
