/*
 * bg_sender.c - entity, list and class of a message from its envelope.
 */
#include "config.h"

#include <string.h>

#include "bg_sender.h"

/* Returns the class the entity gives to sender (base: the sender without extension). */
static enum bg_class
sender_class(const struct bg_entity *e, const struct bg_addr *sender, const struct bg_addr *base)
{
	static const struct {
		size_t off;
		enum bg_class class;
	} lists[] = {
		{ offsetof(struct bg_entity, mandated_senders), BG_CLASS_MANDATED },
		{ offsetof(struct bg_entity, transactional_senders), BG_CLASS_TRANSACTIONAL },
		{ offsetof(struct bg_entity, confirmation_senders), BG_CLASS_CONFIRMATION },
	};

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		const struct bg_strlist *l = (const void *)((const char *)e + lists[i].off);
		if (bg_strlist_has(l, sender->text) || bg_strlist_has(l, base->text))
			return lists[i].class;
	}
	return BG_CLASS_BULK;
}

/* True when the (non-null) sender's domain belongs to e: the entity its domain resolves to is e. */
static bool
sender_owned(const struct bg_config *cfg, const struct bg_entity *e, const struct bg_addr *sender)
{
	return sender->len > 0 && bg_config_entity_by_domain(cfg, bg_addr_domain(sender)) == e;
}

/*
 * Finds the entity: the login's alone when there is a login, else the
 * envelope sender's domain. Returns BG_SENDER_NOT_AUTHORIZED when a listed
 * login's entity does not own the sender.
 */
static enum bg_sender_status
sender_entity(const struct bg_config *cfg, const char *sasl_user, struct bg_sender *out)
{
	if (sasl_user == NULL || *sasl_user == '\0') {
		out->login = BG_LOGIN_NONE;
		out->entity = out->addr.len > 0 ? bg_config_entity_by_domain(cfg, bg_addr_domain(&out->addr)) : NULL;
		return BG_SENDER_OK;
	}
	out->entity = bg_config_entity_by_sasl(cfg, sasl_user);
	out->login = out->entity != NULL ? BG_LOGIN_LISTED : BG_LOGIN_UNLISTED;
	if (out->entity != NULL && !sender_owned(cfg, out->entity, &out->addr))
		return BG_SENDER_NOT_AUTHORIZED;
	return BG_SENDER_OK;
}

/* Sets the list (from the address extension) and the class of a resolved sender. */
static void
sender_kind(struct bg_sender *out)
{
	struct bg_addr base;
	const char *ext;
	size_t extlen;

	bg_addr_strip_extension(&out->addr, out->rcpt_delim, &base);
	out->class = sender_class(out->entity, &out->addr, &base);
	if (bg_addr_extension(&out->addr, out->rcpt_delim, &ext, &extlen) && extlen <= BG_LIST_MAX) {
		memcpy(out->list, ext, extlen);
		out->list[extlen] = '\0';
	}
}

enum bg_sender_status
bg_sender_resolve(const struct bg_config *cfg, const char *sasl_user, const char *mail_from, size_t len,
		  struct bg_sender *out)
{
	unsigned flags = BG_ADDR_ALLOW_NULL | (cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0);
	enum bg_sender_status st;

	memset(out, 0, sizeof(*out));
	out->class = BG_CLASS_BULK;
	out->rcpt_delim = cfg->recipient_delimiter != NULL ? cfg->recipient_delimiter[0] : '\0';
	out->addr_status = bg_addr_normalise(mail_from, len, flags, &out->addr);
	if (out->addr_status != BG_ADDR_OK && out->addr_status != BG_ADDR_NULL)
		return BG_SENDER_BAD_ADDRESS;
	st = sender_entity(cfg, sasl_user, out);
	if (st == BG_SENDER_OK && out->entity != NULL && out->addr.len > 0)
		sender_kind(out);
	return st;
}

bool
bg_sender_mail_refused(const struct bg_config *cfg, enum bg_sender_status st, const struct bg_sender *s,
		       struct bg_mail_refusal *r)
{
	if (st == BG_SENDER_BAD_ADDRESS)
		*r = (struct bg_mail_refusal){ "5.1.7", "bad sender address syntax", bg_addr_strerror(s->addr_status) };
	else if (st == BG_SENDER_NOT_AUTHORIZED)
		*r = (struct bg_mail_refusal){ "5.7.1", "sender not authorized for this login",
					       "why=sender_outside_login_entity" };
	else if (s->entity == NULL && cfg->milter.unknown_sender == BG_UNKNOWN_REJECT)
		*r = (struct bg_mail_refusal){ "5.7.1", "sender is not a known entity",
					       s->login == BG_LOGIN_UNLISTED ? "why=login_not_listed" : "why=no_entity" };
	else
		return false;
	return true;
}

const char *
bg_sender_status_name(enum bg_sender_status st)
{
	switch (st) {
	case BG_SENDER_OK: return "ok";
	case BG_SENDER_BAD_ADDRESS: return "bad_address";
	case BG_SENDER_NOT_AUTHORIZED: return "not_authorized";
	}
	return "?";
}
