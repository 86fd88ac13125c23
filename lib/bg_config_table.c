/*
 * bg_config_table.c - every option of bulkguard.conf, one row each.
 *
 * To add an option: add a field to the struct in bg_config.h, add its row
 * here, document it in bulkguard.conf.5 (a test checks that every row is
 * documented). Defaults are written as they would be in the file.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>

#include "bg_config.h"
#include "bg_config_table.h"

#define C(f) offsetof(struct bg_config, f)
#define E(f) offsetof(struct bg_entity, f)
#define D(f) offsetof(struct bg_dkim_conf, f)
#define P(f) offsetof(struct bg_pool, f)
#define G(f) offsetof(struct bg_domain_group, f)
#define L(f) offsetof(struct bg_limit, f)
#define DAY 86400L
#define YEARS (3650 * DAY)

const struct bg_opt_row bg_opt_rows[] = {
	/* set, name, type, default, min, max, enum words, offset */
	{ BG_SET_ROOT, "user", BG_T_STR, "bulkguard", 0, 0, NULL, C(user) },
	{ BG_SET_ROOT, "audit", BG_T_BOOL, "false", 0, 0, NULL, C(audit) },
	{ BG_SET_ROOT, "recipient_delimiter", BG_T_STR, "+", 0, 1, NULL, C(recipient_delimiter) },
	{ BG_SET_ROOT, "keep_local_case", BG_T_BOOL, "false", 0, 0, NULL, C(keep_local_case) },
	{ BG_SET_ROOT, "forbidden_sender_domains", BG_T_STRLIST, NULL, 0, 0, NULL, C(forbidden_sender_domains) },

	{ BG_SET_REDIS, "address", BG_T_STR, "127.0.0.1:6379", 0, 0, NULL, C(redis.address) },
	{ BG_SET_REDIS, "timeout_ms", BG_T_INT, "250", 1, 60000, NULL, C(redis.timeout_ms) },
	{ BG_SET_REDIS, "prefix", BG_T_STR, "bg:", 0, 0, NULL, C(redis.prefix) },
	{ BG_SET_REDIS, "user", BG_T_STR, NULL, 0, 128, NULL, C(redis.user) },
	{ BG_SET_REDIS, "password_file", BG_T_STR, NULL, 0, 0, NULL, C(redis.password_file) },
	{ BG_SET_REDIS, "db", BG_T_INT, "0", 0, 65535, NULL, C(redis.db) },
	{ BG_SET_REDIS, "cluster_nodes", BG_T_STRLIST, NULL, 0, 0, NULL, C(redis.cluster_nodes) },
	{ BG_SET_REDIS, "sentinels", BG_T_STRLIST, NULL, 0, 0, NULL, C(redis.sentinels) },
	{ BG_SET_REDIS, "master_name", BG_T_STR, "bulkguard", 0, 0, NULL, C(redis.master_name) },
	{ BG_SET_REDIS, "sentinel_user", BG_T_STR, NULL, 0, 128, NULL, C(redis.sentinel_user) },
	{ BG_SET_REDIS, "sentinel_password_file", BG_T_STR, NULL, 0, 0, NULL, C(redis.sentinel_password_file) },
	{ BG_SET_REDIS, "wait_replicas", BG_T_INT, "-1", -1, 16, NULL, C(redis.wait_replicas) },
	{ BG_SET_REDIS, "wait_timeout_ms", BG_T_INT, "100", 1, 60000, NULL, C(redis.wait_timeout_ms) },

	{ BG_SET_MILTER, "socket", BG_T_STR, "unix:/run/bulkguard/milter.sock", 0, 0, NULL, C(milter.socket) },
	{ BG_SET_MILTER, "socket_mode", BG_T_MODE, "0660", 0, 0777, NULL, C(milter.socket_mode) },
	{ BG_SET_MILTER, "on_redis_error", BG_T_ENUM, "tempfail", 0, 0, bg_words_on_error, C(milter.on_redis_error) },
	{ BG_SET_MILTER, "unknown_sender", BG_T_ENUM, "accept", 0, 0, bg_words_unknown, C(milter.unknown_sender) },
	{ BG_SET_MILTER, "timeout", BG_T_DURATION, "7200", 1, DAY, NULL, C(milter.timeout) },
	{ BG_SET_MILTER, "backlog", BG_T_INT, "256", 1, 65535, NULL, C(milter.backlog) },
	{ BG_SET_MILTER, "spf_zone", BG_T_STR, NULL, 0, 0, NULL, C(milter.spf_zone) },
	{ BG_SET_MILTER, "spf_cache_ttl", BG_T_DURATION, "300", 0, 86400, NULL, C(milter.spf_cache_ttl) },
	{ BG_SET_MILTER, "missing_headers", BG_T_ENUM, "add", 0, 0, bg_words_missing, C(milter.missing_headers) },

	{ BG_SET_POLICY, "listen", BG_T_STR, "127.0.0.1:10031", 0, 0, NULL, C(policy.listen) },
	{ BG_SET_POLICY, "on_redis_error", BG_T_ENUM, "defer", 0, 0, bg_words_pol_on_error, C(policy.on_redis_error) },
	{ BG_SET_POLICY, "socket_mode", BG_T_MODE, "0660", 0, 0777, NULL, C(policy.socket_mode) },

	{ BG_SET_UNSUB, "key_file", BG_T_STR, "/etc/bulkguard/token.keys", 0, 0, NULL, C(unsubscribe.key_file) },
	{ BG_SET_UNSUB, "listen", BG_T_STR, "127.0.0.1:8088", 0, 0, NULL, C(unsubscribe.listen) },
	{ BG_SET_UNSUB, "socket_mode", BG_T_MODE, "0660", 0, 0777, NULL, C(unsubscribe.socket_mode) },
	{ BG_SET_UNSUB, "undo_window", BG_T_DURATION, "10m", 0, DAY, NULL, C(unsubscribe.undo_window) },

	{ BG_SET_FEEDBACK, "bounce_threshold", BG_T_INT, "2", 1, 100, NULL, C(feedback.bounce_threshold) },
	{ BG_SET_FEEDBACK, "bounce_min_span_days", BG_T_INT, "14", 0, 3650, NULL, C(feedback.bounce_min_span_days) },
	{ BG_SET_FEEDBACK, "verp_max_age", BG_T_DURATION, "30d", DAY, YEARS, NULL, C(feedback.verp_max_age) },
	{ BG_SET_FEEDBACK, "verp_upgrade_date", BG_T_DATE, NULL, 0, 0, NULL, C(feedback.verp_upgrade_date) },
	{ BG_SET_FEEDBACK, "abuse_addresses", BG_T_STRLIST, NULL, 0, 0, NULL, C(feedback.abuse_addresses) },
	{ BG_SET_FEEDBACK, "own_mtas", BG_T_STRLIST, NULL, 0, 0, NULL, C(feedback.own_mtas) },

	{ BG_SET_DKIM, "domain", BG_T_STR, NULL, 0, 0, NULL, D(domain) },
	{ BG_SET_DKIM, "selector", BG_T_STR, NULL, 0, 0, NULL, D(selector) },
	{ BG_SET_DKIM, "key", BG_T_STR, NULL, 0, 0, NULL, D(key) },
	{ BG_SET_DKIM, "algorithm", BG_T_ENUM, "rsa-sha256", 0, 0, bg_words_dkim_alg, D(algorithm) },

	{ BG_SET_ENTITY, "sender_domains", BG_T_STRLIST, NULL, 0, 0, NULL, E(sender_domains) },
	{ BG_SET_ENTITY, "sasl_users", BG_T_STRLIST, NULL, 0, 0, NULL, E(sasl_users) },
	{ BG_SET_ENTITY, "consent", BG_T_ENUM, "confirmed", 0, 0, bg_words_consent, E(consent) },
	{ BG_SET_ENTITY, "consent_max_age_days", BG_T_INT, "0", 0, 36500, NULL, E(consent_max_age_days) },
	{ BG_SET_ENTITY, "per_recipient", BG_T_BOOL, "false", 0, 0, NULL, E(per_recipient) },
	{ BG_SET_ENTITY, "unsubscribe_url", BG_T_STR, NULL, 0, 0, NULL, E(unsubscribe_url) },
	{ BG_SET_ENTITY, "unsubscribe_mailto", BG_T_STR, NULL, 0, 0, NULL, E(unsubscribe_mailto) },
	{ BG_SET_ENTITY, "unsubscribe_scope", BG_T_ENUM, "entity", 0, 0, bg_words_scope, E(unsubscribe_scope) },
	{ BG_SET_ENTITY, "keep_unsubscribe", BG_T_BOOL, "false", 0, 0, NULL, E(keep_unsubscribe) },
	{ BG_SET_ENTITY, "feedback_id", BG_T_STR, NULL, 0, 0, NULL, E(feedback_id) },
	{ BG_SET_ENTITY, "mandated_senders", BG_T_STRLIST, NULL, 0, 0, NULL, E(mandated_senders) },
	{ BG_SET_ENTITY, "mandated_reaches_complainers", BG_T_BOOL, "false", 0, 0, NULL, E(mandated_reaches_complainers) },
	{ BG_SET_ENTITY, "transactional_senders", BG_T_STRLIST, NULL, 0, 0, NULL, E(transactional_senders) },
	{ BG_SET_ENTITY, "confirmation_senders", BG_T_STRLIST, NULL, 0, 0, NULL, E(confirmation_senders) },
	{ BG_SET_ENTITY, "confirmation_interval", BG_T_DURATION, "24h", 1, YEARS, NULL, E(confirmation_interval) },
	{ BG_SET_ENTITY, "pool", BG_T_STR, NULL, 0, 0, NULL, E(pool) },
	{ BG_SET_ENTITY, "mandated_pool", BG_T_STR, NULL, 0, 0, NULL, E(mandated_pool) },
	{ BG_SET_ENTITY, "transactional_pool", BG_T_STR, NULL, 0, 0, NULL, E(transactional_pool) },
	{ BG_SET_ENTITY, "confirmation_pool", BG_T_STR, NULL, 0, 0, NULL, E(confirmation_pool) },
	{ BG_SET_ENTITY, "return_path_domain", BG_T_STR, NULL, 0, 0, NULL, E(return_path_domain) },
	{ BG_SET_ENTITY, "spf_ips", BG_T_STRLIST, NULL, 0, 0, NULL, E(spf_ips) },
	{ BG_SET_ENTITY, "spf_policy", BG_T_ENUM, "refuse", 0, 0, bg_words_spf_policy, E(spf_policy) },
	{ BG_SET_ENTITY, "verp_tag", BG_T_STR, NULL, 0, 0, NULL, E(verp_tag) },
	{ BG_SET_ENTITY, "display_name", BG_T_STR, NULL, 0, 128, NULL, E(display_name) },
	{ BG_SET_ENTITY, "unsubscribe_templates", BG_T_STR, NULL, 0, 0, NULL, E(unsubscribe_templates) },
	{ BG_SET_ENTITY, "reply_domain", BG_T_STR, NULL, 0, 0, NULL, E(reply_domain) },
	{ BG_SET_ENTITY, "reply_mailbox", BG_T_STR, NULL, 0, 0, NULL, E(reply_mailbox) },

	{ BG_SET_POOL, "ips", BG_T_STRLIST, NULL, 0, 0, NULL, P(ips) },
	{ BG_SET_POOL, "helo", BG_T_STR, NULL, 0, 0, NULL, P(helo) },
	{ BG_SET_POOL, "rate", BG_T_RATE, NULL, 0, 0, NULL, P(rate) },
	{ BG_SET_POOL, "warmup_start", BG_T_DATE, NULL, 0, 0, NULL, P(warmup_start) },
	{ BG_SET_POOL, "warmup_daily", BG_T_INTLIST, NULL, 1, LONG_MAX, NULL, P(warmup_daily) },
	{ BG_SET_POOL, "tls", BG_T_ENUM, "may", 0, 0, bg_words_tls, P(tls) },

	{ BG_SET_GROUP, "domains", BG_T_STRLIST, NULL, 0, 0, NULL, G(domains) },

	{ BG_SET_LIMIT, "pool", BG_T_STR, NULL, 0, 0, NULL, L(pool) },
	{ BG_SET_LIMIT, "group", BG_T_STR, NULL, 0, 0, NULL, L(group) },
	{ BG_SET_LIMIT, "entity", BG_T_STR, NULL, 0, 0, NULL, L(entity) },
	{ BG_SET_LIMIT, "rate", BG_T_RATE, NULL, 0, 0, NULL, L(rate) },
	{ BG_SET_LIMIT, "burst", BG_T_INT, "0", 0, LONG_MAX, NULL, L(burst) },
	{ BG_SET_REPUTATION, "maillog", BG_T_STR, "/var/log/mail.log", 0, 0, NULL, C(reputation.maillog) },
	{ BG_SET_REPUTATION, "check_interval", BG_T_DURATION, "60", 1, DAY, NULL, C(reputation.check_interval) },
	{ BG_SET_REPUTATION, "bucket", BG_T_DURATION, "1h", 1, DAY, NULL, C(reputation.bucket) },
	{ BG_SET_REPUTATION, "window", BG_T_DURATION, "24h", 1, 30 * DAY, NULL, C(reputation.window) },
	{ BG_SET_REPUTATION, "min_volume", BG_T_INT, "1000", 1, LONG_MAX, NULL, C(reputation.min_volume) },
	{ BG_SET_REPUTATION, "complaint_warn_bp", BG_T_INT, "10", 1, 10000, NULL, C(reputation.complaint_warn_bp) },
	{ BG_SET_REPUTATION, "complaint_suspend_bp", BG_T_INT, "30", 1, 10000, NULL, C(reputation.complaint_suspend_bp) },
	{ BG_SET_REPUTATION, "bounce_warn_bp", BG_T_INT, "500", 1, 10000, NULL, C(reputation.bounce_warn_bp) },
	{ BG_SET_REPUTATION, "bounce_suspend_bp", BG_T_INT, "1000", 1, 10000, NULL, C(reputation.bounce_suspend_bp) },
	{ BG_SET_REPUTATION, "throttle_decrease_pct", BG_T_INT, "50", 1, 99, NULL, C(reputation.throttle_decrease_pct) },
	{ BG_SET_REPUTATION, "throttle_floor_pct", BG_T_INT, "10", 1, 100, NULL, C(reputation.throttle_floor_pct) },
	{ BG_SET_REPUTATION, "throttle_recover_pct", BG_T_INT, "10", 1, 100, NULL, C(reputation.throttle_recover_pct) },
	{ BG_SET_REPUTATION, "throttle_recover_interval", BG_T_DURATION, "10m", 1, DAY, NULL, C(reputation.throttle_recover_interval) },
	{ BG_SET_REPUTATION, "block_burst", BG_T_INT, "5", 1, 100000, NULL, C(reputation.block_burst) },
	{ BG_SET_REPUTATION, "block_window", BG_T_DURATION, "10m", 1, DAY, NULL, C(reputation.block_window) },
	{ BG_SET_REPUTATION, "block_cooldown", BG_T_DURATION, "1h", 1, 7 * DAY, NULL, C(reputation.block_cooldown) },
	{ BG_SET_MILTER, "metrics_listen", BG_T_STR, NULL, 0, 0, NULL, C(milter.metrics_listen) },
	{ BG_SET_POLICY, "metrics_listen", BG_T_STR, NULL, 0, 0, NULL, C(policy.metrics_listen) },
	{ BG_SET_UNSUB, "metrics_listen", BG_T_STR, NULL, 0, 0, NULL, C(unsubscribe.metrics_listen) },
	{ BG_SET_REPUTATION, "metrics_listen", BG_T_STR, NULL, 0, 0, NULL, C(reputation.metrics_listen) },
};
const size_t bg_opt_nrows = sizeof(bg_opt_rows) / sizeof(bg_opt_rows[0]);

