/*
 * bg_config.h - bulkguard.conf, loaded once into an immutable record.
 *
 * The file is libconfuse syntax (doc/design.md 3.12). Every option is
 * one row of the table in bg_config_table.c (name, type, default, bounds,
 * where it is stored), and bulkguard.conf(5) documents each row. A loaded
 * configuration is never changed: a reload loads a new one and swaps it in.
 *
 * DIAGNOSTICS: bg_config_load returns NULL with "file:line: text" in the caller's err; nothing else fails.
 */
#ifndef BG_CONFIG_H
#define BG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bg_util.h"

#define BG_CONFIG_DEFAULT "/etc/bulkguard/bulkguard.conf"
#define BG_EX_CONFIG 78 /* EX_CONFIG: what -n and a bad start-up exit with */

/*
 * Word-valued options. Each list below is written once, as X(code, "word"),
 * and gives the enum, the words the file may use (bg_config_words.c) and the
 * name of each code (a switch on the enum, so -Wswitch finds one missing).
 */
/* clang-format off */
#define BG_ENUM_CODE(code, word) code,

/* Consent levels, weakest to strongest (the BCP's three opt-in levels). */
#define BG_CONSENT_WORDS(X) \
	X(BG_CONSENT_NONE, "none") \
	X(BG_CONSENT_SINGLE, "single") \
	X(BG_CONSENT_NOTIFIED, "notified") \
	X(BG_CONSENT_CONFIRMED, "confirmed")
enum bg_consent { BG_CONSENT_WORDS(BG_ENUM_CODE) };

/* Message classes (doc/design.md 3.3, the class table). */
#define BG_CLASS_WORDS(X) \
	X(BG_CLASS_BULK, "bulk") \
	X(BG_CLASS_CONFIRMATION, "confirmation") \
	X(BG_CLASS_TRANSACTIONAL, "transactional") \
	X(BG_CLASS_MANDATED, "mandated")
enum bg_class { BG_CLASS_WORDS(BG_ENUM_CODE) };

/* milter.on_redis_error */
#define BG_ON_ERROR_WORDS(X) \
	X(BG_ONERR_TEMPFAIL, "tempfail") \
	X(BG_ONERR_ACCEPT, "accept")
enum bg_on_error { BG_ON_ERROR_WORDS(BG_ENUM_CODE) };

/* milter.unknown_sender */
#define BG_UNKNOWN_WORDS(X) \
	X(BG_UNKNOWN_ACCEPT, "accept") \
	X(BG_UNKNOWN_REJECT, "reject") \
	X(BG_UNKNOWN_PASS, "pass")
enum bg_unknown { BG_UNKNOWN_WORDS(BG_ENUM_CODE) };

/* policy.on_redis_error */
#define BG_POL_ON_ERROR_WORDS(X) \
	X(BG_POL_ONERR_DEFER, "defer") \
	X(BG_POL_ONERR_DUNNO, "dunno")
enum bg_pol_on_error { BG_POL_ON_ERROR_WORDS(BG_ENUM_CODE) };

/* dkim.algorithm */
#define BG_DKIM_ALG_WORDS(X) \
	X(BG_DKIM_RSA_SHA256, "rsa-sha256") \
	X(BG_DKIM_ED25519_SHA256, "ed25519-sha256")
enum bg_dkim_alg { BG_DKIM_ALG_WORDS(BG_ENUM_CODE) };

/* entity.unsubscribe_scope: what one unsubscribe suppresses */
#define BG_SCOPE_WORDS(X) \
	X(BG_SCOPE_ENTITY, "entity") \
	X(BG_SCOPE_LIST, "list")
enum bg_scope { BG_SCOPE_WORDS(BG_ENUM_CODE) };

/* entity.spf_policy: what softfail, neutral and none get */
#define BG_SPF_POLICY_WORDS(X) \
	X(BG_SPF_POLICY_REFUSE, "refuse") \
	X(BG_SPF_POLICY_ACCEPT, "accept")
enum bg_spf_policy { BG_SPF_POLICY_WORDS(BG_ENUM_CODE) };

/* pool tls: Postfix's smtp_tls_security_level for the pool's transports */
#define BG_TLS_WORDS(X) \
	X(BG_TLS_MAY, "may") \
	X(BG_TLS_ENCRYPT, "encrypt")
enum bg_tls { BG_TLS_WORDS(BG_ENUM_CODE) };

/* milter.missing_headers: what a message without Date: or Message-ID: gets */
#define BG_MISSING_WORDS(X) \
	X(BG_MISSING_ADD, "add") \
	X(BG_MISSING_REFUSE, "refuse")
