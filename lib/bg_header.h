/*
 * bg_header.h - reading and writing the message headers bulkguard cares about.
 *
 * The List-Unsubscribe pair and Feedback-ID are built here from the entity's
 * configuration (checked when it is loaded, see bg_config.c), folded for a
 * milter ("\n\t"); the only part a message brings is the token, which is
 * URL-safe base64. From-alignment of a parsed From: domain is judged here.
 *
 * DIAGNOSTICS: -1 when the result does not fit or the entity has nothing to put there.
 */
#ifndef BG_HEADER_H
#define BG_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"
#include "bg_config.h"

/* True when domain is one of the entity's sender domains or below one of them. */
bool bg_header_domain_aligned(const struct bg_entity *e, const char *domain);

/*
 * Writes the List-Unsubscribe value for token into out (len bytes):
 * " <https://...token...>,\n\t<mailto:...?subject=unsubscribe%20token>"
 * (leading space; the mailto part only when the entity has one). Returns
 * 0, or -1 when out is too small or the entity has no unsubscribe_url.
 */
int bg_header_list_unsubscribe(const struct bg_entity *e, const char *token, char *out, size_t len);

/* The value of List-Unsubscribe-Post (RFC 8058), with its leading space. */
#define BG_LIST_UNSUBSCRIBE_POST " List-Unsubscribe=One-Click"

/*
 * Writes the Feedback-ID value " <list>:<entity>:<class>:<feedback_id>" into
 * out (the list part left out when the mail is to no list, or when its name
 * is not printable ASCII without ':'). Returns 0, or -1
 * when out is too small or the entity sets no feedback_id.
 */
int bg_header_feedback_id(const struct bg_entity *e, const char *list, enum bg_class c, char *out, size_t len);

#endif
