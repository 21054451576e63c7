/* handlers-auth.h - token exchange, token revocation, health. */
#ifndef OC_VAULTD_HANDLERS_AUTH_H
#define OC_VAULTD_HANDLERS_AUTH_H

struct oc_req;

void oc_h_agent_token(struct oc_req *r);
void oc_h_api_key_token(struct oc_req *r);
void oc_h_token_revoke(struct oc_req *r);
void oc_h_health(struct oc_req *r);

#endif
