/*
 * bg_cluster_pipe.c - commands routed by slot, one pipeline per node, redirects followed.
 *
 * A pipe is a list of units in the caller's order: a unit is one command, or
 * one transaction (MULTI, its commands, EXEC), and is what gets routed,
 * redirected and retried. Each round routes every pending unit to the node
 * of its slot (or of its ASK target), connects the nodes, appends each
 * node's units, writes every node's pipeline, then reads them node by node.
 * A unit moves on to the next round only when nothing of it ran: a MOVED, an
 * ASK, or a node that could not be connected; a reply that never came back
 * fails the unit and every later one on that node.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bg_cluster_int.h"
#include "bg_util.h"

/* One command, copied. */
struct cmd {
	int argc;
	char **argv; /* argv, argvlen and the bytes in one allocation */
	size_t *argvlen;
	redisReply *reply;
	char *error; /* why there is no reply */
};

enum unit_state { U_PENDING, U_DONE, U_FAILED };

/* One command or one transaction: what is routed and retried. */
struct unit {
	size_t first, n; /* commands first .. first+n-1 */
	int slot;        /* -1 while a transaction has seen no key */
	int txn;
	enum unit_state state;
	int asking; /* send ASKING first, to ask_to */
	struct bg_cluster_node_addr ask_to;
	unsigned redirects;
	int conn;      /* this round's connection, -1 for none */
	char why[200]; /* why it was refused, or last sent back to route again */
};

struct bg_cluster_pipe {
	struct bg_cluster *c;
	struct cmd *cmd;
	size_t ncmd, capcmd;
	struct unit *unit;
	size_t nunit, capunit;
	int open; /* a transaction is open: it is the last unit */
	int ran;
};

/* Per-round state of each connection. */
enum conn_state { C_UNUSED, C_READY, C_FAILED };

struct bg_cluster_pipe *
bg_cluster_pipe_new(struct bg_cluster *c)
{
	struct bg_cluster_pipe *p = bg_xcalloc(1, sizeof(*p));

	p->c = c;
	return p;
}

void
bg_cluster_pipe_free(struct bg_cluster_pipe *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ncmd; i++) {
		free(p->cmd[i].argv);
		if (p->cmd[i].reply != NULL)
			freeReplyObject(p->cmd[i].reply);
		free(p->cmd[i].error);
	}
	free(p->cmd);
	free(p->unit);
	free(p);
}

/* Appends a copy of the command to p's list; returns its index. */
static size_t
push_cmd(struct bg_cluster_pipe *p, int argc, const char **argv, const size_t *argvlen)
{
	size_t bytes = (size_t)argc * (sizeof(char *) + sizeof(size_t));
	struct cmd *k;
	char *data;

	if (p->ncmd == p->capcmd) {
		p->capcmd = p->capcmd ? p->capcmd * 2 : 16;
		p->cmd = bg_xreallocarray(p->cmd, p->capcmd, sizeof(*p->cmd));
	}
	k = &p->cmd[p->ncmd];
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < argc; i++)
		bytes += (argvlen != NULL ? argvlen[i] : strlen(argv[i])) + 1;
	k->argc = argc;
	k->argv = bg_xcalloc(1, bytes);
	k->argvlen = (size_t *)(k->argv + argc);
	data = (char *)(k->argvlen + argc);
	for (int i = 0; i < argc; i++) {
		k->argvlen[i] = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
		memcpy(data, argv[i], k->argvlen[i]);
		k->argv[i] = data;
		data += k->argvlen[i] + 1;
	}
	return p->ncmd++;
}

/* Starts a unit at command first; returns it. */
static struct unit *
push_unit(struct bg_cluster_pipe *p, size_t first, int slot, int txn)
{
	struct unit *u;

	if (p->nunit == p->capunit) {
		p->capunit = p->capunit ? p->capunit * 2 : 16;
		p->unit = bg_xreallocarray(p->unit, p->capunit, sizeof(*p->unit));
	}
	u = &p->unit[p->nunit++];
	memset(u, 0, sizeof(*u));
	u->first = first;
	u->n = 1;
	u->slot = slot;
	u->txn = txn;
	u->conn = -1;
	return u;
}

