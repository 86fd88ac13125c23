/*
 * ctl_postfix.h - bulkguard-ctl's "postfix-config" command: the Postfix side of the pools.
 */
#ifndef CTL_POSTFIX_H
#define CTL_POSTFIX_H

#include "bg_config.h"

#define CTL_POSTFIX_USAGE "postfix-config [master|main]"

/*
 * Runs "postfix-config [master|main]" (argv[0] is "postfix-config"): prints
 * on stdout, for master.cf, one smtp transport per pool IP
 * ("bg-<pool>-<n> unix - - n - - smtp -o smtp_bind_address=<ip>
 * -o smtp_bind_address_enforce=yes -o smtp_helo_name=<helo>
 * -o syslog_name=postfix/bg-<pool>-<n>", n from 1 in the order of the
 * pool's ips; smtp_bind_address6 for an IPv6 address), and for main.cf the per-transport delivery
 * limits derived from the pool's rate and the check_policy_service line for
 * policy.listen. Without an argument both, each under a comment. Returns 0,
 * 64 for bad usage, 78 when a pool name or IP cannot be written into
 * master.cf.
 */
int ctl_postfix(const struct bg_config *cfg, int argc, char **argv);

#endif
