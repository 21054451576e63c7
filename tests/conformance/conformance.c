/* conformance.c - the module against the PKCS#11 2.40 base specification,
 * as an application sees it: dlopen() of the module, C_GetFunctionList,
 * and one cmocka test per case.  Run by conformance.sh against a real
 * oneclaw-vaultd (a vault with CMEK on, a plain secret stored before CMEK
 * was enabled, the vault's key in ONECLAW_CMEK_KEY_FILE).
 *
 * Every assertion is what the specification (or, where the specification
 * leaves the choice to the token, DESIGN.md) requires; a failing case is
 * a deviation of the module, printed as "function: expected X, got Y".
 *
 * Usage: conformance MODULE.so   with, from conformance.sh,
 *   OC_CONF_PIN          when set: PIN mode, run the PIN-mode cases with
 *                        this user PIN (the module has no credential)
 *   OC_CONF_VAULT_NAME   the vault's name (the token label)
 *   OC_CONF_PLAIN_PATH   a plain (non-CMEK) secret's path ...
 *   OC_CONF_PLAIN_VALUE  ... and its value
 *   OC_CONF_FPR          the CMEK key's fingerprint (64 hex) */
#include "config.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ck.h"

static CK_FUNCTION_LIST_PTR f;
static CK_RV (*p_get_interface_list)(CK_INTERFACE_PTR, CK_ULONG_PTR);
static CK_RV (*p_get_interface)(CK_UTF8CHAR_PTR, CK_VERSION_PTR,
				CK_INTERFACE_PTR_PTR, CK_FLAGS);
static const char *vault_name, *plain_path, *plain_value;
static unsigned char fpr[32];
static CK_SLOT_ID slot;

#define BOGUS_SESSION ((CK_SESSION_HANDLE)0x5eeeeeeeUL)
#define BOGUS_OBJECT  ((CK_OBJECT_HANDLE)0x7abcdef1UL)
#define BOGUS_SLOT    ((CK_SLOT_ID)4242)
#define UNKNOWN_ATTR  ((CK_ATTRIBUTE_TYPE)0x7ffffff0UL)
#define UNKNOWN_MECH  ((CK_MECHANISM_TYPE)0x7ffffff0UL)

/* HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"). */
static const unsigned char fox_mac[32] = {
    0xf7, 0xbc, 0x83, 0xf4, 0x30, 0x53, 0x84, 0x24, 0xb1, 0x32, 0x98,
    0xe6, 0xaa, 0x6f, 0xb1, 0x43, 0xef, 0x4d, 0x59, 0xa1, 0x49, 0x46,
    0x17, 0x59, 0x97, 0x47, 0x9d, 0xbc, 0x2d, 0x1a, 0x3c, 0xd8,
};
static const char fox[] = "The quick brown fox jumps over the lazy dog";

/* Test vector V1 of the CMEK format: key 00..1f, "my-secret-value". */
static const unsigned char v1_blob[44] = {
    0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x2a, 0x7b, 0xfb, 0x68, 0xa0, 0x86, 0xb0, 0x7e, 0xf9,
    0x6c, 0xe1, 0xea, 0xdd, 0x9c, 0x1d, 0x2d, 0xde, 0xe7, 0x4a, 0x58,
    0xf2, 0x0c, 0x5f, 0x74, 0x51, 0x73, 0x11, 0x7c, 0x44, 0x5a, 0xb5,
};
static const char v1_plain[] = "my-secret-value";

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS cls_data = CKO_DATA, cls_key = CKO_SECRET_KEY;
static CK_KEY_TYPE kt_aes = CKK_AES, kt_generic = CKK_GENERIC_SECRET;

/* --- reporting ------------------------------------------------------------ */

static const char *rv_name(CK_RV rv)
{
#define N(x)                                                                   \
	case x:                                                                \
		return #x
	static char buf[32];

	switch (rv) {
		N(CKR_OK);
		N(CKR_HOST_MEMORY);
		N(CKR_SLOT_ID_INVALID);
		N(CKR_GENERAL_ERROR);
		N(CKR_FUNCTION_FAILED);
		N(CKR_ARGUMENTS_BAD);
		N(CKR_CANT_LOCK);
		N(CKR_ATTRIBUTE_READ_ONLY);
		N(CKR_ATTRIBUTE_SENSITIVE);
		N(CKR_ATTRIBUTE_TYPE_INVALID);
		N(CKR_ATTRIBUTE_VALUE_INVALID);
		N(CKR_ACTION_PROHIBITED);
		N(CKR_DATA_INVALID);
		N(CKR_DATA_LEN_RANGE);
		N(CKR_DEVICE_ERROR);
		N(CKR_ENCRYPTED_DATA_INVALID);
		N(CKR_ENCRYPTED_DATA_LEN_RANGE);
		N(CKR_FUNCTION_NOT_PARALLEL);
		N(CKR_FUNCTION_NOT_SUPPORTED);
		N(CKR_KEY_HANDLE_INVALID);
		N(CKR_KEY_SIZE_RANGE);
		N(CKR_KEY_TYPE_INCONSISTENT);
		N(CKR_KEY_FUNCTION_NOT_PERMITTED);
		N(CKR_KEY_INDIGESTIBLE);
		N(CKR_MECHANISM_INVALID);
		N(CKR_MECHANISM_PARAM_INVALID);
		N(CKR_OBJECT_HANDLE_INVALID);
		N(CKR_OPERATION_ACTIVE);
		N(CKR_OPERATION_NOT_INITIALIZED);
		N(CKR_PIN_INCORRECT);
		N(CKR_PIN_LEN_RANGE);
		N(CKR_SESSION_CLOSED);
		N(CKR_SESSION_COUNT);
		N(CKR_SESSION_HANDLE_INVALID);
		N(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
		N(CKR_SESSION_READ_ONLY);
		N(CKR_SIGNATURE_INVALID);
		N(CKR_SIGNATURE_LEN_RANGE);
		N(CKR_TEMPLATE_INCOMPLETE);
		N(CKR_TEMPLATE_INCONSISTENT);
		N(CKR_TOKEN_NOT_PRESENT);
		N(CKR_TOKEN_WRITE_PROTECTED);
		N(CKR_UNWRAPPING_KEY_HANDLE_INVALID);
		N(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
		N(CKR_USER_ALREADY_LOGGED_IN);
		N(CKR_USER_NOT_LOGGED_IN);
		N(CKR_USER_TYPE_INVALID);
		N(CKR_WRAPPED_KEY_INVALID);
		N(CKR_WRAPPED_KEY_LEN_RANGE);
		N(CKR_RANDOM_SEED_NOT_SUPPORTED);
		N(CKR_BUFFER_TOO_SMALL);
		N(CKR_CRYPTOKI_NOT_INITIALIZED);
		N(CKR_CRYPTOKI_ALREADY_INITIALIZED);
	default:
		snprintf(buf, sizeof(buf), "0x%lx", (unsigned long)rv);
		return buf;
	}
#undef N
}

/* RV(call, want): the call must return want. */
#define RV(call, want)                                                         \
	do {                                                                   \
		CK_RV got_ = (call);                                           \
		CK_RV want_ = (want);                                          \
		if (got_ != want_) {                                           \
			print_message("%s:%d: %s\n    expected %s, got %s\n",  \
				      __FILE__, __LINE__, #call,               \
				      rv_name(want_), rv_name(got_));          \
			fail();                                                \
		}                                                              \
	} while (0)

/* RV2: either of two answers is what the specification allows. */
#define RV2(call, want1, want2)                                                \
	do {                                                                   \
		CK_RV got_ = (call);                                           \
		if (got_ != (want1) && got_ != (want2)) {                      \
			print_message("%s:%d: %s\n    expected %s or %s, "     \
				      "got %s\n",                              \
				      __FILE__, __LINE__, #call,               \
				      rv_name(want1), rv_name(want2),          \
				      rv_name(got_));                          \
			fail();                                                \
		}                                                              \
	} while (0)

#define OK(call) RV(call, CKR_OK)

/* --- helpers -------------------------------------------------------------- */

static void init(void)
{
	CK_ULONG n = 1;

	OK(f->C_Initialize(NULL));
	OK(f->C_GetSlotList(CK_TRUE, &slot, &n));
	assert_int_equal(n, 1);
}

static int finalize(void **state)
{
	(void)state;
	f->C_Finalize(NULL);
	return 0;
}

static CK_SESSION_HANDLE open_s(bool rw)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	OK(f->C_OpenSession(slot,
			    CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
			    NULL, NULL, &s));
	return s;
}

/* The one object matching the template (fails unless exactly one). */
static CK_OBJECT_HANDLE find1(CK_SESSION_HANDLE s, CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE h[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	CK_ULONG count = 0;

	OK(f->C_FindObjectsInit(s, t, n));
	OK(f->C_FindObjects(s, h, 2, &count));
	OK(f->C_FindObjectsFinal(s));
	assert_int_equal(count, 1);
	return h[0];
}

static CK_OBJECT_HANDLE plain_obj(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, (void *)plain_path, strlen(plain_path)},
	};

	return find1(s, t, 2);
}

static CK_OBJECT_HANDLE cmek_key(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_LABEL, "cmek", 4},
	    {CKA_TOKEN, &yes, 1},
	};

	return find1(s, t, 3);
}

/* A session AES-256 key of the given bytes; enc/dec/unwrap as told. */
static CK_OBJECT_HANDLE aes_key(CK_SESSION_HANDLE s, const unsigned char *k,
				CK_BBOOL enc, CK_BBOOL dec)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_aes, sizeof(kt_aes)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_VALUE, (void *)k, 32},
	    {CKA_ENCRYPT, &enc, 1},
	    {CKA_DECRYPT, &dec, 1},
	};

	OK(f->C_CreateObject(s, t, 6, &h));
	return h;
}

static CK_OBJECT_HANDLE hmac_key(CK_SESSION_HANDLE s, const char *k,
				 CK_BBOOL sign)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_generic, sizeof(kt_generic)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_VALUE, (void *)k, strlen(k)},
	    {CKA_SIGN, &sign, 1},
	    {CKA_VERIFY, &yes, 1},
	};

	OK(f->C_CreateObject(s, t, 6, &h));
	return h;
}

/* A fixed-size info field: blank padded, no NUL. */
static void padded(const CK_UTF8CHAR *p, size_t n, const char *want)
{
	size_t w = want ? strlen(want) : 0;

	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(p[i], '\0');
	if (want) {
		assert_true(w <= n);
		assert_memory_equal(p, want, w);
		for (size_t i = w; i < n; i++)
			assert_int_equal(p[i], ' ');
	}
}

static CK_ULONG ulong_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
			   CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = 0;
	CK_ATTRIBUTE a = {type, &v, sizeof(v)};

	OK(f->C_GetAttributeValue(s, o, &a, 1));
	assert_int_equal(a.ulValueLen, sizeof(v));
	return v;
}

static CK_BBOOL bool_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
			  CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0xa5;
	CK_ATTRIBUTE a = {type, &v, sizeof(v)};

	OK(f->C_GetAttributeValue(s, o, &a, 1));
	assert_int_equal(a.ulValueLen, 1);
	assert_true(v == CK_TRUE || v == CK_FALSE);
	return v;
}

/* CKM_ONECLAW_CMEK encryption of pt with key k into out (cap bytes). */
static CK_ULONG seal(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, const void *pt,
		     CK_ULONG n, unsigned char *out, CK_ULONG cap)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ULONG len = cap;

	OK(f->C_EncryptInit(s, &m, k));
	OK(f->C_Encrypt(s, (CK_BYTE_PTR)pt, n, out, &len));
	assert_int_equal(len, n + 29);
	return len;
}

/* --- before C_Initialize -------------------------------------------------- */

/* Every function but C_Initialize and C_GetFunctionList (and the 3.0
 * interface functions) answers CKR_CRYPTOKI_NOT_INITIALIZED.  Functions
 * the module does not offer may answer CKR_FUNCTION_NOT_SUPPORTED. */
#define NI(call) RV(call, CKR_CRYPTOKI_NOT_INITIALIZED)
#define NI_OR_NS(call)                                                         \
	RV2(call, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_NOT_SUPPORTED)

