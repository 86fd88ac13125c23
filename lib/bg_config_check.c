/*
 * bg_config_check.c - what the option table alone cannot check.
 *
 * After a file is parsed and copied: the Redis address is usable, every
 * domain and sender address is put in the normal form addresses are
 * compared in, entity names and the texts headers are built from cannot
 * inject, dkim blocks and limits are complete, and no SASL user or sender
 * domain belongs to two entities (the lookup indexes are built here).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_addr.h"
#include "bg_config.h"
#include "bg_config_int.h"
#include "bg_orgdomain.h"
#include "bg_config_refs.h"
#include "bg_redis.h"
#include "bg_secret.h"
#include "bg_sentinel.h"
#include "bg_util.h"
#include "bg_verp.h"

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

int
bg_config_index_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct bg_index_entry *)a)->key, ((const struct bg_index_entry *)b)->key);
}

/* Builds a sorted index over one string list of every entity; refuses a key claimed twice. */
static int
build_index(struct bg_load *ld, struct bg_config *cfg, size_t list_off, const char *what, struct bg_index_entry **out,
            size_t *nout)
{
	size_t n = 0;
	struct bg_index_entry *ix = NULL;

	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_strlist *l = AT(&cfg->entities[i], list_off, struct bg_strlist);
		ix = bg_xreallocarray(ix, n + l->n + 1, sizeof(*ix));
		for (size_t j = 0; j < l->n; j++)
			ix[n++] = (struct bg_index_entry){l->v[j], &cfg->entities[i]};
	}
	if (n > 0)
		qsort(ix, n, sizeof(*ix), bg_config_index_cmp);
	*out = ix;
	*nout = n;
	for (size_t i = 1; i < n; i++) {
		if (strcasecmp(ix[i].key, ix[i - 1].key) != 0)
			continue;
		if (ix[i].entity == ix[i - 1].entity)
			bg_config_errat(ld, ix[i].entity->line, "%s \"%s\" is listed twice in entity \"%s\"", what,
			                ix[i].key, ix[i].entity->name);
		else
			bg_config_errat(ld, ix[i].entity->line,
			                "%s \"%s\" belongs to both entity \"%s\" and entity \"%s\"", what, ix[i].key,
			                ix[i - 1].entity->name, ix[i].entity->name);
		return -1;
	}
	return 0;
}

/* Checks one dkim block: every field given. */
static int
check_dkim(struct bg_load *ld, const struct bg_config *cfg, const struct bg_dkim_conf *d)
{
	if (d->domain && d->selector && d->key && *d->domain && *d->selector && *d->key)
		return 0;
	bg_config_errat(ld, d->line, "dkim needs domain, selector and key");
	return -1;
}

/* Reads redis.password_file into redis.password: a file closed to group and others. */
static int
read_redis_password(struct bg_load *ld, struct bg_config *cfg)
{
	struct bg_redis_conf *rc = &cfg->redis;
	char why[256];

	if (rc->password_file == NULL || *rc->password_file == '\0') {
		if (rc->user == NULL || *rc->user == '\0')
			return 0;
		bg_config_errat(ld, ld->password_line, "redis user \"%s\" needs a password_file", rc->user);
		return -1;
	}
	if (bg_secret_read(rc->password_file, &rc->password, why, sizeof(why)) == 0)
		return 0;
	bg_config_errat(ld, ld->password_line, "redis password_file \"%s\" %s", rc->password_file, why);
	return -1;
}

