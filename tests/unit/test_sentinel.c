/*
 * test_sentinel.c - Sentinel's pure parts: the master's address and ROLE.
 *
 * get-master-addr-by-name and ROLE replies written as RESP text (as
 * redis-server 7.0 and its sentinel send them) and read by hiredis's own
 * reader: good answers give "host:port" or "[v6]:port"; every malformed
 * shape, an unknown name (nil), overlong or hostile hosts and bad ports are
 * refused; only a ROLE whose first word is "master" is a master.
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

#include "bg_sentinel.h"

/* Reads one reply from RESP text; the caller frees it. */
static redisReply *
resp(const char *text)
{
	redisReader *r = redisReaderCreate();
	void *reply = NULL;

	assert_int_equal(redisReaderFeed(r, text, strlen(text)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	assert_non_null(reply);
	redisReaderFree(r);
	return reply;
}

/* Well-formed answers, as a sentinel sends them. */
static void
test_master_good(void **state)
{
	static const struct {
		const char *text, *want;
	} good[] = {
	    {"*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n", "127.0.0.1:6380"},
	    {"*2\r\n$3\r\n::1\r\n$5\r\n65535\r\n", "[::1]:65535"},
	    {"*2\r\n$15\r\nredis-a.example\r\n$1\r\n1\r\n", "redis-a.example:1"},
	};
	char buf[BG_SENTINEL_ADDR_MAX];
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		redisReply *r = resp(good[i].text);

		assert_int_equal(bg_sentinel_parse_master(r, buf, &why), 0);
		assert_string_equal(buf, good[i].want);
		freeReplyObject(r);
	}
}

/* Every other shape is refused, with a reason. */
static void
test_master_bad(void **state)
{
	static const char *bad[] = {
	    "$-1\r\n",                                            /* unknown master name */
	    "*-1\r\n",                                            /* nil array */
	    "*0\r\n",                                             /* empty */
	    "*1\r\n$9\r\n127.0.0.1\r\n",                          /* no port */
	    "*3\r\n$9\r\n127.0.0.1\r\n$4\r\n6380\r\n$1\r\nx\r\n", /* too many */
	    "*2\r\n$0\r\n\r\n$4\r\n6380\r\n",                     /* empty host */
	    "*2\r\n$9\r\n127.0.0.1\r\n$0\r\n\r\n",                /* empty port */
	    "*2\r\n$9\r\n127.0.0.1\r\n$1\r\n0\r\n",               /* port 0 */
	    "*2\r\n$9\r\n127.0.0.1\r\n$5\r\n65536\r\n",           /* port too big */
	    "*2\r\n$9\r\n127.0.0.1\r\n$6\r\n006380\r\n",          /* too many digits */
	    "*2\r\n$9\r\n127.0.0.1\r\n$5\r\n63 80\r\n",           /* not digits */
	    "*2\r\n$9\r\n127.0.0.1\r\n$2\r\n-1\r\n",              /* negative */
	    "*2\r\n$9\r\n127.0.0.1\r\n:6380\r\n",                 /* integer, not string */
	    "*2\r\n:1\r\n$4\r\n6380\r\n",                         /* integer host */
	    "*2\r\n$7\r\n1.2 3.4\r\n$4\r\n6380\r\n",              /* space in host */
	    "*2\r\n$7\r\n1.2\n3.4\r\n$4\r\n6380\r\n",             /* newline in host */
	    "*2\r\n$5\r\n[::1]\r\n$4\r\n6380\r\n",                /* brackets */
	    "+OK\r\n",                                            /* status */
	    "-ERR nope\r\n",                                      /* error */
	};
	char buf[BG_SENTINEL_ADDR_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		redisReader *rd = redisReaderCreate();
		void *r = NULL;
		const char *why = NULL;

		redisReaderFeed(rd, bad[i], strlen(bad[i]));
		if (redisReaderGetReply(rd, &r) == REDIS_OK && r != NULL) {
			assert_int_equal(bg_sentinel_parse_master(r, buf, &why), -1);
			assert_non_null(why);
			freeReplyObject(r);
		}
		redisReaderFree(rd);
	}
	{
		const char *why = NULL;
		assert_int_equal(bg_sentinel_parse_master(NULL, buf, &why), -1);
		assert_non_null(why);
	}
}

/* A host of BG_SENTINEL_HOST_MAX bytes fits; one byte more is refused. */
static void
test_master_long_host(void **state)
{
	char text[BG_SENTINEL_HOST_MAX + 64], buf[BG_SENTINEL_ADDR_MAX];
	char host[BG_SENTINEL_HOST_MAX + 2];
	const char *why = NULL;
	redisReply *r;

	for (size_t len = BG_SENTINEL_HOST_MAX; len <= BG_SENTINEL_HOST_MAX + 1; len++) {
		memset(host, 'a', len);
		host[len] = '\0';
		snprintf(text, sizeof(text), "*2\r\n$%zu\r\n%s\r\n$5\r\n65535\r\n", len, host);
		r = resp(text);
		assert_int_equal(bg_sentinel_parse_master(r, buf, &why), len == BG_SENTINEL_HOST_MAX ? 0 : -1);
		if (len == BG_SENTINEL_HOST_MAX)
			assert_int_equal(strlen(buf), BG_SENTINEL_HOST_MAX + 6);
		freeReplyObject(r);
	}
}

/* ROLE: a master's answer and a replica's, as redis-server 7.0 sends them, and odd shapes. */
static void
test_role(void **state)
{
	static const struct {
		const char *text;
		bool master;
	} roles[] = {
	    {"*3\r\n$6\r\nmaster\r\n:3129659\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9001\r\n$7\r\n3129242\r\n", true},
	    {"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", true},
	    {"*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:9000\r\n$9\r\nconnected\r\n:3167038\r\n", false},
	    {"*2\r\n$8\r\nsentinel\r\n*1\r\n$9\r\nbulkguard\r\n", false},
	    {"*1\r\n$7\r\nmaster2\r\n", false},
	    {"*1\r\n$5\r\nmaste\r\n", false},
	    {"*1\r\n+master\r\n", false},
	    {"$6\r\nmaster\r\n", false},
	    {"*0\r\n", false},
	    {"-NOPERM this user has no permissions to run the 'role' command\r\n", false},
	};

	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		redisReply *r = resp(roles[i].text);

		assert_int_equal(bg_sentinel_role_is_master(r), roles[i].master);
		freeReplyObject(r);
	}
	assert_false(bg_sentinel_role_is_master(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_master_good),
	    cmocka_unit_test(test_master_bad),
	    cmocka_unit_test(test_master_long_host),
	    cmocka_unit_test(test_role),
	};

	return cmocka_run_group_tests_name("bg_sentinel", tests, NULL, NULL);
}