static void not_initialized_every_function(void **state)
{
	CK_SESSION_HANDLE s = 1;
	CK_OBJECT_HANDLE o = 1, o2;
	CK_SLOT_ID sl[4];
	CK_ULONG n = 4, len = 16;
	CK_BYTE buf[64];
	CK_INFO info;
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	CK_SESSION_INFO ssi;
	CK_MECHANISM_INFO mi;
	CK_MECHANISM_TYPE mt[16];
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ATTRIBUTE a = {CKA_CLASS, buf, sizeof(CK_ULONG)};

	(void)state;
	NI(f->C_Finalize(NULL));
	NI(f->C_GetInfo(&info));
	NI(f->C_GetSlotList(CK_FALSE, sl, &n));
	NI(f->C_GetSlotInfo(0, &si));
	NI(f->C_GetTokenInfo(0, &ti));
	n = 16;
	NI(f->C_GetMechanismList(0, mt, &n));
	NI(f->C_GetMechanismInfo(0, CKM_ONECLAW_CMEK, &mi));
	NI_OR_NS(f->C_InitToken(0, (CK_UTF8CHAR_PTR) "1234", 4,
				(CK_UTF8CHAR_PTR) "label"));
	NI_OR_NS(f->C_InitPIN(s, (CK_UTF8CHAR_PTR) "1234", 4));
	NI_OR_NS(
	    f->C_SetPIN(s, (CK_UTF8CHAR_PTR) "1", 1, (CK_UTF8CHAR_PTR) "2", 1));
	NI(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s));
	NI(f->C_CloseSession(s));
	NI(f->C_CloseAllSessions(0));
	NI(f->C_GetSessionInfo(s, &ssi));
	NI_OR_NS(f->C_GetOperationState(s, buf, &len));
	NI_OR_NS(f->C_SetOperationState(s, buf, 16, 0, 0));
	NI(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4));
	NI(f->C_Logout(s));
	NI(f->C_CreateObject(s, &a, 1, &o2));
	NI(f->C_CopyObject(s, o, &a, 1, &o2));
	NI(f->C_DestroyObject(s, o));
	NI(f->C_GetObjectSize(s, o, &len));
	NI(f->C_GetAttributeValue(s, o, &a, 1));
	NI(f->C_SetAttributeValue(s, o, &a, 1));
	NI(f->C_FindObjectsInit(s, &a, 1));
	NI(f->C_FindObjects(s, &o2, 1, &n));
	NI(f->C_FindObjectsFinal(s));
	NI(f->C_EncryptInit(s, &m, o));
	len = sizeof(buf);
	NI(f->C_Encrypt(s, buf, 4, buf, &len));
	NI(f->C_EncryptUpdate(s, buf, 4, buf, &len));
	NI(f->C_EncryptFinal(s, buf, &len));
	NI(f->C_DecryptInit(s, &m, o));
	NI(f->C_Decrypt(s, buf, 40, buf, &len));
	NI(f->C_DecryptUpdate(s, buf, 40, buf, &len));
	NI(f->C_DecryptFinal(s, buf, &len));
	NI_OR_NS(f->C_DigestInit(s, &m));
	NI_OR_NS(f->C_Digest(s, buf, 4, buf, &len));
	NI_OR_NS(f->C_DigestUpdate(s, buf, 4));
	NI_OR_NS(f->C_DigestKey(s, o));
	NI_OR_NS(f->C_DigestFinal(s, buf, &len));
	NI(f->C_SignInit(s, &m, o));
	NI(f->C_Sign(s, buf, 4, buf, &len));
	NI(f->C_SignUpdate(s, buf, 4));
	NI(f->C_SignFinal(s, buf, &len));
	NI_OR_NS(f->C_SignRecoverInit(s, &m, o));
	NI_OR_NS(f->C_SignRecover(s, buf, 4, buf, &len));
	NI(f->C_VerifyInit(s, &m, o));
	NI(f->C_Verify(s, buf, 4, buf, 32));
	NI(f->C_VerifyUpdate(s, buf, 4));
	NI(f->C_VerifyFinal(s, buf, 32));
	NI_OR_NS(f->C_VerifyRecoverInit(s, &m, o));
	NI_OR_NS(f->C_VerifyRecover(s, buf, 32, buf, &len));
	NI_OR_NS(f->C_DigestEncryptUpdate(s, buf, 4, buf, &len));
	NI_OR_NS(f->C_DecryptDigestUpdate(s, buf, 4, buf, &len));
	NI_OR_NS(f->C_SignEncryptUpdate(s, buf, 4, buf, &len));
	NI_OR_NS(f->C_DecryptVerifyUpdate(s, buf, 4, buf, &len));
	NI_OR_NS(f->C_GenerateKey(s, &m, &a, 1, &o2));
	NI_OR_NS(f->C_GenerateKeyPair(s, &m, &a, 1, &a, 1, &o2, &o2));
	NI_OR_NS(f->C_WrapKey(s, &m, o, o, buf, &len));
	NI(f->C_UnwrapKey(s, &m, o, buf, 40, &a, 1, &o2));
	NI_OR_NS(f->C_DeriveKey(s, &m, o, &a, 1, &o2));
	NI(f->C_SeedRandom(s, buf, 4));
	NI(f->C_GenerateRandom(s, buf, 4));
	NI(f->C_GetFunctionStatus(s));
	NI(f->C_CancelFunction(s));
	NI_OR_NS(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, sl, NULL));
}

/* --- C_Initialize, C_Finalize --------------------------------------------- */

