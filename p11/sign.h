/* sign.h - C_Sign* / C_Verify* with CKM_SHA{224,256,384,512}_HMAC on
 * generic secret keys (unwrapped secrets or imported ones), through
 * OpenSSL's EVP_MAC on the core's private library context, and with the
 * public-key mechanisms of p11/asym.h on private keys (sign) and public
 * keys (verify) made from secrets. */
#ifndef OC_P11_SIGN_H
#define OC_P11_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "asym.h"
#include "ck.h"

struct oc_object;
struct oc_session;

struct oc_sign {
	bool active;
	bool verify;
	bool multi;
	CK_MECHANISM_TYPE mech;
	EVP_MAC_CTX *mac;
	size_t mac_len;
	struct oc_object *obj; /* the key object, referenced (audit) */
	struct oc_asym asym;   /* active for the public-key mechanisms */
};

CK_RV oc_sign_init(struct oc_session *s, bool verify, const CK_MECHANISM *m,
		   CK_OBJECT_HANDLE key);
CK_RV oc_sign_single(struct oc_session *s, const CK_BYTE *data, CK_ULONG n,
		     CK_BYTE *sig, CK_ULONG *sig_len);
CK_RV oc_sign_update(struct oc_session *s, bool verify, const CK_BYTE *data,
		     CK_ULONG n);
CK_RV oc_sign_final(struct oc_session *s, CK_BYTE *sig, CK_ULONG *sig_len);
CK_RV oc_verify_single(struct oc_session *s, const CK_BYTE *data, CK_ULONG n,
		       const CK_BYTE *sig, CK_ULONG sig_len);
CK_RV oc_verify_final(struct oc_session *s, const CK_BYTE *sig,
		      CK_ULONG sig_len);
void oc_sign_clear(struct oc_sign *op);

#endif
