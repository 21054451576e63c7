/* obj-cert.c - certificate objects. */
#include "config.h"

#include <stdlib.h>

#include "err.h"
#include "obj-cert.h"

static CK_RV cert_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
		       struct oc_attr_val *v)
{
	const struct oc_pkey_cert *c = &oc_obj_cert(o)->cert;

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
		/* Empty, as it always was: it was read from a field no
		 * certificate sets.  The key is c->pub; answering with it
		 * is a change of its own. */
		oc_attr_val_bytes(v, NULL, 0);
		return CKR_OK;
	default:
		return oc_object_label_id_attr(o, t, v);
	}
}

static void cert_free(struct oc_object *o, bool child)
{
	struct oc_obj_cert *c = oc_obj_cert(o);

	oc_obj_src_free(&c->src);
	oc_pkey_cert_free(&c->cert);
}

/* Changed and deleted through its secret only: may is NULL. */
static const struct oc_object_ops cert_ops = {
    .kind = OC_OBJ_CERT,
    .attr = cert_attr,
    .holds_key_material = oc_object_key_material_never,
    .free = cert_free,
};

int oc_obj_cert_new(const char *path, int64_t version, const uint8_t *v,
		    size_t n, struct oc_object **out, char *why, size_t why_len)
{
	struct oc_object *o =
	    oc_object_new(&cert_ops, sizeof(struct oc_obj_cert));
	struct oc_obj_cert *c = oc_obj_cert(o);
	int err;

	if (!o)
		return OC_ERR_NOMEM;
	err = oc_obj_src_init(o, &c->src, path, version);
	if (!err)
		err = oc_pkey_parse_cert(v, n, &c->cert, NULL, why, why_len);
	if (!err)
		err = oc_object_set_id(o, c->cert.pub.id, OC_PKEY_ID_LEN);
	if (err) {
		oc_object_unref(o);
		return err;
	}
	/* Certificates are public in the PKCS#11 sense. */
	o->priv = false;
	*out = o;
	return OC_OK;
}
