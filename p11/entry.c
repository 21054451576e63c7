/* entry.c - the C_* functions, one wrapper shape for all. */
#include "config.h"

#include <string.h>

#include "attr.h"
#include "audit.h"
#include "backend.h"
#include "crypt.h"
#include "digest.h"
#include "entry.h"
#include "find.h"
#include "init.h"
#include "log.h"
#include "login.h"
#include "mech.h"
#include "names.h"
#include "ossl.h"
#include "random.h"
#include "rv.h"
#include "session.h"
#include "sign.h"
#include "slot.h"
#include "token.h"
#include "unwrap.h"
#include "write.h"

/* Session calls that need the user logged in (PIN mode). */
#define NEED_USER 0x1u

struct call {
	const char *fn;
	struct oc_session *s;
	/* What a failure concerns, named in its log line. */
	bool has_mech, has_obj;
	CK_MECHANISM_TYPE mech;
	CK_OBJECT_HANDLE obj;
};

/* Notes the mechanism a call is about. */
static void about_mech_type(struct call *c, CK_MECHANISM_TYPE type)
{
	c->has_mech = true;
	c->mech = type;
}

/* The same, for a mechanism the caller passed (m may be NULL). */
static void about_mech(struct call *c, const CK_MECHANISM *m)
{
	if (m)
		about_mech_type(c, m->mechanism);
}

static void about_obj(struct call *c, CK_OBJECT_HANDLE h)
{
	c->has_obj = true;
	c->obj = h;
}

/* Initialised (and not a forked child), OpenSSL errors cleared, the
 * arguments sane. */
static CK_RV begin(struct call *c, const char *fn, bool args_ok)
{
	CK_RV rv;

	c->fn = fn;
	c->s = NULL;
	c->has_mech = c->has_obj = false;
	oc_rv_cause_clear();
	oc_audit_clear();
	oc_backend_thread_status_clear();
	rv = oc_init_check();
	if (rv != CKR_OK)
		return rv;
	oc_ossl_clear_errors();
	return args_ok ? CKR_OK : CKR_ARGUMENTS_BAD;
}

