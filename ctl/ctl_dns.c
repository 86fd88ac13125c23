/*
 * ctl_dns.c - "bulkguard-ctl check-dns": the DNS vetting the M3AAWG BCP asks
 * for before an entity sends bulk mail (see ctl_dns.h).
 *
 * Five checks, in this order, one output line each:
 *
 *   spf    each sender domain and the return_path_domain (the MAIL FROM of
 *          VERP mail) authorises every spf_ips address (bg_spf_check_all);
 *   dkim   each dkim block of the entity, then of the esp: the key record at
 *          <selector>._domainkey.<domain> holds the public key of the
 *          configured private key, with the k= of its algorithm;
 *   dmarc  each sender domain has a v=DMARC1 record, or its organisational
 *          domain (Public Suffix List, bg_orgdomain) has;
 *   align  each sender domain has an entity dkim block whose d= aligns with
 *          it under the DMARC record's adkim (relaxed: the same
 *          organisational domain, as the milter checks; strict: equal);
 *          and, for information, whether the return_path_domain aligns
 *          under aspf (an "aspf" line);
 *   ptr    each IP of each pool the entity sends through (ctl_ptr.c):
 *          exactly one PTR, its name resolves back, the HELO name matches.
 *
 * Every lookup goes through a bg_spf handle (bg_spf_check for SPF, bg_dns_txt
 * for TXT), so --zone answers all of them offline from one zone file.
 * Everything read from DNS is cleaned before it is printed.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "bg_dns.h"
#include "bg_orgdomain.h"
#include "bg_spf.h"
#include "ctl_dns.h"
#include "ctl_ptr.h"

#define NAME      "bulkguard-ctl"
#define TXT_CHUNK 255  /* bytes of one DNS character-string */
#define RSA_MIN   2048 /* bits, RFC 8301 */
#define LINE_MAX_ 1024 /* bytes of a finding */
#define SHOWN_MAX 40   /* bytes of a DNS value quoted in a finding */
#define ORG_NOTE  "organisational domain, Public Suffix List"

enum level { OK = 0, WARN, FAIL };

/* One run of the command: what is checked and what was found. */
struct run {
	const struct bg_config *cfg;
	const struct bg_entity *e;
	struct bg_spf *spf;
	unsigned fails, warns;
	bool bad_key; /* a configured key cannot be used: exit 78 */
};

/* A public key as its DNS record publishes it. */
struct pubkey {
	unsigned char *bytes; /* DER SubjectPublicKeyInfo (RSA) or the raw 32 bytes (Ed25519) */
	size_t len;
	int bits;
	const char *k; /* "rsa" or "ed25519" */
};

/* Prints the command's usage; returns EX_USAGE. */
static int
usage(void)
{
	fprintf(stderr, "usage: " NAME " [-c file] " CTL_DNS_USAGE "\n");
	return EX_USAGE;
}

/* Copies at most max bytes of s into dst (dstlen bytes), every byte that is not printable ASCII made '?'. */
static const char *
clean(char *dst, size_t dstlen, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max && i + 1 < dstlen; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	dst[i] = '\0';
	return dst;
}

static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct run *r, enum level lv, const char *check, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Appends printf output to the string in buf (len bytes), truncating. */
static void
cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Prints one check line, "<level> <check> <subject>: <finding>", and counts it. */
static void
say(struct run *r, enum level lv, const char *check, const char *subject, const char *fmt, ...)
{
	static const char *const tags[] = {"ok", "WARN", "FAIL"};
	char finding[LINE_MAX_];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(finding, sizeof(finding), fmt, ap);
	va_end(ap);
	printf("%-4s %s %s: %s\n", tags[lv], check, subject, finding);
	r->fails += lv == FAIL;
	r->warns += lv == WARN;
}

/* Prints "  <how>: <name> TXT "..." ...", txt cut into DNS strings, '"' and '\' escaped, others cleaned. */
static void
publish(const char *how, const char *name, const char *txt)
{
	size_t len = strlen(txt);

	printf("  %s: %s TXT", how, name);
	for (size_t i = 0; i < len || i == 0; i += TXT_CHUNK) {
		fputs(" \"", stdout);
		for (size_t j = i; j < len && j < i + TXT_CHUNK; j++) {
			unsigned char c = (unsigned char)txt[j];

			if (c == '"' || c == '\\')
				putchar('\\');
			putchar(c < 0x20 || c >= 0x7f ? '?' : c);
		}
		putchar('"');
	}
	putchar('\n');
}

