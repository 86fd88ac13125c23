/*
 * mlt_signal.h - SIGHUP reloads instead of stopping; SIGTERM stops at once.
 *
 * libmilter's signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT and
 * stops the milter on any of them. bulkguard's contract is that SIGHUP
 * reloads the configuration, so the program links libmilter from its archive
 * with -Wl,--wrap=sigwait: libmilter's call lands in __wrap_sigwait, which
 * handles SIGHUP itself (bg_server_reload) and hands every other signal on.
 *
 * libmilter's listener notices a stop only when its poll() times out (5 s),
 * which delays every restart; after handing SIGTERM or SIGINT on, a short
 * thread connects once to the milter's own socket to wake it.
 */
#ifndef MLT_SIGNAL_H
#define MLT_SIGNAL_H

#include <signal.h>

#include "bg_server.h"

/* Remembers the daemon (for reload) and its listening socket ("unix:/path", "inet:port@host", for the wake-up). */
void mlt_signal_use(struct bg_server *srv, const char *spec);

int __wrap_sigwait(const sigset_t *set, int *sig);

#endif
