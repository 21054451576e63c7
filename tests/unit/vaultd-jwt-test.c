/* vaultd-jwt-test.c - Ed25519 JWTs: issue, verify, expiry, tampering,
 * the largest payload, tokens of earlier versions (a scopes claim), and
 * the DPoP binding (cnf.jkt). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "codec.h"
#include "err.h"
#include "ossl.h"
#include "secmem.h"
#include "vaultd/ids.h"
#include "vaultd/jwt.h"

static const uint8_t seed[32] = {1,  2,	 3,  4,	 5,  6,	 7,  8,	 9,  10, 11,
				 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static char *issue(struct oc_signer *s, int64_t now, int64_t ttl)
{
	struct oc_principal p;
	char *tok = NULL;

	memset(&p, 0, sizeof(p));
	p.kind = OC_PRINCIPAL_AGENT;
	memcpy(p.id, "6d0c1b52-8e57-4d6f-9c1a-1c2f5e0e3a11", 37);
	p.gen = 7;
	assert_int_equal(oc_strlist_add(&p.vault_ids,
					"0b7e5b1c-0d8a-4f1e-8d7e-6a3b2c1d0e9f"),
			 OC_OK);
	assert_int_equal(oc_strlist_add(&p.scopes, "db/**"), OC_OK);
	assert_int_equal(oc_jwt_issue(s, &p, now, ttl, &tok), OC_OK);
	oc_principal_clear(&p);
	return tok;
}

/* The decoded payload of tok, NUL-terminated (free()). */
static char *payload_of(const char *tok, size_t *len)
{
	const char *p1 = strchr(tok, '.'), *p2;
	char *out;
	size_t n;

	assert_non_null(p1);
	p2 = strchr(p1 + 1, '.');
	assert_non_null(p2);
	n = (size_t)(p2 - p1 - 1);
	out = malloc(n + 1);
	assert_non_null(out);
	assert_int_equal(
	    oc_base64_decode(p1 + 1, n, (uint8_t *)out, n + 1, len), OC_OK);
	out[*len] = '\0';
	return out;
}

