/*
 * bg_dkim.c - DKIM signing with libopendkim (see bg_dkim.h).
 *
 * Keys: each dkim block's key file is opened once, checked with fstat (a
 * regular file, no group or other permission bits, as OpenDKIM demands) and
 * read into memory; libcrypto checks that it is an unencrypted PEM private key
 * of the block's type (RSA of 2048 bits or more, or Ed25519), and a test
 * signature proves that libopendkim can use it. Keys never leave memory and
 * are zeroed when freed.
 *
 * libopendkim facts this file relies on (2.11.0~beta2, checked in its source
 * and in tests/unit/test_dkim.c):
 * - dkim_sign copies the PEM into the handle and parses it again at every
 *   dkim_eom; that copy and the canonicalised headers are freed without
 *   being cleared. So libopendkim allocates through zalloc/zfree: each
 *   handle's blocks sit on a list in its struct sig, are zeroed when freed,
 *   and whatever dkim_free leaves behind is zeroed and freed after it.
 * - dkim_free forgets an Ed25519 handle's key: the EVP_PKEY (private key
 *   included) and the signature buffer leak, ~1 KB a signature (fixed
 *   upstream in 2026, OpenDKIM PR #321). ed25519_unleak frees the EVP_PKEY
 *   after finding its struct among the handle's blocks by layout AND content
 *   (sizes, the signature buffer being one of the handle's blocks, the key
 *   equal to ours); when anything differs it does nothing. A fixed library
 *   then finds NULL and frees nothing twice.
 * - dkim_sign keeps the id pointer without copying it: the run owns a copy.
 * - Once options are set, the library handle is only read (the signed-header
 *   regex goes through glibc regexec, which locks); per-message handles are
 *   independent. So one handle serves every thread.
 * - Without help, a bare LF in the body is hashed as it is, while the MTA
 *   sends it as CRLF: the signature would fail. DKIM_LIBFLAGS_FIXCRLF would
 *   fix that, but it also copies every header through a buffer capped at
 *   64 KB and silently signs a truncated header when one is longer (Postfix
 *   allows 100 KB). So the flag stays off and this file makes CRLF itself:
 *   in headers (folds) and in the body (across chunk boundaries too).
 * - DKIM_OPTS_MINKEYBITS also applies when signing, to RSA only.
 * - dkim_privkey_load (at dkim_eom) reads the key it was given with
 *   PEM_read_bio_PrivateKey on a memory BIO of a copy of our bytes, and frees
 *   what it gets with EVP_PKEY_free (RSA) or not at all (Ed25519, see above).
 *   OpenSSL 3.0 spends ~4.3 million instructions on each such parse (decoder
 *   set-up), and a fresh RSA key sets up its blinding again (~4.7 million):
 *   two thirds of the milter's CPU. bg_dkim_key_cached answers the parse with
 *   the key parsed at load, for programs that wrap it (bg_dkim_wrap.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <dkim.h>

#include "bg_dkim.h"
#include "bg_dkim_int.h"
#include "bg_orgdomain.h"

/* what precedes a signature value on its first line: "DKIM-Signature: " */
#define SIGHDR_INDENT (sizeof(DKIM_SIGNHEADER) - 1 + 2)

/* clang-format off */
/* Headers signed when present (lower case, as libopendkim compares without case). */
static const char *sign_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to", "references",
	"mime-version", "content-type", "content-transfer-encoding", "list-id", "list-unsubscribe",
	"list-unsubscribe-post", "feedback-id", NULL,
};

/* Headers signed once more than they occur: adding one breaks the signature. */
static const char *oversign_headers[] = {
	"from", "reply-to", "subject", "list-unsubscribe", "list-unsubscribe-post", NULL,
};
/* clang-format on */

/* The head of every block zalloc hands out: a list per handle, and the size. */
struct blk {
	struct blk *next, *prev; /* NULL when allocated without a closure */
	size_t size;
	size_t pad; /* keeps the caller's block aligned as malloc's */
};

struct bg_dkim_keys {
	DKIM_LIB *lib;
	struct key *v;
	size_t n;
	struct bg_dkim_keys *next; /* on the list of loaded keys objects */
};

/* Every keys object bg_dkim_keys_load made and bg_dkim_keys_free has not freed yet. */
static pthread_mutex_t loaded_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bg_dkim_keys *loaded;

/* One signature being made: its key, libopendkim handle and the handle's memory. */
struct sig {
	const struct key *key;
	DKIM *d;
	struct blk mem; /* list head of the handle's blocks */
	char *value;    /* the header value, once made */
};

