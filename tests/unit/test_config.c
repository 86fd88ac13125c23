/*
 * test_config.c - table-driven unit tests for bulkguard.conf (bg_config).
 *
 * Every configuration is written into a private mkdtemp directory, loaded
 * with bg_config_load and removed again; the directory goes at the end. The
 * design sample is embedded below (a copy of tests/data/design-sample.conf,
 * which is loaded too when BG_SRC names the source tree). Bad files are one
 * table: each row names the line the error must carry and a word of its text.
 * The last test checks that bulkguard.conf(5) documents every option row; it
 * needs BG_SRC, which `make check` sets.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bg_config.h"
#include "bg_config_table.h"

#define ERRLEN 1024
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The private directory every configuration of this program is written to. */
static char tmpdir[256];

/* The design sample configuration, as tests/data/design-sample.conf holds it. */
static const char design_sample[] =
	"user = \"bulkguard\"                      # privileges dropped to this user when started as root\n"
	"audit = true                            # append decisions and operator writes to bg:audit\n"
	"\n"
	"redis {\n"
	"  address = \"127.0.0.1:6379\"            # or \"unix:/run/redis/redis.sock\"\n"
	"  timeout_ms = 250\n"
	"  prefix = \"bg:\"\n"
	"}\n"
	"milter {\n"
	"  socket = \"inet:8891@127.0.0.1\"\n"
	"  on_redis_error = \"tempfail\"           # or \"accept\"\n"
	"  unknown_sender = \"accept\"             # or \"reject\"\n"
	"}\n"
	"policy {\n"
	"  listen = \"127.0.0.1:10031\"            # or \"unix:/run/bulkguard/policy.sock\"\n"
	"  on_redis_error = \"defer\"              # or \"dunno\"\n"
	"}\n"
	"unsubscribe {\n"
	"  key_file = \"/etc/bulkguard/token.keys\"\n"
	"  listen = \"127.0.0.1:8088\"\n"
	"}\n"
	"feedback {\n"
	"  bounce_threshold = 2\n"
	"  bounce_min_span_days = 14\n"
	"}\n"
	"esp {                                   # optional platform signature on every entity's mail\n"
	"  dkim { domain = \"esp.example\"  selector = \"s2026\"  key = \"/etc/bulkguard/keys/esp.pem\" }\n"
	"}\n"
	"\n"
	"entity \"acme\" {\n"
	"  sender_domains     = { \"acme.example\", \"news.acme.example\" }   # From: must be one of these or below\n"
	"  sasl_users         = { \"acme-app\" }\n"
	"  consent            = \"confirmed\"      # none | single | notified | confirmed\n"
	"  consent_max_age_days = 0              # 0: consent does not expire\n"
	"  per_recipient      = true             # one recipient per message (452 for the rest)\n"
	"  unsubscribe_url    = \"https://u.esp.example/u/%t\"\n"
	"  unsubscribe_mailto = \"unsubscribe@u.esp.example\"\n"
	"  unsubscribe_scope  = \"entity\"         # or \"list\"\n"
	"  keep_unsubscribe   = false            # true: leave the application's own pair alone\n"
	"  feedback_id        = \"acme\"           # Feedback-ID: <list>:<entity>:<class>:<feedback_id>\n"
	"  mandated_senders   = { \"notice@acme.example\" }\n"
	"  mandated_reaches_complainers = false\n"
	"  transactional_senders = { \"receipts@acme.example\" }\n"
	"  confirmation_senders  = { \"confirm@acme.example\" }\n"
	"  confirmation_interval = \"24h\"\n"
	"  pool = \"shared-a\"\n"
	"  mandated_pool = \"notify\"\n"
	"  transactional_pool = \"transactional\"\n"
	"  confirmation_pool  = \"transactional\"\n"
	"  return_path_domain = \"bounce.esp.example\"\n"
	"  spf_ips    = { \"192.0.2.10\", \"192.0.2.11\" }   # SPF of the envelope domain must authorise these\n"
	"  spf_policy = \"refuse\"                 # what softfail/neutral/none get: refuse | accept\n"
	"  dkim { domain = \"acme.example\"  selector = \"bg1\"   key = \"/etc/bulkguard/keys/acme.pem\"      algorithm = \"rsa-sha256\" }\n"
	"  dkim { domain = \"acme.example\"  selector = \"bg1e\"  key = \"/etc/bulkguard/keys/acme.ed25519\"  algorithm = \"ed25519-sha256\" }\n"
	"}\n"
	"\n"
	"pool \"shared-a\" {\n"
	"  ips = { \"192.0.2.10\", \"192.0.2.11\" }\n"
	"  helo = \"mta1.esp.example\"\n"
	"  rate = \"20000/h\"\n"
	"  warmup_start = \"2026-11-01\"\n"
	"  warmup_daily = { 50, 100, 500, 1000, 5000, 10000, 50000 }   # per IP, day 1, 2, ...; then unlimited\n"
	"}\n"
	"domain_group \"google\" { domains = { \"gmail.com\", \"googlemail.com\" } }\n"
	"limit { pool = \"shared-a\"  group = \"google\"  rate = \"3000/h\"  burst = 50 }\n"
	"limit { entity = \"acme\"  rate = \"100000/d\" }\n"
	"pool \"notify\" { ips = { \"192.0.2.12\" }  rate = \"100/m\" }         # mandated notices\n"
	"pool \"transactional\" { ips = { \"192.0.2.13\" } }                # receipts and confirmations\n";

/* Makes the private directory. */
static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/bg-test-config.XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* Removes the private directory and anything a failed test left in it. */
static int
group_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

