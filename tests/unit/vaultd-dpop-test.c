/* vaultd-dpop-test.c - DPoP proofs (RFC 9449): the JWK thumbprint against
 * RFC 9449's own example, JWK refusals, a good proof, every refusal of a
 * proof with its reason, htu normalisation, and the bounded replay set. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "err.h"
#include "json.h"
#include "ossl.h"
#include "vaultd/dpop-verify.h"
#include "vaultd/ids.h"
#include "vaultd/jwk.h"
#include "vaultd/replay.h"

#define NOW 1700000000

/* RFC 9449 §4.1's key and §6.1's thumbprint of it. */
static const char rfc_jwk[] =
    "{\"kty\":\"EC\",\"x\":\"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs\","
    "\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA\",\"crv\":\"P-256\"}";
static const char rfc_jkt[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

struct key {
	EVP_PKEY *pkey;
	char x[48], y[48];
};

static struct key key_a, key_b;

static void key_new(struct key *k)
{
	uint8_t pub[65];
	size_t len = 0;

	k->pkey = EVP_PKEY_Q_keygen(oc_ossl_libctx(), NULL, "EC", "P-256");
	assert_non_null(k->pkey);
	assert_int_equal(
	    EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY,
					    pub, sizeof(pub), &len),
	    1);
	assert_int_equal(len, 65);
	assert_int_equal(oc_base64url_encode(pub + 1, 32, k->x, sizeof(k->x)),
			 OC_OK);
	assert_int_equal(oc_base64url_encode(pub + 33, 32, k->y, sizeof(k->y)),
			 OC_OK);
}

static int setup(void **state)
{
	key_new(&key_a);
	key_new(&key_b);
	return 0;
}

static int teardown(void **state)
{
	EVP_PKEY_free(key_a.pkey);
	EVP_PKEY_free(key_b.pkey);
	return 0;
}

static void b64url(const char *s, char *out, size_t size)
{
	assert_int_equal(
	    oc_base64url_encode((const uint8_t *)s, strlen(s), out, size),
	    OC_OK);
}

/* ES256 of msg in JOSE form (r || s), base64url. */
static void sign(EVP_PKEY *pkey, const char *msg, char *out, size_t size)
{
	unsigned char der[80], rs[64];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig;

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit_ex(md, NULL, "SHA256",
					       oc_ossl_libctx(), NULL, pkey,
					       NULL),
			 1);
	assert_int_equal(EVP_DigestSign(md, der, &der_len,
					(const unsigned char *)msg,
					strlen(msg)),
			 1);
	EVP_MD_CTX_free(md);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	assert_non_null(sig);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32), 32);
	ECDSA_SIG_free(sig);
	assert_int_equal(oc_base64url_encode(rs, sizeof(rs), out, size), OC_OK);
}

/* What a proof holds; the defaults make a good one for req(). */
struct spec {
	const char *header; /* NULL: the standard one for key */
	const char *typ, *alg;
	const char *jwk_extra; /* members appended to the jwk */
	const char *htm, *htu, *jti;
	int64_t iat;
	struct key *key, *signer;
};

static struct spec good(void)
{
	struct spec s = {NULL,
			 "dpop+jwt",
			 "ES256",
			 "",
			 "GET",
			 "http://127.0.0.1:8080/v1/vaults",
			 "4c1e9f7a-0d3b-4a53-8a21-5b9f1b2c3d4e",
			 NOW,
			 &key_a,
			 NULL};
	return s;
}

static char *build(const struct spec *s)
{
	char header[512], payload[512], h[800], pl[800], input[1700], sig[100];
	char *out = malloc(2200);
	struct key *k = s->key;

	assert_non_null(out);
	if (s->header)
		snprintf(header, sizeof(header), "%s", s->header);
	else
		snprintf(
		    header, sizeof(header),
		    "{\"typ\":\"%s\",\"alg\":\"%s\",\"jwk\":{\"kty\":"
		    "\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"%s}}",
		    s->typ, s->alg, k->x, k->y, s->jwk_extra);
	snprintf(payload, sizeof(payload),
		 "{\"jti\":\"%s\",\"htm\":\"%s\",\"htu\":\"%s\",\"iat\":%lld}",
		 s->jti, s->htm, s->htu, (long long)s->iat);
	b64url(header, h, sizeof(h));
	b64url(payload, pl, sizeof(pl));
	snprintf(input, sizeof(input), "%s.%s", h, pl);
	sign((s->signer ? s->signer : k)->pkey, input, sig, sizeof(sig));
	snprintf(out, 2200, "%s.%s", input, sig);
	return out;
}

