/*
 * bg_dkim_wrap.c - libopendkim's key parser, answered with the key bg_dkim
 * parsed at load.
 *
 * libopendkim parses the private key again for every signature it makes
 * (dkim_privkey_load calls PEM_read_bio_PrivateKey on a memory BIO holding a
 * copy of the key bytes bg_dkim gave it). With OpenSSL 3.0 that parse, and the
 * RSA blinding a fresh key sets up again, cost two thirds of the milter's CPU
 * (bench/README.md). A program that links libopendkim's archive with
 *
 *	-Wl,--wrap=PEM_read_bio_PrivateKey
 *
 * gets this function in place of libcrypto's, in libopendkim's calls and its
 * own only (--wrap reaches no shared library): when the BIO holds exactly the
 * bytes of a loaded key (bg_dkim_key_cached), the EVP_PKEY parsed from them at
 * load comes back with one more reference, which libopendkim frees as its own;
 * anything else is parsed by libcrypto as before. The BIO is left unread
 * (libopendkim frees it unread after the parse). Not part of libbulkguard.a:
 * only programs linked with the flag list it among their sources.
 */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "bg_dkim.h"

EVP_PKEY *__real_PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);
EVP_PKEY *__wrap_PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);

/* PEM_read_bio_PrivateKey, with the loaded keys' bytes answered from bg_dkim's cache. */
EVP_PKEY *
__wrap_PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
	char *data = NULL;
	long len;
	EVP_PKEY *pk;

	if (x == NULL && bp != NULL && BIO_method_type(bp) == BIO_TYPE_MEM && (len = BIO_get_mem_data(bp, &data)) > 0 &&
	    data != NULL && (pk = bg_dkim_key_cached(data, (size_t)len)) != NULL)
		return pk;
	return __real_PEM_read_bio_PrivateKey(bp, x, cb, u);
}