/* Writes text to tmpdir/name into path (of size len). */
static void
write_conf(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

/* Writes text as tmpdir/name, loads it and removes the file; err gets the error. */
static struct bg_config *
load_text(const char *name, const char *text, char *err, size_t errlen)
{
	char path[512];
	struct bg_config *cfg;

	write_conf(name, text, path, sizeof(path));
	cfg = bg_config_load(path, err, errlen);
	unlink(path);
	return cfg;
}

/* Loads text and fails with the loader's message unless it is accepted. */
static struct bg_config *
must_load(const char *text)
{
	char err[ERRLEN];
	struct bg_config *cfg = load_text("good.conf", text, err, sizeof(err));

	if (cfg == NULL)
		fail_msg("configuration refused: %s", err);
	assert_string_equal(err, "");
	return cfg;
}

/* Checks a string list against the expected strings (NULL-terminated). */
static void
check_list(const struct bg_strlist *l, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++) {
		assert_true(n < l->n);
		assert_string_equal(l->v[n], want[n]);
	}
	assert_int_equal(l->n, n);
}

/* Checks one dkim block. */
static void
check_dkim(const struct bg_dkim_conf *d, const char *domain, const char *selector, const char *key,
           enum bg_dkim_alg alg)
{
	assert_string_equal(d->domain, domain);
	assert_string_equal(d->selector, selector);
	assert_string_equal(d->key, key);
	assert_int_equal(d->algorithm, alg);
}

/* Checks the top-level sections of the sample. */
static void
check_sample_sections(const struct bg_config *cfg)
{
	assert_string_equal(cfg->user, "bulkguard");
	assert_true(cfg->audit);
	assert_string_equal(cfg->redis.address, "127.0.0.1:6379");
	assert_int_equal(cfg->redis.timeout_ms, 250);
	assert_string_equal(cfg->redis.prefix, "bg:");
	assert_string_equal(cfg->milter.socket, "inet:8891@127.0.0.1");
	assert_int_equal(cfg->milter.on_redis_error, BG_ONERR_TEMPFAIL);
	assert_int_equal(cfg->milter.unknown_sender, BG_UNKNOWN_ACCEPT);
	assert_string_equal(cfg->policy.listen, "127.0.0.1:10031");
	assert_int_equal(cfg->policy.on_redis_error, BG_POL_ONERR_DEFER);
	assert_string_equal(cfg->unsubscribe.key_file, "/etc/bulkguard/token.keys");
	assert_string_equal(cfg->unsubscribe.listen, "127.0.0.1:8088");
	assert_int_equal(cfg->feedback.bounce_threshold, 2);
	assert_int_equal(cfg->feedback.bounce_min_span_days, 14);
	assert_int_equal(cfg->n_esp_dkim, 1);
	check_dkim(&cfg->esp_dkim[0], "esp.example", "s2026", "/etc/bulkguard/keys/esp.pem", BG_DKIM_RSA_SHA256);
}

/* Checks entity "acme" of the sample. */
static void
check_sample_entity(const struct bg_config *cfg)
{
	static const char *const domains[] = { "acme.example", "news.acme.example", NULL };
	static const char *const ips[] = { "192.0.2.10", "192.0.2.11", NULL };
	const struct bg_entity *e = &cfg->entities[0];

	assert_int_equal(cfg->n_entities, 1);
	assert_string_equal(e->name, "acme");
	check_list(&e->sender_domains, domains);
	check_list(&e->sasl_users, (const char *const[]){ "acme-app", NULL });
	assert_int_equal(e->consent, BG_CONSENT_CONFIRMED);
	assert_int_equal(e->consent_max_age_days, 0);
	assert_true(e->per_recipient);
	assert_string_equal(e->unsubscribe_url, "https://u.esp.example/u/%t");
	assert_string_equal(e->unsubscribe_mailto, "unsubscribe@u.esp.example");
	assert_int_equal(e->unsubscribe_scope, BG_SCOPE_ENTITY);
	assert_false(e->keep_unsubscribe);
	assert_string_equal(e->feedback_id, "acme");
	check_list(&e->mandated_senders, (const char *const[]){ "notice@acme.example", NULL });
	assert_false(e->mandated_reaches_complainers);
	check_list(&e->transactional_senders, (const char *const[]){ "receipts@acme.example", NULL });
	check_list(&e->confirmation_senders, (const char *const[]){ "confirm@acme.example", NULL });
	assert_int_equal(e->confirmation_interval, 86400);
	assert_string_equal(e->pool, "shared-a");
	assert_string_equal(e->mandated_pool, "notify");
	assert_string_equal(e->transactional_pool, "transactional");
	assert_string_equal(e->confirmation_pool, "transactional");
	assert_string_equal(e->return_path_domain, "bounce.esp.example");
	check_list(&e->spf_ips, ips);
	assert_int_equal(e->spf_policy, BG_SPF_POLICY_REFUSE);
	assert_int_equal(e->n_dkim, 2);
	check_dkim(&e->dkim[0], "acme.example", "bg1", "/etc/bulkguard/keys/acme.pem", BG_DKIM_RSA_SHA256);
	check_dkim(&e->dkim[1], "acme.example", "bg1e", "/etc/bulkguard/keys/acme.ed25519", BG_DKIM_ED25519_SHA256);
}

/* Checks the pool, the domain group and the limits of the sample. */
static void
check_sample_rates(const struct bg_config *cfg)
{
	static const long daily[] = { 50, 100, 500, 1000, 5000, 10000, 50000 };
	const struct bg_pool *p = &cfg->pools[0];
	const struct bg_limit *l = cfg->limits;

	assert_int_equal(cfg->n_pools, 3); /* every pool an entity names is defined */
	assert_string_equal(p->name, "shared-a");
	assert_string_equal(cfg->pools[1].name, "notify");
	assert_string_equal(cfg->pools[2].name, "transactional");
	check_list(&p->ips, (const char *const[]){ "192.0.2.10", "192.0.2.11", NULL });
	assert_string_equal(p->helo, "mta1.esp.example");
	assert_int_equal(p->rate.count, 20000);
	assert_int_equal(p->rate.period, 3600);
	assert_int_equal(p->warmup_start, 1793491200L);
	assert_int_equal(p->n_warmup_daily, NELEM(daily));
	for (size_t i = 0; i < NELEM(daily); i++)
		assert_int_equal(p->warmup_daily[i], daily[i]);
	assert_int_equal(cfg->n_groups, 1);
	assert_string_equal(cfg->groups[0].name, "google");
	check_list(&cfg->groups[0].domains, (const char *const[]){ "gmail.com", "googlemail.com", NULL });
	assert_int_equal(cfg->n_limits, 2);
	assert_string_equal(l[0].pool, "shared-a");
	assert_string_equal(l[0].group, "google");
	assert_null(l[0].entity);
	assert_int_equal(l[0].rate.count, 3000);
	assert_int_equal(l[0].rate.period, 3600);
	assert_int_equal(l[0].burst, 50);
	assert_null(l[1].pool);
	assert_null(l[1].group);
	assert_string_equal(l[1].entity, "acme");
	assert_int_equal(l[1].rate.count, 100000);
	assert_int_equal(l[1].rate.period, 86400);
	assert_int_equal(l[1].burst, 0);
}

