/*
 * bg_notify.c - readiness, reload and stop notifications to systemd.
 *
 * Thin on purpose: libsystemd's sd_notify speaks the protocol (a datagram to
 * $NOTIFY_SOCKET, abstract or not) and does nothing outside systemd.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "bg_notify.h"

void
bg_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status != NULL ? status : "ready");
}

void
bg_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
}

void
bg_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
