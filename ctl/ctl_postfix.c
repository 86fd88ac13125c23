/*
 * ctl_postfix.c - "bulkguard-ctl postfix-config": master.cf and main.cf lines for bulkguard.
 *
 * The gate belongs to the submission service, not to port 25: the same
 * Postfix receives the DSNs and ARF reports for the feedback domains
 * (contrib/postfix-feedback.cf) on port 25 from anywhere, which the
 * submission restrictions ("..., permit_mynetworks, reject") would refuse.
 * So the milter and the policy service go into -o overrides of the
 * submission service (its recipient checks in the main.cf parameter
 * bulkguard_submission_recipient_restrictions, which master.cf cannot hold
 * with its spaces), and port 25 relays for nobody (smtpd_relay_restrictions
 * = reject_unauth_destination), so no mail leaves around the gate.
 *
 * bulkguard-policyd answers "FILTER bg-<pool>-<n>:" for an allowed
 * recipient; the transport named there must exist in master.cf, bound to
 * the pool's n-th IP with smtp_bind_address_enforce=yes (else a failed bind
 * silently sends from the default address). Submission-time limits only
 * push back on the submitting client: queued and retried mail never passes
 * the policy again, so each transport also gets delivery-side limits in
 * main.cf derived from the pool's rate, shared by its IPs:
 * <transport>_destination_rate_delay = ceil(period * ips / count) seconds
 * (which also makes the concurrency per destination 1) when that is at
 * least a second, else <transport>_destination_concurrency_limit =
 * ceil(count / period / ips), 1 to 20, per destination. Each transport
 * sends with STARTTLS when the receiver offers it (smtp_tls_security_level
 * = may), or only over TLS with the pool's tls = encrypt.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "ctl_postfix.h"

#define NAME              "bulkguard-ctl"
#define MAX_CONCURRENCY   20
#define SUBMISSION_CHECKS "bulkguard_submission_recipient_restrictions"

/* Prints the command's usage; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_POSTFIX_USAGE "\n");
	return EX_USAGE;
}

/* True when s is non-empty and only holds characters in ok or alphanumerics. */
static int
plain(const char *s, const char *ok)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr(ok, *s) == NULL)
			return 0;
	return 1;
}

/* Checks that every pool name, IP and HELO name can stand in master.cf unquoted. */
static int
check_pools(const struct bg_config *cfg)
{
	const struct bg_pool *p;
	size_t i, j;
	int bad = 0;

	for (i = 0; i < cfg->n_pools; i++) {
		p = &cfg->pools[i];
		if (!plain(p->name, "-_.")) {
			fprintf(stderr,
			        NAME ": pool \"%s\" (line %d): a name for master.cf may hold letters, digits, '-', '_' "
			             "and '.' only\n",
			        p->name, p->line);
			bad = 1;
		}
		for (j = 0; j < p->ips.n; j++)
			if (!plain(p->ips.v[j], ".:")) {
				fprintf(stderr, NAME ": pool \"%s\" (line %d): \"%s\" is not an IP address\n", p->name,
				        p->line, p->ips.v[j]);
				bad = 1;
			}
		if (p->helo != NULL && *p->helo != '\0' && !plain(p->helo, "-.")) {
			fprintf(stderr, NAME ": pool \"%s\" (line %d): \"%s\" is not a HELO name\n", p->name, p->line,
			        p->helo);
			bad = 1;
		}
	}
	return bad;
}

/*
 * The outbound TLS of one pool transport: opportunistic STARTTLS by
 * default (may: TLS whenever the receiver offers it, never a bounce for
 * want of it); tls = encrypt makes it mandatory, TLS 1.2 or later. Either
 * way the TLS session is logged, so the maillog shows how mail left.
 */
static void
print_tls(const struct bg_pool *p)
{
	if (p->tls == BG_TLS_ENCRYPT)
		printf(" -o smtp_tls_security_level=encrypt -o smtp_tls_mandatory_protocols=>=TLSv1.2");
	else
		printf(" -o smtp_tls_security_level=may");
	printf(" -o smtp_tls_loglevel=1");
}

/* The master.cf lines: one smtp transport per pool IP. */
static void
print_master(const struct bg_config *cfg)
{
	const struct bg_pool *p;
	size_t i, j;

	for (i = 0; i < cfg->n_pools; i++) {
		p = &cfg->pools[i];
		if (p->ips.n == 0)
			printf("# pool %s has no ips: its mail is answered DUNNO and leaves as Postfix chooses\n",
			       p->name);
		for (j = 0; j < p->ips.n; j++) {
			printf(BG_POOL_TRANSPORT_FMT " unix - - n - - smtp -o %s=%s -o smtp_bind_address_enforce=yes",
			       p->name, j + 1, strchr(p->ips.v[j], ':') ? "smtp_bind_address6" : "smtp_bind_address",
			       p->ips.v[j]);
			if (p->helo != NULL && *p->helo != '\0')
				printf(" -o smtp_helo_name=%s", p->helo);
			print_tls(p);
			printf(" -o syslog_name=postfix/" BG_POOL_TRANSPORT_FMT "\n", p->name, j + 1);
		}
	}
}

