/* tk-pub.c - the public half of a key in another token, as an OpenSSL
 * key: what sealing to a token and a DPoP JWK need, with no PIN when the
 * URI names the public object. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tk-key.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "err.h"
#include "ossl.h"

/* Larger than any RSA modulus or EC point a token holds (RSA-16384). */
#define PUB_ATTR_MAX 4096

struct attr {
	uint8_t v[PUB_ATTR_MAX];
	size_t len;
};

/* One attribute of obj; false when the token does not tell it. */
static bool get(struct oc_tk_key *k, CK_OBJECT_HANDLE obj,
		CK_ATTRIBUTE_TYPE type, struct attr *out)
{
	CK_ATTRIBUTE a = {type, out->v, sizeof(out->v)};

	if (k->mod->f->C_GetAttributeValue(k->session, obj, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0)
		return false;
	out->len = a.ulValueLen;
	return true;
}

/* The public key object with the same CKA_ID as a private key: tokens
 * keep a private EC key's point (and some an RSA key's modulus) there
 * only. */
static CK_OBJECT_HANDLE companion(struct oc_tk_key *k, struct attr *id)
{
	static const CK_OBJECT_CLASS pub = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[2] = {{CKA_CLASS, (void *)&pub, sizeof(pub)},
			     {CKA_ID, id->v, id->len}};
	CK_FUNCTION_LIST *f = k->mod->f;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(k->session, t, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (f->C_FindObjects(k->session, &h, 1, &n) != CKR_OK || n != 1)
		h = CK_INVALID_HANDLE;
	f->C_FindObjectsFinal(k->session);
	return h;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *b)
{
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *c = NULL;
	EVP_PKEY *pk = NULL;

	if (p)
		c = EVP_PKEY_CTX_new_from_name(oc_ossl_libctx(), type, NULL);
	if (c && EVP_PKEY_fromdata_init(c) == 1)
		EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	return pk;
}

static EVP_PKEY *rsa_key(const struct attr *n, const struct attr *e)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(n->v, (int)n->len, NULL);
	BIGNUM *be = BN_bin2bn(e->v, (int)e->len, NULL);
	EVP_PKEY *pk = NULL;

	if (b && bn && be &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be))
		pk = from_params("RSA", b);
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

/* CKA_EC_POINT is a DER OCTET STRING holding the point; a few tokens give
 * the bare point.  A bare uncompressed point also starts with 0x04, so
 * the wrapping counts only when it spans the whole value. */
static void unwrap_point(struct attr *pt)
{
	const unsigned char *p = pt->v;
	ASN1_OCTET_STRING *os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)pt->len);

	if (os && (size_t)(p - pt->v) == pt->len) {
		size_t n = (size_t)ASN1_STRING_length(os);

		memmove(pt->v, ASN1_STRING_get0_data(os), n);
		pt->len = n;
	}
	ASN1_OCTET_STRING_free(os);
}

static EVP_PKEY *ec_key(const struct attr *params, struct attr *point)
{
	const unsigned char *p = params->v;
	ASN1_OBJECT *oid = d2i_ASN1_OBJECT(NULL, &p, (long)params->len);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	const char *curve = NULL;
	EVP_PKEY *pk = NULL;

	/* Named curves only: explicit parameters are not a key we use. */
	if (oid)
		curve = OSSL_EC_curve_nid2name(OBJ_obj2nid(oid));
	unwrap_point(point);
	if (b && curve &&
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
					    curve, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
					     point->v, point->len))
		pk = from_params("EC", b);
	ASN1_OBJECT_free(oid);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

/* From the object's own attributes, or NULL. */
static EVP_PKEY *read_key(struct oc_tk_key *k, CK_OBJECT_HANDLE obj,
			  CK_KEY_TYPE type)
{
	struct attr *a = malloc(2 * sizeof(*a));
	EVP_PKEY *pk = NULL;
	const unsigned char *p;

	if (!a)
		return NULL;
	if (get(k, obj, CKA_PUBLIC_KEY_INFO, &a[0])) {
		p = a[0].v;
		pk = d2i_PUBKEY_ex(NULL, &p, (long)a[0].len, oc_ossl_libctx(),
				   NULL);
	}
	if (!pk && type == CKK_RSA && get(k, obj, CKA_MODULUS, &a[0]) &&
	    get(k, obj, CKA_PUBLIC_EXPONENT, &a[1]))
		pk = rsa_key(&a[0], &a[1]);
	if (!pk && type == CKK_EC && get(k, obj, CKA_EC_PARAMS, &a[0]) &&
	    get(k, obj, CKA_EC_POINT, &a[1]))
		pk = ec_key(&a[0], &a[1]);
	free(a);
	return pk;
}

int oc_tk_public_key(struct oc_tk_key *k, EVP_PKEY **out, struct oc_tk_err *e)
{
	CK_OBJECT_CLASS cls = 0;
	CK_KEY_TYPE type = 0;
	CK_ATTRIBUTE a[2] = {{CKA_CLASS, &cls, sizeof(cls)},
			     {CKA_KEY_TYPE, &type, sizeof(type)}};
	CK_OBJECT_HANDLE pub;
	struct attr *id = NULL;
	EVP_PKEY *pk = NULL;
	CK_RV rv;

	if (e)
		memset(e, 0, sizeof(*e));
	if (!k || !out)
		return oc_tk_fail(e, OC_TK_AT_ARGS, 0, OC_ERR_ARGS, "no key");
	*out = NULL;
	pthread_mutex_lock(&k->lock);
	rv = k->mod->f->C_GetAttributeValue(k->session, k->obj, a, 2);
	if (rv == CKR_OK && (type == CKK_RSA || type == CKK_EC)) {
		pk = read_key(k, k->obj, type);
		id = pk || cls != CKO_PRIVATE_KEY ? NULL : malloc(sizeof(*id));
		if (id && get(k, k->obj, CKA_ID, id)) {
			pub = companion(k, id);
			if (pub != CK_INVALID_HANDLE)
				pk = read_key(k, pub, type);
		}
	}
	pthread_mutex_unlock(&k->lock);
	free(id);
	if (rv != CKR_OK)
		return oc_tk_fail(e, OC_TK_AT_KEY, rv, OC_ERR_CRYPTO,
				  "cannot read the key's type: 0x%lx",
				  (unsigned long)rv);
	if (!pk)
		return oc_tk_fail(e, OC_TK_AT_KEY, 0, OC_ERR_UNSUPPORTED,
				  "the token does not tell the key's public "
				  "half (an RSA or EC key with its public "
				  "object, same id)");
	*out = pk;
	return OC_OK;
}