/* Drops every reply of u's commands. */
static void
clear_replies(struct bg_cluster_pipe *p, struct unit *u)
{
	for (size_t i = u->first; i < u->first + u->n; i++) {
		if (p->cmd[i].reply != NULL)
			freeReplyObject(p->cmd[i].reply);
		p->cmd[i].reply = NULL;
	}
}

/* Fails u for good: no replies, why as each command's error. */
static void
fail_unit(struct bg_cluster_pipe *p, struct unit *u, const char *why)
{
	clear_replies(p, u);
	for (size_t i = u->first; i < u->first + u->n; i++) {
		free(p->cmd[i].error);
		p->cmd[i].error = bg_xstrdup(why);
	}
	u->state = U_FAILED;
}

/* Sends u again next round (nothing of it ran), or fails it with why once the budget is spent. */
static void
retry(struct bg_cluster_pipe *p, struct unit *u, const char *why)
{
	char text[360];

	clear_replies(p, u);
	u->conn = -1;
	bg_strlcpy(u->why, why, sizeof(u->why));
	if (++u->redirects > BG_CLUSTER_MAX_REDIRECTS) {
		snprintf(text, sizeof(text), "%.300s (after %d redirects or retries)", why, BG_CLUSTER_MAX_REDIRECTS);
		fail_unit(p, u, text);
	}
}

/* Finds the slot of argv's keys into *slot; NULL, or why they cannot be routed (written in why). */
static const char *
key_slot(int argc, const char **argv, const size_t *argvlen, int key_first, int key_count, int *slot, char *why,
         size_t whylen)
{
	unsigned first = 0, s;

	*slot = -1;
	if (key_first < 0 || key_count < 0 || key_count > argc || key_first > argc - key_count)
		return bg_strlcpy(why, "key position outside the command", whylen), why;
	for (int i = key_first; i < key_first + key_count; i++) {
		s = bg_cluster_key_slot(argv[i], argvlen != NULL ? argvlen[i] : strlen(argv[i]));
		if (i == key_first)
			first = s;
		else if (s != first) {
			snprintf(why, whylen, "CROSSSLOT: keys of one %s in slots %u and %u, refused",
			         argc ? argv[0] : "", first, s);
			return why;
		}
		*slot = (int)first;
	}
	return NULL;
}

/* Adds command i to the open transaction u, checking its slot; NULL or why it is refused. */
static const char *
join_txn(struct unit *u, int slot, const char *why)
{
	u->n++;
	if (why == NULL && slot >= 0 && u->slot >= 0 && slot != u->slot) {
		snprintf(u->why, sizeof(u->why), "CROSSSLOT: keys of one transaction in slots %d and %d, refused",
		         u->slot, slot);
		return u->why;
	}
	if (why == NULL && slot >= 0)
		u->slot = slot;
	if (why != NULL && u->why[0] == '\0')
		bg_strlcpy(u->why, why, sizeof(u->why));
	return why;
}

int
bg_cluster_pipe_add(struct bg_cluster_pipe *p, int argc, const char **argv, const size_t *argvlen, int key_first,
                    int key_count)
{
	char buf[160];
	const char *why;
	struct unit *u;
	size_t i;
	int slot;

	if (p->ncmd >= BG_CLUSTER_PIPE_MAX) {
		bg_cluster_set_error(p->c, "more than %d commands in one pipe", BG_CLUSTER_PIPE_MAX);
		return -1;
	}
	why = key_slot(argc, argv, argvlen, key_first, key_count, &slot, buf, sizeof(buf));
	if (why == NULL && key_count == 0 && !p->open)
		why = "no key to route the command by";
	i = push_cmd(p, argc, argv, argvlen);
	if (p->open)
		return join_txn(&p->unit[p->nunit - 1], slot, why) == NULL ? 0 : -1;
	u = push_unit(p, i, slot, 0);
	if (why != NULL)
		fail_unit(p, u, why);
	return why == NULL ? 0 : -1;
}

int
bg_cluster_pipe_multi(struct bg_cluster_pipe *p)
{
	static const char *multi[] = {"MULTI"};

	if (p->open || p->ncmd >= BG_CLUSTER_PIPE_MAX) {
		bg_cluster_set_error(p->c, p->open ? "MULTI inside a transaction" : "pipe full");
		return -1;
	}
	push_unit(p, push_cmd(p, 1, multi, NULL), -1, 1);
	p->open = 1;
	return 0;
}