/* begin(), then the session found, referenced and locked. */
static CK_RV begin_session(struct call *c, const char *fn, bool args_ok,
			   CK_SESSION_HANDLE h, unsigned flags)
{
	CK_RV rv = begin(c, fn, args_ok);

	if (rv != CKR_OK)
		return rv;
	rv = oc_session_get(h, &c->s);
	if (rv != CKR_OK)
		return rv;
	oc_lock_take(c->s->lock);
	if (atomic_load(&c->s->closed))
		return CKR_SESSION_HANDLE_INVALID;
	oc_session_check_logout(c->s);
	if ((flags & NEED_USER) && oc_mod.pin_mode &&
	    !atomic_load(&oc_mod.logged_in))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* "C_SignInit: CKR_KEY_TYPE_INCONSISTENT (CKM_SHA256_HMAC, object 0x5):
 * cause". */
static void log_failure(const struct call *c, CK_RV rv)
{
	const char *cause = oc_rv_cause_get();
	CK_ATTRIBUTE_TYPE attr;
	char what[160] = "";
	size_t n = 0;

	if (c->has_mech)
		n += (size_t)snprintf(what + n, sizeof(what) - n, ", %s",
				      oc_names_mech(c->mech));
	if (c->has_obj && n < sizeof(what))
		n += (size_t)snprintf(what + n, sizeof(what) - n,
				      ", object 0x%lx", (unsigned long)c->obj);
	if (oc_rv_cause_attr_get(&attr) && n < sizeof(what))
		snprintf(what + n, sizeof(what) - n, ", %s",
			 oc_names_attr(attr));
	oc_log_write(OC_LOG_P11, c->fn, "%s%s%s%s%s%s", oc_names_rv(rv),
		     what[0] ? " (" : "", what[0] ? what + 2 : "",
		     what[0] ? ")" : "", cause[0] ? ": " : "", cause);
}

static CK_RV end(struct call *c, CK_RV rv)
{
	if (c->s) {
		long st = oc_backend_thread_status();

		if (st > 0)
			c->s->device_error = (CK_ULONG)st;
		oc_session_unlock(c->s);
		oc_session_put(c->s);
		c->s = NULL;
	}
	/* The line a unit noted, with what the application gets. */
	oc_audit_end(rv);
	if (rv != CKR_OK && oc_log_enabled(OC_LOG_P11))
		log_failure(c, rv);
	return rv;
}

static CK_RV unsupported(const char *fn)
{
	struct call c;
	CK_RV rv = begin(&c, fn, true);

	if (rv == CKR_OK)
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	return end(&c, rv);
}

/* --- general ------------------------------------------------------------- */

static CK_RV e_initialize(CK_VOID_PTR args)
{
	struct call c = {"C_Initialize", NULL};

	oc_rv_cause_clear();
	return end(&c, oc_init_initialize(args));
}

static CK_RV e_finalize(CK_VOID_PTR reserved)
{
	struct call c = {"C_Finalize", NULL};

	oc_rv_cause_clear();
	return end(&c, oc_init_finalize(reserved));
}

static CK_RV e_get_info(CK_INFO_PTR info)
{
	struct call c;
	CK_RV rv = begin(&c, "C_GetInfo", info != NULL);

	if (rv == CKR_OK) {
		memset(info, 0, sizeof(*info));
		info->cryptokiVersion.major = 2;
		info->cryptokiVersion.minor = 40;
		oc_attr_pad(info->manufacturerID, sizeof(info->manufacturerID),
			    "oneclaw-pkcs11", 14);
		oc_attr_pad(info->libraryDescription,
			    sizeof(info->libraryDescription),
			    "1claw vault PKCS#11 module", 26);
		info->libraryVersion.major = OC_P11_VERSION_MAJOR;
		info->libraryVersion.minor = OC_P11_VERSION_MINOR;
	}
	return end(&c, rv);
}

static CK_RV e_get_function_list(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (!list)
		return CKR_ARGUMENTS_BAD;
	*list = oc_entry_function_list();
	return CKR_OK;
}

/* --- slots and tokens ---------------------------------------------------- */

static CK_RV e_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list,
			     CK_ULONG_PTR n)
{
	struct call c;
	CK_RV rv = begin(&c, "C_GetSlotList", n != NULL);

	(void)present; /* every token is always present */
	if (rv == CKR_OK)
		rv = oc_slot_list(list, n);
	return end(&c, rv);
}

static CK_RV e_get_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	struct call c;
	CK_RV rv = begin(&c, "C_GetSlotInfo", info != NULL);

	if (rv == CKR_OK)
		rv = oc_slot_info(id, info);
	return end(&c, rv);
}

static CK_RV e_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	struct call c;
	struct oc_token *t;
	CK_RV rv = begin(&c, "C_GetTokenInfo", info != NULL);

	if (rv == CKR_OK)
		rv = oc_slot_token(id, &t);
	if (rv == CKR_OK)
		rv = oc_token_info(t, info);
	return end(&c, rv);
}

static CK_RV e_get_mechanism_list(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list,
				  CK_ULONG_PTR n)
{
	struct call c;
	struct oc_token *t;
	CK_RV rv = begin(&c, "C_GetMechanismList", n != NULL);

	if (rv == CKR_OK)
		rv = oc_slot_token(id, &t);
	if (rv == CKR_OK)
		rv = oc_mech_list(list, n);
	return end(&c, rv);
}

static CK_RV e_get_mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type,
				  CK_MECHANISM_INFO_PTR info)
{
	struct call c;
	struct oc_token *t;
	CK_RV rv = begin(&c, "C_GetMechanismInfo", info != NULL);

	about_mech_type(&c, type);

	if (rv == CKR_OK)
		rv = oc_slot_token(id, &t);
	if (rv == CKR_OK)
		rv = oc_mech_info(type, info);
	return end(&c, rv);
}

