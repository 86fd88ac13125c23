/*
 * bg_notify.h - telling systemd what a daemon is doing (sd_notify(3)).
 *
 * The units are Type=notify: a daemon says READY=1 once it listens,
 * RELOADING=1 and then READY=1 around a SIGHUP reload, and STOPPING=1 when
 * it begins to stop, with a STATUS= line a person reads in `systemctl
 * status`. Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
 * Errors: none reported; a lost notification is systemd's to time out, and
 * the daemon runs on either way.
 */
#ifndef BG_NOTIFY_H
#define BG_NOTIFY_H

/* Says the daemon is ready to serve, with status as its STATUS= text. */
void bg_notify_ready(const char *status);

/* Says a reload has begun (RELOADING=1 with the monotonic time systemd asks for). */
void bg_notify_reloading(void);

/* Says the daemon is stopping. */
void bg_notify_stopping(void);

#endif