struct bg_dkim_run {
	const struct bg_dkim_keys *k;
	char *id;
	struct sig *v;
	size_t n;
	bool failed;
	bool ended;   /* bg_dkim_end succeeded: nothing more to feed */
	bool last_cr; /* the body's last byte so far was a CR */
	char *hdr;    /* "Name:value" with CRLF folds, for dkim_header */
	size_t hdrcap;
	unsigned char *fix; /* a body chunk with its bare LFs made CRLF */
	size_t fixcap;
	char err[512];
};

/* libopendkim's malloc: the block goes on the list closure (a struct blk head) when there is one. */
static void *
zalloc(void *closure, size_t n)
{
	struct blk *b, *head = closure;

	if (n > SIZE_MAX - sizeof(*b) || (b = malloc(sizeof(*b) + n)) == NULL)
		return NULL;
	b->size = n;
	b->next = b->prev = NULL;
	if (head != NULL) {
		b->next = head->next;
		b->prev = head;
		head->next->prev = b;
		head->next = b;
	}
	return b + 1;
}

/* libopendkim's free: takes the block off its list and clears it. */
static void
zfree(void *closure, void *ptr)
{
	struct blk *b;

	(void)closure;
	if (ptr == NULL)
		return;
	b = (struct blk *)ptr - 1;
	if (b->next != NULL) {
		b->prev->next = b->next;
		b->next->prev = b->prev;
	}
	explicit_bzero(b, sizeof(*b) + b->size);
	free(b);
}

/* Sets one list option; returns 0 or -1. */
static int
set_list(DKIM_LIB *lib, dkim_opts_t opt, const char **list)
{
	return dkim_options(lib, DKIM_OP_SETOPT, opt, list, sizeof(const char **)) == DKIM_STAT_OK ? 0 : -1;
}

/* Makes the library handle with bulkguard's options; NULL when libopendkim refuses one. */
static DKIM_LIB *
lib_new(char *err, size_t errlen)
{
	DKIM_LIB *lib = dkim_init(zalloc, zfree);
	u_int flags = 0, minbits = RSA_MIN_BITS;

	if (lib == NULL) {
		bg_dkim_seterr(err, errlen, "dkim_init failed");
		return NULL;
	}
	if (!dkim_libfeature(lib, DKIM_FEATURE_ED25519) || !dkim_libfeature(lib, DKIM_FEATURE_OVERSIGN) ||
	    !dkim_libfeature(lib, DKIM_FEATURE_SHA256)) {
		bg_dkim_seterr(err, errlen, "libopendkim lacks Ed25519, SHA-256 or over-signing");
		goto fail;
	}
	if (dkim_options(lib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != DKIM_STAT_OK)
		goto opt;
	flags &= ~(u_int)(DKIM_LIBFLAGS_SIGNLEN | DKIM_LIBFLAGS_FIXCRLF); /* never l=; see above */
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof(minbits)) != DKIM_STAT_OK ||
	    set_list(lib, DKIM_OPTS_SIGNHDRS, sign_headers) < 0 ||
	    set_list(lib, DKIM_OPTS_OVERSIGNHDRS, oversign_headers) < 0)
		goto opt;
	return lib;
opt:
	bg_dkim_seterr(err, errlen, "libopendkim refused an option");
fail:
	dkim_close(lib);
	return NULL;
}

/* Starts a libopendkim signing handle for key in s; returns DKIM_STAT_OK or why not. */
static DKIM_STAT
sig_start(DKIM_LIB *lib, struct sig *s, const struct key *key, const char *id)
{
	dkim_alg_t alg = key->algorithm == BG_DKIM_ED25519_SHA256 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
	DKIM_STAT st = DKIM_STAT_OK;

	s->key = key;
	s->mem.next = s->mem.prev = &s->mem;
	s->d = dkim_sign(lib, (const unsigned char *)id, &s->mem, key->pem, (const unsigned char *)key->selector,
	                 (const unsigned char *)key->domain, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &st);
	return s->d != NULL ? DKIM_STAT_OK : st != DKIM_STAT_OK ? st : DKIM_STAT_NORESOURCE;
}

/* struct dkim_crypto of libopendkim 2.11.0~beta2 built with OpenSSL (dkim-types.h). */
struct odkim_crypto {
	unsigned char crypto_pad;
	int crypto_keysize;
	size_t crypto_inlen;
	size_t crypto_outlen;
	EVP_PKEY *crypto_pkey;
	void *crypto_key;
	BIO *crypto_keydata;
	unsigned char *crypto_in;
	unsigned char *crypto_out;
};