int
bg_cluster_pipe_exec(struct bg_cluster_pipe *p)
{
	static const char *exec[] = {"EXEC"};
	struct unit *u;

	if (!p->open) {
		bg_cluster_set_error(p->c, "EXEC without MULTI");
		return -1;
	}
	push_cmd(p, 1, exec, NULL);
	p->open = 0;
	u = &p->unit[p->nunit - 1];
	u->n++;
	if (u->why[0] == '\0' && u->slot < 0)
		bg_strlcpy(u->why, "transaction without a key to route it by", sizeof(u->why));
	if (u->why[0] == '\0')
		return 0;
	fail_unit(p, u, u->why);
	bg_cluster_set_error(p->c, "%s", u->why);
	return -1;
}

size_t
bg_cluster_pipe_count(const struct bg_cluster_pipe *p)
{
	return p->ncmd;
}

/* Routes every pending unit to a connected node for this round. */
static void
route(struct bg_cluster_pipe *p, enum conn_state *cs)
{
	struct bg_cluster *c = p->c;
	char why[300];

	for (size_t k = 0; k < p->nunit; k++) {
		struct unit *u = &p->unit[k];
		const struct bg_cluster_node_addr *to;
		int i;

		if (u->state != U_PENDING)
			continue;
		u->conn = -1;
		to = u->asking ? &u->ask_to : bg_cluster_map_owner(c->map, (unsigned)u->slot);
		if (to == NULL) {
			c->stale = 1;
			snprintf(why, sizeof(why), "slot %d is served by no node", u->slot);
			retry(p, u, why);
			continue;
		}
		i = bg_cluster_conn_index(c, to);
		if (i < 0) {
			fail_unit(p, u, c->err);
			continue;
		}
		if (cs[i] == C_UNUSED)
			cs[i] = bg_redis_connect(c->conn[i].r) == 0 ? C_READY : C_FAILED;
		if (cs[i] == C_FAILED) {
			c->stale = 1;
			snprintf(why, sizeof(why), "%s: %s", bg_redis_address(c->conn[i].r),
			         bg_redis_error(c->conn[i].r));
			retry(p, u, why);
			continue;
		}
		u->conn = i;
	}
}

/* Fails every unit routed to connection i from unit k on, with why. */
static void
fail_conn(struct bg_cluster_pipe *p, size_t k, int i, const char *why)
{
	p->c->stale = 1;
	for (; k < p->nunit; k++)
		if (p->unit[k].state == U_PENDING && p->unit[k].conn == i)
			fail_unit(p, &p->unit[k], why);
}

/* Queues unit u's commands on r, each after ASKING when asking; 0 or -1. */
static int
append_unit(struct bg_cluster_pipe *p, struct unit *u, struct bg_redis *r)
{
	static const char *asking[] = {"ASKING"};

	for (size_t j = u->first; j < u->first + u->n; j++) {
		if (u->asking && bg_redis_append(r, 1, asking, NULL) < 0)
			return -1;
		if (bg_redis_append(r, p->cmd[j].argc, (const char **)p->cmd[j].argv, p->cmd[j].argvlen) < 0)
			return -1;
	}
	return 0;
}

/* Appends each node's units and writes every node's pipeline. */
static void
send_all(struct bg_cluster_pipe *p, enum conn_state *cs)
{
	char why[300];

	for (size_t i = 0; i < p->c->nconn; i++) {
		struct bg_redis *r = p->c->conn[i].r;
		int failed = 0;

		if (cs[i] != C_READY)
			continue;
		for (size_t k = 0; k < p->nunit && !failed; k++)
			if (p->unit[k].state == U_PENDING && p->unit[k].conn == (int)i)
				failed = append_unit(p, &p->unit[k], r) < 0;
		if (!failed)
			failed = bg_redis_flush(r) < 0;
		if (failed) {
			snprintf(why, sizeof(why), "%s: %s", bg_redis_address(r), bg_redis_error(r));
			fail_conn(p, 0, (int)i, why);
			cs[i] = C_FAILED;
		}
	}
}