static void roundtrip(void **state)
{
	struct oc_signer *s = NULL;
	struct oc_principal p;
	const char *why;
	char *tok, *payload;
	size_t len;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	tok = issue(s, 1000, 60);
	assert_int_equal(strncmp(tok, "eyJ", 3), 0);
	assert_int_equal(oc_jwt_verify(s, tok, strlen(tok), 1010, &p, &why),
			 OC_OK);
	assert_int_equal(p.kind, OC_PRINCIPAL_AGENT);
	assert_int_equal(p.gen, 7);
	assert_int_equal(p.exp, 1060);
	assert_int_equal(p.vault_ids.n, 1);
	/* Scopes are the agent's live data, never in a token. */
	assert_int_equal(p.scopes.n, 0);
	/* A bearer token: no binding. */
	assert_string_equal(p.jkt, "");
	payload = payload_of(tok, &len);
	assert_null(strstr(payload, "scopes"));
	assert_null(strstr(payload, "db/**"));
	assert_null(strstr(payload, "cnf"));
	free(payload);
	oc_principal_clear(&p);
	/* Expired at exp. */
	assert_int_equal(oc_jwt_verify(s, tok, strlen(tok), 1060, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	oc_secure_free(tok);
	oc_signer_free(s);
}

/* A bound token carries cnf {"jkt"} and gives it back. */
static void bound(void **state)
{
	static const char jkt[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
	struct oc_signer *s = NULL;
	struct oc_principal p;
	const char *why;
	char *tok = NULL, *payload;
	size_t len;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	memset(&p, 0, sizeof(p));
	p.kind = OC_PRINCIPAL_USER;
	memcpy(p.id, "6d0c1b52-8e57-4d6f-9c1a-1c2f5e0e3a11", 37);
	memcpy(p.jkt, jkt, sizeof(jkt));
	assert_int_equal(oc_jwt_issue(s, &p, 1000, 60, &tok), OC_OK);
	oc_principal_clear(&p);
	payload = payload_of(tok, &len);
	assert_non_null(strstr(payload, "\"cnf\":{\"jkt\":\"0ZcOCORZ"));
	free(payload);
	assert_int_equal(oc_jwt_verify(s, tok, strlen(tok), 1010, &p, &why),
			 OC_OK);
	assert_string_equal(p.jkt, jkt);
	oc_principal_clear(&p);
	oc_secure_free(tok);
	oc_signer_free(s);
}

static void tampered(void **state)
{
	struct oc_signer *s = NULL, *other = NULL;
	struct oc_principal p;
	uint8_t seed2[32];
	const char *why;
	char *tok, *dot;
	size_t n;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	memcpy(seed2, seed, 32);
	seed2[0] ^= 1;
	assert_int_equal(oc_signer_new(seed2, &other), OC_OK);
	tok = issue(s, 1000, 60);
	n = strlen(tok);
	/* Another key's signature. */
	assert_int_equal(oc_jwt_verify(other, tok, n, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	/* A flipped payload byte. */
	dot = strchr(tok, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	assert_int_equal(oc_jwt_verify(s, tok, n, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	/* Junk. */
	assert_int_equal(oc_jwt_verify(s, "a.b.c", 5, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_jwt_verify(s, "", 0, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	oc_secure_free(tok);
	oc_signer_free(s);
	oc_signer_free(other);
}

/* Once a token verified, the memo of verified signatures lets through
 * that exact token only: a changed payload or signature is checked (and
 * refused) again, and the remembered token still expires. */
static void remembered(void **state)
{
	struct oc_signer *s = NULL;
	struct oc_principal p;
	const char *why;
	char *tok, *copy, *dot;
	size_t n;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	tok = issue(s, 1000, 60);
	n = strlen(tok);
	assert_int_equal(oc_jwt_verify(s, tok, n, 1001, &p, &why), OC_OK);
	oc_principal_clear(&p);
	assert_int_equal(oc_jwt_verify(s, tok, n, 1002, &p, &why), OC_OK);
	oc_principal_clear(&p);
	copy = strdup(tok);
	assert_non_null(copy);
	dot = strchr(copy, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	assert_int_equal(oc_jwt_verify(s, copy, n, 1003, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	memcpy(copy, tok, n);
	dot = strrchr(copy, '.');
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	assert_int_equal(oc_jwt_verify(s, copy, n, 1003, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_jwt_verify(s, tok, n, 1060, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_string_equal(why, "Token expired");
	free(copy);
	oc_secure_free(tok);
	oc_signer_free(s);
}

/* Every claim at its longest: the token is issued, fits OC_JWT_MAX and
 * the client's bound (16384, src/api.c), and verifies. */
static void largest(void **state)
{
	struct oc_signer *s = NULL;
	struct oc_principal p;
	char id[OC_UUID_LEN + 1], *tok = NULL, *payload;
	const char *why;
	int64_t min = -9223372036854775807LL - 1;
	size_t len, i;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	memset(&p, 0, sizeof(p));
	p.kind = OC_PRINCIPAL_AGENT;
	memcpy(p.id, "6d0c1b52-8e57-4d6f-9c1a-1c2f5e0e3a11", 37);
	p.gen = min;
	for (i = 0; i < OC_STRLIST_MAX; i++) {
		assert_int_equal(oc_uuid(id), OC_OK);
		assert_int_equal(oc_strlist_add(&p.vault_ids, id), OC_OK);
	}
	assert_int_equal(oc_strlist_add(&p.vault_ids, id), OC_ERR_RANGE);
	assert_int_equal(oc_strlist_add(&p.scopes, "db/**"), OC_OK);
	memset(p.jkt, 'A', OC_JWK_THUMBPRINT_LEN);
	assert_int_equal(oc_jwt_issue(s, &p, min, 3600, &tok), OC_OK);
	oc_principal_clear(&p);
	assert_true(strlen(tok) <= OC_JWT_MAX);
	assert_true(strlen(tok) <= 16384);
	/* The bound is the exact size, less the one comma it counts for the
	 * last vault id. */
	payload = payload_of(tok, &len);
	assert_int_equal(len, OC_JWT_PAYLOAD_MAX - 1);
	free(payload);
	assert_int_equal(oc_jwt_verify(s, tok, strlen(tok), min, &p, &why),
			 OC_OK);
	assert_int_equal(p.vault_ids.n, OC_STRLIST_MAX);
	assert_int_equal(p.gen, min);
	assert_int_equal(strlen(p.jkt), OC_JWK_THUMBPRINT_LEN);
	oc_principal_clear(&p);
	oc_secure_free(tok);
	oc_signer_free(s);
}

/* A token as earlier versions issued it, with a scopes claim: accepted,
 * the claim ignored. */
static void scopes_claim(void **state)
{
	static const char header[] = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9";
	static const char payload[] =
	    "{\"sub\":\"agent:6d0c1b52-8e57-4d6f-9c1a-1c2f5e0e3a11\","
	    "\"org\":\"local\",\"scopes\":[\"db/**\",\"app/*\"],"
	    "\"vault_ids\":[\"0b7e5b1c-0d8a-4f1e-8d7e-6a3b2c1d0e9f\"],"
	    "\"iat\":1000,\"exp\":1060,"
	    "\"jti\":\"1f0b6c8e-3d2a-4b5c-9e8f-7a6b5c4d3e2f\",\"gen\":7}";
	struct oc_signer *s = NULL;
	struct oc_principal p;
	unsigned char sig[64];
	size_t sig_len = sizeof(sig), n;
	char tok[1024], enc[512];
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	const char *why;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	assert_int_equal(oc_base64url_encode((const uint8_t *)payload,
					     strlen(payload), enc, sizeof(enc)),
			 OC_OK);
	snprintf(tok, sizeof(tok), "%s.%s", header, enc);
	key = EVP_PKEY_new_raw_private_key_ex(oc_ossl_libctx(), "ED25519", NULL,
					      seed, sizeof(seed));
	md = EVP_MD_CTX_new();
	assert_non_null(key);
	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit_ex(md, NULL, NULL, oc_ossl_libctx(),
					       NULL, key, NULL),
			 1);
	assert_int_equal(EVP_DigestSign(md, sig, &sig_len,
					(const unsigned char *)tok,
					strlen(tok)),
			 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	assert_int_equal(oc_base64url_encode(sig, sig_len, enc, sizeof(enc)),
			 OC_OK);
	n = strlen(tok);
	assert_true(n + 1 + strlen(enc) < sizeof(tok));
	snprintf(tok + n, sizeof(tok) - n, ".%s", enc);
	assert_int_equal(oc_jwt_verify(s, tok, strlen(tok), 1010, &p, &why),
			 OC_OK);
	assert_int_equal(p.kind, OC_PRINCIPAL_AGENT);
	assert_int_equal(p.gen, 7);
	assert_int_equal(p.vault_ids.n, 1);
	assert_int_equal(p.scopes.n, 0);
	oc_principal_clear(&p);
	oc_signer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roundtrip),    cmocka_unit_test(tampered),
	    cmocka_unit_test(largest),	    cmocka_unit_test(bound),
	    cmocka_unit_test(scopes_claim), cmocka_unit_test(remembered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