static struct oc_dpop_request req(void)
{
	struct oc_dpop_request r = {"GET", false, "127.0.0.1:8080",
				    "/v1/vaults", NOW};
	return r;
}

/* Verifies proof with a fresh replay set; returns the result, *why. */
static int verify(const char *proof, const struct oc_dpop_request *r,
		  const char *jkt, const char **why)
{
	struct oc_replay *seen = NULL;
	char key_jkt[OC_JWK_THUMBPRINT_LEN + 1];
	int64_t retry_at = 0;
	int rc;

	assert_int_equal(oc_replay_new(16, &seen), OC_OK);
	*why = "";
	rc = oc_dpop_verify(seen, proof, r, jkt, key_jkt, &retry_at, why);
	oc_replay_free(seen);
	return rc;
}

static void refused(const struct spec *s, const char *want)
{
	struct oc_dpop_request r = req();
	char *proof = build(s);
	const char *why;

	assert_int_equal(verify(proof, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	if (!strstr(why, want))
		fail_msg("reason \"%s\", expected \"%s\"", why, want);
	free(proof);
}

static void accepted(const struct spec *s, const struct oc_dpop_request *r)
{
	char *proof = build(s);
	const char *why;

	if (verify(proof, r, NULL, &why) != OC_OK)
		fail_msg("refused: %s", why);
	free(proof);
}

static int jwk_of(const char *json, struct oc_jwk *k, const char **why)
{
	struct oc_json *j = NULL;
	int rc;

	assert_int_equal(oc_json_parse(json, strlen(json), &j), OC_OK);
	rc = oc_jwk_parse(j, k, why);
	oc_json_free(j);
	return rc;
}

static void thumbprint_rfc9449(void **state)
{
	struct oc_jwk k;
	char jkt[OC_JWK_THUMBPRINT_LEN + 1];
	const char *why;

	assert_int_equal(jwk_of(rfc_jwk, &k, &why), OC_OK);
	assert_int_equal(oc_jwk_thumbprint(&k, jkt), OC_OK);
	assert_string_equal(jkt, rfc_jkt);
	oc_jwk_clear(&k);
}

/* The thumbprint of a fresh key, cross-checked by hashing the RFC 7638
 * JSON built by hand. */
static void thumbprint_by_hand(void **state)
{
	char json[256], jwk[256], jkt[OC_JWK_THUMBPRINT_LEN + 1], want[48];
	uint8_t md[32];
	unsigned int md_len = 0;
	struct oc_jwk k;
	const char *why;

	snprintf(jwk, sizeof(jwk),
		 "{\"y\":\"%s\",\"x\":\"%s\",\"kty\":\"EC\",\"crv\":\"P-256\","
		 "\"ext\":true}",
		 key_a.y, key_a.x);
	assert_int_equal(jwk_of(jwk, &k, &why), OC_OK);
	assert_int_equal(oc_jwk_thumbprint(&k, jkt), OC_OK);
	oc_jwk_clear(&k);
	snprintf(json, sizeof(json),
		 "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
		 key_a.x, key_a.y);
	assert_int_equal(
	    EVP_Digest(json, strlen(json), md, &md_len, EVP_sha256(), NULL), 1);
	assert_int_equal(oc_base64url_encode(md, 32, want, sizeof(want)),
			 OC_OK);
	assert_string_equal(jkt, want);
}

static void jwk_refusals(void **state)
{
	static const struct {
		const char *json, *why;
	} cases[] = {
	    {"{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "EC P-256"},
	    {"{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"l8tFrhx-34tV3hRICRDY9z"
	     "CkDlpBhF42UQUfWVAWBFs\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9T"
	     "DVrU0CdvGRDA\"}",
	     "EC P-256"},
	    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tFrhx-34tV3hRICRDY9z"
	     "CkDlpBhF42UQUfWVAWBFs\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9T"
	     "DVrU0CdvGRDA\",\"d\":\"AAAA\"}",
	     "private"},
	    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tFrhx-34tV3hRICRDY9z"
	     "CkDlpBhF42UQUfWVAWBF\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9T"
	     "DVrU0CdvGRDA\"}",
	     "32 bytes"},
	    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tFrhx+34tV3hRICRDY9z"
	     "CkDlpBhF42UQUfWVAWBFs\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9T"
	     "DVrU0CdvGRDA\"}",
	     "32 bytes"},
	    /* y changed (in a data bit, not the last two padding bits): off
	     * the curve. */
	    {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"l8tFrhx-34tV3hRICRDY9z"
	     "CkDlpBhF42UQUfWVAWBFs\",\"y\":\"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9T"
	     "DVrU0CdvGRDE\"}",
	     "not a point"},
	    {"{\"kty\":\"EC\"}", "EC P-256"},
	};
	struct oc_jwk k;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (jwk_of(cases[i].json, &k, &why) != OC_ERR_PARSE)
			fail_msg("case %zu accepted", i);
		if (!strstr(why, cases[i].why))
			fail_msg("case %zu: \"%s\"", i, why);
		oc_jwk_clear(&k);
	}
}

