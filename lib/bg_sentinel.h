/*
 * bg_sentinel.h - finding the Redis master through Sentinel, and checking a master's role.
 *
 * The sentinels are asked in turn, each with a deadline of timeout_ms on
 * connect and on every command (synchronous hiredis), for
 * SENTINEL get-master-addr-by-name; the first well-formed answer wins.
 * Every reply is bounded and checked before use: a malformed one counts as
 * that sentinel failing. What a sentinel says is never trusted alone: after
 * connecting to the address it named, the caller checks ROLE (a sentinel
 * cut off from the others may still name the old master, now a replica).
 * The pure parsers are exported for the asynchronous client and the tests.
 *
 * DIAGNOSTICS: NULL or -1 with a static reason in *why. The module never logs.
 */
#ifndef BG_SENTINEL_H
#define BG_SENTINEL_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define BG_SENTINEL_MAX      16                         /* sentinels in a configuration */
#define BG_SENTINEL_HOST_MAX 255                        /* bytes of a host name in a sentinel's answer */
#define BG_SENTINEL_ADDR_MAX (BG_SENTINEL_HOST_MAX + 9) /* "[host]:65535" and NUL */

/* Where the sentinels are and how to talk to them; every pointer stays the caller's. */
struct bg_sentinel_conf {
	const char *const *sentinels; /* "host:port" or "[v6]:port" each */
	size_t n;
	const char *master_name;
	const char *user;     /* AUTH user for the sentinels; NULL: default user */
	const char *password; /* NULL: no AUTH */
	long timeout_ms;
};

/*
 * Asks the sentinels in turn, starting with *start (the one that answered
 * last time; updated), for the master's address. Returns "host:port"
 * ("[v6]:port") in buf, or -1 with *why when none gave a usable answer.
 */
int bg_sentinel_master(const struct bg_sentinel_conf *sc, size_t *start, char buf[BG_SENTINEL_ADDR_MAX],
                       const char **why);

/*
 * Reads a get-master-addr-by-name reply: two strings, a host of 1 to
 * BG_SENTINEL_HOST_MAX bytes with no space, colon only for IPv6, and a port
 * 1..65535. Writes "host:port" or "[v6]:port" into buf; 0, or -1 with *why.
 */
int bg_sentinel_parse_master(const redisReply *reply, char buf[BG_SENTINEL_ADDR_MAX], const char **why);

/* Reads a ROLE reply: true only for an array whose first element is the string "master". */
bool bg_sentinel_role_is_master(const redisReply *reply);

/* Runs ROLE on c (connected, with its deadline). Returns 0 for a master, or -1 with *why. */
int bg_sentinel_check_role(redisContext *c, const char **why);

/* Runs AUTH on c with user (NULL: the default user) and password. Returns 0, or -1 with *why (never the password). */
int bg_sentinel_auth(redisContext *c, const char *user, const char *password, const char **why);

#endif