/* True when p is the caller's part of one of s's blocks, of size n. */
static bool
sig_owns(const struct sig *s, const void *p, size_t n)
{
	for (const struct blk *b = s->mem.next; b != &s->mem; b = b->next)
		if ((const void *)(b + 1) == p)
			return b->size == n;
	return false;
}

/*
 * Frees the EVP_PKEY that dkim_free leaves behind for an Ed25519 signature
 * (see the top of this file). The crypto struct is recognised by its size,
 * its Ed25519 sizes (512 bits, 64-byte output), its RSA fields being empty,
 * its output buffer being one of the handle's 64-byte blocks, and its key
 * being equal to ours; the field is then set to NULL.
 */
static void
ed25519_unleak(struct sig *s)
{
	for (struct blk *b = s->mem.next; s->key->algorithm == BG_DKIM_ED25519_SHA256 && b != &s->mem; b = b->next) {
		struct odkim_crypto *c = (struct odkim_crypto *)(b + 1);
		if (b->size != sizeof(*c) || c->crypto_pad != 0 || c->crypto_keysize != 512 || c->crypto_outlen != 64 ||
		    c->crypto_pkey == NULL || c->crypto_key != NULL || c->crypto_in != NULL || c->crypto_out == NULL ||
		    !sig_owns(s, c->crypto_out, 64))
			continue;
		if (EVP_PKEY_eq(c->crypto_pkey, s->key->pk) == 1) {
			EVP_PKEY_free(c->crypto_pkey);
			c->crypto_pkey = NULL;
		}
		return;
	}
}

/* Frees s's handle, then zeroes and frees whatever libopendkim left of its memory. */
static void
sig_stop(struct sig *s)
{
	if (s->d != NULL) {
		ed25519_unleak(s);
		dkim_free(s->d);
		s->d = NULL;
	}
	while (s->mem.next != NULL && s->mem.next != &s->mem)
		zfree(NULL, s->mem.next + 1);
}

/* Signs a two-line message with key so that a key libopendkim cannot use is found now. */
static int
key_test_sign(DKIM_LIB *lib, const struct key *key, char *why, size_t whylen)
{
	char from[300];
	unsigned char *sig;
	size_t siglen;
	struct sig s = {0};
	DKIM_STAT st = sig_start(lib, &s, key, "key-check");

	if (st != DKIM_STAT_OK) {
		bg_dkim_seterr(why, whylen, "libopendkim refuses it: %s", dkim_getresultstr(st));
		sig_stop(&s);
		return -1;
	}
	snprintf(from, sizeof(from), "From: <postmaster@%s>", key->domain);
	if ((st = dkim_header(s.d, (unsigned char *)from, strlen(from))) == DKIM_STAT_OK &&
	    (st = dkim_eoh(s.d)) == DKIM_STAT_OK &&
	    (st = dkim_body(s.d, (unsigned char *)"test\r\n", 6)) == DKIM_STAT_OK &&
	    (st = dkim_eom(s.d, NULL)) == DKIM_STAT_OK)
		st = dkim_getsighdr_d(s.d, SIGHDR_INDENT, &sig, &siglen);
	if (st != DKIM_STAT_OK)
		bg_dkim_seterr(why, whylen, "libopendkim cannot sign with it: %s%s%s", dkim_getresultstr(st),
		               dkim_geterror(s.d) ? ": " : "", dkim_geterror(s.d) ? dkim_geterror(s.d) : "");
	sig_stop(&s);
	return st == DKIM_STAT_OK ? 0 : -1;
}

/* Loads one dkim block's key into key; returns 0 or -1 with "file:line: ..." in err. */
static int
key_load(DKIM_LIB *lib, const char *file, const struct bg_dkim_conf *c, bool esp, struct key *key, char *err,
         size_t errlen)
{
	char why[256] = "";

	key->domain = bg_xstrdup(c->domain);
	key->selector = bg_xstrdup(c->selector);
	key->path = bg_xstrdup(c->key);
	key->algorithm = c->algorithm;
	key->esp = esp;
	if (key->domain == NULL || key->selector == NULL || key->path == NULL || *key->path == '\0')
		bg_dkim_seterr(why, sizeof(why), "dkim needs domain, selector and key");
	else if (bg_dkim_key_read(key, why, sizeof(why)) == 0 && bg_dkim_key_check(key, why, sizeof(why)) == 0 &&
	         key_test_sign(lib, key, why, sizeof(why)) == 0)
		return 0;
	bg_dkim_seterr(err, errlen, "%s:%d: dkim key %s: %s", file ? file : "(config)", c->line, c->key ? c->key : "",
	               why);
	return -1;
}

