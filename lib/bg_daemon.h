/*
 * bg_daemon.h - what every bulkguard daemon does at start-up.
 *
 * Command-line flags common to all programs (-c -f -n -V), loading the
 * configuration with the contract's exit codes, detaching, and dropping
 * root privileges before any untrusted input is read.
 *
 * DIAGNOSTICS: bg_daemon_drop returns -1 with the reason in err; the others print and exit (64, 71, 78).
 */
#ifndef BG_DAEMON_H
#define BG_DAEMON_H

#include <stdbool.h>

#include "bg_config.h"

struct bg_daemon_opts {
	const char *config; /* -c FILE */
	bool foreground;    /* -f */
	bool check;         /* -n */
	const char *socket; /* -p SOCKET (programs that listen) */
	/* Set by the caller, kept by bg_daemon_args: the program's own flags (getopt letters) and their handler. */
	const char *own_flags;
	void (*own_flag)(int ch, const char *arg, struct bg_daemon_opts *o);
};

/*
 * Parses argv into o; prints usage and exits 64 on a bad flag; -V prints
 * name and version and exits 0. usage is the program's synopsis line. A
 * letter of o->own_flags goes to o->own_flag.
 */
void bg_daemon_args(int argc, char **argv, const char *name, const char *usage, struct bg_daemon_opts *o);

/*
 * Loads o->config. On an error prints "name: file:line: text" to stderr and
 * exits 78; with -n prints "file: configuration ok" and exits 0.
 */
struct bg_config *bg_daemon_config(const char *name, const struct bg_daemon_opts *o);

/* The same, and with -n also check(cfg) (may be NULL): -1 with err prints it and exits 78. */
struct bg_config *bg_daemon_config_check(const char *name, const struct bg_daemon_opts *o,
                                         int (*check)(const struct bg_config *cfg, char *err, size_t errlen));

/*
 * Started as root with a non-empty user: switches to that user and its
 * groups for good. Returns 0, or -1 with the reason in err.
 */
int bg_daemon_drop(const char *user, char *err, size_t errlen);

/* Detaches from the terminal unless foreground; exits 71 on failure. */
void bg_daemon_detach(bool foreground);

#endif
