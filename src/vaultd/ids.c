/* ids.c - UUIDs, API keys and their hashes. */
#include "config.h"

#include "ids.h"

#include <string.h>

#include <openssl/evp.h>

#include "codec.h"
#include "err.h"
#include "ossl.h"
#include "secmem.h"

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

int oc_base64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	size_t i, len;
	int rc;

	rc = oc_base64_encode(in, n, out, out_size);
	if (rc)
		return rc;
	len = strlen(out);
	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return OC_OK;
}

int oc_base64url_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
			size_t *out_len)
{
	size_t i;

	/* A lone trailing character holds less than a byte. */
	if (n % 4 == 1)
		return OC_ERR_PARSE;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return OC_ERR_PARSE;
	}
	return oc_base64_decode(in, n, out, out_size, out_len);
}

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
