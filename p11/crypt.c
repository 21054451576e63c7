/* crypt.c - encrypt and decrypt with the CMEK format and AES-GCM. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "audit.h"
#include "cmek.h"
#include "crypt.h"
#include "err.h"
#include "keyobj.h"
#include "log.h"
#include "mech.h"
#include "obj-asym.h"
#include "obj-seckey.h"
#include "object.h"
#include "ossl.h"
#include "rv.h"
#include "secmem.h"
#include "session.h"
#include "token.h"

/* Largest input of one operation: a blob of the largest plaintext. */
#define OC_CRYPT_MAX_INPUT (OC_CMEK_MAX_PLAINTEXT + OC_CMEK_OVERHEAD)

/* CK_GCM_PARAMS as written before the 2.40 errata added ulIvBits; some
 * applications still pass it.  Told apart by ulParameterLen. */
struct gcm_params_v1 {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulTagBits;
};

void oc_crypt_clear(struct oc_crypt *op)
{
	struct oc_crypt_keep keep = op->keep;

	free(op->aad);
	oc_buf_free(&op->in);
	oc_asym_clear(&op->asym);
	/* The struct itself holds nothing secret (the input buffer wipes
	 * itself, the RSA state clears itself): a plain reset, which at a
	 * few hundred bytes per operation costs a small decryption dear as
	 * a wipe. */
	memset(op, 0, sizeof(*op));
	op->keep = keep;
}

static void keep_drop(struct oc_crypt_keep *k)
{
	oc_object_unref(k->obj);
	oc_cmek_ctx_free(k->ctx);
	memset(k, 0, sizeof(*k));
}

void oc_crypt_let_go(struct oc_crypt *op)
{
	if (!op->active)
		keep_drop(&op->keep);
}

void oc_crypt_free(struct oc_crypt *op)
{
	oc_crypt_clear(op);
	keep_drop(&op->keep);
}

void oc_crypt_abandon(struct oc_crypt *op)
{
	oc_buf_free(&op->in);
	oc_buf_free(&op->asym.in);
	free(op->aad);
	oc_cmek_ctx_free(op->keep.ctx);
	oc_object_unref_child(op->keep.obj);
	memset(op, 0, sizeof(*op));
}

/* The key object by handle: the one kept while it is still in its token's
 * store and visible (what oc_token_key would check, without its lock),
 * else looked up and kept in its place. */
static CK_RV kept_key(struct oc_session *s, struct oc_crypt *op,
		      CK_OBJECT_HANDLE h, struct oc_object **out)
{
	struct oc_crypt_keep *k = &op->keep;
	struct oc_object *o = NULL;
	CK_RV rv;

	if (k->obj && k->handle == h && atomic_load(&k->obj->linked) &&
	    oc_token_visible(k->obj)) {
		*out = k->obj;
		return CKR_OK;
	}
	keep_drop(k);
	rv = oc_token_key(s->tok, h, &o);
	if (rv != CKR_OK)
		return rv;
	k->handle = h;
	k->obj = o;
	*out = o;
	return CKR_OK;
}

/* An encryption IV: 12 bytes the module generates.  pIv must be a
 * writable buffer of exactly that length; ulIvBits, where present, 0 or
 * 96.  The bytes it holds are never read. */
static CK_RV gen_iv(CK_BYTE_PTR iv, CK_ULONG iv_len, CK_ULONG iv_bits,
		    struct oc_crypt *op)
{
	int err;

	if (!iv || iv_len != OC_CMEK_IV_LEN ||
	    (iv_bits != 0 && iv_bits != OC_CMEK_IV_LEN * 8)) {
		oc_rv_cause("GCM encryption: pIv must be a writable %d-byte "
			    "buffer (the module generates the IV)",
			    OC_CMEK_IV_LEN);
		return CKR_MECHANISM_PARAM_INVALID;
	}
	err = oc_random(op->iv, OC_CMEK_IV_LEN);
	if (err)
		return oc_rv_map(err, OC_RV_GENERIC);
	op->iv_len = OC_CMEK_IV_LEN;
	return CKR_OK;
}

