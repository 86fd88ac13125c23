/*
 * test_dkim.c - unit tests for DKIM signing (bg_dkim).
 *
 * Keys are made with `openssl genpkey` in a private directory. Loading:
 * RSA-2048 and Ed25519 accepted; refused with file, line and path in the
 * message: modes 0644 and 0640, a missing file, a directory, garbage, an
 * RSA-1024 key, a key of the other algorithm, an encrypted key. Signing:
 * an entity with RSA and Ed25519 plus an esp RSA block gives three
 * signatures in insertion order (esp first, the entity's first block last)
 * with the header list, over-signing and tags bulkguard wants; no dkim block
 * gives none; LF and CRLF folds, bare LF and CRLF bodies, any chunking and an
 * old DKIM-Signature header make no difference; bad input (or input after
 * the end) fails the run and it stays failed; a 150 KB header signs; runs in
 * parallel threads share one keys object. Signatures are deterministic
 * (PKCS#1 v1.5, Ed25519) and this program pins the clock libopendkim reads
 * for t=, so equal input gives equal values byte for byte.
 * tests/dkim/verify.test verifies them with python3-dkim.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bg_dkim.h"

#define ALG_RSA 0
#define ALG_ED  1
#define T0      1795440000 /* the t= of every signature made here */

/*
 * libopendkim stamps t= with time(); this definition in the program takes
 * the place of libc's for the shared library too, so that signatures of
 * equal input are equal however slowly the test runs (valgrind).
 */
time_t
time(time_t *t)
{
	if (t != NULL)
		*t = T0;
	return T0;
}

static char dir[64];
static char path_rsa[128], path_ed[128], path_esp[128], path_rsa1024[128], path_garbage[128], path_0644[128],
    path_0640[128], path_enc[128], path_junk[128], path_missing[128];

