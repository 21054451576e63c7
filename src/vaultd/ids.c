/* ids.c - UUIDs, API keys and their hashes. */
#include "config.h"

#include "ids.h"

#include <string.h>

#include <openssl/evp.h>

#include "codec.h"
#include "err.h"
#include "ossl.h"
#include "secmem.h"

int oc_api_key_new(const char *prefix, char **out)
{
	unsigned char r[32];
	char *key = NULL;
	size_t plen = strlen(prefix);
	int rc;

	if (plen != 4)
		return OC_ERR_ARGS;
	key = oc_secure_alloc(OC_API_KEY_LEN + 8);
	if (!key)
		return OC_ERR_NOMEM;
	rc = oc_random(r, sizeof(r));
	if (rc)
		goto out;
	memcpy(key, prefix, plen);
	rc = oc_base64url_encode(r, sizeof(r), key + plen,
				 OC_API_KEY_LEN + 8 - plen);
	if (rc)
		goto out;
	*out = key;
	key = NULL;
out:
	oc_wipe(r, sizeof(r));
	oc_secure_free(key);
	return rc;
}

int oc_api_key_hash(const char *key, size_t n, uint8_t out[OC_KEY_HASH_LEN])
{
	unsigned int len = 0;

	if (!key || n == 0 || n > OC_API_KEY_MAX)
		return OC_ERR_ARGS;
	if (!EVP_Digest(key, n, out, &len, oc_ossl_sha256(), NULL) ||
	    len != OC_KEY_HASH_LEN)
		return OC_ERR_CRYPTO;
	return OC_OK;
}
