/* ossl.h - the core's own OpenSSL library context.
 *
 * Only the default provider is loaded in it, so a process whose OpenSSL
 * config routes to a pkcs11 provider can never loop back into this module.
 * Set up once with pthread_once; nothing process-wide is changed. */
#ifndef OC_OSSL_H
#define OC_OSSL_H

#include <stdbool.h>

#include <openssl/evp.h>

OSSL_LIB_CTX *oc_ossl_libctx(void);
/* Fetched once; never free these. NULL only if the provider failed. */
const EVP_CIPHER *oc_ossl_aes_256_gcm(void);
const EVP_MD *oc_ossl_sha256(void);
/* RAND_bytes_ex on the private context; OC_ERR_CRYPTO on failure. */
int oc_random(unsigned char *out, size_t n);
#define OC_UUID_LEN 36
/* A random (version 4) UUID, lowercase, NUL-terminated. */
int oc_uuid(char out[OC_UUID_LEN + 1]);
/* 1 when s is a canonical lowercase or uppercase UUID text (8-4-4-4-12
 * hex digits). */
bool oc_is_uuid(const char *s);
/* Empties the error queue (when it holds anything): stale errors from the
 * host must not leak into ours. */
void oc_ossl_clear_errors(void);

#endif
