/*
 * bg_rules.c - single-instance headers, List-Id, key alignment, Date and
 * Message-ID (see bg_rules.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "bg_orgdomain.h"
#include "bg_rules.h"

/* clang-format off */
static const char *const single_names[BG_H_SINGLE_COUNT] = {
	[BG_H_FROM] = "From", [BG_H_SENDER] = "Sender", [BG_H_REPLY_TO] = "Reply-To", [BG_H_TO] = "To",
	[BG_H_CC] = "Cc", [BG_H_SUBJECT] = "Subject", [BG_H_DATE] = "Date", [BG_H_MESSAGE_ID] = "Message-ID",
	[BG_H_IN_REPLY_TO] = "In-Reply-To", [BG_H_REFERENCES] = "References",
};
/* clang-format on */

int
bg_rules_single(const char *name)
{
	for (int i = 0; i < BG_H_SINGLE_COUNT; i++)
		if (strcasecmp(name, single_names[i]) == 0)
			return i;
	return -1;
}

const char *
bg_rules_single_name(enum bg_single h)
{
	return single_names[h];
}

/* True for a byte of a list name: letter, digit, '-' or '_'. */
static bool
list_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

int
bg_rules_list_id(const char *value, char *list, size_t len)
{
	const char *lt = strrchr(value, '<'), *p;
	size_t n = 0;

	if (lt == NULL || strchr(lt, '>') == NULL)
		return -1;
	for (p = lt + 1; list_char((unsigned char)*p); p++)
		n++;
	/* the label must end at a dot: "<weekly.acme.example>" */
	if (n == 0 || *p != '.' || n >= len)
		return -1;
	for (size_t i = 0; i < n; i++)
		list[i] = (char)tolower((unsigned char)lt[1 + i]);
	list[n] = '\0';
	return 0;
}

bool
bg_rules_key_aligned(const struct bg_dkim_conf *d, const char *from_domain)
{
	return d->domain != NULL && from_domain != NULL && bg_orgdomain_aligned(d->domain, from_domain);
}

bool
bg_rules_entity_aligned(const struct bg_entity *e, const char *from_domain)
{
	for (size_t i = 0; i < e->n_dkim; i++)
		if (bg_rules_key_aligned(&e->dkim[i], from_domain))
			return true;
	return false;
}

int
bg_rules_date(time_t t, char *out, size_t len)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	n = snprintf(out, len, " %s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int
bg_rules_message_id(time_t t, const char *domain, char *out, size_t len)
{
	unsigned char rnd[16];
	char hex[sizeof(rnd) * 2 + 1];
	int n;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	n = snprintf(out, len, " <%lld.%s@%s>", (long long)t, hex, domain);
	return n > 0 && (size_t)n < len ? 0 : -1;
}
