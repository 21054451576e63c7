/* tk-ops.c - what a key in another token does: AES-GCM, RSA-OAEP
 * decryption, ECDSA signatures, AES key wrapping. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tk-key.h"

#include "err.h"
#include "log.h"
#include "secmem.h"

/* Room for any ECDSA signature (P-521: 132 bytes). */
#define ECDSA_SIG_MAX 256

/* After a C_DecryptInit with valid parameters, tokens report a failed
 * GCM tag or OAEP padding as CKR_ENCRYPTED_DATA_INVALID, or (SoftHSM) as
 * a generic failure: all of them mean "does not open". */
static int decrypt_err(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return OC_OK;
	case CKR_ENCRYPTED_DATA_INVALID:
	case CKR_GENERAL_ERROR:
	case CKR_FUNCTION_FAILED:
		return OC_ERR_DECRYPT;
	case CKR_HOST_MEMORY:
		return OC_ERR_NOMEM;
	default:
		return OC_ERR_CRYPTO;
	}
}

/* Decrypts under the key's lock; a too small output ends the operation
 * (PKCS#11 keeps it active otherwise). */
static CK_RV decrypt(struct oc_tk_key *k, CK_MECHANISM *mech, uint8_t *in,
		     size_t n, uint8_t *out, CK_ULONG *out_len)
{
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_RV rv;

	pthread_mutex_lock(&k->lock);
	rv = f->C_DecryptInit(k->session, mech, k->obj);
	/* A failed C_Decrypt ends the operation, but not in every token. */
	if (rv == CKR_OPERATION_ACTIVE && oc_tk_key_renew_session(k) == OC_OK)
		rv = f->C_DecryptInit(k->session, mech, k->obj);
	if (rv == CKR_OK) {
		rv = f->C_Decrypt(k->session, in, n, out, out_len);
		if (rv == CKR_BUFFER_TOO_SMALL)
			f->C_DecryptInit(k->session, NULL, k->obj);
	}
	pthread_mutex_unlock(&k->lock);
	if (rv != CKR_OK)
		oc_debug(OC_LOG_CMEK, "token C_Decrypt: 0x%lx",
			 (unsigned long)rv);
	return rv;
}

/* CKM_AES_GCM with its parameters in *gp, which must outlive mech. */
static void gcm_mech(CK_MECHANISM *mech, CK_GCM_PARAMS *gp, uint8_t *iv,
		     size_t iv_len, const uint8_t *aad, size_t aad_len,
		     size_t tag_len)
{
	*gp = (CK_GCM_PARAMS){
	    .pIv = iv,
	    .ulIvLen = iv_len,
	    .ulIvBits = iv_len * 8,
	    .pAAD = (CK_BYTE *)aad,
	    .ulAADLen = aad_len,
	    .ulTagBits = tag_len * 8,
	};
	*mech = (CK_MECHANISM){CKM_AES_GCM, gp, sizeof(*gp)};
}

int oc_tk_gcm_seal(struct oc_tk_key *k, uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		   size_t n, uint8_t *ct, uint8_t *tag, size_t tag_len)
{
	static const uint8_t none[1];
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech;
	CK_ULONG out_len = n + tag_len;
	uint8_t *out;
	CK_RV rv;

	if (n > SIZE_MAX / 2 || tag_len > 16)
		return OC_ERR_RANGE;
	out = malloc(n + tag_len);
	if (!out)
		return OC_ERR_NOMEM;
	/* A token that makes its own IV writes it into iv here. */
	gcm_mech(&mech, &gp, iv, iv_len, aad, aad_len, tag_len);
	pthread_mutex_lock(&k->lock);
	rv = f->C_EncryptInit(k->session, &mech, k->obj);
	if (rv == CKR_OK)
		rv = f->C_Encrypt(k->session, (CK_BYTE *)(n ? pt : none), n,
				  out, &out_len);
	pthread_mutex_unlock(&k->lock);
	if (rv != CKR_OK || out_len != n + tag_len) {
		oc_debug(OC_LOG_CMEK, "token C_Encrypt: 0x%lx",
			 (unsigned long)rv);
		free(out);
		return OC_ERR_CRYPTO;
	}
	if (n) /* nothing to seal: ct may be NULL */
		memcpy(ct, out, n);
	memcpy(tag, out + n, tag_len);
	free(out);
	return OC_OK;
}

int oc_tk_gcm_open(struct oc_tk_key *k, const uint8_t *iv, size_t iv_len,
		   const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		   size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	CK_GCM_PARAMS gp;
	CK_MECHANISM mech;
	/* Room for tokens that size the output by the input. */
	CK_ULONG out_len = n + tag_len + 16;
	uint8_t *in = NULL, *out = NULL;
	int err = OC_ERR_NOMEM;

	if (n > SIZE_MAX / 2 || tag_len > 16)
		return OC_ERR_RANGE;
	in = malloc(n + tag_len);
	out = oc_secure_alloc(out_len);
	if (!in || !out)
		goto out;
	if (n)
		memcpy(in, ct, n);
	memcpy(in + n, tag, tag_len);
	/* Decryption only reads the IV. */
	gcm_mech(&mech, &gp, (uint8_t *)iv, iv_len, aad, aad_len, tag_len);
	err = decrypt_err(decrypt(k, &mech, in, n + tag_len, out, &out_len));
	if (!err && out_len != n)
		err = OC_ERR_CRYPTO;
	if (!err && n)
		memcpy(pt, out, n);
out:
	free(in);
	oc_secure_free(out);
	return err;
}

