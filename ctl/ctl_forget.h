/*
 * ctl_forget.h - bulkguard-ctl's "forget" command: erasure of one address
 * (GDPR Art. 17), see bg_erase.h.
 */
#ifndef CTL_FORGET_H
#define CTL_FORGET_H

#include "bg_config.h"

#define CTL_FORGET_USAGE "forget ADDRESS [--keep-blocked] [--dry-run]"

/*
 * Runs "forget ADDRESS [--keep-blocked] [--dry-run]" (argv[0] is the
 * command word): prints what was (or would be) erased. Returns 0; 64 for
 * bad usage or an address that cannot be normalised; 69 when Redis is
 * unreachable or refuses (on a Cluster, naming the step that failed: a
 * second run finishes the erasure); 78 when --keep-blocked cannot load the token key
 * file.
 */
int ctl_forget(const struct bg_config *cfg, int argc, char **argv);

#endif
