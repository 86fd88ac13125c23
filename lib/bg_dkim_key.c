/*
 * bg_dkim_key.c - a DKIM key file read and checked as OpenDKIM would (see
 * bg_dkim.c): a regular file closed to group and others, at most KEY_MAX
 * bytes, an unencrypted PEM private key of the block's type and size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bg_dkim_int.h"
#include "bg_util.h"

#define KEY_MAX 65536 /* bytes of a key file: an RSA-8192 PEM is under 7 KB */

void
bg_dkim_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
bg_dkim_key_clear(struct key *key)
{
	if (key->pem != NULL) {
		explicit_bzero(key->pem, key->pemlen);
		free(key->pem);
	}
	EVP_PKEY_free(key->pk);
	free(key->domain);
	free(key->selector);
	free(key->path);
	memset(key, 0, sizeof(*key));
}

/* Reads the whole of fd (at most KEY_MAX bytes) into key->pem; returns 0 or -1 with a reason. */
static int
key_read_fd(int fd, struct key *key, const char **why)
{
	unsigned char *buf = bg_xcalloc(1, KEY_MAX + 1);
	size_t len = 0;
	ssize_t r;

	while ((r = read(fd, buf + len, KEY_MAX + 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (len += (size_t)r) > KEY_MAX) {
			*why = r < 0 ? strerror(errno) : "file larger than 64 KB";
			explicit_bzero(buf, KEY_MAX + 1);
			free(buf);
			return -1;
		}
	}
	key->pem = buf;
	key->pemlen = len;
	return 0;
}

int
bg_dkim_key_read(struct key *key, char *why, size_t whylen)
{
	const char *rwhy = NULL;
	struct stat st;
	int fd = open(key->path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = -1;

	if (fd < 0) {
		bg_dkim_seterr(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		bg_dkim_seterr(why, whylen, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		bg_dkim_seterr(why, whylen, "not a regular file");
	else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		bg_dkim_seterr(why, whylen, "mode %04o lets group or others at the key (chmod 600 it)",
		               (unsigned)(st.st_mode & 07777));
	else if (key_read_fd(fd, key, &rwhy) < 0)
		bg_dkim_seterr(why, whylen, "%s", rwhy);
	else
		rc = 0;
	close(fd);
	return rc;
}

/* libcrypto's passphrase callback: there is none, so an encrypted key fails instead of prompting. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

int
bg_dkim_key_check(struct key *key, char *why, size_t whylen)
{
	const char *begin = memmem(key->pem, key->pemlen, "-----BEGIN ", 11);
	EVP_PKEY *pk = NULL;
	BIO *bio;
	int type, rc = -1;

	if (begin == NULL || memchr(key->pem, '\0', key->pemlen) != NULL) {
		bg_dkim_seterr(why, whylen, "not a PEM private key");
		return -1;
	}
	key->pemlen -= (size_t)(begin - (char *)key->pem);
	memmove(key->pem, begin, key->pemlen);
	explicit_bzero(key->pem + key->pemlen, (size_t)(begin - (char *)key->pem));
	bio = BIO_new_mem_buf(key->pem, (int)key->pemlen);
	if (bio != NULL)
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (pk == NULL) {
		bg_dkim_seterr(why, whylen, "not a PEM private key, or an encrypted one");
		return -1;
	}
	key->pk = pk;
	type = EVP_PKEY_get_base_id(pk);
	key->bits = EVP_PKEY_get_bits(pk);
	if (key->algorithm == BG_DKIM_RSA_SHA256 && type != EVP_PKEY_RSA)
		bg_dkim_seterr(why, whylen, "algorithm rsa-sha256 needs an RSA key");
	else if (key->algorithm == BG_DKIM_ED25519_SHA256 && type != EVP_PKEY_ED25519)
		bg_dkim_seterr(why, whylen, "algorithm ed25519-sha256 needs an Ed25519 key");
	else if (key->algorithm == BG_DKIM_RSA_SHA256 && key->bits < RSA_MIN_BITS)
		bg_dkim_seterr(why, whylen, "RSA key of %d bits; at least %d are needed (RFC 8301)", key->bits,
		               RSA_MIN_BITS);
	else
		rc = 0;
	return rc;
}