static void initialize_twice(void **state)
{
	(void)state;
	OK(f->C_Initialize(NULL));
	RV(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	OK(f->C_Finalize(NULL));
}

static int n_create, n_destroy, n_lock, n_unlock;

static CK_RV cb_create(CK_VOID_PTR_PTR m)
{
	*m = malloc(1);
	n_create++;
	return *m ? CKR_OK : CKR_HOST_MEMORY;
}

static CK_RV cb_destroy(CK_VOID_PTR m)
{
	free(m);
	n_destroy++;
	return CKR_OK;
}

/* Counted under the module's own serialisation; the test is one thread. */
static CK_RV cb_lock(CK_VOID_PTR m)
{
	(void)m;
	n_lock++;
	return CKR_OK;
}

static CK_RV cb_unlock(CK_VOID_PTR m)
{
	(void)m;
	n_unlock++;
	return CKR_OK;
}

static void initialize_mutex_callbacks_partial(void **state)
{
	CK_C_INITIALIZE_ARGS a;
	CK_INFO info;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.CreateMutex = cb_create;
	RV(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	a.DestroyMutex = cb_destroy;
	a.LockMutex = cb_lock;
	RV(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	a.flags = CKF_OS_LOCKING_OK;
	RV(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	/* Nothing was initialised by the refused calls. */
	RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void initialize_app_mutexes_used(void **state)
{
	CK_C_INITIALIZE_ARGS a;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 1;

	(void)state;
	n_create = n_destroy = n_lock = n_unlock = 0;
	memset(&a, 0, sizeof(a));
	a.CreateMutex = cb_create;
	a.DestroyMutex = cb_destroy;
	a.LockMutex = cb_lock;
	a.UnlockMutex = cb_unlock;
	OK(f->C_Initialize(&a));
	OK(f->C_GetSlotList(CK_TRUE, &slot, &n));
	OK(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s));
	(void)plain_obj(s);
	OK(f->C_CloseSession(s));
	OK(f->C_Finalize(NULL));
	/* Without CKF_OS_LOCKING_OK the application's mutexes are the ones
	 * used, balanced, and all destroyed again. */
	assert_true(n_create > 0);
	assert_true(n_lock > 0);
	assert_int_equal(n_lock, n_unlock);
	assert_int_equal(n_create, n_destroy);
}

static void initialize_os_locking_with_callbacks(void **state)
{
	CK_C_INITIALIZE_ARGS a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.CreateMutex = cb_create;
	a.DestroyMutex = cb_destroy;
	a.LockMutex = cb_lock;
	a.UnlockMutex = cb_unlock;
	a.flags = CKF_OS_LOCKING_OK;
	OK(f->C_Initialize(&a));
	OK(f->C_Finalize(NULL));
	memset(&a, 0, sizeof(a));
	a.flags = CKF_OS_LOCKING_OK;
	OK(f->C_Initialize(&a));
	OK(f->C_Finalize(NULL));
}

/* DESIGN.md 4: pReserved carries p11-kit's x-init-reserved string (the
 * specification would refuse any non-NULL pReserved); a malformed one is
 * CKR_ARGUMENTS_BAD or CKR_GENERAL_ERROR and leaves nothing initialised;
 * a pointer that is no readable string is CKR_ARGUMENTS_BAD. */
static void initialize_reserved_string(void **state)
{
	CK_C_INITIALIZE_ARGS a;
	CK_INFO info;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.pReserved = "cache_ttl=60";
	OK(f->C_Initialize(&a));
	OK(f->C_Finalize(NULL));
	a.pReserved = "no_such_key=1";
	RV2(f->C_Initialize(&a), CKR_ARGUMENTS_BAD, CKR_GENERAL_ERROR);
	RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Not a string at all (pkcs11test's Init.InitArgsBadReserved). */
	a.pReserved = (void *)1;
	RV(f->C_Initialize(&a), CKR_ARGUMENTS_BAD);
	RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* Read-only mode (DESIGN.md 5): CKF_WRITE_PROTECTED, and a R/W session
 * is CKR_TOKEN_WRITE_PROTECTED; session keys are still made. */
static void read_only_mode(void **state)
{
	static const unsigned char k[32] = {7};
	CK_C_INITIALIZE_ARGS a;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 1;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.pReserved = "read_only=true";
	OK(f->C_Initialize(&a));
	OK(f->C_GetSlotList(CK_TRUE, &slot, &n));
	OK(f->C_GetTokenInfo(slot, &ti));
	assert_true(ti.flags & CKF_WRITE_PROTECTED);
	RV(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
			    NULL, &s),
	   CKR_TOKEN_WRITE_PROTECTED);
	s = open_s(false);
	(void)aes_key(s, k, CK_TRUE, CK_TRUE);
	assert_false(bool_attr(s, plain_obj(s), CKA_MODIFIABLE));
}

static void finalize_reserved_non_null(void **state)
{
	CK_INFO info;
	int x = 0;

	(void)state;
	OK(f->C_Initialize(NULL));
	RV(f->C_Finalize(&x), CKR_ARGUMENTS_BAD);
	OK(f->C_GetInfo(&info)); /* still initialised */
	OK(f->C_Finalize(NULL));
	RV(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void reinitialize_after_finalize(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0;

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_Finalize(NULL));
	RV(f->C_GetSlotList(CK_TRUE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	init();
	/* Sessions of the last life are gone. */
	RV(f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
	s = open_s(false);
	(void)plain_obj(s);
}

/* --- general information ----------------------------------------------- */

static void get_info(void **state)
{
	CK_INFO info;

	(void)state;
	init();
	RV(f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	memset(&info, 0, sizeof(info));
	OK(f->C_GetInfo(&info));
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);
	assert_int_equal(info.flags, 0);
	padded(info.manufacturerID, sizeof(info.manufacturerID),
	       "oneclaw-pkcs11");
	padded(info.libraryDescription, sizeof(info.libraryDescription), NULL);
	assert_true(info.libraryVersion.minor < 100);
}

static void get_function_list(void **state)
{
	CK_FUNCTION_LIST_PTR g = NULL;
	CK_VOID_PTR *p;
	size_t n;

	(void)state;
	RV(f->C_GetFunctionList(NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetFunctionList(&g)); /* allowed before C_Initialize */
	assert_ptr_equal(g, f);
	assert_int_equal(f->version.major, 2);
	assert_int_equal(f->version.minor, 40);
	/* Every entry of the 2.40 list is there. */
	p = (CK_VOID_PTR *)&f->C_Initialize;
	n = (size_t)((CK_VOID_PTR *)&f->C_WaitForSlotEvent - p) + 1;
	assert_int_equal(n, 68);
	for (size_t i = 0; i < n; i++)
		assert_non_null(p[i]);
}

static void get_interface_list_cases(void **state)
{
	CK_INTERFACE list[4];
	CK_ULONG n = 0;
	CK_FUNCTION_LIST_PTR g;

	(void)state;
	assert_non_null(p_get_interface_list);
	RV(p_get_interface_list(NULL, NULL), CKR_ARGUMENTS_BAD);
	OK(p_get_interface_list(NULL, &n));
	assert_true(n >= 1 && n <= 4);
	n = 0;
	RV(p_get_interface_list(list, &n), CKR_BUFFER_TOO_SMALL);
	assert_true(n >= 1);
	n = 4;
	OK(p_get_interface_list(list, &n));
	assert_string_equal((const char *)list[0].pInterfaceName, "PKCS 11");
	g = list[0].pFunctionList;
	assert_ptr_equal(g, f);
	assert_int_equal(g->version.major, 2);
}

static void get_interface_cases(void **state)
{
	CK_INTERFACE_PTR i = NULL;
	CK_VERSION v240 = {2, 40}, v30 = {3, 0};

	(void)state;
	assert_non_null(p_get_interface);
	RV(p_get_interface(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	OK(p_get_interface(NULL, NULL, &i, 0)); /* the default interface */
	assert_non_null(i);
	assert_string_equal((const char *)i->pInterfaceName, "PKCS 11");
	i = NULL;
	OK(p_get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &i, 0));
	assert_ptr_equal(i->pFunctionList, f);
	/* Nothing by another name, version, or with flags it lacks. */
	assert_int_not_equal(
	    p_get_interface((CK_UTF8CHAR_PTR) "Vendor X", NULL, &i, 0), CKR_OK);
	assert_int_not_equal(
	    p_get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &i, 0), CKR_OK);
	assert_int_not_equal(p_get_interface((CK_UTF8CHAR_PTR) "PKCS 11", NULL,
					     &i, CKF_INTERFACE_FORK_SAFE),
			     CKR_OK);
}

/* --- slots and tokens ------------------------------------------------------
 */

static void get_slot_list(void **state)
{
	CK_SLOT_ID ids[4];
	CK_ULONG n = 0, m;

	(void)state;
	init();
	RV(f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetSlotList(CK_FALSE, NULL, &n));
	assert_int_equal(n, 1);
	m = 0;
	OK(f->C_GetSlotList(CK_TRUE, NULL, &m));
	assert_int_equal(m, n); /* tokens are always present */
	m = 0;
	RV(f->C_GetSlotList(CK_TRUE, ids, &m), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(m, n);
	m = 4;
	OK(f->C_GetSlotList(CK_TRUE, ids, &m));
	assert_int_equal(m, n);
	assert_int_equal(ids[0], slot);
}

static void get_slot_info(void **state)
{
	CK_SLOT_INFO si;

	(void)state;
	init();
	RV(f->C_GetSlotInfo(BOGUS_SLOT, &si), CKR_SLOT_ID_INVALID);
	RV(f->C_GetSlotInfo(slot, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetSlotInfo(slot, &si));
	padded(si.slotDescription, sizeof(si.slotDescription), NULL);
	padded(si.manufacturerID, sizeof(si.manufacturerID), "oneclaw-pkcs11");
	assert_true(si.flags & CKF_TOKEN_PRESENT);
	assert_false(si.flags & CKF_REMOVABLE_DEVICE &&
		     !(si.flags & CKF_TOKEN_PRESENT));
	assert_true(si.hardwareVersion.minor < 100);
	assert_true(si.firmwareVersion.minor < 100);
}

static void get_token_info(void **state)
{
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE ro, rw;

	(void)state;
	init();
	RV(f->C_GetTokenInfo(BOGUS_SLOT, &ti), CKR_SLOT_ID_INVALID);
	RV(f->C_GetTokenInfo(slot, NULL), CKR_ARGUMENTS_BAD);
	ro = open_s(false);
	rw = open_s(true);
	OK(f->C_GetTokenInfo(slot, &ti));
	padded(ti.label, sizeof(ti.label), vault_name);
	padded(ti.manufacturerID, sizeof(ti.manufacturerID), "oneclaw-pkcs11");
	padded(ti.model, sizeof(ti.model), "1claw vault");
	padded(ti.serialNumber, sizeof(ti.serialNumber), NULL);
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
	assert_true(ti.flags & CKF_RNG);
	assert_false(ti.flags & CKF_LOGIN_REQUIRED); /* credential mode */
	/* No PIN to set up: NSS would say "Database needs user init". */
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	assert_false(ti.flags & CKF_WRITE_PROTECTED);
	assert_false(ti.flags & CKF_CLOCK_ON_TOKEN);
	assert_true(ti.ulMaxPinLen >= ti.ulMinPinLen);
	assert_int_equal(ti.ulSessionCount, 2);
	assert_int_equal(ti.ulRwSessionCount, 1);
	OK(f->C_CloseSession(ro));
	OK(f->C_CloseSession(rw));
	OK(f->C_GetTokenInfo(slot, &ti));
	assert_int_equal(ti.ulSessionCount, 0);
}

static void get_mechanism_list(void **state)
{
	CK_MECHANISM_TYPE mt[64];
	CK_ULONG n = 0, m;
	bool cmek = false, gcm = false, hmac = false, sha256 = false;

	(void)state;
	init();
	RV(f->C_GetMechanismList(BOGUS_SLOT, NULL, &n), CKR_SLOT_ID_INVALID);
	RV(f->C_GetMechanismList(slot, mt, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetMechanismList(slot, NULL, &n));
	assert_true(n >= 3 && n <= 64);
	m = 1;
	RV(f->C_GetMechanismList(slot, mt, &m), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(m, n);
	m = 64;
	OK(f->C_GetMechanismList(slot, mt, &m));
	assert_int_equal(m, n);
	for (CK_ULONG i = 0; i < m; i++) {
		cmek |= mt[i] == CKM_ONECLAW_CMEK;
		gcm |= mt[i] == CKM_AES_GCM;
		hmac |= mt[i] == CKM_SHA256_HMAC;
		sha256 |= mt[i] == CKM_SHA256;
	}
	/* The plain hash: Java's SunPKCS11 wants it for RSASSA-PSS. */
	assert_true(cmek && gcm && hmac && sha256);
}

static void get_mechanism_info(void **state)
{
	CK_MECHANISM_INFO mi;

	(void)state;
	init();
	RV(f->C_GetMechanismInfo(BOGUS_SLOT, CKM_AES_GCM, &mi),
	   CKR_SLOT_ID_INVALID);
	RV(f->C_GetMechanismInfo(slot, UNKNOWN_MECH, &mi),
	   CKR_MECHANISM_INVALID);
	RV(f->C_GetMechanismInfo(slot, CKM_AES_GCM, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetMechanismInfo(slot, CKM_ONECLAW_CMEK, &mi));
	assert_true(mi.flags & CKF_ENCRYPT);
	assert_true(mi.flags & CKF_DECRYPT);
	assert_true(mi.flags & CKF_UNWRAP);
	OK(f->C_GetMechanismInfo(slot, CKM_AES_GCM, &mi));
	assert_true(mi.ulMinKeySize <= 32 && mi.ulMaxKeySize >= 32);
	OK(f->C_GetMechanismInfo(slot, CKM_SHA256_HMAC, &mi));
	assert_true(mi.flags & CKF_SIGN);
	assert_true(mi.flags & CKF_VERIFY);
	assert_true(mi.ulMinKeySize <= mi.ulMaxKeySize);
}

static void token_admin_not_supported(void **state)
{
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_InitToken(slot, (CK_UTF8CHAR_PTR) "1234", 4,
			  (CK_UTF8CHAR_PTR) "label                           "),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_InitPIN(s, (CK_UTF8CHAR_PTR) "1234", 4),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_SetPIN(s, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "5678",
		       4),
	   CKR_FUNCTION_NOT_SUPPORTED);
}

static void wait_for_slot_event_not_supported(void **state)
{
	CK_SLOT_ID s;

	(void)state;
	init();
	RV(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, NULL),
	   CKR_FUNCTION_NOT_SUPPORTED);
}

/* --- sessions ---------------------------------------------------------------
 */

static void open_session_errors(void **state)
{
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	RV(f->C_OpenSession(slot, 0, NULL, NULL, &s),
	   CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	RV(f->C_OpenSession(slot, CKF_RW_SESSION, NULL, NULL, &s),
	   CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	RV(f->C_OpenSession(BOGUS_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s),
	   CKR_SLOT_ID_INVALID);
	RV(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL),
	   CKR_ARGUMENTS_BAD);
}

static void close_session_errors(void **state)
{
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	RV(f->C_CloseSession(CK_INVALID_HANDLE), CKR_SESSION_HANDLE_INVALID);
	RV(f->C_CloseSession(BOGUS_SESSION), CKR_SESSION_HANDLE_INVALID);
	s = open_s(false);
	assert_int_not_equal(s, CK_INVALID_HANDLE);
	OK(f->C_CloseSession(s));
	RV(f->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
}

static void close_all_sessions(void **state)
{
	CK_SESSION_HANDLE a, b;
	CK_SESSION_INFO si;

	(void)state;
	init();
	RV(f->C_CloseAllSessions(BOGUS_SLOT), CKR_SLOT_ID_INVALID);
	a = open_s(false);
	b = open_s(true);
	OK(f->C_CloseAllSessions(slot));
	RV(f->C_GetSessionInfo(a, &si), CKR_SESSION_HANDLE_INVALID);
	RV(f->C_GetSessionInfo(b, &si), CKR_SESSION_HANDLE_INVALID);
}

static void get_session_info(void **state)
{
	CK_SESSION_HANDLE ro, rw;
	CK_SESSION_INFO si;

	(void)state;
	init();
	ro = open_s(false);
	rw = open_s(true);
	RV(f->C_GetSessionInfo(BOGUS_SESSION, &si), CKR_SESSION_HANDLE_INVALID);
	RV(f->C_GetSessionInfo(ro, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetSessionInfo(ro, &si));
	assert_int_equal(si.slotID, slot);
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
	assert_true(si.flags & CKF_SERIAL_SESSION);
	assert_false(si.flags & CKF_RW_SESSION);
	OK(f->C_GetSessionInfo(rw, &si));
	assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);
	assert_true(si.flags & CKF_RW_SESSION);
}

/* Every function that takes a session refuses a handle never issued. */
#define SHI(call) RV(call, CKR_SESSION_HANDLE_INVALID)
#define SHI_OR_NS(call)                                                        \
	RV2(call, CKR_SESSION_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED)

static void session_handle_invalid_every_function(void **state)
{
	CK_SESSION_HANDLE s = BOGUS_SESSION, real;
	CK_OBJECT_HANDLE o = 1, o2;
	CK_ULONG n, len;
	CK_BYTE buf[64];
	CK_SESSION_INFO ssi;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ULONG cls = CKO_DATA;
	CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof(cls)};

	(void)state;
	init();
	real = open_s(true); /* a session exists, just not this one */
	(void)real;
	len = sizeof(buf);
	SHI(f->C_CloseSession(s));
	SHI(f->C_GetSessionInfo(s, &ssi));
	SHI_OR_NS(f->C_InitPIN(s, (CK_UTF8CHAR_PTR) "1234", 4));
	SHI_OR_NS(
	    f->C_SetPIN(s, (CK_UTF8CHAR_PTR) "1", 1, (CK_UTF8CHAR_PTR) "2", 1));
	SHI_OR_NS(f->C_GetOperationState(s, buf, &len));
	SHI_OR_NS(f->C_SetOperationState(s, buf, 16, 0, 0));
	SHI(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4));
	SHI(f->C_Logout(s));
	SHI(f->C_CreateObject(s, &a, 1, &o2));
	SHI(f->C_CopyObject(s, o, &a, 1, &o2));
	SHI(f->C_DestroyObject(s, o));
	SHI(f->C_GetObjectSize(s, o, &len));
	SHI(f->C_GetAttributeValue(s, o, &a, 1));
	SHI(f->C_SetAttributeValue(s, o, &a, 1));
	SHI(f->C_FindObjectsInit(s, &a, 1));
	SHI(f->C_FindObjects(s, &o2, 1, &n));
	SHI(f->C_FindObjectsFinal(s));
	SHI(f->C_EncryptInit(s, &m, o));
	len = sizeof(buf);
	SHI(f->C_Encrypt(s, buf, 4, buf, &len));
	SHI(f->C_EncryptUpdate(s, buf, 4, buf, &len));
	SHI(f->C_EncryptFinal(s, buf, &len));
	SHI(f->C_DecryptInit(s, &m, o));
	SHI(f->C_Decrypt(s, buf, 40, buf, &len));
	SHI(f->C_DecryptUpdate(s, buf, 40, buf, &len));
	SHI(f->C_DecryptFinal(s, buf, &len));
	SHI_OR_NS(f->C_DigestInit(s, &m));
	SHI_OR_NS(f->C_Digest(s, buf, 4, buf, &len));
	SHI_OR_NS(f->C_DigestUpdate(s, buf, 4));
	SHI_OR_NS(f->C_DigestKey(s, o));
	SHI_OR_NS(f->C_DigestFinal(s, buf, &len));
	SHI(f->C_SignInit(s, &m, o));
	SHI(f->C_Sign(s, buf, 4, buf, &len));
	SHI(f->C_SignUpdate(s, buf, 4));
	SHI(f->C_SignFinal(s, buf, &len));
	SHI_OR_NS(f->C_SignRecoverInit(s, &m, o));
	SHI_OR_NS(f->C_SignRecover(s, buf, 4, buf, &len));
	SHI(f->C_VerifyInit(s, &m, o));
	SHI(f->C_Verify(s, buf, 4, buf, 32));
	SHI(f->C_VerifyUpdate(s, buf, 4));
	SHI(f->C_VerifyFinal(s, buf, 32));
	SHI_OR_NS(f->C_VerifyRecoverInit(s, &m, o));
	SHI_OR_NS(f->C_VerifyRecover(s, buf, 32, buf, &len));
	SHI_OR_NS(f->C_DigestEncryptUpdate(s, buf, 4, buf, &len));
	SHI_OR_NS(f->C_DecryptDigestUpdate(s, buf, 4, buf, &len));
	SHI_OR_NS(f->C_SignEncryptUpdate(s, buf, 4, buf, &len));
	SHI_OR_NS(f->C_DecryptVerifyUpdate(s, buf, 4, buf, &len));
	SHI_OR_NS(f->C_GenerateKey(s, &m, &a, 1, &o2));
	SHI_OR_NS(f->C_GenerateKeyPair(s, &m, &a, 1, &a, 1, &o2, &o2));
	SHI_OR_NS(f->C_WrapKey(s, &m, o, o, buf, &len));
	SHI(f->C_UnwrapKey(s, &m, o, buf, 40, &a, 1, &o2));
	SHI_OR_NS(f->C_DeriveKey(s, &m, o, &a, 1, &o2));
	SHI(f->C_SeedRandom(s, buf, 4));
	SHI(f->C_GenerateRandom(s, buf, 4));
	SHI(f->C_GetFunctionStatus(s));
	SHI(f->C_CancelFunction(s));
}

static void operation_state_not_supported(void **state)
{
	CK_SESSION_HANDLE s;
	CK_BYTE buf[64];
	CK_ULONG len = sizeof(buf);

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetOperationState(s, NULL, &len), CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_SetOperationState(s, buf, 16, 0, 0),
	   CKR_FUNCTION_NOT_SUPPORTED);
}

static void legacy_parallel_functions(void **state)
{
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
	RV(f->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
}

/* --- login -------------------------------------------------------------------
 */

static void login_logout_states(void **state)
{
	CK_SESSION_HANDLE ro, rw;
	CK_SESSION_INFO si;

	(void)state;
	init();
	ro = open_s(false);
	rw = open_s(true);
	RV(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
	/* Credential mode: any PIN opens the session's user functions. */
	OK(f->C_Login(ro, CKU_USER, (CK_UTF8CHAR_PTR) "ignored", 7));
	RV(f->C_Login(rw, CKU_USER, (CK_UTF8CHAR_PTR) "ignored", 7),
	   CKR_USER_ALREADY_LOGGED_IN);
	OK(f->C_GetSessionInfo(ro, &si));
	assert_int_equal(si.state, CKS_RO_USER_FUNCTIONS);
	OK(f->C_GetSessionInfo(rw, &si));
	assert_int_equal(si.state, CKS_RW_USER_FUNCTIONS);
	OK(f->C_Logout(rw));
	OK(f->C_GetSessionInfo(ro, &si));
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
	RV(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
}

static void login_errors(void **state)
{
	CK_SESSION_HANDLE s, rw;

	(void)state;
	init();
	/* No security officer, so no SO PIN; 2.40's order of answers. */
	rw = open_s(true);
	RV(f->C_Login(rw, CKU_SO, (CK_UTF8CHAR_PTR) "x", 1), CKR_PIN_INCORRECT);
	s = open_s(false);
	RV(f->C_Login(rw, CKU_SO, (CK_UTF8CHAR_PTR) "x", 1),
	   CKR_SESSION_READ_ONLY_EXISTS);
	OK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "x", 1));
	RV(f->C_Login(rw, CKU_SO, (CK_UTF8CHAR_PTR) "x", 1),
	   CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	OK(f->C_Logout(s));
	RV(f->C_Login(s, 42, (CK_UTF8CHAR_PTR) "x", 1), CKR_USER_TYPE_INVALID);
	RV(f->C_Login(s, CKU_USER, NULL, 5), CKR_ARGUMENTS_BAD);
	/* No operation waits for a context-specific login. */
	RV(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "x", 1),
	   CKR_OPERATION_NOT_INITIALIZED);
}

/* Closing the application's last session logs the user out. */
static void logout_when_last_session_closes(void **state)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "x", 1));
	OK(f->C_CloseAllSessions(slot));
	s = open_s(false);
	OK(f->C_GetSessionInfo(s, &si));
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
}

/* --- C_CreateObject
 * ------------------------------------------------------------ */

static void create_object_arguments(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls_data, sizeof(cls_data)}};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, NULL, 1, &h), CKR_ARGUMENTS_BAD);
	RV(f->C_CreateObject(s, t, 1, NULL), CKR_ARGUMENTS_BAD);
}

static void create_object_read_only_session(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, "conf/ro", 7},
	    {CKA_VALUE, "v", 1},
	};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_CreateObject(s, t, 4, &h), CKR_SESSION_READ_ONLY);
}

/* Only session objects may be created in a R/O session: they may. */
static void create_session_key_in_read_only_session(void **state)
{
	static const unsigned char k[32] = {9};
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	s = open_s(false);
	(void)aes_key(s, k, CK_TRUE, CK_TRUE);
}

static void create_object_template_incomplete(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	static const unsigned char k[32] = {1};
	CK_ATTRIBUTE no_class[] = {{CKA_LABEL, "conf/x", 6},
				   {CKA_VALUE, "v", 1}};
	CK_ATTRIBUTE no_label[] = {{CKA_CLASS, &cls_data, sizeof(cls_data)},
				   {CKA_TOKEN, &yes, 1},
				   {CKA_VALUE, "v", 1}};
	CK_ATTRIBUTE no_key_type[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_VALUE, (void *)k, 32},
	};
	CK_ATTRIBUTE no_value[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_aes, sizeof(kt_aes)},
	    {CKA_TOKEN, &no, 1},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, no_class, 2, &h), CKR_TEMPLATE_INCOMPLETE);
	/* The secret path is what this token needs of a vault secret. */
	RV(f->C_CreateObject(s, no_label, 3, &h), CKR_TEMPLATE_INCOMPLETE);
	RV(f->C_CreateObject(s, no_key_type, 3, &h), CKR_TEMPLATE_INCOMPLETE);
	RV(f->C_CreateObject(s, no_value, 3, &h), CKR_TEMPLATE_INCOMPLETE);
}

