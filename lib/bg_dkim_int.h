/*
 * bg_dkim_int.h - what bg_dkim.c and bg_dkim_key.c share: one loaded key.
 *
 * DIAGNOSTICS: -1 with the reason in the caller's buffer (why), as bg_dkim.h's loading.
 */
#ifndef BG_DKIM_INT_H
#define BG_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "bg_dkim.h"

#define RSA_MIN_BITS 2048 /* RFC 8301 */

struct key {
	char *domain;
	char *selector;
	char *path;
	enum bg_dkim_alg algorithm;
	bool esp;
	unsigned char *pem; /* NUL-terminated, zeroed on free */
	size_t pemlen;
	int bits;
	EVP_PKEY *pk; /* the same key parsed by libcrypto, to recognise it */
};

/* Formats a reason into err (errlen bytes; 0: nothing). */
void bg_dkim_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Zeroes and frees one key's fields. */
void bg_dkim_key_clear(struct key *key);

/* Opens and reads key->path, refusing what OpenDKIM refuses; returns 0 or -1 with the reason in why. */
int bg_dkim_key_read(struct key *key, char *why, size_t whylen);

/*
 * Keeps the PEM from its "-----BEGIN" on (libopendkim takes text before it
 * for DER) and checks with libcrypto that it is an unencrypted private key
 * of the block's type and size. Returns 0 or -1 with the reason in why.
 */
int bg_dkim_key_check(struct key *key, char *why, size_t whylen);

#endif