/* Handles a MOVED for u from the node at from: patches the map and retries u. */
static void
moved(struct bg_cluster_pipe *p, struct unit *u, const struct bg_cluster_redirect *rd,
      const struct bg_cluster_node_addr *from)
{
	struct bg_cluster *c = p->c;
	const char *host = rd->to.host[0] ? rd->to.host : from->host;
	char why[300];
	int n = bg_cluster_map_node(c->map, host, rd->to.port);

	c->stale = 1;
	c->stats.moved++;
	u->asking = 0;
	snprintf(why, sizeof(why), "MOVED %u %s:%d", rd->slot, host, rd->to.port);
	if (n < 0) {
		fail_unit(p, u, "MOVED to a node past the client's limit");
		return;
	}
	c->map->owner[rd->slot] = (uint16_t)(n + 1);
	retry(p, u, why);
}

/* Handles an ASK for a single command u: asks the target next round. */
static void
ask(struct bg_cluster_pipe *p, struct unit *u, const struct bg_cluster_redirect *rd,
    const struct bg_cluster_node_addr *from)
{
	char why[300];

	p->c->stats.ask++;
	u->asking = 1;
	u->ask_to = rd->to;
	if (u->ask_to.host[0] == '\0')
		memcpy(u->ask_to.host, from->host, sizeof(u->ask_to.host));
	snprintf(why, sizeof(why), "ASK %u %s:%d", rd->slot, u->ask_to.host, rd->to.port);
	retry(p, u, why);
}

/* True when an error reply starts with word (CLUSTERDOWN, TRYAGAIN). */
static int
error_is(const redisReply *r, const char *word)
{
	size_t n = strlen(word);

	return r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, word, n) == 0;
}

/* Decides what a single command's reply means: done, redirected or failed. */
static void
classify_one(struct bg_cluster_pipe *p, struct unit *u, const struct bg_cluster_node_addr *from)
{
	const redisReply *r = p->cmd[u->first].reply;
	struct bg_cluster_redirect rd;
	char why[300];

	if (r->type != REDIS_REPLY_ERROR) {
		u->state = U_DONE;
		return;
	}
	switch (bg_cluster_redirect_parse(r->str, r->len, &rd)) {
	case BG_CLUSTER_MOVED: moved(p, u, &rd, from); return;
	case BG_CLUSTER_ASK: ask(p, u, &rd, from); return;
	case BG_CLUSTER_BAD_REDIRECT:
		p->c->stale = 1;
		snprintf(why, sizeof(why), "malformed redirect: %.200s", r->str);
		fail_unit(p, u, why);
		return;
	case BG_CLUSTER_NOT_REDIRECT: break;
	}
	if (error_is(r, "CLUSTERDOWN") || error_is(r, "TRYAGAIN")) {
		p->c->stale = 1;
		snprintf(why, sizeof(why), "%.200s", r->str);
		fail_unit(p, u, why);
		return;
	}
	u->state = U_DONE;
}

/* Decides what a transaction's replies mean: ran (done), redirected, or refused. */
static void
classify_txn(struct bg_cluster_pipe *p, struct unit *u, const struct bg_cluster_node_addr *from)
{
	const redisReply *exec = p->cmd[u->first + u->n - 1].reply;
	struct bg_cluster_redirect rd;
	char why[300];

	if (exec->type != REDIS_REPLY_ERROR) {
		u->state = U_DONE;
		return;
	}
	for (size_t i = u->first + 1; i < u->first + u->n - 1; i++) {
		const redisReply *r = p->cmd[i].reply;

		if (r->type != REDIS_REPLY_ERROR)
			continue;
		switch (bg_cluster_redirect_parse(r->str, r->len, &rd)) {
		case BG_CLUSTER_MOVED: moved(p, u, &rd, from); return;
		case BG_CLUSTER_ASK:
			snprintf(why, sizeof(why), "slot %u is migrating: transaction refused, try later", rd.slot);
			fail_unit(p, u, why);
			return;
		case BG_CLUSTER_BAD_REDIRECT:
			p->c->stale = 1;
			fail_unit(p, u, "malformed redirect in a transaction");
			return;
		case BG_CLUSTER_NOT_REDIRECT: break;
		}
	}
	u->state = U_DONE;
}