static void create_object_attribute_type_invalid(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	static const unsigned char k[32] = {1};
	CK_ATTRIBUTE data[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/bad-attr", 13},
	    {CKA_VALUE, "v", 1},
	    {UNKNOWN_ATTR, "x", 1},
	};
	CK_ATTRIBUTE key[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_aes, sizeof(kt_aes)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_VALUE, (void *)k, 32},
	    {UNKNOWN_ATTR, "x", 1},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, data, 4, &h), CKR_ATTRIBUTE_TYPE_INVALID);
	RV(f->C_CreateObject(s, key, 5, &h), CKR_ATTRIBUTE_TYPE_INVALID);
}

static void create_object_attribute_value_invalid(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_BBOOL two = 2;
	static const unsigned char k[32] = {1};
	CK_ATTRIBUTE short_class[] = {
	    {CKA_CLASS, &cls_data, 3},
	    {CKA_LABEL, "conf/x", 6},
	    {CKA_VALUE, "v", 1},
	};
	CK_ATTRIBUTE bad_bool[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/x", 6},
	    {CKA_TOKEN, &two, 1},
	};
	CK_ATTRIBUTE short_aes[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_aes, sizeof(kt_aes)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_VALUE, (void *)k, 7},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, short_class, 3, &h),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(f->C_CreateObject(s, bad_bool, 3, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	RV(f->C_CreateObject(s, short_aes, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}

static void create_object_template_inconsistent(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE twice[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/a", 6},
	    {CKA_LABEL, "conf/b", 6},
	    {CKA_VALUE, "v", 1},
	};
	/* A session data object stays in memory (CKA_TOKEN false). */
	CK_ATTRIBUTE session_data[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/a", 6},
	    {CKA_TOKEN, &no, 1},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, twice, 4, &h), CKR_TEMPLATE_INCONSISTENT);
	OK(f->C_CreateObject(s, session_data, 3, &h));
	assert_false(bool_attr(s, h, CKA_TOKEN));
}

/* 2.40 section 4.1.1 rule 5: an attribute the specification defines, but
 * for another class of object (a key attribute in a data object), makes
 * the template inconsistent; rule 1 (CKR_ATTRIBUTE_TYPE_INVALID) is for
 * attributes the specification and the token do not define at all. */
static void create_object_foreign_class_attribute(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/foreign", 12},
	    {CKA_VALUE, "v", 1},
	    {CKA_KEY_TYPE, &kt_aes, sizeof(kt_aes)},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, t, 4, &h), CKR_TEMPLATE_INCONSISTENT);
}

/* A data object written in the CMEK vault is sealed by the module: its
 * CKA_VALUE is the blob, which the vault's key opens. */
static void create_read_decrypt_destroy_data_object(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, k;
	char label[64];
	const char value[] = "conformance-created-value";
	unsigned char blob[128], pt[128];
	CK_ULONG n = sizeof(pt);
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, label, 0},
	    {CKA_VALUE, (void *)value, sizeof(value) - 1},
	};
	CK_ATTRIBUTE get = {CKA_VALUE, blob, sizeof(blob)};

	(void)state;
	snprintf(label, sizeof(label), "conf/created-%ld", (long)getpid());
	t[2].ulValueLen = strlen(label);
	init();
	s = open_s(true);
	OK(f->C_CreateObject(s, t, 4, &h));
	assert_int_not_equal(h, CK_INVALID_HANDLE);
	assert_int_equal(ulong_attr(s, h, CKA_CLASS), CKO_DATA);
	assert_true(bool_attr(s, h, CKA_TOKEN));
	assert_true(bool_attr(s, h, CKA_ONECLAW_CMEK_ENCRYPTED));
	OK(f->C_GetAttributeValue(s, h, &get, 1));
	assert_int_equal(get.ulValueLen, sizeof(value) - 1 + 29);
	k = cmek_key(s);
	OK(f->C_DecryptInit(s, &m, k));
	OK(f->C_Decrypt(s, blob, get.ulValueLen, pt, &n));
	assert_int_equal(n, sizeof(value) - 1);
	assert_memory_equal(pt, value, n);
	OK(f->C_DestroyObject(s, h));
	RV(f->C_GetAttributeValue(s, h, &get, 1), CKR_OBJECT_HANDLE_INVALID);
	RV(f->C_DestroyObject(s, h), CKR_OBJECT_HANDLE_INVALID);
}

/* --- C_CopyObject, C_DestroyObject, C_GetObjectSize
 * ---------------------------- */

static void copy_object(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, c = CK_INVALID_HANDLE;
	char label[64];
	CK_ATTRIBUTE t[] = {{CKA_LABEL, label, 0}};
	unsigned char v[256];
	CK_ATTRIBUTE get = {CKA_VALUE, v, sizeof(v)};

	(void)state;
	snprintf(label, sizeof(label), "conf/copy-%ld", (long)getpid());
	t[0].ulValueLen = strlen(label);
	init();
	s = open_s(true);
	RV(f->C_CopyObject(s, BOGUS_OBJECT, t, 1, &c),
	   CKR_OBJECT_HANDLE_INVALID);
	h = plain_obj(s);
	RV(f->C_CopyObject(s, h, t, 1, NULL), CKR_ARGUMENTS_BAD);
	/* Keys are not copyable (CKA_COPYABLE false). */
	RV(f->C_CopyObject(s, cmek_key(s), NULL, 0, &c), CKR_ACTION_PROHIBITED);
	{
		CK_SESSION_HANDLE ro = open_s(false);
		CK_ATTRIBUTE bad[] = {{CKA_LABEL, label, strlen(label)},
				      {UNKNOWN_ATTR, "x", 1}};

		/* A copy of a token object is a token object. */
		RV(f->C_CopyObject(ro, h, t, 1, &c), CKR_SESSION_READ_ONLY);
		RV(f->C_CopyObject(s, h, bad, 2, &c),
		   CKR_ATTRIBUTE_TYPE_INVALID);
	}
	OK(f->C_CopyObject(s, h, t, 1, &c));
	assert_int_not_equal(c, h);
	OK(f->C_GetAttributeValue(s, c, &get, 1));
	OK(f->C_DestroyObject(s, c));
}

