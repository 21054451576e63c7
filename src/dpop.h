/* dpop.h - RFC 9449 DPoP proofs as the 1claw SDK sends them (1claw-api.md
 * §1.3a), signed by a key the caller holds behind a callback (a key in a
 * hardware token; an OpenSSL key in tests).
 *
 *   header  {"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256",
 *            "x":...,"y":...}}
 *   payload {"jti":<random UUID>,"htm":<METHOD>,"htu":<URL without query
 *            and fragment>,"iat":<unix seconds>}
 *   ES256 over base64url(header).base64url(payload), JOSE r || s; every
 *   part base64url without padding.
 *
 * No nonce and no ath: the SDK sends neither.  A server that answers 401
 * with WWW-Authenticate: DPoP error="use_dpop_nonce" is not followed.
 *
 * P-256 only: any other key is OC_ERR_UNSUPPORTED.  No PKCS#11 here: the
 * front ends wrap their token key in a struct oc_dpop_signer. */
#ifndef OC_DPOP_H
#define OC_DPOP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* {"kty":"EC","crv":"P-256","x":"<43>","y":"<43>"} and room to spare. */
#define OC_DPOP_JWK_MAX 160
/* base64url of a SHA-256 (RFC 7638 thumbprint). */
#define OC_DPOP_JKT_LEN 43
/* The longest URL a proof names (htu). */
#define OC_DPOP_HTU_MAX 4096
/* A whole proof: header (~200), payload (htu and ~110), signature (86),
 * each grown by base64url by a third. */
#define OC_DPOP_PROOF_MAX (OC_DPOP_HTU_MAX * 4 / 3 + 1024)

/* The holder of the private key. */
struct oc_dpop_signer {
	/* The public half, asked once before the first proof (not at
	 * oc_dpop_new: opening a token may be slow).  *out becomes the
	 * unit's. */
	int (*public_key)(void *ctx, EVP_PKEY **out);
	/* ES256 of a SHA-256 digest: r || s, 32 bytes each.  Thread-safe. */
	int (*sign)(void *ctx, const uint8_t digest[32], uint8_t sig[64]);
	void (*free)(void *ctx); /* may be NULL */
	/* A child after fork: let go without touching the parent's key
	 * (NULL: free is used). */
	void (*abandon)(void *ctx);
	void *ctx;
};

struct oc_dpop;

/* Takes the signer (its free runs at oc_dpop_free, also when this
 * fails).  No I/O. */
int oc_dpop_new(const struct oc_dpop_signer *s, struct oc_dpop **out);
/* One more holder (several API clients may share one key); each holder
 * lets go with oc_dpop_free, or oc_dpop_abandon in a child after fork,
 * and the last one frees.  Thread-safe. */
struct oc_dpop *oc_dpop_ref(struct oc_dpop *d);
void oc_dpop_free(struct oc_dpop *d);
void oc_dpop_abandon(struct oc_dpop *d);

/* The public JWK as compact JSON with members kty, crv, x, y (what the
 * token exchange sends as dpop_jwk).  The first call asks the signer for
 * its public key (then kept); a failure is returned and asked again next
 * time. */
int oc_dpop_jwk(struct oc_dpop *d, char *out, size_t cap);
/* Its RFC 7638 thumbprint (base64url SHA-256 of {"crv","kty","x","y"}):
 * what a server puts in the token's cnf.jkt.  For logs and tests. */
int oc_dpop_thumbprint(struct oc_dpop *d, char out[OC_DPOP_JKT_LEN + 1]);
/* The same for a P-256 key given by its base64url coordinates (the JWK's
 * x and y): the required members in lexical order, no whitespace.  The
 * server binding tokens computes it with this too. */
int oc_dpop_jkt(const char *x, const char *y, char out[OC_DPOP_JKT_LEN + 1]);
/* A fresh proof (new jti, iat now) for method and url, query and fragment
 * dropped.  *out is heap text the caller frees.  Fails with nothing in
 * *out when the signer fails. */
int oc_dpop_proof(struct oc_dpop *d, const char *method, const char *url,
		  char **out);

/* The parts, for tests.  The JWK of a P-256 public key (OC_ERR_UNSUPPORTED
 * for any other), and url without its query and fragment. */
int oc_dpop_jwk_of(const EVP_PKEY *pub, char *out, size_t cap);
int oc_dpop_htu(const char *url, char *out, size_t cap);

/* A signer over an OpenSSL P-256 key held in this process (it takes the
 * key): tests, benchmarks, and an ephemeral key as the SDK's dpop: true
 * makes one. */
int oc_dpop_signer_pkey(EVP_PKEY *key, struct oc_dpop_signer *out);

#endif
