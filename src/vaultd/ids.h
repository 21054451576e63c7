/* ids.h - identifiers and credentials minted by the server: UUIDs, API keys
 * (1ck_ user keys, ocv_ agent keys) and their SHA-256 hashes. */
#ifndef OC_VAULTD_IDS_H
#define OC_VAULTD_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h" /* oc_base64url_encode, oc_base64url_decode */
#include "ossl.h"  /* oc_uuid, oc_is_uuid, OC_UUID_LEN */

#define OC_KEY_HASH_LEN 32
/* prefix (4) + base64url of 32 random bytes without padding (43). */
#define OC_API_KEY_LEN 47
#define OC_API_KEY_MAX 256

/* A new key "<prefix>" + 43 base64url chars, written into secure memory the
 * caller frees with oc_secure_free(). prefix is "1ck_" or "ocv_". */
int oc_api_key_new(const char *prefix, char **out);
/* SHA-256 of the key text; only this is ever stored. */
int oc_api_key_hash(const char *key, size_t n, uint8_t out[OC_KEY_HASH_LEN]);

#endif