enum bg_missing { BG_MISSING_WORDS(BG_ENUM_CODE) };
/* clang-format on */

/*
 * How to reach Redis: every connection of every program is made from this
 * (bg_redis_new, pol_redis_new, bg_cluster_new). password is read from
 * password_file when the configuration is loaded; it is never printed.
 */
struct bg_redis_conf {
	char *address;
	long timeout_ms;
	char *prefix;
	char *user;          /* ACL user for AUTH; NULL: the default user */
	char *password_file; /* NULL: no AUTH */
	char *password;      /* read at load, never printed; NULL without password_file */
	long db;             /* SELECTed on every connection when not 0 */
	struct bg_strlist cluster_nodes; /* Redis Cluster seeds, "host:port"; none: address is one Redis */
	struct bg_strlist sentinels;  /* "host:port" of each; not empty: the master is found through them */
	char *master_name;            /* the master's name at the sentinels */
	char *sentinel_user;          /* ACL user for AUTH at the sentinels; NULL: the default user */
	char *sentinel_password_file; /* NULL: no AUTH at the sentinels */
	char *sentinel_password;      /* read at load, never printed */
	long wait_replicas;           /* WAIT for this many replicas after an acknowledged write; 0: off */
	long wait_timeout_ms;         /* WAIT's timeout */
};

/* A rate: count events per period seconds (0/0 when unset). */
struct bg_rate {
	long count;
	long period;
};

struct bg_dkim_conf {
	char *domain;
	char *selector;
	char *key;
	enum bg_dkim_alg algorithm;
	int line;
};

struct bg_entity {
	char *name;
	int line;
	struct bg_strlist sender_domains;
	struct bg_strlist sasl_users;
	enum bg_consent consent;
	long consent_max_age_days;
	bool per_recipient;
	char *unsubscribe_url;
	char *unsubscribe_mailto;
	enum bg_scope unsubscribe_scope;
	bool keep_unsubscribe;
	char *feedback_id;
	struct bg_strlist mandated_senders;
	bool mandated_reaches_complainers;
	struct bg_strlist transactional_senders;
	struct bg_strlist confirmation_senders;
	long confirmation_interval; /* seconds */
	char *pool;
	char *mandated_pool;
	char *transactional_pool;
	char *confirmation_pool;
	char *return_path_domain;
	struct bg_strlist spf_ips;
	enum bg_spf_policy spf_policy;
	char *verp_tag;  /* the entity's tag in its VERPs (bg_verp.h); set to the default when not given */
	char *display_name;          /* the brand as people know it, on the unsubscribe pages; NULL: the name */
	char *unsubscribe_templates; /* a directory of the unsubscribe pages' HTML (bulkguard-unsubd); NULL: built in */
	/* the milter sets a per-recipient Reply-To at reply_domain (bg_verp_reply_make) */
	char *reply_domain;
	/* where bulkguard-feedback passes every reply on, for people to read */
	char *reply_mailbox;
	struct bg_dkim_conf *dkim;
	size_t n_dkim;
};

/* The smtp transport of IP number n (1-based, in the order of ips) of a pool: bulkguard-policyd
 * answers "FILTER <transport>:", bulkguard-ctl postfix-config writes it into master.cf. */
#define BG_POOL_TRANSPORT_FMT "bg-%s-%zu"

struct bg_pool {
	char *name;
	int line;
	struct bg_strlist ips;
	char *helo;
	struct bg_rate rate;
	long warmup_start; /* unix time of the first day, 0 unset */
	long *warmup_daily;
	size_t n_warmup_daily;
	enum bg_tls tls; /* outbound TLS of the pool's transports */
};

struct bg_domain_group {
	char *name;
	int line;
	struct bg_strlist domains;
};

struct bg_limit {
	int line;
	char *pool;
	char *group;
	char *entity;
	struct bg_rate rate;
	long burst;
};

/* One index entry: a key (SASL user or domain) and the entity it names. */
struct bg_index_entry {
	const char *key;
	const struct bg_entity *entity;
};

struct bg_config {
	char *file;
	char *user;
	bool audit;
	char *recipient_delimiter;
	bool keep_local_case;
	struct bg_strlist forbidden_sender_domains; /* added to the built-in list of mailbox providers */

