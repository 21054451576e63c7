/* unwrap.h - C_UnwrapKey with CKM_ONECLAW_CMEK: a CMEK blob becomes a new
 * session secret key (CKK_GENERIC_SECRET by default, or CKK_AES as the
 * template asks), sensitive and never extractable, so a secret can be
 * used (HMAC with C_Sign, AES-GCM) without the application seeing it. */
#ifndef OC_P11_UNWRAP_H
#define OC_P11_UNWRAP_H

#include "ck.h"

struct oc_session;

CK_RV oc_unwrap(struct oc_session *s, const CK_MECHANISM *m,
		CK_OBJECT_HANDLE key, const CK_BYTE *blob, CK_ULONG n,
		const CK_ATTRIBUTE *t, CK_ULONG nt, CK_OBJECT_HANDLE *out);

#endif
