/*
 * bg_suppress_rec.c - suppress and consent fields taken apart, checked and
 * put together again. Pure: no I/O.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg_suppress_rec.h"
#include "bg_util.h"

void
bg_suppress_field(const char *what, const char *entity, const char *list, char *out, size_t len)
{
	if (entity == NULL || *entity == '\0')
		snprintf(out, len, "%s", what);
	else if (list == NULL || *list == '\0')
		snprintf(out, len, "%s:%s", what, entity);
	else
		snprintf(out, len, "%s:%s/%s", what, entity, list);
}

/* True when the n bytes at s hold no byte below 0x20 and no DEL. */
static bool
printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Checks an entity or list name; bad holds the characters refused besides space and control. */
static const char *
check_name(const char *name, const char *bad, const char *what_bad)
{
	if (strlen(name) > BG_SUPPRESS_NAME_MAX)
		return "entity or list name too long";
	if (!printable(name, strlen(name)) || strchr(name, ' ') != NULL || strpbrk(name, bad) != NULL)
		return what_bad;
	return NULL;
}

/* Checks the reason or level word. */
static const char *
check_word(const struct bg_suppress_rec *rec)
{
	size_t n = strlen(rec->word);

	if (rec->kind == BG_SUPPRESS_CONSENT) {
		if (strcmp(rec->word, "single") == 0 || strcmp(rec->word, "notified") == 0 ||
		    strcmp(rec->word, "confirmed") == 0)
			return NULL;
		return "level must be single, notified or confirmed";
	}
	if (n == 0)
		return "no reason";
	if (n > BG_SUPPRESS_WORD_MAX ||
	    strspn(rec->word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return "reason must be one word of letters, digits, '.', '_' or '-' (32 at most)";
	return NULL;
}

/* Checks the time, ip and source. */
static const char *
check_tail(const struct bg_suppress_rec *rec)
{
	unsigned char buf[16];

	if (rec->when < -1 || rec->when > BG_SUPPRESS_TIME_MAX)
		return "time out of range";
	if (rec->when < 0 && (rec->ip[0] != '\0' || rec->source[0] != '\0'))
		return "an ip or source needs a time";
	if (rec->ip[0] != '\0') {
		if (rec->kind != BG_SUPPRESS_CONSENT)
			return "a suppression has no ip";
		if (inet_pton(AF_INET, rec->ip, buf) != 1 && inet_pton(AF_INET6, rec->ip, buf) != 1)
			return "bad ip address";
	}
	if (strlen(rec->source) > BG_SUPPRESS_SOURCE_MAX)
		return "source too long";
	if (!printable(rec->source, strlen(rec->source)))
		return "control character in source";
	return NULL;
}

const char *
bg_suppress_check(const struct bg_suppress_rec *rec)
{
	const char *why;

	if (rec->kind == BG_SUPPRESS_CONSENT && rec->entity[0] == '\0')
		return "consent needs an entity";
	if (rec->entity[0] == '\0' && rec->list[0] != '\0')
		return "a list needs an entity";
	if ((why = check_name(rec->entity, ":/", "bad entity name (space, ':', '/' or control character)")) != NULL ||
	    (why = check_name(rec->list, "", "bad list name (space or control character)")) != NULL)
		return why;
	if ((why = check_word(rec)) != NULL)
		return why;
	return check_tail(rec);
}

/* Copies the n bytes at s into out of size len; -1 when they do not fit. */
static int
copy_part(char *out, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Takes a field name apart into rec's kind, entity and list; 1 when it is no field of ours, -1 malformed. */
static int
parse_field(const char *field, struct bg_suppress_rec *rec)
{
	const char *scope, *slash;

	if (strcmp(field, "suppress") == 0) {
		rec->kind = BG_SUPPRESS_SUPPRESS;
		return 0;
	}
	if (strncmp(field, "suppress:", 9) == 0)
		rec->kind = BG_SUPPRESS_SUPPRESS, scope = field + 9;
	else if (strncmp(field, "consent:", 8) == 0)
		rec->kind = BG_SUPPRESS_CONSENT, scope = field + 8;
	else
		return 1;
	slash = strchr(scope, '/');
	if (slash == NULL)
		return copy_part(rec->entity, sizeof(rec->entity), scope, strlen(scope));
	if (copy_part(rec->entity, sizeof(rec->entity), scope, (size_t)(slash - scope)) < 0)
		return -1;
	return slash[1] == '\0' ? -1 : copy_part(rec->list, sizeof(rec->list), slash + 1, strlen(slash + 1));
}

/* Takes the next space-separated word off *p into out; -1 when it is empty or does not fit. */
static int
next_word(const char **p, char *out, size_t len)
{
	size_t n = strcspn(*p, " ");

	if (n == 0 || copy_part(out, len, *p, n) < 0)
		return -1;
	*p += n + ((*p)[n] == ' ');
	return 0;
}

/* Takes a value apart into rec's word, time, ip and source. */
static int
parse_value(const char *value, struct bg_suppress_rec *rec)
{
	const char *p = value;
	char t[16];

	if (next_word(&p, rec->word, sizeof(rec->word)) < 0)
		return -1;
	if (*p == '\0')
		return 0;
	if (next_word(&p, t, sizeof(t)) < 0 || strspn(t, "0123456789") != strlen(t) || strlen(t) > 12)
		return -1;
	rec->when = strtoll(t, NULL, 10);
	if (*p == '\0')
		return 0;
	if (rec->kind == BG_SUPPRESS_CONSENT) {
		if (next_word(&p, rec->ip, sizeof(rec->ip)) < 0)
			return -1;
		if (strcmp(rec->ip, "-") == 0)
			rec->ip[0] = '\0';
	}
	return copy_part(rec->source, sizeof(rec->source), p, strlen(p));
}

int
bg_suppress_parse(const char *field, const char *value, size_t vlen, struct bg_suppress_rec *rec, const char **why)
{
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->when = -1;
	if ((rc = parse_field(field, rec)) != 0) {
		*why = "malformed field name";
		return rc;
	}
	if (memchr(value, '\0', vlen) != NULL || parse_value(value, rec) < 0) {
		*why = "malformed value";
		return -1;
	}
	return (*why = bg_suppress_check(rec)) == NULL ? 0 : -1;
}

void
bg_suppress_format(const struct bg_suppress_rec *rec, char *field, char *value)
{
	const char *what = rec->kind == BG_SUPPRESS_CONSENT ? "consent" : "suppress";
	const char *ip = rec->ip[0] != '\0' ? rec->ip : "-";
	int n;

	bg_suppress_field(what, rec->entity, rec->list, field, BG_SUPPRESS_FIELD_LEN);
	n = snprintf(value, BG_SUPPRESS_VALUE_LEN, "%s", rec->word);
	if (rec->when >= 0)
		n += snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %lld", rec->when);
	if (rec->kind == BG_SUPPRESS_CONSENT && (rec->ip[0] != '\0' || rec->source[0] != '\0'))
		n += snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %s", ip);
	if (rec->source[0] != '\0')
		snprintf(value + n, BG_SUPPRESS_VALUE_LEN - (size_t)n, " %s", rec->source);
}
