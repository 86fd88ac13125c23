/*
 * ctl_data.c - "bulkguard-ctl suppress|consent add|del|show": one
 * recipient's suppressions and consent by hand (see ctl_data.h).
 *
 * Every address is normalised as the daemons do before it is looked up or
 * written; writes go through bg_suppress (HSET and the bg:audit entry in one
 * transaction), so what an operator writes is what the milter reads.
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bg_addr.h"
#include "bg_suppress.h"
#include "bg_util.h"
#include "ctl_data.h"

#define NAME                 "bulkguard-ctl"
#define CTL_REDIS_TIMEOUT_MS 5000

/* The options of the suppress and consent subcommands. */
struct data_opts {
	const char *entity, *list, *reason, *source, *level, *time, *ip;
};

struct bg_redis *
ctl_data_redis(const struct bg_config *cfg)
{
	struct bg_redis_conf rc = cfg->redis; /* shallow: only the timeout differs */
	const char *err = NULL;
	struct bg_redis *r;

	rc.timeout_ms = rc.timeout_ms > CTL_REDIS_TIMEOUT_MS ? rc.timeout_ms : CTL_REDIS_TIMEOUT_MS;
	r = bg_redis_new(&rc, &err);

	if (r == NULL) { /* bg_config refuses such an address: can't happen after loading */
		fprintf(stderr, NAME ": redis address \"%s\": %s\n", cfg->redis.address, err);
		return NULL;
	}
	if (bg_redis_connect(r) < 0) {
		ctl_data_down(r, bg_redis_error(r));
		bg_redis_free(r);
		return NULL;
	}
	return r;
}

int
ctl_data_down(const struct bg_redis *r, const char *why)
{
	fprintf(stderr, NAME ": Redis at %s unavailable: %s\n", bg_redis_address(r), why);
	return EX_UNAVAILABLE;
}

int
ctl_data_confirm(struct bg_redis *r)
{
	if (bg_redis_wait(r) == 0)
		return 0;
	fprintf(stderr, NAME ": Redis at %s: write not confirmed: %s\n", bg_redis_address(r), bg_redis_error(r));
	return EX_TEMPFAIL;
}

const char *
ctl_data_login(void)
{
	static char name[64];
	const char *login = getlogin();
	struct passwd *pw;

	if (login == NULL || *login == '\0')
		login = (pw = getpwuid(getuid())) != NULL ? pw->pw_name : NULL;
	if (login != NULL)
		bg_strlcpy(name, login, sizeof(name));
	else
		snprintf(name, sizeof(name), "uid%lu", (unsigned long)getuid());
	return name;
}

int
ctl_data_time(const char *s, long long *t)
{
	struct tm tm;
	const char *end;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 12) {
		*t = strtoll(s, NULL, 10);
		return *t <= BG_SUPPRESS_TIME_MAX ? 0 : -1;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0' || strlen(s) != 20)
		return -1;
	*t = (long long)timegm(&tm);
	return *t >= 0 && *t <= BG_SUPPRESS_TIME_MAX ? 0 : -1;
}

void
ctl_data_iso(long long t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", t);
}

bool
ctl_data_entity_known(const struct bg_config *cfg, const char *name)
{
	return bg_config_entity_named(cfg, name) != NULL;
}

/* Prints the usage of command word; returns EX_USAGE. */
static int
usage(const char *word)
{
	fprintf(stderr, "usage: " NAME " [-c file] %s\n",
	        strcmp(word, "consent") == 0 ? CTL_CONSENT_USAGE : CTL_SUPPRESS_USAGE);
	return EX_USAGE;
}

/*
 * Parses the options into o, allowing only the short letters in allowed.
 * Returns the index of the one operand (the address), or -1.
 */