static CK_RV e_init_token(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG len,
			  CK_UTF8CHAR_PTR label)
{
	(void)id, (void)pin, (void)len, (void)label;
	return unsupported("C_InitToken");
}

static CK_RV e_init_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	(void)h, (void)pin, (void)len;
	return unsupported("C_InitPIN");
}

static CK_RV e_set_pin(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old,
		       CK_ULONG old_len, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	/* The PIN is an API key: it changes on the server, not here. */
	(void)h, (void)old, (void)old_len, (void)pin, (void)len;
	return unsupported("C_SetPIN");
}

/* --- sessions ------------------------------------------------------------ */

static CK_RV e_open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app,
			    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR out)
{
	struct call c;
	CK_RV rv = begin(&c, "C_OpenSession", out != NULL);

	(void)app, (void)notify; /* no callbacks are ever made */
	if (rv == CKR_OK)
		rv = oc_session_open(id, flags, out);
	return end(&c, rv);
}

static CK_RV e_close_session(CK_SESSION_HANDLE h)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_CloseSession", true, h, 0);

	if (rv == CKR_OK)
		rv = oc_session_close(h);
	return end(&c, rv);
}

static CK_RV e_close_all_sessions(CK_SLOT_ID id)
{
	struct call c;
	CK_RV rv = begin(&c, "C_CloseAllSessions", true);

	if (rv == CKR_OK)
		rv = oc_session_close_all(id);
	return end(&c, rv);
}

static CK_RV e_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_GetSessionInfo", info != NULL, h, 0);

	if (rv == CKR_OK)
		rv = oc_session_info(c.s, info);
	return end(&c, rv);
}

static CK_RV e_get_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR state,
				   CK_ULONG_PTR len)
{
	(void)h, (void)state, (void)len;
	return unsupported("C_GetOperationState");
}

static CK_RV e_set_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR state,
				   CK_ULONG len, CK_OBJECT_HANDLE enc,
				   CK_OBJECT_HANDLE auth)
{
	(void)h, (void)state, (void)len, (void)enc, (void)auth;
	return unsupported("C_SetOperationState");
}

static CK_RV e_login(CK_SESSION_HANDLE h, CK_USER_TYPE user,
		     CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_Login", pin || !len, h, 0);

	if (rv == CKR_OK)
		rv = oc_login(c.s, user, pin, len);
	return end(&c, rv);
}

static CK_RV e_logout(CK_SESSION_HANDLE h)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_Logout", true, h, 0);

	if (rv == CKR_OK)
		rv = oc_logout(c.s);
	return end(&c, rv);
}

/* --- objects ------------------------------------------------------------- */

/* Object changes check login themselves (p11/write.c): a public session
 * object may be made, changed and destroyed before login. */
static CK_RV e_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t,
			     CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_CreateObject", (t || !n) && out, h, 0);

	if (rv == CKR_OK)
		rv = oc_write_create(c.s, t, n, out);
	return end(&c, rv);
}

static CK_RV e_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
			   CK_ATTRIBUTE_PTR t, CK_ULONG n,
			   CK_OBJECT_HANDLE_PTR out)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_CopyObject", (t || !n) && out, h, 0);

	about_obj(&c, obj);

	if (rv == CKR_OK)
		rv = oc_write_copy(c.s, obj, t, n, out);
	return end(&c, rv);
}

static CK_RV e_destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_DestroyObject", true, h, 0);

	about_obj(&c, obj);

	if (rv == CKR_OK)
		rv = oc_write_destroy(c.s, obj);
	return end(&c, rv);
}

static CK_RV e_get_object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
			       CK_ULONG_PTR size)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_GetObjectSize", size != NULL, h, 0);

	about_obj(&c, obj);

	if (rv == CKR_OK)
		rv = oc_token_object_size(c.s->tok, obj, size);
	return end(&c, rv);
}

