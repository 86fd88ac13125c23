/*
 * bg_sender.h - who is sending, to which list, and what kind of mail.
 *
 * Shared by the milter and the policy daemon, so both resolve a message the
 * same way (doc/design.md 3.3). When the client logged
 * in, the login alone picks the entity: a login no entity lists makes an
 * unknown sender (never resolved by the envelope domain), and a listed
 * login whose envelope sender is outside its entity's domains (or is the
 * null sender) is not authorized. Without a login, the envelope sender's
 * domain (or a parent domain) picks the entity. The list comes from the
 * envelope sender's address extension; the class from the entity's
 * mandated, transactional and confirmation sender lists (compared with and
 * without the extension), else bulk. Pure: no I/O.
 *
 * DIAGNOSTICS: bg_sender_resolve returns a status; why an address was
 * refused is in out->addr_status.
 */
#ifndef BG_SENDER_H
#define BG_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "bg_addr.h"
#include "bg_config.h"

#define BG_LIST_MAX BG_ADDR_LOCAL_MAX

enum bg_sender_status {
	BG_SENDER_OK = 0,         /* resolved; entity is NULL for an unknown sender */
	BG_SENDER_BAD_ADDRESS,    /* the normaliser refused the sender: addr_status says why */
	BG_SENDER_NOT_AUTHORIZED, /* 550 5.7.1 sender not authorized for this login */
};

/* What the SASL login said. */
enum bg_login {
	BG_LOGIN_NONE = 0, /* no login */
	BG_LOGIN_LISTED,   /* an entity lists the login: it is the sender's entity */
	BG_LOGIN_UNLISTED, /* no entity lists it: an unknown sender */
};

struct bg_sender {
	struct bg_addr addr;             /* normalised envelope sender; len 0 for <> */
	enum bg_addr_status addr_status; /* BG_ADDR_OK, BG_ADDR_NULL, or why the sender was refused */
	const struct bg_entity *entity;  /* NULL: no entity (unknown domain, <>, unlisted login) */
	enum bg_login login;
	enum bg_class class;
	char list[BG_LIST_MAX + 1]; /* "" when the mail is to no list */
	char rcpt_delim;            /* recipient_delimiter in force ('\0': none), for recipient variants */
};

/*
 * Resolves a message from its SASL login (NULL or "" when none) and envelope
 * sender (len bytes at mail_from, as the client gave it, brackets and all).
 * Fills out (owned by the caller; it points into cfg, which must outlive it).
 * Returns BG_SENDER_OK; BG_SENDER_BAD_ADDRESS (out->entity NULL); or
 * BG_SENDER_NOT_AUTHORIZED, where out->entity is the login's entity (for
 * the log) and the message must be refused.
 */
enum bg_sender_status bg_sender_resolve(const struct bg_config *cfg, const char *sasl_user, const char *mail_from,
					size_t len, struct bg_sender *out);

/* The milter's refusal at MAIL, before SPF: a 550 reply's extended code and text, and why (for the log). */
struct bg_mail_refusal {
	const char *xcode, *text, *why; /* static, or why from bg_addr_strerror */
};

/*
 * Decides MAIL for a resolved sender (st from bg_sender_resolve) as the
 * milter does, before its SPF check: a sender that cannot be read, a
 * login whose entity does not own the sender, and mail of no entity under
 * unknown_sender = reject are refused (returns true, *r filled; the code is
 * 550). Pure.
 */
bool bg_sender_mail_refused(const struct bg_config *cfg, enum bg_sender_status st, const struct bg_sender *s,
			    struct bg_mail_refusal *r);

/* Returns a short word for a status ("ok", "bad_address", "not_authorized"); static. */
const char *bg_sender_status_name(enum bg_sender_status st);

#endif
