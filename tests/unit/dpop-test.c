/* dpop-test.c - src/dpop.c with a software P-256 signer: the proof's exact
 * header, its payload, a signature OpenSSL verifies, the RFC 7638
 * thumbprint, htu without query and fragment, keys refused, a failing
 * signer, and the cost of one proof (printed, not asserted). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "codec.h"
#include "dpop.h"
#include "err.h"
#include "json.h"

#define URL "https://api.example.test/v1/vaults/v-1/secrets/a%2Fb"

static EVP_PKEY *keygen(const char *type, const char *curve)
{
	EVP_PKEY *k = curve ? EVP_PKEY_Q_keygen(NULL, NULL, type, curve)
			    : EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)2048);

	assert_non_null(k);
	return k;
}

/* A dpop over key (the test keeps its own reference). */
static struct oc_dpop *mkdpop(EVP_PKEY *key)
{
	struct oc_dpop_signer s;
	struct oc_dpop *d = NULL;

	assert_int_equal(EVP_PKEY_up_ref(key), 1);
	assert_int_equal(oc_dpop_signer_pkey(key, &s), OC_OK);
	assert_int_equal(oc_dpop_new(&s, &d), OC_OK);
	return d;
}

static void b64url_of_coord(EVP_PKEY *k, const char *param, char out[44])
{
	uint8_t raw[32];
	char padded[46];
	BIGNUM *bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(k, param, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, raw, 32), 32);
	BN_free(bn);
	assert_int_equal(oc_base64url_encode(raw, 32, padded, sizeof(padded)),
			 OC_OK);
	memcpy(out, padded, 44);
}

static bool is_b64url(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return n > 0;
}

static bool is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return false;
		}
	}
	return s[14] == '4';
}

struct parts {
	char header[512];
	char payload[8192];
	uint8_t sig[64];
	char jti[64], htm[16], htu[4200];
	int64_t iat;
};

static void decode_part(const char *p, size_t n, void *out, size_t cap,
			size_t *len)
{
	assert_true(is_b64url(p, n)); /* no '=', '+', '/' */
	assert_int_equal(oc_base64_decode(p, n, out, cap, len), OC_OK);
}

/* Splits a proof, checks its form and the signature with pub. */
static void check_proof(const char *proof, EVP_PKEY *pub, struct parts *pt)
{
	const char *d1 = strchr(proof, '.'), *d2;
	const char *s;
	size_t n, len;
	struct oc_json *j = NULL;
	ECDSA_SIG *es;
	BIGNUM *r, *sv;
	unsigned char *der = NULL;
	int dlen;
	EVP_MD_CTX *mc;

	memset(pt, 0, sizeof(*pt));
	assert_non_null(d1);
	d2 = strchr(d1 + 1, '.');
	assert_non_null(d2);
	assert_null(strchr(d2 + 1, '.'));
	decode_part(proof, (size_t)(d1 - proof), pt->header,
		    sizeof(pt->header) - 1, &len);
	pt->header[len] = '\0';
	decode_part(d1 + 1, (size_t)(d2 - d1 - 1), pt->payload,
		    sizeof(pt->payload) - 1, &len);
	pt->payload[len] = '\0';
	decode_part(d2 + 1, strlen(d2 + 1), pt->sig, sizeof(pt->sig), &len);
	assert_int_equal(len, 64);

	assert_int_equal(oc_json_parse(pt->payload, strlen(pt->payload), &j),
			 OC_OK);
	assert_int_equal(oc_json_len(j), 4);
	assert_string_equal(oc_json_key_at(j, 0), "jti");
	assert_string_equal(oc_json_key_at(j, 1), "htm");
	assert_string_equal(oc_json_key_at(j, 2), "htu");
	assert_string_equal(oc_json_key_at(j, 3), "iat");
	s = oc_json_get_string(j, "jti", &n);
	assert_non_null(s);
	snprintf(pt->jti, sizeof(pt->jti), "%s", s);
	s = oc_json_get_string(j, "htm", &n);
	assert_non_null(s);
	snprintf(pt->htm, sizeof(pt->htm), "%s", s);
	s = oc_json_get_string(j, "htu", &n);
	assert_non_null(s);
	snprintf(pt->htu, sizeof(pt->htu), "%s", s);
	assert_true(oc_json_get_int(j, "iat", &pt->iat));
	oc_json_free(j);
	assert_true(is_uuid(pt->jti));

	/* JOSE r || s to DER, verified over header.payload as sent. */
	r = BN_bin2bn(pt->sig, 32, NULL);
	sv = BN_bin2bn(pt->sig + 32, 32, NULL);
	es = ECDSA_SIG_new();
	assert_non_null(es);
	assert_int_equal(ECDSA_SIG_set0(es, r, sv), 1);
	dlen = i2d_ECDSA_SIG(es, &der);
	assert_true(dlen > 0);
	mc = EVP_MD_CTX_new();
	assert_int_equal(
	    EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pub), 1);
	assert_int_equal(EVP_DigestVerify(mc, der, (size_t)dlen,
					  (const unsigned char *)proof,
					  (size_t)(d2 - proof)),
			 1);
	/* And not over anything else. */
	assert_int_equal(
	    EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pub), 1);
	assert_int_not_equal(EVP_DigestVerify(mc, der, (size_t)dlen,
					      (const unsigned char *)proof,
					      (size_t)(d1 - proof)),
			     1);
	EVP_MD_CTX_free(mc);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
}