	struct bg_redis_conf redis;
	struct {
		char *socket;
		long socket_mode;    /* of a unix socket, set after it is made */
		enum bg_on_error on_redis_error;
		enum bg_unknown unknown_sender;
		long timeout;        /* seconds libmilter waits on the MTA */
		long backlog;
		char *spf_zone;      /* answer SPF lookups from this zone file, not DNS */
		long spf_cache_ttl;  /* seconds an SPF result is reused */
		enum bg_missing missing_headers;
		char *metrics_listen; /* host:port of /metrics and /healthz; NULL or "": none */
	} milter;
	struct {
		char *listen;
		enum bg_pol_on_error on_redis_error;
		long socket_mode;    /* of a unix socket */
		char *metrics_listen;
	} policy;
	struct {
		char *key_file;
		char *listen;
		long socket_mode; /* of a unix socket */
		long undo_window; /* seconds the done page offers an undo; 0: none */
		char *metrics_listen;
	} unsubscribe;
	struct {
		long bounce_threshold;
		long bounce_min_span_days;
		long verp_max_age;      /* seconds; VERPs are honoured for this many whole days */
		long verp_upgrade_date; /* unix time of the day version 2 VERPs began, 0 unset */
		/* mail to these carrying our token or VERP is a complaint */
		struct bg_strlist abuse_addresses;
		/* host names of our own MTAs: their DSNs' blocks are logd's (empty: this host's name) */
		struct bg_strlist own_mtas;
	} feedback;
	struct {
		char *maillog;        /* Postfix's log bulkguard-logd reads; "-": standard input */
		long check_interval;  /* seconds between brake checks */
		long bucket;          /* seconds of one brake-window bucket */
		long window;          /* seconds the entity rates are measured over */
		long min_volume;      /* accepted recipients in the window before a rate counts */
		long complaint_warn_bp, complaint_suspend_bp; /* basis points (1/100 of a percent) */
		long bounce_warn_bp, bounce_suspend_bp;
		long throttle_decrease_pct; /* a throttling reply cuts the pair's rate by this much */
		long throttle_floor_pct;    /* never below this share of the rate */
		long throttle_recover_pct;  /* points won back per quiet interval */
		long throttle_recover_interval;
		long block_burst;    /* block-class rejections within block_window that hold a pair */
		long block_window;
		long block_cooldown; /* seconds a pair is held */
		char *metrics_listen; /* bulkguard-logd's /metrics and /healthz; NULL or "": none */
	} reputation;

	struct bg_dkim_conf *esp_dkim;
	size_t n_esp_dkim;
	struct bg_entity *entities;
	size_t n_entities;
	struct bg_pool *pools;
	size_t n_pools;
	struct bg_domain_group *groups;
	size_t n_groups;
	struct bg_limit *limits;
	size_t n_limits;

	/* lookup indexes, sorted by key (case-insensitive) */
	struct bg_index_entry *by_sasl;
	size_t n_by_sasl;
	struct bg_index_entry *by_domain;
	size_t n_by_domain;
};

/*
 * Loads path. Returns a configuration the caller frees with bg_config_free,
 * or NULL with the first error, "file:line: text", in err.
 */
struct bg_config *bg_config_load(const char *path, char *err, size_t errlen);

/* Frees everything cfg owns; NULL is fine. */
void bg_config_free(struct bg_config *cfg);

/* Returns the entity block named name, or NULL. */
const struct bg_entity *bg_config_entity_named(const struct bg_config *cfg, const char *name);

/* Returns the entity whose sasl_users holds user, or NULL. */
const struct bg_entity *bg_config_entity_by_sasl(const struct bg_config *cfg, const char *user);

/*
 * Returns the entity whose sender_domains holds domain or a parent of it
 * ("mail.news.acme.example" finds "acme.example"), the longest match, or NULL.
 */
const struct bg_entity *bg_config_entity_by_domain(const struct bg_config *cfg,
						   const char *domain);

/* One row of the option table, for documentation checks and `-n` output. */
struct bg_config_row_info {
	const char *section; /* "" for the top level */
	const char *name;
	const char *type;
	const char *def; /* default as text, "" when none */
};

/* Fills out with the n-th option row (static strings); false past the last. */
bool bg_config_row(size_t n, struct bg_config_row_info *out);

/* The word of each code, for messages and logs: static strings, "?" for no code of the enum. */
const char *bg_class_name(enum bg_class c);
const char *bg_consent_name(enum bg_consent c);
const char *bg_on_error_name(enum bg_on_error c);
const char *bg_unknown_name(enum bg_unknown c);
const char *bg_pol_on_error_name(enum bg_pol_on_error c);
const char *bg_dkim_alg_name(enum bg_dkim_alg c);
const char *bg_scope_name(enum bg_scope c);
const char *bg_spf_policy_name(enum bg_spf_policy c);
const char *bg_tls_name(enum bg_tls c);
const char *bg_missing_name(enum bg_missing c);

#endif
