/*
 * bg_daemon.c - flags, configuration, privileges: a daemon's first steps.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_config_refs.h"
#include "bg_daemon.h"

void
bg_daemon_args(int argc, char **argv, const char *name, const char *usage, struct bg_daemon_opts *o)
{
	char letters[64];
	int ch;

	o->config = BG_CONFIG_DEFAULT;
	o->foreground = o->check = false;
	o->socket = NULL;
	snprintf(letters, sizeof(letters), "c:fnVp:%s", o->own_flags != NULL ? o->own_flags : "");
	while ((ch = getopt(argc, argv, letters)) != -1) {
		if (ch != '?' && ch != ':' && o->own_flags != NULL && strchr(o->own_flags, ch) != NULL) {
			o->own_flag(ch, optarg, o);
			continue;
		}
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 'n': o->check = true; break;
		case 'p': o->socket = optarg; break;
		case 'V': printf("%s %s\n", name, PACKAGE_VERSION); exit(0);
		default: fprintf(stderr, "usage: %s %s\n", name, usage); exit(64);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s %s\n", name, usage);
		exit(64);
	}
}

struct bg_config *
bg_daemon_config(const char *name, const struct bg_daemon_opts *o)
{
	return bg_daemon_config_check(name, o, NULL);
}

struct bg_config *
bg_daemon_config_check(const char *name, const struct bg_daemon_opts *o,
                       int (*check)(const struct bg_config *cfg, char *err, size_t errlen))
{
	char err[512];
	struct bg_config *cfg = bg_config_load(o->config, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(BG_EX_CONFIG);
	}
	if (o->check && (bg_config_check_files(cfg, name, err, sizeof(err)) < 0 ||
	                 (check != NULL && check(cfg, err, sizeof(err)) < 0))) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(BG_EX_CONFIG);
	}
	if (o->check) {
		printf("%s: configuration ok\n", o->config);
		bg_config_free(cfg);
		exit(0);
	}
	return cfg;
}

int
bg_daemon_drop(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0 || user == NULL || *user == '\0')
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "user \"%s\" not found", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "cannot become user \"%s\": %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) { /* must be impossible now */
		snprintf(err, errlen, "privileges could not be dropped");
		return -1;
	}
	return 0;
}

void
bg_daemon_detach(bool foreground)
{
	if (!foreground && daemon(0, 0) < 0) {
		perror("daemon");
		exit(71);
	}
}
