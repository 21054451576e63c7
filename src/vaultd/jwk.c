/* jwk.c - EC P-256 public JWKs, thumbprints and ES256 through the core's
 * OpenSSL library context. */
#include "config.h"

#include "jwk.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "dpop.h"
#include "err.h"
#include "ids.h"
#include "ossl.h"

/* base64url of 32 bytes, no padding. */
#define COORD_B64_LEN 43

static bool member_is(const struct oc_json *obj, const char *key,
		      const char *want)
{
	size_t len = 0;
	const char *s = oc_json_get_string(obj, key, &len);

	return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

static int coordinate(const struct oc_json *obj, const char *key,
		      uint8_t out[OC_JWK_COORD_LEN])
{
	size_t len = 0, got = 0;
	const char *s = oc_json_get_string(obj, key, &len);
	uint8_t buf[OC_JWK_COORD_LEN + 3];

	/* Exactly 43 characters: RFC 7518 §6.2.1.2 fixes the length, and
	 * the thumbprint would otherwise depend on the client's zeros. */
	if (!s || len != COORD_B64_LEN ||
	    oc_base64url_decode(s, len, buf, sizeof(buf), &got) ||
	    got != OC_JWK_COORD_LEN)
		return OC_ERR_PARSE;
	memcpy(out, buf, OC_JWK_COORD_LEN);
	return OC_OK;
}

/* The EVP_PKEY of the point; EVP_PKEY_fromdata refuses a point off the
 * curve, and the public check says so out loud. */
static int make_pkey(struct oc_jwk *k)
{
	uint8_t pub[1 + 2 * OC_JWK_COORD_LEN];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	int rc = OC_ERR_PARSE;

	pub[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(pub + 1, k->x, OC_JWK_COORD_LEN);
	memcpy(pub + 1 + OC_JWK_COORD_LEN, k->y, OC_JWK_COORD_LEN);
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					      sizeof(pub)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(oc_ossl_libctx(), "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1) {
		rc = OC_ERR_CRYPTO;
		goto out;
	}
	if (EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(oc_ossl_libctx(), k->pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1)
		goto out;
	rc = OC_OK;
out:
	if (rc) {
		EVP_PKEY_free(k->pkey);
		k->pkey = NULL;
	}
	oc_ossl_clear_errors();
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int oc_jwk_parse(const struct oc_json *obj, struct oc_jwk *out,
		 const char **why)
{
	int rc;

	memset(out, 0, sizeof(*out));
	*why = "DPoP key is not a JWK object";
	if (!obj || oc_json_type(obj) != OC_JSON_OBJECT)
		return OC_ERR_PARSE;
	*why = "DPoP key must be an EC P-256 public key";
	if (!member_is(obj, "kty", "EC") || !member_is(obj, "crv", "P-256"))
		return OC_ERR_PARSE;
	if (oc_json_get(obj, "d")) {
		*why = "DPoP key holds a private key";
		return OC_ERR_PARSE;
	}
	*why = "DPoP key coordinates must be 32 bytes of base64url";
	if (coordinate(obj, "x", out->x) || coordinate(obj, "y", out->y))
		return OC_ERR_PARSE;
	rc = make_pkey(out);
	if (rc == OC_ERR_PARSE)
		*why = "DPoP key is not a point on P-256";
	return rc;
}

void oc_jwk_clear(struct oc_jwk *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

int oc_jwk_thumbprint(const struct oc_jwk *k,
		      char out[OC_JWK_THUMBPRINT_LEN + 1])
{
	char x[COORD_B64_LEN + 2], y[COORD_B64_LEN + 2];
	int rc;

	/* The encoder needs room for the padding it then drops. */
	rc = oc_base64url_encode(k->x, OC_JWK_COORD_LEN, x, sizeof(x));
	if (!rc)
		rc = oc_base64url_encode(k->y, OC_JWK_COORD_LEN, y, sizeof(y));
	return rc ? rc : oc_dpop_jkt(x, y, out);
}

/* JOSE's r || s as the DER ECDSA-Sig-Value OpenSSL verifies. */
static int sig_to_der(const uint8_t *sig, unsigned char **der, int *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, OC_ES256_SIG_LEN / 2, NULL);
	BIGNUM *s =
	    BN_bin2bn(sig + OC_ES256_SIG_LEN / 2, OC_ES256_SIG_LEN / 2, NULL);
	int rc = OC_ERR_CRYPTO;

	if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* es owns them */
	*der = NULL;
	*der_len = i2d_ECDSA_SIG(es, der);
	if (*der_len > 0)
		rc = OC_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int oc_jwk_verify_es256(const struct oc_jwk *k, const uint8_t *msg, size_t n,
			const uint8_t *sig, size_t sig_len)
{
	unsigned char *der = NULL;
	int der_len = 0, rc;
	EVP_MD_CTX *md = NULL;

	if (!k->pkey || sig_len != OC_ES256_SIG_LEN)
		return OC_ERR_CRYPTO;
	rc = sig_to_der(sig, &der, &der_len);
	if (rc)
		goto out;
	md = EVP_MD_CTX_new();
	if (!md ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", oc_ossl_libctx(), NULL,
				    k->pkey, NULL) != 1 ||
	    EVP_DigestVerify(md, der, (size_t)der_len, msg, n) != 1)
		rc = OC_ERR_CRYPTO;
out:
	oc_ossl_clear_errors();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return rc;
}
