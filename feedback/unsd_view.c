/*
 * unsd_view.c - the words and forms of bulkguard-unsubd's pages.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "unsd_view.h"

#define TEXT_MAX 1024 /* bytes of one placeholder's value */

const char *
unsd_view_list(const struct bg_config *cfg, const struct bg_token *tok)
{
	const struct bg_entity *e = bg_config_entity_named(cfg, tok->entity);

	return e != NULL && e->unsubscribe_scope == BG_SCOPE_LIST && tok->list[0] != '\0' ? tok->list : NULL;
}

/* Returns the brand as people know it: the entity's display_name, else its name. */
static const char *
brand(const struct unsd_view *v)
{
	const struct bg_entity *e = bg_config_entity_named(v->cfg, v->tok->entity);

	return e != NULL && e->display_name != NULL && *e->display_name != '\0' ? e->display_name : v->tok->entity;
}

/* Writes the scope in words into out: "all mail from Acme" or "the weekly list of Acme". */
static void
scope_words(const struct unsd_view *v, const char *list, char *out, size_t len)
{
	if (list != NULL)
		snprintf(out, len, "the %s list of %s", list, brand(v));
	else
		snprintf(out, len, "all mail from %s", brand(v));
}

/* Makes page kind with the common placeholders and the given scope, message, form, fields and action. */
static char *
make(const struct unsd_view *v, enum unsd_page_kind kind, const char *scope, const char *list, struct unsd_vars *x)
{
	char masked[BG_TOKEN_ADDRESS_MAX + 8];

	unsd_mask_address(v->tok->address, masked, sizeof(masked));
	x->brand = brand(v);
	x->address = masked;
	x->list = list;
	x->scope = scope;
	return unsd_page_make(v->pages, v->tok->entity, kind, v->accept, x);
}

char *
unsd_view_confirm(const struct unsd_view *v)
{
	static const char fields[] = "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">";
	const char *list = unsd_view_list(v->cfg, v->tok);
	char scope[TEXT_MAX], form[4 * TEXT_MAX], l[TEXT_MAX / 4], b[TEXT_MAX / 2];
	struct unsd_vars x = {.fields = fields, .form = form};

	if (list == NULL) {
		scope_words(v, NULL, scope, sizeof(scope));
		snprintf(form, sizeof(form),
		         "<form method=\"post\">%s<button type=\"submit\">Unsubscribe</button></form>\n", fields);
		return make(v, UNSD_CONFIRM, scope, NULL, &x);
	}
	snprintf(scope, sizeof(scope), "the %s list, or all mail from %s: you choose below", list, brand(v));
	unsd_html_escape(list, l, sizeof(l));
	unsd_html_escape(brand(v), b, sizeof(b));
	snprintf(form, sizeof(form),
	         "<form method=\"post\">%s<fieldset><legend>Unsubscribe from</legend>\n"
	         "<label><input type=\"radio\" name=\"scope\" value=\"list\" checked> only the %s list</label>\n"
	         "<label><input type=\"radio\" name=\"scope\" value=\"entity\"> all mail from %s</label>\n"
	         "</fieldset>\n<button type=\"submit\">Unsubscribe</button></form>\n",
	         fields, l, b);
	return make(v, UNSD_CONFIRM, scope, list, &x);
}

/* Writes the undo window in words ("10 minutes", "90 seconds") into out. */
static void
window_words(long seconds, char *out, size_t len)
{
	if (seconds % 60 == 0)
		snprintf(out, len, "%ld minute%s", seconds / 60, seconds == 60 ? "" : "s");
	else
		snprintf(out, len, "%ld second%s", seconds, seconds == 1 ? "" : "s");
}

char *
unsd_view_done(const struct unsd_view *v, const char *list, long long at, const char *mac)
{
	char scope[TEXT_MAX], fields[TEXT_MAX], form[2 * TEXT_MAX], action[BG_TOKEN_MAX + 8], window[64];
	struct unsd_vars x = {0};

	scope_words(v, list, scope, sizeof(scope));
	if (mac != NULL) { /* every value here is digits, a word or base64url: nothing to escape */
		snprintf(action, sizeof(action), "%s/undo", v->token);
		snprintf(fields, sizeof(fields),
		         "<input type=\"hidden\" name=\"at\" value=\"%lld\"><input type=\"hidden\" name=\"scope\" "
		         "value=\"%s\"><input type=\"hidden\" name=\"mac\" value=\"%s\">",
		         at, list ? "list" : "entity", mac);
		window_words(v->cfg->unsubscribe.undo_window, window, sizeof(window));
		snprintf(
		    form, sizeof(form),
		    "<form method=\"post\" action=\"%s\">%s<p class=\"quiet\">Clicked by mistake? You can undo this "
		    "for %s.</p><button type=\"submit\" class=\"secondary\">I clicked by mistake</button></form>\n",
		    action, fields, window);
		x.form = form;
		x.fields = fields;
		x.action = action;
	}
	return make(v, UNSD_DONE, scope, list, &x);
}

char *
unsd_view_undone(const struct unsd_view *v, const char *list)
{
	char scope[TEXT_MAX];
	struct unsd_vars x = {0};

	scope_words(v, list, scope, sizeof(scope));
	return make(v, UNSD_UNDONE, scope, list, &x);
}

char *
unsd_view_error(const struct unsd_view *v, const char *message)
{
	struct unsd_vars x = {.message = message};

	return make(v, UNSD_ERROR, NULL, NULL, &x);
}
