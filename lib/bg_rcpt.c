/*
 * bg_rcpt.c - the recipient gate: Redis facts in, one decision out.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_erase.h"
#include "bg_rcpt.h"

/* Kinds of suppression, weakest first: the order decides which one is reported. */
enum bg_kind { BG_K_NONE = 0, BG_K_UNSUBSCRIBE, BG_K_COMPLAINT, BG_K_DEAD };

#define FIELD_MAX (sizeof("suppress:/") + 2 * BG_ADDR_LOCAL_MAX + 256)

/* Copies the first word of a stored value into reason, keeping only [a-z0-9._-]. */
static void
reason_word(const char *value, char *reason, size_t len)
{
	size_t n = 0;

	value += strspn(value, " \t");
	for (const char *p = value; *p && *p != ' ' && *p != '\t' && n + 1 < len; p++)
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')
			reason[n++] = (char)tolower((unsigned char)*p);
	reason[n] = '\0';
	if (n == 0)
		bg_strlcpy(reason, "manual", len);
}

/* Classifies a reason word. */
static enum bg_kind
reason_kind(const char *reason)
{
	if (strcmp(reason, "bounce") == 0 || strcmp(reason, "invalid") == 0)
		return BG_K_DEAD;
	if (strcmp(reason, "complaint") == 0)
		return BG_K_COMPLAINT;
	return BG_K_UNSUBSCRIBE;
}

/* True when a suppression of kind k stops mail of this class from this entity. */
static bool
kind_applies(enum bg_kind k, enum bg_class c, const struct bg_entity *e)
{
	switch (k) {
	case BG_K_DEAD:
		return true;
	case BG_K_COMPLAINT:
		return c == BG_CLASS_BULK || c == BG_CLASS_CONFIRMATION ||
		       (c == BG_CLASS_MANDATED && !e->mandated_reaches_complainers);
	case BG_K_UNSUBSCRIBE:
		return c == BG_CLASS_BULK || c == BG_CLASS_CONFIRMATION;
	default:
		return false;
	}
}

/* The suppression facts: literal scopes, then the base address's, in the same order. */
static const enum bg_fact suppress_facts[] = { BG_F_SUPPRESS,      BG_F_SUPPRESS_ENTITY,      BG_F_SUPPRESS_LIST,
					      BG_F_BASE_SUPPRESS, BG_F_BASE_SUPPRESS_ENTITY, BG_F_BASE_SUPPRESS_LIST };

/* True for the facts of the global scope, the only ones that count for mail of no entity. */
static bool
global_fact(enum bg_fact f)
{
	return f == BG_F_SUPPRESS || f == BG_F_BASE_SUPPRESS;
}

/* Finds the strongest suppression that applies to class c; fills reason and returns true if any. */
static bool
suppressed(const struct bg_sender *s, enum bg_class c, const struct bg_rcpt_facts *f, char *reason, size_t len)
{
	enum bg_kind best = BG_K_NONE;
	char word[33];

	for (size_t i = 0; i < sizeof(suppress_facts) / sizeof(suppress_facts[0]); i++) {
		enum bg_fact fact = suppress_facts[i];
		if (f->v[fact] == NULL || (s->entity == NULL && !global_fact(fact)))
			continue;
		reason_word(f->v[fact], word, sizeof(word));
		enum bg_kind k = reason_kind(word);
		if (k > best && kind_applies(k, c, s->entity)) {
			best = k;
			bg_strlcpy(reason, word, len);
		}
	}
	return best != BG_K_NONE;
}

/* Returns the consent level a stored value proves at now, NONE if it is unreadable or too old. */
static enum bg_consent
consent_level(const char *value, const struct bg_entity *e, time_t now)
{
	static const char *levels[] = { "none", "single", "notified", "confirmed" };
	size_t wlen = strcspn(value, " ");
	enum bg_consent level = BG_CONSENT_NONE;
	char *end;
	long long t;

	for (int i = 1; i < 4; i++)
		if (wlen == strlen(levels[i]) && strncasecmp(value, levels[i], wlen) == 0)
			level = (enum bg_consent)i;
	if (level == BG_CONSENT_NONE || e->consent_max_age_days == 0)
		return level;
	/* consent that expires must say when it was given */
	if (value[wlen] != ' ')
		return BG_CONSENT_NONE;
	t = strtoll(value + wlen + 1, &end, 10);
	if (end == value + wlen + 1 || (*end != '\0' && *end != ' '))
		return BG_CONSENT_NONE;
	return (long long)now - t > e->consent_max_age_days * 86400LL ? BG_CONSENT_NONE : level;
}