static void destroy_object(void **state)
{
	static const unsigned char k[32] = {3};
	CK_SESSION_HANDLE ro, rw;
	CK_OBJECT_HANDLE sk;

	(void)state;
	init();
	ro = open_s(false);
	rw = open_s(true);
	RV(f->C_DestroyObject(rw, BOGUS_OBJECT), CKR_OBJECT_HANDLE_INVALID);
	RV(f->C_DestroyObject(ro, plain_obj(ro)), CKR_SESSION_READ_ONLY);
	/* The configured key: CKA_DESTROYABLE false. */
	assert_false(bool_attr(rw, cmek_key(rw), CKA_DESTROYABLE));
	RV(f->C_DestroyObject(rw, cmek_key(rw)), CKR_ACTION_PROHIBITED);
	/* Session objects go in a R/O session too. */
	sk = aes_key(ro, k, CK_TRUE, CK_TRUE);
	OK(f->C_DestroyObject(ro, sk));
	RV(f->C_DestroyObject(ro, sk), CKR_OBJECT_HANDLE_INVALID);
	{
		CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};

		RV(f->C_EncryptInit(ro, &m, sk), CKR_KEY_HANDLE_INVALID);
	}
}

static void get_object_size(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0;

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetObjectSize(s, BOGUS_OBJECT, &n), CKR_OBJECT_HANDLE_INVALID);
	RV(f->C_GetObjectSize(s, plain_obj(s), NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_GetObjectSize(s, plain_obj(s), &n));
	assert_true(n == strlen(plain_value) ||
		    n == CK_UNAVAILABLE_INFORMATION);
}

/* --- C_GetAttributeValue
 * ------------------------------------------------------ */

static void get_attribute_arguments(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ULONG c;
	CK_ATTRIBUTE a = {CKA_CLASS, &c, sizeof(c)};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetAttributeValue(s, BOGUS_OBJECT, &a, 1),
	   CKR_OBJECT_HANDLE_INVALID);
	RV(f->C_GetAttributeValue(s, plain_obj(s), NULL, 1), CKR_ARGUMENTS_BAD);
	OK(f->C_GetAttributeValue(s, plain_obj(s), NULL, 0));
}

static void get_attribute_length_query(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ATTRIBUTE a[] = {{CKA_VALUE, NULL, 0}, {CKA_LABEL, NULL, 999}};

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_GetAttributeValue(s, plain_obj(s), a, 2));
	assert_int_equal(a[0].ulValueLen, strlen(plain_value));
	assert_int_equal(a[1].ulValueLen, strlen(plain_path));
}

/* A short buffer: CKR_BUFFER_TOO_SMALL, that attribute's length
 * CK_UNAVAILABLE_INFORMATION, and the others still answered. */
