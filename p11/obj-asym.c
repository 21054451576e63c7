/* obj-asym.c - private and public key objects. */
#include "config.h"

#include <stdlib.h>

#include "err.h"
#include "init.h"
#include "obj-asym.h"

static const CK_MECHANISM_TYPE rsa_private_mechs[] = {
    CKM_RSA_PKCS,
    CKM_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS,
    CKM_SHA384_RSA_PKCS,
    CKM_SHA512_RSA_PKCS,
    CKM_SHA256_RSA_PKCS_PSS,
    CKM_SHA384_RSA_PKCS_PSS,
    CKM_SHA512_RSA_PKCS_PSS,
    CKM_RSA_PKCS_OAEP,
    CKM_RSA_X_509,
};
static const CK_MECHANISM_TYPE ec_mechs[] = {
    CKM_ECDSA,
    CKM_ECDSA_SHA256,
    CKM_ECDSA_SHA384,
};
static const CK_MECHANISM_TYPE eddsa_mechs[] = {CKM_EDDSA};

/* CKK_RSA, CKK_EC or CKK_EC_EDWARDS for the object's key. */
static CK_KEY_TYPE key_type(const struct oc_obj_asym *k)
{
	switch (k->pub.alg) {
	case OC_PKEY_RSA:
		return CKK_RSA;
	case OC_PKEY_EC:
		return CKK_EC;
	default:
		return CKK_EC_EDWARDS;
	}
}

static void mechs(struct oc_attr_val *v, const struct oc_obj_asym *k)
{
	switch (k->pub.alg) {
	case OC_PKEY_RSA:
		oc_attr_val_bytes(v, rsa_private_mechs,
				  sizeof(rsa_private_mechs));
		break;
	case OC_PKEY_EC:
		oc_attr_val_bytes(v, ec_mechs, sizeof(ec_mechs));
		break;
	default:
		oc_attr_val_bytes(v, eddsa_mechs, sizeof(eddsa_mechs));
		break;
	}
}

/* The public values, on both halves of a key pair. */
static CK_RV public_values(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			   struct oc_attr_val *v)
{
	const struct oc_pkey_pub *p = &oc_obj_asym(o)->pub;
	bool rsa = p->alg == OC_PKEY_RSA;

	switch (t) {
	case CKA_MODULUS:
		if (!rsa)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_bytes(v, p->modulus, p->modulus_len);
		return CKR_OK;
	case CKA_MODULUS_BITS:
		if (!rsa)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_ulong(v, p->bits);
		return CKR_OK;
	case CKA_PUBLIC_EXPONENT:
		if (!rsa)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_bytes(v, p->exponent, p->exponent_len);
		return CKR_OK;
	case CKA_EC_PARAMS:
		if (rsa)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_bytes(v, p->ec_params, p->ec_params_len);
		return CKR_OK;
	case CKA_EC_POINT:
		/* Not a private key attribute in the spec, but clients
		 * (OpenSSH, libp11) read it there when no public key object
		 * is found; it is public. */
		if (rsa)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_bytes(v, p->ec_point, p->ec_point_len);
		return CKR_OK;
	case CKA_PUBLIC_KEY_INFO:
		oc_attr_val_bytes(v, p->spki, p->spki_len);
		return CKR_OK;
	default:
		return oc_object_label_id_attr(o, t, v);
	}
}

static CK_RV key_common(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			struct oc_attr_val *v)
{
	const struct oc_obj_asym *k = oc_obj_asym(o);

	switch (t) {
	case CKA_KEY_TYPE:
		oc_attr_val_ulong(v, key_type(k));
		return CKR_OK;
	case CKA_START_DATE:
	case CKA_END_DATE:
		oc_attr_val_bytes(v, "", 0);
		return CKR_OK;
	case CKA_DERIVE:
	case CKA_LOCAL:
		oc_attr_val_bool(v, false);
		return CKR_OK;
	case CKA_KEY_GEN_MECHANISM:
		oc_attr_val_ulong(v, CK_UNAVAILABLE_INFORMATION);
		return CKR_OK;
	case CKA_ALLOWED_MECHANISMS:
		mechs(v, k);
		return CKR_OK;
	case CKA_SUBJECT:
		oc_attr_val_bytes(v, k->subject,
				  k->subject ? k->subject_len : 0);
		return CKR_OK;
	default:
		return public_values(o, t, v);
	}
}

