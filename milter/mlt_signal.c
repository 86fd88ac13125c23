/*
 * mlt_signal.c - libmilter's sigwait(), with SIGHUP turned into a reload.
 */
#include "config.h"

#include <signal.h>

#include "mlt_conf.h"
#include "mlt_signal.h"

int __real_sigwait(const sigset_t *set, int *sig);

/* Waits like sigwait(); SIGHUP reloads and waits on, anything else is returned to libmilter. */
int
__wrap_sigwait(const sigset_t *set, int *sig)
{
	for (;;) {
		int rc = __real_sigwait(set, sig);

		if (rc != 0 || *sig != SIGHUP)
			return rc;
		mlt_conf_reload();
	}
}
