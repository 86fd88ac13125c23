/*
 * ctl_audit.h - bulkguard-ctl's "audit" command: the audit trail, every part of it.
 */
#ifndef CTL_AUDIT_H
#define CTL_AUDIT_H

#include "bg_config.h"

#define CTL_AUDIT_USAGE     "audit [ADDRESS] [--count N] [--since TIME]"
#define CTL_AUDIT_COUNT     100    /* entries printed by default */
#define CTL_AUDIT_COUNT_MAX 100000 /* --count at most */

/*
 * Runs "audit [ADDRESS] [--count N] [--since TIME]" (argv[0] is the command
 * word): prints the newest N entries of the audit trail (bg:audit, and on a
 * Cluster every part bg:audit:{*} of every master, merged in stream-ID
 * order, newest last), only those naming ADDRESS when given, only those
 * written at or after TIME (unix seconds or ISO 8601 UTC) when given; one
 * line per entry: its id, then each field as name=value, quoted when it is
 * not plain printable text. Returns 0; 64 for bad usage or an address that
 * cannot be normalised; 69 when any part cannot be read (nothing printed).
 */
int ctl_audit(const struct bg_config *cfg, int argc, char **argv);

#endif