static void test_proof(void **state)
{
	EVP_PKEY *k = keygen("EC", "P-256");
	struct oc_dpop *d = mkdpop(k);
	char x[44], y[44], want[512], jwk[OC_DPOP_JWK_MAX];
	char first_jti[64];
	struct parts pt;
	char *proof = NULL;
	time_t now = time(NULL);

	(void)state;
	b64url_of_coord(k, OSSL_PKEY_PARAM_EC_PUB_X, x);
	b64url_of_coord(k, OSSL_PKEY_PARAM_EC_PUB_Y, y);
	assert_int_equal(strlen(x), 43);

	assert_int_equal(
	    oc_dpop_proof(d, "GET", URL "?prefix=a&b=c#frag", &proof), OC_OK);
	check_proof(proof, k, &pt);
	snprintf(want, sizeof(want),
		 "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":"
		 "\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}}",
		 x, y);
	assert_string_equal(pt.header, want);
	assert_string_equal(pt.htm, "GET");
	assert_string_equal(pt.htu, URL);
	assert_true(pt.iat >= (int64_t)now - 1 &&
		    pt.iat <= (int64_t)time(NULL) + 1);
	snprintf(first_jti, sizeof(first_jti), "%s", pt.jti);
	free(proof);

	/* A second proof: its own jti. */
	assert_int_equal(oc_dpop_proof(d, "POST", URL "#only-fragment", &proof),
			 OC_OK);
	check_proof(proof, k, &pt);
	assert_string_equal(pt.htm, "POST");
	assert_string_equal(pt.htu, URL);
	assert_string_not_equal(pt.jti, first_jti);
	free(proof);

	/* The exchange's dpop_jwk is the header's jwk. */
	assert_int_equal(oc_dpop_jwk(d, jwk, sizeof(jwk)), OC_OK);
	snprintf(want, sizeof(want),
		 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
		 x, y);
	assert_string_equal(jwk, want);
	assert_int_equal(oc_dpop_jwk(d, jwk, 20), OC_ERR_RANGE);

	/* Bad methods and URLs are refused, nothing made. */
	proof = (char *)"x";
	assert_int_equal(oc_dpop_proof(d, "get", URL, &proof), OC_ERR_ARGS);
	assert_int_equal(oc_dpop_proof(d, "GET", "?q", &proof), OC_ERR_RANGE);
	assert_null(proof);
	oc_dpop_free(d);
	EVP_PKEY_free(k);
}

static void test_thumbprint(void **state)
{
	EVP_PKEY *k = keygen("EC", "P-256");
	struct oc_dpop *d = mkdpop(k);
	char x[44], y[44], canon[256], want[46], got[OC_DPOP_JKT_LEN + 1];
	uint8_t md[32];

	(void)state;
	b64url_of_coord(k, OSSL_PKEY_PARAM_EC_PUB_X, x);
	b64url_of_coord(k, OSSL_PKEY_PARAM_EC_PUB_Y, y);
	snprintf(canon, sizeof(canon),
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		 x, y);
	assert_int_equal(
	    EVP_Digest(canon, strlen(canon), md, NULL, EVP_sha256(), NULL), 1);
	assert_int_equal(oc_base64url_encode(md, 32, want, sizeof(want)),
			 OC_OK);
	assert_int_equal(oc_dpop_thumbprint(d, got), OC_OK);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), OC_DPOP_JKT_LEN);
	oc_dpop_free(d);
	EVP_PKEY_free(k);
}

/* ES256 only: RSA and other curves are refused, at the JWK and at the
 * first proof. */
