/* write.h - storing secrets through PKCS#11.
 *
 * C_CreateObject(CKO_DATA, CKA_TOKEN=TRUE) puts a secret at the path in
 * CKA_LABEL; C_SetAttributeValue(CKA_VALUE, or the vendor
 * type/metadata/expiry) stores a new version; C_CopyObject puts a copy at
 * a new path; C_DestroyObject deletes the secret.  Without CKA_TOKEN
 * (false by default) a data object is a session object: in memory only,
 * never sent.  What may be done to an object at all (a secret holding a
 * private key is never copied or changed) is oc_object_may's to say.
 *
 * In a vault with CMEK on, the value is sealed inside the module with the
 * vault's key (the configured key, or a session AES key brought with
 * C_CreateObject, whose fingerprint equals the vault's) and base64 of the
 * blob is sent; with CKA_ONECLAW_CMEK_ENCRYPTED=TRUE the application hands
 * in an already sealed v1 blob.  With the vault's key configured, the
 * value is sealed whatever the server says of CMEK (sealed.h).  No usable
 * key: refused with CKR_FUNCTION_FAILED (CKR_ONECLAW_CMEK_MISMATCH when a
 * key is configured) and a message on stderr, nothing sent.  Read-only
 * mode: CKR_TOKEN_WRITE_PROTECTED; R/O session: CKR_SESSION_READ_ONLY.
 *
 * C_CreateObject(CKO_SECRET_KEY) makes a session key (obj-seckey.h). */
#ifndef OC_P11_WRITE_H
#define OC_P11_WRITE_H

#include "ck.h"

struct oc_session;

CK_RV oc_write_create(struct oc_session *s, const CK_ATTRIBUTE *t, CK_ULONG n,
		      CK_OBJECT_HANDLE *out);
CK_RV oc_write_set(struct oc_session *s, CK_OBJECT_HANDLE h,
		   const CK_ATTRIBUTE *t, CK_ULONG n);
CK_RV oc_write_copy(struct oc_session *s, CK_OBJECT_HANDLE h,
		    const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out);
CK_RV oc_write_destroy(struct oc_session *s, CK_OBJECT_HANDLE h);

#endif
