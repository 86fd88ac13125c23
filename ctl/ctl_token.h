/*
 * ctl_token.h - bulkguard-ctl's "token" command: make and open unsubscribe tokens.
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

#endif