/* Checks the sentinels' addresses and master_name, and reads sentinel_password_file. */
static int
check_sentinels(struct bg_load *ld, struct bg_config *cfg)
{
	struct bg_redis_conf *rc = &cfg->redis;
	char why[256], *host;
	int port;

	if (rc->sentinels.n > BG_SENTINEL_MAX) {
		bg_config_errat(ld, ld->sentinel_line, "redis sentinels: at most %d", BG_SENTINEL_MAX);
		return -1;
	}
	for (size_t i = 0; i < rc->sentinels.n; i++) {
		if (bg_redis_split_address(rc->sentinels.v[i], &host, &port) < 0 || port == 0) {
			free(host);
			bg_config_errat(ld, ld->sentinel_line, "redis sentinel \"%s\" must be host:port or [v6]:port",
			                rc->sentinels.v[i]);
			return -1;
		}
		free(host);
	}
	if (rc->sentinels.n > 0 && (rc->master_name == NULL || *rc->master_name == '\0' ||
	                            strcspn(rc->master_name, " \t\r\n") != strlen(rc->master_name))) {
		bg_config_errat(ld, ld->sentinel_line, "redis master_name must be one word");
		return -1;
	}
	if (rc->sentinel_password_file == NULL || *rc->sentinel_password_file == '\0') {
		if (rc->sentinel_user == NULL || *rc->sentinel_user == '\0')
			return 0;
		bg_config_errat(ld, ld->sentinel_line, "redis sentinel_user \"%s\" needs a sentinel_password_file",
		                rc->sentinel_user);
		return -1;
	}
	if (bg_secret_read(rc->sentinel_password_file, &rc->sentinel_password, why, sizeof(why)) == 0)
		return 0;
	bg_config_errat(ld, ld->sentinel_line, "redis sentinel_password_file \"%s\" %s", rc->sentinel_password_file,
	                why);
	return -1;
}

/*
 * Settles WAIT: by default one replica with sentinels, on a Cluster one
 * replica on each master that has one (-1 stays: lib/bg_redis.c asks ROLE),
 * else off; a WAIT that is on has its timeout under timeout_ms.
 */
static int
check_wait(struct bg_load *ld, struct bg_config *cfg)
{
	struct bg_redis_conf *rc = &cfg->redis;

	if (rc->wait_replicas < 0)
		rc->wait_replicas = rc->sentinels.n > 0 ? 1 : rc->cluster_nodes.n > 0 ? -1 : 0;
	if (rc->wait_replicas <= 0 || rc->wait_timeout_ms < rc->timeout_ms)
		return 0;
	bg_config_errat(ld, 0, "redis wait_timeout_ms (%ld) must be below timeout_ms (%ld)", rc->wait_timeout_ms,
	                rc->timeout_ms);
	return -1;
}

/* Checks that the Redis address is one hiredis can use, and reads the password. */
static int
check_redis(struct bg_load *ld, struct bg_config *cfg)
{
	const char *why;
	struct bg_redis *r;

	if (cfg->redis.cluster_nodes.n > 0 && ld->address_line > 0) {
		bg_config_errat(ld, ld->address_line, "redis address and cluster_nodes exclude each other");
		return -1;
	}
	if (cfg->redis.cluster_nodes.n > 0 && cfg->redis.sentinels.n > 0) { /* a Cluster fails over by itself */
		bg_config_errat(ld, ld->sentinel_line, "redis sentinels and cluster_nodes exclude each other");
		return -1;
	}
	if ((r = bg_redis_new(&cfg->redis, &why)) == NULL) {
		if (cfg->redis.cluster_nodes.n > 0)
			bg_config_errat(ld, 0, "redis cluster_nodes: %s", why);
		else
			bg_config_errat(ld, 0, "redis address \"%s\": %s", cfg->redis.address, why);
		return -1;
	}
	bg_redis_free(r);
	if (check_sentinels(ld, cfg) < 0 || check_wait(ld, cfg) < 0)
		return -1;
	return read_redis_password(ld, cfg);
}

/* Rewrites each domain of l in the normal form of addresses (lower case, IDNA A-label). */
static int
normalise_domains(struct bg_load *ld, const struct bg_config *cfg, int line, const char *what, struct bg_strlist *l)
{
	char buf[BG_ADDR_DOMAIN_MAX + 8];
	struct bg_addr a;

	for (size_t i = 0; i < l->n; i++) {
		snprintf(buf, sizeof(buf), "x@%s", l->v[i]);
		if (strlen(l->v[i]) > BG_ADDR_DOMAIN_MAX || bg_addr_normalise(buf, strlen(buf), 0, &a) != BG_ADDR_OK) {
			bg_config_errat(ld, line, "%s \"%s\" is not a valid domain", what, l->v[i]);
			return -1;
		}
		free(l->v[i]);
		l->v[i] = bg_xstrdup(bg_addr_domain(&a));
	}
	return 0;
}

