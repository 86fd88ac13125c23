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

/* Finds the entity: SASL login first, then the envelope sender's domain. */
static const struct bg_entity *
sender_entity(const struct bg_config *cfg, const char *sasl_user, const struct bg_addr *sender)
{
	const struct bg_entity *e = NULL;

	if (sasl_user != NULL && *sasl_user != '\0')
		e = bg_config_entity_by_sasl(cfg, sasl_user);
	if (e == NULL && sender->len > 0)
		e = bg_config_entity_by_domain(cfg, bg_addr_domain(sender));
	return e;
}

enum bg_addr_status
bg_sender_resolve(const struct bg_config *cfg, const char *sasl_user, const char *mail_from,
		  size_t len, struct bg_sender *out)
{
	unsigned flags = BG_ADDR_ALLOW_NULL | (cfg->keep_local_case ? BG_ADDR_KEEP_CASE : 0);
	char delim = cfg->recipient_delimiter[0];
	enum bg_addr_status st;
	struct bg_addr base;
	const char *ext;
	size_t extlen;

	memset(out, 0, sizeof(*out));
	out->class = BG_CLASS_BULK;
	st = bg_addr_normalise(mail_from, len, flags, &out->addr);
	if (st != BG_ADDR_OK && st != BG_ADDR_NULL)
		return st;
	out->entity = sender_entity(cfg, sasl_user, &out->addr);
	if (out->entity == NULL || st == BG_ADDR_NULL)
		return st;
	bg_addr_strip_extension(&out->addr, delim, &base);
	out->class = sender_class(out->entity, &out->addr, &base);
	if (delim != '\0' && bg_addr_extension(&out->addr, delim, &ext, &extlen) && extlen <= BG_LIST_MAX) {
		memcpy(out->list, ext, extlen);
		out->list[extlen] = '\0';
	}
	return st;
}