/* Validates CK_GCM_PARAMS: tag 32..128 bits in steps of 8, AAD bounded;
 * copies them into op.  Decryption takes the caller's IV (1..128 bytes).
 * Encryption never does: pIv must be a writable 12-byte buffer (ulIvBits
 * 0 or 96), the IV is generated here and written to it.  Anything else
 * is CKR_MECHANISM_PARAM_INVALID. */
static CK_RV gcm_params(const CK_MECHANISM *m, bool encrypt,
			struct oc_crypt *op)
{
	CK_BYTE_PTR iv, aad;
	CK_ULONG iv_len, iv_bits = 0, aad_len, tag_bits;
	CK_RV rv;

	if (!m->pParameter)
		return CKR_MECHANISM_PARAM_INVALID;
	if (m->ulParameterLen == sizeof(CK_GCM_PARAMS)) {
		const CK_GCM_PARAMS *p = m->pParameter;

		iv = p->pIv;
		iv_len = p->ulIvLen;
		iv_bits = p->ulIvBits;
		aad = p->pAAD;
		aad_len = p->ulAADLen;
		tag_bits = p->ulTagBits;
	} else if (m->ulParameterLen == sizeof(struct gcm_params_v1)) {
		const struct gcm_params_v1 *p = m->pParameter;

		iv = p->pIv;
		iv_len = p->ulIvLen;
		aad = p->pAAD;
		aad_len = p->ulAADLen;
		tag_bits = p->ulTagBits;
	} else {
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if (!encrypt && (!iv || iv_len < 1 || iv_len > OC_P11_MAX_GCM_IV))
		return CKR_MECHANISM_PARAM_INVALID;
	if (tag_bits < 32 || tag_bits > 128 || tag_bits % 8)
		return CKR_MECHANISM_PARAM_INVALID;
	if (aad_len > OC_P11_MAX_AAD || (aad_len && !aad))
		return CKR_MECHANISM_PARAM_INVALID;
	/* Never a caller's IV for encryption: one IV twice under a key gives
	 * away its keystream (any sealed value opens by XOR) and allows GCM
	 * forgery.  The generated one goes back through pIv. */
	if (encrypt) {
		rv = gen_iv(iv, iv_len, iv_bits, op);
		if (rv != CKR_OK)
			return rv;
	} else {
		memcpy(op->iv, iv, iv_len);
		op->iv_len = iv_len;
	}
	if (aad_len) {
		op->aad = malloc(aad_len);
		if (!op->aad)
			return CKR_HOST_MEMORY;
		memcpy(op->aad, aad, aad_len);
	}
	op->aad_len = aad_len;
	op->tag_len = tag_bits / 8;
	if (encrypt)
		memcpy(iv, op->iv, op->iv_len);
	return CKR_OK;
}

static struct oc_crypt *op_of(struct oc_session *s, bool encrypt)
{
	return encrypt ? &s->enc : &s->dec;
}

/* RSA: a public key encrypts, a private key decrypts.  o is the kept key
 * object. */
static CK_RV asym_init(struct oc_session *s, bool encrypt,
		       const CK_MECHANISM *m, struct oc_object *o)
{
	struct oc_crypt *op = op_of(s, encrypt);
	struct oc_obj_asym *a;
	CK_MECHANISM_INFO info;
	EVP_PKEY *k = NULL;
	CK_RV rv;

	/* An AES mechanism with an RSA key. */
	if (oc_asym_mech_info(m->mechanism, &info) != CKR_OK)
		return CKR_KEY_TYPE_INCONSISTENT;
	a = oc_obj_asym(o);
	if (a && encrypt && !oc_obj_asym_is_private(a))
		rv = oc_obj_asym_public_key(a, &k);
	else if (a && !encrypt && oc_obj_asym_is_private(a))
		rv = oc_keyobj_private(s->tok, a, &k);
	else
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK)
		rv = oc_asym_init(&op->asym,
				  encrypt ? OC_ASYM_ENCRYPT : OC_ASYM_DECRYPT,
				  m, k);
	if (rv == CKR_OK) {
		oc_buf_init(&op->in, OC_ASYM_MAX_INPUT, true);
		op->mech = m->mechanism;
		op->encrypt = encrypt;
		op->obj = o;
		op->active = true;
	} else {
		oc_crypt_clear(op);
	}
	EVP_PKEY_free(k);
	return rv;
}