static void get_attribute_buffer_too_small(void **state)
{
	CK_SESSION_HANDLE s;
	char small[2] = {'x', 'x'};
	CK_OBJECT_CLASS c = 99;
	CK_ATTRIBUTE a[] = {
	    {CKA_CLASS, &c, sizeof(c)},
	    {CKA_VALUE, small, sizeof(small)},
	};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetAttributeValue(s, plain_obj(s), a, 2), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(a[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(a[0].ulValueLen, sizeof(c));
	assert_int_equal(c, CKO_DATA);
}

static void get_attribute_type_invalid(void **state)
{
	CK_SESSION_HANDLE s;
	char label[256];
	CK_ATTRIBUTE a[] = {
	    {UNKNOWN_ATTR, label, sizeof(label)},
	    {CKA_LABEL, label, sizeof(label)},
	};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_GetAttributeValue(s, plain_obj(s), a, 2),
	   CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(a[1].ulValueLen, strlen(plain_path));
	assert_memory_equal(label, plain_path, strlen(plain_path));
}

/* The CMEK key's bytes: CKR_ATTRIBUTE_SENSITIVE, never returned, the
 * other attributes of the same call answered. */
static void get_attribute_sensitive(void **state)
{
	CK_SESSION_HANDLE s;
	unsigned char v[64];
	CK_OBJECT_CLASS c = 99;
	CK_ATTRIBUTE a[] = {
	    {CKA_VALUE, v, sizeof(v)},
	    {CKA_CLASS, &c, sizeof(c)},
	};
	CK_ATTRIBUTE q = {CKA_VALUE, NULL, 0};

	(void)state;
	init();
	s = open_s(false);
	memset(v, 0xa5, sizeof(v));
	RV(f->C_GetAttributeValue(s, cmek_key(s), a, 2),
	   CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	for (size_t i = 0; i < sizeof(v); i++)
		assert_int_equal(v[i], 0xa5);
	assert_int_equal(c, CKO_SECRET_KEY);
	RV(f->C_GetAttributeValue(s, cmek_key(s), &q, 1),
	   CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void data_object_attributes(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	char buf[512];
	CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof(buf)};

	(void)state;
	init();
	s = open_s(false);
	h = plain_obj(s);
	assert_int_equal(ulong_attr(s, h, CKA_CLASS), CKO_DATA);
	assert_true(bool_attr(s, h, CKA_TOKEN));
	assert_false(bool_attr(s, h, CKA_PRIVATE)); /* credential mode */
	assert_false(bool_attr(s, h, CKA_ONECLAW_CMEK_ENCRYPTED));
	assert_true(ulong_attr(s, h, CKA_ONECLAW_VERSION) >= 1);
	OK(f->C_GetAttributeValue(s, h, &a, 1));
	assert_int_equal(a.ulValueLen, strlen(plain_value));
	assert_memory_equal(buf, plain_value, a.ulValueLen);
	a.type = CKA_APPLICATION;
	a.ulValueLen = sizeof(buf);
	OK(f->C_GetAttributeValue(s, h, &a, 1));
	assert_int_equal(a.ulValueLen, 5);
	assert_memory_equal(buf, "1claw", 5);
}

static void key_object_attributes(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	unsigned char id[64];
	CK_ATTRIBUTE a = {CKA_ID, id, sizeof(id)};

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	assert_int_equal(ulong_attr(s, k, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(ulong_attr(s, k, CKA_KEY_TYPE), CKK_AES);
	assert_int_equal(ulong_attr(s, k, CKA_VALUE_LEN), 32);
	assert_true(bool_attr(s, k, CKA_SENSITIVE));
	assert_false(bool_attr(s, k, CKA_EXTRACTABLE));
	assert_true(bool_attr(s, k, CKA_ALWAYS_SENSITIVE));
	assert_true(bool_attr(s, k, CKA_NEVER_EXTRACTABLE));
	assert_true(bool_attr(s, k, CKA_ENCRYPT));
	assert_true(bool_attr(s, k, CKA_DECRYPT));
	assert_true(bool_attr(s, k, CKA_UNWRAP));
	assert_false(bool_attr(s, k, CKA_WRAP));
	assert_false(bool_attr(s, k, CKA_MODIFIABLE));
	OK(f->C_GetAttributeValue(s, k, &a, 1));
	assert_int_equal(a.ulValueLen, 32);
	assert_memory_equal(id, fpr, 32);
}

/* --- C_SetAttributeValue
 * ------------------------------------------------------- */

static void set_attribute_read_only_class(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ATTRIBUTE a = {CKA_CLASS, &cls_key, sizeof(cls_key)};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_SetAttributeValue(s, plain_obj(s), &a, 1),
	   CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(ulong_attr(s, plain_obj(s), CKA_CLASS), CKO_DATA);
}

static void set_attribute_errors(void **state)
{
	CK_SESSION_HANDLE ro, rw;
	CK_ATTRIBUTE v = {CKA_VALUE, "new", 3};
	CK_ATTRIBUTE l = {CKA_LABEL, "other", 5};

	(void)state;
	init();
	ro = open_s(false);
	rw = open_s(true);
	RV(f->C_SetAttributeValue(rw, BOGUS_OBJECT, &v, 1),
	   CKR_OBJECT_HANDLE_INVALID);
	RV(f->C_SetAttributeValue(rw, plain_obj(rw), NULL, 1),
	   CKR_ARGUMENTS_BAD);
	RV(f->C_SetAttributeValue(ro, plain_obj(ro), &v, 1),
	   CKR_SESSION_READ_ONLY);
	/* The configured key is not modifiable (2.40: CKR_ACTION_PROHIBITED
	 * when CKA_MODIFIABLE is false). */
	RV(f->C_SetAttributeValue(rw, cmek_key(rw), &l, 1),
	   CKR_ACTION_PROHIBITED);
}

/* 2.40 section 4.1.2: "all the scenarios in section 4.1.1, and the error
 * codes they return, apply to modifying objects with C_SetAttributeValue"
 * (but for an incomplete template), so an attribute neither the
 * specification nor the token defines is CKR_ATTRIBUTE_TYPE_INVALID there
 * too (rule 1), not CKR_ATTRIBUTE_READ_ONLY (rule 3, for attributes that
 * exist). */
static void set_attribute_type_invalid_data(void **state)
{
	CK_SESSION_HANDLE s;
	CK_ATTRIBUTE a = {UNKNOWN_ATTR, "x", 1};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_SetAttributeValue(s, plain_obj(s), &a, 1),
	   CKR_ATTRIBUTE_TYPE_INVALID);
}

static void set_attribute_type_invalid_key(void **state)
{
	static const unsigned char k[32] = {4};
	CK_SESSION_HANDLE s;
	CK_ATTRIBUTE a = {UNKNOWN_ATTR, "x", 1};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_SetAttributeValue(s, aes_key(s, k, CK_TRUE, CK_TRUE), &a, 1),
	   CKR_ATTRIBUTE_TYPE_INVALID);
}

/* Only session objects can be modified in a R/O session: they can. */
static void set_attribute_session_key_read_only_session(void **state)
{
	static const unsigned char k[32] = {8};
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	char buf[16];
	CK_ATTRIBUTE l = {CKA_LABEL, "renamed", 7};
	CK_ATTRIBUTE get = {CKA_LABEL, buf, sizeof(buf)};

	(void)state;
	init();
	s = open_s(false);
	h = aes_key(s, k, CK_TRUE, CK_TRUE);
	OK(f->C_SetAttributeValue(s, h, &l, 1));
	OK(f->C_GetAttributeValue(s, h, &get, 1));
	assert_int_equal(get.ulValueLen, 7);
	assert_memory_equal(buf, "renamed", 7);
}

static void set_attribute_value_new_version(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, k;
	char label[64];
	unsigned char blob[128], pt[128];
	CK_ULONG n = sizeof(pt), v1, v2;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_LABEL, label, 0},
	    {CKA_VALUE, "first", 5},
	};
	CK_ATTRIBUTE nv = {CKA_VALUE, "second", 6};
	CK_ATTRIBUTE get = {CKA_VALUE, blob, sizeof(blob)};

	(void)state;
	snprintf(label, sizeof(label), "conf/set-%ld", (long)getpid());
	t[2].ulValueLen = strlen(label);
	init();
	s = open_s(true);
	OK(f->C_CreateObject(s, t, 4, &h));
	v1 = ulong_attr(s, h, CKA_ONECLAW_VERSION);
	OK(f->C_SetAttributeValue(s, h, &nv, 1));
	v2 = ulong_attr(s, h, CKA_ONECLAW_VERSION);
	assert_int_equal(v2, v1 + 1);
	OK(f->C_GetAttributeValue(s, h, &get, 1));
	k = cmek_key(s);
	OK(f->C_DecryptInit(s, &m, k));
	OK(f->C_Decrypt(s, blob, get.ulValueLen, pt, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(pt, "second", 6);
	OK(f->C_DestroyObject(s, h));
}

/* --- finding objects
 * ------------------------------------------------------------- */

static void find_objects_arguments(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[4];
	CK_ULONG n;

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_FindObjectsInit(s, NULL, 1), CKR_ARGUMENTS_BAD);
	OK(f->C_FindObjectsInit(s, NULL, 0));
	RV(f->C_FindObjects(s, h, 4, NULL), CKR_ARGUMENTS_BAD);
	RV(f->C_FindObjects(s, NULL, 4, &n), CKR_ARGUMENTS_BAD);
	OK(f->C_FindObjectsFinal(s));
}

static void find_objects_not_initialized(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[4];
	CK_ULONG n;

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	OK(f->C_FindObjectsInit(s, NULL, 0));
	OK(f->C_FindObjectsFinal(s));
	RV(f->C_FindObjects(s, h, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
}

static void find_objects_active(void **state)
{
	CK_SESSION_HANDLE s;

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_FindObjectsInit(s, NULL, 0));
	RV(f->C_FindObjectsInit(s, NULL, 0), CKR_OPERATION_ACTIVE);
	OK(f->C_FindObjectsFinal(s));
	OK(f->C_FindObjectsInit(s, NULL, 0));
	OK(f->C_FindObjectsFinal(s));
}

static void find_objects_results(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 99, total = 0;
	CK_ATTRIBUTE unknown = {UNKNOWN_ATTR, "x", 1};
	CK_ATTRIBUTE keys = {CKA_CLASS, &cls_key, sizeof(cls_key)};

	(void)state;
	init();
	s = open_s(false);
	(void)plain_obj(s); /* exactly one by class and label */
	/* max 0 returns nothing and is fine. */
	OK(f->C_FindObjectsInit(s, NULL, 0));
	OK(f->C_FindObjects(s, h, 0, &n));
	assert_int_equal(n, 0);
	do {
		OK(f->C_FindObjects(s, h, 1, &n));
		total += n;
	} while (n && total < 1000);
	OK(f->C_FindObjectsFinal(s));
	assert_true(total >= 2); /* the secret and the key at least */
	/* An attribute no object has matches nothing; not an error. */
	OK(f->C_FindObjectsInit(s, &unknown, 1));
	OK(f->C_FindObjects(s, h, 64, &n));
	assert_int_equal(n, 0);
	OK(f->C_FindObjectsFinal(s));
	OK(f->C_FindObjectsInit(s, &keys, 1));
	OK(f->C_FindObjects(s, h, 64, &n));
	assert_true(n >= 1);
	OK(f->C_FindObjectsFinal(s));
}

/* Session objects are visible to every session and go with their own. */
static void session_object_lifetime(void **state)
{
	static const unsigned char k[32] = {5};
	CK_SESSION_HANDLE a, b;
	CK_OBJECT_HANDLE h;

	(void)state;
	init();
	a = open_s(false);
	b = open_s(false);
	h = aes_key(a, k, CK_TRUE, CK_TRUE);
	assert_int_equal(ulong_attr(b, h, CKA_CLASS), CKO_SECRET_KEY);
	OK(f->C_CloseSession(a));
	{
		CK_ULONG c;
		CK_ATTRIBUTE at = {CKA_CLASS, &c, sizeof(c)};

		RV(f->C_GetAttributeValue(b, h, &at, 1),
		   CKR_OBJECT_HANDLE_INVALID);
	}
}

/* --- encryption
 * ------------------------------------------------------------------ */

static void encrypt_init_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM unknown = {UNKNOWN_MECH, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_EncryptInit(s, NULL, cmek_key(s)), CKR_ARGUMENTS_BAD);
	RV(f->C_EncryptInit(s, &unknown, cmek_key(s)), CKR_MECHANISM_INVALID);
	/* A mechanism the token has, but not for encryption. */
	RV(f->C_EncryptInit(s, &hmac, cmek_key(s)), CKR_MECHANISM_INVALID);
	RV(f->C_EncryptInit(s, &m, BOGUS_OBJECT), CKR_KEY_HANDLE_INVALID);
	/* A data object is no key. */
	RV(f->C_EncryptInit(s, &m, plain_obj(s)), CKR_KEY_HANDLE_INVALID);
	RV(f->C_DecryptInit(s, &m, BOGUS_OBJECT), CKR_KEY_HANDLE_INVALID);
}

static void encrypt_key_type_inconsistent(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_OBJECT_HANDLE g;

	(void)state;
	init();
	s = open_s(false);
	g = hmac_key(s, "key", CK_TRUE);
	RV(f->C_EncryptInit(s, &m, g), CKR_KEY_TYPE_INCONSISTENT);
	RV(f->C_DecryptInit(s, &m, g), CKR_KEY_TYPE_INCONSISTENT);
}

static void encrypt_key_function_not_permitted(void **state)
{
	static const unsigned char k[32] = {6};
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_EncryptInit(s, &m, aes_key(s, k, CK_FALSE, CK_TRUE)),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(f->C_DecryptInit(s, &m, aes_key(s, k, CK_TRUE, CK_FALSE)),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
}

static void encrypt_mechanism_param_invalid(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_BYTE iv[12] = {0};
	CK_GCM_PARAMS p;
	CK_MECHANISM cmek_param = {CKM_ONECLAW_CMEK, iv, sizeof(iv)};
	CK_MECHANISM gcm = {CKM_AES_GCM, NULL, 0};

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	RV(f->C_EncryptInit(s, &cmek_param, k), CKR_MECHANISM_PARAM_INVALID);
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	memset(&p, 0, sizeof(p));
	p.pIv = iv;
	p.ulIvLen = sizeof(iv);
	p.ulIvBits = 96;
	p.ulTagBits = 128;
	gcm.pParameter = &p;
	gcm.ulParameterLen = sizeof(p) - 1;
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	gcm.ulParameterLen = sizeof(p);
	p.ulIvLen = 0;
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.ulIvLen = sizeof(iv);
	p.ulTagBits = 129;
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.ulTagBits = 20;
	RV(f->C_DecryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.ulTagBits = 128;
	p.ulAADLen = 16; /* and no AAD */
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.ulAADLen = 0;
	/* The module generates encryption IVs: pIv is a 12-byte buffer it
	 * writes, never NULL nor of another length. */
	p.pIv = NULL;
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.pIv = iv;
	p.ulIvLen = 8;
	p.ulIvBits = 64;
	RV(f->C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
	p.ulIvLen = sizeof(iv);
	p.ulIvBits = 96;
	OK(f->C_EncryptInit(s, &gcm, k)); /* the refusals left nothing */
}

static void encrypt_not_initialized(void **state)
{
	CK_SESSION_HANDLE s;
	CK_BYTE buf[64];
	CK_ULONG n = sizeof(buf);

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_Encrypt(s, buf, 4, buf, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_EncryptUpdate(s, buf, 4, buf, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_EncryptFinal(s, buf, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_Decrypt(s, buf, 40, buf, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_DecryptUpdate(s, buf, 40, buf, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_DecryptFinal(s, buf, &n), CKR_OPERATION_NOT_INITIALIZED);
}

static void encrypt_decrypt_operation_active(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_EncryptInit(s, &m, cmek_key(s)));
	RV(f->C_EncryptInit(s, &m, cmek_key(s)), CKR_OPERATION_ACTIVE);
	OK(f->C_DecryptInit(s, &m, cmek_key(s)));
	RV(f->C_DecryptInit(s, &m, cmek_key(s)), CKR_OPERATION_ACTIVE);
}

/* NULL output asks the length, a short buffer is CKR_BUFFER_TOO_SMALL
 * with the length; both keep the operation, which the full call ends. */
static void encrypt_buffer_protocol(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE out[128];
	CK_ULONG n = 0;

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_EncryptInit(s, &m, cmek_key(s)));
	RV(f->C_Encrypt(s, (CK_BYTE_PTR) "hello", 5, out, NULL),
	   CKR_ARGUMENTS_BAD);
	RV(f->C_Encrypt(s, NULL, 5, out, &n), CKR_ARGUMENTS_BAD);
	OK(f->C_Encrypt(s, (CK_BYTE_PTR) "hello", 5, NULL, &n));
	assert_int_equal(n, 34);
	n = 10;
	RV(f->C_Encrypt(s, (CK_BYTE_PTR) "hello", 5, out, &n),
	   CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 34);
	n = sizeof(out);
	OK(f->C_Encrypt(s, (CK_BYTE_PTR) "hello", 5, out, &n));
	assert_int_equal(n, 34);
	assert_int_equal(out[0], 0x01);
	RV(f->C_Encrypt(s, (CK_BYTE_PTR) "hello", 5, out, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
}

static void encrypt_decrypt_multipart(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE blob[128], pt[128];
	CK_ULONG n, total = 0, len;

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	OK(f->C_EncryptInit(s, &m, k));
	n = sizeof(blob);
	OK(f->C_EncryptUpdate(s, (CK_BYTE_PTR) "multi-", 6, blob, &n));
	total += n;
	n = sizeof(blob) - total;
	OK(f->C_EncryptUpdate(s, (CK_BYTE_PTR) "part", 4, blob + total, &n));
	total += n;
	n = sizeof(blob) - total;
	OK(f->C_EncryptFinal(s, blob + total, &n));
	total += n;
	assert_int_equal(total, 10 + 29);
	OK(f->C_DecryptInit(s, &m, k));
	len = sizeof(pt);
	OK(f->C_DecryptUpdate(s, blob, 20, pt, &len));
	total = len;
	len = sizeof(pt) - total;
	OK(f->C_DecryptUpdate(s, blob + 20, 19, pt + total, &len));
	total += len;
	/* Final with a short buffer keeps the operation alive. */
	len = 1;
	RV(f->C_DecryptFinal(s, pt + total, &len), CKR_BUFFER_TOO_SMALL);
	assert_true(len >= 10 - total);
	len = sizeof(pt) - total;
	OK(f->C_DecryptFinal(s, pt + total, &len));
	total += len;
	assert_int_equal(total, 10);
	assert_memory_equal(pt, "multi-part", 10);
}

static void decrypt_buffer_protocol(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE blob[128], pt[128];
	CK_ULONG bl, n = 0;

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	bl = seal(s, k, "decrypt me", 10, blob, sizeof(blob));
	OK(f->C_DecryptInit(s, &m, k));
	RV(f->C_Decrypt(s, blob, bl, pt, NULL), CKR_ARGUMENTS_BAD);
	OK(f->C_Decrypt(s, blob, bl, NULL, &n));
	assert_int_equal(n, 10);
	n = 3;
	RV(f->C_Decrypt(s, blob, bl, pt, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 10);
	n = sizeof(pt);
	OK(f->C_Decrypt(s, blob, bl, pt, &n));
	assert_int_equal(n, 10);
	assert_memory_equal(pt, "decrypt me", 10);
	RV(f->C_Decrypt(s, blob, bl, pt, &n), CKR_OPERATION_NOT_INITIALIZED);
}

/* Test vector V1 with its key brought as a session object. */
static void decrypt_test_vector(void **state)
{
	unsigned char k[32];
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE pt[64];
	CK_ULONG n = sizeof(pt);

	(void)state;
	for (int i = 0; i < 32; i++)
		k[i] = (unsigned char)i;
	init();
	s = open_s(false);
	OK(f->C_DecryptInit(s, &m, aes_key(s, k, CK_TRUE, CK_TRUE)));
	OK(f->C_Decrypt(s, (CK_BYTE_PTR)v1_blob, sizeof(v1_blob), pt, &n));
	assert_int_equal(n, strlen(v1_plain));
	assert_memory_equal(pt, v1_plain, n);
}

static void decrypt_encrypted_data_len_range(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE blob[28] = {0x01}, pt[64];
	CK_ULONG n = sizeof(pt);

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_DecryptInit(s, &m, cmek_key(s)));
	RV(f->C_Decrypt(s, blob, sizeof(blob), pt, &n),
	   CKR_ENCRYPTED_DATA_LEN_RANGE);
	/* That ended the operation. */
	RV(f->C_Decrypt(s, blob, sizeof(blob), pt, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
}

/* A flipped tag bit: CKR_ENCRYPTED_DATA_INVALID and no byte of the
 * plaintext in the output buffer; the operation ends. */
static void decrypt_encrypted_data_invalid(void **state)
{
	static const char secret[] = "tamper-evident-plaintext";
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE blob[128], pt[128];
	CK_ULONG bl, n = sizeof(pt);

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	bl = seal(s, k, secret, sizeof(secret) - 1, blob, sizeof(blob));
	blob[bl - 1] ^= 0x01;
	memset(pt, 0, sizeof(pt));
	OK(f->C_DecryptInit(s, &m, k));
	RV(f->C_Decrypt(s, blob, bl, pt, &n), CKR_ENCRYPTED_DATA_INVALID);
	for (size_t i = 0; i + 8 <= sizeof(pt); i++)
		assert_memory_not_equal(pt + i, secret, 8);
	RV(f->C_Decrypt(s, blob, bl, pt, &n), CKR_OPERATION_NOT_INITIALIZED);
	/* An unknown version byte: the same. */
	blob[bl - 1] ^= 0x01;
	blob[0] = 0x02;
	n = sizeof(pt);
	OK(f->C_DecryptInit(s, &m, k));
	RV(f->C_Decrypt(s, blob, bl, pt, &n), CKR_ENCRYPTED_DATA_INVALID);
	for (size_t i = 0; i + 8 <= sizeof(pt); i++)
		assert_memory_not_equal(pt + i, secret, 8);
}

static void aes_gcm_roundtrip_and_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	static const CK_BYTE mine[12] = {1, 2, 3};
	CK_BYTE iv[12] = {1, 2, 3}, aad[5] = "hdr!";
	CK_GCM_PARAMS p = {iv, sizeof(iv), 96, aad, sizeof(aad), 128};
	CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof(p)};
	CK_BYTE ct[64], pt[64];
	CK_ULONG cl = sizeof(ct), n = sizeof(pt);

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	/* The IV is generated and written to pIv at C_EncryptInit;
	 * decryption takes it back from the caller. */
	OK(f->C_EncryptInit(s, &m, k));
	assert_memory_not_equal(iv, mine, sizeof(mine));
	OK(f->C_Encrypt(s, (CK_BYTE_PTR) "gcm text", 8, ct, &cl));
	assert_int_equal(cl, 8 + 16);
	OK(f->C_DecryptInit(s, &m, k));
	OK(f->C_Decrypt(s, ct, cl, pt, &n));
	assert_int_equal(n, 8);
	assert_memory_equal(pt, "gcm text", 8);
	/* Shorter than the tag. */
	OK(f->C_DecryptInit(s, &m, k));
	n = sizeof(pt);
	RV(f->C_Decrypt(s, ct, 15, pt, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);
	/* Another AAD: the tag fails. */
	aad[0] ^= 1;
	OK(f->C_DecryptInit(s, &m, k));
	n = sizeof(pt);
	RV(f->C_Decrypt(s, ct, cl, pt, &n), CKR_ENCRYPTED_DATA_INVALID);
}

/* --- digests, signatures
 * --------------------------------------------------------- */

/* The digests of "abc" (FIPS 180-4 examples). */
static const struct {
	CK_MECHANISM_TYPE mech;
	const char *hex;
} abc_digests[] = {
    {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {CKM_SHA256,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a"
		 "43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {CKM_SHA512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee6"
		 "4b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
		 "2a9ac94fa54ca49f"},
    {CKM_SHA512_224,
     "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa"},
    {CKM_SHA512_256,
     "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
};

static size_t unhex(const char *hex, CK_BYTE *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (CK_BYTE)v;
	}
	return n;
}

/* Single-part, multi-part and the mechanism info, for every digest. */
static void digest_known_answers(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM_INFO mi;
	CK_BYTE want[64], got[64];
	CK_ULONG n;
	size_t len;

	(void)state;
	init();
	s = open_s(false);
	for (size_t i = 0; i < sizeof(abc_digests) / sizeof(abc_digests[0]);
	     i++) {
		CK_MECHANISM m = {abc_digests[i].mech, NULL, 0};

		len = unhex(abc_digests[i].hex, want);
		OK(f->C_GetMechanismInfo(slot, m.mechanism, &mi));
		assert_int_equal(mi.flags, CKF_DIGEST);
		/* single part, with the length asked first */
		OK(f->C_DigestInit(s, &m));
		n = 0;
		OK(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, NULL, &n));
		assert_int_equal(n, len);
		n = sizeof(got);
		OK(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &n));
		assert_int_equal(n, len);
		assert_memory_equal(got, want, len);
		/* multi-part gives the same bytes */
		OK(f->C_DigestInit(s, &m));
		OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "a", 1));
		OK(f->C_DigestUpdate(s, NULL, 0));
		OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "bc", 2));
		n = sizeof(got);
		memset(got, 0, sizeof(got));
		OK(f->C_DigestFinal(s, got, &n));
		assert_int_equal(n, len);
		assert_memory_equal(got, want, len);
		/* the operation ended with its result */
		RV(f->C_DigestFinal(s, got, &n), CKR_OPERATION_NOT_INITIALIZED);
	}
	/* the empty message, in one call */
	{
		CK_MECHANISM m = {CKM_SHA256, NULL, 0};

		len = unhex("e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855",
			    want);
		OK(f->C_DigestInit(s, &m));
		n = sizeof(got);
		OK(f->C_Digest(s, NULL, 0, got, &n));
		assert_int_equal(n, len);
		assert_memory_equal(got, want, len);
	}
}

/* PKCS#11 5.2: a NULL output asks the length and a short buffer is
 * CKR_BUFFER_TOO_SMALL, both leaving the operation active; any other
 * failure ends it. */
static void digest_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM unknown = {UNKNOWN_MECH, NULL, 0};
	CK_BYTE param[8] = {0}, want[32], got[64];
	CK_MECHANISM with_param = {CKM_SHA256, param, sizeof(param)};
	CK_ULONG n;

	(void)state;
	unhex(
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    want);
	init();
	s = open_s(false);
	RV(f->C_DigestInit(s, NULL), CKR_ARGUMENTS_BAD);
	RV(f->C_DigestInit(BOGUS_SESSION, &sha), CKR_SESSION_HANDLE_INVALID);
	RV(f->C_DigestInit(s, &unknown), CKR_MECHANISM_INVALID);
	RV(f->C_DigestInit(s, &hmac), CKR_MECHANISM_INVALID);
	RV(f->C_DigestInit(s, &with_param), CKR_MECHANISM_PARAM_INVALID);
	n = sizeof(got);
	RV(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_DigestUpdate(s, (CK_BYTE_PTR) "abc", 3),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_DigestFinal(s, got, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_DigestKey(s, cmek_key(s)), CKR_OPERATION_NOT_INITIALIZED);

	OK(f->C_DigestInit(s, &sha));
	RV(f->C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE);
	RV(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, NULL),
	   CKR_ARGUMENTS_BAD);
	n = 31;
	RV(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &n),
	   CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 32);
	/* still active: the same call with room succeeds */
	n = sizeof(got);
	OK(f->C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &n));
	assert_memory_equal(got, want, 32);

	/* C_Digest after C_DigestUpdate: refused, and like any failure but
	 * a short buffer it ends the operation. */
	OK(f->C_DigestInit(s, &sha));
	OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2));
	RV(f->C_Digest(s, (CK_BYTE_PTR) "c", 1, got, &n), CKR_OPERATION_ACTIVE);
	RV(f->C_DigestUpdate(s, (CK_BYTE_PTR) "c", 1),
	   CKR_OPERATION_NOT_INITIALIZED);
	OK(f->C_DigestInit(s, &sha));
	OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2));
	OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "c", 1));
	n = 0;
	OK(f->C_DigestFinal(s, NULL, &n));
	assert_int_equal(n, 32);
	n = 1;
	RV(f->C_DigestFinal(s, got, &n), CKR_BUFFER_TOO_SMALL);
	n = sizeof(got);
	OK(f->C_DigestFinal(s, got, &n));
	assert_memory_equal(got, want, 32);

	/* No key is ever digested; the refusal ends the operation. */
	OK(f->C_DigestInit(s, &sha));
	RV(f->C_DigestKey(s, cmek_key(s)), CKR_KEY_INDIGESTIBLE);
	RV(f->C_DigestFinal(s, got, &n), CKR_OPERATION_NOT_INITIALIZED);
	OK(f->C_DigestInit(s, &sha));
	RV(f->C_DigestKey(s, BOGUS_OBJECT), CKR_KEY_HANDLE_INVALID);
	RV(f->C_DigestUpdate(s, (CK_BYTE_PTR) "abc", 3),
	   CKR_OPERATION_NOT_INITIALIZED);

	/* Closing a session with a digest active frees it. */
	OK(f->C_DigestInit(s, &sha));
	OK(f->C_DigestUpdate(s, (CK_BYTE_PTR) "abc", 3));
	OK(f->C_CloseSession(s));
	s = open_s(false);
	OK(f->C_DigestInit(s, &sha));
}

