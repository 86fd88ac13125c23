/*
 * dkim_sign_bench.c - CPU cost of one DKIM signature through bg_dkim.
 *
 * usage: dkim_sign_bench [-n MESSAGES] [RSA_KEY ED25519_KEY]
 *
 * Signs MESSAGES (default 2000) messages of 5 KB, in one thread, once with an
 * RSA-2048 key, once with an Ed25519 key, once with both plus an esp RSA
 * signature (the sample configuration, tests/data/design-sample.conf), and once with no key (the cost of the
 * calls alone), and prints the CPU time (user + system, getrusage) per
 * message. It is linked as the milter is, with libopendkim's key parser
 * wrapped (lib/bg_dkim_wrap.c), so libopendkim reuses the keys parsed at
 * load. Then what libopendkim would spend on parsing the PEM key again for
 * every signature without the wrapper (libcrypto's own parser), and the bare
 * signature, both measured with libcrypto.
 * Without key arguments it makes keys with `openssl genpkey` in a
 * temporary directory.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bg_dkim.h"

#define MSG_BYTES 5120

/* clang-format off */
static const char *headers[] = {
	"Received", " from app1.acme.example (app1.acme.example [192.0.2.50])\n\tby mta1.esp.example (Postfix) "
		    "with ESMTPSA id 4XyzAbc; Mon, 23 Nov 2026 10:00:00 +0000",
	"From", " Acme News <news@acme.example>",
	"To", " bob@d.example",
	"Subject", " This week at Acme: the news you asked for",
	"Date", " Mon, 23 Nov 2026 10:00:00 +0000",
	"Message-ID", " <20261123100000.4XyzAbc@acme.example>",
	"MIME-Version", " 1.0",
	"Content-Type", " text/plain; charset=utf-8",
	"List-Unsubscribe", " <https://u.esp.example/u/AQdTOKENtoken_-1234567890abcdefghijklmnopqrstuvwxyz>,\n\t"
			    "<mailto:unsubscribe@u.esp.example?subject=unsubscribe%20AQdTOKENtoken_-1234567890abcdef>",
	"List-Unsubscribe-Post", " List-Unsubscribe=One-Click",
	"Feedback-ID", " weekly:acme:bulk:esp1",
	NULL,
};
/* clang-format on */

/* CPU seconds used by the process so far. */
static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* A body that makes the message MSG_BYTES long: lines of text with CRLF. */
static char *
make_body(void)
{
	size_t hlen = 0, n = 0, want;
	char *b;

	for (size_t i = 0; headers[i] != NULL; i += 2)
		hlen += strlen(headers[i]) + 1 + strlen(headers[i + 1]) + 2;
	want = MSG_BYTES - hlen - 2;
	b = malloc(want + 1);
	while (n + 72 <= want)
		n += (size_t)sprintf(b + n, "Line %05zu of the weekly news, with words to fill the line up to 70.\r\n",
		                     n / 72);
	while (n + 2 < want)
		b[n++] = 'x';
	memcpy(b + n, "\r\n", 3);
	return b;
}

/* Signs count messages for e; returns CPU ms per message, or -1 when one fails. */
static double
run(const struct bg_dkim_keys *k, const struct bg_entity *e, const char *body, int count)
{
	char err[512];
	size_t blen = strlen(body);
	double t0 = cpu_now();

	for (int i = 0; i < count; i++) {
		struct bg_dkim_run *r = bg_dkim_begin(k, e, "BENCH", err, sizeof(err));
		int rc = r ? 0 : -1;
		for (size_t h = 0; rc == 0 && headers[h] != NULL; h += 2)
			rc = bg_dkim_header(r, headers[h], headers[h + 1]);
		if (rc == 0 && (bg_dkim_eoh(r) < 0 || bg_dkim_body(r, (const unsigned char *)body, blen) < 0 ||
		                bg_dkim_end(r) < 0))
			rc = -1;
		if (rc < 0) {
			fprintf(stderr, "dkim_sign_bench: %s\n", r ? bg_dkim_error(r) : err);
			bg_dkim_free(r);
			return -1;
		}
		bg_dkim_free(r);
	}
	return (cpu_now() - t0) * 1000.0 / count;
}

/* Reads a whole small file into a NUL-terminated buffer; exits on error. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 65537);
	size_t n;

	if (f == NULL || b == NULL) {
		perror(path);
		exit(1);
	}
	n = fread(b, 1, 65536, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

EVP_PKEY *__real_PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);

/* CPU ms per PEM parse of path (libcrypto's, as libopendkim unwrapped does at every signature), and per bare signature.
 */
