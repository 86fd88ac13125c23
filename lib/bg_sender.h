/*
 * bg_sender.h - who is sending, to which list, and what kind of mail.
 *
 * Shared by the milter and the policy daemon, so both resolve a message the
 * same way (DESIGN.md "Who is sending: entities"): the entity from the SASL
 * login, else from the envelope sender's domain (or a parent domain); the
 * list from the envelope sender's address extension; the class from the
 * entity's mandated, transactional and confirmation sender lists (compared
 * with and without the extension), else bulk. Pure: no I/O.
 */
#ifndef BG_SENDER_H
#define BG_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"
#include "bg_config.h"

#define BG_LIST_MAX BG_ADDR_LOCAL_MAX

struct bg_sender {
	struct bg_addr addr;            /* normalised envelope sender; len 0 for <> */
	const struct bg_entity *entity; /* NULL: no entity matched */
	enum bg_class class;
	char list[BG_LIST_MAX + 1]; /* "" when the mail is to no list */
};

/*
 * Resolves a message from its SASL login (NULL or "" when none) and envelope
 * sender (len bytes at mail_from, as the client gave it, brackets and all).
 * Fills out (owned by the caller; it points into cfg, which must outlive it).
 * Returns BG_ADDR_OK or BG_ADDR_NULL, or the normaliser's status for a
 * sender it cannot read, in which case out->entity is NULL.
 */
enum bg_addr_status bg_sender_resolve(const struct bg_config *cfg, const char *sasl_user,
				      const char *mail_from, size_t len, struct bg_sender *out);

#endif
