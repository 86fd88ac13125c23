/*
 * test_limit.c - table-driven unit tests for pol_limit_plan: which pool,
 * which destination group, which Redis keys and which arguments one RCPT
 * request gets. The configuration is a real file loaded with
 * bg_config_load from a private mkdtemp directory.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_cluster.h"
#include "bg_config.h"
#include "../../policy/pol_limit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char conf_text[] = "redis { prefix = \"t:\" }\n"
                                "entity \"acme\" {\n"
                                "  sender_domains = { \"acme.example\" }\n"
                                "  sasl_users = { \"acme-app\" }\n"
                                "  mandated_senders = { \"notice@acme.example\" }\n"
                                "  transactional_senders = { \"receipts@acme.example\" }\n"
                                "  confirmation_senders = { \"confirm@acme.example\" }\n"
                                "  pool = \"shared-a\"  mandated_pool = \"notify\"  transactional_pool = \"trans\"\n"
                                "}\n"
                                "entity \"beta\" { sender_domains = { \"beta.example\" }  pool = \"warm\" }\n"
                                "entity \"nopool\" { sender_domains = { \"nopool.example\" } }\n"
                                "entity \"plain\" { sender_domains = { \"plain.example\" }  pool = \"plain\" }\n"
                                "entity \"bare\" { sender_domains = { \"bare.example\" }  pool = \"bare\" }\n"
                                "pool \"shared-a\" { ips = { \"192.0.2.10\", \"192.0.2.11\" }  rate = \"20000/h\" }\n"
                                "pool \"notify\" { rate = \"1/m\" }\n"
                                "pool \"trans\" { }\n"
                                "pool \"plain\" { ips = { \"192.0.2.20\" } }\n"
                                "pool \"bare\" { }\n"
                                "pool \"warm\" { ips = { \"192.0.2.1\", \"192.0.2.2\", \"192.0.2.3\" }  warmup_start = "
                                "\"2026-11-01\"  warmup_daily = { 50, 100 } }\n"
                                "domain_group \"google\" { domains = { \"gmail.com\", \"googlemail.com\" } }\n"
                                "limit { pool = \"shared-a\"  group = \"google\"  rate = \"3000/h\"  burst = 50 }\n"
                                "limit { entity = \"acme\"  rate = \"100000/d\" }\n"
                                "limit { pool = \"shared-a\"  group = \"yahoo.com\"  rate = \"10/s\" }\n";

static struct bg_config *cfg;

/* Loads text as a configuration file; NULL on error. */
static struct bg_config *
load(const char *text)
{
	const char *base = getenv("TMPDIR");
	char dir[256], path[512], err[1024];
	struct bg_config *c;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/bg-test-limit.XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	c = bg_config_load(path, err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "# %s\n", err);
	unlink(path);
	rmdir(dir);
	return c;
}

static int
group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char dir[256], path[512], err[1024];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/bg-test-limit.XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/p.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(conf_text, f);
	fclose(f);
	cfg = bg_config_load(path, err, sizeof(err));
	if (cfg == NULL)
		fprintf(stderr, "# %s\n", err);
	unlink(path);
	rmdir(dir);
	return cfg ? 0 : -1;
}

static int
group_teardown(void **state)
{
	bg_config_free(cfg);
	return 0;
}

struct limit_case {
	const char *name;
	const char *state, *sasl, *sender, *rcpt;
	enum pol_verdict verdict;
	const char *pool, *group;
	const char *args; /* argv from index 2, joined with spaces */
};