/* One RSA block.  The plaintext's length is known only after the private
 * key operation, so it runs into secure memory first; a buffer that turns
 * out too small keeps the operation alive for the retry. */
static CK_RV asym_run(struct oc_crypt *op, const uint8_t *in, size_t n,
		      CK_BYTE *out, CK_ULONG *out_len, bool *done)
{
	size_t len = op->asym.out_len;
	uint8_t *tmp;
	CK_RV rv;

	*done = true;
	if (!out) {
		*out_len = op->asym.out_len;
		*done = false;
		return CKR_OK;
	}
	tmp = oc_secure_alloc(len ? len : 1);
	if (!tmp)
		return CKR_HOST_MEMORY;
	rv = oc_asym_crypt(&op->asym, in, n, tmp, &len);
	if (rv == CKR_OK && *out_len < len) {
		rv = CKR_BUFFER_TOO_SMALL;
		*done = false;
	} else if (rv == CKR_OK) {
		memcpy(out, tmp, len);
	}
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*out_len = len;
	oc_secure_free(tmp);
	return rv;
}

CK_RV oc_crypt_init(struct oc_session *s, bool encrypt, const CK_MECHANISM *m,
		    CK_OBJECT_HANDLE key)
{
	struct oc_crypt *op = op_of(s, encrypt);
	struct oc_object *o = NULL;
	struct oc_obj_seckey *skey;
	CK_RV rv;

	if (op->active)
		return CKR_OPERATION_ACTIVE;
	if (!oc_mech_allows(m->mechanism, encrypt ? CKF_ENCRYPT : CKF_DECRYPT))
		return CKR_MECHANISM_INVALID;
	rv = kept_key(s, op, key, &o);
	if (rv != CKR_OK)
		return rv;
	if (oc_obj_asym(o))
		return asym_init(s, encrypt, m, o);
	skey = oc_obj_seckey(o);
	if (!skey || skey->key_type != CKK_AES || !skey->cmek)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!(skey->usage & (encrypt ? OC_USE_ENCRYPT : OC_USE_DECRYPT)))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (m->mechanism == CKM_ONECLAW_CMEK) {
		if (m->pParameter || m->ulParameterLen)
			return CKR_MECHANISM_PARAM_INVALID;
	} else {
		rv = gcm_params(m, encrypt, op);
		if (rv != CKR_OK) {
			oc_crypt_clear(op);
			return rv;
		}
	}
	/* Without a context of its own the operation shares the key's. */
	if (!op->keep.ctx && oc_cmek_ctx_new(&op->keep.ctx) != OC_OK)
		op->keep.ctx = NULL;
	oc_buf_init(&op->in, OC_CRYPT_MAX_INPUT, true);
	op->mech = m->mechanism;
	op->encrypt = encrypt;
	op->key = skey;
	op->obj = o;
	op->active = true;
	return CKR_OK;
}

/* The output length for an n-byte input, or why there is none. */
static CK_RV need_len(const struct oc_crypt *op, size_t n, CK_ULONG *need)
{
	size_t over =
	    op->mech == CKM_ONECLAW_CMEK ? OC_CMEK_OVERHEAD : op->tag_len;

	if (op->encrypt) {
		if (n > OC_CMEK_MAX_PLAINTEXT)
			return CKR_DATA_LEN_RANGE;
		*need = n + over;
		return CKR_OK;
	}
	if (n < over || n - over > OC_CMEK_MAX_PLAINTEXT)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	*need = n - over;
	return CKR_OK;
}

/* CKM_AES_GCM encryption under the IV the caller was given.  A delegated
 * key's token that picks an IV of its own would produce a ciphertext the
 * caller cannot open: refused. */
static int gcm_seal(const struct oc_crypt *op, const uint8_t *in, size_t n,
		    uint8_t *out)
{
	uint8_t iv[OC_CMEK_IV_LEN];
	int err;

	memcpy(iv, op->iv, sizeof(iv));
	err = oc_cmek_gcm_seal_ctx(op->key->cmek, op->keep.ctx, iv, sizeof(iv),
				   op->aad, op->aad_len, in, n, out, out + n,
				   op->tag_len);
	if (!err && memcmp(iv, op->iv, sizeof(iv)) != 0) {
		oc_debug(OC_LOG_CMEK, "the delegated key's token used an IV "
				      "of its own: refused");
		oc_wipe(out, n + op->tag_len);
		err = OC_ERR_CRYPTO;
	}
	return err;
}