static CK_RV e_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
				   CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_GetAttributeValue",
				 (t || !n) && n <= OC_P11_MAX_TEMPLATE, h, 0);

	about_obj(&c, obj);

	if (rv == CKR_OK)
		rv = oc_token_get_attrs(c.s->tok, obj, t, n);
	return end(&c, rv);
}

static CK_RV e_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
				   CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_SetAttributeValue", t || !n, h, 0);

	about_obj(&c, obj);

	if (rv == CKR_OK)
		rv = oc_write_set(c.s, obj, t, n);
	return end(&c, rv);
}

static CK_RV e_find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t,
				 CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_FindObjectsInit", t || !n, h, 0);

	if (rv == CKR_OK)
		rv = oc_find_init(c.s, t, n);
	return end(&c, rv);
}

static CK_RV e_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out,
			    CK_ULONG max, CK_ULONG_PTR count)
{
	struct call c;
	CK_RV rv =
	    begin_session(&c, "C_FindObjects", (out || !max) && count, h, 0);

	if (rv == CKR_OK)
		rv = oc_find_next(c.s, out, max, count);
	return end(&c, rv);
}

static CK_RV e_find_objects_final(CK_SESSION_HANDLE h)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_FindObjectsFinal", true, h, 0);

	if (rv == CKR_OK)
		rv = oc_find_final(c.s);
	return end(&c, rv);
}

/* --- encryption ---------------------------------------------------------- */

/* Encrypt and decrypt share their calls; `encrypt` tells them apart. */
static CK_RV crypt_init(const char *name, bool encrypt, CK_SESSION_HANDLE h,
			CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	struct call c;
	CK_RV rv = begin_session(&c, name, m != NULL, h, NEED_USER);

	about_mech(&c, m);
	about_obj(&c, key);

	if (rv == CKR_OK)
		rv = oc_crypt_init(c.s, encrypt, m, key);
	return end(&c, rv);
}

static CK_RV crypt_data(const char *name, bool encrypt, bool update,
			CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
			CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, name, (in || !n) && out_len, h, 0);

	if (rv == CKR_OK && update)
		rv = oc_crypt_update(c.s, encrypt, in, n, out, out_len);
	else if (rv == CKR_OK)
		rv = oc_crypt_single(c.s, encrypt, in, n, out, out_len);
	return end(&c, rv);
}

static CK_RV crypt_final(const char *name, bool encrypt, CK_SESSION_HANDLE h,
			 CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, name, out_len != NULL, h, 0);

	if (rv == CKR_OK)
		rv = oc_crypt_final(c.s, encrypt, out, out_len);
	return end(&c, rv);
}

static CK_RV e_encrypt_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_OBJECT_HANDLE key)
{
	return crypt_init("C_EncryptInit", true, h, m, key);
}

static CK_RV e_encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return crypt_data("C_Encrypt", true, false, h, in, n, out, out_len);
}

static CK_RV e_encrypt_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
			      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return crypt_data("C_EncryptUpdate", true, true, h, in, n, out,
			  out_len);
}

static CK_RV e_encrypt_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	return crypt_final("C_EncryptFinal", true, h, out, out_len);
}

static CK_RV e_decrypt_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_OBJECT_HANDLE key)
{
	return crypt_init("C_DecryptInit", false, h, m, key);
}

static CK_RV e_decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return crypt_data("C_Decrypt", false, false, h, in, n, out, out_len);
}

static CK_RV e_decrypt_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
			      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return crypt_data("C_DecryptUpdate", false, true, h, in, n, out,
			  out_len);
}

static CK_RV e_decrypt_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	return crypt_final("C_DecryptFinal", false, h, out, out_len);
}

/* --- digests ------------------------------------------------------------- */

/* Digests hash the caller's data only: no login needed. */
static CK_RV e_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_DigestInit", m != NULL, h, 0);

	about_mech(&c, m);
	if (rv == CKR_OK)
		rv = oc_digest_init(c.s, m);
	return end(&c, rv);
}

