/* digest.c - message digests of the caller's data. */
#include "config.h"

#include <string.h>

#include "attr.h"
#include "digest.h"
#include "names.h"
#include "object.h"
#include "ossl.h"
#include "rv.h"
#include "session.h"
#include "token.h"

static const struct {
	CK_MECHANISM_TYPE type;
	const char *ossl; /* the name OpenSSL fetches */
	size_t len;
} mechs[] = {
    {CKM_SHA_1, "SHA1", 20},
    {CKM_SHA224, "SHA224", 28},
    {CKM_SHA256, "SHA256", 32},
    {CKM_SHA384, "SHA384", 48},
    {CKM_SHA512, "SHA512", 64},
    {CKM_SHA512_224, "SHA512-224", 28},
    {CKM_SHA512_256, "SHA512-256", 32},
};

#define N_MECHS (sizeof(mechs) / sizeof(mechs[0]))

size_t oc_digest_mech_count(void)
{
	return N_MECHS;
}

CK_MECHANISM_TYPE oc_digest_mech_at(size_t i)
{
	return i < N_MECHS ? mechs[i].type : CKM_VENDOR_DEFINED;
}

static size_t find(CK_MECHANISM_TYPE type)
{
	size_t i;

	for (i = 0; i < N_MECHS; i++)
		if (mechs[i].type == type)
			break;
	return i;
}

CK_RV oc_digest_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	if (find(type) == N_MECHS)
		return CKR_MECHANISM_INVALID;
	/* No key: the sizes do not apply. */
	info->ulMinKeySize = 0;
	info->ulMaxKeySize = 0;
	info->flags = CKF_DIGEST;
	return CKR_OK;
}

void oc_digest_clear(struct oc_digest *op)
{
	if (!op)
		return;
	/* The provider wipes the hash state it frees. */
	EVP_MD_CTX_free(op->ctx);
	memset(op, 0, sizeof(*op));
}

CK_RV oc_digest_init(struct oc_session *s, const CK_MECHANISM *m)
{
	struct oc_digest *op = &s->digest;
	size_t i = find(m->mechanism);
	EVP_MD *md;

	if (op->ctx)
		return CKR_OPERATION_ACTIVE;
	if (i == N_MECHS)
		return CKR_MECHANISM_INVALID;
	if (m->pParameter || m->ulParameterLen) {
		oc_rv_cause("%s takes no parameter",
			    oc_names_mech(m->mechanism));
		return CKR_MECHANISM_PARAM_INVALID;
	}
	/* The core's own library context (default provider only), so a
	 * host's pkcs11 provider can never route the hash back here. */
	md = EVP_MD_fetch(oc_ossl_libctx(), mechs[i].ossl, NULL);
	if (!md) {
		oc_rv_cause("OpenSSL has no %s", mechs[i].ossl);
		return CKR_FUNCTION_FAILED;
	}
	op->ctx = EVP_MD_CTX_new();
	if (!op->ctx) {
		EVP_MD_free(md);
		return CKR_HOST_MEMORY;
	}
	if (!EVP_DigestInit_ex2(op->ctx, md, NULL)) {
		EVP_MD_free(md);
		oc_digest_clear(op);
		return CKR_FUNCTION_FAILED;
	}
	EVP_MD_free(md); /* the context keeps its own reference */
	op->len = mechs[i].len;
	op->multi = false;
	return CKR_OK;
}

static CK_RV feed(struct oc_digest *op, const CK_BYTE *in, CK_ULONG n)
{
	if (n && !EVP_DigestUpdate(op->ctx, in, n))
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* C_Digest and C_DigestFinal: in is NULL/0 for the final call. */
static CK_RV digest_out(struct oc_digest *op, const CK_BYTE *in, CK_ULONG n,
			CK_BYTE *out, CK_ULONG *out_len)
{
	unsigned int len = 0;
	bool ready;
	CK_RV rv;

	rv = oc_attr_out_len(out, out_len, op->len, &ready);
	if (!ready)
		return rv; /* length asked, or buffer too small: still active */
	rv = feed(op, in, n);
	if (rv == CKR_OK &&
	    (!EVP_DigestFinal_ex(op->ctx, out, &len) || len != op->len))
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		*out_len = len;
	oc_digest_clear(op);
	return rv;
}

CK_RV oc_digest_single(struct oc_session *s, const CK_BYTE *in, CK_ULONG n,
		       CK_BYTE *out, CK_ULONG *out_len)
{
	struct oc_digest *op = &s->digest;

	if (!op->ctx)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (op->multi) {
		/* Any failure but a short buffer ends the operation. */
		oc_rv_cause("C_Digest after C_DigestUpdate: a multi-part "
			    "digest ends with C_DigestFinal");
		oc_digest_clear(op);
		return CKR_OPERATION_ACTIVE;
	}
	return digest_out(op, in, n, out, out_len);
}

CK_RV oc_digest_update(struct oc_session *s, const CK_BYTE *in, CK_ULONG n)
{
	struct oc_digest *op = &s->digest;
	CK_RV rv;

	if (!op->ctx)
		return CKR_OPERATION_NOT_INITIALIZED;
	rv = feed(op, in, n);
	if (rv != CKR_OK)
		oc_digest_clear(op);
	else
		op->multi = true;
	return rv;
}

CK_RV oc_digest_key(struct oc_session *s, CK_OBJECT_HANDLE key)
{
	struct oc_digest *op = &s->digest;
	struct oc_object *o = NULL;
	CK_RV rv;

	if (!op->ctx)
		return CKR_OPERATION_NOT_INITIALIZED;
	rv = oc_token_key(s->tok, key, &o);
	/* A key the session may not see is no key to it. */
	if (rv == CKR_OK && !oc_token_visible(o))
		rv = CKR_KEY_HANDLE_INVALID;
	if (rv == CKR_OK) {
		/* Every key here is a secret the vault keeps (a password, an
		 * API key, a CMEK key): its digest would be a copy an
		 * attacker could test guesses against offline. */
		oc_rv_cause("key 0x%lx: keys are never digested",
			    (unsigned long)key);
		rv = CKR_KEY_INDIGESTIBLE;
	}
	oc_object_unref(o);
	oc_digest_clear(op);
	return rv;
}

CK_RV oc_digest_final(struct oc_session *s, CK_BYTE *out, CK_ULONG *out_len)
{
	struct oc_digest *op = &s->digest;

	if (!op->ctx)
		return CKR_OPERATION_NOT_INITIALIZED;
	return digest_out(op, NULL, 0, out, out_len);
}
