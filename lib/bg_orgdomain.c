/*
 * bg_orgdomain.c - organisational domains with libpsl (see bg_orgdomain.h).
 */
#include "config.h"

#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "bg_orgdomain.h"

#define NAME_MAX_LEN 255

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

/* Loads the newest list once: the system's file when newer than the built-in one. */
static void
psl_load(void)
{
	psl_ctx_t *latest = psl_latest(NULL);

	psl = latest != NULL ? latest : psl_builtin();
}

/* Copies domain lower-cased and without a trailing dot into out; -1 when empty or too long. */
static int
lower_copy(const char *domain, char *out, size_t len)
{
	size_t n = strlen(domain);

	if (n > 0 && domain[n - 1] == '.')
		n--;
	if (n == 0 || n >= len || n > NAME_MAX_LEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)domain[i]);
	out[n] = '\0';
	return 0;
}

int
bg_orgdomain(const char *domain, char *out, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	const char *reg;

	if (lower_copy(domain, name, sizeof(name)) < 0)
		return -1;
	pthread_once(&psl_once, psl_load);
	reg = psl != NULL ? psl_registrable_domain(psl, name) : NULL;
	if (reg == NULL)
		reg = name; /* a public suffix itself, or a name the list cannot judge */
	if (strlen(reg) >= len)
		return -1;
	memcpy(out, reg, strlen(reg) + 1);
	return 0;
}

bool
bg_orgdomain_aligned(const char *a, const char *b)
{
	char oa[NAME_MAX_LEN + 1], ob[NAME_MAX_LEN + 1];

	return bg_orgdomain(a, oa, sizeof(oa)) == 0 && bg_orgdomain(b, ob, sizeof(ob)) == 0 && strcmp(oa, ob) == 0;
}

/* True when domain is pattern or a name below it (case-insensitive). */
static bool
at_or_below(const char *domain, const char *pattern)
{
	size_t dl = strlen(domain), pl = strlen(pattern);

	if (dl == pl)
		return strcasecmp(domain, pattern) == 0;
	return dl > pl && domain[dl - pl - 1] == '.' && strcasecmp(domain + dl - pl, pattern) == 0;
}

bool
bg_orgdomain_matches(const char *domain, const char *pattern)
{
	size_t pl = strlen(pattern);
	char org[NAME_MAX_LEN + 1];

	if (pl < 3 || strcmp(pattern + pl - 2, ".*") != 0)
		return at_or_below(domain, pattern);
	/* "name.*": the organisational domain (one label and a public suffix) begins "name." */
	if (bg_orgdomain(domain, org, sizeof(org)) < 0)
		return false;
	return strncasecmp(org, pattern, pl - 1) == 0;
}
