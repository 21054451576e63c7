/* client-calls.h - PKCS#11 calls shared by the C test clients
 * (p11-client, soak-client), over the function list each one loaded. */
#ifndef OC_TESTS_CLIENT_CALLS_H
#define OC_TESTS_CLIENT_CALLS_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

/* dlopen()s module and returns its function list (*dl: the handle), or
 * NULL having said why on stderr. */
CK_FUNCTION_LIST *oc_client_load(const char *module, void **dl);

/* "CKR_..." for the codes the tests meet, "CKR_0x..." otherwise. */
const char *oc_client_rv_name(CK_RV rv);

/* The value of an object (buffer-size protocol: ask, then read); *out is
 * malloc'ed with one spare byte. */
CK_RV oc_client_get_value(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
			  CK_OBJECT_HANDLE h, unsigned char **out,
			  CK_ULONG *len);

/* One-shot C_Encrypt (enc) or C_Decrypt with CKM_ONECLAW_CMEK, length
 * first; *out is malloc'ed. */
CK_RV oc_client_cmek(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
		     CK_OBJECT_HANDLE key, bool enc, const unsigned char *in,
		     CK_ULONG in_len, unsigned char **out, CK_ULONG *out_len);

#endif
