/*
 * NAME
 *	bulkguard-ctl - the operator's tool
 * SYNOPSIS
 *	bulkguard-ctl [-n] [-V] [-c file] command [argument ...]
 * DESCRIPTION
 *	One command word, then its arguments; each command is one row of the
 *	table below and one function in its own ctl_*.c file. Commands now:
 *	token make, token open, verp make, verp open, reply make, reply open, check-dns, suppress add|del|show,
 *	consent add|del|show, import, export, postfix-config, forget, audit, explain. See
 *	bulkguard-ctl(8).
 * DIAGNOSTICS
 *	Exit 0 when done, 1 when the answer is no (a token that does not
 *	open, a DNS check that fails, nothing to delete or show, import
 *	rows or export fields skipped), 64 for bad usage or arguments, 69
 *	when Redis is unreachable, 78 for a bad configuration, key file or
 *	zone file (66, 73, 74: a CSV file that cannot be read or written).
 *	Messages go to stderr, results to stdout; nothing is logged.
 * CONFIGURATION
 *	The file given with -c (default /etc/bulkguard/bulkguard.conf): the
 *	entities, their DKIM keys, unsubscribe.key_file, redis and audit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bg_daemon.h"
#include "ctl_audit.h"
#include "ctl_csv.h"
#include "ctl_data.h"
#include "ctl_dns.h"
#include "ctl_explain.h"
#include "ctl_forget.h"
#include "ctl_postfix.h"
#include "ctl_stats.h"
#include "ctl_token.h"

#define NAME "bulkguard-ctl"

/* A command word and the function that runs it (argv[0] is the word). */
struct ctl_command {
	const char *name;
	const char *usage;
	int (*run)(const struct bg_config *cfg, int argc, char **argv);
};

/* clang-format off */
static const struct ctl_command commands[] = {
	{"token", CTL_TOKEN_USAGE, ctl_token},
	{"verp", CTL_VERP_USAGE, ctl_verp},
	{"reply", CTL_REPLY_USAGE, ctl_reply},
	{"check-dns", CTL_DNS_USAGE, ctl_dns},
	{"suppress", CTL_SUPPRESS_USAGE, ctl_suppress},
	{"consent", CTL_CONSENT_USAGE, ctl_consent},
	{"import", CTL_IMPORT_USAGE, ctl_import},
	{"export", CTL_EXPORT_USAGE, ctl_export},
	{"postfix-config", CTL_POSTFIX_USAGE, ctl_postfix},
	{"stats", CTL_STATS_USAGE, ctl_stats},
	{"brake", CTL_BRAKE_USAGE, ctl_brake},
	{"forget", CTL_FORGET_USAGE, ctl_forget},
	{"audit", CTL_AUDIT_USAGE, ctl_audit},
	{"explain", CTL_EXPLAIN_USAGE, ctl_explain},
};
/* clang-format on */

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Prints the synopsis of every command; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-n] [-V] [-c file] command ...\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "       %s\n", commands[i].usage);
	return EX_USAGE;
}

/* Parses the common flags into o; exits for -V and bad flags. Returns the index of the command word. */
static int
flags(int argc, char **argv, struct bg_daemon_opts *o)
{
	int ch;

	o->config = BG_CONFIG_DEFAULT;
	o->foreground = o->check = false;
	o->socket = NULL;
	while ((ch = getopt(argc, argv, "+c:fnV")) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': break; /* there is no background to leave */
		case 'n': o->check = true; break;
		case 'V': printf(NAME " %s\n", PACKAGE_VERSION); exit(0);
		default: exit(usage());
		}
	}
	return optind;
}

/* Returns the command named word, or NULL. */
static const struct ctl_command *
find(const char *word)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, word) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	struct bg_daemon_opts o;
	const struct ctl_command *cmd = NULL;
	struct bg_config *cfg;
	int i = flags(argc, argv, &o), rc;

	if (i < argc && (cmd = find(argv[i])) == NULL) {
		fprintf(stderr, NAME ": unknown command \"%s\"\n", argv[i]);
		return usage();
	}
	if (cmd == NULL && !o.check)
		return usage();
	cfg = bg_daemon_config(NAME, &o); /* exits 78 on an error, 0 after -n */
	rc = cmd->run(cfg, argc - i, argv + i);
	bg_config_free(cfg);
	return rc;
}