/* Puts k on the list of loaded keys objects. */
static void
loaded_add(struct bg_dkim_keys *k)
{
	pthread_mutex_lock(&loaded_lock);
	k->next = loaded;
	loaded = k;
	pthread_mutex_unlock(&loaded_lock);
}

/* Takes k off the list of loaded keys objects, if it is on it. */
static void
loaded_remove(struct bg_dkim_keys *k)
{
	pthread_mutex_lock(&loaded_lock);
	for (struct bg_dkim_keys **p = &loaded; *p != NULL; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			break;
		}
	pthread_mutex_unlock(&loaded_lock);
}

struct evp_pkey_st *
bg_dkim_key_cached(const void *buf, size_t len)
{
	EVP_PKEY *pk = NULL;

	pthread_mutex_lock(&loaded_lock);
	for (const struct bg_dkim_keys *k = loaded; k != NULL && pk == NULL; k = k->next)
		for (size_t i = 0; i < k->n && pk == NULL; i++)
			if (k->v[i].pemlen == len && CRYPTO_memcmp(k->v[i].pem, buf, len) == 0 &&
			    EVP_PKEY_up_ref(k->v[i].pk) == 1)
				pk = k->v[i].pk;
	pthread_mutex_unlock(&loaded_lock);
	return pk;
}

/* Loads the n blocks of c into k; returns 0 or -1. */
static int
load_blocks(struct bg_dkim_keys *k, const struct bg_config *cfg, const struct bg_dkim_conf *c, size_t n, bool esp,
            char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (key_load(k->lib, cfg->file, &c[i], esp, &k->v[k->n], err, errlen) < 0) {
			bg_dkim_key_clear(&k->v[k->n]);
			return -1;
		}
		k->n++;
	}
	return 0;
}

struct bg_dkim_keys *
bg_dkim_keys_load(const struct bg_config *cfg, char *err, size_t errlen)
{
	struct bg_dkim_keys *k = bg_xcalloc(1, sizeof(*k));
	size_t total = cfg->n_esp_dkim;

	for (size_t i = 0; i < cfg->n_entities; i++)
		total += cfg->entities[i].n_dkim;
	k->v = bg_xcalloc(total ? total : 1, sizeof(*k->v));
	if ((k->lib = lib_new(err, errlen)) == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->n_entities; i++)
		if (load_blocks(k, cfg, cfg->entities[i].dkim, cfg->entities[i].n_dkim, false, err, errlen) < 0)
			goto fail;
	if (load_blocks(k, cfg, cfg->esp_dkim, cfg->n_esp_dkim, true, err, errlen) < 0)
		goto fail;
	loaded_add(k);
	return k;
fail:
	bg_dkim_keys_free(k);
	return NULL;
}

size_t
bg_dkim_keys_count(const struct bg_dkim_keys *k)
{
	return k->n;
}

void
bg_dkim_keys_free(struct bg_dkim_keys *k)
{
	if (k == NULL)
		return;
	loaded_remove(k);
	for (size_t i = 0; i < k->n; i++)
		bg_dkim_key_clear(&k->v[i]);
	free(k->v);
	if (k->lib != NULL)
		dkim_close(k->lib);
	free(k);
}

/* Finds the loaded key of dkim block c, or NULL. */
static const struct key *
key_find(const struct bg_dkim_keys *k, const struct bg_dkim_conf *c)
{
	for (size_t i = 0; i < k->n; i++) {
		const struct key *key = &k->v[i];
		if (!key->esp && key->algorithm == c->algorithm && c->domain && c->selector && c->key &&
		    strcmp(key->domain, c->domain) == 0 && strcmp(key->selector, c->selector) == 0 &&
		    strcmp(key->path, c->key) == 0)
			return key;
	}
	return NULL;
}

/* Adds a signing handle for key to run; returns 0 or -1 with err set. */
static int
run_add(struct bg_dkim_run *run, const struct key *key, char *err, size_t errlen)
{
	struct sig *s = &run->v[run->n++];
	DKIM_STAT st = sig_start(run->k->lib, s, key, run->id);

	if (st != DKIM_STAT_OK) {
		bg_dkim_seterr(err, errlen, "dkim d=%s s=%s: dkim_sign: %s", key->domain, key->selector,
		               dkim_getresultstr(st));
		return -1;
	}
	return 0;
}