static CK_RV e_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n,
		      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_Digest", (in || !n) && out_len, h, 0);

	if (rv == CKR_OK)
		rv = oc_digest_single(c.s, in, n, out, out_len);
	return end(&c, rv);
}

static CK_RV e_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_DigestUpdate", in || !n, h, 0);

	if (rv == CKR_OK)
		rv = oc_digest_update(c.s, in, n);
	return end(&c, rv);
}

static CK_RV e_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_DigestKey", true, h, 0);

	about_obj(&c, key);
	if (rv == CKR_OK)
		rv = oc_digest_key(c.s, key);
	return end(&c, rv);
}

static CK_RV e_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_DigestFinal", out_len != NULL, h, 0);

	if (rv == CKR_OK)
		rv = oc_digest_final(c.s, out, out_len);
	return end(&c, rv);
}

/* --- signatures ---------------------------------------------------------- */

static CK_RV e_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			 CK_OBJECT_HANDLE key)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_SignInit", m != NULL, h, NEED_USER);

	about_mech(&c, m);
	about_obj(&c, key);

	if (rv == CKR_OK)
		rv = oc_sign_init(c.s, false, m, key);
	return end(&c, rv);
}

static CK_RV e_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n,
		    CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_Sign", (data || !n) && sig_len, h, 0);

	if (rv == CKR_OK)
		rv = oc_sign_single(c.s, data, n, sig, sig_len);
	return end(&c, rv);
}

static CK_RV e_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_SignUpdate", part || !n, h, 0);

	if (rv == CKR_OK)
		rv = oc_sign_update(c.s, false, part, n);
	return end(&c, rv);
}

static CK_RV e_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			  CK_ULONG_PTR sig_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_SignFinal", sig_len != NULL, h, 0);

	if (rv == CKR_OK)
		rv = oc_sign_final(c.s, sig, sig_len);
	return end(&c, rv);
}

static CK_RV e_sign_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
				 CK_OBJECT_HANDLE key)
{
	(void)h, (void)m, (void)key;
	return unsupported("C_SignRecoverInit");
}

static CK_RV e_sign_recover(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n,
			    CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	(void)h, (void)data, (void)n, (void)sig, (void)sig_len;
	return unsupported("C_SignRecover");
}

static CK_RV e_verify_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			   CK_OBJECT_HANDLE key)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_VerifyInit", m != NULL, h, NEED_USER);

	about_mech(&c, m);
	about_obj(&c, key);

	if (rv == CKR_OK)
		rv = oc_sign_init(c.s, true, m, key);
	return end(&c, rv);
}

static CK_RV e_verify(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG n,
		      CK_BYTE_PTR sig, CK_ULONG sig_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_Verify",
				 (data || !n) && (sig || !sig_len), h, 0);

	if (rv == CKR_OK)
		rv = oc_verify_single(c.s, data, n, sig, sig_len);
	return end(&c, rv);
}

static CK_RV e_verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_VerifyUpdate", part || !n, h, 0);

	if (rv == CKR_OK)
		rv = oc_sign_update(c.s, true, part, n);
	return end(&c, rv);
}

static CK_RV e_verify_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			    CK_ULONG sig_len)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_VerifyFinal", sig || !sig_len, h, 0);

	if (rv == CKR_OK)
		rv = oc_verify_final(c.s, sig, sig_len);
	return end(&c, rv);
}

static CK_RV e_verify_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
				   CK_OBJECT_HANDLE key)
{
	(void)h, (void)m, (void)key;
	return unsupported("C_VerifyRecoverInit");
}

static CK_RV e_verify_recover(CK_SESSION_HANDLE h, CK_BYTE_PTR sig,
			      CK_ULONG sig_len, CK_BYTE_PTR data,
			      CK_ULONG_PTR n)
{
	(void)h, (void)sig, (void)sig_len, (void)data, (void)n;
	return unsupported("C_VerifyRecover");
}

/* --- dual-function (not offered) ----------------------------------------- */

