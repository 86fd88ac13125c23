/*
 * bg_header.c - List-Unsubscribe and Feedback-ID built from the entity; From: alignment.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bg_header.h"

bool
bg_header_domain_aligned(const struct bg_entity *e, const char *domain)
{
	size_t dlen = strlen(domain);

	for (size_t i = 0; i < e->sender_domains.n; i++) {
		const char *d = e->sender_domains.v[i];
		size_t n = strlen(d);
		if (strcasecmp(domain, d) == 0)
			return true;
		if (dlen > n && domain[dlen - n - 1] == '.' && strcasecmp(domain + dlen - n, d) == 0)
			return true;
	}
	return false;
}

/* Appends the URL with every %t replaced by token; returns the new length or -1 when full. */
static int
append_url(char *out, size_t len, size_t n, const char *url, const char *token)
{
	for (const char *p = url; *p; p++) {
		const char *piece = (p[0] == '%' && p[1] == 't') ? token : NULL;
		size_t plen = piece ? strlen(piece) : 1;
		if (n + plen >= len)
			return -1;
		memcpy(out + n, piece ? piece : p, plen);
		n += plen;
		p += piece ? 1 : 0;
	}
	out[n] = '\0';
	return (int)n;
}

int
bg_header_list_unsubscribe(const struct bg_entity *e, const char *token, char *out, size_t len)
{
	int n;

	if (e->unsubscribe_url == NULL || *e->unsubscribe_url == '\0' || len < 4)
		return -1;
	memcpy(out, " <", 3);
	n = append_url(out, len, 2, e->unsubscribe_url, token);
	if (n < 0)
		return -1;
	if (e->unsubscribe_mailto != NULL && *e->unsubscribe_mailto != '\0')
		n += snprintf(out + n, len - (size_t)n, ">,\n\t<mailto:%s?subject=unsubscribe%%20%s>",
			      e->unsubscribe_mailto, token);
	else
		n += snprintf(out + n, len - (size_t)n, ">");
	return (size_t)n < len ? 0 : -1;
}

/* True when a list name can stand in a header as it is: printable ASCII, no ':' or space. */
static bool
plain_list(const char *list)
{
	if (list == NULL || *list == '\0')
		return false;
	for (; *list; list++)
		if (*list <= ' ' || *list >= 0x7f || *list == ':')
			return false;
	return true;
}

int
bg_header_feedback_id(const struct bg_entity *e, const char *list, enum bg_class c, char *out, size_t len)
{
	int n;

	if (e->feedback_id == NULL || *e->feedback_id == '\0')
		return -1;
	if (!plain_list(list))
		list = NULL; /* a list from a UTF-8 address extension is left out, not put in raw */
	n = snprintf(out, len, " %s%s%s:%s:%s", list && *list ? list : "", list && *list ? ":" : "", e->name,
		     bg_class_name(c), e->feedback_id);
	return n > 0 && (size_t)n < len ? 0 : -1;
}