/* Rewrites each address of l in its normal form. */
static int
normalise_addrs(struct bg_load *ld, const struct bg_config *cfg, int line, const char *what, struct bg_strlist *l)
{
	struct bg_addr a;
	enum bg_addr_status st;

	for (size_t i = 0; i < l->n; i++) {
		st = bg_addr_normalise(l->v[i], strlen(l->v[i]), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a);
		if (st != BG_ADDR_OK) {
			bg_config_errat(ld, line, "%s \"%s\": %s", what, l->v[i], bg_addr_strerror(st));
			return -1;
		}
		free(l->v[i]);
		l->v[i] = bg_xstrdup(a.text);
	}
	return 0;
}

/* Checks that every spf_ips entry is an IPv4 or IPv6 address. */
static int
check_ips(struct bg_load *ld, const struct bg_config *cfg, const struct bg_entity *e)
{
	unsigned char buf[16];

	for (size_t i = 0; i < e->spf_ips.n; i++) {
		const char *ip = e->spf_ips.v[i];
		if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1) {
			bg_config_errat(ld, e->line, "entity \"%s\": spf_ips: \"%s\" is not an IP address", e->name,
			                ip);
			return -1;
		}
	}
	return 0;
}

/* Puts every domain and sender address of the file in the form the code compares them in. */
static int
normalise_names(struct bg_load *ld, struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++) {
		struct bg_entity *e = &cfg->entities[i];
		if (check_ips(ld, cfg, e) < 0 ||
		    normalise_domains(ld, cfg, e->line, "sender domain", &e->sender_domains) < 0 ||
		    normalise_addrs(ld, cfg, e->line, "mandated sender", &e->mandated_senders) < 0 ||
		    normalise_addrs(ld, cfg, e->line, "transactional sender", &e->transactional_senders) < 0 ||
		    normalise_addrs(ld, cfg, e->line, "confirmation sender", &e->confirmation_senders) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->n_groups; i++)
		if (normalise_domains(ld, cfg, cfg->groups[i].line, "domain", &cfg->groups[i].domains) < 0)
			return -1;
	return 0;
}

/*
 * The public mailbox providers' domains, never an entity's sender domain:
 * mail From: them cannot be DKIM-aligned by anyone but the provider (and
 * their DMARC policies say p=reject). "name.*" covers every public suffix.
 */
static const char *const mailbox_providers[] = {
    "gmail.com",      "googlemail.com", "yahoo.*",  "ymail.com",   "rocketmail.com", "aol.*",
    "outlook.*",      "hotmail.*",      "live.com", "msn.com",     "icloud.com",     "me.com",
    "mac.com",        "gmx.*",          "web.de",   "mail.com",    "yandex.*",       "mail.ru",
    "protonmail.com", "proton.me",      "zoho.com", "comcast.net", "att.net",        "verizon.net",
};

/* Returns the forbidden pattern domain matches (built-in or forbidden_sender_domains), or NULL. */
static const char *
forbidden_match(const struct bg_config *cfg, const char *domain)
{
	for (size_t i = 0; i < sizeof(mailbox_providers) / sizeof(mailbox_providers[0]); i++)
		if (bg_orgdomain_matches(domain, mailbox_providers[i]))
			return mailbox_providers[i];
	for (size_t i = 0; i < cfg->forbidden_sender_domains.n; i++)
		if (bg_orgdomain_matches(domain, cfg->forbidden_sender_domains.v[i]))
			return cfg->forbidden_sender_domains.v[i];
	return NULL;
}

