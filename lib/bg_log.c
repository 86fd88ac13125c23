/*
 * bg_log.c - syslog plus optional stderr, one formatted line per call.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "bg_log.h"

static bool log_stderr;
static bool log_info_on = true;
static const char *log_ident = "bulkguard";

void
bg_log_open(const char *ident, bool to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
bg_log_verbose(bool on)
{
	log_info_on = on;
}

/* Writes one line at priority to syslog and, in the foreground, to stderr. */
static void
bg_vlog(int priority, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	syslog(priority, "%s", line);
	if (log_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

#define BG_LOG_BODY(prio)                  \
	do {                               \
		va_list ap;                \
		va_start(ap, fmt);         \
		bg_vlog(prio, fmt, ap);    \
		va_end(ap);                \
	} while (0)

void
bg_log_info(const char *fmt, ...)
{
	if (log_info_on)
		BG_LOG_BODY(LOG_INFO);
}

void
bg_log_warn(const char *fmt, ...)
{
	BG_LOG_BODY(LOG_WARNING);
}

void
bg_log_error(const char *fmt, ...)
{
	BG_LOG_BODY(LOG_ERR);
}

void
bg_log_fatal(int status, const char *fmt, ...)
{
	BG_LOG_BODY(LOG_CRIT);
	exit(status);
}