struct bg_dkim_run *
bg_dkim_begin(const struct bg_dkim_keys *k, const struct bg_entity *e, const char *id, char *err, size_t errlen)
{
	return bg_dkim_begin_for(k, e, NULL, id, err, errlen);
}

struct bg_dkim_run *
bg_dkim_begin_for(const struct bg_dkim_keys *k, const struct bg_entity *e, const char *from_domain, const char *id,
                  char *err, size_t errlen)
{
	struct bg_dkim_run *run = bg_xcalloc(1, sizeof(*run));
	size_t n_ent = e ? e->n_dkim : 0;

	run->k = k;
	run->id = bg_xstrdup(id ? id : "");
	run->v = bg_xcalloc(n_ent + k->n + 1, sizeof(*run->v));
	for (size_t i = 0; i < n_ent; i++) {
		if (from_domain != NULL && !bg_orgdomain_aligned(e->dkim[i].domain, from_domain))
			continue; /* this key may not sign for that From */
		const struct key *key = key_find(k, &e->dkim[i]);
		if (key == NULL) {
			bg_dkim_seterr(err, errlen, "dkim block of entity \"%s\" (line %d) has no loaded key", e->name,
			               e->dkim[i].line);
			goto fail;
		}
		if (run_add(run, key, err, errlen) < 0)
			goto fail;
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].esp && run_add(run, &k->v[i], err, errlen) < 0)
			goto fail;
	return run;
fail:
	bg_dkim_free(run);
	return NULL;
}

bool
bg_dkim_signs(const char *name)
{
	for (const char **h = sign_headers; *h != NULL; h++)
		if (strcasecmp(name, *h) == 0)
			return true;
	return false;
}

/* Records why signature s (NULL: none in particular) failed at step what; returns -1. */
static int
run_fail(struct bg_dkim_run *run, const struct sig *s, const char *what, DKIM_STAT st)
{
	const char *detail = s && s->d ? dkim_geterror(s->d) : NULL;

	if (s == NULL)
		bg_dkim_seterr(run->err, sizeof(run->err), "dkim: %s", what);
	else
		bg_dkim_seterr(run->err, sizeof(run->err), "dkim d=%s s=%s: %s: %s%s%s", s->key->domain,
		               s->key->selector, what, dkim_getresultstr(st), detail ? ": " : "", detail ? detail : "");
	run->failed = true;
	return -1;
}

/* True for a field name of RFC 5322: printable ASCII but the colon, at least one. */
static bool
field_name_ok(const char *name)
{
	if (*name == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return false;
	return true;
}

/* Builds "name:value" in run->hdr with every LF not after a CR made CRLF; returns its length. */
static size_t
hdr_build(struct bg_dkim_run *run, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value), need = nlen + 1 + 2 * vlen + 1, n;

	if (need > run->hdrcap) {
		run->hdr = bg_xreallocarray(run->hdr, need, 1);
		run->hdrcap = need;
	}
	memcpy(run->hdr, name, nlen);
	run->hdr[nlen] = ':';
	n = nlen + 1;
	for (size_t i = 0; i < vlen; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			run->hdr[n++] = '\r';
		run->hdr[n++] = value[i];
	}
	run->hdr[n] = '\0';
	return n;
}

/* Returns -1 when the run can take no more input (failed or ended), else 0. */
static int
run_closed(struct bg_dkim_run *run)
{
	if (run->ended && !run->failed)
		run_fail(run, NULL, "input after bg_dkim_end", DKIM_STAT_INVALID);
	return run->failed ? -1 : 0;
}

int
bg_dkim_header(struct bg_dkim_run *run, const char *name, const char *value)
{
	size_t len;

	if (run_closed(run) < 0)
		return -1;
	if (run->n == 0 || strcasecmp(name, DKIM_SIGNHEADER) == 0)
		return 0;
	if (!field_name_ok(name))
		return run_fail(run, NULL, "header with a bad field name", DKIM_STAT_SYNTAX);
	len = hdr_build(run, name, value);
	for (size_t i = 0; i < run->n; i++) {
		DKIM_STAT st = dkim_header(run->v[i].d, (unsigned char *)run->hdr, len);
		if (st != DKIM_STAT_OK)
			return run_fail(run, &run->v[i], "dkim_header", st);
	}
	return 0;
}