/* The dual-function calls stay unsupported. */
static void digest_dual_not_supported(void **state)
{
	CK_SESSION_HANDLE s;
	CK_BYTE buf[64];
	CK_ULONG n = sizeof(buf);

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_DigestEncryptUpdate(s, buf, 4, buf, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_DecryptDigestUpdate(s, buf, 4, buf, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_SignEncryptUpdate(s, buf, 4, buf, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_DecryptVerifyUpdate(s, buf, 4, buf, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
}

static void sign_init_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM unknown = {UNKNOWN_MECH, NULL, 0};
	CK_MECHANISM cmek = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_BYTE p[4] = {0};
	CK_MECHANISM param = {CKM_SHA256_HMAC, p, sizeof(p)};
	CK_OBJECT_HANDLE g;

	(void)state;
	init();
	s = open_s(false);
	g = hmac_key(s, "key", CK_TRUE);
	RV(f->C_SignInit(s, NULL, g), CKR_ARGUMENTS_BAD);
	RV(f->C_SignInit(s, &unknown, g), CKR_MECHANISM_INVALID);
	RV(f->C_SignInit(s, &cmek, g), CKR_MECHANISM_INVALID);
	RV(f->C_SignInit(s, &param, g), CKR_MECHANISM_PARAM_INVALID);
	RV(f->C_SignInit(s, &hmac, BOGUS_OBJECT), CKR_KEY_HANDLE_INVALID);
	RV(f->C_SignInit(s, &hmac, cmek_key(s)), CKR_KEY_TYPE_INCONSISTENT);
	RV(f->C_SignInit(s, &hmac, hmac_key(s, "key", CK_FALSE)),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(f->C_VerifyInit(s, &hmac, cmek_key(s)), CKR_KEY_TYPE_INCONSISTENT);
}

static void sign_not_initialized_and_active(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	CK_OBJECT_HANDLE g;

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_Sign(s, (CK_BYTE_PTR) "x", 1, sig, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_SignUpdate(s, (CK_BYTE_PTR) "x", 1),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_Verify(s, (CK_BYTE_PTR) "x", 1, sig, 32),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_VerifyUpdate(s, (CK_BYTE_PTR) "x", 1),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(f->C_VerifyFinal(s, sig, 32), CKR_OPERATION_NOT_INITIALIZED);
	g = hmac_key(s, "key", CK_TRUE);
	OK(f->C_SignInit(s, &hmac, g));
	RV(f->C_SignInit(s, &hmac, g), CKR_OPERATION_ACTIVE);
	OK(f->C_VerifyInit(s, &hmac, g));
	RV(f->C_VerifyInit(s, &hmac, g), CKR_OPERATION_ACTIVE);
}

static void sign_buffer_protocol_and_known_answer(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE g;

	(void)state;
	init();
	s = open_s(false);
	g = hmac_key(s, "key", CK_TRUE);
	OK(f->C_SignInit(s, &hmac, g));
	OK(f->C_Sign(s, (CK_BYTE_PTR)fox, strlen(fox), NULL, &n));
	assert_int_equal(n, 32);
	n = 31;
	RV(f->C_Sign(s, (CK_BYTE_PTR)fox, strlen(fox), sig, &n),
	   CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 32);
	n = sizeof(sig);
	OK(f->C_Sign(s, (CK_BYTE_PTR)fox, strlen(fox), sig, &n));
	assert_int_equal(n, 32);
	assert_memory_equal(sig, fox_mac, 32);
	RV(f->C_Sign(s, (CK_BYTE_PTR)fox, strlen(fox), sig, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	/* Multi-part gives the same. */
	OK(f->C_SignInit(s, &hmac, g));
	OK(f->C_SignUpdate(s, (CK_BYTE_PTR)fox, 10));
	OK(f->C_SignUpdate(s, (CK_BYTE_PTR)fox + 10, strlen(fox) - 10));
	n = 1;
	RV(f->C_SignFinal(s, sig, &n), CKR_BUFFER_TOO_SMALL);
	n = sizeof(sig);
	OK(f->C_SignFinal(s, sig, &n));
	assert_memory_equal(sig, fox_mac, 32);
}

static void verify_results(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE bad[32];
	CK_OBJECT_HANDLE g;

	(void)state;
	init();
	s = open_s(false);
	g = hmac_key(s, "key", CK_TRUE);
	OK(f->C_VerifyInit(s, &hmac, g));
	OK(f->C_Verify(s, (CK_BYTE_PTR)fox, strlen(fox), (CK_BYTE_PTR)fox_mac,
		       32));
	memcpy(bad, fox_mac, 32);
	bad[5] ^= 0x40;
	OK(f->C_VerifyInit(s, &hmac, g));
	RV(f->C_Verify(s, (CK_BYTE_PTR)fox, strlen(fox), bad, 32),
	   CKR_SIGNATURE_INVALID);
	OK(f->C_VerifyInit(s, &hmac, g));
	RV(f->C_Verify(s, (CK_BYTE_PTR)fox, strlen(fox), (CK_BYTE_PTR)fox_mac,
		       31),
	   CKR_SIGNATURE_LEN_RANGE);
	OK(f->C_VerifyInit(s, &hmac, g));
	OK(f->C_VerifyUpdate(s, (CK_BYTE_PTR)fox, strlen(fox)));
	OK(f->C_VerifyFinal(s, (CK_BYTE_PTR)fox_mac, 32));
}

static void recover_and_keygen_not_supported(void **state)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_BYTE buf[64];
	CK_ULONG n = sizeof(buf);
	CK_OBJECT_HANDLE h, h2;
	CK_ATTRIBUTE t = {CKA_TOKEN, &no, 1};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_SignRecoverInit(s, &m, cmek_key(s)),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_SignRecover(s, buf, 4, buf, &n), CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_VerifyRecoverInit(s, &m, cmek_key(s)),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_VerifyRecover(s, buf, 32, buf, &n), CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_GenerateKey(s, &gen, &t, 1, &h), CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_GenerateKeyPair(s, &gen, &t, 1, &t, 1, &h, &h2),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_WrapKey(s, &gen, cmek_key(s), cmek_key(s), buf, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
	RV(f->C_DeriveKey(s, &gen, cmek_key(s), &t, 1, &h),
	   CKR_FUNCTION_NOT_SUPPORTED);
}

/* --- C_UnwrapKey
 * ------------------------------------------------------------------ */

static void unwrap_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k, h;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM unknown = {UNKNOWN_MECH, NULL, 0};
	CK_BYTE blob[128];
	CK_ULONG bl;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_generic, sizeof(kt_generic)},
	    {CKA_TOKEN, &no, 1},
	};
	CK_ATTRIBUTE as_data[] = {{CKA_CLASS, &cls_data, sizeof(cls_data)}};

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	bl = seal(s, k, "wrapped-hmac-key", 16, blob, sizeof(blob));
	RV(f->C_UnwrapKey(s, &m, k, blob, bl, t, 3, NULL), CKR_ARGUMENTS_BAD);
	RV(f->C_UnwrapKey(s, &m, BOGUS_OBJECT, blob, bl, t, 3, &h),
	   CKR_UNWRAPPING_KEY_HANDLE_INVALID);
	RV(f->C_UnwrapKey(s, &unknown, k, blob, bl, t, 3, &h),
	   CKR_MECHANISM_INVALID);
	RV(f->C_UnwrapKey(s, &m, k, blob, 28, t, 3, &h),
	   CKR_WRAPPED_KEY_LEN_RANGE);
	RV(f->C_UnwrapKey(s, &m, k, blob, bl, as_data, 1, &h),
	   CKR_TEMPLATE_INCONSISTENT);
	RV(f->C_UnwrapKey(s, &m, hmac_key(s, "key", CK_TRUE), blob, bl, t, 3,
			  &h),
	   CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	blob[bl - 1] ^= 0x80;
	RV(f->C_UnwrapKey(s, &m, k, blob, bl, t, 3, &h),
	   CKR_WRAPPED_KEY_INVALID);
}

/* An unwrapped secret is usable, sensitive and never extractable. */
static void unwrap_key_usable_not_readable(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k, h = CK_INVALID_HANDLE;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE blob[128], sig[32], v[64];
	CK_ULONG bl, n = sizeof(sig);
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_key, sizeof(cls_key)},
	    {CKA_KEY_TYPE, &kt_generic, sizeof(kt_generic)},
	    {CKA_TOKEN, &no, 1},
	    {CKA_SIGN, &yes, 1},
	};
	CK_ATTRIBUTE val = {CKA_VALUE, v, sizeof(v)};

	(void)state;
	init();
	s = open_s(false);
	k = cmek_key(s);
	bl = seal(s, k, "key", 3, blob, sizeof(blob));
	OK(f->C_UnwrapKey(s, &m, k, blob, bl, t, 4, &h));
	assert_true(bool_attr(s, h, CKA_SENSITIVE));
	assert_false(bool_attr(s, h, CKA_EXTRACTABLE));
	RV(f->C_GetAttributeValue(s, h, &val, 1), CKR_ATTRIBUTE_SENSITIVE);
	OK(f->C_SignInit(s, &hmac, h));
	OK(f->C_Sign(s, (CK_BYTE_PTR)fox, strlen(fox), sig, &n));
	assert_memory_equal(sig, fox_mac, 32);
}

/* --- random
 * ------------------------------------------------------------------------ */

static void random_functions(void **state)
{
	CK_SESSION_HANDLE s;
	CK_BYTE a[32], b[32];

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_SeedRandom(s, (CK_BYTE_PTR) "seed", 4),
	   CKR_RANDOM_SEED_NOT_SUPPORTED);
	RV(f->C_GenerateRandom(s, NULL, 16), CKR_ARGUMENTS_BAD);
	OK(f->C_GenerateRandom(s, a, 0));
	OK(f->C_GenerateRandom(s, a, sizeof(a)));
	OK(f->C_GenerateRandom(s, b, sizeof(b)));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* --- PIN mode (no credential configured: the user PIN is the API key) --- */

static const char *pin;

static CK_ULONG count_data(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE t = {CKA_CLASS, &cls_data, sizeof(cls_data)};
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 0;

	OK(f->C_FindObjectsInit(s, &t, 1));
	OK(f->C_FindObjects(s, h, 64, &n));
	OK(f->C_FindObjectsFinal(s));
	return n;
}

static void pin_token_flags(void **state)
{
	CK_TOKEN_INFO ti;

	(void)state;
	init();
	OK(f->C_GetTokenInfo(slot, &ti));
	assert_true(ti.flags & CKF_LOGIN_REQUIRED);
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
}

/* Secrets are private objects: invisible before C_Login. */
static void pin_private_objects_before_login(void **state)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_GetSessionInfo(s, &si));
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
	assert_int_equal(count_data(s), 0);
}

static void pin_user_functions_need_login(void **state)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls_data, sizeof(cls_data)},
	    {CKA_LABEL, "conf/pin", 8},
	    {CKA_VALUE, "v", 1},
	};

	(void)state;
	init();
	s = open_s(true);
	RV(f->C_CreateObject(s, t, 3, &h), CKR_USER_NOT_LOGGED_IN);
	RV(f->C_EncryptInit(s, &m, 1), CKR_USER_NOT_LOGGED_IN);
	RV(f->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
}