/* Refuses an entity sender domain of a public mailbox provider (or one forbidden_sender_domains lists). */
static int
check_forbidden(struct bg_load *ld, const struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const struct bg_entity *e = &cfg->entities[i];
		for (size_t j = 0; j < e->sender_domains.n; j++) {
			const char *hit = forbidden_match(cfg, e->sender_domains.v[j]);
			if (hit != NULL) {
				bg_config_errat(
				    ld, e->line,
				    "entity \"%s\": sender domain \"%s\" is forbidden (\"%s\": a public mailbox "
				    "provider's or in forbidden_sender_domains)",
				    e->name, e->sender_domains.v[j], hit);
				return -1;
			}
		}
	}
	return 0;
}

/* True when s is printable ASCII without space and without any of the bytes in bad. */
static bool
plain_text(const char *s, const char *bad)
{
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr(bad, *s) != NULL)
			return false;
	return true;
}

/*
 * Checks what an entity puts into headers and replies: its name, the
 * unsubscribe URL (https://, a %t, nothing that ends <...> or the header),
 * the mailto address and the Feedback-ID part. Returns NULL or the problem.
 */
static const char *
entity_text_problem(const struct bg_entity *e)
{
	const char *url = e->unsubscribe_url, *mailto = e->unsubscribe_mailto, *fid = e->feedback_id;
	struct bg_addr a;

	if (!plain_text(e->name, ":/;\"\\%<>{}") || strlen(e->name) > 64)
		return "an entity name is at most 64 printable characters without / : ; % < > { } or quotes";
	if (url != NULL && *url != '\0' && strncmp(url, "https://", 8) != 0)
		return "unsubscribe_url must be an https:// URL (RFC 8058)";
	if (url != NULL && *url != '\0' && strstr(url, "%t") == NULL)
		return "unsubscribe_url must contain %t, where the token goes";
	if (url != NULL && !plain_text(url, "<>\"\\,"))
		return "unsubscribe_url must be printable ASCII without spaces, <, >, quotes, \\ or commas";
	if (mailto != NULL && *mailto != '\0' &&
	    (!plain_text(mailto, "<>\"\\,?&%") || bg_addr_normalise(mailto, strlen(mailto), 0, &a) != BG_ADDR_OK))
		return "unsubscribe_mailto must be a plain address";
	if (fid != NULL && !plain_text(fid, ":;\"\\"))
		return "feedback_id must be printable ASCII without spaces or ':'";
	return NULL;
}

/* Gives every entity its VERP tag (the default when not set); refuses a bad tag and a tag two entities share. */
static int
check_verp_tags(struct bg_load *ld, struct bg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entities; i++) {
		struct bg_entity *e = &cfg->entities[i];
		char tag[BG_VERP_TAG_MAX + 1];

		if (e->verp_tag == NULL || *e->verp_tag == '\0') {
			bg_verp_tag_default(e->name, tag);
			free(e->verp_tag);
			e->verp_tag = bg_xstrdup(tag);
		} else if (!bg_verp_tag_valid(e->verp_tag)) {
			bg_config_errat(ld, e->line, "entity \"%s\": verp_tag is 1 to %d characters a-z 0-9", e->name,
			                BG_VERP_TAG_MAX);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->entities[j].verp_tag, e->verp_tag) == 0) {
				bg_config_errat(ld, e->line,
				                "entity \"%s\": verp_tag \"%s\" is also entity \"%s\"'s (set verp_tag)",
				                e->name, e->verp_tag, cfg->entities[j].name);
				return -1;
			}
	}
	return 0;
}

/* True when the entity sets a Reply-To (reply_domain). */
static bool
has_reply(const struct bg_entity *e)
{
	return e->reply_domain != NULL && *e->reply_domain != '\0';
}

/* Normalises reply_domain and reply_mailbox into the entity; returns NULL or the problem. */
static const char *
normalise_reply(struct bg_entity *e)
{
	char buf[BG_ADDR_DOMAIN_MAX + 8];
	struct bg_addr a;

	snprintf(buf, sizeof(buf), "x@%s", e->reply_domain);
	if (strlen(e->reply_domain) > BG_ADDR_DOMAIN_MAX || !plain_text(e->reply_domain, "@<>\"\\[],") ||
	    bg_addr_normalise(buf, strlen(buf), 0, &a) != BG_ADDR_OK)
		return "reply_domain is not a valid domain";
	free(e->reply_domain);
	e->reply_domain = bg_xstrdup(bg_addr_domain(&a));
	if (e->reply_mailbox == NULL || *e->reply_mailbox == '\0')
		return "reply_domain needs reply_mailbox (where replies are passed on)";
	if (!plain_text(e->reply_mailbox, "<>\"\\,") ||
	    bg_addr_normalise(e->reply_mailbox, strlen(e->reply_mailbox), BG_ADDR_KEEP_CASE, &a) != BG_ADDR_OK)
		return "reply_mailbox must be a plain address";
	free(e->reply_mailbox);
	e->reply_mailbox = bg_xstrdup(a.text);
	return NULL;
}