static CK_RV private_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			  struct oc_attr_val *v)
{
	bool rsa = oc_obj_asym(o)->pub.alg == OC_PKEY_RSA;

	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_PRIVATE_KEY);
		return CKR_OK;
	case CKA_SENSITIVE:
	case CKA_SIGN:
		oc_attr_val_bool(v, true);
		return CKR_OK;
	case CKA_DECRYPT:
		oc_attr_val_bool(v, rsa);
		return CKR_OK;
	case CKA_EXTRACTABLE:
	case CKA_SIGN_RECOVER:
	case CKA_UNWRAP:
	case CKA_WRAP_WITH_TRUSTED:
	case CKA_ALWAYS_AUTHENTICATE:
		oc_attr_val_bool(v, false);
		return CKR_OK;
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		/* It was a plain value in the vault before it was a key. */
		oc_attr_val_bool(v, false);
		return CKR_OK;
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
		return rsa ? CKR_ATTRIBUTE_SENSITIVE
			   : CKR_ATTRIBUTE_TYPE_INVALID;
	default:
		return key_common(o, t, v);
	}
}

static CK_RV public_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			 struct oc_attr_val *v)
{
	bool rsa = oc_obj_asym(o)->pub.alg == OC_PKEY_RSA;

	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_PUBLIC_KEY);
		return CKR_OK;
	case CKA_VERIFY:
		oc_attr_val_bool(v, true);
		return CKR_OK;
	case CKA_ENCRYPT:
		oc_attr_val_bool(v, rsa);
		return CKR_OK;
	case CKA_VERIFY_RECOVER:
	case CKA_WRAP:
	case CKA_TRUSTED:
		oc_attr_val_bool(v, false);
		return CKR_OK;
	default:
		return key_common(o, t, v);
	}
}

static void asym_free(struct oc_object *o, bool child)
{
	struct oc_obj_asym *k = oc_obj_asym(o);

	oc_obj_src_free(&k->src);
	oc_pkey_pub_free(&k->pub);
	EVP_PKEY_free(k->pub_key);
	oc_obj_asym_drop_private(k);
	free(k->subject);
}

/* Changed and deleted through their secret only: may is NULL.  The
 * private half holds key material, the public half none. */
static const struct oc_object_ops private_ops = {
    .kind = OC_OBJ_PRIVATE_KEY,
    .key = true,
    .attr = private_attr,
    .holds_key_material = oc_object_key_material_always,
    .free = asym_free,
};

static const struct oc_object_ops public_ops = {
    .kind = OC_OBJ_PUBLIC_KEY,
    .key = true,
    .attr = public_attr,
    .holds_key_material = oc_object_key_material_never,
    .free = asym_free,
};

/* One half of the pair of the private key k. */
static int asym_new(const struct oc_object_ops *ops, const char *path,
		    int64_t version, EVP_PKEY *k, struct oc_object **out)
{
	struct oc_object *o = oc_object_new(ops, sizeof(struct oc_obj_asym));
	struct oc_obj_asym *a = oc_obj_asym(o);
	int err;

	if (!o)
		return OC_ERR_NOMEM;
	err = oc_obj_src_init(o, &a->src, path, version);
	if (!err)
		err = oc_pkey_pub_of(k, &a->pub);
	if (!err)
		err = oc_pkey_public_copy(k, &a->pub_key);
	if (!err)
		err = oc_object_set_id(o, a->pub.id, OC_PKEY_ID_LEN);
	if (err) {
		oc_object_unref(o);
		return err;
	}
	*out = o;
	return OC_OK;
}

int oc_obj_asym_new_pair(const char *path, int64_t version, EVP_PKEY *k,
			 struct oc_object **priv, struct oc_object **pub)
{
	struct oc_object *a = NULL, *b = NULL;
	int err;

	err = asym_new(&private_ops, path, version, k, &a);
	if (!err)
		err = asym_new(&public_ops, path, version, k, &b);
	if (err) {
		oc_object_unref(a);
		return err;
	}
	/* Public keys and certificates are public in the PKCS#11 sense. */
	b->priv = false;
	EVP_PKEY_up_ref(k);
	oc_obj_asym(a)->priv_key = k;
	oc_obj_asym(a)->priv_at = oc_init_now();
	*priv = a;
	*pub = b;
	return OC_OK;
}

CK_RV oc_obj_asym_public_key(struct oc_obj_asym *k, EVP_PKEY **out)
{
	if (!EVP_PKEY_up_ref(k->pub_key))
		return CKR_FUNCTION_FAILED;
	*out = k->pub_key;
	return CKR_OK;
}

void oc_obj_asym_drop_private(struct oc_obj_asym *k)
{
	EVP_PKEY_free(k->priv_key); /* clears the private components */
	k->priv_key = NULL;
	k->priv_at = 0;
}