static CK_RV e_digest_encrypt_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				     CK_ULONG n, CK_BYTE_PTR out,
				     CK_ULONG_PTR out_len)
{
	(void)h, (void)in, (void)n, (void)out, (void)out_len;
	return unsupported("C_DigestEncryptUpdate");
}

static CK_RV e_decrypt_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				     CK_ULONG n, CK_BYTE_PTR out,
				     CK_ULONG_PTR out_len)
{
	(void)h, (void)in, (void)n, (void)out, (void)out_len;
	return unsupported("C_DecryptDigestUpdate");
}

static CK_RV e_sign_encrypt_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				   CK_ULONG n, CK_BYTE_PTR out,
				   CK_ULONG_PTR out_len)
{
	(void)h, (void)in, (void)n, (void)out, (void)out_len;
	return unsupported("C_SignEncryptUpdate");
}

static CK_RV e_decrypt_verify_update(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
				     CK_ULONG n, CK_BYTE_PTR out,
				     CK_ULONG_PTR out_len)
{
	(void)h, (void)in, (void)n, (void)out, (void)out_len;
	return unsupported("C_DecryptVerifyUpdate");
}

/* --- keys ---------------------------------------------------------------- */

static CK_RV e_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			    CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR key)
{
	(void)h, (void)m, (void)t, (void)n, (void)key;
	return unsupported("C_GenerateKey");
}

static CK_RV e_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
				 CK_ATTRIBUTE_PTR pt, CK_ULONG pn,
				 CK_ATTRIBUTE_PTR st, CK_ULONG sn,
				 CK_OBJECT_HANDLE_PTR pub,
				 CK_OBJECT_HANDLE_PTR priv)
{
	(void)h, (void)m, (void)pt, (void)pn, (void)st, (void)sn, (void)pub,
	    (void)priv;
	return unsupported("C_GenerateKeyPair");
}

static CK_RV e_wrap_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE key,
			CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	/* Every key here is non-extractable. */
	(void)h, (void)m, (void)wk, (void)key, (void)out, (void)out_len;
	return unsupported("C_WrapKey");
}

static CK_RV e_unwrap_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			  CK_OBJECT_HANDLE uk, CK_BYTE_PTR in, CK_ULONG n,
			  CK_ATTRIBUTE_PTR t, CK_ULONG tn,
			  CK_OBJECT_HANDLE_PTR key)
{
	struct call c;
	CK_RV rv =
	    begin_session(&c, "C_UnwrapKey",
			  m && (in || !n) && (t || !tn) && key, h, NEED_USER);

	about_mech(&c, m);
	about_obj(&c, uk);

	if (rv == CKR_OK)
		rv = oc_unwrap(c.s, m, uk, in, n, t, tn, key);
	return end(&c, rv);
}

static CK_RV e_derive_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			  CK_OBJECT_HANDLE base, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			  CK_OBJECT_HANDLE_PTR key)
{
	(void)h, (void)m, (void)base, (void)t, (void)n, (void)key;
	return unsupported("C_DeriveKey");
}

/* --- random -------------------------------------------------------------- */

static CK_RV e_seed_random(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_SeedRandom", seed || !n, h, 0);

	if (rv == CKR_OK)
		rv = CKR_RANDOM_SEED_NOT_SUPPORTED;
	return end(&c, rv);
}

static CK_RV e_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG n)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_GenerateRandom", out || !n, h, 0);

	if (rv == CKR_OK)
		rv = oc_random_generate(out, n);
	return end(&c, rv);
}

/* --- legacy parallel functions and events -------------------------------- */

static CK_RV e_get_function_status(CK_SESSION_HANDLE h)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_GetFunctionStatus", true, h, 0);

	if (rv == CKR_OK)
		rv = CKR_FUNCTION_NOT_PARALLEL;
	return end(&c, rv);
}

static CK_RV e_cancel_function(CK_SESSION_HANDLE h)
{
	struct call c;
	CK_RV rv = begin_session(&c, "C_CancelFunction", true, h, 0);

	if (rv == CKR_OK)
		rv = CKR_FUNCTION_NOT_PARALLEL;
	return end(&c, rv);
}