/* A proof with jti checked with seen for key jkt (NULL: any); *why. */
static int with_jti(struct oc_replay *seen, const char *jti, const char *jkt,
		    char key_jkt[OC_JWK_THUMBPRINT_LEN + 1], const char **why)
{
	struct spec s = good();
	struct oc_dpop_request r = req();
	int64_t retry_at;
	char *proof;
	int rc;

	s.jti = jti;
	proof = build(&s);
	rc = oc_dpop_verify(seen, proof, &r, jkt, key_jkt, &retry_at, why);
	free(proof);
	return rc;
}

static void good_proof(void **state)
{
	struct oc_replay *seen = NULL;
	char key_jkt[OC_JWK_THUMBPRINT_LEN + 1], jkt_a[48], jkt_b[48];
	struct oc_jwk k;
	char jwk[256];
	const char *why;

	assert_int_equal(oc_replay_new(16, &seen), OC_OK);
	assert_int_equal(with_jti(seen, "first", NULL, jkt_a, &why), OC_OK);
	/* Bound to key a: a's thumbprint is the one asked for next. */
	assert_int_equal(with_jti(seen, "second", jkt_a, key_jkt, &why), OC_OK);
	assert_string_equal(key_jkt, jkt_a);
	/* ... and key b's is not. */
	snprintf(jwk, sizeof(jwk),
		 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
		 key_b.x, key_b.y);
	assert_int_equal(jwk_of(jwk, &k, &why), OC_OK);
	assert_int_equal(oc_jwk_thumbprint(&k, jkt_b), OC_OK);
	oc_jwk_clear(&k);
	assert_int_equal(with_jti(seen, "third", jkt_b, key_jkt, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_string_equal(why, "DPoP proof signed by another key");
	/* The same jti again: replayed. */
	assert_int_equal(with_jti(seen, "second", NULL, key_jkt, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_string_equal(why, "DPoP proof replayed");
	/* A refused proof used up nothing: "third" is still good. */
	assert_int_equal(with_jti(seen, "third", NULL, key_jkt, &why), OC_OK);
	oc_replay_free(seen);
	/* Without a set (a token exchange, before its API key is checked)
	 * nothing is recorded: unauthenticated proofs cannot fill it. */
	assert_int_equal(with_jti(NULL, "exchange", NULL, key_jkt, &why),
			 OC_OK);
	assert_int_equal(with_jti(NULL, "exchange", NULL, key_jkt, &why),
			 OC_OK);
	assert_int_equal(with_jti(NULL, "", NULL, key_jkt, &why),
			 OC_ERR_UNAUTHORIZED);
}

static void header_refusals(void **state)
{
	struct spec s = good();
	char header[512];

	s.typ = "JWT";
	refused(&s, "typ");
	s = good();
	s.alg = "none";
	refused(&s, "alg");
	s.alg = "HS256";
	refused(&s, "alg");
	s.alg = "ES384";
	refused(&s, "alg");
	s = good();
	s.header = "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\"}";
	refused(&s, "no jwk");
	s = good();
	s.jwk_extra = ",\"d\":\"AAAA\"";
	refused(&s, "private");
	s = good();
	snprintf(header, sizeof(header),
		 "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":"
		 "\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\"}}",
		 key_a.x, key_a.y);
	s.header = header;
	refused(&s, "EC P-256");
	s = good();
	snprintf(header, sizeof(header),
		 "{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"crit\":[\"x\"],"
		 "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
		 "\"y\":\"%s\"}}",
		 key_a.x, key_a.y);
	s.header = header;
	refused(&s, "critical");
	s = good();
	s.signer = &key_b;
	refused(&s, "signature is invalid");
}

static void claim_refusals(void **state)
{
	struct spec s = good();
	struct oc_dpop_request r = req();
	char jti[OC_DPOP_JTI_MAX + 2];

	s.htm = "POST";
	refused(&s, "another method");
	s.htm = "get";
	refused(&s, "another method");
	s = good();
	s.htu = "http://127.0.0.1:8080/v1/agents";
	refused(&s, "another URL");
	s.htu = "https://127.0.0.1:8080/v1/vaults";
	refused(&s, "another URL");
	s.htu = "http://127.0.0.1:8081/v1/vaults";
	refused(&s, "another URL");
	s.htu = "http://localhost:8080/v1/vaults";
	refused(&s, "another URL");
	s.htu = "http://127.0.0.1:8080/v1/vaults/";
	refused(&s, "another URL");
	s.htu = "http://user@127.0.0.1:8080/v1/vaults";
	refused(&s, "another URL");
	s.htu = "/v1/vaults";
	refused(&s, "another URL");
	s = good();
	s.iat = NOW - OC_DPOP_IAT_PAST - 1;
	refused(&s, "too old");
	s.iat = NOW + OC_DPOP_IAT_FUTURE + 1;
	refused(&s, "future");
	s = good();
	memset(jti, 'j', sizeof(jti) - 1);
	jti[sizeof(jti) - 1] = '\0';
	s.jti = jti;
	refused(&s, "jti");
	s.jti = "";
	refused(&s, "jti");
	jti[OC_DPOP_JTI_MAX] = '\0';
	s.jti = jti;
	accepted(&s, &r);
}

/* Query and fragment ignored, scheme and host case, default ports,
 * escape case (RFC 9449 §4.3). */
static void htu_normalised(void **state)
{
	struct spec s = good();
	struct oc_dpop_request r = req();

	s.htu = "http://127.0.0.1:8080/v1/vaults?limit=5#top";
	accepted(&s, &r);
	s.htu = "HTTP://127.0.0.1:8080/v1/vaults";
	accepted(&s, &r);
	r.host = "Vault.Example:80";
	s.htu = "http://vault.example/v1/vaults";
	accepted(&s, &r);
	r.tls = true;
	r.host = "vault.example";
	s.htu = "https://VAULT.example:443/v1/vaults";
	accepted(&s, &r);
	r.path = "/v1/vaults/x/secrets/a%2fb";
	s.htu = "https://vault.example/v1/vaults/x/secrets/a%2Fb";
	accepted(&s, &r);
	r.path = "/";
	s.htu = "https://vault.example";
	accepted(&s, &r);
	s.iat = NOW - OC_DPOP_IAT_PAST;
	accepted(&s, &r);
	s.iat = NOW + OC_DPOP_IAT_FUTURE;
	accepted(&s, &r);
}

static void shape_refusals(void **state)
{
	struct spec s = good();
	struct oc_dpop_request r = req();
	char *proof = build(&s), *big, *dot;
	const char *why;
	char buf[4096];

	/* 2 parts and 4 parts. */
	dot = strrchr(proof, '.');
	snprintf(buf, sizeof(buf), "%.*s", (int)(dot - proof), proof);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "compact JWS"));
	snprintf(buf, sizeof(buf), "%s.AAAA", proof);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "compact JWS"));
	snprintf(buf, sizeof(buf), "%s..", proof);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	/* Not base64url: '+' from the standard alphabet, padding. */
	snprintf(buf, sizeof(buf), "+%s", proof + 1);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "malformed"));
	dot = strchr(proof, '.');
	snprintf(buf, sizeof(buf), "%.*s=%s", (int)(dot - proof), proof, dot);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "malformed"));
	/* The signature shortened by one character. */
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(proof) - 1, proof);
	assert_int_equal(verify(buf, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "signature"));
	/* Over the bound. */
	big = malloc(OC_DPOP_PROOF_ACCEPT_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', OC_DPOP_PROOF_ACCEPT_MAX + 1);
	big[OC_DPOP_PROOF_ACCEPT_MAX + 1] = '\0';
	memcpy(big, proof, strlen(proof));
	assert_int_equal(verify(big, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "too large"));
	free(big);
	/* No Host header: no URL to match. */
	r.host = NULL;
	assert_int_equal(verify(proof, &r, NULL, &why), OC_ERR_UNAUTHORIZED);
	assert_non_null(strstr(why, "another URL"));
	free(proof);
}