#define SINGLE(name, parent, set) { name, parent, set, 0, 0, 0, 0, 0, 0, 0 }
#define MULTI(name, parent, set, titled, type, arr, cnt, title, line) \
	{ name, parent, set, 1, titled, sizeof(type), arr, cnt, title, line }

const struct bg_sect_row bg_sect_rows[] = {
	SINGLE("redis", BG_SET_ROOT, BG_SET_REDIS),
	SINGLE("milter", BG_SET_ROOT, BG_SET_MILTER),
	SINGLE("policy", BG_SET_ROOT, BG_SET_POLICY),
	SINGLE("unsubscribe", BG_SET_ROOT, BG_SET_UNSUB),
	SINGLE("feedback", BG_SET_ROOT, BG_SET_FEEDBACK),
	SINGLE("esp", BG_SET_ROOT, BG_SET_ESP),
	MULTI("dkim", BG_SET_ESP, BG_SET_DKIM, 0, struct bg_dkim_conf, C(esp_dkim), C(n_esp_dkim), 0, D(line)),
	MULTI("entity", BG_SET_ROOT, BG_SET_ENTITY, 1, struct bg_entity, C(entities), C(n_entities), E(name), E(line)),
	MULTI("dkim", BG_SET_ENTITY, BG_SET_DKIM, 0, struct bg_dkim_conf, E(dkim), E(n_dkim), 0, D(line)),
	MULTI("pool", BG_SET_ROOT, BG_SET_POOL, 1, struct bg_pool, C(pools), C(n_pools), P(name), P(line)),
	MULTI("domain_group", BG_SET_ROOT, BG_SET_GROUP, 1, struct bg_domain_group, C(groups), C(n_groups), G(name), G(line)),
	MULTI("limit", BG_SET_ROOT, BG_SET_LIMIT, 0, struct bg_limit, C(limits), C(n_limits), 0, L(line)),
	SINGLE("reputation", BG_SET_ROOT, BG_SET_REPUTATION),
};
const size_t bg_sect_nrows = sizeof(bg_sect_rows) / sizeof(bg_sect_rows[0]);
