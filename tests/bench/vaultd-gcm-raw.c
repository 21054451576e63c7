/* vaultd-gcm-raw.c - the raw cost of the crypto one server-side rotation
 * does per secret, for tests/bench/vaultd-rotate.sh to print beside the
 * server's rate.  Per secret, as in src/vaultd/rotator.c: unwrap the DEK,
 * decrypt the stored value, base64-decode the blob, CMEK open with the old
 * key, CMEK seal with the new key, base64-encode, a fresh DEK, encrypt the
 * value, wrap the DEK.  Two figures: AES-GCM only, and everything (HKDF
 * for the vault KEK twice, the RNG, base64 too).
 *
 * usage: vaultd-gcm-raw N PLAINTEXT_LEN  -> "gcm SECONDS\nfull SECONDS\n" */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "cmek.h"
#include "codec.h"
#include "err.h"
#include "ossl.h"

#define AAD                                                                    \
	"oneclaw-vaultd value v1:00000000-0000-4000-8000-000000000000:"        \
	"00000000-0000-4000-8000-000000000001"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hkdf(EVP_KDF *kdf, const uint8_t *master, uint8_t out[32])
{
	static const uint8_t salt[32] = {1};
	static const char info[] = "oneclaw-vaultd vault kek v1:"
				   "00000000-0000-4000-8000-000000000000";
	OSSL_PARAM p[5];
	EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)master, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, sizeof(salt));
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, strlen(info));
	p[4] = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, 32, p) == 1;
	EVP_KDF_CTX_free(c);
	return ok ? 0 : -1;
}

/* One secret's rotation; full adds HKDF, RNG and base64. */
static int one(bool full, EVP_KDF *kdf, const uint8_t *master,
	       const struct oc_cmek_key *ko, const struct oc_cmek_key *kn,
	       uint8_t *wrapped, uint8_t *ct, size_t val_len, size_t blob_len)
{
	uint8_t kek[32], dek[32], val[256], blob[256], pt[256], blob2[256];
	uint8_t iv[12] = {0}, tag[16];
	char b64[256];
	size_t n = 0, pt_len = 0, b2 = 0;
	int rc = 0;

	if (full)
		rc |= hkdf(kdf, master, kek);
	else
		memcpy(kek, master, 32);
	rc |= oc_aes_gcm_open(kek, wrapped, 12, (const uint8_t *)AAD, 40,
			      wrapped + 12, 32, wrapped + 44, 16, dek);
	rc |= oc_aes_gcm_open(dek, ct, 12, (const uint8_t *)AAD, strlen(AAD),
			      ct + 12, val_len, ct + 12 + val_len, 16, val);
	if (full) {
		rc |= oc_base64_decode_strict((const char *)val, val_len, blob,
					      sizeof(blob), &n);
	} else {
		n = blob_len;
		memcpy(blob, val, n); /* the bytes, without the decoding */
	}
	rc |= oc_cmek_open(ko, blob, n, pt, sizeof(pt), &pt_len);
	rc |= oc_cmek_seal(kn, pt, pt_len, blob2, sizeof(blob2), &b2);
	if (full) {
		rc |= oc_base64_encode(blob2, b2, b64, sizeof(b64));
		rc |= oc_random(dek, 32);
		rc |= oc_random(iv, 12);
		rc |= hkdf(kdf, master, kek);
	} else {
		memcpy(b64, blob2, b2);
	}
	rc |= oc_aes_gcm_seal(dek, iv, 12, (const uint8_t *)AAD, strlen(AAD),
			      (const uint8_t *)b64, val_len, val, tag, 16);
	rc |= oc_aes_gcm_seal(kek, iv, 12, (const uint8_t *)AAD, 40, dek, 32,
			      val, tag, 16);
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t master[32] = {7}, raw_o[32] = {1}, raw_n[32] = {2};
	struct oc_cmek_key *ko = NULL, *kn = NULL;
	uint8_t dek[32] = {3}, wrapped[60], ct[300], blob[256], pt[128];
	char b64[256];
	size_t pt_len, blob_len = 0, val_len, i, count;
	EVP_KDF *kdf;
	char *end;
	double t0, t_gcm, t_full;
	int pass;

	if (argc != 3)
		return 2;
	errno = 0;
	count = strtoul(argv[1], &end, 10);
	if (errno || *end || count == 0)
		return 2;
	pt_len = strtoul(argv[2], &end, 10);
	if (errno || *end || pt_len > sizeof(pt))
		return 2;
	memset(pt, 'p', pt_len);
	kdf = EVP_KDF_fetch(oc_ossl_libctx(), "HKDF", NULL);
	if (!kdf || oc_cmek_key_from_raw(raw_o, &ko) ||
	    oc_cmek_key_from_raw(raw_n, &kn))
		return 1;
	/* One stored version: the wrapped DEK and the encrypted base64 blob,
	 * made with the plain master key as KEK for the GCM-only pass and
	 * re-made with HKDF for the full pass. */
	if (oc_cmek_seal(ko, pt, pt_len, blob, sizeof(blob), &blob_len) ||
	    oc_base64_encode(blob, blob_len, b64, sizeof(b64)))
		return 1;
	val_len = strlen(b64);
	for (pass = 0; pass < 2; pass++) {
		uint8_t kek[32];
		const uint8_t *v = pass ? (const uint8_t *)b64 : blob;
		size_t vl = pass ? val_len : blob_len;

		if (pass)
			hkdf(kdf, master, kek);
		else
			memcpy(kek, master, 32);
		memset(wrapped, 0, 12);
		memset(ct, 0, 12);
		if (oc_aes_gcm_seal(kek, wrapped, 12, (const uint8_t *)AAD, 40,
				    dek, 32, wrapped + 12, wrapped + 44, 16) ||
		    oc_aes_gcm_seal(dek, ct, 12, (const uint8_t *)AAD,
				    strlen(AAD), v, vl, ct + 12, ct + 12 + vl,
				    16))
			return 1;
		t0 = now();
		for (i = 0; i < count; i++) {
			if (one(pass == 1, kdf, master, ko, kn, wrapped, ct, vl,
				blob_len)) {
				fprintf(stderr, "crypto failed\n");
				return 1;
			}
		}
		if (pass == 0)
			t_gcm = now() - t0;
		else
			t_full = now() - t0;
	}
	printf("gcm %.6f\nfull %.6f\n", t_gcm, t_full);
	oc_cmek_key_free(ko);
	oc_cmek_key_free(kn);
	EVP_KDF_free(kdf);
	return 0;
}
