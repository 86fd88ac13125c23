/*
 * pol_limit.c - a policy request to lib's decision (bg_limit), and the
 * decision's log line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bg_log.h"
#include "pol_limit.h"

/* Returns a copy of a request's value for the log, cut to 256 bytes. */
static char *
keep(const char *v)
{
	return bg_xstrndup(v, strnlen(v, 256));
}

enum pol_verdict
pol_limit_plan(const struct bg_config *cfg, const struct pol_request *r, struct bg_limit_plan *plan)
{
	enum bg_limit_verdict v;

	memset(plan, 0, sizeof(*plan));
	if (strcasecmp(r->v[POL_A_PROTOCOL_STATE], "RCPT") != 0) {
		plan->sender = keep(r->v[POL_A_SENDER]);
		plan->rcpt = keep(r->v[POL_A_RECIPIENT]);
		return POL_V_NOT_RCPT;
	}
	v = bg_limit_plan(cfg, r->v[POL_A_SASL_USERNAME], r->v[POL_A_SENDER], r->len[POL_A_SENDER],
	                  r->v[POL_A_RECIPIENT], r->len[POL_A_RECIPIENT], false, plan);
	if (plan->rcpt == NULL) /* not normalised: the log shows it as given */
		plan->rcpt = keep(r->v[POL_A_RECIPIENT]);
	switch (v) {
	case BG_LIMIT_CHECK: return POL_V_CHECK;
	case BG_LIMIT_NO_ENTITY: return POL_V_NO_ENTITY;
	case BG_LIMIT_NO_POOL: return POL_V_NO_POOL;
	case BG_LIMIT_BAD_RCPT: return POL_V_BAD_RCPT;
	case BG_LIMIT_NO_LIMITS: return POL_V_NO_LIMITS;
	case BG_LIMIT_NOT_AUTHORIZED: return POL_V_NOT_AUTHORIZED;
	}
	return POL_V_NO_ENTITY;
}

const char *
pol_verdict_name(enum pol_verdict v)
{
	switch (v) {
	case POL_V_CHECK: return "check";
	case POL_V_NOT_RCPT: return "not-rcpt";
	case POL_V_NO_ENTITY: return "no-entity";
	case POL_V_NOT_AUTHORIZED: return "not-authorized";
	case POL_V_NO_POOL: return "no-pool";
	case POL_V_BAD_RCPT: return "bad-recipient";
	case POL_V_NO_LIMITS: return "no-limits";
	}
	return "?";
}

/* Copies a value for a log line: cut to len, with space, quote, backslash and control characters made '_'; "-" for
 * none. */
static const char *
clean(char *buf, size_t len, const char *value)
{
	snprintf(buf, len, "%s", value != NULL && *value != '\0' ? value : "-");
	for (size_t i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] <= ' ' || buf[i] == '"' || buf[i] == '\\' || buf[i] == 0x7f)
			buf[i] = '_';
	return buf;
}

void
pol_limit_log(const char *instance, const struct bg_limit_plan *plan, const char *action, const char *extra)
{
	char sender[300], login[130], rcpt[300], entity[130], pool[130], group[300];

	bg_log_info("%s: sender=<%s> login=%s rcpt=<%s> entity=%s class=%s pool=%s group=%s action=%s%s%s", instance,
	            plan->sender != NULL && *plan->sender == '\0' ? "" : clean(sender, sizeof(sender), plan->sender),
	            clean(login, sizeof(login), plan->login),
	            plan->rcpt != NULL ? clean(rcpt, sizeof(rcpt), plan->rcpt) : "",
	            clean(entity, sizeof(entity), plan->entity), plan->class_name ? plan->class_name : "-",
	            clean(pool, sizeof(pool), plan->pool), clean(group, sizeof(group), plan->group), action,
	            extra != NULL ? " " : "", extra != NULL ? extra : "");
}