static int
parse_opts(int argc, char **argv, const char *allowed, struct data_opts *o)
{
	static const struct option longopts[] = {
	    {"entity", required_argument, NULL, 'e'}, {"list", required_argument, NULL, 'l'},
	    {"reason", required_argument, NULL, 'r'}, {"source", required_argument, NULL, 's'},
	    {"level", required_argument, NULL, 'L'},  {"time", required_argument, NULL, 't'},
	    {"ip", required_argument, NULL, 'i'},     {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 0; /* glibc: start afresh on this argv */
	while ((ch = getopt_long(argc, argv, "e:l:r:s:L:t:i:", longopts, NULL)) != -1) {
		if (ch == '?' || strchr(allowed, ch) == NULL)
			return -1;
		switch (ch) {
		case 'e': o->entity = optarg; break;
		case 'l': o->list = optarg; break;
		case 'r': o->reason = optarg; break;
		case 's': o->source = optarg; break;
		case 'L': o->level = optarg; break;
		case 't': o->time = optarg; break;
		case 'i': o->ip = optarg; break;
		}
	}
	return optind == argc - 1 ? optind : -1;
}

/* Normalises the address operand into a; prints why not. 0 or EX_USAGE. */
static int
normalise(const struct bg_config *cfg, const char *cmd, const char *in, struct bg_addr *a)
{
	enum bg_addr_status st = bg_addr_normalise(in, strlen(in), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, a);

	if (st == BG_ADDR_OK)
		return 0;
	fprintf(stderr, NAME ": %s: %s: %s\n", cmd, in, bg_addr_strerror(st));
	return EX_USAGE;
}

/* Copies s into a record part of size len; prints and returns -1 when it does not fit. */
static int
set_part(const char *cmd, const char *what, char *part, size_t len, const char *s)
{
	if (s != NULL && bg_strlcpy(part, s, len) >= len) {
		fprintf(stderr, NAME ": %s: %s over %zu bytes\n", cmd, what, len - 1);
		return -1;
	}
	return 0;
}

/* Fills rec's scope from --entity and --list; 0 or EX_USAGE (printed). */
static int
set_scope(const struct bg_config *cfg, const char *cmd, const struct data_opts *o, struct bg_suppress_rec *rec,
          bool must_exist)
{
	if (o->list != NULL && o->entity == NULL) {
		fprintf(stderr, NAME ": %s: --list needs --entity\n", cmd);
		return EX_USAGE;
	}
	if (set_part(cmd, "entity", rec->entity, sizeof(rec->entity), o->entity) < 0 ||
	    set_part(cmd, "list", rec->list, sizeof(rec->list), o->list) < 0)
		return EX_USAGE;
	if (must_exist && o->entity != NULL && !ctl_data_entity_known(cfg, o->entity)) {
		fprintf(stderr, NAME ": %s: no entity \"%s\" in %s\n", cmd, o->entity, cfg->file);
		return EX_USAGE;
	}
	return 0;
}

/* Prints one record as a show line: kind, scope, then key=value pairs. */
static void
print_rec(const struct bg_suppress_rec *rec)
{
	char iso[32];

	printf("%s %s%s%s", rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress",
	       rec->entity[0] ? rec->entity : "global", rec->list[0] ? "/" : "", rec->list);
	printf(" %s=%s", rec->kind == BG_SUPPRESS_CONSENT ? "level" : "reason", rec->word);
	if (rec->when >= 0) {
		ctl_data_iso(rec->when, iso, sizeof(iso));
		printf(" time=%s", iso);
	}
	if (rec->ip[0] != '\0')
		printf(" ip=%s", rec->ip);
	if (rec->source[0] != '\0')
		printf(" source=%s", rec->source);
	putchar('\n');
}

/* Writes rec for address and prints it; returns the exit status. */
static int
put(const struct bg_config *cfg, const char *cmd, const char *address, const struct bg_suppress_rec *rec)
{
	const char *why = bg_suppress_check(rec);
	char who[80];
	struct bg_redis *r;
	int rc;

	if (why != NULL) {
		fprintf(stderr, NAME ": %s: %s\n", cmd, why);
		return EX_USAGE;
	}
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	snprintf(who, sizeof(who), "ctl:%s", ctl_data_login());
	rc = bg_suppress_put(r, cfg->redis.prefix, address, rec, cfg->audit, who);
	if (rc == 0)
		rc = ctl_data_confirm(r);
	else
		rc = ctl_data_down(r, bg_redis_error(r));
	if (rc == 0)
		print_rec(rec);
	bg_redis_free(r);
	return rc;
}

/* suppress add ADDRESS [--entity E [--list L]] [--reason R] [--source S] */
static int
suppress_add(const struct bg_config *cfg, int argc, char **argv)
{
	struct bg_suppress_rec rec = {.kind = BG_SUPPRESS_SUPPRESS};
	struct data_opts o;
	struct bg_addr a;
	int i = parse_opts(argc, argv, "elrs", &o), rc;

	if (i < 0)
		return usage("suppress");
	if ((rc = normalise(cfg, "suppress add", argv[i], &a)) != 0 ||
	    (rc = set_scope(cfg, "suppress add", &o, &rec, true)) != 0)
		return rc;
	snprintf(rec.source, sizeof(rec.source), "operator:%s", ctl_data_login());
	if (set_part("suppress add", "reason", rec.word, sizeof(rec.word), o.reason ? o.reason : "manual") < 0 ||
	    set_part("suppress add", "source", rec.source, sizeof(rec.source), o.source) < 0)
		return EX_USAGE;
	rec.when = (long long)time(NULL);
	return put(cfg, "suppress add", a.text, &rec);
}

/* consent add ADDRESS --entity E [--list L] --level LEVEL [--time T] [--ip IP] [--source S] */
static int
consent_add(const struct bg_config *cfg, int argc, char **argv)
{
	struct bg_suppress_rec rec = {.kind = BG_SUPPRESS_CONSENT};
	struct data_opts o;
	struct bg_addr a;
	int i = parse_opts(argc, argv, "elLtis", &o), rc;

	if (i < 0 || o.entity == NULL || o.level == NULL)
		return usage("consent");
	if ((rc = normalise(cfg, "consent add", argv[i], &a)) != 0 ||
	    (rc = set_scope(cfg, "consent add", &o, &rec, true)) != 0)
		return rc;
	rec.when = (long long)time(NULL);
	if (o.time != NULL && ctl_data_time(o.time, &rec.when) < 0) {
		fprintf(stderr, NAME ": consent add: --time %s: want unix seconds or 2026-11-23T14:00:00Z\n", o.time);
		return EX_USAGE;
	}
	snprintf(rec.source, sizeof(rec.source), "operator:%s", ctl_data_login());
	if (set_part("consent add", "level", rec.word, sizeof(rec.word), o.level) < 0 ||
	    set_part("consent add", "ip", rec.ip, sizeof(rec.ip), o.ip) < 0 ||
	    set_part("consent add", "source", rec.source, sizeof(rec.source), o.source) < 0)
		return EX_USAGE;
	return put(cfg, "consent add", a.text, &rec);
}

/* Deletes the field of kind what for the scope in argv; returns the exit status. */
static int
del(const struct bg_config *cfg, const char *what, int argc, char **argv)
{
	struct bg_suppress_rec rec = {0};
	char cmd[32], field[BG_SUPPRESS_FIELD_LEN], who[80];
	struct data_opts o;
	struct bg_addr a;
	struct bg_redis *r;
	int i = parse_opts(argc, argv, "el", &o), rc;

	snprintf(cmd, sizeof(cmd), "%s del", what);
	if (i < 0 || (strcmp(what, "consent") == 0 && o.entity == NULL))
		return usage(what);
	if ((rc = normalise(cfg, cmd, argv[i], &a)) != 0 || (rc = set_scope(cfg, cmd, &o, &rec, false)) != 0)
		return rc;
	bg_suppress_field(what, rec.entity, rec.list, field, sizeof(field));
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	snprintf(who, sizeof(who), "ctl:%s", ctl_data_login());
	rc = bg_suppress_delete(r, cfg->redis.prefix, a.text, field, cfg->audit, who);
	if (rc == 1 && ctl_data_confirm(r) != 0) {
		bg_redis_free(r);
		return EX_TEMPFAIL;
	}
	if (rc == 1)
		printf("deleted %s of %s\n", field, a.text);
	else if (rc == 0)
		fprintf(stderr, NAME ": %s: %s has no %s\n", cmd, a.text, field);
	else
		ctl_data_down(r, bg_redis_error(r));
	bg_redis_free(r);
	return rc == 1 ? 0 : rc == 0 ? 1 : EX_UNAVAILABLE;
}

/* A field of a recipient's hash and its value, from an HGETALL reply. */
struct pair {
	const redisReply *name, *value;
};

/* Orders pairs: suppress* before consent*, then by field name. */
static int
cmp_pairs(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	int ka = strncmp(a->name->str, "consent", 7) == 0, kb = strncmp(b->name->str, "consent", 7) == 0;

	return ka != kb ? ka - kb : strcmp(a->name->str, b->name->str);
}

/* Prints the suppress* and consent* fields of an HGETALL reply, sorted; returns how many. */
static size_t
print_fields(const redisReply *rep)
{
	size_t n = rep->elements / 2, shown = 0;
	struct pair *pairs = bg_xcalloc(n + 1, sizeof(*pairs));
	struct bg_suppress_rec rec;
	const char *why;
	int rc;

	for (size_t i = 0; i < n; i++)
		pairs[i] = (struct pair){rep->element[2 * i], rep->element[2 * i + 1]};
	qsort(pairs, n, sizeof(*pairs), cmp_pairs);
	for (size_t i = 0; i < n; i++) {
		rc = bg_suppress_parse(pairs[i].name->str, pairs[i].value->str, pairs[i].value->len, &rec, &why);
		if (rc == 0)
			print_rec(&rec);
		else if (rc < 0)
			printf("%s unreadable (%s): %s\n", pairs[i].name->str, why, pairs[i].value->str);
		shown += rc <= 0;
	}
	free(pairs);
	return shown;
}

/* suppress show ADDRESS, consent show ADDRESS: every suppress* and consent* field. */
static int
show(const struct bg_config *cfg, const char *what, int argc, char **argv)
{
	char cmd[32], key[512];
	const char *hgetall[2] = {"HGETALL", key};
	struct data_opts o;
	struct bg_addr a;
	struct bg_redis *r;
	redisReply *rep;
	int i = parse_opts(argc, argv, "", &o), rc;

	snprintf(cmd, sizeof(cmd), "%s show", what);
	if (i < 0)
		return usage(what);
	if ((rc = normalise(cfg, cmd, argv[i], &a)) != 0)
		return rc;
	snprintf(key, sizeof(key), "%srcpt:%s", cfg->redis.prefix, a.text);
	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	if (bg_redis_append(r, 2, hgetall, NULL) < 0 || (rep = bg_redis_reply(r)) == NULL) {
		rc = ctl_data_down(r, bg_redis_error(r));
	} else {
		if (rep->type == REDIS_REPLY_ERROR)
			rc = ctl_data_down(r, rep->str);
		else if (rep->type != REDIS_REPLY_ARRAY || print_fields(rep) == 0) {
			fprintf(stderr, NAME ": %s: no suppression or consent recorded for %s\n", cmd, a.text);
			rc = 1;
		}
		freeReplyObject(rep);
	}
	bg_redis_free(r);
	return rc;
}

/* Runs subcommand argv[1] of command what ("suppress" or "consent"). */
static int
dispatch(const struct bg_config *cfg, const char *what, int argc, char **argv)
{
	if (argc < 2)
		return usage(what);
	argc--, argv++;
	if (strcmp(argv[0], "add") == 0)
		return strcmp(what, "consent") == 0 ? consent_add(cfg, argc, argv) : suppress_add(cfg, argc, argv);
	if (strcmp(argv[0], "del") == 0)
		return del(cfg, what, argc, argv);
	if (strcmp(argv[0], "show") == 0)
		return show(cfg, what, argc, argv);
	return usage(what);
}

int
ctl_suppress(const struct bg_config *cfg, int argc, char **argv)
{
	return dispatch(cfg, "suppress", argc, argv);
}

int
ctl_consent(const struct bg_config *cfg, int argc, char **argv)
{
	return dispatch(cfg, "consent", argc, argv);
}