static void
crypto_costs(const char *path, int count, double *parse_ms, double *sign_ms)
{
	char *pem = slurp(path);
	unsigned char digest[32] = {1}, sig[512];
	EVP_PKEY *pk = NULL;
	double t0 = cpu_now();

	for (int i = 0; i < count; i++) {
		BIO *bio = BIO_new_mem_buf(pem, -1);
		EVP_PKEY_free(pk);
		pk = __real_PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	*parse_ms = (cpu_now() - t0) * 1000.0 / count;
	t0 = cpu_now();
	for (int i = 0; i < count; i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t len = sizeof(sig);
		int rsa = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
		/* as libopendkim does: RSA signs the SHA-256 digest, Ed25519 signs it as the message */
		EVP_DigestSignInit(ctx, NULL, rsa ? EVP_sha256() : NULL, NULL, pk);
		EVP_DigestSign(ctx, sig, &len, digest, sizeof(digest));
		EVP_MD_CTX_free(ctx);
	}
	*sign_ms = (cpu_now() - t0) * 1000.0 / count;
	EVP_PKEY_free(pk);
	free(pem);
}

/* Makes the two keys in a temporary directory; returns the directory. */
static char *
make_keys(char *rsa, char *ed, size_t len)
{
	static char dir[] = "/tmp/dkim_bench.XXXXXX";
	char cmd[2048];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(rsa, len, "%s/rsa.pem", dir);
	snprintf(ed, len, "%s/ed.pem", dir);
	snprintf(cmd, sizeof(cmd),
	         "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null && "
	         "openssl genpkey -algorithm ed25519 -out %s && chmod 600 %s %s",
	         rsa, ed, rsa, ed);
	if (system(cmd) != 0) {
		fprintf(stderr, "dkim_sign_bench: openssl genpkey failed\n");
		exit(1);
	}
	return dir;
}

int
main(int argc, char **argv)
{
	char rsa[256], ed[256], err[512], cmd[300];
	const char *dir = NULL;
	int count = 2000, c;
	struct bg_dkim_conf blocks[3] = {{0}}, esp[1] = {{0}};
	struct bg_entity e = {0};
	struct bg_config cfg = {0};
	struct bg_dkim_keys *k;
	char *body = make_body();
	double parse[2], bare[2];
	static const char *names[] = {"rsa-sha256 (2048)", "ed25519-sha256", "both + esp rsa", "no key"};
	size_t firsts[] = {0, 1, 0, 0}, counts[] = {1, 1, 2, 0};

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			count = atoi(optarg);
	if (count <= 0 || (argc - optind != 0 && argc - optind != 2)) {
		fprintf(stderr, "usage: dkim_sign_bench [-n MESSAGES] [RSA_KEY ED25519_KEY]\n");
		return 64;
	}
	if (argc - optind == 2) {
		snprintf(rsa, sizeof(rsa), "%s", argv[optind]);
		snprintf(ed, sizeof(ed), "%s", argv[optind + 1]);
	} else
		dir = make_keys(rsa, ed, sizeof(rsa));
	blocks[0] = (struct bg_dkim_conf){"acme.example", "bg1", rsa, 0, 1};
	blocks[1] = (struct bg_dkim_conf){"acme.example", "bg1e", ed, 1, 2};
	esp[0] = (struct bg_dkim_conf){"esp.example", "s2026", rsa, 0, 3};
	e.name = "acme";
	e.dkim = blocks;
	e.n_dkim = 2;
	cfg.file = "bench";
	cfg.entities = &e;
	cfg.n_entities = 1;
	cfg.esp_dkim = esp;
	cfg.n_esp_dkim = 1;
	if ((k = bg_dkim_keys_load(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkim_sign_bench: %s\n", err);
		return 1;
	}
	printf("%d messages of %d bytes each, one thread, CPU time (user + system) per message:\n", count, MSG_BYTES);
	for (int i = 0; i < 4; i++) {
		/* entity e with blocks[firsts[i]] .. counts[i] of them; the esp's block only for "both" */
		struct bg_dkim_keys *kk = k;
		struct bg_entity ee = e;
		ee.dkim = blocks + firsts[i];
		ee.n_dkim = counts[i];
		if (i != 2) {
			cfg.n_esp_dkim = 0;
			kk = bg_dkim_keys_load(&cfg, err, sizeof(err));
			cfg.n_esp_dkim = 1;
		}
		printf("  %-20s %8.3f ms\n", names[i], run(kk, &ee, body, count));
		if (kk != k)
			bg_dkim_keys_free(kk);
	}
	crypto_costs(rsa, count, &parse[0], &bare[0]);
	crypto_costs(ed, count, &parse[1], &bare[1]);
	printf("libcrypto alone, per signature:\n");
	printf("  PEM key parse (libopendkim's per signature, unwrapped):     rsa %.3f ms, ed25519 %.3f ms\n", parse[0],
	       parse[1]);
	printf("  the signature itself:                                        rsa %.3f ms, ed25519 %.3f ms\n", bare[0],
	       bare[1]);
	bg_dkim_keys_free(k);
	free(body);
	if (dir != NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
