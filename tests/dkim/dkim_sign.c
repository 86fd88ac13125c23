/*
 * dkim_sign.c - signs a message file with bg_dkim the way bulkguard-milter does, for verify.test.
 *
 * usage: dkim_sign [-e ENTITY] [-i ID] [-k CHUNK] [-r] [-A CONFIG2] CONFIG MESSAGE
 *
 * Loads CONFIG and its DKIM keys, feeds MESSAGE's headers as a milter gets
 * them (value after the colon as it is, folds with the file's own line ends),
 * the body in CHUNK-byte pieces (default 65535) with its line ends made CRLF
 * as a milter gets it (-r: the body's bytes as they are, bare LF and all),
 * and prints the message with the signatures inserted as bg_dkim.h says
 * (each at the top, in bg_dkim_signature order) on standard output. The
 * message bytes themselves are printed unchanged. Exit 0; 1 when signing
 * fails (bg_dkim_error on standard error); 78 for a configuration or key error.
 *
 * -A CONFIG2 loads CONFIG2's keys too, after CONFIG's, and keeps them loaded
 * while the message is signed with CONFIG's: a reload during a message. Like
 * the milter, this program is linked with libopendkim's key parser wrapped
 * (lib/bg_dkim_wrap.c), so libopendkim gets its keys from every keys object
 * loaded: each signature must still come from its own configuration's key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bg_config.h"
#include "bg_dkim.h"
#include "bg_util.h"

struct buf {
	char *p;
	size_t len;
};

/* Reads the whole file; exits 78 when it cannot. */
static struct buf
slurp(const char *path)
{
	struct buf b = {NULL, 0};
	size_t cap = 0, r;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		exit(78);
	}
	do {
		if (b.len + 65536 > cap)
			b.p = bg_xreallocarray(b.p, cap = 2 * cap + 65536, 1);
		r = fread(b.p + b.len, 1, cap - b.len, f);
		b.len += r;
	} while (r > 0);
	fclose(f);
	return b;
}

/* Length of the line at p (up to and including its LF, or to end). */
static size_t
line_len(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	return lf ? (size_t)(lf - p) + 1 : (size_t)(end - p);
}

/* Length of the line's content, without its CRLF or LF. */
static size_t
content_len(const char *p, size_t len)
{
	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return len;
}

/* Feeds the header fields to run; returns where the body starts (after the blank line), or NULL. */
static const char *
feed_headers(struct bg_dkim_run *run, const char *p, const char *end)
{
	int rc = 0;

	while (p < end) {
		size_t len = line_len(p, end), clen = content_len(p, len), flen;
		const char *colon;
		char *name, *value;

		if (clen == 0)
			return p + len;
		if ((colon = memchr(p, ':', clen)) == NULL) {
			fprintf(stderr, "dkim_sign: header line without a colon\n");
			return NULL;
		}
		/* the field runs on while the next line starts with a blank */
		flen = clen;
		while (p + len < end && (p[len] == ' ' || p[len] == '\t')) {
			size_t more = line_len(p + len, end);
			flen = len + content_len(p + len, more);
			len += more;
		}
		name = bg_xstrndup(p, (size_t)(colon - p));
		value = bg_xstrndup(colon + 1, flen - (size_t)(colon + 1 - p));
		rc = bg_dkim_header(run, name, value);
		free(name);
		free(value);
		if (rc < 0)
			return NULL;
		p += len;
	}
	return end;
}

/* The body with every LF not after a CR made CRLF, as a milter receives it. */
static struct buf
crlf_body(const char *p, const char *end)
{
	struct buf b = {bg_xcalloc(2 * (size_t)(end - p) + 1, 1), 0};

	for (const char *q = p; q < end; q++) {
		if (*q == '\n' && (q == p || q[-1] != '\r'))
			b.p[b.len++] = '\r';
		b.p[b.len++] = *q;
	}
	return b;
}

/* Feeds body in chunk-byte pieces; returns 0 or -1. */
static int
feed_body(struct bg_dkim_run *run, struct buf body, size_t chunk)
{
	for (size_t off = 0; off < body.len; off += chunk) {
		size_t n = body.len - off < chunk ? body.len - off : chunk;
		if (bg_dkim_body(run, (const unsigned char *)body.p + off, n) < 0)
			return -1;
	}
	return 0;
}