/* Checks every value the sample states, and its lookups. */
static void
check_sample(const struct bg_config *cfg)
{
	check_sample_sections(cfg);
	check_sample_entity(cfg);
	check_sample_rates(cfg);
	assert_ptr_equal(bg_config_entity_by_sasl(cfg, "acme-app"), &cfg->entities[0]);
	assert_ptr_equal(bg_config_entity_by_domain(cfg, "news.acme.example"), &cfg->entities[0]);
	assert_ptr_equal(bg_config_entity_named(cfg, cfg->entities[0].name), &cfg->entities[0]);
	assert_null(bg_config_entity_named(cfg, "no-such-entity"));
	assert_null(bg_config_entity_named(cfg, ""));
	assert_string_equal(cfg->recipient_delimiter, "+");
}

/* The design sample loads and yields what it states (and so does its copy in tests/data). */
static void
test_design_sample(void **state)
{
	const char *src = getenv("BG_SRC");
	struct bg_config *cfg = must_load(design_sample);
	char path[1024], err[ERRLEN];

	check_sample(cfg);
	bg_config_free(cfg);
	if (src == NULL || *src == '\0')
		return; /* the embedded copy alone: nothing here depends on BG_SRC */
	snprintf(path, sizeof(path), "%s/tests/data/design-sample.conf", src);
	cfg = bg_config_load(path, err, sizeof(err));
	if (cfg == NULL)
		fail_msg("%s: %s", path, err);
	check_sample(cfg);
	bg_config_free(cfg);
}

/* An empty file gives every default. */
static void
test_defaults(void **state)
{
	struct bg_config *cfg = must_load("");

	assert_string_equal(cfg->user, "bulkguard");
	assert_false(cfg->audit);
	assert_string_equal(cfg->recipient_delimiter, "+");
	assert_false(cfg->keep_local_case);
	assert_string_equal(cfg->redis.address, "127.0.0.1:6379");
	assert_int_equal(cfg->redis.timeout_ms, 250);
	assert_string_equal(cfg->redis.prefix, "bg:");
	assert_int_equal(cfg->milter.socket_mode, 0660);
	assert_int_equal(cfg->milter.on_redis_error, BG_ONERR_TEMPFAIL);
	assert_int_equal(cfg->milter.unknown_sender, BG_UNKNOWN_ACCEPT);
	assert_int_equal(cfg->policy.on_redis_error, BG_POL_ONERR_DEFER);
	assert_string_equal(cfg->policy.listen, "127.0.0.1:10031");
	assert_string_equal(cfg->unsubscribe.key_file, "/etc/bulkguard/token.keys");
	assert_string_equal(cfg->unsubscribe.listen, "127.0.0.1:8088");
	assert_int_equal(cfg->feedback.bounce_threshold, 2);
	assert_int_equal(cfg->feedback.bounce_min_span_days, 14);
	assert_int_equal(cfg->n_esp_dkim + cfg->n_entities + cfg->n_pools + cfg->n_groups + cfg->n_limits, 0);
	assert_null(bg_config_entity_by_sasl(cfg, "acme-app"));
	assert_null(bg_config_entity_by_domain(cfg, "acme.example"));
	bg_config_free(cfg);
}

/* An entity that gives only its name gets the table's defaults. */
static void
test_entity_defaults(void **state)
{
	struct bg_config *cfg = must_load("entity \"bare\" {\n}\n");
	const struct bg_entity *e = &cfg->entities[0];

	assert_int_equal(cfg->n_entities, 1);
	assert_string_equal(e->name, "bare");
	assert_int_equal(e->consent, BG_CONSENT_CONFIRMED);
	assert_int_equal(e->consent_max_age_days, 0);
	assert_false(e->per_recipient);
	assert_int_equal(e->unsubscribe_scope, BG_SCOPE_ENTITY);
	assert_false(e->mandated_reaches_complainers);
	assert_int_equal(e->confirmation_interval, 86400);
	assert_int_equal(e->spf_policy, BG_SPF_POLICY_REFUSE);
	assert_int_equal(e->sender_domains.n + e->sasl_users.n + e->mandated_senders.n, 0);
	assert_int_equal(e->n_dkim, 0);
	bg_config_free(cfg);
}

/* Accepted values: each row loads text and reads one number back. */
struct good_case {
	const char *name;
	const char *text;
	long (*get)(const struct bg_config *cfg);
	long want;
};

static long get_interval(const struct bg_config *c) { return c->entities[0].confirmation_interval; }
static long get_rate_count(const struct bg_config *c) { return c->pools[0].rate.count; }
static long get_rate_period(const struct bg_config *c) { return c->pools[0].rate.period; }
static long get_mode(const struct bg_config *c) { return c->milter.socket_mode; }
static long get_consent(const struct bg_config *c) { return c->entities[0].consent; }
static long get_onerr(const struct bg_config *c) { return c->milter.on_redis_error; }
static long get_unknown(const struct bg_config *c) { return c->milter.unknown_sender; }
static long get_policy_onerr(const struct bg_config *c) { return c->policy.on_redis_error; }
static long get_timeout_ms(const struct bg_config *c) { return c->redis.timeout_ms; }
static long get_start(const struct bg_config *c) { return c->pools[0].warmup_start; }
static long get_delim_len(const struct bg_config *c) { return (long)strlen(c->recipient_delimiter); }
static long get_delim(const struct bg_config *c) { return c->recipient_delimiter[0]; }
static long get_scope(const struct bg_config *c) { return c->entities[0].unsubscribe_scope; }

