/* mech.h - the mechanisms, told truthfully: CKM_ONECLAW_CMEK (encrypt,
 * decrypt, unwrap), CKM_AES_GCM (encrypt, decrypt) on AES-256 keys,
 * CKM_SHA{224,256,384,512}_HMAC (sign, verify) on generic secrets, the
 * digests of p11/digest.h, and the public-key mechanisms of p11/asym.h. */
#ifndef OC_P11_MECH_H
#define OC_P11_MECH_H

#include <stdbool.h>

#include "ck.h"

CK_RV oc_mech_list(CK_MECHANISM_TYPE *list, CK_ULONG *n);
CK_RV oc_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);
/* Is mech supported for this use (CKF_ENCRYPT, CKF_SIGN, ...)? */
bool oc_mech_allows(CK_MECHANISM_TYPE type, CK_FLAGS use);

#endif
