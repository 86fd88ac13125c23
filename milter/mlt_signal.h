/*
 * mlt_signal.h - SIGHUP reloads instead of stopping the milter.
 *
 * libmilter's signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT and
 * stops the milter on any of them. bulkguard's contract is that SIGHUP
 * reloads the configuration, so the program links libmilter from its archive
 * with -Wl,--wrap=sigwait: libmilter's call lands in __wrap_sigwait, which
 * handles SIGHUP itself (mlt_conf_reload) and hands every other signal on.
 */
#ifndef MLT_SIGNAL_H
#define MLT_SIGNAL_H

#include <signal.h>

int __wrap_sigwait(const sigset_t *set, int *sig);

#endif
