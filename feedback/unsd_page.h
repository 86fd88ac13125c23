/*
 * unsd_page.h - the pages a person sees at bulkguard-unsubd: built in, or the operator's templates.
 *
 * Four pages: confirm (GET), done (after the POST), undone (after an undo)
 * and error. Each entity may name a directory (unsubscribe_templates) of
 * HTML files <page>.html and <page>.<lang>.html; what is missing there is
 * the built-in page. A template is literal HTML with placeholders {{name}},
 * nothing more: no conditions, no loops, no includes. Names (UNSD_PAGE_VARS):
 * brand, address (masked), list, scope (in words), message (the error page's
 * text) are HTML-escaped; form (the whole form), fields (its hidden inputs)
 * and action (the undo form's target) are markup bulkguard-unsubd makes.
 * Every template of a set is read and checked when the configuration is
 * loaded (at start, on reload and by -n); a request never reads a file.
 *
 * DIAGNOSTICS: unsd_pages_load returns NULL with "<file>: <what>" in err.
 */
#ifndef UNSD_PAGE_H
#define UNSD_PAGE_H

#include <stddef.h>

#include "bg_config.h"

#define UNSD_TMPL_MAX  65536  /* bytes of one template file */
#define UNSD_FILES_MAX 128    /* files of one template directory */
#define UNSD_LANG_MAX  15     /* characters of a language tag ("pt-br") */
#define UNSD_PAGE_MAX  262144 /* bytes of a page made from a template */

enum unsd_page_kind { UNSD_CONFIRM = 0, UNSD_DONE, UNSD_UNDONE, UNSD_ERROR, UNSD_PAGE_N };

/* What the placeholders stand for; NULL is "". The first five are text, the rest markup. */
struct unsd_vars {
	const char *brand, *address, *list, *scope, *message;
	const char *form, *fields, *action;
};

struct unsd_pages; /* every entity's templates; immutable once loaded, shared by threads */

/*
 * Reads and checks the templates of every entity of cfg that names a
 * directory. Returns a set the caller frees with unsd_pages_free, or NULL
 * with the file and the problem in err.
 */
struct unsd_pages *unsd_pages_load(const struct bg_config *cfg, char *err, size_t errlen);

/* Frees a set; NULL is fine. */
void unsd_pages_free(struct unsd_pages *p);

/*
 * Makes the page kind for entity (p may be NULL: built in) in the language
 * accept_language (an Accept-Language header, may be NULL) likes best among
 * those the entity's templates have. Returns a string the caller frees.
 */
char *unsd_page_make(const struct unsd_pages *p, const char *entity, enum unsd_page_kind kind,
                     const char *accept_language, const struct unsd_vars *v);

/* Writes address with its local part masked ("a***@example.com") into out (len bytes). */
void unsd_mask_address(const char *address, char *out, size_t len);

/* Copies s into out (len bytes, always terminated) with & < > " ' escaped; cut whole at a character reference. */
void unsd_html_escape(const char *s, char *out, size_t len);

#endif
