/*
 * bg_log.h - the daemons' logging: syslog always, stderr too in the foreground.
 *
 * Lines start with a correlation id (queue id, connection number or policy
 * instance) followed by key=value pairs. Library modules other than this one
 * never log: they return errors and leave the text in a context.
 *
 * DIAGNOSTICS: logging never fails; bg_log_fatal exits with the status it is given.
 */
#ifndef BG_LOG_H
#define BG_LOG_H

#include <stdbool.h>

/* Opens syslog under ident; with to_stderr every line is also written to stderr. */
void bg_log_open(const char *ident, bool to_stderr);
/* Sets whether info lines are written (warnings and errors always are). */
void bg_log_verbose(bool on);

void bg_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bg_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bg_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status. */
void bg_log_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
