/*
 * mlt_metrics.h - the milter's Prometheus counters.
 *
 * bulkguard_milter_recipients_total{entity,class,verdict,reason}: one per
 * RCPT decided (reason: the suppression's kind for "suppressed", else
 * "none"); bulkguard_milter_mail_refusals_total{entity,reason}: MAIL
 * refused; bulkguard_milter_messages_total{entity,result}: messages ended
 * at end of data ("done" or "refused"). Labels come from the configuration
 * and the code's own words, never from an address.
 *
 * DIAGNOSTICS: none.
 */
#ifndef MLT_METRICS_H
#define MLT_METRICS_H

#include "bg_rcpt.h"
#include "bg_sender.h"

/* Registers the counters; once, before any thread counts. */
void mlt_metrics_init(void);

/* Counts one recipient's decision for sender s (d->reason read for BG_V_SUPPRESSED). */
void mlt_metrics_rcpt(const struct bg_sender *s, const struct bg_decision *d);

/* Counts one MAIL refused for reason (a word of the code: "spf", "no_entity", ...). */
void mlt_metrics_mail_refused(const struct bg_sender *s, const char *reason);

/* Counts one message ended at end of data, refused or not. */
void mlt_metrics_message(const struct bg_sender *s, bool refused);

#endif