/* Runs a shell command; fails the test run when it does not succeed. */
static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* Makes every key file the tests use. */
static int
group_setup(void **state)
{
	strcpy(dir, "/tmp/bg_dkim_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
#define P(var, name) snprintf(var, sizeof(var), "%s/%s", dir, name)
	P(path_rsa, "rsa.pem");
	P(path_ed, "ed.pem");
	P(path_esp, "esp.pem");
	P(path_rsa1024, "rsa1024.pem");
	P(path_garbage, "garbage.pem");
	P(path_0644, "k0644.pem");
	P(path_0640, "k0640.pem");
	P(path_enc, "enc.pem");
	P(path_junk, "junk.pem");
	P(path_missing, "missing.pem");
#undef P
	if (sh("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null", path_rsa) < 0 ||
	    sh("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null", path_esp) < 0 ||
	    sh("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out %s 2>/dev/null", path_rsa1024) < 0 ||
	    sh("openssl genpkey -algorithm ed25519 -out %s", path_ed) < 0 ||
	    sh("openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret -out %s", path_enc) < 0 ||
	    sh("printf -- '-----BEGIN PRIVATE KEY-----\\nnot base64 at all\\n-----END PRIVATE KEY-----\\n' >%s",
	       path_garbage) < 0 ||
	    sh("{ echo 'acme signing key, 2026'; cat %s; } >%s", path_ed, path_junk) < 0 ||
	    sh("cp %s %s && cp %s %s", path_ed, path_0644, path_ed, path_0640) < 0 ||
	    sh("chmod 600 %s/*.pem && chmod 644 %s && chmod 640 %s", dir, path_0644, path_0640) < 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	return sh("rm -rf %s", dir);
}

/* A configuration built by hand: one entity "acme" with n dkim blocks, and n_esp esp blocks. */
struct conf {
	struct bg_config cfg;
	struct bg_entity ent;
	struct bg_dkim_conf dkim[4];
	struct bg_dkim_conf esp[2];
};

/* Fills block d. */
static void
block(struct bg_dkim_conf *d, const char *domain, const char *selector, const char *key, long alg, int line)
{
	*d = (struct bg_dkim_conf){(char *)domain, (char *)selector, (char *)key, alg, line};
}

/* The design sample configuration (tests/data/design-sample.conf): acme signs with RSA (line 10) and Ed25519 (line 11), the esp with RSA (line 3). */
static void
conf_design(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->cfg.file = "test.conf";
	block(&c->dkim[0], "acme.example", "bg1", path_rsa, ALG_RSA, 10);
	block(&c->dkim[1], "acme.example", "bg1e", path_ed, ALG_ED, 11);
	block(&c->esp[0], "esp.example", "s2026", path_esp, ALG_RSA, 3);
	c->ent.name = "acme";
	c->ent.line = 8;
	c->ent.dkim = c->dkim;
	c->ent.n_dkim = 2;
	c->cfg.entities = &c->ent;
	c->cfg.n_entities = 1;
	c->cfg.esp_dkim = c->esp;
	c->cfg.n_esp_dkim = 1;
}

/* A configuration whose only dkim block is the entity's, with key and alg, on line 12. */
static void
conf_one(struct conf *c, const char *key, long alg)
{
	conf_design(c);
	block(&c->dkim[0], "acme.example", "bg1", key, alg, 12);
	c->ent.n_dkim = 1;
	c->cfg.n_esp_dkim = 0;
}

/* Loads c and expects a failure whose message contains want. */
static void
expect_refused(struct conf *c, const char *want)
{
	char err[512] = "";
	struct bg_dkim_keys *k = bg_dkim_keys_load(&c->cfg, err, sizeof(err));

	assert_null(k);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

/* clang-format off */
/* The header fields of the test message: name, value, ... NULL. */
static const char *msg_lf[] = {
	"Received", " from x by y; Mon, 23 Nov 2026 10:00:00 +0000",
	"From", " News <news@acme.example>",
	"To", " bob@d.example",
	"Subject", " Hello\n\tthere",
	"Date", " Mon, 23 Nov 2026 10:00:00 +0000",
	"Message-ID", " <1@acme.example>",
	"MIME-Version", " 1.0",
	"Content-Type", " text/plain; charset=utf-8",
	"X-Mailer", " test",
	"List-Unsubscribe", " <https://u.esp.example/u/TOKEN>,\n\t<mailto:unsubscribe@u.esp.example?subject=unsubscribe%20TOKEN>",
	"List-Unsubscribe-Post", " List-Unsubscribe=One-Click",
	"Feedback-ID", " weekly:acme:bulk:acme",
	NULL,
};

/* The same fields folded with CRLF. */
static const char *msg_crlf[] = {
	"Received", " from x by y; Mon, 23 Nov 2026 10:00:00 +0000",
	"From", " News <news@acme.example>",
	"To", " bob@d.example",
	"Subject", " Hello\r\n\tthere",
	"Date", " Mon, 23 Nov 2026 10:00:00 +0000",
	"Message-ID", " <1@acme.example>",
	"MIME-Version", " 1.0",
	"Content-Type", " text/plain; charset=utf-8",
	"X-Mailer", " test",
	"List-Unsubscribe", " <https://u.esp.example/u/TOKEN>,\r\n\t<mailto:unsubscribe@u.esp.example?subject=unsubscribe%20TOKEN>",
	"List-Unsubscribe-Post", " List-Unsubscribe=One-Click",
	"Feedback-ID", " weekly:acme:bulk:acme",
	NULL,
};
/* clang-format on */

static const char body_crlf[] = "Hello Bob,\r\n\r\nthis is  the news.  \r\n\r\n\r\n";
static const char body_lf[] = "Hello Bob,\n\nthis is  the news.  \r\n\n\r\n";

/* Signs one message; returns the finished run (the caller frees it), or NULL with the reason in why. */
static struct bg_dkim_run *
sign_quiet(const struct bg_dkim_keys *k, const struct bg_entity *e, const char **hdrs, const char *body, size_t chunk,
           char *why, size_t whylen)
{
	size_t blen = strlen(body);
	struct bg_dkim_run *run = bg_dkim_begin(k, e, "TESTID", why, whylen);
	int rc = run ? 0 : -1;

	for (size_t i = 0; rc == 0 && hdrs[i] != NULL; i += 2)
		rc = bg_dkim_header(run, hdrs[i], hdrs[i + 1]);
	if (rc == 0)
		rc = bg_dkim_eoh(run);
	for (size_t off = 0; rc == 0 && off < blen; off += chunk)
		rc = bg_dkim_body(run, (const unsigned char *)body + off, blen - off < chunk ? blen - off : chunk);
	if (rc == 0)
		rc = bg_dkim_end(run);
	if (rc == 0 && strcmp(bg_dkim_error(run), "") == 0)
		return run;
	if (run != NULL) {
		snprintf(why, whylen, "%s", bg_dkim_error(run));
		bg_dkim_free(run);
	}
	return NULL;
}

/* Signs one message and fails the test when that fails; the caller frees the run. */
static struct bg_dkim_run *
sign(const struct bg_dkim_keys *k, const struct bg_entity *e, const char **hdrs, const char *body, size_t chunk)
{
	char why[512] = "";
	struct bg_dkim_run *run = sign_quiet(k, e, hdrs, body, chunk, why, sizeof(why));

	if (run == NULL)
		fail_msg("signing failed: %s", why);
	return run;
}

/* Copies tag's value out of signature value sig, folding whitespace removed; "" when absent. */
static void
tag(const char *sig, const char *name, char *out, size_t len)
{
	size_t nlen = strlen(name), n = 0;
	const char *p = sig;

	*out = '\0';
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			for (p += nlen + 1; *p && *p != ';' && n + 1 < len; p++)
				if (*p != ' ' && *p != '\t' && *p != '\n')
					out[n++] = *p;
			out[n] = '\0';
			return;
		}
		while (*p && *p != ';')
			p++;
	}
}

/* Loads the design sample configuration; the caller frees the keys. */
static struct bg_dkim_keys *
load_design(struct conf *c)
{
	char err[512] = "";
	struct bg_dkim_keys *k;

	conf_design(c);
	k = bg_dkim_keys_load(&c->cfg, err, sizeof(err));
	if (k == NULL)
		fail_msg("bg_dkim_keys_load: %s", err);
	return k;
}

/* RSA-2048 and Ed25519 load; the esp's key too. */
static void
test_load_ok(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);

	assert_int_equal(bg_dkim_keys_count(k), 3);
	bg_dkim_keys_free(k);
	bg_dkim_keys_free(NULL);
}

