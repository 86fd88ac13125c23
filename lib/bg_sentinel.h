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

#include "bg_config.h"

#define BG_SENTINEL_MAX      16                         /* sentinels in a configuration */
#define BG_SENTINEL_HOST_MAX 255                        /* bytes of a host name in a sentinel's answer */
#define BG_SENTINEL_ADDR_MAX (BG_SENTINEL_HOST_MAX + 9) /* "[host]:65535" and NUL */

struct bg_sentinel;

/*
 * Makes a handle for conf's sentinels, master_name, sentinel_user,
 * sentinel_password and timeout_ms (copied), or NULL when conf lists no
 * sentinel. The caller frees it with bg_sentinel_free.
 */
struct bg_sentinel *bg_sentinel_new(const struct bg_redis_conf *conf);

/* Frees s, overwriting the password; NULL is fine. */
void bg_sentinel_free(struct bg_sentinel *s);

/*
 * Asks the sentinels in turn, starting with the one that answered last
 * time, for the master's address. Returns 0 with "host:port" ("[v6]:port")
 * in buf, or -1 with *why when none gave a usable answer. At most about
 * two timeouts per sentinel.
 */
int bg_sentinel_master(struct bg_sentinel *s, char buf[BG_SENTINEL_ADDR_MAX], const char **why);

/*
 * Returns the address of the k-th sentinel to ask (0: the one that answered
 * last), owned by s; for a client that asks them itself (policyd's, without blocking).
 */
const char *bg_sentinel_nth(const struct bg_sentinel *s, size_t k);

/* Notes that the k-th sentinel (as bg_sentinel_nth counts) answered: it is asked first next time. */
void bg_sentinel_answered(struct bg_sentinel *s, size_t k);

/* The master's name, the AUTH user (NULL: default) and password (NULL: no AUTH), owned by s. */
const char *bg_sentinel_master_name(const struct bg_sentinel *s);
const char *bg_sentinel_user(const struct bg_sentinel *s);
const char *bg_sentinel_password(const struct bg_sentinel *s);

/* Returns how many sentinels s asks. */
size_t bg_sentinel_count(const struct bg_sentinel *s);

/*
 * Makes the next bg_sentinel_master start with the sentinel after the one
 * that answered last: its answer led to a node that is down or no master.
 */
void bg_sentinel_distrust(struct bg_sentinel *s);

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