static const struct limit_case cases[] = {
    {"bulk to a grouped domain: pool, pool x group, entity", "RCPT", "", "news@acme.example", "a@GMail.com",
     POL_V_CHECK, "shared-a", "google",
     "5 t:rl:pool=shared-a t:rl:limit:pool=shared-a,group=google t:rl:limit:entity=acme t:wu:shared-a:0: "
     "t:brake:pair:shared-a:google "
     "3 180000.000 20000 1200000.000 50 864000.000 100000 0 2 0 rw"},
    {"a domain in no group is its own group", "RCPT", "acme-app", "news@acme.example", "a@example.com", POL_V_CHECK,
     "shared-a", "example.com",
     "4 t:rl:pool=shared-a t:rl:limit:entity=acme t:wu:shared-a:0: t:brake:pair:shared-a:example.com "
     "2 180000.000 20000 864000.000 100000 0 2 0 rw"},
    {"a limit's group may be a plain domain", "RCPT", "", "news@acme.example", "a@yahoo.com", POL_V_CHECK, "shared-a",
     "yahoo.com",
     "5 t:rl:pool=shared-a t:rl:limit:entity=acme t:rl:limit:pool=shared-a,group=yahoo.com t:wu:shared-a:0: "
     "t:brake:pair:shared-a:yahoo.com "
     "3 180000.000 20000 864000.000 100000 100000.000 10 0 2 0 rw"},
    {"mandated mail leaves through its pool", "RCPT", "", "notice@acme.example", "a@example.com", POL_V_CHECK, "notify",
     "example.com",
     "4 t:rl:pool=notify t:rl:limit:entity=acme t:wu:notify:0: t:brake:pair:notify:example.com "
     "2 60000000.000 1 864000.000 100000 0 1 0 rw"},
    {"transactional: its pool has no rate, the entity limit still counts", "RCPT", "", "receipts@acme.example",
     "a@example.com", POL_V_CHECK, "trans", "example.com",
     "3 t:rl:limit:entity=acme t:wu:trans:0: t:brake:pair:trans:example.com 1 864000.000 100000 0 1 0 rw"},
    {"confirmation without a confirmation_pool uses the entity's pool", "RCPT", "", "confirm@acme.example",
     "a@example.com", POL_V_CHECK, "shared-a", "example.com", NULL},
    {"warm-up only: schedule times the IP count", "RCPT", "", "x@beta.example", "a@example.com", POL_V_CHECK, "warm",
     "example.com", "2 t:wu:warm:1793491200: t:brake:pair:warm:example.com 0 1793491200 3 2 50 100 rw"},
    {"no limits but an IP to pick: the script still runs (per-IP day counter)", "RCPT", "", "x@plain.example",
     "a@example.com", POL_V_CHECK, "plain", "example.com", "2 t:wu:plain:0: t:brake:pair:plain:example.com 0 0 1 0 rw"},
    {"no limits and no IP: nothing to do", "RCPT", "", "x@bare.example", "a@example.com", POL_V_NO_LIMITS, NULL, NULL,
     NULL},
    {"not RCPT", "DATA", "", "news@acme.example", "a@example.com", POL_V_NOT_RCPT, NULL, NULL, NULL},
    {"no protocol_state", "", "", "news@acme.example", "a@example.com", POL_V_NOT_RCPT, NULL, NULL, NULL},
    {"unknown sender", "RCPT", "", "x@unknown.example", "a@example.com", POL_V_NO_ENTITY, NULL, NULL, NULL},
    {"null sender, no login", "RCPT", "", "", "a@example.com", POL_V_NO_ENTITY, NULL, NULL, NULL},
    {"login no entity lists: unknown sender, not the domain's entity", "RCPT", "nobody", "news@acme.example",
     "a@example.com", POL_V_NO_ENTITY, NULL, NULL, NULL},
    {"login with a sender of another entity's domain", "RCPT", "acme-app", "x@beta.example", "a@example.com",
     POL_V_NOT_AUTHORIZED, NULL, NULL, NULL},
    {"login with a sender of no entity's domain", "RCPT", "acme-app", "x@unknown.example", "a@example.com",
     POL_V_NOT_AUTHORIZED, NULL, NULL, NULL},
    {"login with the null sender", "RCPT", "acme-app", "", "a@example.com", POL_V_NOT_AUTHORIZED, NULL, NULL, NULL},
    {"login with a sender below its entity's domain", "RCPT", "acme-app", "x@news.acme.example", "a@example.com",
     POL_V_CHECK, "shared-a", "example.com", NULL},
    {"entity without a pool", "RCPT", "", "x@nopool.example", "a@example.com", POL_V_NO_POOL, NULL, NULL, NULL},
    {"recipient that cannot be normalised", "RCPT", "", "news@acme.example", "a b@@x", POL_V_BAD_RCPT, NULL, NULL,
     NULL},
};

/* Builds a request record from the row. */
static void
make_request(const struct limit_case *c, struct pol_request *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < POL_A_COUNT; i++)
		r->v[i] = "";
	r->v[POL_A_PROTOCOL_STATE] = c->state;
	r->v[POL_A_SASL_USERNAME] = c->sasl;
	r->v[POL_A_SENDER] = c->sender;
	r->v[POL_A_RECIPIENT] = c->rcpt;
	for (int i = 0; i < POL_A_COUNT; i++)
		r->len[i] = strlen(r->v[i]);
}

