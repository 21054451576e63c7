/* ids.h - identifiers and credentials minted by the server: UUIDs, API keys
 * (1ck_ user keys, ocv_ agent keys) and their SHA-256 hashes. */
#ifndef OC_VAULTD_IDS_H
#define OC_VAULTD_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_UUID_LEN	36
#define OC_KEY_HASH_LEN 32
/* prefix (4) + base64url of 32 random bytes without padding (43). */
#define OC_API_KEY_LEN 47
#define OC_API_KEY_MAX 256

/* A random (version 4) UUID, lowercase, NUL-terminated. */
int oc_uuid(char out[OC_UUID_LEN + 1]);
/* 1 when s is a canonical lowercase or uppercase UUID text. */
bool oc_is_uuid(const char *s);
/* A new key "<prefix>" + 43 base64url chars, written into secure memory the
 * caller frees with oc_secure_free(). prefix is "1ck_" or "ocv_". */
int oc_api_key_new(const char *prefix, char **out);
/* SHA-256 of the key text; only this is ever stored. */
int oc_api_key_hash(const char *key, size_t n, uint8_t out[OC_KEY_HASH_LEN]);
/* base64url without padding (JWT); out_size >= 4 * ceil(n / 3) + 1. */
int oc_base64url_encode(const uint8_t *in, size_t n, char *out,
			size_t out_size);
/* Strict base64url as JWS writes it: the URL-safe alphabet only, no
 * padding, no whitespace (oc_base64_decode accepts all three, which a
 * signed token must not).  OC_ERR_PARSE otherwise; OC_ERR_RANGE when the
 * output does not fit. */
int oc_base64url_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
			size_t *out_len);

#endif
