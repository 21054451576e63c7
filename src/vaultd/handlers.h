/* handlers.h - the API's handlers, one file per resource:
 * handlers-auth.c, -vaults.c, -cmek.c, -secrets.c, -agents.c, -policies.c.
 * Each handler sets exactly one response on r (JSON or a problem). */
#ifndef OC_VAULTD_HANDLERS_H
#define OC_VAULTD_HANDLERS_H

#include <stdbool.h>

#include "json.h"
#include "store.h"

struct oc_req;

/* handlers-auth.c */
void oc_h_agent_token(struct oc_req *r);
void oc_h_api_key_token(struct oc_req *r);
void oc_h_token_revoke(struct oc_req *r);
void oc_h_health(struct oc_req *r);

/* handlers-vaults.c */
void oc_h_vault_create(struct oc_req *r);
void oc_h_vault_list(struct oc_req *r);
void oc_h_vault_get(struct oc_req *r);
void oc_h_vault_delete(struct oc_req *r);
/* Vault binding (403) then existence (404) of the route's vault id; on
 * failure the problem is set and non-zero returned. */
int oc_h_vault_load(struct oc_req *r, struct oc_vault_row *v);
/* Admin only (403 otherwise). */
int oc_h_require_admin(struct oc_req *r);
void oc_h_vault_json(struct oc_jgen *j, const struct oc_vault_row *v);

/* handlers-cmek.c */
void oc_h_cmek_enable(struct oc_req *r);
void oc_h_cmek_disable(struct oc_req *r);
void oc_h_cmek_rotate(struct oc_req *r);
void oc_h_cmek_job(struct oc_req *r);

/* handlers-secrets.c */
void oc_h_secret_put(struct oc_req *r);
void oc_h_secret_get(struct oc_req *r);
void oc_h_secret_delete(struct oc_req *r);
void oc_h_secret_list(struct oc_req *r);
void oc_h_secret_versions(struct oc_req *r);
void oc_h_secret_version(struct oc_req *r);
void oc_h_secret_version_disable(struct oc_req *r);

/* handlers-agents.c */
void oc_h_agent_create(struct oc_req *r);
void oc_h_agent_list(struct oc_req *r);
void oc_h_agent_get(struct oc_req *r);
void oc_h_agent_me(struct oc_req *r);
void oc_h_agent_update(struct oc_req *r);
void oc_h_agent_delete(struct oc_req *r);
void oc_h_agent_rotate_key(struct oc_req *r);

/* handlers-policies.c */
void oc_h_policy_create(struct oc_req *r);
void oc_h_policy_list(struct oc_req *r);
void oc_h_policy_get(struct oc_req *r);
void oc_h_policy_update(struct oc_req *r);
void oc_h_policy_delete(struct oc_req *r);

#endif