static void
test_row(void **state)
{
	const struct limit_case *c = *state;
	struct pol_request r;
	struct bg_limit_plan plan;
	char args[2048] = "";

	make_request(c, &r);
	assert_int_equal(pol_limit_plan(cfg, &r, &plan), c->verdict);
	if (c->verdict != POL_V_CHECK) {
		assert_int_equal(plan.argc, 0);
		bg_limit_plan_free(&plan);
		return;
	}
	assert_string_equal(plan.pool, c->pool);
	assert_string_equal(plan.group, c->group);
	for (int i = 2; i < plan.argc; i++) {
		assert_int_equal(strlen(plan.argv[i]), plan.argvlen[i]);
		strcat(args, i > 2 ? " " : "");
		strcat(args, plan.argv[i]);
	}
	if (c->args)
		assert_string_equal(args, c->args);
	bg_limit_plan_free(&plan);
}

/* The plan owns its strings: it outlives the configuration it came from. */
static void
test_owns(void **state)
{
	struct pol_request r;
	struct bg_limit_plan plan;

	make_request(&cases[0], &r);
	assert_int_equal(pol_limit_plan(cfg, &r, &plan), POL_V_CHECK);
	for (size_t i = 0; i < cfg->n_pools; i++)
		assert_ptr_not_equal(plan.pool, cfg->pools[i].name);
	assert_string_equal(plan.entity, "acme");
	assert_string_equal(plan.class_name, "bulk");
	assert_int_equal(plan.n_ips, 2); /* the answer names bg-shared-a-1 or -2 */
	bg_limit_plan_free(&plan);
	assert_null(plan.argv);
	bg_limit_plan_free(&plan);
}

static const char cluster_text[] = "redis { cluster_nodes = { \"127.0.0.1:1\" } prefix = \"t:\" }\n"
                                   "entity \"acme\" { sender_domains = { \"acme.example\" } pool = \"p\" }\n"
                                   "pool \"p\" { ips = { \"192.0.2.1\" } rate = \"10/s\" }\n"
                                   "limit { pool = \"p\" group = \"example.com\" rate = \"1/s\" }\n";

/* Plans a check for news@acme.example to a@example.com under c and compares argv[3...] with keys. */
static void
check_keys(const struct bg_config *c, int nkeys, const char *const *keys, const char *tag)
{
	const struct limit_case row = {"",   "RCPT", "",  "news@acme.example", "a@example.com", POL_V_CHECK,
	                               NULL, NULL,   NULL};
	struct pol_request r;
	struct bg_limit_plan plan;

	make_request(&row, &r);
	assert_int_equal(pol_limit_plan(c, &r, &plan), POL_V_CHECK);
	assert_int_equal(plan.nkeys, nkeys);
	for (int i = 0; i < nkeys; i++)
		assert_string_equal(plan.argv[3 + i], keys[i]);
	assert_int_equal(bg_cluster_same_slot((size_t)nkeys, (const char *const *)plan.argv + 3, plan.argvlen + 3),
	                 bg_cluster_key_slot(tag, strlen(tag)));
	bg_limit_plan_free(&plan);
}

/* On a Cluster every key of one check names the pool as a hash tag, so all share the pool's slot. */
static void
test_cluster_keys(void **state)
{
	struct bg_config *c = load(cluster_text);
	const char *keys[] = {"t:rl:pool={p}", "t:rl:limit:pool={p},group=example.com",
	                      "t:wu:{p}:0:", "t:brake:pair:{p}:example.com"};

	assert_non_null(c);
	assert_false(bg_limit_one_slot(c));
	check_keys(c, 4, keys, "p");
	bg_config_free(c);
}

/* A limit without a pool on a Cluster: every policy key carries the one tag {all}. */
static void
test_cluster_poolless(void **state)
{
	char text[1024];
	struct bg_config *c;
	const char *keys[] = {"t:rl:pool={all}p", "t:rl:limit:pool={all}p,group=example.com",
	                      "t:rl:limit:{all}entity=acme", "t:wu:{all}p:0:", "t:brake:pair:{all}p:example.com"};

	snprintf(text, sizeof(text), "%slimit { entity = \"acme\" rate = \"5/s\" }\n", cluster_text);
	assert_non_null(c = load(text));
	assert_true(bg_limit_one_slot(c));
	check_keys(c, 5, keys, "all");
	bg_config_free(c);
	assert_false(bg_limit_one_slot(cfg)); /* one Redis, with a limit by entity alone: no tag at all */
}

int
main(void)
{
	static char names[NELEM(cases)][128];
	static struct CMUnitTest tests[NELEM(cases) + 3];
	size_t n = 0;

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(names[i], sizeof(names[i]), "row %02zu %s", i, cases[i].name);
		tests[n++] = (struct CMUnitTest){names[i], test_row, NULL, NULL, (void *)&cases[i]};
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_owns);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cluster_keys);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cluster_poolless);
	return _cmocka_run_group_tests("pol_limit", tests, n, group_setup, group_teardown);
}
