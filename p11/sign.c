/* sign.c - HMAC sign and verify on generic secrets; the public-key
 * mechanisms on key pairs (their work is in asym.c). */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "asym.h"
#include "attr.h"
#include "audit.h"
#include "keyobj.h"
#include "mech.h"
#include "obj-asym.h"
#include "obj-seckey.h"
#include "object.h"
#include "ossl.h"
#include "session.h"
#include "sign.h"
#include "token.h"

static const char *digest_of(CK_MECHANISM_TYPE m, size_t *len)
{
	switch (m) {
	case CKM_SHA224_HMAC:
		*len = 28;
		return "SHA224";
	case CKM_SHA256_HMAC:
		*len = 32;
		return "SHA256";
	case CKM_SHA384_HMAC:
		*len = 48;
		return "SHA384";
	case CKM_SHA512_HMAC:
		*len = 64;
		return "SHA512";
	default:
		return NULL;
	}
}

void oc_sign_clear(struct oc_sign *op)
{
	EVP_MAC_CTX_free(op->mac);
	oc_asym_clear(&op->asym);
	oc_object_unref(op->obj);
	memset(op, 0, sizeof(*op));
}

static struct oc_sign *op_of(struct oc_session *s, bool verify)
{
	return verify ? &s->verify : &s->sign;
}

/* A private key signs (and verifies), a public key verifies. */
static CK_RV asym_init(struct oc_session *s, bool verify, const CK_MECHANISM *m,
		       CK_OBJECT_HANDLE key)
{
	struct oc_sign *op = op_of(s, verify);
	struct oc_object *o = NULL;
	struct oc_obj_asym *a;
	EVP_PKEY *k = NULL;
	CK_RV rv;

	if (!oc_mech_allows(m->mechanism, verify ? CKF_VERIFY : CKF_SIGN))
		return CKR_MECHANISM_INVALID;
	rv = oc_token_key(s->tok, key, &o);
	if (rv != CKR_OK)
		return rv;
	a = oc_obj_asym(o);
	if (!a)
		rv = CKR_KEY_TYPE_INCONSISTENT; /* a secret key */
	else if (verify)
		rv = oc_obj_asym_public_key(a, &k);
	else if (oc_obj_asym_is_private(a))
		rv = oc_keyobj_private(s->tok, a, &k);
	else
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED; /* CKA_SIGN */
	if (rv == CKR_OK) {
		memset(op, 0, sizeof(*op));
		rv = oc_asym_init(&op->asym,
				  verify ? OC_ASYM_VERIFY : OC_ASYM_SIGN, m, k);
	}
	if (rv == CKR_OK) {
		op->mech = m->mechanism;
		op->verify = verify;
		op->obj = o;
		o = NULL;
		op->active = true;
	} else {
		oc_sign_clear(op);
	}
	EVP_PKEY_free(k);
	oc_object_unref(o);
	return rv;
}

