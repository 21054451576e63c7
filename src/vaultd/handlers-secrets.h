/* handlers-secrets.h - secrets and their versions. */
#ifndef OC_VAULTD_HANDLERS_SECRETS_H
#define OC_VAULTD_HANDLERS_SECRETS_H

struct oc_req;

void oc_h_secret_put(struct oc_req *r);
void oc_h_secret_get(struct oc_req *r);
void oc_h_secret_delete(struct oc_req *r);
void oc_h_secret_list(struct oc_req *r);
void oc_h_secret_versions(struct oc_req *r);
void oc_h_secret_version(struct oc_req *r);
void oc_h_secret_version_disable(struct oc_req *r);

#endif
