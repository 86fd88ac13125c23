/*
 * pol_sentinel.h - asking the sentinels for the master on the daemon's loop, without blocking it.
 *
 * The sentinels of a bg_sentinel handle are asked in turn, starting with
 * the one that answered last, each on a non-blocking hiredis connection
 * with a deadline of two timeout_ms (connect and answer): AUTH first when
 * they have a password, then SENTINEL get-master-addr-by-name, whose reply
 * bg_sentinel_parse_master checks. The first good answer wins; the caller
 * is called once, with the address or with the reason none answered. The
 * module never logs.
 */
#ifndef POL_SENTINEL_H
#define POL_SENTINEL_H

#include <event2/event.h>

#include "bg_sentinel.h"

struct pol_sentinel;

/* Called once: address ("host:port", valid during the call) or NULL with why (valid during the call). */
typedef void (*pol_sentinel_cb)(void *arg, const char *address, const char *why);

/*
 * Starts asking s's sentinels (s stays the caller's and must outlive the
 * question). Returns a handle the caller may cancel until cb has run; the
 * handle is freed after cb returns.
 */
struct pol_sentinel *pol_sentinel_ask(struct event_base *base, struct bg_sentinel *s, long timeout_ms,
                                      pol_sentinel_cb cb, void *arg);

/* Stops asking; cb is not called. NULL is fine. */
void pol_sentinel_cancel(struct pol_sentinel *q);

#endif
