/* handlers-policies.h - per-vault access policies on path globs. */
#ifndef OC_VAULTD_HANDLERS_POLICIES_H
#define OC_VAULTD_HANDLERS_POLICIES_H

struct oc_req;

void oc_h_policy_create(struct oc_req *r);
void oc_h_policy_list(struct oc_req *r);
void oc_h_policy_get(struct oc_req *r);
void oc_h_policy_update(struct oc_req *r);
void oc_h_policy_delete(struct oc_req *r);

#endif
