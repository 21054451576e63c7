/* jwt.h - short-lived access tokens: EdDSA (Ed25519) signed JWTs.
 *
 * Claims: sub ("agent:<uuid>" | "user:<uuid>"), org, vault_ids, iat, exp,
 * jti, gen (the agent's revocation generation), and cnf {"jkt"} for a token
 * bound to a DPoP key (RFC 9449 §6.1; dpop-verify.h).  No scope list: scopes
 * are checked per request against the agent's live data (auth.h); a "scopes"
 * claim in a token is ignored.  The signing key is generated at --init and
 * stored sealed under the master key. */
#ifndef OC_VAULTD_JWT_H
#define OC_VAULTD_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"
#include "jwk.h"
#include "strlist.h"

#define OC_SIGNING_SEED_LEN 32

/* The largest payload: the claims as jwt.c writes them, every value at
 * its longest (an agent's sub, a jti, three integers of 20 characters, a
 * DPoP thumbprint) and vault_ids full (OC_STRLIST_MAX UUIDs, each with its
 * quotes and a comma).
 * Issuance never fails on size; vaultd-jwt-test checks the bound is exact.
 */
#define OC_JWT_PAYLOAD_SKELETON                                                \
	"{\"sub\":\"agent:\",\"org\":\"local\",\"vault_ids\":[],\"iat\":,"     \
	"\"exp\":,\"jti\":\"\",\"gen\":,\"cnf\":{\"jkt\":\"\"}}"
#define OC_JWT_PAYLOAD_MAX                                                     \
	(sizeof(OC_JWT_PAYLOAD_SKELETON) - 1 + 2 * OC_UUID_LEN + 3 * 20 +      \
	 OC_JWK_THUMBPRINT_LEN + OC_STRLIST_MAX * (OC_UUID_LEN + 3))
/* Padded base64 of the payload (base64url drops the padding). */
#define OC_JWT_PAYLOAD_B64_MAX ((OC_JWT_PAYLOAD_MAX + 2) / 3 * 4)
/* header (36) "." payload "." signature (86): 13792 characters, within
 * what the client takes (16384, MAX_TOKEN in src/api.c). */
#define OC_JWT_MAX (36 + 1 + OC_JWT_PAYLOAD_B64_MAX + 1 + 86)

enum oc_principal_kind {
	OC_PRINCIPAL_NONE,
	OC_PRINCIPAL_USER,
	OC_PRINCIPAL_AGENT,
};

/* Who is calling: from a token's claims or a raw user key. */
struct oc_principal {
	enum oc_principal_kind kind;
	char id[OC_UUID_LEN + 1];
	struct oc_strlist vault_ids; /* empty: every vault */
	/* An agent's own scopes, from its record on each request (auth.h);
	 * never from a token. */
	struct oc_strlist scopes;
	char jti[OC_UUID_LEN + 1]; /* "" for a raw key */
	int64_t iat;
	int64_t exp;
	int64_t gen;
	/* The thumbprint of the DPoP key the token is bound to; "" for a
	 * bearer token. */
	char jkt[OC_JWK_THUMBPRINT_LEN + 1];
};

void oc_principal_clear(struct oc_principal *p);

struct oc_signer;

int oc_signer_new(const uint8_t seed[OC_SIGNING_SEED_LEN],
		  struct oc_signer **out);
void oc_signer_free(struct oc_signer *s);

/* Fills jti, iat and exp (now + ttl) and signs.  *out is a secure string
 * (oc_secure_free). */
int oc_jwt_issue(struct oc_signer *s, struct oc_principal *p, int64_t now,
		 int64_t ttl, char **out);
/* OC_ERR_UNAUTHORIZED for anything malformed, a bad signature or an
 * expired token; *why (static text) says which. */
int oc_jwt_verify(struct oc_signer *s, const char *tok, size_t n, int64_t now,
		  struct oc_principal *out, const char **why);

#endif