/* True when s[0..n) is only blanks. */
static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* Narrows [*a, *b) to leave out blanks at either end. */
static void
trim(const char **a, const char **b)
{
	while (*a < *b && blank(*a, 1))
		(*a)++;
	while (*b > *a && blank(*b - 1, 1))
		(*b)--;
}

/*
 * Finds tag in a "tag=value; ..." list (RFC 6376 3.2) and copies its value,
 * blanks at the ends removed, into out (outlen bytes, truncated), with its
 * position among the list's tags in *pos. Returns 1 when found, 0 when
 * absent, -1 for a malformed list or the tag given twice.
 */
static int
tag_get(const char *list, const char *tag, char *out, size_t outlen, int *pos)
{
	size_t taglen = strlen(tag);
	const char *s = list, *end, *eq, *a, *b;
	int found = 0, i = 0;

	for (; *s != '\0'; s = *end != '\0' ? end + 1 : end) {
		end = s + strcspn(s, ";");
		if ((eq = memchr(s, '=', (size_t)(end - s))) == NULL) {
			if (!blank(s, (size_t)(end - s)))
				return -1;
			continue;
		}
		a = s, b = eq;
		trim(&a, &b);
		if ((size_t)(b - a) == taglen && memcmp(a, tag, taglen) == 0) {
			if (found++)
				return -1;
			*pos = i;
			a = eq + 1, b = end;
			trim(&a, &b);
			snprintf(out, outlen, "%.*s", (int)(b - a), a);
		}
		i++;
	}
	return found;
}

/* ---- SPF ---- */