/* Full of live entries it refuses (and says when one expires) rather than
 * forget; expired entries make room. */
static void replay_bounded(void **state)
{
	struct oc_replay *seen = NULL;
	int64_t retry_at = 0;
	char jti[16];
	int i;

	assert_int_equal(oc_replay_new(4, &seen), OC_OK);
	for (i = 0; i < 4; i++) {
		snprintf(jti, sizeof(jti), "j%d", i);
		assert_int_equal(oc_replay_add(seen, rfc_jkt, jti, strlen(jti),
					       100 + i, 50, &retry_at),
				 OC_OK);
	}
	assert_int_equal(
	    oc_replay_add(seen, rfc_jkt, "j0", 2, 200, 60, &retry_at),
	    OC_ERR_CONFLICT);
	/* Another key may use the same jti. */
	assert_int_equal(
	    oc_replay_add(seen, "other-key", "j9", 2, 200, 60, &retry_at),
	    OC_ERR_RATE_LIMITED);
	assert_int_equal(retry_at, 100);
	/* At 100, j0 has expired: room for one. */
	assert_int_equal(
	    oc_replay_add(seen, "other-key", "j0", 2, 200, 100, &retry_at),
	    OC_OK);
	assert_int_equal(
	    oc_replay_add(seen, rfc_jkt, "j0", 2, 200, 100, &retry_at),
	    OC_ERR_RATE_LIMITED);
	/* Later, all but the last expired: a sweep makes room. */
	for (i = 0; i < 3; i++) {
		snprintf(jti, sizeof(jti), "k%d", i);
		assert_int_equal(oc_replay_add(seen, rfc_jkt, jti, strlen(jti),
					       300, 150, &retry_at),
				 OC_OK);
	}
	assert_int_equal(
	    oc_replay_add(seen, rfc_jkt, "k0", 2, 400, 150, &retry_at),
	    OC_ERR_CONFLICT);
	assert_int_equal(
	    oc_replay_add(seen, rfc_jkt, "k0", 2, 400, 300, &retry_at), OC_OK);
	oc_replay_free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(thumbprint_rfc9449),
	    cmocka_unit_test(thumbprint_by_hand),
	    cmocka_unit_test(jwk_refusals),
	    cmocka_unit_test(good_proof),
	    cmocka_unit_test(header_refusals),
	    cmocka_unit_test(claim_refusals),
	    cmocka_unit_test(htu_normalised),
	    cmocka_unit_test(shape_refusals),
	    cmocka_unit_test(replay_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