/* True when the recipient's consent (the stronger of entity and list) is enough. */
static bool
consented(const struct bg_sender *s, const struct bg_rcpt_facts *f, time_t now)
{
	enum bg_consent have = BG_CONSENT_NONE;

	for (int i = BG_F_CONSENT_ENTITY; i <= BG_F_CONSENT_LIST; i++) {
		if (f->v[i] == NULL)
			continue;
		enum bg_consent c = consent_level(f->v[i], s->entity, now);
		if (c > have)
			have = c;
	}
	return have >= s->entity->consent;
}

void
bg_rcpt_decide(const struct bg_sender *s, const struct bg_rcpt_facts *f, time_t now,
	       struct bg_decision *d)
{
	/* mail of no entity is judged as transactional mail: dead addresses only */
	enum bg_class c = s->entity != NULL ? s->class : BG_CLASS_TRANSACTIONAL;
	bool gated = c == BG_CLASS_BULK || c == BG_CLASS_CONFIRMATION;

	memset(d, 0, sizeof(*d));
	if (f->v[BG_F_BLOCKED] != NULL) {
		d->verdict = BG_V_SUPPRESSED; /* forgotten and kept blocked: no mail of any class */
		bg_strlcpy(d->reason, "blocked", sizeof(d->reason));
	} else if (suppressed(s, c, f, d->reason, sizeof(d->reason)))
		d->verdict = BG_V_SUPPRESSED;
	else if (gated && f->v[BG_F_SUSPEND] != NULL)
		d->verdict = BG_V_SUSPENDED;
	else if (c == BG_CLASS_BULK && !consented(s, f, now))
		d->verdict = BG_V_NO_CONSENT;
	else
		d->claim_confirmation = c == BG_CLASS_CONFIRMATION;
}

/* Formats into buf (of FIELD_MAX) "<what>:<entity>" or "<what>:<entity>/<list>". */
static const char *
field(char *buf, const char *what, const struct bg_sender *s, bool with_list)
{
	snprintf(buf, FIELD_MAX, with_list ? "%s:%s/%s" : "%s:%s", what, s->entity->name, s->list);
	return buf;
}

/*
 * Names the fields one HMGET reads into names (pointing into f or at
 * static text): the global suppress field, and with an entity its
 * suppress:<entity>[/<list>] fields and, when with_consent, its consent
 * fields, in the order of the fact lists below. Returns how many.
 */
static int
hmget_fields(const struct bg_sender *s, bool with_consent, char f[4][FIELD_MAX], const char **names)
{
	int n = 0;

	names[n++] = "suppress";
	if (s->entity != NULL) {
		names[n++] = field(f[0], "suppress", s, false);
		if (with_consent)
			names[n++] = field(f[1], "consent", s, false);
		if (s->list[0] != '\0') {
			names[n++] = field(f[2], "suppress", s, true);
			if (with_consent)
				names[n++] = field(f[3], "consent", s, true);
		}
	}
	return n;
}

/*
 * Queues HMGET of key: the global suppress field, and with an entity its
 * suppress:<entity>[/<list>] fields and, when with_consent, its consent
 * fields, in the order of the fact list the caller maps them with. Returns
 * the number of fields, or -1.
 */
static int
queue_hmget(struct bg_redis *r, const char *key, const struct bg_sender *s, bool with_consent)
{
	char f[4][FIELD_MAX];
	const char *argv[7] = { "HMGET", key };
	int n = hmget_fields(s, with_consent, f, argv + 2);

	return bg_redis_append(r, n + 2, argv, NULL) < 0 ? -1 : n;
}

/* Facts in the order queue_hmget asks for them, with and without consent. */
static const enum bg_fact literal_order[] = { BG_F_SUPPRESS, BG_F_SUPPRESS_ENTITY, BG_F_CONSENT_ENTITY,
					     BG_F_SUPPRESS_LIST, BG_F_CONSENT_LIST };
static const enum bg_fact base_order[] = { BG_F_BASE_SUPPRESS, BG_F_BASE_SUPPRESS_ENTITY, BG_F_BASE_SUPPRESS_LIST };

/* The replies of one lookup, in the order they were queued; NULL when not asked. */
struct lookup {
	redisReply *literal, *base, *suspend;
	redisReply *blocked[2 * BG_ERASE_KEYS];
	int nliteral, nbase, nblocked;
};

