/*
 * fb_apply.c - a feedback record's suppressions and bounce counts written to Redis (fb_apply.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bg_log.h"
#include "bg_suppress.h"
#include "bg_verp.h"
#include "fb_apply.h"
#include "fb_stat.h"

#define FB_WHO "bulkguard-feedback"

bool
fb_apply_address(const struct bg_config *cfg, const struct bg_addr *a, struct bg_addr *out)
{
	unsigned flags = cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0;

	return a->len > 0 && bg_addr_normalise(a->text, a->len, flags, out) == BG_ADDR_OK;
}

/* Writes one suppression; returns 0 or -1 (logged). */
static int
suppress(const struct bg_config *cfg, struct bg_redis *redis, const char *id, const char *addr, const char *entity,
         const char *list, const char *reason, const char *source, time_t now)
{
	struct bg_suppression s = {addr, entity, list, reason, now, source};

	if (bg_suppress_write(redis, cfg->redis.prefix, &s, cfg->audit, FB_WHO) < 0) {
		bg_log_error("%s: rcpt=%s action=tempfail redis=\"%s\"", id, addr, bg_redis_error(redis));
		return -1;
	}
	bg_log_info("%s: rcpt=%s action=suppress scope=%s%s%s reason=%s source=%s", id, addr,
	            entity ? entity : "global", list && *list ? "/" : "", list && *list ? list : "", reason, source);
	return 0;
}

void
fb_apply_unverified(const struct bg_config *cfg, struct bg_redis *redis, const char *id, const char *what,
                    const char *addr, const char *reason)
{
	char key[256];
	const char *argv[] = {"HINCRBY", key, reason, "1"};
	redisReply *rep;

	bg_log_warn("%s: kind=%s rcpt=%s action=none unverified=%s", id, what, addr && *addr ? addr : "-", reason);
	if (redis == NULL)
		return;
	snprintf(key, sizeof(key), "%s" FB_UNVERIFIED_KEY, cfg->redis.prefix);
	if (bg_redis_append(redis, 4, argv, NULL) < 0 || (rep = bg_redis_reply(redis)) == NULL) {
		bg_log_warn("%s: counter=%s redis=\"%s\" (not counted)", id, key, bg_redis_error(redis));
		return;
	}
	freeReplyObject(rep);
	fb_stat_count(cfg, redis, NULL, NULL, NULL, BG_ST_UNVERIFIED, time(NULL), id);
}

/* Reads n replies; fills score[] from the last two (ZRANGE WITHSCORES) and *count from the third last. */
static int
bounce_replies(struct bg_redis *redis, int n, long long *count, double score[2])
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		redisReply *rep = bg_redis_reply(redis);

		if (rep == NULL)
			return -1;
		if (rep->type == REDIS_REPLY_ERROR)
			ok = -1;
		else if (i == n - 3 && rep->type == REDIS_REPLY_INTEGER)
			*count = rep->integer;
		else if (i >= n - 2 && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2)
			score[i - (n - 2)] = strtod(rep->element[1]->str, NULL);
		freeReplyObject(rep);
	}
	return ok;
}

/*
 * Adds a hard bounce for addr at now; sets *spanned when the set then holds
 * bounce_threshold bounces spanning bounce_min_span_days. Returns 0 or -1.
 */
static int
count_bounce(const struct bg_config *cfg, struct bg_redis *redis, const char *addr, time_t now, bool *spanned,
             long long *count)
{
	long window = FB_BOUNCE_WINDOW_DAYS * 86400L;
	char key[512], score[32], member[64], min[40], ttl[32];
	double sc[2] = {0, 0};
	const char *cmds[][5] = {
	    {"ZADD", key, score, member},
	    {"ZREMRANGEBYSCORE", key, "-inf", min},
	    {"EXPIRE", key, ttl},
	    {"ZCARD", key},
	    {"ZRANGE", key, "0", "0", "WITHSCORES"},
	    {"ZRANGE", key, "-1", "-1", "WITHSCORES"},
	};
	const int argc[] = {4, 4, 3, 2, 5, 5};

	if (window < 2 * cfg->feedback.bounce_min_span_days * 86400L)
		window = 2 * cfg->feedback.bounce_min_span_days * 86400L;
	snprintf(key, sizeof(key), "%sbounces:%s", cfg->redis.prefix, addr);
	snprintf(score, sizeof(score), "%lld", (long long)now);
	snprintf(member, sizeof(member), "%lld:%ld", (long long)now, (long)getpid());
	snprintf(min, sizeof(min), "(%lld", (long long)now - window);
	snprintf(ttl, sizeof(ttl), "%ld", window);
	for (int i = 0; i < 6; i++)
		if (bg_redis_append(redis, argc[i], cmds[i], NULL) < 0)
			return -1;
	*count = 0;
	if (bounce_replies(redis, 6, count, sc) < 0)
		return -1;
	*spanned = *count >= cfg->feedback.bounce_threshold &&
	           sc[1] - sc[0] >= (double)cfg->feedback.bounce_min_span_days * 86400.0;
	return 0;
}

