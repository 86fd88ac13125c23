/*
 * bg_cluster_slot.c - key slots, MOVED/ASK replies and CLUSTER SLOTS maps (pure).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bg_cluster_slot.h"

#define MAX_RANGES BG_CLUSTER_SLOTS /* entries of a CLUSTER SLOTS reply */

unsigned
bg_cluster_crc16(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	unsigned crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (int bit = 0; bit < 8; bit++)
			crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) : (crc << 1);
		crc &= 0xffff;
	}
	return crc;
}

unsigned
bg_cluster_key_slot(const void *key, size_t len)
{
	const char *k = key;
	const char *open = memchr(k, '{', len);
	const char *close;

	if (open != NULL) {
		size_t rest = len - (size_t)(open - k) - 1;

		close = memchr(open + 1, '}', rest);
		if (close != NULL && close > open + 1)
			return bg_cluster_crc16(open + 1, (size_t)(close - open - 1)) & (BG_CLUSTER_SLOTS - 1);
	}
	return bg_cluster_crc16(k, len) & (BG_CLUSTER_SLOTS - 1);
}

void
bg_cluster_slot_tags(char tags[BG_CLUSTER_SLOTS][BG_CLUSTER_TAG_MAX])
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	const size_t base = sizeof(alphabet) - 1;
	size_t left = BG_CLUSTER_SLOTS;
	char name[BG_CLUSTER_TAG_MAX];

	memset(tags, 0, (size_t)BG_CLUSTER_SLOTS * BG_CLUSTER_TAG_MAX);
	/* every string of length 1, 2, ... in order, until each slot has its first */
	for (size_t len = 1; len < BG_CLUSTER_TAG_MAX && left > 0; len++) {
		size_t count = 1;

		for (size_t i = 0; i < len; i++)
			count *= base;
		for (size_t n = 0; n < count && left > 0; n++) {
			unsigned slot;

			for (size_t i = 0, v = n; i < len; i++, v /= base)
				name[len - 1 - i] = alphabet[v % base];
			slot = bg_cluster_crc16(name, len) & (BG_CLUSTER_SLOTS - 1);
			if (tags[slot][0] == '\0') {
				memcpy(tags[slot], name, len);
				left--;
			}
		}
	}
}

/* Reads 1..5 decimal digits at *p (up to end) into *v, at most max; advances *p. 0 or -1. */
static int
read_number(const char **p, const char *end, unsigned max, unsigned *v)
{
	const char *s = *p;
	unsigned n = 0;

	while (s < end && s - *p < 5 && *s >= '0' && *s <= '9')
		n = n * 10 + (unsigned)(*s++ - '0');
	if (s == *p || s - *p > 5 || (s < end && *s >= '0' && *s <= '9') || n > max)
		return -1;
	*p = s;
	*v = n;
	return 0;
}

/* True for a byte that may appear in a host name or an IP address (v6 with a zone too). */
static int
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
	       c == '_' || c == ':' || c == '%';
}

/* Copies a host of len bytes (checked) into out; 0 or -1. An empty host is fine here. */
static int
copy_host(char out[BG_CLUSTER_HOST_MAX + 1], const char *host, size_t len)
{
	if (len > BG_CLUSTER_HOST_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!host_char(host[i]))
			return -1;
	memcpy(out, host, len);
	out[len] = '\0';
	return 0;
}

/* Parses "<host>:<port>" or "[<v6>]:<port>" filling exactly [s, end); 0 or -1. */
static int
parse_endpoint(const char *s, const char *end, struct bg_cluster_node_addr *a)
{
	const char *colon = NULL;
	unsigned port;

	for (const char *q = s; q < end; q++)
		if (*q == ':')
			colon = q;
	if (colon == NULL)
		return -1;
	if (colon > s && *s == '[') {
		if (colon[-1] != ']' || colon - s < 3 || copy_host(a->host, s + 1, (size_t)(colon - s) - 2) < 0)
			return -1;
	} else if (copy_host(a->host, s, (size_t)(colon - s)) < 0) {
		return -1;
	}
	s = colon + 1;
	if (read_number(&s, end, 65535, &port) < 0 || s != end || port == 0)
		return -1;
	a->port = (int)port;
	return 0;
}

enum bg_cluster_redirect_kind
bg_cluster_redirect_parse(const char *text, size_t len, struct bg_cluster_redirect *rd)
{
	const char *end = text + len;
	const char *p = text;
	enum bg_cluster_redirect_kind kind;
	unsigned slot;

	if (p < end && *p == '-')
		p++;
	if (end - p >= 6 && memcmp(p, "MOVED ", 6) == 0)
		kind = BG_CLUSTER_MOVED, p += 6;
	else if (end - p >= 4 && memcmp(p, "ASK ", 4) == 0)
		kind = BG_CLUSTER_ASK, p += 4;
	else
		return BG_CLUSTER_NOT_REDIRECT;
	memset(rd, 0, sizeof(*rd));
	if (read_number(&p, end, BG_CLUSTER_SLOTS - 1, &slot) < 0 || p == end || *p != ' ')
		return BG_CLUSTER_BAD_REDIRECT;
	rd->slot = slot;
	if (parse_endpoint(p + 1, end, &rd->to) < 0) {
		memset(rd, 0, sizeof(*rd));
		return BG_CLUSTER_BAD_REDIRECT;
	}
	return kind;
}