/* Queues GET of the bg:blocked: key of addr under each of the first BG_ERASE_KEYS keys. */
static int
queue_blocked(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const struct bg_addr *addr,
	      struct lookup *l)
{
	char key[BG_ERASE_KEYLEN];
	const char *argv[2] = { "GET", key };

	for (size_t n = 0; n < BG_ERASE_KEYS && bg_erase_blocked_key(keys, n, prefix, addr->text, key, sizeof(key)) == 0;
	     n++) {
		if (bg_redis_append(r, 2, argv, NULL) < 0)
			return -1;
		l->nblocked++;
	}
	return 0;
}

/* Queues the lookup: HMGET of rcpt, HMGET of its base (when it differs), GET of the suspension key. */
static int
fetch_send(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const struct bg_sender *s,
	   const struct bg_addr *rcpt, const struct bg_addr *base, struct lookup *l)
{
	char key[512], bkey[512], skey[512];
	const char *gargv[2] = { "GET", skey };

	snprintf(key, sizeof(key), "%srcpt:%s", prefix, rcpt->text);
	if ((l->nliteral = queue_hmget(r, key, s, true)) < 0)
		return -1;
	if (base != NULL) {
		snprintf(bkey, sizeof(bkey), "%srcpt:%s", prefix, base->text);
		if ((l->nbase = queue_hmget(r, bkey, s, false)) < 0)
			return -1;
	}
	if (keys != NULL && (queue_blocked(r, prefix, keys, rcpt, l) < 0 ||
			     (base != NULL && queue_blocked(r, prefix, keys, base, l) < 0)))
		return -1;
	if (s->entity == NULL)
		return 0;
	snprintf(skey, sizeof(skey), "%ssuspend:%s", prefix, s->entity->name);
	return bg_redis_append(r, 2, gargv, NULL);
}

/* Reads every reply fetch_send queued; -1 when Redis failed (the pipeline is then lost). */
static int
fetch_read(struct bg_redis *r, const struct bg_sender *s, bool with_base, struct lookup *l)
{
	if ((l->literal = bg_redis_reply(r)) == NULL)
		return -1;
	if (with_base && (l->base = bg_redis_reply(r)) == NULL)
		return -1;
	for (int i = 0; i < l->nblocked; i++)
		if ((l->blocked[i] = bg_redis_reply(r)) == NULL)
			return -1;
	if (s->entity != NULL && (l->suspend = bg_redis_reply(r)) == NULL)
		return -1;
	return 0;
}

/* Frees the replies of a lookup. */
static void
lookup_free(struct lookup *l)
{
	if (l->literal != NULL)
		freeReplyObject(l->literal);
	if (l->base != NULL)
		freeReplyObject(l->base);
	if (l->suspend != NULL)
		freeReplyObject(l->suspend);
	for (int i = 0; i < l->nblocked; i++)
		if (l->blocked[i] != NULL)
			freeReplyObject(l->blocked[i]);
}

/* Maps an HMGET's array (fields in order) onto facts; -1 if malformed. */
static int
fetch_map(const redisReply *hm, const enum bg_fact *order, int nfields, struct bg_rcpt_facts *f)
{
	if (hm->type != REDIS_REPLY_ARRAY || hm->elements != (size_t)nfields)
		return -1;
	for (int i = 0; i < nfields; i++) {
		const redisReply *e = hm->element[i];
		if (e->type == REDIS_REPLY_STRING)
			f->v[order[i]] = e->str;
		else if (e->type != REDIS_REPLY_NIL)
			return -1;
	}
	return 0;
}

/* Turns the replies of a lookup into facts; -1 if any is malformed (a wrong type, an error). */
static int
lookup_facts(const struct lookup *l, struct bg_rcpt_facts *f)
{
	if (fetch_map(l->literal, literal_order, l->nliteral, f) < 0)
		return -1;
	if (l->base != NULL && fetch_map(l->base, base_order, l->nbase, f) < 0)
		return -1;
	for (int i = 0; i < l->nblocked; i++) {
		if (l->blocked[i]->type == REDIS_REPLY_STRING)
			f->v[BG_F_BLOCKED] = l->blocked[i]->str;
		else if (l->blocked[i]->type != REDIS_REPLY_NIL)
			return -1;
	}
	if (l->suspend == NULL)
		return 0;
	if (l->suspend->type != REDIS_REPLY_NIL && l->suspend->type != REDIS_REPLY_STRING)
		return -1;
	f->v[BG_F_SUSPEND] = l->suspend->type == REDIS_REPLY_STRING ? l->suspend->str : NULL;
	return 0;
}