static void pin_login_errors(void **state)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	static const char wrong[] = "1ck_thisisnotthekeyatall0123456789";

	(void)state;
	init();
	s = open_s(false);
	RV(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)wrong, strlen(wrong)),
	   CKR_PIN_INCORRECT);
	RV2(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)wrong, 0),
	    CKR_PIN_LEN_RANGE, CKR_PIN_INCORRECT);
	/* The API key is the user's PIN, never an SO PIN. */
	RV(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)pin, strlen(pin)),
	   CKR_SESSION_READ_ONLY_EXISTS);
	OK(f->C_CloseSession(s));
	s = open_s(true);
	RV(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)pin, strlen(pin)),
	   CKR_PIN_INCORRECT);
	OK(f->C_GetSessionInfo(s, &si));
	assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);
	assert_int_equal(count_data(s), 0);
}

static void pin_login_logout(void **state)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;
	CK_OBJECT_HANDLE h;
	char buf[256];
	CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof(buf)};

	(void)state;
	init();
	s = open_s(false);
	OK(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)));
	RV(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)),
	   CKR_USER_ALREADY_LOGGED_IN);
	OK(f->C_GetSessionInfo(s, &si));
	assert_int_equal(si.state, CKS_RO_USER_FUNCTIONS);
	h = plain_obj(s);
	assert_true(bool_attr(s, h, CKA_PRIVATE));
	OK(f->C_GetAttributeValue(s, h, &a, 1));
	assert_int_equal(a.ulValueLen, strlen(plain_value));
	assert_memory_equal(buf, plain_value, a.ulValueLen);
	OK(f->C_Logout(s));
	OK(f->C_GetSessionInfo(s, &si));
	assert_int_equal(si.state, CKS_RO_PUBLIC_SESSION);
	/* Private objects are out of reach again. */
	a.ulValueLen = sizeof(buf);
	RV2(f->C_GetAttributeValue(s, h, &a, 1), CKR_OBJECT_HANDLE_INVALID,
	    CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(count_data(s), 0);
}

/* --- main
 * ----------------------------------------------------------------------------
 */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#define T(fn) cmocka_unit_test_teardown(fn, finalize)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(not_initialized_every_function),
	    T(initialize_twice),
	    T(initialize_mutex_callbacks_partial),
	    T(initialize_app_mutexes_used),
	    T(initialize_os_locking_with_callbacks),
	    T(initialize_reserved_string),
	    T(read_only_mode),
	    T(finalize_reserved_non_null),
	    T(reinitialize_after_finalize),
	    T(get_info),
	    T(get_function_list),
	    T(get_interface_list_cases),
	    T(get_interface_cases),
	    T(get_slot_list),
	    T(get_slot_info),
	    T(get_token_info),
	    T(get_mechanism_list),
	    T(get_mechanism_info),
	    T(token_admin_not_supported),
	    T(wait_for_slot_event_not_supported),
	    T(open_session_errors),
	    T(close_session_errors),
	    T(close_all_sessions),
	    T(get_session_info),
	    T(session_handle_invalid_every_function),
	    T(operation_state_not_supported),
	    T(legacy_parallel_functions),
	    T(login_logout_states),
	    T(login_errors),
	    T(logout_when_last_session_closes),
	    T(create_object_arguments),
	    T(create_object_read_only_session),
	    T(create_session_key_in_read_only_session),
	    T(create_object_template_incomplete),
	    T(create_object_attribute_type_invalid),
	    T(create_object_attribute_value_invalid),
	    T(create_object_template_inconsistent),
	    T(create_object_foreign_class_attribute),
	    T(create_read_decrypt_destroy_data_object),
	    T(copy_object),
	    T(destroy_object),
	    T(get_object_size),
	    T(get_attribute_arguments),
	    T(get_attribute_length_query),
	    T(get_attribute_buffer_too_small),
	    T(get_attribute_type_invalid),
	    T(get_attribute_sensitive),
	    T(data_object_attributes),
	    T(key_object_attributes),
	    T(set_attribute_read_only_class),
	    T(set_attribute_errors),
	    T(set_attribute_type_invalid_data),
	    T(set_attribute_type_invalid_key),
	    T(set_attribute_session_key_read_only_session),
	    T(set_attribute_value_new_version),
	    T(find_objects_arguments),
	    T(find_objects_not_initialized),
	    T(find_objects_active),
	    T(find_objects_results),
	    T(session_object_lifetime),
	    T(encrypt_init_errors),
	    T(encrypt_key_type_inconsistent),
	    T(encrypt_key_function_not_permitted),
	    T(encrypt_mechanism_param_invalid),
	    T(encrypt_not_initialized),
	    T(encrypt_decrypt_operation_active),
	    T(encrypt_buffer_protocol),
	    T(encrypt_decrypt_multipart),
	    T(decrypt_buffer_protocol),
	    T(decrypt_test_vector),
	    T(decrypt_encrypted_data_len_range),
	    T(decrypt_encrypted_data_invalid),
	    T(aes_gcm_roundtrip_and_errors),
	    T(digest_known_answers),
	    T(digest_errors),
	    T(digest_dual_not_supported),
	    T(sign_init_errors),
	    T(sign_not_initialized_and_active),
	    T(sign_buffer_protocol_and_known_answer),
	    T(verify_results),
	    T(recover_and_keygen_not_supported),
	    T(unwrap_errors),
	    T(unwrap_key_usable_not_readable),
	    T(random_functions),
	};
	const struct CMUnitTest pin_tests[] = {
	    T(pin_token_flags),
	    T(pin_private_objects_before_login),
	    T(pin_user_functions_need_login),
	    T(pin_login_errors),
	    T(pin_login_logout),
	};
	CK_RV (*gfl)(CK_FUNCTION_LIST_PTR_PTR);
	const char *hex;
	void *dl;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
		return 2;
	}
	vault_name = getenv("OC_CONF_VAULT_NAME");
	plain_path = getenv("OC_CONF_PLAIN_PATH");
	plain_value = getenv("OC_CONF_PLAIN_VALUE");
	hex = getenv("OC_CONF_FPR");
	if (!vault_name || !plain_path || !plain_value || !hex ||
	    strlen(hex) != 64) {
		fprintf(stderr, "conformance: run me from conformance.sh\n");
		return 2;
	}
	for (int i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return 2;
		fpr[i] = (unsigned char)(hi << 4 | lo);
	}
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		fprintf(stderr, "conformance: %s\n", dlerror());
		return 1;
	}
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	*(void **)&p_get_interface_list = dlsym(dl, "C_GetInterfaceList");
	*(void **)&p_get_interface = dlsym(dl, "C_GetInterface");
	if (!gfl || gfl(&f) != CKR_OK || !f) {
		fprintf(stderr, "conformance: no C_GetFunctionList\n");
		return 1;
	}
	/* OC_CONF_PIN set: the module runs in PIN mode (no credential in
	 * its configuration) and that is the user PIN. */
	pin = getenv("OC_CONF_PIN");
	if (pin && *pin)
		return cmocka_run_group_tests_name("pkcs11-conformance-pin",
						   pin_tests, NULL, NULL);
	return cmocka_run_group_tests_name("pkcs11-conformance", tests, NULL,
					   NULL);
}
