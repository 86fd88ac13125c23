/*
 * bg_cluster_slot.h - Redis Cluster's pure parts: key slots, redirects, the slot map.
 *
 * No I/O. A key's hash slot is CRC16-CCITT (XMODEM) of the key, or of its
 * hash tag (the bytes between the first '{' and the next '}', when not
 * empty), mod 16384, as the Redis Cluster specification defines it. A
 * "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" error reply
 * (IPv6 hosts bare or in brackets; an empty host means the node that
 * answered) becomes a struct bg_cluster_redirect. A CLUSTER SLOTS reply
 * becomes a struct bg_cluster_map (slot -> master), with every size bounded
 * and any malformed reply refused whole.
 *
 * DIAGNOSTICS: a status return; the map builder also sets *err to a static text.
 */
#ifndef BG_CLUSTER_SLOT_H
#define BG_CLUSTER_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define BG_CLUSTER_SLOTS     16384
#define BG_CLUSTER_MAX_NODES 128                       /* masters in one map */
#define BG_CLUSTER_HOST_MAX  255                       /* bytes of a host name or address */
#define BG_CLUSTER_ADDR_MAX  (BG_CLUSTER_HOST_MAX + 9) /* "[host]:port" and NUL */
#define BG_CLUSTER_TAG_MAX   6                         /* a slot tag and its NUL */

/* One node's address; host is never empty in a map. */
struct bg_cluster_node_addr {
	char host[BG_CLUSTER_HOST_MAX + 1];
	int port;
};

/* What an error reply says. */
enum bg_cluster_redirect_kind {
	BG_CLUSTER_NOT_REDIRECT, /* another error: not for the cluster layer */
	BG_CLUSTER_MOVED,        /* the slot lives on another node now */
	BG_CLUSTER_ASK,          /* this one key is being migrated: ask the target, once */
	BG_CLUSTER_BAD_REDIRECT  /* starts as MOVED or ASK but is malformed */
};

struct bg_cluster_redirect {
	unsigned slot;
	struct bg_cluster_node_addr to; /* to.host "" when the reply left it empty */
};

/* Slot -> master: owner[slot] is 1 + an index into node, or 0 when no node serves it. */
struct bg_cluster_map {
	size_t nnodes;
	struct bg_cluster_node_addr node[BG_CLUSTER_MAX_NODES];
	uint16_t owner[BG_CLUSTER_SLOTS];
};

/* Returns CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0) of len bytes. */
unsigned bg_cluster_crc16(const void *buf, size_t len);

/* Returns the hash slot (0..16383) of key, honouring a non-empty {hash tag}. */
unsigned bg_cluster_key_slot(const void *key, size_t len);

/*
 * Fills tags[s] with a short string ([0-9a-z], at most 5 bytes) whose slot
 * is s, for every slot: a key named "...{<tags[s]>}..." lives in slot s, so
 * an entry can share the slot of a key whose name has no tag (an audit part
 * written in the same transaction as bg:rcpt:<address>). Deterministic; a
 * few milliseconds of work: build the table once.
 */
void bg_cluster_slot_tags(char tags[BG_CLUSTER_SLOTS][BG_CLUSTER_TAG_MAX]);

/*
 * Reads an error reply's text (as hiredis gives it, with or without the
 * leading '-'; len bytes, no NUL needed). For MOVED and ASK fills *rd.
 */
enum bg_cluster_redirect_kind bg_cluster_redirect_parse(const char *text, size_t len, struct bg_cluster_redirect *rd);

/*
 * Builds *m from a CLUSTER SLOTS reply. An empty node host means the node
 * asked, whose host is asked_host. Returns 0, or -1 with *err set and *m
 * left empty (no slot served) for a malformed reply, overlapping ranges,
 * more than BG_CLUSTER_MAX_NODES masters or an over-long host.
 */
int bg_cluster_map_build(struct bg_cluster_map *m, const redisReply *r, const char *asked_host, const char **err);

/* Returns the index of host:port in m, adding it if new; -1 when m is full or host is empty or too long. */
int bg_cluster_map_node(struct bg_cluster_map *m, const char *host, int port);

/* Returns the address serving slot, or NULL when none does. */
const struct bg_cluster_node_addr *bg_cluster_map_owner(const struct bg_cluster_map *m, unsigned slot);

/* Writes "host:port", or "[host]:port" for an IPv6 host, into buf of size BG_CLUSTER_ADDR_MAX. */
void bg_cluster_addr_format(char buf[BG_CLUSTER_ADDR_MAX], const struct bg_cluster_node_addr *a);

#endif
