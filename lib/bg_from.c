/*
 * bg_from.c - the From: header's one mailbox, with GMime.
 */
#include "config.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "bg_from.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/*
 * GMime's one-time set-up. Its default (loose) address parsing is used:
 * GMime 3.2's strict mode leaks memory on some refused values (an '@' in
 * an unquoted display name), and the one-'@' rule below refuses what the
 * loose mode would take too generously.
 */
static void
gmime_start(void)
{
	g_mime_init();
}

/* Skips a quoted string, comment or domain literal opened at *p; false when it is not closed. */
static bool
skip_enclosed(const char **p)
{
	char open = **p, close = open == '"' ? '"' : open == '(' ? ')' : ']';
	int depth = 1;

	for ((*p)++; **p != '\0'; (*p)++) {
		if (**p == '\\' && (*p)[1] != '\0')
			(*p)++;
		else if (**p == close && --depth == 0)
			return true;
		else if (open == '(' && **p == '(')
			depth++;
	}
	return false;
}

/*
 * True when value holds exactly one '@' outside quoted strings, comments
 * and domain literals, all of them closed (RFC 5322 lexical tokens only;
 * GMime does the parse). A mailbox has one addr-spec, so one such '@'.
 */
static bool
one_at_sign(const char *value)
{
	unsigned ats = 0;

	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '(' || *p == '[') {
			if (!skip_enclosed(&p))
				return false;
		} else if (*p == ')' || *p == ']') {
			return false;
		} else if (*p == '@') {
			ats++;
		}
	}
	return ats == 1;
}

/* Reads the one mailbox of a parsed list. */
static enum bg_from_status
single_mailbox(InternetAddressList *list, struct bg_addr *out)
{
	InternetAddress *ia;
	const char *addr;

	if (list == NULL || internet_address_list_length(list) == 0)
		return BG_FROM_NONE;
	if (internet_address_list_length(list) > 1)
		return BG_FROM_MANY;
	ia = internet_address_list_get_address(list, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return BG_FROM_MANY;
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (addr == NULL || bg_addr_normalise(addr, strlen(addr), 0, out) != BG_ADDR_OK)
		return BG_FROM_BAD;
	return BG_FROM_OK;
}

enum bg_from_status
bg_from_parse(const char *value, struct bg_addr *out)
{
	InternetAddressList *list;
	enum bg_from_status st;

	memset(out, 0, sizeof(*out));
	pthread_once(&gmime_once, gmime_start);
	list = internet_address_list_parse(NULL, value);
	st = single_mailbox(list, out);
	if (st == BG_FROM_OK && !one_at_sign(value))
		st = BG_FROM_BAD;
	if (list != NULL)
		g_object_unref(list);
	if (st != BG_FROM_OK)
		memset(out, 0, sizeof(*out));
	return st;
}