#define ENT(body) "entity \"e\" {\n" body "\n}\n"
#define POOL(body) "pool \"p\" {\n" body "\n}\n"

static long get_idna_domain(const struct bg_config *c)
{
	return strcmp(c->entities[0].sender_domains.v[0], "xn--bcher-kva.example") == 0;
}
static long get_norm_sender(const struct bg_config *c)
{
	return strcmp(c->entities[0].mandated_senders.v[0], "notice@acme.example") == 0;
}

static long get_reply(const struct bg_config *c)
{
	return strcmp(c->entities[0].reply_domain, "reply.esp.example") == 0 &&
	       strcmp(c->entities[0].reply_mailbox, "People@acme.example") == 0;
}

static const struct good_case good_cases[] = {
    {"braces inside strings and comments do not count",
     "# a { in a comment\n/* and } here */\nentity \"e\" { feedback_id = \"x{y}\" } // {\n", get_consent, 3},
    {"sender domains are kept as IDNA A-labels", ENT("sender_domains = { \"B\303\274cher.Example\" }"), get_idna_domain,
     1},
    {"sender addresses are kept normalised", ENT("mandated_senders = { \"<Notice@ACME.example>\" }"), get_norm_sender,
     1},
    {"duration 90 is seconds", ENT("confirmation_interval = \"90\""), get_interval, 90},
    {"duration 90s", ENT("confirmation_interval = \"90s\""), get_interval, 90},
    {"duration 15m", ENT("confirmation_interval = \"15m\""), get_interval, 900},
    {"duration 24h", ENT("confirmation_interval = \"24h\""), get_interval, 86400},
    {"duration 2d", ENT("confirmation_interval = \"2d\""), get_interval, 172800},
    {"rate 5/s count", POOL("rate = \"5/s\""), get_rate_count, 5},
    {"rate 5/s period", POOL("rate = \"5/s\""), get_rate_period, 1},
    {"rate 5/m period", POOL("rate = \"5/m\""), get_rate_period, 60},
    {"rate 5/d period", POOL("rate = \"5/d\""), get_rate_period, 86400},
    {"socket_mode 0600", "milter {\n socket_mode = \"0600\"\n}\n", get_mode, 0600},
    {"socket_mode 0777", "milter {\n socket_mode = \"0777\"\n}\n", get_mode, 0777},
    {"consent none", ENT("consent = \"none\""), get_consent, BG_CONSENT_NONE},
    {"consent single", ENT("consent = \"single\""), get_consent, BG_CONSENT_SINGLE},
    {"consent notified", ENT("consent = \"notified\""), get_consent, BG_CONSENT_NOTIFIED},
    {"consent confirmed", ENT("consent = \"confirmed\""), get_consent, BG_CONSENT_CONFIRMED},
    {"unsubscribe_scope list", ENT("unsubscribe_scope = \"list\""), get_scope, BG_SCOPE_LIST},
    {"milter on_redis_error accept", "milter {\n on_redis_error = \"accept\"\n}\n", get_onerr, BG_ONERR_ACCEPT},
    {"milter unknown_sender reject", "milter {\n unknown_sender = \"reject\"\n}\n", get_unknown, BG_UNKNOWN_REJECT},
    {"policy on_redis_error dunno", "policy {\n on_redis_error = \"dunno\"\n}\n", get_policy_onerr, BG_POL_ONERR_DUNNO},
    {"timeout_ms 1 (lowest)", "redis {\n timeout_ms = 1\n}\n", get_timeout_ms, 1},
    {"timeout_ms 60000 (highest)", "redis {\n timeout_ms = 60000\n}\n", get_timeout_ms, 60000},
    {"warmup_start 1970-01-02", POOL("warmup_start = \"1970-01-02\""), get_start, 86400},
    {"warmup_start 2028-02-29 (leap day)", POOL("warmup_start = \"2028-02-29\""), get_start, 1835395200L},
    {"recipient_delimiter - ", "recipient_delimiter = \"-\"\n", get_delim, '-'},
    {"recipient_delimiter empty", "recipient_delimiter = \"\"\n", get_delim_len, 0},
    {"reply_domain and reply_mailbox kept normalised",
     ENT("reply_domain = \"Reply.ESP.example\"\n reply_mailbox = \"People@ACME.example\""), get_reply, 1},
};

/* Runs one row of good_cases. */
static void
test_good(void **state)
{
	const struct good_case *c = *state;
	struct bg_config *cfg = must_load(c->text);

	assert_int_equal(c->get(cfg), c->want);
	bg_config_free(cfg);
}

/* Refused files: the error must start "FILE:LINE: " (or "FILE: " when line is 0) and hold word. */
struct bad_case {
	const char *name;
	const char *text; /* NULL: load a path that does not exist */
	int line;
	const char *word;
};