CK_RV oc_sign_init(struct oc_session *s, bool verify, const CK_MECHANISM *m,
		   CK_OBJECT_HANDLE key)
{
	struct oc_sign *op = op_of(s, verify);
	struct oc_object *o = NULL;
	struct oc_obj_seckey *skey;
	EVP_MAC *hmac;
	OSSL_PARAM params[2];
	CK_MECHANISM_INFO info;
	const char *md;
	size_t len = 0;
	CK_RV rv;

	if (op->active)
		return CKR_OPERATION_ACTIVE;
	md = digest_of(m->mechanism, &len);
	if (!md && oc_asym_mech_info(m->mechanism, &info) == CKR_OK)
		return asym_init(s, verify, m, key);
	if (!md ||
	    !oc_mech_allows(m->mechanism, verify ? CKF_VERIFY : CKF_SIGN))
		return CKR_MECHANISM_INVALID;
	if (m->pParameter || m->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = oc_token_key(s->tok, key, &o);
	if (rv != CKR_OK)
		return rv;
	skey = oc_obj_seckey(o);
	if (!skey || skey->key_type != CKK_GENERIC_SECRET || !skey->secret ||
	    !skey->secret_len) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!(skey->usage & (verify ? OC_USE_VERIFY : OC_USE_SIGN))) {
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	/* Fetched from the core's own library context (default provider
	 * only); OpenSSL caches the fetch. */
	rv = CKR_FUNCTION_FAILED;
	hmac = EVP_MAC_fetch(oc_ossl_libctx(), "HMAC", NULL);
	if (!hmac)
		goto out;
	memset(op, 0, sizeof(*op));
	op->mac = EVP_MAC_CTX_new(hmac);
	EVP_MAC_free(hmac);
	if (!op->mac) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	/* The MAC context keeps its own copy of the key (cleansed when
	 * freed): the object may go while the operation runs. */
	if (!EVP_MAC_init(op->mac, skey->secret, skey->secret_len, params)) {
		oc_sign_clear(op);
		goto out;
	}
	op->mech = m->mechanism;
	op->verify = verify;
	op->mac_len = len;
	op->obj = o;
	o = NULL;
	op->active = true;
	rv = CKR_OK;
out:
	oc_object_unref(o);
	return rv;
}

static CK_RV feed(struct oc_sign *op, const CK_BYTE *data, CK_ULONG n)
{
	if (n && !EVP_MAC_update(op->mac, data, n))
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

static CK_RV finish(struct oc_sign *op, unsigned char *out)
{
	size_t len = 0;

	if (!EVP_MAC_final(op->mac, out, &len, op->mac_len) ||
	    len != op->mac_len)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* Ends a signature, with its audit line. */
static void end_sign(struct oc_session *s, struct oc_sign *op)
{
	oc_audit_note_object(OC_AUDIT_SIGN, s->tok, op->obj, op->mech);
	oc_sign_clear(op);
}

/* C_Sign and C_SignFinal: data is NULL/0 for the final call. */
static CK_RV sign_out(struct oc_session *s, struct oc_sign *op,
		      const CK_BYTE *data, CK_ULONG n, CK_BYTE *sig,
		      CK_ULONG *sig_len)
{
	size_t need = op->asym.active ? op->asym.out_len : op->mac_len;
	size_t len = need;
	bool ready;
	CK_RV rv;

	rv = oc_attr_out_len(sig, sig_len, need, &ready);
	if (!ready)
		return rv; /* length asked, or buffer too small: still active */
	if (op->asym.active) {
		rv = oc_asym_sign(&op->asym, data, n, sig, &len);
	} else {
		rv = feed(op, data, n);
		if (rv == CKR_OK)
			rv = finish(op, sig);
	}
	if (rv == CKR_OK)
		*sig_len = len;
	end_sign(s, op);
	return rv;
}

CK_RV oc_sign_single(struct oc_session *s, const CK_BYTE *data, CK_ULONG n,
		     CK_BYTE *sig, CK_ULONG *sig_len)
{
	struct oc_sign *op = &s->sign;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	return sign_out(s, op, data, n, sig, sig_len);
}

CK_RV oc_sign_update(struct oc_session *s, bool verify, const CK_BYTE *data,
		     CK_ULONG n)
{
	struct oc_sign *op = op_of(s, verify);
	CK_RV rv;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->asym.active)
		rv = oc_asym_update(&op->asym, data, n);
	else
		rv = feed(op, data, n);
	if (rv != CKR_OK && !verify)
		end_sign(s, op);
	else if (rv != CKR_OK)
		oc_sign_clear(op);
	else
		op->multi = true;
	return rv;
}

CK_RV oc_sign_final(struct oc_session *s, CK_BYTE *sig, CK_ULONG *sig_len)
{
	struct oc_sign *op = &s->sign;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	return sign_out(s, op, NULL, 0, sig, sig_len);
}

static CK_RV check(struct oc_sign *op, const CK_BYTE *sig, CK_ULONG sig_len)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	CK_RV rv;

	if (sig_len != op->mac_len)
		return CKR_SIGNATURE_LEN_RANGE;
	rv = finish(op, mac);
	if (rv == CKR_OK && CRYPTO_memcmp(mac, sig, op->mac_len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	OPENSSL_cleanse(mac, sizeof(mac));
	return rv;
}

CK_RV oc_verify_single(struct oc_session *s, const CK_BYTE *data, CK_ULONG n,
		       const CK_BYTE *sig, CK_ULONG sig_len)
{
	struct oc_sign *op = &s->verify;
	CK_RV rv;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	if (op->asym.active) {
		rv = oc_asym_verify(&op->asym, data, n, sig, sig_len);
	} else {
		rv = feed(op, data, n);
		if (rv == CKR_OK)
			rv = check(op, sig, sig_len);
	}
	oc_sign_clear(op);
	return rv;
}

CK_RV oc_verify_final(struct oc_session *s, const CK_BYTE *sig,
		      CK_ULONG sig_len)
{
	struct oc_sign *op = &s->verify;
	CK_RV rv;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->asym.active)
		rv = oc_asym_verify(&op->asym, NULL, 0, sig, sig_len);
	else
		rv = check(op, sig, sig_len);
	oc_sign_clear(op);
	return rv;
}
