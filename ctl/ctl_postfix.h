/*
 * ctl_postfix.h - bulkguard-ctl's "postfix-config" command: the Postfix side of bulkguard.
 */
#ifndef CTL_POSTFIX_H
#define CTL_POSTFIX_H

#include "bg_config.h"

#define CTL_POSTFIX_USAGE "postfix-config [master|submission|main]"

/*
 * Runs "postfix-config [master|submission|main]" (argv[0] is "postfix-config"): prints
 * on stdout, for master.cf, one smtp transport per pool IP
 * ("bg-<pool>-<n> unix - - n - - smtp -o smtp_bind_address=<ip>
 * -o smtp_bind_address_enforce=yes -o smtp_helo_name=<helo>
 * -o syslog_name=postfix/bg-<pool>-<n>", n from 1 in the order of the
 * pool's ips; smtp_bind_address6 for an IPv6 address), and for main.cf the per-transport delivery
 * limits derived from the pool's rate, the submission service's recipient
 * checks (bulkguard_submission_recipient_restrictions, with the
 * check_policy_service for policy.listen) and smtpd_relay_restrictions =
 * reject_unauth_destination for port 25; "submission" prints the master.cf
 * submission service with -o overrides for those checks and the milter
 * (milter.socket). Without an argument all three, each under a comment.
 * Returns 0, 64 for bad usage, 78 when a pool name, IP or the milter socket
 * cannot be written into master.cf.
 */
int ctl_postfix(const struct bg_config *cfg, int argc, char **argv);

#endif