static const struct bad_case bad_cases[] = {
	{ "reply_domain without reply_mailbox", ENT("reply_domain = \"reply.example\""), 1, "needs reply_mailbox" },
	{ "reply_mailbox at a reply_domain (a loop)",
	  ENT("reply_domain = \"reply.example\"\n reply_mailbox = \"people@REPLY.example\""), 1, "loop" },
	{ "reply_domain that is a return_path_domain",
	  ENT("reply_domain = \"b.example\"\n reply_mailbox = \"p@x.example\"\n return_path_domain = \"b.example\""), 1,
	  "return_path_domain" },
	{ "reply_mailbox that is no address", ENT("reply_domain = \"r.example\"\n reply_mailbox = \"nobody\""), 1,
	  "plain address" },
	{ "reply_domain that is no domain", ENT("reply_domain = \"a b\"\n reply_mailbox = \"p@x.example\""), 1,
	  "reply_domain" },
	{ "feedback abuse address that is no address", "feedback {\n abuse_addresses = { \"abuse\" }\n}\n", 0,
	  "abuse address" },
	{ "unknown key at top level", "user = \"x\"\nfoo = 1\n", 2, "no such option" },
	{ "unknown key inside entity", "entity \"a\" {\n  sender_domains = { \"a.example\" }\n  bogus = 1\n}\n", 3,
	  "no such option" },
	{ "unknown section", "\n\nbogus {\n}\n", 3, "no such option" },
	{ "timeout_ms = 0 below range", "redis {\n  timeout_ms = 0\n}\n", 2, "out of range" },
	{ "timeout_ms = 60001 above range", "\nredis {\n  timeout_ms = 60001\n}\n", 3, "out of range" },
	{ "bounce_threshold = 101 above range", "feedback {\n  bounce_threshold = 101\n}\n", 2, "out of range" },
	{ "consent_max_age_days = -1", ENT("consent_max_age_days = -1"), 2, "out of range" },
	{ "warmup_daily with a 0", POOL("warmup_daily = { 50, 0 }"), 2, "out of range" },
	{ "warmup_daily without warmup_start", "\n" POOL("rate = \"10/m\"\n  warmup_daily = { 50, 100 }"), 2,
	  "warmup_daily needs warmup_start" },
	{ "backlog not a number", "milter {\n  backlog = \"abc\"\n}\n", 2, "whole number" },
	{ "consent = maybe", ENT("consent = \"maybe\""), 2, "must be one of" },
	{ "on_redis_error = ignore", "milter {\n\n  on_redis_error = \"ignore\"\n}\n", 3, "must be one of" },
	{ "dkim algorithm = rsa-sha1", ENT("dkim { domain = \"a.example\" selector = \"s\" key = \"k\" algorithm = \"rsa-sha1\" }"),
	  2, "must be one of" },
	{ "audit = maybe", "\naudit = maybe\n", 2, "boolean" },
	{ "duration 24x", ENT("confirmation_interval = \"24x\""), 2, "duration" },
	{ "duration 0 below range", ENT("confirmation_interval = \"0\""), 2, "out of range" },
	{ "rate 10/y", POOL("rate = \"10/y\""), 2, "rate" },
	{ "rate abc", "limit {\n  entity = \"a\"\n  rate = \"abc\"\n}\n", 3, "rate" },
	{ "rate 0/h", POOL("rate = \"0/h\""), 2, "rate" },
	{ "date 2026-13-01", POOL("\nwarmup_start = \"2026-13-01\""), 3, "date" },
	{ "date 2026-02-30", POOL("warmup_start = \"2026-02-30\""), 2, "date" },
	{ "octal mode 0999", "milter {\n  socket_mode = \"0999\"\n}\n", 2, "octal" },
	{ "octal mode 01000 above range", "milter {\n  socket_mode = \"01000\"\n}\n", 2, "out of range" },
	{ "sasl user in two entities",
	  "entity \"a\" {\n  sasl_users = { \"app\" }\n}\nentity \"b\" {  sasl_users = { \"APP\" }\n  consent = \"single\"\n}\n",
	  4, "sasl user" },
	{ "sender domain of a mailbox provider (gmail.com)",
	  "entity \"a\" {\n  sender_domains = { \"acme.example\", \"GMail.com\" }\n}\n", 1, "forbidden" },
	{ "sender domain below a mailbox provider's (news.googlemail.com)",
	  "entity \"a\" { sender_domains = { \"news.googlemail.com\" } }\n", 1, "forbidden" },
	{ "sender domain of yahoo.* (yahoo.co.uk)", "entity \"a\" { sender_domains = { \"yahoo.co.uk\" } }\n", 1,
	  "forbidden" },
	{ "sender domain in forbidden_sender_domains",
	  "forbidden_sender_domains = { \"brand.example\" }\nentity \"a\" {\n sender_domains = { \"mail.brand.example\" }\n}\n",
	  2, "\"brand.example\"" },
	{ "sender domain in two entities (case)",
	  "entity \"a\" { sender_domains = { \"acme.example\" } }\n\nentity \"b\" { sender_domains = { \"ACME.Example\" }\n"
	  "  consent = \"single\"\n}\n",
	  3, "sender domain" },
	{ "duplicate entity title", "entity \"a\" {\n}\n\nentity \"a\" {\n}\n", 4, "duplicate" },
	{ "dkim block missing key (one line)", ENT("dkim { domain = \"a.example\" selector = \"s\" }"), 2, "dkim" },
	{ "dkim block missing key (over lines)",
	  "entity \"a\" {\n  dkim {\n    domain = \"a.example\"\n    selector = \"s\"\n  }\n}\n", 2, "dkim" },
	{ "esp dkim block missing selector", "esp {\n  dkim { domain = \"e.example\" key = \"k\" }\n}\n", 2, "dkim" },
	{ "limit without rate", "\nlimit {\n  entity = \"a\"\n}\n", 2, "limit" },
	{ "limit with pool and entity", "limit {\n  pool = \"p\"\n  entity = \"a\"\n  rate = \"1/s\"\n}\n", 1, "limit" },
	{ "limit with group but no pool", "limit { group = \"google\"  rate = \"1/s\" }\n", 1, "limit" },
	{ "recipient_delimiter ++", "\nrecipient_delimiter = \"++\"\n", 2, "recipient_delimiter" },
	{ "file cut short inside a section", "redis {\n  timeout_ms = 100\n", 1, "never closed" },
	{ "file cut short in a nested section", "entity \"a\" {\n  dkim {\n    domain = \"a\"\n}\n", 1, "never closed" },
	{ "closing brace without a section", "redis { }\n}\n", 2, "without a section" },
	{ "sender domain that IDNA refuses", ENT("sender_domains = { \"a..b\" }"), 1, "not a valid domain" },
	{ "mandated sender that is no address", ENT("mandated_senders = { \"notice\" }"), 1, "mandated sender" },
	{ "syntax error: missing =", "user = \"x\"\nredis {\n  address \"x\"\n}\n", 3, "equal" },
	{ "syntax error: unterminated string", "user = \"x\n", 2, "end of file" },
	{ "unreadable file", NULL, 0, "cannot read" },
	/* libconfuse 3.3 counts lines wrong after comments: the loader maps them back */
	{ "after # and // comments", "# one\n// two\n#\nredis {\n  timeout_ms = 0 # why\n}\n", 5, "out of range" },
	{ "after a block comment", "/* one\n   two */ /* three */\nredis {\n  timeout_ms = 0\n}\n", 4, "out of range" },
	{ "after comments inside a section", "redis {\n  # a\n  // b\n  /* c */\n  bogus = 1\n}\n", 5, "no such option" },
	{ "a # inside a string is no comment", "user = \"a#b\"\n# c\nfoo = 1\n", 3, "no such option" },
	{ "section error after comments", "# x\n# y\n\nentity \"a\" {\n}\n# z\nentity \"a\" {\n}\n", 7, "duplicate" },
	{ "entity check after comments", "# x\n# y\nentity \"a\" {\n  # z\n  dkim { domain = \"a.example\" selector = \"s\" }\n}\n", 5,
	  "dkim" },
};

