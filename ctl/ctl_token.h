/*
 * ctl_token.h - bulkguard-ctl's "token" and "verp" commands: make and open
 * unsubscribe tokens and VERP return paths.
 */
#ifndef CTL_TOKEN_H
#define CTL_TOKEN_H

#include "bg_config.h"

#define CTL_TOKEN_USAGE                                                                                                \
	"token make --entity ENTITY [--list LIST] ADDRESS\n"                                                           \
	"       token open TOKEN"

/*
 * Runs "token make|open ..." (argv[0] is "token") with the keys of
 * cfg->unsubscribe.key_file. Prints the token, or the opened fields as one
 * key=value line, on stdout and errors on stderr. Returns the exit status:
 * 0, 1 for a token that does not open, 64 for bad usage or arguments, 78
 * when the key file is refused.
 */
int ctl_token(const struct bg_config *cfg, int argc, char **argv);

#define CTL_VERP_USAGE                                                                                                 \
	"verp make --entity ENTITY RECIPIENT...\n"                                                                     \
	"       verp open [--recipient RECIPIENT] VERP"

/*
 * Runs "verp make|open ..." (argv[0] is "verp"). make prints the version 2
 * VERP the milter makes today for each RECIPIENT (one a line) and the entity (at its
 * return_path_domain, with its verp_tag). open prints one line, "recipient=
 * entity= tag= day=YYYY-MM-DD version= status=" (status ok, unnamed,
 * bad-mac, expired-verp: bg_verp_status_name, against verp_max_age and
 * verp_upgrade_date today); --recipient checks a short form against that
 * recipient. Returns 0 when the VERP is honoured today, 1 when not (or it is
 * no VERP: the reason on stderr), 64 for bad usage, 78 when the key file is
 * refused.
 */
int ctl_verp(const struct bg_config *cfg, int argc, char **argv);

#define CTL_REPLY_USAGE                                                                                                \
	"reply make --entity ENTITY RECIPIENT...\n"                                                                    \
	"       reply open [--recipient RECIPIENT] ADDRESS"

/*
 * Runs "reply make|open ..." (argv[0] is "reply"), as ctl_verp does, for the
 * per-recipient reply addresses the milter puts in Reply-To for an entity
 * with reply_domain ("r2-...", bg_verp.h). Same output and exit statuses.
 */
int ctl_reply(const struct bg_config *cfg, int argc, char **argv);

#endif