/* Text before the PEM block (a comment) does not matter. */
static void
test_load_leading_text(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k;

	conf_one(&c, path_junk, ALG_ED);
	k = bg_dkim_keys_load(&c.cfg, err, sizeof(err));
	assert_non_null(k);
	bg_dkim_keys_free(k);
}

/* A configuration without dkim blocks loads and signs nothing. */
static void
test_load_none(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k;

	conf_design(&c);
	c.ent.n_dkim = 0;
	c.cfg.n_esp_dkim = 0;
	assert_non_null(k = bg_dkim_keys_load(&c.cfg, err, sizeof(err)));
	assert_int_equal(bg_dkim_keys_count(k), 0);
	bg_dkim_keys_free(k);
}

static void
test_refuse_0644(void **state)
{
	struct conf c;
	char want[256];

	conf_one(&c, path_0644, ALG_ED);
	snprintf(want, sizeof(want),
	         "test.conf:12: dkim key %s: mode 0644 lets group or others at the key (chmod 600 it)", path_0644);
	expect_refused(&c, want);
}

static void
test_refuse_0640(void **state)
{
	struct conf c;
	char want[256];

	conf_one(&c, path_0640, ALG_ED);
	snprintf(want, sizeof(want), "test.conf:12: dkim key %s: mode 0640", path_0640);
	expect_refused(&c, want);
}

static void
test_refuse_missing(void **state)
{
	struct conf c;
	char want[256];

	conf_one(&c, path_missing, ALG_RSA);
	snprintf(want, sizeof(want), "test.conf:12: dkim key %s: No such file or directory", path_missing);
	expect_refused(&c, want);
}

static void
test_refuse_directory(void **state)
{
	struct conf c;

	conf_one(&c, dir, ALG_RSA);
	expect_refused(&c, "not a regular file");
}

static void
test_refuse_garbage(void **state)
{
	struct conf c;
	char want[256];

	conf_one(&c, path_garbage, ALG_RSA);
	snprintf(want, sizeof(want), "test.conf:12: dkim key %s: not a PEM private key", path_garbage);
	expect_refused(&c, want);
}

/* RFC 8301: RSA under 2048 bits is refused. */
static void
test_refuse_rsa1024(void **state)
{
	struct conf c;

	conf_one(&c, path_rsa1024, ALG_RSA);
	expect_refused(&c, "test.conf:12: dkim key");
	expect_refused(&c, "RSA key of 1024 bits; at least 2048 are needed (RFC 8301)");
}

/* A key of the other type than the block's algorithm. */
static void
test_refuse_wrong_type(void **state)
{
	struct conf c;

	conf_one(&c, path_ed, ALG_RSA);
	expect_refused(&c, "algorithm rsa-sha256 needs an RSA key");
	conf_one(&c, path_rsa, ALG_ED);
	expect_refused(&c, "algorithm ed25519-sha256 needs an Ed25519 key");
}