/* Records why a lookup could not be used: the first error reply's text, else a wrong type. */
static void
lookup_error(struct bg_redis *r, const struct lookup *l)
{
	const redisReply *rep[3 + 2 * BG_ERASE_KEYS] = { l->literal, l->base, l->suspend };

	for (int i = 0; i < l->nblocked; i++)
		rep[3 + i] = l->blocked[i];
	for (int i = 0; i < 3 + l->nblocked; i++)
		if (rep[i] != NULL && rep[i]->type == REDIS_REPLY_ERROR) {
			bg_redis_reply_error(r, rep[i], NULL);
			return;
		}
	bg_redis_reply_error(r, NULL, "unexpected reply type");
}

/* Fetches the facts of one recipient (and its base when not NULL) in one round trip; -1 on any failure. */
static int
lookup(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const struct bg_sender *s,
       const struct bg_addr *rcpt, const struct bg_addr *base, struct lookup *l, struct bg_rcpt_facts *f)
{
	if (fetch_send(r, prefix, keys, s, rcpt, base, l) < 0 || fetch_read(r, s, base != NULL, l) < 0)
		return -1;
	if (lookup_facts(l, f) < 0) {
		lookup_error(r, l);
		return -1;
	}
	return 0;
}

/* Takes back a claim WAIT could not confirm, so that the MTA's retry can make it (best effort). */
static void
unclaim(struct bg_redis *r, const char *key)
{
	const char *argv[2] = { "DEL", key };
	redisReply *rep;

	if (bg_redis_append(r, 2, argv, NULL) == 0 && (rep = bg_redis_reply(r)) != NULL)
		freeReplyObject(rep);
}

/*
 * Claims the (base) address for one confirmation; 1 claimed, 0 claimed
 * already, -1 error. With redis.wait_replicas a claim counts only once WAIT
 * says a replica has it: the message it lets through is an acknowledged
 * write, and a failover must not let a second confirmation through within
 * confirmation_interval. A claim WAIT cannot confirm is taken back and is an
 * error (the recipient is deferred, and the retry claims again).
 */
