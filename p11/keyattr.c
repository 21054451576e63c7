/* keyattr.c - attributes of the objects made from key-typed secrets. */
#include "config.h"

#include <stdlib.h>

#include "keyattr.h"
#include "object.h"

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

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* CKK_RSA, CKK_EC or CKK_EC_EDWARDS for the object's key. */
static CK_KEY_TYPE key_type(const struct oc_object *o)
{
	switch (o->pub.alg) {
	case OC_PKEY_RSA:
		return CKK_RSA;
	case OC_PKEY_EC:
		return CKK_EC;
	default:
		return CKK_EC_EDWARDS;
	}
}

static void mechs(struct oc_attr_val *v, const struct oc_object *o)
{
	switch (o->pub.alg) {
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
	const struct oc_pkey_pub *p = &o->pub;
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
	switch (t) {
	case CKA_KEY_TYPE:
		oc_attr_val_ulong(v, key_type(o));
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
		mechs(v, o);
		return CKR_OK;
	case CKA_SUBJECT:
		oc_attr_val_bytes(v, o->subject,
				  o->subject ? o->subject_len : 0);
		return CKR_OK;
	default:
		return public_values(o, t, v);
	}
}

static CK_RV private_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			  struct oc_attr_val *v)
{
	bool rsa = o->pub.alg == OC_PKEY_RSA;

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
	bool rsa = o->pub.alg == OC_PKEY_RSA;

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

static CK_RV cert_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
		       struct oc_attr_val *v)
{
	const struct oc_pkey_cert *c = &o->cert;

	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_CERTIFICATE);
		return CKR_OK;
	case CKA_CERTIFICATE_TYPE:
		oc_attr_val_ulong(v, CKC_X_509);
		return CKR_OK;
	case CKA_TRUSTED:
		oc_attr_val_bool(v, false);
		return CKR_OK;
	case CKA_CERTIFICATE_CATEGORY:
	case CKA_JAVA_MIDP_SECURITY_DOMAIN:
		oc_attr_val_ulong(v, 0); /* unspecified */
		return CKR_OK;
	case CKA_NAME_HASH_ALGORITHM:
		oc_attr_val_ulong(v, CKM_SHA_1);
		return CKR_OK;
	case CKA_START_DATE:
	case CKA_END_DATE:
	case CKA_URL:
	case CKA_HASH_OF_SUBJECT_PUBLIC_KEY:
	case CKA_HASH_OF_ISSUER_PUBLIC_KEY:
		oc_attr_val_bytes(v, "", 0);
		return CKR_OK;
	case CKA_SUBJECT:
		oc_attr_val_bytes(v, c->subject, c->subject_len);
		return CKR_OK;
	case CKA_ISSUER:
		oc_attr_val_bytes(v, c->issuer, c->issuer_len);
		return CKR_OK;
	case CKA_SERIAL_NUMBER:
		oc_attr_val_bytes(v, c->serial, c->serial_len);
		return CKR_OK;
	case CKA_VALUE:
		oc_attr_val_bytes(v, c->der, c->der_len);
		return CKR_OK;
	case CKA_PUBLIC_KEY_INFO:
		oc_attr_val_bytes(v, o->pub.spki, o->pub.spki_len);
		return CKR_OK;
	default:
		return oc_object_label_id_attr(o, t, v);
	}
}

/* They live and die with their secret: not changed, not destroyed
 * through PKCS#11 (write or delete the secret instead). */
static void view_free(struct oc_object *o, bool child)
{
	free(o->src_path);
	oc_pkey_pub_free(&o->pub);
	oc_pkey_cert_free(&o->cert);
	EVP_PKEY_free(o->pub_key);
	oc_object_drop_private(o);
	free(o->subject);
}

const struct oc_object_ops oc_keyattr_private_ops = {
    .kind = OC_OBJ_PRIVATE_KEY,
    .key = true,
    .attr = private_attr,
    .holds_key_material = oc_object_key_material_always,
    .free = view_free,
};

const struct oc_object_ops oc_keyattr_public_ops = {
    .kind = OC_OBJ_PUBLIC_KEY,
    .key = true,
    .attr = public_attr,
    .holds_key_material = oc_object_key_material_never,
    .free = view_free,
};

const struct oc_object_ops oc_keyattr_cert_ops = {
    .kind = OC_OBJ_CERT,
    .attr = cert_attr,
    .holds_key_material = oc_object_key_material_never,
    .free = view_free,
};