/* Runs one row of bad_cases. */
static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	char path[512], err[ERRLEN], prefix[600];
	struct bg_config *cfg;

	if (c->text != NULL) {
		write_conf("bad.conf", c->text, path, sizeof(path));
	} else {
		snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	}
	memset(err, 'Z', sizeof(err));
	cfg = bg_config_load(path, err, sizeof(err));
	unlink(path);
	if (cfg != NULL) {
		bg_config_free(cfg);
		fail_msg("accepted; expected an error at line %d saying \"%s\"", c->line, c->word);
	}
	if (c->line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, c->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start \"%s\"", err, prefix);
	if (strstr(err + strlen(prefix), c->word) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, c->word);
}

/*
 * A directory given as the file is refused with an error, not an exit: run in
 * a child, so a loader that exits (flex's "input in flex scanner failed")
 * fails this test instead of ending the program.
 */
static void
test_directory(void **state)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[ERRLEN];
		struct bg_config *cfg = bg_config_load(tmpdir, err, sizeof(err));

		_exit(cfg == NULL && strncmp(err, tmpdir, strlen(tmpdir)) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("bg_config_load(\"%s\") ended the process or did not refuse a directory (status %d)", tmpdir,
			 status);
}

/* A small error buffer gets a truncated, terminated message. */
static void
test_small_errbuf(void **state)
{
	char err[8];

	memset(err, 'Z', sizeof(err));
	assert_null(load_text("bad.conf", "foo = 1\n", err, sizeof(err)));
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, tmpdir, sizeof(err) - 1);
}

