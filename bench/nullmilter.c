/*
 * NAME
 *	nullmilter - a milter that does nothing, as a benchmark baseline
 * SYNOPSIS
 *	nullmilter -p SOCKET
 * DESCRIPTION
 *	nullmilter accepts every sender and recipient and changes nothing.
 *	It holds the same conversation with the MTA as a well-behaved fast
 *	milter that checks MAIL FROM and RCPT TO and acts at end of message
 *	(as bulkguard-milter does), so milter-bench can tell the cost of the
 *	milter protocol and libmilter itself from the cost of bulkguard's work.
 *
 *	At negotiation it asks the MTA to skip every stage it has no callback
 *	for (connect, HELO, DATA, headers, end of headers, body, unknown
 *	commands) and not to wait for replies to them, and requests no
 *	actions. MAIL, RCPT, end of message and close are kept, with replies.
 *
 *	-p SOCKET  libmilter socket: unix:/path or inet:port@host. A stale
 *	           unix socket is removed; the new one gets the caller's umask.
 * DIAGNOSTICS
 *	Exit 64 on bad usage, 71 when the socket cannot be opened, else the
 *	status of smfi_main. SIGTERM or SIGINT stops it.
 * BUILD
 *	cc -o nullmilter nullmilter.c $(pkg-config --cflags --libs milter) -lpthread
 */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* Stages the MTA may leave out: none of them has a callback here. */
#define NULL_SKIP                                                                                                      \
	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN)

/* Replies the MTA need not wait for: the stages above, should it send them anyway. */
#define NULL_NOREPLY                                                                                                   \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_UNKN)

/* Requests no actions and, of the protocol steps offered, only the ones above. */
static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3, unsigned long *pf0,
               unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	*pf0 = 0;
	*pf1 = f1 & (NULL_SKIP | NULL_NOREPLY);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* Accepts the envelope sender. */
static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

/* Accepts the recipient. */
static sfsistat
null_envrcpt(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

/* Accepts the message unchanged. */
static sfsistat
null_eom(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/* Nothing to free at the end of a connection. */
static sfsistat
null_close(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static struct smfiDesc null_desc = {
    .xxfi_name = "nullmilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = 0,
    .xxfi_envfrom = null_envfrom,
    .xxfi_envrcpt = null_envrcpt,
    .xxfi_eom = null_eom,
    .xxfi_close = null_close,
    .xxfi_negotiate = null_negotiate,
};

/* Prints the usage line and exits 64 (EX_USAGE). */
static void
usage(void)
{
	fprintf(stderr, "usage: nullmilter -p SOCKET\n");
	exit(64);
}

/* Parses -p, opens the socket and runs libmilter until SIGTERM. */
int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		if (ch != 'p')
			usage();
		sock = optarg;
	}
	if (sock == NULL || optind != argc)
		usage();
	if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_register(null_desc) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot set up libmilter for %s\n", sock);
		return 71;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot open %s\n", sock);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