int oc_tk_rsa_oaep_decrypt(struct oc_tk_key *k, enum oc_tk_hash hash,
			   const uint8_t *in, size_t n, uint8_t *out,
			   size_t cap, size_t *out_len)
{
	static const CK_MECHANISM_TYPE hashes[] = {
	    [OC_TK_SHA1] = CKM_SHA_1,
	    [OC_TK_SHA256] = CKM_SHA256,
	    [OC_TK_SHA384] = CKM_SHA384,
	    [OC_TK_SHA512] = CKM_SHA512,
	};
	static const CK_RSA_PKCS_MGF_TYPE mgfs[] = {
	    [OC_TK_SHA1] = CKG_MGF1_SHA1,
	    [OC_TK_SHA256] = CKG_MGF1_SHA256,
	    [OC_TK_SHA384] = CKG_MGF1_SHA384,
	    [OC_TK_SHA512] = CKG_MGF1_SHA512,
	};
	CK_RSA_PKCS_OAEP_PARAMS op;
	CK_MECHANISM mech = {CKM_RSA_PKCS_OAEP, &op, sizeof(op)};
	/* The plaintext is shorter than the modulus, which n is. */
	CK_ULONG len = n;
	uint8_t *buf;
	int err;

	if ((unsigned)hash > OC_TK_SHA512 || !n)
		return OC_ERR_ARGS;
	op = (CK_RSA_PKCS_OAEP_PARAMS){
	    .hashAlg = hashes[hash],
	    .mgf = mgfs[hash],
	    .source = CKZ_DATA_SPECIFIED,
	};
	buf = oc_secure_alloc(n);
	if (!buf)
		return OC_ERR_NOMEM;
	err = decrypt_err(decrypt(k, &mech, (uint8_t *)in, n, buf, &len));
	if (!err && len > cap)
		err = OC_ERR_RANGE;
	if (!err) {
		memcpy(out, buf, len);
		*out_len = len;
	}
	oc_secure_free(buf);
	return err;
}

int oc_tk_ecdsa_sign(struct oc_tk_key *k, const uint8_t *digest, size_t len,
		     uint8_t *sig, size_t cap, size_t *sig_len)
{
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	uint8_t buf[ECDSA_SIG_MAX];
	CK_ULONG n = sizeof(buf);
	CK_RV rv;

	pthread_mutex_lock(&k->lock);
	rv = f->C_SignInit(k->session, &mech, k->obj);
	if (rv == CKR_OPERATION_ACTIVE && oc_tk_key_renew_session(k) == OC_OK)
		rv = f->C_SignInit(k->session, &mech, k->obj);
	if (rv == CKR_OK) {
		rv = f->C_Sign(k->session, (CK_BYTE *)digest, len, buf, &n);
		if (rv == CKR_BUFFER_TOO_SMALL)
			f->C_SignInit(k->session, NULL, k->obj);
	}
	pthread_mutex_unlock(&k->lock);
	if (rv != CKR_OK) {
		oc_debug(OC_LOG_CMEK, "token ECDSA C_Sign: 0x%lx",
			 (unsigned long)rv);
		return rv == CKR_HOST_MEMORY ? OC_ERR_NOMEM : OC_ERR_CRYPTO;
	}
	if (n > cap)
		return OC_ERR_RANGE;
	memcpy(sig, buf, n);
	*sig_len = n;
	return OC_OK;
}

int oc_tk_wrap(struct oc_tk_key *wrapping, struct oc_tk_key *key, uint8_t *out,
	       size_t cap, size_t *out_len)
{
	CK_FUNCTION_LIST *f = wrapping->mod->f;
	CK_MECHANISM mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
	CK_ULONG n = 0;
	CK_RV rv;

	/* Handles mean something in their own token only. */
	if (wrapping->mod != key->mod || wrapping->slot != key->slot)
		return OC_ERR_ARGS;
	pthread_mutex_lock(&wrapping->lock);
	rv = f->C_WrapKey(wrapping->session, &mech, wrapping->obj, key->obj,
			  NULL, &n);
	if (rv == CKR_OK && n <= cap)
		rv = f->C_WrapKey(wrapping->session, &mech, wrapping->obj,
				  key->obj, out, &n);
	pthread_mutex_unlock(&wrapping->lock);
	if (rv != CKR_OK) {
		oc_debug(OC_LOG_CMEK, "token C_WrapKey: 0x%lx",
			 (unsigned long)rv);
		return OC_ERR_CRYPTO;
	}
	if (n > cap)
		return OC_ERR_RANGE;
	*out_len = n;
	return OC_OK;
}

int oc_tk_unwrap(struct oc_tk_key *unwrapping, const uint8_t *in, size_t n,
		 struct oc_tk_key **out)
{
	CK_MECHANISM mech = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	/* An AES key (class and type first) for this session only, that
	 * never leaves the token. */
	CK_ATTRIBUTE tmpl[] = {
	    [2] = {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	struct oc_tk_key *k = NULL;
	CK_RV rv;
	int err;

	oc_tk_kind_attrs(OC_TK_AES, tmpl);
	/* A session of its own: the key lives as long as it. */
	err =
	    oc_tk_key_new_session(unwrapping->mod, unwrapping->slot, &k, NULL);
	if (err)
		return err;
	rv = k->mod->f->C_UnwrapKey(k->session, &mech, unwrapping->obj,
				    (CK_BYTE *)in, n, tmpl,
				    sizeof(tmpl) / sizeof(tmpl[0]), &k->obj);
	if (rv != CKR_OK) {
		oc_debug(OC_LOG_CMEK, "token C_UnwrapKey: 0x%lx",
			 (unsigned long)rv);
		oc_tk_key_free(k);
		return decrypt_err(rv);
	}
	*out = k;
	return OC_OK;
}