int
bg_cluster_map_node(struct bg_cluster_map *m, const char *host, int port)
{
	size_t len = strlen(host);

	if (len == 0 || len > BG_CLUSTER_HOST_MAX || port < 1 || port > 65535)
		return -1;
	for (size_t i = 0; i < m->nnodes; i++)
		if (m->node[i].port == port && strcmp(m->node[i].host, host) == 0)
			return (int)i;
	if (m->nnodes == BG_CLUSTER_MAX_NODES)
		return -1;
	memcpy(m->node[m->nnodes].host, host, len + 1);
	m->node[m->nnodes].port = port;
	return (int)m->nnodes++;
}

const struct bg_cluster_node_addr *
bg_cluster_map_owner(const struct bg_cluster_map *m, unsigned slot)
{
	if (slot >= BG_CLUSTER_SLOTS || m->owner[slot] == 0)
		return NULL;
	return &m->node[m->owner[slot] - 1];
}

void
bg_cluster_addr_format(char buf[BG_CLUSTER_ADDR_MAX], const struct bg_cluster_node_addr *a)
{
	if (strchr(a->host, ':') != NULL)
		snprintf(buf, BG_CLUSTER_ADDR_MAX, "[%s]:%d", a->host, a->port);
	else
		snprintf(buf, BG_CLUSTER_ADDR_MAX, "%s:%d", a->host, a->port);
}

/* Reads an integer element within [0, max] into *v; 0 or -1. */
static int
int_element(const redisReply *e, long long max, long long *v)
{
	if (e == NULL || e->type != REDIS_REPLY_INTEGER || e->integer < 0 || e->integer > max)
		return -1;
	*v = e->integer;
	return 0;
}

/* Reads a [host, port, ...] master element into an index of m; -1 and *err when malformed. */
static int
master_element(struct bg_cluster_map *m, const redisReply *e, const char *asked_host, const char **err)
{
	char host[BG_CLUSTER_HOST_MAX + 1];
	long long port;
	int i;

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0] == NULL ||
	    e->element[0]->type != REDIS_REPLY_STRING) {
		*err = "CLUSTER SLOTS: a master is not [host, port, ...]";
		return -1;
	}
	if (int_element(e->element[1], 65535, &port) < 0 || port == 0) {
		*err = "CLUSTER SLOTS: a master's port is not 1..65535";
		return -1;
	}
	if (copy_host(host, e->element[0]->str, e->element[0]->len) < 0) {
		*err = "CLUSTER SLOTS: a master's host is malformed or too long";
		return -1;
	}
	if (host[0] == '\0' && copy_host(host, asked_host, strlen(asked_host)) < 0) {
		*err = "CLUSTER SLOTS: the asked node's host is malformed";
		return -1;
	}
	i = bg_cluster_map_node(m, host, (int)port);
	if (i < 0)
		*err = host[0] ? "CLUSTER SLOTS: more masters than the client keeps" : "CLUSTER SLOTS: empty host";
	return i;
}

/* Adds one [start, end, master, replicas...] entry to m; 0, or -1 and *err. */
static int
range_element(struct bg_cluster_map *m, const redisReply *e, const char *asked_host, const char **err)
{
	long long start, stop;
	int node;

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements < 3) {
		*err = "CLUSTER SLOTS: an entry is not [start, end, master, ...]";
		return -1;
	}
	if (int_element(e->element[0], BG_CLUSTER_SLOTS - 1, &start) < 0 ||
	    int_element(e->element[1], BG_CLUSTER_SLOTS - 1, &stop) < 0 || start > stop) {
		*err = "CLUSTER SLOTS: a slot range is out of bounds";
		return -1;
	}
	if (e->element[2] != NULL && e->element[2]->type == REDIS_REPLY_ARRAY && e->element[2]->elements >= 1 &&
	    e->element[2]->element[0] != NULL && e->element[2]->element[0]->type == REDIS_REPLY_STRING &&
	    e->element[2]->element[0]->len == 1 && e->element[2]->element[0]->str[0] == '?')
		return 0; /* Redis 7: the master has no host name to announce; its slots stay unserved */
	node = master_element(m, e->element[2], asked_host, err);
	if (node < 0)
		return -1;
	for (long long s = start; s <= stop; s++) {
		if (m->owner[s] != 0) {
			*err = "CLUSTER SLOTS: slot ranges overlap";
			return -1;
		}
		m->owner[s] = (uint16_t)(node + 1);
	}
	return 0;
}

int
bg_cluster_map_build(struct bg_cluster_map *m, const redisReply *r, const char *asked_host, const char **err)
{
	memset(m, 0, sizeof(*m));
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		*err = r != NULL && r->type == REDIS_REPLY_ERROR ? "CLUSTER SLOTS: error reply"
		                                                 : "CLUSTER SLOTS: reply is not an array";
		return -1;
	}
	if (r->elements > MAX_RANGES) {
		*err = "CLUSTER SLOTS: too many entries";
		return -1;
	}
	for (size_t i = 0; i < r->elements; i++) {
		if (range_element(m, r->element[i], asked_host, err) < 0) {
			memset(m, 0, sizeof(*m));
			return -1;
		}
	}
	return 0;
}
