/* dpop-verify.h - checking DPoP proofs (RFC 9449): the JWS a client sends in
 * the DPoP header to show it holds the private key its token is bound to.
 *
 * A proof is accepted when it is a compact JWS of three base64url parts
 * within OC_DPOP_PROOF_ACCEPT_MAX; its header is
 * {"typ":"dpop+jwt","alg":"ES256", "jwk": an EC P-256 public key} (no other
 * alg, never "none"); its ES256 signature verifies with that jwk; the jwk's
 * thumbprint is the one the token is bound to; htm is the request's method and
 * htu its URL (below); iat lies within OC_DPOP_IAT_PAST seconds before now and
 * OC_DPOP_IAT_FUTURE after (clock skew); and its jti (1..OC_DPOP_JTI_MAX bytes)
 * was not seen with that key while an earlier proof carrying it could still be
 * accepted.  No "ath" or "nonce" is asked for: the 1claw SDK sends
 * neither.
 *
 * htu is compared as RFC 9449 §4.3 says: query and fragment ignored,
 * scheme and host case-insensitive, a default port the same as none (RFC
 * 3986 §6.2.2 and §6.2.3), the path exact but for the case of its
 * percent-escapes.  The request's URL is built from whether the server
 * speaks TLS, the Host header (the name the client used, as a client sees
 * the server) and the request path. */
#ifndef OC_VAULTD_DPOP_VERIFY_H
#define OC_VAULTD_DPOP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jwk.h"

#define OC_DPOP_PROOF_ACCEPT_MAX 8192
#define OC_DPOP_JTI_MAX		 64
#define OC_DPOP_IAT_PAST	 60
#define OC_DPOP_IAT_FUTURE	 5

struct oc_replay;

/* The request a proof must be for. */
struct oc_dpop_request {
	const char *method;
	bool tls;
	const char *host; /* the Host header; NULL when absent */
	const char *path; /* the request target without its query */
	int64_t now;
};

/* Checks proof (NUL-terminated) against req.  jkt is the thumbprint the
 * proof's key must have, or NULL for any key (a token exchange binding
 * the token to the proof's key); key_jkt gets the proof key's thumbprint.
 * The jti is recorded in seen only when everything else holds, so a
 * refused proof uses up nothing; with seen NULL it is not recorded (a
 * token exchange, which its API key guards: recording there would let
 * anyone without a key fill the set and lock every DPoP client out).
 * OC_ERR_UNAUTHORIZED with a static reason in *why for a bad proof;
 * OC_ERR_RATE_LIMITED (*retry_at set) when seen is full; OC_ERR_NOMEM or
 * OC_ERR_CRYPTO when the server fails. */
int oc_dpop_verify(struct oc_replay *seen, const char *proof,
		   const struct oc_dpop_request *req, const char *jkt,
		   char key_jkt[OC_JWK_THUMBPRINT_LEN + 1], int64_t *retry_at,
		   const char **why);

#endif