static int
claim_confirmation(struct bg_redis *r, const char *prefix, const struct bg_sender *s, const struct bg_addr *rcpt,
		   time_t now)
{
	char key[512], val[32], ttl[32];
	const char *argv[6] = { "SET", key, val, "NX", "EX", ttl };
	redisReply *rep;
	int rc = -1;

	snprintf(key, sizeof(key), "%sconfirm:%s:%s", prefix, s->entity->name, rcpt->text);
	snprintf(val, sizeof(val), "%lld", (long long)now);
	snprintf(ttl, sizeof(ttl), "%ld", s->entity->confirmation_interval);
	if (bg_redis_append(r, 6, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STATUS)
		rc = 1;
	else if (rep->type == REDIS_REPLY_NIL)
		rc = 0;
	else
		bg_redis_reply_error(r, rep, "unexpected reply type");
	freeReplyObject(rep);
	if (rc == 1 && bg_redis_wait(r) < 0) {
		unclaim(r, key);
		rc = -1;
	}
	return rc;
}

void
bg_rcpt_check(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const struct bg_sender *s,
	      const struct bg_addr *rcpt, time_t now, struct bg_decision *d)
{
	struct bg_rcpt_facts f = { { NULL } };
	struct lookup l = { NULL, NULL, NULL, { NULL }, 0, 0, 0 };
	struct bg_addr base;
	bool variant = bg_addr_base(rcpt, s->rcpt_delim, &base);
	int claimed;

	memset(d, 0, sizeof(*d));
	d->verdict = BG_V_UNAVAILABLE;
	if (lookup(r, prefix, keys, s, rcpt, variant ? &base : NULL, &l, &f) < 0)
		goto out;
	bg_rcpt_decide(s, &f, now, d);
	if (d->verdict == BG_V_ACCEPT && d->claim_confirmation) {
		claimed = claim_confirmation(r, prefix, s, variant ? &base : rcpt, now);
		if (claimed <= 0)
			d->verdict = claimed == 0 ? BG_V_CONFIRM_RECENT : BG_V_UNAVAILABLE;
	}
out:
	lookup_free(&l);
}

int
bg_rcpt_list_suppressed(struct bg_redis *r, const char *prefix, const struct bg_sender *s, const struct bg_addr *rcpt,
                        char *reason, size_t len)
{
	struct bg_rcpt_facts f = { { NULL } };
	struct lookup l = { NULL, NULL, NULL, { NULL }, 0, 0, 0 };
	struct bg_addr base;
	bool variant = bg_addr_base(rcpt, s->rcpt_delim, &base);
	int rc = -1;

	/* only the suppress fields matter here: no blocked keys (keys NULL), the gate read those at RCPT */
	if (lookup(r, prefix, NULL, s, rcpt, variant ? &base : NULL, &l, &f) < 0)
		goto out;
	rc = suppressed(s, s->class, &f, reason, len) ? 1 : 0;
out:
	lookup_free(&l);
	return rc;
}

/* Appends one key/field read and its reply (a string, or absent) to t. */
static void
trace_add(struct bg_rcpt_trace *t, const char *key, const char *field, const redisReply *v)
{
	struct bg_rcpt_seen *e;

	if (t->n == BG_RCPT_SEEN_MAX)
		return;
	e = &t->seen[t->n++];
	bg_strlcpy(e->key, key, sizeof(e->key));
	bg_strlcpy(e->field, field, sizeof(e->field));
	e->found = v != NULL && v->type == REDIS_REPLY_STRING;
	bg_strlcpy(e->value, e->found ? v->str : "", sizeof(e->value));
}

/* Adds the fields of one HMGET reply (key, as queue_hmget asked for them) to t. */
static void
trace_hmget(struct bg_rcpt_trace *t, const char *prefix, const struct bg_addr *a, const struct bg_sender *s,
	    bool with_consent, const redisReply *hm)
{
	char f[4][FIELD_MAX], key[600];
	const char *names[5];
	int n = hmget_fields(s, with_consent, f, names);

	snprintf(key, sizeof(key), "%srcpt:%s", prefix, a->text);
	for (int i = 0; i < n && (size_t)i < hm->elements; i++)
		trace_add(t, key, names[i], hm->element[i]);
}

/* Adds every reply of a lookup to t, in the order they were read. */
static void
trace_lookup(struct bg_rcpt_trace *t, const char *prefix, const struct bg_token_keys *keys,
	     const struct bg_sender *s, const struct bg_addr *rcpt, const struct bg_addr *base, const struct lookup *l)
{
	char key[BG_ERASE_KEYLEN + 600];
	int b = 0;

	trace_hmget(t, prefix, rcpt, s, true, l->literal);
	if (base != NULL)
		trace_hmget(t, prefix, base, s, false, l->base);
	for (int pass = 0; pass < (base != NULL ? 2 : 1); pass++)
		for (size_t n = 0; b < l->nblocked &&
				   bg_erase_blocked_key(keys, n, prefix, (pass ? base : rcpt)->text, key, sizeof(key)) == 0 &&
				   n < BG_ERASE_KEYS;
		     n++)
			trace_add(t, key, "", l->blocked[b++]);
	if (l->suspend != NULL) {
		snprintf(key, sizeof(key), "%ssuspend:%s", prefix, s->entity->name);
		trace_add(t, key, "", l->suspend);
	}
}

/* Reads (never sets) the confirmation claim the milter would make; 1 held, 0 free, -1 error. */
static int
peek_claim(struct bg_redis *r, const char *prefix, const struct bg_sender *s, const struct bg_addr *a,
	   struct bg_rcpt_trace *t)
{
	char key[512];
	const char *argv[2] = { "GET", key };
	redisReply *rep;
	int held = -1;

	snprintf(key, sizeof(key), "%sconfirm:%s:%s", prefix, s->entity->name, a->text);
	if (bg_redis_append(r, 2, argv, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STRING || rep->type == REDIS_REPLY_NIL)
		held = rep->type == REDIS_REPLY_STRING;
	else
		bg_redis_reply_error(r, rep, "unexpected reply type");
	trace_add(t, key, "", rep);
	freeReplyObject(rep);
	return held;
}

void
bg_rcpt_explain(struct bg_redis *r, const char *prefix, const struct bg_token_keys *keys, const struct bg_sender *s,
		const struct bg_addr *rcpt, time_t now, struct bg_decision *d, struct bg_rcpt_trace *t)
{
	struct bg_rcpt_facts f = { { NULL } };
	struct lookup l = { NULL, NULL, NULL, { NULL }, 0, 0, 0 };
	struct bg_addr base;
	bool variant = bg_addr_base(rcpt, s->rcpt_delim, &base);
	int held;

	memset(d, 0, sizeof(*d));
	t->n = 0;
	d->verdict = BG_V_UNAVAILABLE;
	if (lookup(r, prefix, keys, s, rcpt, variant ? &base : NULL, &l, &f) < 0)
		goto out;
	trace_lookup(t, prefix, keys, s, rcpt, variant ? &base : NULL, &l);
	bg_rcpt_decide(s, &f, now, d);
	if (d->verdict == BG_V_ACCEPT && d->claim_confirmation) {
		held = peek_claim(r, prefix, s, variant ? &base : rcpt, t);
		if (held != 0)
			d->verdict = held > 0 ? BG_V_CONFIRM_RECENT : BG_V_UNAVAILABLE;
	}
out:
	lookup_free(&l);
}

/*
 * Copies addr into out without its angle brackets, keeping printable ASCII
 * except '%' (libmilter formats reply texts) and at most len-1 bytes.
 */
static void
safe_addr(const char *addr, char *out, size_t len)
{
	size_t n = 0, alen = strlen(addr);

	if (alen >= 2 && addr[0] == '<' && addr[alen - 1] == '>') {
		addr++;
		alen -= 2;
	}
	for (size_t i = 0; i < alen && n + 1 < len; i++) {
		unsigned char ch = (unsigned char)addr[i];
		out[n++] = (ch > 0x20 && ch < 0x7f && ch != '%') ? (char)ch : '?';
	}
	out[n] = '\0';
}

void
bg_rcpt_reply(const struct bg_decision *d, const struct bg_sender *s, const char *addr,
	      struct bg_reply *out)
{
	static const struct {
		const char *code, *xcode;
	} codes[BG_V_COUNT] = {
		[BG_V_ACCEPT] = { "250", "2.1.5" },	     [BG_V_SUPPRESSED] = { "550", "5.7.1" },
		[BG_V_NO_CONSENT] = { "550", "5.7.1" },	     [BG_V_SUSPENDED] = { "451", "4.7.1" },
		[BG_V_CONFIRM_RECENT] = { "550", "5.7.1" },  [BG_V_ONE_PER_MESSAGE] = { "452", "4.5.3" },
		[BG_V_UNAVAILABLE] = { "451", "4.3.0" },     [BG_V_BAD_ADDRESS] = { "550", "5.1.3" },
	};
	const char *ename = s->entity ? s->entity->name : "";
	char a[BG_ADDR_MAX + 1], list[BG_LIST_MAX + 1];

	safe_addr(addr, a, sizeof(a));
	safe_addr(s->list, list, sizeof(list));
	bg_strlcpy(out->code, codes[d->verdict].code, sizeof(out->code));
	bg_strlcpy(out->xcode, codes[d->verdict].xcode, sizeof(out->xcode));
	switch (d->verdict) {
	case BG_V_SUPPRESSED:
		snprintf(out->text, sizeof(out->text), "<%s>: recipient suppressed (%s)", a, d->reason);
		break;
	case BG_V_NO_CONSENT:
		snprintf(out->text, sizeof(out->text), "<%s>: no recorded consent for %s%s%s", a, ename,
			 list[0] ? "/" : "", list);
		break;
	case BG_V_SUSPENDED:
		snprintf(out->text, sizeof(out->text), "bulk mail of %s suspended", ename);
		break;
	case BG_V_CONFIRM_RECENT:
		snprintf(out->text, sizeof(out->text), "<%s>: confirmation sent recently", a);
		break;
	case BG_V_ONE_PER_MESSAGE:
		snprintf(out->text, sizeof(out->text), "Too many recipients: one per message");
		break;
	case BG_V_UNAVAILABLE:
		snprintf(out->text, sizeof(out->text), "Recipient policy unavailable, try again later");
		break;
	case BG_V_BAD_ADDRESS:
		snprintf(out->text, sizeof(out->text), "<%s>: bad recipient address syntax", a);
		break;
	default:
		snprintf(out->text, sizeof(out->text), "<%s>: recipient ok", a);
		break;
	}
}

const char *
bg_verdict_name(enum bg_verdict v)
{
	switch (v) {
	case BG_V_ACCEPT: return "accept";
	case BG_V_SUPPRESSED: return "suppressed";
	case BG_V_NO_CONSENT: return "no_consent";
	case BG_V_SUSPENDED: return "suspended";
	case BG_V_CONFIRM_RECENT: return "confirmation_recent";
	case BG_V_ONE_PER_MESSAGE: return "one_per_message";
	case BG_V_UNAVAILABLE: return "unavailable";
	case BG_V_BAD_ADDRESS: return "bad_address";
	case BG_V_COUNT: break;
	}
	return "?";
}