/* A reload after a failed load starts clean: the first error of each load is reported. */
static void
test_error_then_good(void **state)
{
	char err[ERRLEN];
	struct bg_config *cfg;

	assert_null(load_text("bad.conf", "foo = 1\n", err, sizeof(err)));
	assert_non_null(strstr(err, "foo"));
	cfg = load_text("good.conf", "user = \"x\"\n", err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(err, "");
	bg_config_free(cfg);
	assert_null(load_text("bad.conf", "redis {\n timeout_ms = 0\n}\nbar = 1\n", err, sizeof(err)));
	assert_non_null(strstr(err, ":2: timeout_ms"));
}

/* Entity lookups by SASL user (any case) and by sender domain (longest parent). */
static const char lookup_conf[] =
	"entity \"acme\" {\n"
	"  sender_domains = { \"acme.example\", \"News.Acme.Example\" }\n"
	"  sasl_users = { \"acme-app\", \"Acme-Batch\" }\n"
	"}\n"
	"entity \"parent\" {\n"
	"  sender_domains = { \"example.com\" }\n"
	"  sasl_users = { \"parent\" }\n"
	"}\n"
	"entity \"child\" {\n"
	"  sender_domains = { \"sub.example.com\" }\n"
	"}\n";

struct lookup_case {
	const char *name;
	int by_sasl; /* 1: bg_config_entity_by_sasl, 0: by domain */
	const char *key;
	const char *entity; /* NULL: none */
};

static const struct lookup_case lookup_cases[] = {
	{ "sasl acme-app", 1, "acme-app", "acme" },
	{ "sasl ACME-APP (case)", 1, "ACME-APP", "acme" },
	{ "sasl acme-batch (listed as Acme-Batch)", 1, "acme-batch", "acme" },
	{ "sasl parent", 1, "parent", "parent" },
	{ "sasl unknown", 1, "nobody", NULL },
	{ "sasl empty", 1, "", NULL },
	{ "sasl prefix of a user", 1, "acme", NULL },
	{ "domain exact", 0, "acme.example", "acme" },
	{ "domain exact, other case", 0, "ACME.Example", "acme" },
	{ "domain listed in mixed case", 0, "news.acme.example", "acme" },
	{ "domain subdomain a.b.acme.example", 0, "a.b.acme.example", "acme" },
	{ "domain not a label boundary", 0, "xacme.example", NULL },
	{ "domain parent of a listed one", 0, "example", NULL },
	{ "domain longest match: sub.example.com", 0, "sub.example.com", "child" },
	{ "domain longest match: x.sub.example.com", 0, "x.sub.example.com", "child" },
	{ "domain shorter match: example.com", 0, "example.com", "parent" },
	{ "domain shorter match: other.example.com", 0, "other.example.com", "parent" },
	{ "domain shorter match: xsub.example.com", 0, "xsub.example.com", "parent" },
	{ "domain none: example.org", 0, "example.org", NULL },
	{ "domain none: com", 0, "com", NULL },
	{ "domain none: empty", 0, "", NULL },
};

/* Runs one row of lookup_cases. */
static void
test_lookup(void **state)
{
	const struct lookup_case *c = *state;
	struct bg_config *cfg = must_load(lookup_conf);
	const struct bg_entity *e;

	e = c->by_sasl ? bg_config_entity_by_sasl(cfg, c->key) : bg_config_entity_by_domain(cfg, c->key);
	if (c->entity == NULL) {
		assert_null(e);
	} else {
		assert_non_null(e);
		assert_string_equal(e->name, c->entity);
	}
	bg_config_free(cfg);
}

/* Every option row has a name, a type and a default text; names are sane. */
static void
test_rows(void **state)
{
	struct bg_config_row_info row, *r = &row;
	size_t n = 0;

	for (; bg_config_row(n, r); n++) {
		assert_non_null(r->section);
		assert_non_null(r->name);
		assert_non_null(r->type);
		assert_non_null(r->def);
		assert_true(strlen(r->name) > 0);
		assert_true(strlen(r->type) > 0);
		assert_int_equal(strspn(r->name, "abcdefghijklmnopqrstuvwxyz_"), strlen(r->name));
	}
	assert_true(n >= 50);
	assert_false(bg_config_row(n, r));
	assert_false(bg_config_row((size_t)-1, r));
	assert_true(bg_config_row(0, r));
	assert_string_equal(r->section, "");
}

/* The enum names. */
static void
test_names(void **state)
{
	assert_string_equal(bg_class_name(BG_CLASS_BULK), "bulk");
	assert_string_equal(bg_class_name(BG_CLASS_CONFIRMATION), "confirmation");
	assert_string_equal(bg_class_name(BG_CLASS_TRANSACTIONAL), "transactional");
	assert_string_equal(bg_class_name(BG_CLASS_MANDATED), "mandated");
	assert_string_equal(bg_class_name((enum bg_class)4), "?");
	assert_string_equal(bg_class_name((enum bg_class)-1), "?");
	assert_string_equal(bg_consent_name(BG_CONSENT_NONE), "none");
	assert_string_equal(bg_consent_name(BG_CONSENT_SINGLE), "single");
	assert_string_equal(bg_consent_name(BG_CONSENT_NOTIFIED), "notified");
	assert_string_equal(bg_consent_name(BG_CONSENT_CONFIRMED), "confirmed");
	assert_string_equal(bg_consent_name((enum bg_consent)4), "?");
}

/* Each word of each word-valued option maps to its code, and each code's name is its word. */
static void
test_words(void **state)
{
	char list[128];
#define CHECK(code, word)                                                                                              \
	assert_string_equal(NAME_OF(code), word);                                                                      \
	assert_int_equal(bg_word_code(TABLE, word), code);
#define NAME_OF bg_consent_name
#define TABLE   bg_words_consent
	BG_CONSENT_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_on_error_name
#define TABLE   bg_words_on_error
	BG_ON_ERROR_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_unknown_name
#define TABLE   bg_words_unknown
	BG_UNKNOWN_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_pol_on_error_name
#define TABLE   bg_words_pol_on_error
	BG_POL_ON_ERROR_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_dkim_alg_name
#define TABLE   bg_words_dkim_alg
	BG_DKIM_ALG_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_scope_name
#define TABLE   bg_words_scope
	BG_SCOPE_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#define NAME_OF bg_spf_policy_name
#define TABLE   bg_words_spf_policy
	BG_SPF_POLICY_WORDS(CHECK)
#undef NAME_OF
#undef TABLE
#undef CHECK
	(void)state;
	assert_int_equal(bg_word_code(bg_words_dkim_alg, "rsa-sha1"), -1);
	assert_string_equal(bg_dkim_alg_name((enum bg_dkim_alg)7), "?");
	assert_string_equal(bg_word_list(bg_words_unknown, list, sizeof(list)), "accept|reject|pass");
}

/* Reads all of path into a new string the caller frees, or NULL. */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		assert_non_null(buf);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

/* True when text has a line ".B name", name ending the line or followed by a space. */
static int
documents(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, ".B ", 3) != 0)
			continue;
		const char *q = p + 3 + strspn(p + 3, " \"");
		if (strncmp(q, name, n) == 0 && strchr(" \"\n", q[n]) != NULL)
			return 1;
	}
	return 0;
}

/* bulkguard.conf(5) has a ".B <name>" line for every option row. */
static void
test_documented(void **state)
{
	const char *src = getenv("BG_SRC");
	struct bg_config_row_info row, *r = &row;
	char path[1024], missing[4096] = "";
	char *man;

	if (src == NULL || *src == '\0')
		fail_msg("BG_SRC is not set: run this test with `make check`, or set BG_SRC to the source tree");
	snprintf(path, sizeof(path), "%s/lib/bulkguard.conf.5", src);
	man = read_file(path);
	if (man == NULL)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	for (size_t n = 0; bg_config_row(n, r); n++)
		if (!documents(man, r->name)) {
			size_t len = strlen(missing);
			snprintf(missing + len, sizeof(missing) - len, " %s%s%s", r->section, *r->section ? "." : "",
				 r->name);
		}
	free(man);
	if (missing[0] != '\0')
		fail_msg("%s has no \".B <name>\" line for:%s", path, missing);
}

/* Loads a redis section naming password_file path (mode given), with user when not NULL. */
static struct bg_config *
load_password(const char *content, mode_t mode, const char *user, char *err, size_t errlen)
{
	char pass[512], text[1024];

	write_conf("redis.pass", content, pass, sizeof(pass));
	assert_int_equal(chmod(pass, mode), 0);
	snprintf(text, sizeof(text), "user = \"\"\nredis {\n  db = 3\n  password_file = \"%s\"%s%s%s\n}\n", pass,
	         user ? " user = \"" : "", user ? user : "", user ? "\"" : "");
	return load_text("pw.conf", text, err, errlen);
}