static CK_RV run(struct oc_crypt *op, const uint8_t *in, size_t n, uint8_t *out,
		 CK_ULONG need, CK_ULONG *out_len)
{
	const struct oc_cmek_key *k = op->key->cmek;
	struct oc_cmek_ctx *c = op->keep.ctx;
	size_t len = need;
	int err;

	if (!in)
		in = (const uint8_t *)"";
	/* Decryption runs straight into the caller's buffer, which the
	 * primitive wipes when the tag fails. */
	if (op->mech == CKM_ONECLAW_CMEK) {
		err = op->encrypt
			  ? oc_cmek_seal_ctx(k, c, in, n, out, need, &len)
			  : oc_cmek_open_ctx(k, c, in, n, out, need, &len);
	} else if (op->encrypt) {
		err = gcm_seal(op, in, n, out);
	} else {
		n -= op->tag_len;
		err = oc_cmek_gcm_open_ctx(k, c, op->iv, op->iv_len, op->aad,
					   op->aad_len, in, n, in + n,
					   op->tag_len, out);
	}
	if (err) {
		oc_rv_cause("%s: %s", op->encrypt ? "seal" : "open",
			    oc_strerror(err));
		return oc_rv_map(err,
				 op->encrypt ? OC_RV_GENERIC : OC_RV_DECRYPT);
	}
	*out_len = len;
	return CKR_OK;
}

/* Ends the operation, with its audit line. */
static void end_op(struct oc_session *s, struct oc_crypt *op)
{
	oc_audit_note_object(op->encrypt ? OC_AUDIT_ENCRYPT : OC_AUDIT_DECRYPT,
			     s->tok, op->obj, op->mech);
	oc_crypt_clear(op);
}

/* The one output call of an operation (C_Encrypt, C_EncryptFinal, ...):
 * ends it unless the caller only asked the length or must retry with a
 * bigger buffer. */
static CK_RV produce(struct oc_session *s, struct oc_crypt *op,
		     const uint8_t *in, size_t n, CK_BYTE *out,
		     CK_ULONG *out_len)
{
	CK_ULONG need = 0;
	bool ready, done;
	CK_RV rv;

	if (op->asym.active) {
		rv = asym_run(op, in, n, out, out_len, &done);
		if (done)
			end_op(s, op);
		return rv;
	}
	rv = need_len(op, n, &need);
	if (rv != CKR_OK)
		goto end;
	rv = oc_attr_out_len(out, out_len, need, &ready);
	if (!ready)
		return rv; /* length asked, or buffer too small: still active */
	rv = run(op, in, n, out, need, out_len);
end:
	end_op(s, op);
	return rv;
}

CK_RV oc_crypt_single(struct oc_session *s, bool encrypt, const CK_BYTE *in,
		      CK_ULONG n, CK_BYTE *out, CK_ULONG *out_len)
{
	struct oc_crypt *op = op_of(s, encrypt);

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi)
		return CKR_OPERATION_ACTIVE;
	return produce(s, op, in, n, out, out_len);
}

CK_RV oc_crypt_update(struct oc_session *s, bool encrypt, const CK_BYTE *in,
		      CK_ULONG n, CK_BYTE *out, CK_ULONG *out_len)
{
	struct oc_crypt *op = op_of(s, encrypt);
	int err;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	/* Everything comes out at C_*Final; a NULL output only asks. */
	if (out && n) {
		err = oc_buf_append(&op->in, in, n);
		if (err) {
			end_op(s, op);
			if (err == OC_ERR_RANGE)
				return encrypt ? CKR_DATA_LEN_RANGE
					       : CKR_ENCRYPTED_DATA_LEN_RANGE;
			return oc_rv_map(err, OC_RV_GENERIC);
		}
	}
	if (out)
		op->multi = true;
	*out_len = 0;
	return CKR_OK;
}

CK_RV oc_crypt_final(struct oc_session *s, bool encrypt, CK_BYTE *out,
		     CK_ULONG *out_len)
{
	struct oc_crypt *op = op_of(s, encrypt);

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	return produce(s, op, op->in.data, op->in.len, out, out_len);
}
