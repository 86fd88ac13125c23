/*
 * unsd_view.h - what bulkguard-unsubd's pages say: the words and forms each
 * page's placeholders get (brand, masked address, list, scope in words, the
 * forms), handed to unsd_page to fill the entity's template or the built-in page.
 *
 * DIAGNOSTICS: none; every function returns a page.
 */
#ifndef UNSD_VIEW_H
#define UNSD_VIEW_H

#include "bg_config.h"
#include "bg_token.h"
#include "unsd_page.h"

/* One request's view: whose token, which templates, which language. */
struct unsd_view {
	const struct bg_config *cfg;
	const struct unsd_pages *pages; /* NULL: built-in pages only */
	const struct bg_token *tok;     /* opened */
	const char *token;              /* as in the URL */
	const char *accept;             /* the Accept-Language header, or NULL */
};

/* Returns the list an unsubscribe through tok may be scoped to (the entity says unsubscribe_scope = list), or NULL. */
const char *unsd_view_list(const struct bg_config *cfg, const struct bg_token *tok);

/* The confirm page: its form POSTs List-Unsubscribe=One-Click (and, with a list, offers list or all). Caller frees. */
char *unsd_view_confirm(const struct unsd_view *v);

/* The done page for a suppression of list (NULL: the entity); with mac, an undo form for at. Caller frees. */
char *unsd_view_done(const struct unsd_view *v, const char *list, long long at, const char *mac);

/* The page after an undo of list's (NULL: the entity's) suppression. Caller frees. */
char *unsd_view_undone(const struct unsd_view *v, const char *list);

/* The error page saying message. Caller frees. */
char *unsd_view_error(const struct unsd_view *v, const char *message);

#endif
