/*
 * mlt_metrics.c - the milter's counters, labelled from its decisions.
 */
#include "config.h"

#include <string.h>

#include "bg_metrics.h"
#include "mlt_metrics.h"

#define SERIES_MAX 2048 /* label sets of one counter; entities x classes x verdicts stay far below */

static struct bg_metric *recipients, *mail_refusals, *messages;

void
mlt_metrics_init(void)
{
	recipients = bg_metrics_counter("bulkguard_milter_recipients_total",
	                                "Recipients decided at RCPT, by entity, class, verdict and reason.",
	                                "entity,class,verdict,reason", SERIES_MAX);
	mail_refusals =
	    bg_metrics_counter("bulkguard_milter_mail_refusals_total", "Senders refused at MAIL, by entity and reason.",
	                       "entity,reason", SERIES_MAX);
	messages = bg_metrics_counter("bulkguard_milter_messages_total",
	                              "Messages at end of data, by entity and result (done or refused).",
	                              "entity,result", SERIES_MAX);
}

/* The entity's name for a label; "-" for mail of no entity. */
static const char *
entity_label(const struct bg_sender *s)
{
	return s->entity != NULL ? s->entity->name : "-";
}

/* The kind of a suppression reason word: the contract's words, any other word counts as "unsubscribe". */
static const char *
reason_label(const char *word)
{
	static const char *const known[] = {"bounce", "invalid", "complaint", "unsubscribe", "manual"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(word, known[i]) == 0)
			return known[i];
	return "other";
}

void
mlt_metrics_rcpt(const struct bg_sender *s, const struct bg_decision *d)
{
	const char *v[4] = {entity_label(s), s->entity != NULL ? bg_class_name(s->class) : "unknown",
	                    bg_verdict_name(d->verdict),
	                    d->verdict == BG_V_SUPPRESSED ? reason_label(d->reason) : "none"};

	if (recipients != NULL)
		bg_metrics_inc(recipients, v);
}

void
mlt_metrics_mail_refused(const struct bg_sender *s, const char *reason)
{
	const char *v[2] = {entity_label(s), reason};

	if (mail_refusals != NULL)
		bg_metrics_inc(mail_refusals, v);
}

void
mlt_metrics_message(const struct bg_sender *s, bool refused)
{
	const char *v[2] = {entity_label(s), refused ? "refused" : "done"};

	if (messages != NULL)
		bg_metrics_inc(messages, v);
}
