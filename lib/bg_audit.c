/*
 * bg_audit.c - audit stream names: one stream on a single Redis, one part per slot on a Cluster.
 */
#include "config.h"

#include <hiredis/hiredis.h>
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

/* Runs one SCAN step from cursor (updated) and adds the names it gives to parts; 0 or -1. */
static int
scan_step(struct bg_redis *r, const char *pattern, char cursor[64], struct bg_strlist *parts, char *err, size_t errlen)
{
	const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
	redisReply *rep;
	int rc = -1;

	if (bg_redis_append(r, 6, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL) {
		snprintf(err, errlen, "SCAN: %s", bg_redis_error(r));
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR)
		snprintf(err, errlen, "SCAN: %s", rep->str);
	else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_STRING ||
	         rep->element[1]->type != REDIS_REPLY_ARRAY)
		snprintf(err, errlen, "SCAN: unexpected reply");
	else if (parts->n + rep->element[1]->elements > BG_AUDIT_MAX_PARTS)
		snprintf(err, errlen, "more than %d keys match %s", BG_AUDIT_MAX_PARTS, pattern);
	else {
		snprintf(cursor, 64, "%s", rep->element[0]->str);
		for (size_t i = 0; i < rep->element[1]->elements; i++)
			bg_strlist_add(parts, rep->element[1]->element[i]->str);
		rc = 0;
	}
	freeReplyObject(rep);
	return rc;
}

int
bg_audit_parts(struct bg_redis *r, const char *prefix, struct bg_strlist *parts, char *err, size_t errlen)
{
	char name[320], esc[300], cursor[64] = "0";

	snprintf(name, sizeof(name), "%saudit", prefix);
	bg_strlist_add(parts, name);
	if (!bg_redis_is_cluster(r))
		return 0;
	bg_glob_escape(prefix, esc, sizeof(esc));
	snprintf(name, sizeof(name), "%saudit:{*", esc);
	do {
		if (scan_step(r, name, cursor, parts, err, errlen) < 0)
			return -1;
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

bool
bg_audit_names(const redisReply *fields, const char *address)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (strcmp(fields->element[i]->str, "address") == 0 &&
		    strcmp(fields->element[i + 1]->str, address) == 0)
			return true;
	return false;
}