/* Writes this host's name as Postfix's myhostname defaults to it: gethostname's, ".localdomain" added without a dot. */
static void
this_host(char *out, size_t len)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	snprintf(out, len, "%s%s", host, strchr(host, '.') == NULL ? ".localdomain" : "");
}

/* True when name (a DSN's Reporting-MTA, "" none) is one of feedback.own_mtas, or this host when none is set. */
static bool
own_mta(const struct bg_config *cfg, const char *name)
{
	char host[300];

	if (name[0] == '\0')
		return false;
	for (size_t i = 0; i < cfg->feedback.own_mtas.n; i++)
		if (strcasecmp(cfg->feedback.own_mtas.v[i], name) == 0)
			return true;
	this_host(host, sizeof(host));
	return cfg->feedback.own_mtas.n == 0 && strcasecmp(host, name) == 0;
}

/*
 * Counts a verified block (the sender was refused, not the mailbox: nothing
 * is written for the recipient) as bounce-block for the VERP's entity in
 * addr's group. A block our own MTA reported was refused in its SMTP session
 * and is counted by bulkguard-logd from the log; only a remote's later DSN is
 * counted here, and per entity only: nothing verified names the pool IP.
 */
static void
count_block(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_rcpt *x, const char *addr,
            const char *entity, const char *reporting_mta, time_t now, const char *id)
{
	const char *why = own_mta(cfg, reporting_mta) ? "own-mta" : entity == NULL ? "no-entity" : NULL;

	if (why != NULL) {
		bg_log_info("%s: rcpt=%s status=%s class=block action=none reporting_mta=%s reason=%s", id, addr,
		            x->status[0] ? x->status : "-", reporting_mta[0] ? reporting_mta : "-", why);
		return;
	}
	bg_log_info("%s: rcpt=%s status=%s class=block action=count entity=%s reporting_mta=%s", id, addr,
	            x->status[0] ? x->status : "-", entity, reporting_mta[0] ? reporting_mta : "-");
	fb_stat_count(cfg, redis, entity, NULL, addr, BG_ST_BLOCK, now, id);
}

/* Applies one DSN recipient; reporting_mta is the DSN's ("" none). */
static int
apply_rcpt(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_rcpt *x, const char *entity,
           const char *reporting_mta, time_t now, const char *id)
{
	struct bg_addr a;
	char source[40];
	bool spanned = false;
	long long count = 0;

	if (x->cls == FB_CLASS_NONE || x->cls == FB_CLASS_SOFT || !fb_apply_address(cfg, &x->addr, &a)) {
		bg_log_info("%s: rcpt=%s status=%s class=%s action=none", id, x->addr.len ? x->addr.text : "-",
		            x->status[0] ? x->status : "-", fb_class_name(x->cls));
		return 0;
	}
	if (x->verp != BG_VERP_OK) {
		fb_apply_unverified(cfg, redis, id, "dsn", a.text, bg_verp_status_name(x->verp));
		return 0;
	}
	if (x->cls == FB_CLASS_BLOCK) {
		count_block(cfg, redis, x, a.text, entity, reporting_mta, now, id);
		return 0;
	}
	if (x->cls == FB_CLASS_BOUNCE) {
		snprintf(source, sizeof(source), "dsn-%s", x->status);
		fb_stat_count(cfg, redis, entity, NULL, a.text, BG_ST_DEAD, now, id);
		return suppress(cfg, redis, id, a.text, NULL, NULL, "bounce", source, now);
	}
	if (count_bounce(cfg, redis, a.text, now, &spanned, &count) < 0) {
		bg_log_error("%s: rcpt=%s action=tempfail redis=\"%s\"", id, a.text, bg_redis_error(redis));
		return -1;
	}
	bg_log_info("%s: rcpt=%s status=%s class=hard bounces=%lld", id, a.text, x->status, count);
	fb_stat_count(cfg, redis, entity, NULL, a.text, BG_ST_COUNTED, now, id);
	return spanned ? suppress(cfg, redis, id, a.text, NULL, NULL, "bounce", "dsn-repeated", now) : 0;
}

