/* handlers-agents.h - agents with one-time ocv_ keys and vault binding. */
#ifndef OC_VAULTD_HANDLERS_AGENTS_H
#define OC_VAULTD_HANDLERS_AGENTS_H

struct oc_req;

void oc_h_agent_create(struct oc_req *r);
void oc_h_agent_list(struct oc_req *r);
void oc_h_agent_get(struct oc_req *r);
void oc_h_agent_me(struct oc_req *r);
void oc_h_agent_update(struct oc_req *r);
void oc_h_agent_delete(struct oc_req *r);
void oc_h_agent_rotate_key(struct oc_req *r);

#endif
