/* handlers-vaults.h - vault create, list, get, delete, and the vault gate every
 * vault-scoped handler uses. */
#ifndef OC_VAULTD_HANDLERS_VAULTS_H
#define OC_VAULTD_HANDLERS_VAULTS_H

#include "json.h"
#include "store.h"

struct oc_req;

void oc_h_vault_create(struct oc_req *r);
void oc_h_vault_list(struct oc_req *r);
void oc_h_vault_get(struct oc_req *r);
void oc_h_vault_delete(struct oc_req *r);
/* Vault binding (403) then existence (404) of the route's vault id; on
 * failure the problem is set and non-zero returned. */
int oc_h_vault_load(struct oc_req *r, struct oc_vault_row *v);
/* Admin only (403 otherwise). */
int oc_h_require_admin(struct oc_req *r);
void oc_h_vault_reply(struct oc_req *r, const struct oc_vault_row *v,
		      unsigned status);
/* The problem for a vault delete or CMEK change that failed with rc: 409
 * while a rotation job runs. */
void oc_h_vault_change_problem(struct oc_req *r, int rc);

#endif