/* redis.password_file: read at load (first line), refused with its line unless closed to group and others. */
static void
test_password_file(void **state)
{
	char err[ERRLEN];
	struct bg_config *cfg;

	(void)state;
	cfg = load_password("s3cret\nignored\n", 0600, "bg-milter", err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->redis.password, "s3cret");
	assert_string_equal(cfg->redis.user, "bg-milter");
	assert_int_equal(cfg->redis.db, 3);
	bg_config_free(cfg);
	cfg = load_password("crlf\r\n", 0400, NULL, err, sizeof(err));
	assert_non_null(cfg);
	assert_string_equal(cfg->redis.password, "crlf");
	bg_config_free(cfg);
	const mode_t open_modes[] = { 0640, 0604, 0620, 0602 };
	for (size_t i = 0; i < NELEM(open_modes); i++) {
		assert_null(load_password("s3cret\n", open_modes[i], NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "pw.conf:4: redis password_file"));
		assert_non_null(strstr(err, "is open to group or others"));
		assert_null(strstr(err, "s3cret"));
	}
	assert_null(load_password("\n", 0600, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "must hold the password on its first line"));
	assert_null(load_text("pw.conf", "redis { user = \"bg-ctl\" }\n", err, sizeof(err)));
	assert_non_null(strstr(err, "needs a password_file"));
	assert_null(load_text("pw.conf", "redis {\n password_file = \"/nonexistent/pass\"\n}\n", err, sizeof(err)));
	assert_non_null(strstr(err, "pw.conf:2: redis password_file \"/nonexistent/pass\" cannot be read"));
}

/* redis.sentinels and WAIT: WAIT on by default with sentinels; bad sentinels, names, timeouts refused. */
static void
test_sentinels(void **state)
{
	char err[ERRLEN], pass[512], text[1024];
	struct bg_config *cfg;

	(void)state;
	cfg = must_load("redis {\n sentinels = { \"10.0.0.1:26379\", \"[::1]:26380\" }\n}\n");
	assert_int_equal(cfg->redis.sentinels.n, 2);
	assert_string_equal(cfg->redis.master_name, "bulkguard");
	assert_int_equal(cfg->redis.wait_replicas, 1); /* on by default with sentinels */
	assert_int_equal(cfg->redis.wait_timeout_ms, 100);
	bg_config_free(cfg);
	cfg = must_load("redis { address = \"127.0.0.1:6379\" }\n");
	assert_int_equal(cfg->redis.wait_replicas, 0); /* off for a single Redis */
	bg_config_free(cfg);
	cfg = must_load("redis { sentinels = { \"s:1\" } wait_replicas = 0 }\n");
	assert_int_equal(cfg->redis.wait_replicas, 0);
	bg_config_free(cfg);
	assert_null(load_text("s.conf", "redis {\n sentinels = { \"unix:/x\" }\n}\n", err, sizeof(err)));
	assert_non_null(strstr(err, "s.conf:2: redis sentinel \"unix:/x\" must be host:port"));
	assert_null(
	    load_text("s.conf", "redis {\n sentinels = { \"h:1\" } master_name = \"a b\"\n}\n", err, sizeof(err)));
	assert_non_null(strstr(err, "master_name must be one word"));
	assert_null(load_text("s.conf", "redis {\n sentinel_user = \"s\"\n}\n", err, sizeof(err)));
	assert_non_null(strstr(err, "s.conf:2: redis sentinel_user \"s\" needs a sentinel_password_file"));
	assert_null(load_text("s.conf", "redis { wait_replicas = 1 wait_timeout_ms = 250 }\n", err, sizeof(err)));
	assert_non_null(strstr(err, "wait_timeout_ms (250) must be below timeout_ms (250)"));
	write_conf("sentinel.pass", "sEntinel\n", pass, sizeof(pass));
	assert_int_equal(chmod(pass, 0644), 0);
	snprintf(text, sizeof(text), "redis {\n sentinels = { \"h:1\" }\n sentinel_password_file = \"%s\"\n}\n", pass);
	assert_null(load_text("s.conf", text, err, sizeof(err)));
	assert_non_null(strstr(err, "s.conf:3: redis sentinel_password_file"));
	assert_null(strstr(err, "sEntinel"));
	assert_int_equal(chmod(pass, 0600), 0);
	cfg = must_load(text);
	assert_string_equal(cfg->redis.sentinel_password, "sEntinel");
	bg_config_free(cfg);
}

/* Appends a table's rows to tests, each named "<prefix>: <row name>". */
#define ADD_ROWS(table, fn, prefix)                                                                   \
	for (size_t i = 0; i < NELEM(table); i++) {                                                   \
		snprintf(names[n], sizeof(names[n]), "%s: %s", prefix, table[i].name);                \
		tests[n] = (struct CMUnitTest){ names[n], fn, NULL, NULL, (void *)&table[i] };         \
		n++;                                                                                  \
	}

#define NTESTS (NELEM(good_cases) + NELEM(bad_cases) + NELEM(lookup_cases) + 16)

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	static char names[NTESTS][128];
	static struct CMUnitTest tests[NTESTS];
	const struct CMUnitTest misc[] = {
	    cmocka_unit_test(test_design_sample),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_entity_defaults),
	    cmocka_unit_test(test_directory),
	    cmocka_unit_test(test_small_errbuf),
	    cmocka_unit_test(test_error_then_good),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_documented),
	    cmocka_unit_test(test_password_file),
	    cmocka_unit_test(test_sentinels),
	};
	size_t n = 0;

	for (size_t i = 0; i < NELEM(misc); i++)
		tests[n++] = misc[i];
	ADD_ROWS(good_cases, test_good, "accepted");
	ADD_ROWS(bad_cases, test_bad, "refused");
	ADD_ROWS(lookup_cases, test_lookup, "lookup");
	return _cmocka_run_group_tests("bg_config", tests, n, group_setup, group_teardown);
}
