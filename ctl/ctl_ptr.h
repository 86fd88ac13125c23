/*
 * ctl_ptr.h - check-dns's checks of the sending IPs' DNS identity.
 *
 * For each pool an entity sends through (pool, mandated_pool,
 * transactional_pool, confirmation_pool, each once) and each of its IPs,
 * what Gmail, Yahoo and the BCP (3.3) ask of a sending IP, one line each:
 *
 *   ptr   <ip>: exactly one PTR record, and its name resolves (A/AAAA)
 *               back to the IP (forward-confirmed reverse DNS);
 *   helo  <ip>: the pool's helo name resolves, and matches the PTR name:
 *               equal for a dedicated pool (this entity alone sends
 *               through it), the same organisational domain for a shared
 *               one. A pool without helo is a WARN (Postfix's myhostname
 *               is used).
 *
 * DIAGNOSTICS: lines are "ok", "WARN" or "FAIL" as the rest of check-dns
 * prints them; a DNS error is a FAIL ("could not be checked").
 */
#ifndef CTL_PTR_H
#define CTL_PTR_H

#include "bg_config.h"
#include "bg_spf.h"

/* Prints the ptr and helo lines of entity e, looked up through spf; returns the FAILs, adds the WARNs to *warns. */
unsigned ctl_ptr_checks(const struct bg_config *cfg, const struct bg_entity *e, struct bg_spf *spf, unsigned *warns);

#endif