/* The main.cf lines: delivery limits per transport, then the policy service. */
static void
print_main(const struct bg_config *cfg)
{
	const struct bg_pool *p;
	const char *listen = cfg->policy.listen ? cfg->policy.listen : "127.0.0.1:10031";
	long span, conc;
	size_t i, j;

	for (i = 0; i < cfg->n_pools; i++) {
		p = &cfg->pools[i];
		if (p->ips.n == 0 || p->rate.count <= 0 || p->rate.period <= 0)
			continue;
		span = p->rate.period * (long)p->ips.n; /* seconds for count messages through one IP */
		for (j = 0; j < p->ips.n; j++) {
			if (span >= p->rate.count) {
				printf(BG_POOL_TRANSPORT_FMT "_destination_concurrency_limit = 1\n", p->name, j + 1);
				printf(BG_POOL_TRANSPORT_FMT "_destination_rate_delay = %lds\n", p->name, j + 1,
				       (span + p->rate.count - 1) / p->rate.count);
			} else {
				conc = (p->rate.count + span - 1) / span;
				conc = conc < 1 ? 1 : conc > MAX_CONCURRENCY ? MAX_CONCURRENCY : conc;
				printf(BG_POOL_TRANSPORT_FMT "_destination_concurrency_limit = %ld\n", p->name, j + 1,
				       conc);
			}
		}
	}
	printf("# the submission service's recipient checks (master.cf: -o "
	       "smtpd_recipient_restrictions=$" SUBMISSION_CHECKS
	       "):\n# the policy service before any permit_* (each permit ends the checks)\n");
	printf(SUBMISSION_CHECKS
	       " = check_policy_service { %s%s, timeout=2s, "
	       "default_action=DEFER_IF_PERMIT }, permit_sasl_authenticated, permit_mynetworks, reject\n",
	       strncmp(listen, "unix:", 5) == 0 ? "" : "inet:", listen);
	printf("# port 25 relays for nobody, so no mail leaves without the submission service's checks; it still\n"
	       "# receives mail for relay_domains (the feedback domains, postfix-feedback.cf) and mydestination\n");
	printf("smtpd_relay_restrictions = reject_unauth_destination\n");
	printf("# the pool transports' TLS sessions are reused (their security level is set in master.cf)\n");
	printf("smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache\n");
	printf("# keep default_filter_nexthop empty: FILTER <transport>: then delivers to the recipient domain\n");
}

/* Writes the milter socket as Postfix names it ("inet:port@host" becomes "inet:host:port"); -1 when it cannot. */
static int
postfix_milter(const char *sock, char *buf, size_t len)
{
	const char *at;
	int n;

	if (sock == NULL || *sock == '\0')
		return -1;
	if (strncmp(sock, "inet:", 5) == 0 && (at = strchr(sock + 5, '@')) != NULL)
		n = snprintf(buf, len, "inet:%s:%.*s", at + 1, (int)(at - sock - 5), sock + 5);
	else if (strncmp(sock, "inet6:", 6) == 0 && (at = strchr(sock + 6, '@')) != NULL)
		n = snprintf(buf, len, "inet:[%s]:%.*s", at + 1, (int)(at - sock - 6), sock + 6);
	else if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
		n = snprintf(buf, len, "unix:%s", strchr(sock, ':') + 1);
	else if (*sock == '/')
		n = snprintf(buf, len, "unix:%s", sock);
	else
		return -1;
	if (n < 0 || (size_t)n >= len || !plain(buf, ":/._-[]"))
		return -1;
	return 0;
}

/* The master.cf submission service: the milter and the policy service apply there, not on port 25. */
static int
print_submission(const struct bg_config *cfg)
{
	char milter[512];

	if (postfix_milter(cfg->milter.socket, milter, sizeof(milter)) < 0) {
		fprintf(stderr, NAME ": milter.socket \"%s\" cannot be written as a Postfix milter address\n",
		        cfg->milter.socket ? cfg->milter.socket : "");
		return -1;
	}
	printf("submission inet n - n - - smtpd\n"
	       "  -o syslog_name=postfix/submission\n"
	       "  -o smtpd_relay_restrictions=permit_sasl_authenticated,permit_mynetworks,reject\n"
	       "  -o smtpd_recipient_restrictions=$" SUBMISSION_CHECKS "\n"
	       "  -o smtpd_milters=%s\n"
	       "  -o milter_default_action=tempfail\n"
	       "  -o milter_protocol=6\n",
	       milter);
	return 0;
}

int
ctl_postfix(const struct bg_config *cfg, int argc, char **argv)
{
	int master = 1, submission = 1, main_cf = 1;

	if (argc > 2)
		return usage();
	if (argc == 2) {
		master = strcmp(argv[1], "master") == 0;
		submission = strcmp(argv[1], "submission") == 0;
		main_cf = strcmp(argv[1], "main") == 0;
		if (!master && !submission && !main_cf)
			return usage();
	}
	if (check_pools(cfg))
		return EX_CONFIG;
	if (submission) {
		if (argc < 2)
			printf("# master.cf: the submission service (port 587), where applications hand in mail;\n"
			       "# port 25 keeps receiving DSNs and ARF reports without the gate\n");
		if (print_submission(cfg) < 0)
			return EX_CONFIG;
	}
	if (master) {
		if (argc < 2)
			printf("# master.cf: one smtp transport per pool IP (bulkguard-policyd answers FILTER "
			       "<transport>:)\n");
		print_master(cfg);
	}
	if (main_cf) {
		if (argc < 2)
			printf("# main.cf\n");
		print_main(cfg);
	}
	return 0;
}
