/* auth.h - credentials and access decisions.
 *
 * User keys (1ck_) and agent keys (ocv_) are only ever stored as SHA-256
 * hashes and compared in constant time.  A bearer is a raw user key or a
 * token from token.h.  Access to a secret, in order: vault binding (the
 * token's vault_ids), scopes (path globs in the token), then the vault's
 * policies for the agent (deny wins; no matching allow: denied).  Users
 * (the admin) own everything. */
#ifndef OC_VAULTD_AUTH_H
#define OC_VAULTD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "token.h"

#define OC_USER_TOKEN_TTL  3600
#define OC_AGENT_TOKEN_TTL 3600

struct oc_auth {
	struct oc_store *store;
	struct oc_signer *signer;
};

/* The Authorization header value -> principal.  OC_ERR_UNAUTHORIZED with a
 * static reason in *why. */
int oc_auth_bearer(struct oc_auth *a, const char *header, int64_t now,
		   struct oc_principal *out, const char **why);

/* Token exchange.  *token is a secure string; *ttl its lifetime.  For
 * agents, out also gets the agent id and vault_ids. */
int oc_auth_agent_token(struct oc_auth *a, const char *key, size_t key_len,
			const char *agent_id, int64_t now,
			struct oc_principal *out, char **token, int64_t *ttl,
			const char **why);
int oc_auth_user_token(struct oc_auth *a, const char *key, size_t key_len,
		       int64_t now, struct oc_principal *out, char **token,
		       int64_t *ttl, const char **why);

/* Vault binding: OC_OK or OC_ERR_FORBIDDEN. */
int oc_auth_vault(const struct oc_principal *p, const char *vault_id);
/* perm: OC_PERM_READ or OC_PERM_WRITE.  OC_OK, OC_ERR_FORBIDDEN (with
 * *why) or a store error. */
int oc_auth_secret(struct oc_auth *a, const struct oc_principal *p,
		   const char *vault_id, const char *path, unsigned perm,
		   int64_t now, const char **why);
/* Admin-only operations (vaults, CMEK, agents, policies). */
int oc_auth_admin(const struct oc_principal *p);

#endif
