/*
 * bg_config_refs.h - what makes a configuration fail at start or protect
 * less than it says, checked at load (and by -n): names that refer to no
 * block, IP addresses, sockets and listen addresses; and, for -n, the key
 * files each program would open.
 */
#ifndef BG_CONFIG_REFS_H
#define BG_CONFIG_REFS_H

#include <stddef.h>

#include "bg_config.h"
#include "bg_config_table.h"

/*
 * Checks the syntax of a string option whose row is a socket or a listen
 * address: milter.socket as libmilter reads it (unix:/path, local:/path,
 * inet:port[@host], inet6:port[@host], /path), policy.listen and
 * unsubscribe.listen (unix:/path, host:port, [v6]:port), ports 1-65535.
 * Returns NULL, or the problem (static).
 */
const char *bg_config_str_problem(const struct bg_opt_row *row, const char *value);

/*
 * Checks the references between blocks: an entity's pool,
 * mandated_pool, transactional_pool and confirmation_pool, and a limit's
 * pool, name a pool block; a limit's entity names an entity; a limit's group
 * names a domain_group or is a domain (it holds a dot); every pool IP is an
 * IPv4 or IPv6 address. Reports the first problem with the block's line
 * (bg_config_errat) and returns -1; 0 when all is well.
 */
struct bg_load;
int bg_config_check_refs(struct bg_load *ld, const struct bg_config *cfg);

/*
 * For -n: opens the key files program (its name, "bulkguard-milter"...)
 * would open at start, without reading them: every DKIM key (milter, ctl),
 * and the token key file (unsubd and feedback always; milter and ctl when an
 * entity has unsubscribe_url or return_path_domain, or the file exists).
 * Each must be a regular file this process can read, closed to group and
 * others. Returns 0, or -1 with "file:line: what" (file: for options
 * outside a block) in err.
 */
int bg_config_check_files(const struct bg_config *cfg, const char *program, char *err, size_t errlen);

#endif
