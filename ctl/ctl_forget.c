/*
 * ctl_forget.c - forget ADDRESS: the address leaves Redis (bg_erase).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bg_addr.h"
#include "bg_erase.h"
#include "bg_token.h"
#include "ctl_data.h"
#include "ctl_forget.h"

#define NAME "bulkguard-ctl"

/* Prints the usage line; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_FORGET_USAGE "\n");
	return EX_USAGE;
}

/* Loads the token key file: required with keep_blocked (NULL and a message then), else quietly optional. */
static struct bg_token_keys *
load_keys(const struct bg_config *cfg, bool keep_blocked)
{
	char err[512];
	struct bg_token_keys *keys = NULL;

	if (bg_token_init() == 0)
		keys = bg_token_keys_load(cfg->unsubscribe.key_file, err, sizeof(err));
	if (keys == NULL && keep_blocked)
		fprintf(stderr, NAME ": forget --keep-blocked needs the token key file: %s\n", err);
	return keys;
}

/* Erases address (and its base's claims) and prints what was done. */
static int
erase(const struct bg_config *cfg, const struct bg_addr *a, const struct bg_token_keys *keys, bool keep_blocked,
      bool dry_run)
{
	struct bg_addr base;
	struct bg_erase_result res;
	struct bg_redis *r;
	char who[80], err[1024];
	bool variant = bg_addr_base(a, cfg->recipient_delimiter ? cfg->recipient_delimiter[0] : '\0', &base);
	int rc;

	if ((r = ctl_data_redis(cfg)) == NULL)
		return EX_UNAVAILABLE;
	snprintf(who, sizeof(who), "ctl:%s", ctl_data_login());
	rc = bg_erase_address(r, cfg->redis.prefix, keys, a->text, variant ? base.text : NULL, keep_blocked, cfg->audit,
	                      who, dry_run, &res, err, sizeof(err));
	if (rc < 0) {
		ctl_data_down(r, err);
		bg_redis_free(r);
		return EX_UNAVAILABLE;
	}
	if (!dry_run && (rc = ctl_data_confirm(r)) != 0) {
		bg_redis_free(r);
		return rc;
	}
	printf("%s %s: keys=%ld audit_entries=%ld pseudonym=%s%s%s\n", dry_run ? "would forget" : "forgot", a->text,
	       res.keys_deleted, res.audit_rewritten, res.pseudonym, keep_blocked ? " blocked=" : "", res.blocked);
	bg_redis_free(r);
	return 0;
}

int
ctl_forget(const struct bg_config *cfg, int argc, char **argv)
{
	const char *address = NULL;
	bool keep_blocked = false, dry_run = false;
	struct bg_token_keys *keys;
	struct bg_addr a;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--keep-blocked") == 0)
			keep_blocked = true;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = true;
		else if (argv[i][0] == '-' || address != NULL)
			return usage();
		else
			address = argv[i];
	}
	if (address == NULL)
		return usage();
	if (bg_addr_normalise(address, strlen(address), cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0, &a) !=
	    BG_ADDR_OK) {
		fprintf(stderr, NAME ": forget: %s: not a valid address\n", address);
		return EX_USAGE;
	}
	keys = load_keys(cfg, keep_blocked);
	if (keys == NULL && keep_blocked)
		return EX_CONFIG;
	rc = erase(cfg, &a, keys, keep_blocked, dry_run);
	bg_token_keys_free(keys);
	return rc;
}
