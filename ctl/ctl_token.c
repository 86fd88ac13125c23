/*
 * ctl_token.c - "bulkguard-ctl token|verp make|open": tokens and VERPs by hand (see ctl_token.h).
 *
 * make normalises the address as every program does, checks the entity is
 * configured and prints a token sealed (or a VERP made) with the first key
 * of the key file; open prints what a token or VERP says, or exactly what is
 * wrong with it.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "bg_addr.h"
#include "bg_token.h"
#include "bg_verp.h"
#include "ctl_token.h"

#define NAME "bulkguard-ctl"

/* Prints the command's usage; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_TOKEN_USAGE "\n       " CTL_VERP_USAGE
	                "\n       " CTL_REPLY_USAGE "\n");
	return EX_USAGE;
}

/* Loads the configured key file; prints why not and returns NULL. */
static struct bg_token_keys *
load_keys(const struct bg_config *cfg)
{
	char err[512];
	struct bg_token_keys *keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, sizeof(err));

	if (keys == NULL)
		fprintf(stderr, NAME ": %s\n", err);
	return keys;
}


/* Parses --entity and --list into *entity and *list; returns the index of the first operand or -1 (none, or no
 * --entity). */
static int
make_args(int argc, char **argv, const char **entity, const char **list)
{
	static const struct option longopts[] = {
	    {"entity", required_argument, NULL, 'e'},
	    {"list", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 0; /* glibc: start afresh on this argv */
	while ((ch = getopt_long(argc, argv, "e:l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'e': *entity = optarg; break;
		case 'l': *list = optarg; break;
		default: return -1;
		}
	}
	return *entity == NULL || optind >= argc ? -1 : optind;
}

/* token make --entity E [--list L] ADDRESS: prints a new token. */
static int
token_make(const struct bg_config *cfg, int argc, char **argv)
{
	const char *entity = NULL, *list = "";
	char tok[BG_TOKEN_MAX + 1];
	struct bg_token_keys *keys;
	struct bg_addr a;
	enum bg_addr_status st;
	int i = make_args(argc, argv, &entity, &list);
	enum bg_token_status made;

	if (i < 0 || i != argc - 1)
		return usage();
	st = bg_addr_normalise(argv[i], strlen(argv[i]), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a);
	if (st != BG_ADDR_OK) {
		fprintf(stderr, NAME ": token make: %s: %s\n", argv[i], bg_addr_strerror(st));
		return EX_USAGE;
	}
	if (bg_config_entity_named(cfg, entity) == NULL) {
		fprintf(stderr, NAME ": token make: no entity \"%s\" in %s\n", entity, cfg->file);
		return EX_USAGE;
	}
	if ((keys = load_keys(cfg)) == NULL)
		return EX_CONFIG;
	made = bg_token_make(keys, entity, list, a.text, time(NULL), tok, sizeof(tok));
	bg_token_keys_free(keys);
	if (made != BG_TOKEN_OK) {
		fprintf(stderr, NAME ": token make: entity or list over %d bytes or with control characters\n",
		        BG_TOKEN_LIST_MAX);
		return EX_USAGE;
	}
	printf("%s\n", tok);
	return 0;
}

/* Prints an opened token as one key=value line. */
static void
print_token(const struct bg_token *t)
{
	char iso[32] = "?";
	struct tm tm;

	if (gmtime_r(&t->issued, &tm) != NULL)
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("entity=%s list=%s address=%s issued=%lld (%s)\n", t->entity, t->list, t->address, (long long)t->issued,
	       iso);
}

/* token open TOKEN: prints what the token says, or why it does not open. */
static int
token_open(const struct bg_config *cfg, int argc, char **argv)
{
	struct bg_token_keys *keys;
	struct bg_token t;
	enum bg_token_status st;

	optind = 0;
	if (getopt(argc, argv, "") != -1 || optind != argc - 1)
		return usage();
	if ((keys = load_keys(cfg)) == NULL)
		return EX_CONFIG;
	st = bg_token_open(keys, argv[optind], strlen(argv[optind]), &t);
	bg_token_keys_free(keys);
	if (st != BG_TOKEN_OK) {
		fprintf(stderr, NAME ": token open: %s\n", bg_token_strerror(st));
		return 1;
	}
	print_token(&t);
	return 0;
}

/* The VERP's kind of address, or the reply address's (bg_verp.h): what make and open differ in. */
struct kind {
	const char *cmd;    /* "verp" or "reply" */
	const char *option; /* the entity's domain option */
	enum bg_verp_status (*make)(const struct bg_token_keys *, const char *, const char *, long, const char *,
	                            char *, size_t);
	enum bg_verp_status (*parse)(const struct bg_token_keys *, const char *, size_t, const struct bg_verp_window *,
	                             struct bg_addr *, struct bg_verp_info *);
	enum bg_verp_status (*check)(const struct bg_token_keys *, const char *, size_t, const char *,
	                             const struct bg_verp_window *, struct bg_verp_info *);
};

static const struct kind verp_kind = {"verp", "return_path_domain", bg_verp_make, bg_verp_parse, bg_verp_check};
static const struct kind reply_kind = {"reply", "reply_domain", bg_verp_reply_make, bg_verp_reply_parse,
                                       bg_verp_reply_check};

/* Returns e's domain for k's addresses, or NULL when it has none. */
static const char *
kind_domain(const struct kind *k, const struct bg_entity *e)
{
	const char *d = k == &reply_kind ? e->reply_domain : e->return_path_domain;

	return d != NULL && *d != '\0' ? d : NULL;
}

/* (verp|reply) make --entity E RECIPIENT...: prints, one a line, the addresses the milter would make today. */
static int
kind_make(const struct kind *k, const struct bg_config *cfg, int argc, char **argv)
{
	const char *name = NULL, *list = NULL;
	const struct bg_entity *e;
	char v[BG_ADDR_MAX + 1];
	struct bg_token_keys *keys;
	int i = make_args(argc, argv, &name, &list), rc = 0;

	if (i < 0 || list != NULL)
		return usage();
	if ((e = bg_config_entity_named(cfg, name)) == NULL || kind_domain(k, e) == NULL) {
		fprintf(stderr, NAME ": %s make: no entity \"%s\" with a %s in %s\n", k->cmd, name, k->option,
		        cfg->file);
		return EX_USAGE;
	}
	if ((keys = load_keys(cfg)) == NULL)
		return EX_CONFIG;
	for (; i < argc; i++) {
		if (k->make(keys, argv[i], e->verp_tag, bg_verp_day(time(NULL)), kind_domain(k, e), v, sizeof(v)) !=
		    BG_VERP_OK) {
			fprintf(stderr, NAME ": %s make: %s: not an address that fits one\n", k->cmd, argv[i]);
			rc = EX_USAGE;
			continue;
		}
		printf("%s\n", v);
	}
	bg_token_keys_free(keys);
	return rc;
}

/* Returns the name of the entity tagged tag in cfg, or "-". */
static const char *
entity_of_tag(const struct bg_config *cfg, const char *tag)
{
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (cfg->entities[i].verp_tag != NULL && strcmp(cfg->entities[i].verp_tag, tag) == 0)
			return cfg->entities[i].name;
	return "-";
}

/* Prints what a VERP says as one key=value line. */
static void
print_verp(const struct bg_config *cfg, const char *rcpt, const struct bg_verp_info *info, enum bg_verp_status st)
{
	char day[16] = "-";
	time_t t = (time_t)info->day * 86400;
	struct tm tm;

	if (info->version == 2 && gmtime_r(&t, &tm) != NULL)
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	printf("recipient=%s entity=%s tag=%s day=%s version=%d status=%s\n", rcpt && *rcpt ? rcpt : "-",
	       info->version == 2 ? entity_of_tag(cfg, info->tag) : "-", info->tag[0] ? info->tag : "-", day,
	       info->version, bg_verp_status_name(st));
}

/* (verp|reply) open [--recipient R] ADDRESS: prints what the address says and whether it is honoured today. */
static int
kind_open(const struct kind *k, const struct bg_config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {{"recipient", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *rcpt = NULL;
	struct bg_token_keys *keys;
	struct bg_verp_window w;
	struct bg_verp_info info;
	struct bg_addr r;
	enum bg_verp_status st;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1)
		if (ch != 'r')
			return usage();
		else
			rcpt = optarg;
	if (optind != argc - 1)
		return usage();
	if ((keys = load_keys(cfg)) == NULL)
		return EX_CONFIG;
	bg_verp_window_set(&w, time(NULL), cfg->feedback.verp_max_age, (time_t)cfg->feedback.verp_upgrade_date);
	if (rcpt != NULL)
		st = k->check(keys, argv[optind], strlen(argv[optind]), rcpt, &w, &info);
	else
		st = k->parse(keys, argv[optind], strlen(argv[optind]), &w, &r, &info);
	bg_token_keys_free(keys);
	if (st == BG_VERP_NOT_VERP || st == BG_VERP_MALFORMED) {
		fprintf(stderr, NAME ": %s open: %s\n", k->cmd, bg_verp_strerror(st));
		return 1;
	}
	print_verp(cfg, rcpt != NULL ? rcpt : r.text, &info, st);
	return st == BG_VERP_OK ? 0 : 1;
}

/* Runs make or open of kind k. */
static int
kind_run(const struct kind *k, const struct bg_config *cfg, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "make") == 0)
		return kind_make(k, cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "open") == 0)
		return kind_open(k, cfg, argc - 1, argv + 1);
	return usage();
}

int
ctl_verp(const struct bg_config *cfg, int argc, char **argv)
{
	return kind_run(&verp_kind, cfg, argc, argv);
}

int
ctl_reply(const struct bg_config *cfg, int argc, char **argv)
{
	return kind_run(&reply_kind, cfg, argc, argv);
}

int
ctl_token(const struct bg_config *cfg, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(const struct bg_config *, int, char **);
	} subs[] = {
	    {"make", token_make},
	    {"open", token_open},
	};

	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cfg, argc - 1, argv + 1);
	return usage();
}
