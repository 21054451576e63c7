/* jwk.h - EC P-256 public keys as JWKs (RFC 7517), their RFC 7638
 * thumbprints, and ES256 signatures checked with them: the key a DPoP
 * token is bound to (dpop-verify.h).  Only P-256 is taken: it is the one curve
 * the 1claw SDK and PKCS#11 tokens both use for DPoP. */
#ifndef OC_VAULTD_JWK_H
#define OC_VAULTD_JWK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "json.h"

#define OC_JWK_COORD_LEN 32
/* base64url of a SHA-256, no padding. */
#define OC_JWK_THUMBPRINT_LEN 43
/* ES256 in JOSE form: r || s, each 32 bytes big-endian. */
#define OC_ES256_SIG_LEN 64

struct oc_jwk {
	uint8_t x[OC_JWK_COORD_LEN];
	uint8_t y[OC_JWK_COORD_LEN];
	EVP_PKEY *pkey;
};

/* A JSON object {"kty":"EC","crv":"P-256","x","y"} whose point is on the
 * curve.  Other members are ignored, except a private "d", which is
 * refused: a client that sends its private key has lost it.  OC_ERR_PARSE
 * with a static reason in *why; OC_ERR_NOMEM / OC_ERR_CRYPTO otherwise.
 * Free with oc_jwk_clear (also after a failure). */
int oc_jwk_parse(const struct oc_json *obj, struct oc_jwk *out,
		 const char **why);
void oc_jwk_clear(struct oc_jwk *k);

/* RFC 7638: base64url(SHA-256('{"crv":"P-256","kty":"EC","x":"…","y":"…"}'))
 * with the members in that order and no whitespace. */
int oc_jwk_thumbprint(const struct oc_jwk *k,
		      char out[OC_JWK_THUMBPRINT_LEN + 1]);

/* OC_OK when sig (r || s) is k's ES256 signature of msg; OC_ERR_CRYPTO
 * when it is not (or is not 64 bytes). */
int oc_jwk_verify_es256(const struct oc_jwk *k, const uint8_t *msg, size_t n,
			const uint8_t *sig, size_t sig_len);

#endif