/* Adds every entity whose return_path_domain is domain. */
static void
entities_by_return_path(const struct bg_config *cfg, const char *domain, struct fb_target *t)
{
	for (size_t i = 0; i < cfg->n_entities && t->n_entity < FB_ENTITIES_MAX; i++) {
		const char *rpd = cfg->entities[i].return_path_domain;

		if (rpd != NULL && strcasecmp(rpd, domain) == 0)
			t->entity[t->n_entity++] = cfg->entities[i].name;
	}
}

/* Returns the configured entity whose verp_tag is tag, or NULL. */
static const struct bg_entity *
entity_tagged(const struct bg_config *cfg, const char *tag)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (cfg->entities[i].verp_tag != NULL && strcmp(cfg->entities[i].verp_tag, tag) == 0)
			return &cfg->entities[i];
	return NULL;
}

/* The verified VERP's recipient and entity: its tag (version 2), or the entities of its domain (version 1). */
static bool
verp_target(const struct bg_config *cfg, const struct fb_arf *a, struct fb_target *t)
{
	const struct bg_entity *e;

	t->via = "verp";
	if (!fb_apply_address(cfg, &a->verp_rcpt, &t->addr)) {
		t->why = "bad-address";
		return false;
	}
	if (a->verp_info.version == 2 && (e = entity_tagged(cfg, a->verp_info.tag)) != NULL)
		t->entity[t->n_entity++] = e->name;
	else if (a->verp_info.version == 1)
		entities_by_return_path(cfg, a->verp_domain, t);
	if (t->n_entity == 0)
		t->why = a->verp_info.version == 2 ? "unknown-tag" : "no-entity";
	return t->n_entity > 0;
}

/* The token's address and entity, and its list when the entity unsubscribes by list. */
static bool
token_target(const struct bg_config *cfg, const struct bg_token *tok, bool lists, struct fb_target *t)
{
	const struct bg_entity *e = bg_config_entity_named(cfg, tok->entity);
	struct bg_addr a = {.len = strlen(tok->address)};

	memcpy(a.text, tok->address, a.len + 1);
	if (!fb_apply_address(cfg, &a, &t->addr))
		return false;
	t->entity[t->n_entity++] = tok->entity;
	if (lists && e != NULL && e->unsubscribe_scope == BG_SCOPE_LIST && tok->list[0] != '\0')
		t->list = tok->list;
	t->via = "token";
	return true;
}

/* The verified reply address's recipient and entity (its tag). */
static bool
reply_target(const struct bg_config *cfg, const struct fb_reply *rp, struct fb_target *t)
{
	const struct bg_entity *e;

	t->via = "reply-address";
	if (rp->status != BG_VERP_OK) {
		t->why = bg_verp_status_name(rp->status);
		return false;
	}
	if (!fb_apply_address(cfg, &rp->rcpt, &t->addr))
		return false;
	if ((e = entity_tagged(cfg, rp->info.tag)) == NULL || e->reply_domain == NULL || *e->reply_domain == '\0') {
		t->why = "unknown-tag";
		return false;
	}
	t->entity[t->n_entity++] = e->name;
	return true;
}

bool
fb_apply_target(const struct bg_config *cfg, const struct fb_record *r, struct fb_target *t)
{
	const struct fb_arf *a = &r->arf;

	memset(t, 0, sizeof(*t));
	t->why = "bad-address";
	if (r->kind == FB_UNSUBSCRIBE || (r->kind == FB_REPLY && r->reply.has_token))
		return token_target(cfg, &r->token, true, t);
	if (r->kind == FB_REPLY)
		return reply_target(cfg, &r->reply, t);
	if (r->kind != FB_ARF)
		return false;
	if (a->has_token)
		return token_target(cfg, &a->token, false, t);
	if (a->verp_status == BG_VERP_OK)
		return verp_target(cfg, a, t);
	/* no fallback to Original-Rcpt-To, DKIM d= or From: the report's own words are not evidence */
	t->why = a->verp_status < 0 || a->verp_status == BG_VERP_NOT_VERP ? "no-token-or-verp"
	                                                                  : bg_verp_status_name(a->verp_status);
	return false;
}

