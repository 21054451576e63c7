/* ossl.c - the core's own OpenSSL library context.
 *
 * A fresh OSSL_LIB_CTX with only the default provider: no config file is
 * loaded into it, so a host whose openssl.cnf routes crypto to a pkcs11
 * provider cannot make this module call itself.  The cipher and digest are
 * fetched once; fetching per call would dominate small operations. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "err.h"
#include "log.h"
#include "ossl.h"

static pthread_once_t ossl_once = PTHREAD_ONCE_INIT;
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *libctx;
static OSSL_PROVIDER *provider;
static EVP_CIPHER *aes_gcm;
static EVP_MD *sha256;

/* Frees the context.  Registered with atexit() once it exists: in the
 * module that runs at dlclose (the handler belongs to the module), in a
 * program at exit; either way before libcrypto's own cleanup, which was
 * registered earlier (by OSSL_LIB_CTX_new) and so runs later. */
static void ossl_teardown(void)
{
	EVP_CIPHER_free(aes_gcm);
	EVP_MD_free(sha256);
	aes_gcm = NULL;
	sha256 = NULL;
	if (provider != NULL)
		OSSL_PROVIDER_unload(provider);
	provider = NULL;
	OSSL_LIB_CTX_free(libctx);
	libctx = NULL;
}

static void ossl_setup(void)
{
	libctx = OSSL_LIB_CTX_new();
	if (libctx == NULL)
		goto fail;
	provider = OSSL_PROVIDER_load(libctx, "default");
	if (provider == NULL)
		goto fail;
	/* The cipher is fetched at its first use (about a millisecond, the
	 * first fetch of any cipher): a process that only lists and reads
	 * secrets never needs it. */
	sha256 = EVP_MD_fetch(libctx, "SHA256", NULL);
	if (sha256 == NULL)
		goto fail;
	if (atexit(ossl_teardown) != 0)
		oc_debug(OC_LOG_CMEK,
			 "cannot free the OpenSSL context at exit");
	return;
fail:
	oc_debug(OC_LOG_CMEK, "OpenSSL library context setup failed");
	/* Leave everything NULL so callers report OC_ERR_CRYPTO. */
	ossl_teardown();
	ERR_clear_error();
}

OSSL_LIB_CTX *oc_ossl_libctx(void)
{
	pthread_once(&ossl_once, ossl_setup);
	return libctx;
}

static void fetch_aes_gcm(void)
{
	if (oc_ossl_libctx() == NULL)
		return;
	aes_gcm = EVP_CIPHER_fetch(libctx, "AES-256-GCM", NULL);
	if (aes_gcm == NULL) {
		oc_debug(OC_LOG_CMEK, "AES-256-GCM is not available");
		ERR_clear_error();
	}
}

const EVP_CIPHER *oc_ossl_aes_256_gcm(void)
{
	pthread_once(&gcm_once, fetch_aes_gcm);
	return aes_gcm;
}

const EVP_MD *oc_ossl_sha256(void)
{
	pthread_once(&ossl_once, ossl_setup);
	return sha256;
}

int oc_random(unsigned char *out, size_t n)
{
	OSSL_LIB_CTX *ctx = oc_ossl_libctx();

	if (out == NULL && n != 0)
		return OC_ERR_ARGS;
	if (n == 0)
		return OC_OK;
	if (ctx == NULL || RAND_bytes_ex(ctx, out, n, 0) != 1) {
		ERR_clear_error();
		return OC_ERR_CRYPTO;
	}
	return OC_OK;
}

void oc_ossl_clear_errors(void)
{
	/* Clearing walks and frees every slot of the queue whether or not
	 * it holds anything: a large part of a small operation's cost, for
	 * a queue that is nearly always empty. */
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

int oc_uuid(char out[OC_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t i, o = 0;
	int rc;

	rc = oc_random(r, sizeof(r));
	if (rc)
		return rc;
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 0x0f];
	}
	out[o] = '\0';
	return OC_OK;
}

bool oc_is_uuid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != OC_UUID_LEN)
		return false;
	for (i = 0; i < OC_UUID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}