/* Reads u's replies from r (dropping ASKING's); 0, or -1 when the connection failed. */
static int
read_unit(struct bg_cluster_pipe *p, struct unit *u, struct bg_redis *r)
{
	redisReply *reply;

	for (size_t j = u->first; j < u->first + u->n; j++) {
		if (u->asking) {
			if ((reply = bg_redis_reply(r)) == NULL)
				return -1;
			freeReplyObject(reply);
		}
		if ((p->cmd[j].reply = bg_redis_reply(r)) == NULL)
			return -1;
	}
	return 0;
}

/* Reads every node's replies in order and classifies each unit. */
static void
receive_all(struct bg_cluster_pipe *p, const enum conn_state *cs)
{
	char why[300];

	for (size_t i = 0; i < p->c->nconn; i++) {
		struct bg_redis *r = p->c->conn[i].r;

		if (cs[i] != C_READY)
			continue;
		for (size_t k = 0; k < p->nunit; k++) {
			struct unit *u = &p->unit[k];

			if (u->state != U_PENDING || u->conn != (int)i)
				continue;
			if (read_unit(p, u, r) < 0) {
				snprintf(why, sizeof(why), "%s: %s", bg_redis_address(r), bg_redis_error(r));
				fail_conn(p, k, (int)i, why);
				break;
			}
			if (u->txn)
				classify_txn(p, u, &p->c->conn[i].addr);
			else
				classify_one(p, u, &p->c->conn[i].addr);
		}
	}
}

/* True while some unit waits to be sent. */
static int
pending(const struct bg_cluster_pipe *p)
{
	for (size_t k = 0; k < p->nunit; k++)
		if (p->unit[k].state == U_PENDING)
			return 1;
	return 0;
}

/* Fails every pending unit with why, or with its own last reason when why is NULL. */
static void
fail_pending(struct bg_cluster_pipe *p, const char *why)
{
	char text[300];

	for (size_t k = 0; k < p->nunit; k++) {
		struct unit *u = &p->unit[k];

		if (u->state != U_PENDING)
			continue;
		if (why == NULL)
			snprintf(text, sizeof(text), "%s (out of time for retries)", u->why[0] ? u->why : "not sent");
		fail_unit(p, u, why != NULL ? why : text);
	}
}

/* Returns milliseconds on a monotonic clock. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 0 when every command has a reply, else -1 with the first error in the handle. */
static int
outcome(struct bg_cluster_pipe *p)
{
	for (size_t i = 0; i < p->ncmd; i++) {
		if (p->cmd[i].reply == NULL) {
			bg_cluster_set_error(p->c, "%s", p->cmd[i].error ? p->cmd[i].error : "no reply");
			return -1;
		}
	}
	return 0;
}

int
bg_cluster_pipe_run(struct bg_cluster_pipe *p)
{
	enum conn_state cs[BG_CLUSTER_MAX_CONNS];
	long long start = now_ms();

	if (p->ran)
		return outcome(p);
	p->ran = 1;
	if (p->open) {
		p->open = 0;
		fail_unit(p, &p->unit[p->nunit - 1], "transaction not closed by EXEC");
	}
	for (int round = 0; round <= BG_CLUSTER_MAX_REDIRECTS && pending(p); round++) {
		if (round > 0 && now_ms() - start > p->c->timeout_ms)
			break; /* retries start only within one timeout of the run's start */
		if (bg_cluster_prepare(p->c) < 0) {
			fail_pending(p, p->c->err);
			break;
		}
		memset(cs, 0, sizeof(cs));
		route(p, cs);
		send_all(p, cs);
		receive_all(p, cs);
	}
	fail_pending(p, NULL);
	for (size_t i = 0; i < p->ncmd; i++)
		p->c->stats.failed += p->cmd[i].reply == NULL;
	return outcome(p);
}

const redisReply *
bg_cluster_pipe_reply(const struct bg_cluster_pipe *p, size_t i)
{
	return i < p->ncmd ? p->cmd[i].reply : NULL;
}

const char *
bg_cluster_pipe_error(const struct bg_cluster_pipe *p, size_t i)
{
	return i < p->ncmd && p->cmd[i].reply == NULL ? p->cmd[i].error : NULL;
}

redisReply *
bg_cluster_pipe_take(struct bg_cluster_pipe *p, size_t i)
{
	redisReply *r = i < p->ncmd ? p->cmd[i].reply : NULL;

	if (r != NULL)
		p->cmd[i].reply = NULL;
	return r;
}
