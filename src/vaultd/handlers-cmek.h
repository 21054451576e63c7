/* handlers-cmek.h - CMEK enable / disable and rotation jobs. */
#ifndef OC_VAULTD_HANDLERS_CMEK_H
#define OC_VAULTD_HANDLERS_CMEK_H

struct oc_req;

void oc_h_cmek_enable(struct oc_req *r);
void oc_h_cmek_disable(struct oc_req *r);
void oc_h_cmek_rotate(struct oc_req *r);
void oc_h_cmek_job(struct oc_req *r);

#endif
