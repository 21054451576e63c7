/* auth.h - credentials and access decisions.
 *
 * User keys (1ck_) and agent keys (ocv_) are only ever stored as SHA-256
 * hashes and compared in constant time.  A bearer is a raw user key or a
 * token from jwt.h.  Access to a secret, in order: vault binding (the
 * token's vault_ids), scopes, then the vault's policies for the agent (deny
 * wins; no matching allow: denied).  Scopes are path globs checked on each
 * request against live data: the agent's own scopes when it has any, else
 * the patterns of its allow policies in every vault.  A policy change
 * revokes the agent's tokens (store.h), so a valid token sees the scopes it
 * was issued under.  Users (the admin) own everything. */
#ifndef OC_VAULTD_AUTH_H
#define OC_VAULTD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jwt.h"
#include "store.h"

#define OC_USER_TOKEN_TTL  3600
#define OC_AGENT_TOKEN_TTL 3600

struct oc_replay;

struct oc_auth {
	struct oc_store *store;
	struct oc_signer *signer;
	struct oc_replay *dpop_seen; /* DPoP proof ids (replay.h) */
};

/* The Authorization header value -> principal.  The scheme is Bearer, or
 * DPoP for a DPoP-bound token (RFC 9449 §7.1; the 1claw SDK sends Bearer
 * for those too).  A bound token (out->jkt set) is good only with a DPoP
 * proof, which the caller checks (dpop-verify.h).  OC_ERR_UNAUTHORIZED with a
 * static reason in *why; OC_ERR_FORBIDDEN with "token has been revoked" for
 * an agent token issued before a change to the agent's access (a policy
 * naming it, the agent itself, its key), as the hosted service answers. */
int oc_auth_bearer(struct oc_auth *a, const char *header, int64_t now,
		   struct oc_principal *out, const char **why);

/* Token exchange.  *token is a secure string; *ttl its lifetime.  For
 * agents, out also gets the agent id, vault_ids and scopes.  jkt, when not
 * NULL, binds the token to that DPoP key thumbprint. */
int oc_auth_agent_token(struct oc_auth *a, const char *key, size_t key_len,
			const char *agent_id, const char *jkt, int64_t now,
			struct oc_principal *out, char **token, int64_t *ttl,
			const char **why);
int oc_auth_user_token(struct oc_auth *a, const char *key, size_t key_len,
		       const char *jkt, int64_t now, struct oc_principal *out,
		       char **token, int64_t *ttl, const char **why);

/* Vault binding: OC_OK or OC_ERR_FORBIDDEN. */
int oc_auth_vault(const struct oc_principal *p, const char *vault_id);
/* perm: OC_PERM_READ or OC_PERM_WRITE.  OC_OK, OC_ERR_FORBIDDEN (with
 * *why) or a store error. */
int oc_auth_secret(struct oc_auth *a, const struct oc_principal *p,
		   const char *vault_id, const char *path, unsigned perm,
		   int64_t now, const char **why);

/* The same decisions for many paths of one vault (a list): the vault's
 * policies for the agent are read once, at the first path, and the agent's
 * policies in other vaults once, at the first path that this vault's
 * patterns do not cover.  p and vault_id must outlive the check. */
struct oc_auth_check {
	struct oc_auth *a;
	const struct oc_principal *p;
	const char *vault_id;
	struct oc_policy_row *vault_pol; /* the agent's in this vault */
	size_t n_vault;
	struct oc_policy_row *all_pol; /* the agent's in every vault */
	size_t n_all;
	bool vault_loaded, all_loaded;
};

void oc_auth_check_init(struct oc_auth_check *c, struct oc_auth *a,
			const struct oc_principal *p, const char *vault_id);
/* As oc_auth_secret. */
int oc_auth_check_path(struct oc_auth_check *c, const char *path, unsigned perm,
		       int64_t now, const char **why);
void oc_auth_check_free(struct oc_auth_check *c);

/* Admin-only operations (vaults, CMEK, agents, policies). */
int oc_auth_admin(const struct oc_principal *p);

#endif
