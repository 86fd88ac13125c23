/*
 * bg_audit.c - audit stream names: one stream on a single Redis, one part per slot on a Cluster.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "bg_audit.h"
#include "bg_cluster_slot.h"

static char tags[BG_CLUSTER_SLOTS][BG_CLUSTER_TAG_MAX];
static pthread_once_t tags_once = PTHREAD_ONCE_INIT;

/* Builds the slot tag table (pthread_once). */
static void
build_tags(void)
{
	bg_cluster_slot_tags(tags);
}

const char *
bg_audit_slot_tag(unsigned slot)
{
	pthread_once(&tags_once, build_tags);
	return tags[slot % BG_CLUSTER_SLOTS];
}

int
bg_audit_stream(const struct bg_redis *r, const char *prefix, const char *key, char *stream, size_t len)
{
	int n;

	if (key == NULL || !bg_redis_is_cluster(r))
		n = snprintf(stream, len, "%saudit", prefix);
	else
		n = snprintf(stream, len, "%saudit:{%s}", prefix,
		             bg_audit_slot_tag(bg_cluster_key_slot(key, strlen(key))));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
