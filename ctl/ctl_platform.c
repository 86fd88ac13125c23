/*
 * ctl_platform.c - other platforms' exports as bulkguard's CSV rows, and
 * the reason words import accepts.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bg_util.h"
#include "ctl_platform.h"

/* The contract's reason words (doc/design.md 3.2). */
static const char *const ours[] = {"bounce", "invalid", "complaint", "unsubscribe", "manual"};

/* One platform word and what it means; to NULL: not a suppression (the row is skipped). */
struct word_map {
	enum ctl_format format;
	const char *from, *to;
};

/* clang-format off */
static const struct word_map words[] = {
	{CTL_FMT_SENDGRID, "bounce", "bounce"},           {CTL_FMT_SENDGRID, "bounces", "bounce"},
	{CTL_FMT_SENDGRID, "hard_bounce", "bounce"},      {CTL_FMT_SENDGRID, "invalid_email", "invalid"},
	{CTL_FMT_SENDGRID, "invalid_emails", "invalid"},  {CTL_FMT_SENDGRID, "spam_report", "complaint"},
	{CTL_FMT_SENDGRID, "spam_reports", "complaint"},  {CTL_FMT_SENDGRID, "unsubscribes", "unsubscribe"},
	{CTL_FMT_SENDGRID, "global_unsubscribe", "unsubscribe"}, {CTL_FMT_SENDGRID, "group_unsubscribe", "unsubscribe"},
	{CTL_FMT_MAILCHIMP, "cleaned", "bounce"},         {CTL_FMT_MAILCHIMP, "unsubscribed", "unsubscribe"},
	{CTL_FMT_MAILCHIMP, "subscribed", NULL},          {CTL_FMT_MAILCHIMP, "pending", NULL},
	{CTL_FMT_MAILCHIMP, "transactional", NULL},       {CTL_FMT_MAILCHIMP, "archived", NULL},
	{CTL_FMT_SES, "bounce", "bounce"},                {CTL_FMT_SES, "complaint", "complaint"},
};

/* Header names of each format's columns, in order of preference. */
static const struct {
	enum ctl_format format;
	const char *address[3], *reason[3], *time[4];
	const char *name;
} formats[] = {
	{CTL_FMT_SENDGRID, {"email", NULL}, {"type", "suppression_type", NULL}, {"created", NULL}, "sendgrid"},
	{CTL_FMT_MAILCHIMP, {"Email Address", NULL}, {"Status", NULL}, {"CLEAN_TIME", "UNSUB_TIME", "LAST_CHANGED", NULL}, "mailchimp"},
	{CTL_FMT_SES, {"EmailAddress", NULL}, {"Reason", NULL}, {"LastUpdateTime", NULL}, "ses"},
};
/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int
ctl_platform_format(struct ctl_platform *p, const char *name)
{
	if (strcmp(name, "bulkguard") == 0) {
		p->format = CTL_FMT_BULKGUARD;
		return 0;
	}
	for (size_t i = 0; i < NELEM(formats); i++)
		if (strcmp(name, formats[i].name) == 0) {
			p->format = formats[i].format;
			snprintf(p->source, sizeof(p->source), "import:%s", name);
			return 0;
		}
	return -1;
}

/* True when word is one of the contract's. */
static bool
contract_word(const char *word)
{
	for (size_t i = 0; i < NELEM(ours); i++)
		if (strcmp(word, ours[i]) == 0)
			return true;
	return false;
}

/* Copies a word lower-cased into out (CTL_PLATFORM_WORD + 1 bytes); -1 when too long or empty. */
static int
lower(const char *word, char *out)
{
	size_t n = strlen(word);

	if (n == 0 || n > CTL_PLATFORM_WORD)
		return -1;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)word[i]);
	return 0;
}

const char *
ctl_platform_map(struct ctl_platform *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char from[CTL_PLATFORM_WORD + 2];

	if (eq == NULL || eq == arg || (size_t)(eq - arg) > CTL_PLATFORM_WORD)
		return "--reason-map wants FROM=TO";
	if (p->nmap == CTL_PLATFORM_MAPS)
		return "too many --reason-map options";
	memcpy(from, arg, (size_t)(eq - arg));
	from[eq - arg] = '\0';
	if (lower(from, p->map[p->nmap].from) < 0 || lower(eq + 1, p->map[p->nmap].to) < 0 ||
	    !contract_word(p->map[p->nmap].to))
		return "--reason-map: TO must be bounce, invalid, complaint, unsubscribe or manual";
	p->nmap++;
	return NULL;
}

