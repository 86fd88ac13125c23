/*
 * bg_suppress.c - one suppression written to Redis, with its audit entry.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bg_suppress.h"

void
bg_suppress_field(const char *what, const char *entity, const char *list, char *out, size_t len)
{
	if (entity == NULL || *entity == '\0')
		snprintf(out, len, "%s", what);
	else if (list == NULL || *list == '\0')
		snprintf(out, len, "%s:%s", what, entity);
	else
		snprintf(out, len, "%s:%s/%s", what, entity, list);
}

/* Reads the replies of MULTI ... EXEC: -1 unless EXEC answered an array (the writes happened). */
static int
read_transaction(struct bg_redis *r, int queued)
{
	redisReply *rep;
	int ok = 0;

	for (int i = 0; i < queued; i++) {
		if ((rep = bg_redis_reply(r)) == NULL)
			return -1;
		if (i == queued - 1)
			ok = rep->type == REDIS_REPLY_ARRAY;
		else if (rep->type == REDIS_REPLY_ERROR)
			ok = -1;
		freeReplyObject(rep);
		if (ok < 0)
			return -1;
	}
	return ok ? 0 : -1;
}

int
bg_suppress_write(struct bg_redis *r, const char *prefix, const struct bg_suppression *s, bool audit,
		  const char *who)
{
	char key[512], field[256], value[512], when[32], stream[128];
	const char *multi[1] = { "MULTI" }, *exec[1] = { "EXEC" };
	const char *hset[4] = { "HSET", key, field, value };
	const char *xadd[16] = { "XADD", stream, "MAXLEN", "~", BG_AUDIT_MAXLEN, "*", "who", who, "what", "suppress",
				 "address", s->address, "field", field, "value", value };
	int queued = 3;

	snprintf(key, sizeof(key), "%srcpt:%s", prefix, s->address);
	snprintf(stream, sizeof(stream), "%saudit", prefix);
	snprintf(when, sizeof(when), "%lld", (long long)s->when);
	bg_suppress_field("suppress", s->entity, s->list, field, sizeof(field));
	snprintf(value, sizeof(value), "%s %s %s", s->reason, when, s->source ? s->source : "-");
	if (bg_redis_append(r, 1, multi, NULL) < 0 || bg_redis_append(r, 4, hset, NULL) < 0)
		return -1;
	if (audit) {
		if (bg_redis_append(r, 16, xadd, NULL) < 0)
			return -1;
		queued++;
	}
	if (bg_redis_append(r, 1, exec, NULL) < 0)
		return -1;
	return read_transaction(r, queued);
}