static void test_refused_keys(void **state)
{
	EVP_PKEY *rsa = keygen("RSA", NULL);
	EVP_PKEY *p384 = keygen("EC", "P-384");
	char jwk[OC_DPOP_JWK_MAX];
	char *proof = NULL;
	struct oc_dpop *d;

	(void)state;
	assert_int_equal(oc_dpop_jwk_of(rsa, jwk, sizeof(jwk)),
			 OC_ERR_UNSUPPORTED);
	assert_int_equal(oc_dpop_jwk_of(p384, jwk, sizeof(jwk)),
			 OC_ERR_UNSUPPORTED);
	d = mkdpop(p384);
	assert_int_equal(oc_dpop_proof(d, "GET", URL, &proof),
			 OC_ERR_UNSUPPORTED);
	assert_null(proof);
	assert_int_equal(oc_dpop_jwk(d, jwk, sizeof(jwk)), OC_ERR_UNSUPPORTED);
	oc_dpop_free(d);
	d = mkdpop(rsa);
	assert_int_equal(oc_dpop_proof(d, "GET", URL, &proof),
			 OC_ERR_UNSUPPORTED);
	oc_dpop_free(d);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p384);
}

static int bad_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
	(void)ctx;
	(void)digest;
	memset(sig, 0xAA, 64);
	return OC_ERR_CRYPTO;
}

static int fixed_public(void *ctx, EVP_PKEY **out)
{
	EVP_PKEY_up_ref(ctx);
	*out = ctx;
	return OC_OK;
}

static int frees;
static void count_free(void *ctx)
{
	(void)ctx;
	frees++;
}

static void test_signer_fails(void **state)
{
	EVP_PKEY *k = keygen("EC", "P-256");
	struct oc_dpop_signer s = {.public_key = fixed_public,
				   .sign = bad_sign,
				   .free = count_free,
				   .ctx = k};
	struct oc_dpop *d = NULL;
	char *proof = NULL;

	(void)state;
	frees = 0;
	assert_int_equal(oc_dpop_new(&s, &d), OC_OK);
	assert_int_equal(oc_dpop_proof(d, "GET", URL, &proof), OC_ERR_CRYPTO);
	assert_null(proof);
	/* Shared: the last holder frees. */
	assert_ptr_equal(oc_dpop_ref(d), d);
	oc_dpop_free(d);
	assert_int_equal(frees, 0);
	oc_dpop_free(d);
	assert_int_equal(frees, 1);
	/* A signer without sign is refused, and freed. */
	s.sign = NULL;
	assert_int_equal(oc_dpop_new(&s, &d), OC_ERR_ARGS);
	assert_int_equal(frees, 2);
	EVP_PKEY_free(k);
}

static void test_htu(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(oc_dpop_htu("https://h/p?q=1", out, sizeof(out)),
			 OC_OK);
	assert_string_equal(out, "https://h/p");
	assert_int_equal(oc_dpop_htu("https://h/p#f?q", out, sizeof(out)),
			 OC_OK);
	assert_string_equal(out, "https://h/p");
	assert_int_equal(oc_dpop_htu("http://127.0.0.1:8/v1/auth/agent-token",
				     out, sizeof(out)),
			 OC_OK);
	assert_string_equal(out, "http://127.0.0.1:8/v1/auth/agent-token");
	assert_int_equal(oc_dpop_htu("https://h/p", out, 5), OC_ERR_RANGE);
}

/* What one software proof costs (compare the SoftHSM figure in the
 * integration test's log). */
static void test_cost(void **state)
{
	EVP_PKEY *k = keygen("EC", "P-256");
	struct oc_dpop *d = mkdpop(k);
	struct timespec t0, t1;
	char *proof;
	int i, n = 200;
	double us;

	(void)state;
	assert_int_equal(oc_dpop_proof(d, "GET", URL, &proof), OC_OK);
	free(proof);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		assert_int_equal(oc_dpop_proof(d, "GET", URL, &proof), OC_OK);
		free(proof);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	      (double)(t1.tv_nsec - t0.tv_nsec)) /
	     1e3 / n;
	printf("# DPoP proof, software P-256 key: %.1f us each (%d)\n", us, n);
	oc_dpop_free(d);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proof),
	    cmocka_unit_test(test_thumbprint),
	    cmocka_unit_test(test_refused_keys),
	    cmocka_unit_test(test_signer_fails),
	    cmocka_unit_test(test_htu),
	    cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests_name("dpop", tests, NULL, NULL);
}