/* Returns the entity called name, or NULL (none, or "" asked). */
static const struct bg_entity *
find_entity(const struct bg_config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->n_entities; i++)
		if (strcmp(cfg->entities[i].name, name) == 0)
			return &cfg->entities[i];
	return NULL;
}

/* Prints the signatures as the MTA would place them: each inserted at the top. */
static void
print_signatures(const struct bg_dkim_run *run)
{
	size_t n = bg_dkim_count(run);
	const char **top = bg_xcalloc(n + 1, sizeof(*top));

	for (size_t i = 0; i < n; i++) {
		memmove(top + 1, top, i * sizeof(*top)); /* smfi_insheader(ctx, 0, ...) */
		top[0] = bg_dkim_signature(run, i);
	}
	for (size_t i = 0; i < n; i++)
		printf("DKIM-Signature:%s\n", top[i]);
	free(top);
}

/* Signs message m for entity e and prints the result; returns the exit code. */
static int
sign_message(const struct bg_dkim_keys *keys, const struct bg_entity *e, const char *id, struct buf m, int raw,
             size_t chunk)
{
	char err[1024];
	struct buf body = {NULL, 0};
	const char *bstart;
	int rc = 1;
	struct bg_dkim_run *run = bg_dkim_begin(keys, e, id, err, sizeof(err));

	if (run == NULL) {
		fprintf(stderr, "dkim_sign: %s\n", err);
		return 1;
	}
	if ((bstart = feed_headers(run, m.p, m.p + m.len)) != NULL && bg_dkim_eoh(run) == 0) {
		size_t blen = (size_t)(m.p + m.len - bstart);
		body = raw ? (struct buf){bg_xstrndup(bstart, blen), blen} : crlf_body(bstart, m.p + m.len);
		if (feed_body(run, body, chunk) == 0 && bg_dkim_end(run) == 0) {
			print_signatures(run);
			fwrite(m.p, 1, m.len, stdout);
			rc = 0;
		}
	}
	if (rc != 0 && *bg_dkim_error(run) != '\0')
		fprintf(stderr, "dkim_sign: %s\n", bg_dkim_error(run));
	bg_dkim_free(run);
	free(body.p);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *entity = NULL, *id = "dkim_sign";
	size_t chunk = 65535;
	int raw = 0, c, rc = 78;
	char err[1024];
	struct bg_config *cfg;
	struct bg_dkim_keys *keys = NULL, *keys2 = NULL;
	struct bg_config *cfg2 = NULL;
	const char *conf2 = NULL;
	struct buf m;

	while ((c = getopt(argc, argv, "e:i:k:rA:")) != -1) {
		switch (c) {
		case 'A': conf2 = optarg; break;
		case 'e': entity = optarg; break;
		case 'i': id = optarg; break;
		case 'k': chunk = strtoul(optarg, NULL, 10); break;
		case 'r': raw = 1; break;
		default: return 64;
		}
	}
	if (argc - optind != 2 || chunk == 0) {
		fprintf(stderr, "usage: dkim_sign [-e ENTITY] [-i ID] [-k CHUNK] [-r] [-A CONFIG2] CONFIG MESSAGE\n");
		return 64;
	}
	if ((cfg = bg_config_load(argv[optind], err, sizeof(err))) == NULL) {
		fprintf(stderr, "dkim_sign: %s\n", err);
		return 78;
	}
	if (entity != NULL && *entity != '\0' && find_entity(cfg, entity) == NULL)
		fprintf(stderr, "dkim_sign: no entity \"%s\"\n", entity);
	else if ((keys = bg_dkim_keys_load(cfg, err, sizeof(err))) == NULL)
		fprintf(stderr, "dkim_sign: %s\n", err);
	else if (conf2 != NULL && ((cfg2 = bg_config_load(conf2, err, sizeof(err))) == NULL ||
	                           (keys2 = bg_dkim_keys_load(cfg2, err, sizeof(err))) == NULL))
		fprintf(stderr, "dkim_sign: %s\n", err);
	else {
		m = slurp(argv[optind + 1]);
		rc = sign_message(keys, find_entity(cfg, entity), id, m, raw, chunk);
		free(m.p);
	}
	bg_dkim_keys_free(keys2);
	bg_config_free(cfg2);
	bg_dkim_keys_free(keys);
	bg_config_free(cfg);
	return rc;
}