/* Returns the column of the first of names found in the header, or -1. */
static int
column(const char *const *names, const char *const *fields, int n)
{
	for (int k = 0; names[k] != NULL; k++)
		for (int i = 0; i < n; i++)
			if (strcasecmp(fields[i], names[k]) == 0)
				return i;
	return -1;
}

const char *
ctl_platform_header(struct ctl_platform *p, const char *const *fields, int n)
{
	for (size_t i = 0; i < NELEM(formats); i++) {
		if (formats[i].format != p->format)
			continue;
		p->col_address = column(formats[i].address, fields, n);
		p->col_reason = column(formats[i].reason, fields, n);
		p->col_time = column(formats[i].time, fields, n);
		if (p->col_address < 0)
			return "no address column in the header";
		if (p->col_reason < 0 && p->reason == NULL)
			return "no reason or status column: say which list the file is with --reason WORD";
		return NULL;
	}
	return "not a platform format";
}

int
ctl_platform_reason(const struct ctl_platform *p, const char *word, char *out)
{
	char w[CTL_PLATFORM_WORD + 1];

	if (lower(word, w) < 0)
		return -1;
	for (int i = 0; i < p->nmap; i++)
		if (strcmp(w, p->map[i].from) == 0) {
			bg_strlcpy(out, p->map[i].to, CTL_PLATFORM_WORD + 1);
			return 1;
		}
	if (contract_word(w)) {
		bg_strlcpy(out, w, CTL_PLATFORM_WORD + 1);
		return 1;
	}
	for (size_t i = 0; i < NELEM(words); i++)
		if (words[i].format == p->format && strcmp(w, words[i].from) == 0) {
			if (words[i].to == NULL)
				return 0;
			bg_strlcpy(out, words[i].to, CTL_PLATFORM_WORD + 1);
			return 1;
		}
	return -1;
}

void
ctl_platform_hint(const char *word, char *out, size_t len)
{
	snprintf(out, len,
	         "reason \"%.32s\" is not bulkguard's; map it with --reason-map "
	         "%.32s=bounce|invalid|complaint|unsubscribe|manual",
	         word, word);
}

/* Converts a platform time (unix seconds, or ISO 8601 with T or a space, fraction and zone Z/+00:00/UTC optional) into
 * buf as unix seconds. */
static const char *
row_time(const char *s, char *buf, size_t len)
{
	struct tm tm;
	const char *end;

	if (*s == '\0')
		return "";
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 12)
		return s;
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL || (*end != 'T' && *end != ' ') ||
	    (end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL)
		return NULL;
	if (*end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	if (*end != '\0' && strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0 && strcmp(end, " UTC") != 0 &&
	    strcmp(end, "+0000") != 0)
		return NULL;
	snprintf(buf, len, "%lld", (long long)timegm(&tm));
	return buf;
}

const char *
ctl_platform_row(const struct ctl_platform *p, const char *const *fields, int n, char *buf, size_t len,
                 const char *out[8], bool *skip)
{
	const char *word = p->col_reason >= 0 && p->col_reason < n ? fields[p->col_reason] : p->reason;
	const char *t = p->col_time >= 0 && p->col_time < n ? fields[p->col_time] : "";
	char *reason = buf, *when = buf + CTL_PLATFORM_WORD + 1;
	int rc;

	*skip = false;
	if (len < CTL_PLATFORM_WORD + 1 + 24)
		return "buffer too small";
	if (p->col_address >= n)
		return "no address in this row";
	if (word == NULL || *word == '\0')
		word = p->reason;
	if (word == NULL)
		return "no reason in this row";
	if ((rc = ctl_platform_reason(p, word, reason)) == 0) {
		*skip = true;
		return NULL;
	}
	if (rc < 0) {
		out[4] = word; /* for the message */
		return "unknown reason word";
	}
	if ((t = row_time(t, when, 24)) == NULL)
		return "bad time";
	out[0] = fields[p->col_address];
	out[1] = "suppress";
	out[2] = p->entity != NULL ? p->entity : "";
	out[3] = p->list != NULL ? p->list : "";
	out[4] = reason;
	out[5] = t;
	out[6] = "";
	out[7] = p->source;
	return NULL;
}
