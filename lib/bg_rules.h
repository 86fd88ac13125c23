/*
 * bg_rules.h - the per-message rules of the mailbox providers, as pure functions.
 *
 * What the milter checks and adds at end of message that needs no Redis and
 * no MTA: the single-instance headers of RFC 5322 (3.6), the list named by a
 * List-Id header (RFC 2919), DKIM alignment of an entity's keys with a From
 * domain (DMARC relaxed, organisational domains from bg_orgdomain), and the
 * Date and Message-ID values added to a message that lacks them.
 *
 * DIAGNOSTICS: functions return -1 (no value, or out too small) or false.
 */
#ifndef BG_RULES_H
#define BG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bg_config.h"

/* The headers a message may carry at most once (RFC 5322 3.6), in their usual spelling. */
enum bg_single {
	BG_H_FROM = 0,
	BG_H_SENDER,
	BG_H_REPLY_TO,
	BG_H_TO,
	BG_H_CC,
	BG_H_SUBJECT,
	BG_H_DATE,
	BG_H_MESSAGE_ID,
	BG_H_IN_REPLY_TO,
	BG_H_REFERENCES,
	BG_H_SINGLE_COUNT
};

/* Returns the single-instance header name is (compared without case), or -1 for any other. */
int bg_rules_single(const char *name);

/* Returns the usual spelling of a single-instance header ("Message-ID"). Static data. */
const char *bg_rules_single_name(enum bg_single h);

/*
 * Reads the list from a List-Id value (" Weekly news <weekly.acme.example>"):
 * the first label of the identifier between the angle brackets, lower-cased,
 * into list (len bytes). Only letters, digits, '-' and '_' make a list name.
 * Returns 0, or -1 when the value names no such list.
 */
int bg_rules_list_id(const char *value, char *list, size_t len);

/*
 * True when one of the entity's dkim blocks may sign mail From: from_domain:
 * its d= domain has the same organisational domain (DMARC relaxed alignment).
 */
bool bg_rules_key_aligned(const struct bg_dkim_conf *d, const char *from_domain);

/* True when at least one of the entity's dkim blocks aligns with from_domain. */
bool bg_rules_entity_aligned(const struct bg_entity *e, const char *from_domain);

/* Writes the Date: value for t (" Mon, 07 Dec 2026 01:55:57 +0000", RFC 5322 3.3) into out. Returns 0 or -1. */
int bg_rules_date(time_t t, char *out, size_t len);

/*
 * Writes a new Message-ID: value " <time.random@domain>" (128 random bits,
 * from libsodium) into out. Returns 0, or -1 when out is too small.
 */
int bg_rules_message_id(time_t t, const char *domain, char *out, size_t len);

#endif