/* Returns the problem of a reply_mailbox at a reply_domain (a loop) or a reply_domain that is a return path, or
 * NULL. */
static const char *
reply_clash(const struct bg_config *cfg, const struct bg_entity *e)
{
	const char *at = strrchr(e->reply_mailbox, '@');

	for (size_t j = 0; j < cfg->n_entities; j++) {
		const struct bg_entity *o = &cfg->entities[j];

		if (has_reply(o) && strcasecmp(at + 1, o->reply_domain) == 0)
			return "reply_mailbox is at a reply_domain: replies would loop";
		if (o->return_path_domain != NULL && strcasecmp(e->reply_domain, o->return_path_domain) == 0)
			return "reply_domain is also a return_path_domain";
	}
	return NULL;
}

/* Checks the entities' reply settings (normalised) and feedback's abuse_addresses (normalised). */
static int
check_reply(struct bg_load *ld, struct bg_config *cfg)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < cfg->n_entities; i++) {
			struct bg_entity *e = &cfg->entities[i];
			const char *why = !has_reply(e) ? NULL : pass == 0 ? normalise_reply(e) : reply_clash(cfg, e);

			if (why != NULL) {
				bg_config_errat(ld, e->line, "entity \"%s\": %s", e->name, why);
				return -1;
			}
		}
	return normalise_addrs(ld, cfg, 0, "feedback abuse address", &cfg->feedback.abuse_addresses);
}

int
bg_config_check(struct bg_load *ld, struct bg_config *cfg)
{
	if (check_redis(ld, cfg) < 0 || normalise_names(ld, cfg) < 0 || check_verp_tags(ld, cfg) < 0 ||
	    check_reply(ld, cfg) < 0 || check_forbidden(ld, cfg) < 0 || bg_config_check_refs(ld, cfg) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_entities; i++) {
		const char *why = entity_text_problem(&cfg->entities[i]);
		if (why != NULL) {
			bg_config_errat(ld, cfg->entities[i].line, "entity \"%s\": %s", cfg->entities[i].name, why);
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_esp_dkim; i++)
		if (check_dkim(ld, cfg, &cfg->esp_dkim[i]) < 0)
			return -1;
	for (size_t i = 0; i < cfg->n_entities; i++)
		for (size_t j = 0; j < cfg->entities[i].n_dkim; j++)
			if (check_dkim(ld, cfg, &cfg->entities[i].dkim[j]) < 0)
				return -1;
	for (size_t i = 0; i < cfg->n_pools; i++) {
		const struct bg_pool *p = &cfg->pools[i];
		if (p->n_warmup_daily > 0 && p->warmup_start == 0) {
			bg_config_errat(ld, p->line, "pool \"%s\": warmup_daily needs warmup_start (the first day)",
			                p->name);
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_limits; i++) {
		const struct bg_limit *l = &cfg->limits[i];
		if ((l->pool == NULL) == (l->entity == NULL) || l->rate.count == 0) {
			bg_config_errat(ld, l->line,
			                "limit needs a rate and either pool (with optional group) or entity");
			return -1;
		}
	}
	if (build_index(ld, cfg, offsetof(struct bg_entity, sasl_users), "sasl user", &cfg->by_sasl, &cfg->n_by_sasl) <
	    0)
		return -1;
	return build_index(ld, cfg, offsetof(struct bg_entity, sender_domains), "sender domain", &cfg->by_domain,
	                   &cfg->n_by_domain);
}
