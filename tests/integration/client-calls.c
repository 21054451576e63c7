/* client-calls.c - see client-calls.h. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "client-calls.h"
#include "oneclaw-pkcs11.h"

#define RVS(x) x, #x
static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
    {RVS(CKR_OK)},
    {RVS(CKR_HOST_MEMORY)},
    {RVS(CKR_SLOT_ID_INVALID)},
    {RVS(CKR_GENERAL_ERROR)},
    {RVS(CKR_FUNCTION_FAILED)},
    {RVS(CKR_ARGUMENTS_BAD)},
    {RVS(CKR_ATTRIBUTE_READ_ONLY)},
    {RVS(CKR_ATTRIBUTE_SENSITIVE)},
    {RVS(CKR_ATTRIBUTE_TYPE_INVALID)},
    {RVS(CKR_ATTRIBUTE_VALUE_INVALID)},
    {RVS(CKR_ACTION_PROHIBITED)},
    {RVS(CKR_DATA_LEN_RANGE)},
    {RVS(CKR_DEVICE_ERROR)},
    {RVS(CKR_ENCRYPTED_DATA_INVALID)},
    {RVS(CKR_ENCRYPTED_DATA_LEN_RANGE)},
    {RVS(CKR_FUNCTION_NOT_SUPPORTED)},
    {RVS(CKR_KEY_HANDLE_INVALID)},
    {RVS(CKR_KEY_TYPE_INCONSISTENT)},
    {RVS(CKR_KEY_FUNCTION_NOT_PERMITTED)},
    {RVS(CKR_MECHANISM_PARAM_INVALID)},
    {RVS(CKR_MECHANISM_INVALID)},
    {RVS(CKR_OBJECT_HANDLE_INVALID)},
    {RVS(CKR_OPERATION_ACTIVE)},
    {RVS(CKR_OPERATION_NOT_INITIALIZED)},
    {RVS(CKR_PIN_INCORRECT)},
    {RVS(CKR_SESSION_HANDLE_INVALID)},
    {RVS(CKR_SESSION_READ_ONLY)},
    {RVS(CKR_TEMPLATE_INCOMPLETE)},
    {RVS(CKR_TEMPLATE_INCONSISTENT)},
    {RVS(CKR_TOKEN_NOT_PRESENT)},
    {RVS(CKR_TOKEN_WRITE_PROTECTED)},
    {RVS(CKR_USER_ALREADY_LOGGED_IN)},
    {RVS(CKR_USER_NOT_LOGGED_IN)},
    {RVS(CKR_BUFFER_TOO_SMALL)},
    {RVS(CKR_CRYPTOKI_NOT_INITIALIZED)},
    {RVS(CKR_CRYPTOKI_ALREADY_INITIALIZED)},
    {RVS(CKR_RANDOM_SEED_NOT_SUPPORTED)},
    {RVS(CKR_MUTEX_BAD)},
    {RVS(CKR_MUTEX_NOT_LOCKED)},
    {RVS(CKR_KEY_INDIGESTIBLE)},
    {RVS(CKR_KEY_UNEXTRACTABLE)},
    {RVS(CKR_KEY_NOT_WRAPPABLE)},
    {RVS(CKR_USER_TYPE_INVALID)},
    {RVS(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)},
    {RVS(CKR_SESSION_READ_ONLY_EXISTS)},
    {RVS(CKR_VENDOR_DEFINED)},
    {RVS(CKR_ONECLAW_NOT_SEALED)},
    {RVS(CKR_ONECLAW_CMEK_MISMATCH)},
};

CK_FUNCTION_LIST *oc_client_load(const char *module, void **dl)
{
	CK_C_GetFunctionList getf;
	CK_FUNCTION_LIST *f = NULL;

	*dl = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!*dl) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return NULL;
	}
	*(void **)&getf = dlsym(*dl, "C_GetFunctionList");
	if (!getf || getf(&f) != CKR_OK || !f) {
		fprintf(stderr, "%s: no C_GetFunctionList\n", module);
		return NULL;
	}
	return f;
}

const char *oc_client_rv_name(CK_RV rv)
{
	static __thread char buf[32];

	for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	snprintf(buf, sizeof(buf), "CKR_0x%lx", (unsigned long)rv);
	return buf;
}

CK_RV oc_client_get_value(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
			  CK_OBJECT_HANDLE h, unsigned char **out,
			  CK_ULONG *len)
{
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
	CK_RV rv = f->C_GetAttributeValue(s, h, &a, 1);

	if (rv != CKR_OK)
		return rv;
	a.pValue = malloc(a.ulValueLen + 1);
	if (!a.pValue)
		return CKR_HOST_MEMORY;
	rv = f->C_GetAttributeValue(s, h, &a, 1);
	if (rv != CKR_OK) {
		free(a.pValue);
		return rv;
	}
	*out = a.pValue;
	*len = a.ulValueLen;
	return CKR_OK;
}

CK_RV oc_client_cmek(CK_FUNCTION_LIST *f, CK_SESSION_HANDLE s,
		     CK_OBJECT_HANDLE key, bool enc, const unsigned char *in,
		     CK_ULONG in_len, unsigned char **out, CK_ULONG *out_len)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	unsigned char *b = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	rv = enc ? f->C_EncryptInit(s, &m, key) : f->C_DecryptInit(s, &m, key);
	if (rv != CKR_OK)
		return rv;
	rv = enc ? f->C_Encrypt(s, (CK_BYTE *)in, in_len, NULL, &n)
		 : f->C_Decrypt(s, (CK_BYTE *)in, in_len, NULL, &n);
	if (rv == CKR_OK && !(b = malloc(n + 1)))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = enc ? f->C_Encrypt(s, (CK_BYTE *)in, in_len, b, &n)
			 : f->C_Decrypt(s, (CK_BYTE *)in, in_len, b, &n);
	if (rv != CKR_OK) {
		/* The operation may still be active (host memory). */
		free(b);
		return rv;
	}
	*out = b;
	*out_len = n;
	return CKR_OK;
}
