/*
 * bg_dns.c - TXT lookups through libspf2's DNS layer of a bg_spf handle
 * (contract in bg_dns.h).
 *
 * Why here and not in bg_spf.c: bg_spf.c is about SPF checks and already
 * long; what a TXT lookup needs from it is one locked resolver, which
 * bg_spf_dns_run lends. What libspf2 does that matters:
 * - SPF_dns_lookup returns a record set the caller owns (the zone and the
 *   cache layer hand out copies), or NULL when out of memory;
 * - its resolver joins the character-strings of each TXT record into one
 *   string, and sets herrno: NETDB_SUCCESS, HOST_NOT_FOUND (NXDOMAIN),
 *   NO_DATA, TRY_AGAIN (SERVFAIL, timeout; a zone's SERVFAIL name) or
 *   NO_RECOVERY (REFUSED, FORMERR);
 * - a zone answers a name it does not hold with HOST_NOT_FOUND.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libspf2 needs these before its own headers (APIS.md). */
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <spf2/spf.h>

#include "bg_dns.h"

/* One lookup, passed through bg_spf_dns_run. */
struct txt_lookup {
	const char *name;
	ns_type type; /* TXT, PTR, A or AAAA */
	char **out;
	size_t n;
	int herrno; /* of the answer; NETDB_INTERNAL when there was none (out of memory) */
};

/* True when name (a trailing dot allowed) is 1..253 octets of labels of 1..63 printable, non-blank bytes. */
static bool
name_ok(const char *name)
{
	size_t len = strnlen(name, BG_DNS_NAME_MAX + 2), label = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > BG_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			label = 0;
		} else if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f) {
			return false;
		} else {
			label++;
		}
	}
	return true;
}

/* Returns one record of rr as text (a copy): the TXT string, the PTR name, the address. */
static char *
rr_text(const SPF_dns_rr_t *rr, int i)
{
	char addr[INET6_ADDRSTRLEN];

	switch (rr->rr_type) {
	case ns_t_a: return bg_xstrdup(inet_ntop(AF_INET, &rr->rr[i]->a, addr, sizeof(addr)));
	case ns_t_aaaa: return bg_xstrdup(inet_ntop(AF_INET6, &rr->rr[i]->aaaa, addr, sizeof(addr)));
	case ns_t_ptr: return bg_xstrdup(rr->rr[i]->ptr);
	default: return bg_xstrdup(rr->rr[i]->txt);
	}
}

/* Copies the records of rr into l, as text. */
static void
txt_copy(const SPF_dns_rr_t *rr, struct txt_lookup *l)
{
	if (rr->num_rr <= 0)
		return;
	l->out = bg_xcalloc((size_t)rr->num_rr, sizeof(*l->out));
	for (int i = 0; i < rr->num_rr; i++)
		l->out[l->n++] = rr_text(rr, i);
}

/* Runs one lookup on a locked resolver (a bg_spf_dns_run callback). */
static int
txt_run(SPF_dns_server_t *dns, void *arg)
{
	struct txt_lookup *l = arg;
	SPF_dns_rr_t *rr = SPF_dns_lookup(dns, l->name, l->type, 1);

	if (rr == NULL) {
		l->herrno = NETDB_INTERNAL;
		return -1;
	}
	l->herrno = rr->herrno;
	if (rr->herrno == NETDB_SUCCESS && rr->rr_type == l->type)
		txt_copy(rr, l);
	SPF_dns_rr_free(rr);
	return 0;
}

/* Returns what a failed answer's herrno means, for err. */
static const char *
herrno_text(int herrno)
{
	switch (herrno) {
	case TRY_AGAIN: return "temporary DNS error: SERVFAIL or timeout";
	case NO_RECOVERY: return "DNS server error: REFUSED or FORMERR";
	case NETDB_INTERNAL: return "out of memory in libspf2";
	default: return "unexpected DNS answer";
	}
}

/* Looks up the records of one type of name, as text (see bg_dns_txt). */
static int
lookup(struct bg_spf *spf, const char *name, ns_type type, char ***out, size_t *n, char *err, size_t errlen)
{
	struct txt_lookup l = {.name = name, .type = type};

	*out = NULL;
	*n = 0;
	if (name == NULL || !name_ok(name)) {
		snprintf(err, errlen, "not a domain name");
		return -1;
	}
	bg_spf_dns_run(spf, txt_run, &l);
	switch (l.herrno) {
	case NETDB_SUCCESS:
		*out = l.out;
		*n = l.n;
		return 0;
	case HOST_NOT_FOUND:
	case NO_DATA: return 0;
	default:
		bg_dns_txt_free(l.out, l.n);
		snprintf(err, errlen, "%s", herrno_text(l.herrno));
		return -1;
	}
}

int
bg_dns_txt(struct bg_spf *spf, const char *name, char ***out, size_t *n, char *err, size_t errlen)
{
	return lookup(spf, name, ns_t_txt, out, n, err, errlen);
}

/* Writes the reverse name of ip (in-addr.arpa or ip6.arpa) into out; -1 when ip is no address. */
static int
reverse_name(const char *ip, char *out, size_t len)
{
	unsigned char b[16];
	size_t used = 0;

	if (inet_pton(AF_INET, ip, b) == 1)
		return snprintf(out, len, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]) < (int)len ? 0 : -1;
	if (inet_pton(AF_INET6, ip, b) != 1 || len < 16 * 4 + sizeof("ip6.arpa"))
		return -1;
	for (int i = 15; i >= 0; i--)
		used += (size_t)snprintf(out + used, len - used, "%x.%x.", b[i] & 0xf, b[i] >> 4);
	snprintf(out + used, len - used, "ip6.arpa");
	return 0;
}

int
bg_dns_ptr(struct bg_spf *spf, const char *ip, char ***out, size_t *n, char *err, size_t errlen)
{
	char name[BG_DNS_NAME_MAX + 1];

	*out = NULL;
	*n = 0;
	if (reverse_name(ip, name, sizeof(name)) < 0) {
		snprintf(err, errlen, "not an IP address");
		return -1;
	}
	return lookup(spf, name, ns_t_ptr, out, n, err, errlen);
}

int
bg_dns_addrs(struct bg_spf *spf, const char *name, char ***out, size_t *n, char *err, size_t errlen)
{
	char **v4, **v6;
	size_t n4, n6;

	*out = NULL;
	*n = 0;
	if (lookup(spf, name, ns_t_a, &v4, &n4, err, errlen) < 0)
		return -1;
	if (lookup(spf, name, ns_t_aaaa, &v6, &n6, err, errlen) < 0) {
		bg_dns_txt_free(v4, n4);
		return -1;
	}
	*out = bg_xreallocarray(v4, n4 + n6 + 1, sizeof(**out));
	for (size_t i = 0; i < n6; i++)
		(*out)[n4 + i] = v6[i];
	free(v6);
	*n = n4 + n6;
	return 0;
}

void
bg_dns_txt_free(char **txt, size_t n)
{
	if (txt == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(txt[i]);
	free(txt);
}