/* An encrypted key is refused without asking anybody for a passphrase. */
static void
test_refuse_encrypted(void **state)
{
	struct conf c;

	conf_one(&c, path_enc, ALG_ED);
	expect_refused(&c, "not a PEM private key, or an encrypted one");
}

/* The error names the block that failed: the esp's on its own line, an entity's second block on its line. */
static void
test_refuse_names_block(void **state)
{
	struct conf c;
	char want[256];

	conf_design(&c);
	c.esp[0].key = path_0644;
	snprintf(want, sizeof(want), "test.conf:3: dkim key %s: mode 0644", path_0644);
	expect_refused(&c, want);
	conf_design(&c);
	c.dkim[1].key = path_missing;
	snprintf(want, sizeof(want), "test.conf:11: dkim key %s:", path_missing);
	expect_refused(&c, want);
}

/* libopendkim refuses a selector it cannot print; the test signature finds it at load. */
static void
test_refuse_bad_selector(void **state)
{
	struct conf c;

	conf_one(&c, path_ed, ALG_ED);
	c.dkim[0].selector = "bg\x01";
	expect_refused(&c, "test.conf:12: dkim key");
	expect_refused(&c, "libopendkim refuses it");
}

/* Checks the form every signature value must have. */
static void
check_form(const char *sig, const char *alg, const char *d, const char *s)
{
	char v[1024];

	assert_non_null(sig);
	assert_true(strncmp(sig, " v=1; a=", 8) == 0);
	assert_null(strchr(sig, '\r'));
	for (const char *p = strchr(sig, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		assert_int_equal(p[1], '\t');
	tag(sig, "a", v, sizeof(v));
	assert_string_equal(v, alg);
	tag(sig, "d", v, sizeof(v));
	assert_string_equal(v, d);
	tag(sig, "s", v, sizeof(v));
	assert_string_equal(v, s);
	tag(sig, "c", v, sizeof(v));
	assert_string_equal(v, "relaxed/relaxed");
	tag(sig, "l", v, sizeof(v));
	assert_string_equal(v, "");
	tag(sig, "h", v, sizeof(v));
	assert_string_equal(v, "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Unsubscribe:"
	                       "List-Unsubscribe-Post:Feedback-ID:from:reply-to:subject:list-unsubscribe:"
	                       "list-unsubscribe-post");
	tag(sig, "b", v, sizeof(v));
	assert_true(strlen(v) == (strcmp(alg, "rsa-sha256") == 0 ? 344 : 88));
}

/* Entity RSA + Ed25519 and esp RSA: three signatures in insertion order. */
static void
test_sign_three(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *run = sign(k, &c.ent, msg_lf, body_crlf, 65535);

	assert_int_equal(bg_dkim_count(run), 3);
	check_form(bg_dkim_signature(run, 0), "rsa-sha256", "esp.example", "s2026");
	check_form(bg_dkim_signature(run, 1), "ed25519-sha256", "acme.example", "bg1e");
	check_form(bg_dkim_signature(run, 2), "rsa-sha256", "acme.example", "bg1");
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* No dkim block and no esp: a valid run without signatures. */
static void
test_sign_none(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k;
	struct bg_dkim_run *run;

	conf_design(&c);
	c.ent.n_dkim = 0;
	c.cfg.n_esp_dkim = 0;
	assert_non_null(k = bg_dkim_keys_load(&c.cfg, err, sizeof(err)));
	run = sign(k, &c.ent, msg_lf, body_crlf, 10);
	assert_int_equal(bg_dkim_count(run), 0);
	bg_dkim_free(run);
	run = sign(k, NULL, msg_lf, body_crlf, 10);
	assert_int_equal(bg_dkim_count(run), 0);
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* Mail of no entity (or of an entity without dkim) still gets the esp's signature. */
static void
test_sign_esp_only(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *run = sign(k, NULL, msg_lf, body_crlf, 65535);

	assert_int_equal(bg_dkim_count(run), 1);
	check_form(bg_dkim_signature(run, 0), "rsa-sha256", "esp.example", "s2026");
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* True when the two runs made the same signatures. */
static bool
runs_equal(const struct bg_dkim_run *a, const struct bg_dkim_run *b)
{
	if (bg_dkim_count(a) != bg_dkim_count(b))
		return false;
	for (size_t i = 0; i < bg_dkim_count(a); i++)
		if (strcmp(bg_dkim_signature(a, i), bg_dkim_signature(b, i)) != 0)
			return false;
	return true;
}

/* Signs two variants of a message and expects equal signatures. */
static void
expect_same(const char **h1, const char *b1, size_t c1, const char **h2, const char *b2, size_t c2)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *r1 = sign(k, &c.ent, h1, b1, c1), *r2 = sign(k, &c.ent, h2, b2, c2);

	assert_true(runs_equal(r1, r2));
	bg_dkim_free(r1);
	bg_dkim_free(r2);
	bg_dkim_keys_free(k);
}

/* A changed message signs differently (so that expect_same can fail). */
static void
test_differs(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *r1 = sign(k, &c.ent, msg_lf, body_crlf, 65535);
	struct bg_dkim_run *r2 = sign(k, &c.ent, msg_lf, "Hello Bob,\r\n", 65535);
	struct bg_dkim_run *r3 = sign(k, &c.ent, msg_lf + 2, body_crlf, 65535); /* without Received: the same */
	const char *h[2 * 16];
	struct bg_dkim_run *r4;
	char t[32];

	memcpy(h, msg_lf, sizeof(msg_lf));
	h[7] = " Hello\n\tthere!"; /* the Subject */
	r4 = sign(k, &c.ent, h, body_crlf, 65535);

	assert_false(runs_equal(r1, r2));
	assert_true(runs_equal(r1, r3));
	assert_false(runs_equal(r1, r4));
	tag(bg_dkim_signature(r1, 0), "t", t, sizeof(t));
	assert_string_equal(t, "1795440000");
	bg_dkim_free(r1);
	bg_dkim_free(r2);
	bg_dkim_free(r3);
	bg_dkim_free(r4);
	bg_dkim_keys_free(k);
}

/* Folds given as "\n\t" or "\r\n\t" sign the same. */
static void
test_folds_lf_crlf(void **state)
{
	expect_same(msg_lf, body_crlf, 65535, msg_crlf, body_crlf, 65535);
}

/* A bare LF in the body signs as CRLF (what the MTA sends), in any chunking. */
static void
test_body_bare_lf(void **state)
{
	expect_same(msg_lf, body_crlf, 65535, msg_lf, body_lf, 65535);
	expect_same(msg_lf, body_crlf, 65535, msg_lf, body_lf, 1);
	expect_same(msg_lf, body_crlf, 3, msg_lf, body_crlf, 1);
}

/* An old DKIM-Signature header, even a malformed one, is skipped. */
static void
test_old_signature_skipped(void **state)
{
	const char *h[2 * 16];
	size_t n = 0;

	h[n++] = "DKIM-Signature";
	h[n++] = " garbage;;; ==";
	for (size_t i = 0; msg_lf[i] != NULL; i++)
		h[n++] = msg_lf[i];
	h[n] = NULL;
	expect_same(msg_lf, body_crlf, 65535, h, body_crlf, 65535);
}

/* A dkim block that was not loaded (configuration and keys out of step) fails the run. */
static void
test_unknown_block(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k = load_design(&c);

	c.dkim[1].selector = "other";
	assert_null(bg_dkim_begin(k, &c.ent, "ID", err, sizeof(err)));
	assert_string_equal(err, "dkim block of entity \"acme\" (line 11) has no loaded key");
	bg_dkim_keys_free(k);
}

/* A bad field name fails the run, and the run stays failed. */
static void
test_bad_header(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *run = bg_dkim_begin(k, &c.ent, "ID", err, sizeof(err));

	assert_non_null(run);
	assert_int_equal(bg_dkim_header(run, "From", " a@acme.example"), 0);
	assert_int_equal(bg_dkim_header(run, "Bad Name", " x"), -1);
	assert_string_equal(bg_dkim_error(run), "dkim: header with a bad field name");
	assert_int_equal(bg_dkim_header(run, "To", " b@x"), -1);
	assert_int_equal(bg_dkim_eoh(run), -1);
	assert_int_equal(bg_dkim_body(run, (const unsigned char *)"x\r\n", 3), -1);
	assert_int_equal(bg_dkim_end(run), -1);
	bg_dkim_free(run);
	run = bg_dkim_begin(k, &c.ent, "ID", err, sizeof(err));
	assert_int_equal(bg_dkim_header(run, "", " x"), -1);
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* A finished run takes no more input; its signatures stay. */
static void
test_after_end(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *run = sign(k, &c.ent, msg_lf, body_crlf, 65535);
	char *first = strdup(bg_dkim_signature(run, 0));

	assert_int_equal(bg_dkim_end(run), -1);
	assert_string_equal(bg_dkim_error(run), "dkim: input after bg_dkim_end");
	assert_int_equal(bg_dkim_header(run, "To", " x@y"), -1);
	assert_int_equal(bg_dkim_body(run, (const unsigned char *)"x\r\n", 3), -1);
	assert_int_equal(bg_dkim_count(run), 3);
	assert_string_equal(bg_dkim_signature(run, 0), first);
	free(first);
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* libopendkim needs From: signing a message without one fails rather than signing nothing. */
static void
test_no_from(void **state)
{
	struct conf c;
	char err[256];
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *run = bg_dkim_begin(k, &c.ent, "ID", err, sizeof(err));

	assert_int_equal(bg_dkim_header(run, "To", " b@x"), 0);
	if (bg_dkim_eoh(run) == 0 && bg_dkim_body(run, (const unsigned char *)"x\r\n", 3) == 0)
		assert_int_equal(bg_dkim_end(run), -1);
	assert_non_null(strstr(bg_dkim_error(run), "d=acme.example s=bg1:"));
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
}

/* A header of 150 KB (Postfix allows 100 KB) signs; verify.test checks that it verifies. */
static void
test_big_header(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	size_t n = 150 * 1024;
	char *to = malloc(n + 1);
	const char *h[] = {"From", " a@acme.example", "To", to, NULL};
	struct bg_dkim_run *run;

	for (size_t i = 0; i < n; i++)
		to[i] = i % 64 == 62 ? '\n' : i % 64 == 63 ? '\t' : 'a' + (char)(i % 26);
	to[n] = '\0';
	run = sign(k, &c.ent, h, body_crlf, 65535);
	assert_int_equal(bg_dkim_count(run), 3);
	bg_dkim_free(run);
	bg_dkim_keys_free(k);
	free(to);
}

struct worker {
	const struct bg_dkim_keys *k;
	const struct bg_entity *e;
	const struct bg_dkim_run *ref;
	int mismatches;
};

/* Signs the test message 25 times (no cmocka calls off the main thread); counts failures and differences. */
static void *
worker(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 25; i++) {
		char why[512];
		struct bg_dkim_run *run =
		    sign_quiet(w->k, w->e, i % 2 ? msg_lf : msg_crlf, body_crlf, 7 + (size_t)i, why, sizeof(why));
		if (run == NULL || !runs_equal(run, w->ref))
			w->mismatches++;
		bg_dkim_free(run);
	}
	return NULL;
}

/* Four threads sign at once with one keys object. */
static void
test_threads(void **state)
{
	struct conf c;
	struct bg_dkim_keys *k = load_design(&c);
	struct bg_dkim_run *ref = sign(k, &c.ent, msg_lf, body_crlf, 65535);
	struct worker w[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){k, &c.ent, ref, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].mismatches, 0);
	}
	bg_dkim_free(ref);
	bg_dkim_keys_free(k);
}

/* One cmocka group for the whole program: TAP allows one plan per test script. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_ok),
	    cmocka_unit_test(test_load_leading_text),
	    cmocka_unit_test(test_load_none),
	    cmocka_unit_test(test_refuse_0644),
	    cmocka_unit_test(test_refuse_0640),
	    cmocka_unit_test(test_refuse_missing),
	    cmocka_unit_test(test_refuse_directory),
	    cmocka_unit_test(test_refuse_garbage),
	    cmocka_unit_test(test_refuse_rsa1024),
	    cmocka_unit_test(test_refuse_wrong_type),
	    cmocka_unit_test(test_refuse_encrypted),
	    cmocka_unit_test(test_refuse_names_block),
	    cmocka_unit_test(test_refuse_bad_selector),
	    cmocka_unit_test(test_sign_three),
	    cmocka_unit_test(test_sign_none),
	    cmocka_unit_test(test_sign_esp_only),
	    cmocka_unit_test(test_differs),
	    cmocka_unit_test(test_folds_lf_crlf),
	    cmocka_unit_test(test_body_bare_lf),
	    cmocka_unit_test(test_old_signature_skipped),
	    cmocka_unit_test(test_unknown_block),
	    cmocka_unit_test(test_bad_header),
	    cmocka_unit_test(test_after_end),
	    cmocka_unit_test(test_no_from),
	    cmocka_unit_test(test_big_header),
	    cmocka_unit_test(test_threads),
	};

	return _cmocka_run_group_tests("bg_dkim", tests, sizeof(tests) / sizeof(tests[0]), group_setup, group_teardown);
}