/* True when txt is an SPF record: "v=spf1" alone or followed by a blank. */
static bool
is_spf(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

/* Returns a copy of domain's first SPF record, or NULL. The caller frees it. */
static char *
spf_record(struct run *r, const char *domain)
{
	char err[128], **txt, *rec = NULL;
	size_t n;

	if (bg_dns_txt(r->spf, domain, &txt, &n, err, sizeof(err)) < 0)
		return NULL;
	for (size_t i = 0; i < n && rec == NULL; i++)
		if (is_spf(txt[i]))
			rec = bg_xstrdup(txt[i]);
	bg_dns_txt_free(txt, n);
	return rec;
}

/* Lists "<ip> <result>" for each spf_ips address domain does not pass in list, its " ip4:<ip>" in mech. */
static void
spf_unpassed(struct run *r, const char *domain, char *list, size_t listlen, char *mech, size_t mechlen)
{
	const struct bg_strlist *ips = &r->e->spf_ips;
	enum bg_spf_result res;

	list[0] = mech[0] = '\0';
	for (size_t i = 0; i < ips->n; i++) {
		if ((res = bg_spf_check(r->spf, ips->v[i], domain, NULL, 0)) == BG_SPF_PASS)
			continue;
		cat(list, listlen, "%s%s %s", list[0] != '\0' ? ", " : "", ips->v[i], bg_spf_result_name(res));
		cat(mech, mechlen, " %s:%s", strchr(ips->v[i], ':') != NULL ? "ip6" : "ip4", ips->v[i]);
	}
}

/* Prints the SPF record that authorises the mechanisms mech too: the current one with them first, or a new one. */
static void
spf_publish(struct run *r, const char *domain, const char *mech)
{
	char *cur = spf_record(r, domain), *rec;
	size_t len = strlen(mech) + (cur != NULL ? strlen(cur) : 0) + 16;

	rec = bg_xcalloc(1, len);
	if (cur != NULL)
		snprintf(rec, len, "v=spf1%s%s", mech, cur + 6);
	else
		snprintf(rec, len, "v=spf1%s -all", mech);
	publish(cur != NULL ? "replace with" : "publish", domain, rec);
	free(rec);
	free(cur);
}

/* Checks that domain's SPF record authorises every spf_ips address; role names the domain's part. */
static void
check_spf(struct run *r, const char *domain, const char *role)
{
	char subject[BG_DNS_NAME_MAX + 32], why[BG_SPF_EXPLAIN_MAX + 64], list[LINE_MAX_ / 2], mech[LINE_MAX_];
	enum bg_spf_result res = bg_spf_check_all(r->spf, &r->e->spf_ips, domain, why, sizeof(why));

	snprintf(subject, sizeof(subject), "%s%s", domain, role);
	spf_unpassed(r, domain, list, sizeof(list), mech, sizeof(mech));
	switch (res) {
	case BG_SPF_PASS:
		for (size_t i = 0; i < r->e->spf_ips.n; i++)
			cat(list, sizeof(list), "%s%s", i > 0 ? ", " : "", r->e->spf_ips.v[i]);
		say(r, OK, "spf", subject, "pass for %s", list);
		return;
	case BG_SPF_TEMPERROR: say(r, FAIL, "spf", subject, "could not be checked (%s)", why); return;
	case BG_SPF_PERMERROR: say(r, FAIL, "spf", subject, "permerror, the record is broken (%s)", why); return;
	case BG_SPF_NONE: say(r, FAIL, "spf", subject, "none: no SPF record"); break;
	default: say(r, FAIL, "spf", subject, "not authorised: %s", list); break;
	}
	spf_publish(r, domain, mech);
}

/* Runs the SPF checks: every sender domain, then the return_path_domain. */
static void
spf_checks(struct run *r)
{
	const struct bg_entity *e = r->e;

	char subject[BG_DNS_NAME_MAX + 16];

	if (e->spf_ips.n == 0) {
		snprintf(subject, sizeof(subject), "entity %s", e->name);
		say(r, WARN, "spf", subject, "no spf_ips configured");
		return;
	}
	for (size_t i = 0; i < e->sender_domains.n; i++)
		check_spf(r, e->sender_domains.v[i], "");
	if (e->return_path_domain != NULL && !bg_strlist_has(&e->sender_domains, e->return_path_domain))
		check_spf(r, e->return_path_domain, " (return_path_domain)");
}

/* ---- DKIM ---- */

/* Refuses to ask for a passphrase: an encrypted key is not one the milter can use. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* Names a libcrypto key type for messages. */
static const char *
key_type(int id)
{
	const char *sn;

	if (id == EVP_PKEY_RSA)
		return "RSA";
	if (id == EVP_PKEY_ED25519)
		return "Ed25519";
	return (sn = OBJ_nid2sn(id)) != NULL ? sn : "unknown";
}

/* Derives key's public key as DNS publishes it for algorithm; returns 0, or -1 with why. */
static int
key_export(EVP_PKEY *key, enum bg_dkim_alg algorithm, struct pubkey *pk, char *why, size_t whylen)
{
	int id = EVP_PKEY_get_base_id(key), len;
	unsigned char *der = NULL;

	if (id == EVP_PKEY_ED25519 && algorithm == BG_DKIM_ED25519_SHA256) {
		pk->k = "ed25519";
		pk->bits = 256;
		pk->len = 32;
		pk->bytes = bg_xcalloc(1, pk->len);
		if (EVP_PKEY_get_raw_public_key(key, pk->bytes, &pk->len) == 1 && pk->len == 32)
			return 0;
	} else if (id == EVP_PKEY_RSA && algorithm == BG_DKIM_RSA_SHA256) {
		pk->k = "rsa";
		pk->bits = EVP_PKEY_get_bits(key);
		if ((len = i2d_PUBKEY(key, &der)) > 0) {
			pk->bytes = bg_xcalloc(1, (size_t)len);
			memcpy(pk->bytes, der, (size_t)len);
			pk->len = (size_t)len;
			OPENSSL_free(der);
			return 0;
		}
	} else {
		snprintf(why, whylen, "an %s key, but the algorithm is %s", key_type(id), bg_dkim_alg_name(algorithm));
		return -1;
	}
	snprintf(why, whylen, "libcrypto cannot derive its public key");
	return -1;
}

/* Loads the PEM private key at path and derives its public key; returns 0, or -1 with why. */
static int
key_public(const char *path, enum bg_dkim_alg algorithm, struct pubkey *pk, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *key;
	int rc;

	if (f == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (key == NULL) {
		ERR_clear_error();
		snprintf(why, whylen, "not an unencrypted PEM private key");
		return -1;
	}
	rc = key_export(key, algorithm, pk, why, whylen);
	EVP_PKEY_free(key);
	return rc;
}

/* True when the base64 value p (blanks allowed, padding or not) decodes to pk's bytes. */
static bool
key_matches(const char *p, const struct pubkey *pk)
{
	size_t max = strlen(p), len;
	unsigned char *bin = bg_xcalloc(1, max + 1);
	bool same;

	same = (sodium_base642bin(bin, max, p, strlen(p), " \t\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 ||
	        sodium_base642bin(bin, max, p, strlen(p), " \t\r\n", &len, NULL,
	                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0) &&
	       len == pk->len && memcmp(bin, pk->bytes, len) == 0;
	free(bin);
	return same;
}

/* Says in problem (len bytes) what is wrong with the key record rec for pk, or leaves it empty. */
static void
dkim_problem(const char *rec, const struct pubkey *pk, const char *path, char *problem, size_t len)
{
	size_t vlen = strlen(rec) + 1;
	char *v = bg_xcalloc(3, vlen), *k = v + vlen, *p = k + vlen, shown[SHOWN_MAX + 1];
	int hv, hk, hp, pv = 0, pos;

	hv = tag_get(rec, "v", v, vlen, &pv);
	hk = tag_get(rec, "k", k, vlen, &pos);
	hp = tag_get(rec, "p", p, vlen, &pos);
	if (hv < 0 || hk < 0 || hp < 0)
		snprintf(problem, len, "not a DKIM key record (malformed tag list, or a tag twice)");
	else if (hv == 1 && (pv != 0 || strcmp(v, "DKIM1") != 0))
		snprintf(problem, len, "v=%s: must be v=DKIM1, first, or absent",
		         clean(shown, sizeof(shown), v, SHOWN_MAX));
	else if (strcmp(hk == 1 ? k : "rsa", pk->k) != 0)
		snprintf(problem, len, "k=%s, but the key is %s",
		         hk == 1 ? clean(shown, sizeof(shown), k, SHOWN_MAX) : "rsa (no k=)", pk->k);
	else if (hp == 0)
		snprintf(problem, len, "no p= in the record");
	else if (*p == '\0')
		snprintf(problem, len, "p= is empty: the key is revoked");
	else if (!key_matches(p, pk))
		snprintf(problem, len, "p= is not the public key of %s", path);
	free(v);
}

/* Prints the key record of pk to publish at name. */
static void
dkim_publish(const char *how, const char *name, const struct pubkey *pk)
{
	size_t b64len = sodium_base64_ENCODED_LEN(pk->len, sodium_base64_VARIANT_ORIGINAL), len = b64len + 32;
	char *b64 = bg_xcalloc(1, b64len), *rec = bg_xcalloc(1, len);

	sodium_bin2base64(b64, b64len, pk->bytes, pk->len, sodium_base64_VARIANT_ORIGINAL);
	snprintf(rec, len, "v=DKIM1; k=%s; p=%s", pk->k, b64);
	publish(how, name, rec);
	free(b64);
	free(rec);
}

/* Judges the n TXT records at name against pk and prints the line, with the record to publish. */
static void
dkim_judge(struct run *r, const struct bg_dkim_conf *d, const char *subject, const char *name, const struct pubkey *pk,
           char **txt, size_t n)
{
	char problem[LINE_MAX_] = "";

	if (n == 0)
		snprintf(problem, sizeof(problem), "no TXT record");
	else if (n > 1)
		snprintf(problem, sizeof(problem), "%zu TXT records, a verifier may use any: keep one", n);
	else
		dkim_problem(txt[0], pk, d->key, problem, sizeof(problem));
	if (problem[0] == '\0') {
		if (d->algorithm == BG_DKIM_ED25519_SHA256)
			say(r, OK, "dkim", subject, "matches the ed25519-sha256 key");
		else
			say(r, OK, "dkim", subject, "matches the rsa-sha256 key (%d bits)", pk->bits);
		return;
	}
	say(r, FAIL, "dkim", subject, "%s", problem);
	dkim_publish(n == 0 ? "publish" : "replace with", name, pk);
}

/* Checks one dkim block: its key is usable and published at <selector>._domainkey.<domain>. */
static void
check_dkim(struct run *r, const struct bg_dkim_conf *d, const char *role)
{
	char name[BG_DNS_NAME_MAX + 2], subject[BG_DNS_NAME_MAX + 16], why[256], **txt = NULL;
	struct pubkey pk = {0};
	size_t n = 0;

	snprintf(name, sizeof(name), "%s._domainkey.%s", d->selector, d->domain);
	snprintf(subject, sizeof(subject), "%s%s", name, role);
	if (key_public(d->key, d->algorithm, &pk, why, sizeof(why)) < 0) {
		say(r, FAIL, "dkim", subject, "key %s: %s", d->key, why);
		r->bad_key = true;
	} else if (strcmp(pk.k, "rsa") == 0 && pk.bits < RSA_MIN) {
		say(r, FAIL, "dkim", subject, "RSA key of %d bits in %s: RFC 8301 asks for %d or more", pk.bits, d->key,
		    RSA_MIN);
		printf("  make a new key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:%d -out %s\n",
		       RSA_MIN, d->key);
	} else if (bg_dns_txt(r->spf, name, &txt, &n, why, sizeof(why)) < 0) {
		say(r, FAIL, "dkim", subject, "could not be checked (%s)", why);
	} else {
		dkim_judge(r, d, subject, name, &pk, txt, n);
	}
	bg_dns_txt_free(txt, n);
	free(pk.bytes);
}

/* Runs the DKIM checks: the entity's blocks, then the esp's. */
static void
dkim_checks(struct run *r)
{
	for (size_t i = 0; i < r->e->n_dkim; i++)
		check_dkim(r, &r->e->dkim[i], "");
	for (size_t i = 0; i < r->cfg->n_esp_dkim; i++)
		check_dkim(r, &r->cfg->esp_dkim[i], " (esp)");
}

/* ---- DMARC ---- */

/* True when txt starts with the DMARC version tag, v=DMARC1 (RFC 7489 6.4: blanks around '=' allowed). */
static bool
is_dmarc(const char *txt)
{
	if (*txt++ != 'v')
		return false;
	txt += strspn(txt, " \t");
	if (*txt++ != '=')
		return false;
	txt += strspn(txt, " \t");
	return strncmp(txt, "DMARC1", 6) == 0 && strchr("; \t", txt[6]) != NULL;
}

/* Counts the DMARC records at _dmarc.<domain>, the first copied to *rec (the caller frees); -1 with err. */
static int
dmarc_lookup(struct run *r, const char *domain, char **rec, char *err, size_t errlen)
{
	char name[BG_DNS_NAME_MAX + 16], **txt;
	size_t n;
	int count = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	if (bg_dns_txt(r->spf, name, &txt, &n, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (is_dmarc(txt[i]) && count++ == 0)
			*rec = bg_xstrdup(txt[i]);
	bg_dns_txt_free(txt, n);
	return count;
}

/* Sets org to the organisational domain of domain (libpsl) and returns true when it is a parent of domain. */
static bool
org_domain(const char *domain, char *org, size_t len)
{
	return bg_orgdomain(domain, org, len) == 0 && strcasecmp(org, domain) != 0;
}

/* Judges the one DMARC record rec found at _dmarc.<at> for domain; parent: at is its organisational domain. */
static void
dmarc_judge(struct run *r, const char *domain, const char *at, bool parent, const char *rec)
{
	char policy[16] = "", sp[sizeof(policy)] = "", shown[SHOWN_MAX + 1];
	const char *tag = "p";
	int pos, rc = tag_get(rec, "p", policy, sizeof(policy), &pos);

	if (parent && tag_get(rec, "sp", sp, sizeof(sp), &pos) == 1) {
		tag = "sp";
		memcpy(policy, sp, sizeof(policy));
	}
	if (rc < 0 || (strcasecmp(policy, "none") != 0 && strcasecmp(policy, "quarantine") != 0 &&
	               strcasecmp(policy, "reject") != 0))
		say(r, FAIL, "dmarc", domain, "no valid p= (none, quarantine or reject) at _dmarc.%s%s%s", at,
		    parent ? " (" ORG_NOTE ")" : "", rc < 0 ? ": malformed tag list" : "");
	else
		say(r, strcasecmp(policy, "none") == 0 ? WARN : OK, "dmarc", domain, "%s=%s at _dmarc.%s%s%s", tag,
		    clean(shown, sizeof(shown), policy, SHOWN_MAX), at, parent ? " (" ORG_NOTE ")" : "",
		    strcasecmp(policy, "none") == 0 ? ": monitoring only, receivers neither quarantine nor reject"
		                                    : "");
}

/* Checks that domain, or its organisational domain, publishes one DMARC record with a policy. */
static void
check_dmarc(struct run *r, const char *domain)
{
	char org[BG_DNS_NAME_MAX + 1], err[128], name[BG_DNS_NAME_MAX + 16], rec[BG_DNS_NAME_MAX + 64];
	char *found = NULL;
	const char *at = domain;
	bool parent = false;
	int n = dmarc_lookup(r, domain, &found, err, sizeof(err));

	if (n == 0 && org_domain(domain, org, sizeof(org))) {
		parent = true;
		at = org;
		n = dmarc_lookup(r, org, &found, err, sizeof(err));
	}
	snprintf(name, sizeof(name), "_dmarc.%s", at);
	if (n < 0) {
		say(r, FAIL, "dmarc", domain, "could not be checked (%s: %s)", name, err);
	} else if (n == 0) {
		say(r, FAIL, "dmarc", domain, "no DMARC record at _dmarc.%s%s%s%s", domain, parent ? " or " : "",
		    parent ? name : "", parent ? " (" ORG_NOTE ")" : "");
		snprintf(rec, sizeof(rec), "v=DMARC1; p=none; rua=mailto:dmarc-reports@%s", at);
		publish("publish", name, rec);
	} else if (n > 1) {
		say(r, FAIL, "dmarc", domain, "%d DMARC records at %s: receivers ignore them all, keep one", n, name);
	} else {
		dmarc_judge(r, domain, at, parent, found);
	}
	free(found);
}

/* Runs the DMARC checks, one per sender domain. */
static void
dmarc_checks(struct run *r)
{
	for (size_t i = 0; i < r->e->sender_domains.n; i++)
		check_dmarc(r, r->e->sender_domains.v[i]);
}

/* ---- alignment ---- */

/* The alignment modes the DMARC policy of a domain asks for: adkim= and aspf= (r by default, RFC 7489 6.3). */
struct modes {
	bool dkim_strict, spf_strict;
};

/* Reads adkim and aspf from the DMARC record of domain or, failing that, of its organisational domain. */
static struct modes
dmarc_modes(struct run *r, const char *domain)
{
	char org[BG_DNS_NAME_MAX + 1], err[128], v[8];
	char *rec = NULL;
	struct modes m = {false, false};
	int pos;

	if (dmarc_lookup(r, domain, &rec, err, sizeof(err)) == 0 && org_domain(domain, org, sizeof(org)))
		dmarc_lookup(r, org, &rec, err, sizeof(err));
	if (rec != NULL) {
		m.dkim_strict = tag_get(rec, "adkim", v, sizeof(v), &pos) == 1 && strcasecmp(v, "s") == 0;
		m.spf_strict = tag_get(rec, "aspf", v, sizeof(v), &pos) == 1 && strcasecmp(v, "s") == 0;
	}
	free(rec);
	return m;
}

/* True when a aligns with b: the same name (strict), or the same organisational domain (relaxed). */
static bool
aligned(const char *a, const char *b, bool strict)
{
	return strict ? strcasecmp(a, b) == 0 : bg_orgdomain_aligned(a, b);
}

/* True when a dkim block of e before block i has the same d=. */
static bool
seen_before(const struct bg_entity *e, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcasecmp(e->dkim[j].domain, e->dkim[i].domain) == 0)
			return true;
	return false;
}

/* Checks that an entity dkim block's d= aligns with domain under the domain's adkim. */
static void
check_align(struct run *r, const char *domain, const struct modes *m)
{
	const struct bg_entity *e = r->e;
	const char *mode = m->dkim_strict ? " (adkim=s)" : "";
	char ds[LINE_MAX_ / 2] = "";

	for (size_t i = 0; i < e->n_dkim; i++) {
		if (aligned(domain, e->dkim[i].domain, m->dkim_strict)) {
			say(r, OK, "align", domain, "DKIM d=%s%s", e->dkim[i].domain, mode);
			return;
		}
		if (!seen_before(e, i))
			cat(ds, sizeof(ds), "%sd=%s", ds[0] != '\0' ? ", " : "", e->dkim[i].domain);
	}
	say(r, FAIL, "align", domain, "DKIM d= does not align with From%s (%s)", mode,
	    e->n_dkim > 0 ? ds : "no dkim block");
	printf("  add to entity \"%s\": dkim { domain = \"%s\" selector = ... key = ... }\n", e->name, domain);
}

/*
 * Says whether the return path (return_path_domain) aligns with domain
 * under the domain's aspf. DMARC passes with one aligned mechanism and the
 * DKIM check above is the one bulkguard needs, so this line informs.
 */
static void
check_spf_align(struct run *r, const char *domain, const struct modes *m)
{
	const char *rpd = r->e->return_path_domain, *mode = m->spf_strict ? "aspf=s" : "aspf=r";

	if (rpd == NULL || *rpd == '\0')
		return;
	if (aligned(domain, rpd, m->spf_strict))
		say(r, OK, "aspf", domain, "return path %s aligned (%s)", rpd, mode);
	else
		say(r, OK, "aspf", domain, "return path %s not aligned (%s): DMARC rests on the DKIM signature", rpd,
		    mode);
}

/* Runs the alignment checks, one per sender domain, under its DMARC policy's adkim and aspf. */
static void
align_checks(struct run *r)
{
	for (size_t i = 0; i < r->e->sender_domains.n; i++) {
		struct modes m = dmarc_modes(r, r->e->sender_domains.v[i]);
		check_align(r, r->e->sender_domains.v[i], &m);
		check_spf_align(r, r->e->sender_domains.v[i], &m);
	}
}

/* ---- the command ---- */

/* Parses --zone into *zone; returns the index of the entity operand, or -1. */
static int
args(int argc, char **argv, const char **zone)
{
	static const struct option longopts[] = {
	    {"zone", required_argument, NULL, 'z'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 0; /* glibc: start afresh on this argv */
	while ((ch = getopt_long(argc, argv, "z:", longopts, NULL)) != -1) {
		if (ch != 'z')
			return -1;
		*zone = optarg;
	}
	return optind == argc - 1 ? optind : -1;
}

/* Makes the lookup handle: real DNS, or the zone file at zone; prints why not and returns NULL. */
static struct bg_spf *
resolver(const char *zone)
{
	char err[512];
	struct bg_spf *spf = zone != NULL ? bg_spf_new_zone(BG_SPF_CACHE_TTL, err, sizeof(err))
	                                  : bg_spf_new(BG_SPF_CACHE_TTL, 1, err, sizeof(err));

	if (spf != NULL && zone != NULL && bg_spf_zone_load(spf, zone, err, sizeof(err)) < 0) {
		bg_spf_free(spf);
		spf = NULL;
	}
	if (spf == NULL)
		fprintf(stderr, NAME ": check-dns: %s\n", err);
	return spf;
}

int
ctl_dns(const struct bg_config *cfg, int argc, char **argv)
{
	const char *zone = NULL;
	int i = args(argc, argv, &zone);
	struct run r = {.cfg = cfg};

	if (i < 0)
		return usage();
	if ((r.e = bg_config_entity_named(cfg, argv[i])) == NULL) {
		fprintf(stderr, NAME ": check-dns: no entity \"%s\" in %s\n", argv[i], cfg->file);
		return EX_USAGE;
	}
	if ((r.spf = resolver(zone)) == NULL)
		return EX_CONFIG;
	spf_checks(&r);
	dkim_checks(&r);
	dmarc_checks(&r);
	align_checks(&r);
	r.fails += ctl_ptr_checks(cfg, r.e, r.spf, &r.warns);
	bg_spf_free(r.spf);
	fflush(stdout);
	return r.bad_key ? EX_CONFIG : r.fails > 0 ? 1 : 0;
}
