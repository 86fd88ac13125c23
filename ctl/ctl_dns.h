/*
 * ctl_dns.h - bulkguard-ctl's "check-dns" command: is an entity's DNS ready for bulk mail?
 */
#ifndef CTL_DNS_H
#define CTL_DNS_H

#include "bg_config.h"

#define CTL_DNS_USAGE "check-dns [--zone FILE] ENTITY"

/*
 * Runs "check-dns [--zone FILE] ENTITY" (argv[0] is "check-dns"): checks the
 * SPF, DKIM and DMARC records of one entity of cfg against real DNS, or the
 * zone file FILE (bg_spf.h's format), and whether its DKIM d= aligns with its
 * sender domains. Prints one line per check on stdout ("ok", "WARN" or
 * "FAIL", the check, its subject, what was found), each FAIL followed by an
 * indented line saying what to publish or do, and errors on stderr. Returns
 * the exit status: 0 when no check fails (WARN passes), 1 when one does, 64
 * for bad usage or an entity not configured, 78 when the zone file cannot be
 * loaded or a configured DKIM key cannot be used (every check is still
 * printed).
 */
int ctl_dns(const struct bg_config *cfg, int argc, char **argv);

#endif