static CK_RV e_wait_for_slot_event(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
				   CK_VOID_PTR reserved)
{
	(void)flags, (void)slot, (void)reserved;
	return unsupported("C_WaitForSlotEvent");
}

static CK_FUNCTION_LIST functions = {
    .version = {2, 40},
    .C_Initialize = e_initialize,
    .C_Finalize = e_finalize,
    .C_GetInfo = e_get_info,
    .C_GetFunctionList = e_get_function_list,
    .C_GetSlotList = e_get_slot_list,
    .C_GetSlotInfo = e_get_slot_info,
    .C_GetTokenInfo = e_get_token_info,
    .C_GetMechanismList = e_get_mechanism_list,
    .C_GetMechanismInfo = e_get_mechanism_info,
    .C_InitToken = e_init_token,
    .C_InitPIN = e_init_pin,
    .C_SetPIN = e_set_pin,
    .C_OpenSession = e_open_session,
    .C_CloseSession = e_close_session,
    .C_CloseAllSessions = e_close_all_sessions,
    .C_GetSessionInfo = e_get_session_info,
    .C_GetOperationState = e_get_operation_state,
    .C_SetOperationState = e_set_operation_state,
    .C_Login = e_login,
    .C_Logout = e_logout,
    .C_CreateObject = e_create_object,
    .C_CopyObject = e_copy_object,
    .C_DestroyObject = e_destroy_object,
    .C_GetObjectSize = e_get_object_size,
    .C_GetAttributeValue = e_get_attribute_value,
    .C_SetAttributeValue = e_set_attribute_value,
    .C_FindObjectsInit = e_find_objects_init,
    .C_FindObjects = e_find_objects,
    .C_FindObjectsFinal = e_find_objects_final,
    .C_EncryptInit = e_encrypt_init,
    .C_Encrypt = e_encrypt,
    .C_EncryptUpdate = e_encrypt_update,
    .C_EncryptFinal = e_encrypt_final,
    .C_DecryptInit = e_decrypt_init,
    .C_Decrypt = e_decrypt,
    .C_DecryptUpdate = e_decrypt_update,
    .C_DecryptFinal = e_decrypt_final,
    .C_DigestInit = e_digest_init,
    .C_Digest = e_digest,
    .C_DigestUpdate = e_digest_update,
    .C_DigestKey = e_digest_key,
    .C_DigestFinal = e_digest_final,
    .C_SignInit = e_sign_init,
    .C_Sign = e_sign,
    .C_SignUpdate = e_sign_update,
    .C_SignFinal = e_sign_final,
    .C_SignRecoverInit = e_sign_recover_init,
    .C_SignRecover = e_sign_recover,
    .C_VerifyInit = e_verify_init,
    .C_Verify = e_verify,
    .C_VerifyUpdate = e_verify_update,
    .C_VerifyFinal = e_verify_final,
    .C_VerifyRecoverInit = e_verify_recover_init,
    .C_VerifyRecover = e_verify_recover,
    .C_DigestEncryptUpdate = e_digest_encrypt_update,
    .C_DecryptDigestUpdate = e_decrypt_digest_update,
    .C_SignEncryptUpdate = e_sign_encrypt_update,
    .C_DecryptVerifyUpdate = e_decrypt_verify_update,
    .C_GenerateKey = e_generate_key,
    .C_GenerateKeyPair = e_generate_key_pair,
    .C_WrapKey = e_wrap_key,
    .C_UnwrapKey = e_unwrap_key,
    .C_DeriveKey = e_derive_key,
    .C_SeedRandom = e_seed_random,
    .C_GenerateRandom = e_generate_random,
    .C_GetFunctionStatus = e_get_function_status,
    .C_CancelFunction = e_cancel_function,
    .C_WaitForSlotEvent = e_wait_for_slot_event,
};

CK_FUNCTION_LIST *oc_entry_function_list(void)
{
	return &functions;
}