int
bg_dkim_eoh(struct bg_dkim_run *run)
{
	if (run_closed(run) < 0)
		return -1;
	for (size_t i = 0; i < run->n; i++) {
		DKIM_STAT st = dkim_eoh(run->v[i].d);
		if (st != DKIM_STAT_OK)
			return run_fail(run, &run->v[i], "dkim_eoh", st);
	}
	return 0;
}

/* True when buf has an LF without a CR before it (prev_cr: the byte before buf was a CR). */
static bool
has_bare_lf(const unsigned char *buf, size_t len, bool prev_cr)
{
	for (const unsigned char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))) != NULL; p++)
		if (p == buf ? !prev_cr : p[-1] != '\r')
			return true;
	return false;
}

/* Copies buf into run->fix with every bare LF made CRLF; returns the new length. */
static size_t
fix_bare_lf(struct bg_dkim_run *run, const unsigned char *buf, size_t len)
{
	size_t n = 0;

	if (2 * len > run->fixcap) {
		run->fix = bg_xreallocarray(run->fix, len, 2);
		run->fixcap = 2 * len;
	}
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n' && (i == 0 ? !run->last_cr : buf[i - 1] != '\r'))
			run->fix[n++] = '\r';
		run->fix[n++] = buf[i];
	}
	return n;
}

int
bg_dkim_body(struct bg_dkim_run *run, const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t n = len;

	if (run_closed(run) < 0)
		return -1;
	if (len == 0 || run->n == 0)
		return 0;
	if (has_bare_lf(buf, len, run->last_cr)) {
		n = fix_bare_lf(run, buf, len);
		p = run->fix;
	}
	run->last_cr = buf[len - 1] == '\r';
	for (size_t i = 0; i < run->n; i++) {
		/* libopendkim's prototype lacks const; it only reads the chunk */
		DKIM_STAT st = dkim_body(run->v[i].d, (unsigned char *)p, n);
		if (st != DKIM_STAT_OK)
			return run_fail(run, &run->v[i], "dkim_body", st);
	}
	return 0;
}

/* Turns libopendkim's header value (CRLF TAB folds) into a milter's: leading space, LF TAB folds. */
static char *
milter_value(const unsigned char *sig, size_t len)
{
	char *out = bg_xcalloc(1, len + 2);
	size_t n = 0;

	out[n++] = ' ';
	for (size_t i = 0; i < len; i++)
		if (sig[i] != '\r')
			out[n++] = (char)sig[i];
	out[n] = '\0';
	return out;
}

/* Computes signature s, stores its value and frees its handle; returns 0 or -1. */
static int
sig_finish(struct bg_dkim_run *run, struct sig *s)
{
	unsigned char *buf;
	size_t len;
	DKIM_STAT st = dkim_eom(s->d, NULL);

	if (st != DKIM_STAT_OK)
		return run_fail(run, s, "dkim_eom", st);
	st = dkim_getsighdr_d(s->d, SIGHDR_INDENT, &buf, &len);
	if (st != DKIM_STAT_OK)
		return run_fail(run, s, "dkim_getsighdr_d", st);
	s->value = milter_value(buf, len);
	sig_stop(s);
	return 0;
}

int
bg_dkim_end(struct bg_dkim_run *run)
{
	if (run_closed(run) < 0)
		return -1;
	for (size_t i = 0; i < run->n; i++)
		if (sig_finish(run, &run->v[i]) < 0)
			return -1;
	run->ended = true;
	return 0;
}

size_t
bg_dkim_count(const struct bg_dkim_run *run)
{
	return run->n;
}

const char *
bg_dkim_signature(const struct bg_dkim_run *run, size_t i)
{
	if (i >= run->n)
		abort(); /* a caller's bug */
	return run->v[run->n - 1 - i].value;
}

const char *
bg_dkim_error(const struct bg_dkim_run *run)
{
	return run->err;
}

void
bg_dkim_free(struct bg_dkim_run *run)
{
	if (run == NULL)
		return;
	for (size_t i = 0; i < run->n; i++) {
		sig_stop(&run->v[i]);
		free(run->v[i].value);
	}
	if (run->hdr != NULL) {
		explicit_bzero(run->hdr, run->hdrcap);
		free(run->hdr);
	}
	if (run->fix != NULL) {
		explicit_bzero(run->fix, run->fixcap);
		free(run->fix);
	}
	free(run->v);
	free(run->id);
	free(run);
}