/* Applies an ARF report: abuse and fraud suppress the complainer for the entity. */
static int
apply_arf(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now, const char *id)
{
	struct fb_target t;
	const char *type = r->arf.feedback_type;

	if (strcmp(type, "abuse") != 0 && strcmp(type, "fraud") != 0) {
		bg_log_info("%s: kind=arf type=%s action=none", id, type[0] ? type : "-");
		return 0;
	}
	if (!fb_apply_target(cfg, r, &t)) {
		fb_apply_unverified(cfg, redis, id, "arf", t.addr.len ? t.addr.text : r->arf.orig_rcpt.text, t.why);
		return 0;
	}
	for (size_t i = 0; i < t.n_entity; i++) {
		if (suppress(cfg, redis, id, t.addr.text, t.entity[i], NULL, "complaint", "arf", now) < 0)
			return -1;
		fb_stat_count(cfg, redis, t.entity[i], NULL, t.addr.text, BG_ST_COMPLAINT, now, id);
	}
	return 0;
}

/* Applies an unsubscribe mail. */
static int
apply_unsubscribe(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now,
                  const char *id)
{
	struct fb_target t;

	if (!fb_apply_target(cfg, r, &t)) {
		bg_log_warn("%s: kind=unsubscribe-mail action=none reason=bad-address", id);
		return 0;
	}
	if (suppress(cfg, redis, id, t.addr.text, t.entity[0], t.list, "unsubscribe", "mailto", now) < 0)
		return -1;
	fb_stat_count(cfg, redis, t.entity[0], t.list, t.addr.text, BG_ST_UNSUB_MAIL, now, id);
	return 0;
}

/*
 * Applies a reply: a quoted token unsubscribes as an unsubscribe mail does; a
 * reply that asks unsubscribes the recipient its address verifies from the
 * entity its tag names. A reply address that does not verify writes nothing
 * and is counted, whether the reply asks or not.
 */
static int
apply_reply(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now, const char *id)
{
	struct fb_target t;
	bool found = fb_apply_target(cfg, r, &t);

	if (!r->reply.has_token && !found)
		fb_apply_unverified(cfg, redis, id, "reply", r->reply.rcpt.len ? r->reply.rcpt.text : NULL, t.why);
	if (!found || (!r->reply.has_token && !r->reply.asks)) {
		bg_log_info("%s: kind=reply rcpt=%s asks=%s token=%s action=none", id, found ? t.addr.text : "-",
		            r->reply.asks ? "yes" : "no", r->reply.has_token ? "yes" : "no");
		return 0;
	}
	if (suppress(cfg, redis, id, t.addr.text, t.entity[0], t.list, "unsubscribe", "reply", now) < 0)
		return -1;
	fb_stat_count(cfg, redis, t.entity[0], t.list, t.addr.text, BG_ST_UNSUB_MAIL, now, id);
	return 0;
}

const char *
fb_apply_reply_mailbox(const struct bg_config *cfg, const char *tag, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@'), *first = NULL;

	for (size_t i = 0; at != NULL && i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];

		if (e->reply_domain == NULL || strcasecmp(e->reply_domain, at + 1) != 0)
			continue;
		if (strcmp(e->verp_tag, tag) == 0)
			return e->reply_mailbox;
		if (first == NULL)
			first = e->reply_mailbox;
	}
	return first;
}

/* The entity a DSN's VERP names (version 2, its tag), or NULL: only counted, trusted with the MAC. */
static const char *
dsn_entity(const struct bg_config *cfg, const struct fb_record *r)
{
	const struct bg_entity *e = r->verp_info.version == 2 ? entity_tagged(cfg, r->verp_info.tag) : NULL;

	return e != NULL ? e->name : NULL;
}

enum fb_result
fb_apply(const struct bg_config *cfg, struct bg_redis *redis, const struct fb_record *r, time_t now, const char *id)
{
	int rc = 0;

	switch (r->kind) {
	case FB_DSN:
		if (r->n_rcpt == 0)
			fb_apply_unverified(cfg, redis, id, "dsn", NULL, "no-recipient");
		for (size_t i = 0; i < r->n_rcpt && rc == 0; i++)
			rc = apply_rcpt(cfg, redis, &r->rcpt[i], dsn_entity(cfg, r), r->reporting_mta, now, id);
		break;
	case FB_ARF: rc = apply_arf(cfg, redis, r, now, id); break;
	case FB_UNSUBSCRIBE: rc = apply_unsubscribe(cfg, redis, r, now, id); break;
	case FB_REPLY: rc = apply_reply(cfg, redis, r, now, id); break;
	default:
		if (r->refused)
			fb_apply_unverified(cfg, redis, id, "not-feedback", NULL, r->why);
		else
			bg_log_info("%s: kind=not-feedback reason=%s action=drop", id, r->why[0] ? r->why : "-");
		break;
	}
	return rc < 0 ? FB_TEMPFAIL : FB_DONE;
}
