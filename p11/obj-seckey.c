/* obj-seckey.c - secret key objects: their attributes, and the key
 * objects of the configured keys and of applications' templates. */
#include "config.h"

#include "attr.h"
#include "err.h"
#include "obj-seckey.h"
#include "rv.h"
#include "secmem.h"
#include "session.h"
#include "token.h"

static bool seckey_may(const struct oc_object *o, enum oc_obj_act act)
{
	/* An application's own session key may be relabelled and
	 * destroyed. */
	return o->session_obj &&
	       (act == OC_ACT_MODIFY || act == OC_ACT_DESTROY);
}

/* The usage attributes: a template may set them for the key types they
 * fit; a key answers them from its usage bits. */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	unsigned bit;
	bool aes, generic;
} usages[] = {
    {CKA_ENCRYPT, OC_USE_ENCRYPT, true, false},
    {CKA_DECRYPT, OC_USE_DECRYPT, true, false},
    {CKA_UNWRAP, OC_USE_UNWRAP, true, false},
    {CKA_SIGN, OC_USE_SIGN, false, true},
    {CKA_VERIFY, OC_USE_VERIFY, false, true},
    {CKA_WRAP, OC_USE_WRAP, false, false},
    {CKA_DERIVE, 0, false, false},
    {CKA_SIGN_RECOVER, 0, false, false},
    {CKA_VERIFY_RECOVER, 0, false, false},
};

/* A usage attribute (CKA_ENCRYPT, ...) from the key's usage bits; false
 * when t is none. */
static bool usage_attr(const struct oc_obj_seckey *k, CK_ATTRIBUTE_TYPE t,
		       struct oc_attr_val *v)
{
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if (usages[i].type == t) {
			oc_attr_val_bool(v, k->usage & usages[i].bit);
			return true;
		}
	}
	return false;
}

static CK_RV seckey_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			 struct oc_attr_val *v)
{
	const struct oc_obj_seckey *k = oc_obj_seckey(o);
	bool aes = k->key_type == CKK_AES;

	if (usage_attr(k, t, v))
		return CKR_OK;
	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_SECRET_KEY);
		return CKR_OK;
	case CKA_KEY_TYPE:
		oc_attr_val_ulong(v, k->key_type);
		return CKR_OK;
	case CKA_START_DATE:
	case CKA_END_DATE:
		oc_attr_val_bytes(v, "", 0);
		return CKR_OK;
	case CKA_LOCAL:
	case CKA_TRUSTED:
	case CKA_WRAP_WITH_TRUSTED:
	case CKA_EXTRACTABLE:
	case CKA_ALWAYS_AUTHENTICATE:
		oc_attr_val_bool(v, false);
		return CKR_OK;
	case CKA_SENSITIVE:
		oc_attr_val_bool(v, true);
		return CKR_OK;
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		/* Only the configured key never existed in the clear inside
		 * this token's API; imported and unwrapped ones did. */
		oc_attr_val_bool(v, k->from_config);
		return CKR_OK;
	case CKA_KEY_GEN_MECHANISM:
		oc_attr_val_ulong(v, CK_UNAVAILABLE_INFORMATION);
		return CKR_OK;
	case CKA_VALUE_LEN:
		oc_attr_val_ulong(v, aes ? OC_CMEK_KEY_LEN : k->secret_len);
		return CKR_OK;
	case CKA_ALLOWED_MECHANISMS:
		if (aes) {
			v->u.mechs[0] = CKM_ONECLAW_CMEK;
			v->u.mechs[1] = CKM_AES_GCM;
			v->p = v->u.mechs;
			v->len = 2 * sizeof(CK_MECHANISM_TYPE);
		} else {
			v->u.mechs[0] = CKM_SHA224_HMAC;
			v->u.mechs[1] = CKM_SHA256_HMAC;
			v->u.mechs[2] = CKM_SHA384_HMAC;
			v->u.mechs[3] = CKM_SHA512_HMAC;
			v->p = v->u.mechs;
			v->len = 4 * sizeof(CK_MECHANISM_TYPE);
		}
		return CKR_OK;
	case CKA_ONECLAW_CMEK_FINGERPRINT:
		if (!k->cmek)
			return CKR_ATTRIBUTE_TYPE_INVALID;
		oc_attr_val_copy(v, oc_cmek_key_fingerprint(k->cmek),
				 OC_CMEK_FPR_LEN);
		return CKR_OK;
	default:
		return oc_object_label_id_attr(o, t, v);
	}
}

static void seckey_free(struct oc_object *o, bool child)
{
	struct oc_obj_seckey *k = oc_obj_seckey(o);

	if (k->cmek_owned) {
		/* A delegated key's teardown talks to the other token: not
		 * in a forked child. */
		if (!child || !oc_cmek_key_is_delegated(k->cmek))
			oc_cmek_key_free(k->cmek);
	}
	oc_secure_free(k->secret);
}

/* Session keys may take a new label or id; nothing else changes. */
static CK_RV seckey_set_local(struct oc_objstore *st, struct oc_object *o,
			      const CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_RV rv = CKR_OK;
	int err = OC_OK;

	for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++)
		if (t[i].type != CKA_LABEL && t[i].type != CKA_ID)
			rv = oc_attr_type_defined(t[i].type)
				 ? CKR_ATTRIBUTE_READ_ONLY
				 : CKR_ATTRIBUTE_TYPE_INVALID;
	for (CK_ULONG i = 0; i < n && rv == CKR_OK && !err; i++)
		err = t[i].type == CKA_LABEL
			  ? oc_object_set_label(o, t[i].pValue, t[i].ulValueLen)
			  : oc_object_set_id(o, t[i].pValue, t[i].ulValueLen);
	if (rv == CKR_OK && err)
		rv = oc_rv_map(err, OC_RV_WRITE);
	return rv;
}

/* Their bytes are the key: key material, whatever the key's use. */
static const struct oc_object_ops seckey_ops = {
    .kind = OC_OBJ_SECRET_KEY,
    .key = true,
    .attr = seckey_attr,
    .holds_key_material = oc_object_key_material_always,
    .may = seckey_may,
    .set_local = seckey_set_local,
    .free = seckey_free,
};

/* An empty key object; the caller fills it in. */
static struct oc_obj_seckey *seckey_new(CK_KEY_TYPE type)
{
	struct oc_object *o =
	    oc_object_new(&seckey_ops, sizeof(struct oc_obj_seckey));
	struct oc_obj_seckey *k = oc_obj_seckey(o);

	if (k)
		k->key_type = type;
	return k;
}

CK_RV oc_obj_seckey_new_configured(struct oc_cmek_key *k,
				   struct oc_object **out)
{
	struct oc_obj_seckey *o = seckey_new(CKK_AES);
	int err = o ? OC_OK : OC_ERR_NOMEM;

	if (err == OC_OK)
		err = oc_object_set_label(&o->obj, "cmek", 4);
	if (err == OC_OK)
		err = oc_object_set_id(&o->obj, oc_cmek_key_fingerprint(k),
				       OC_CMEK_FPR_LEN);
	if (err) {
		if (o)
			oc_object_unref(&o->obj);
		return CKR_HOST_MEMORY;
	}
	o->cmek = k;
	o->cmek_owned = false;
	o->from_config = true;
	o->usage = OC_USE_ENCRYPT | OC_USE_DECRYPT | OC_USE_UNWRAP;
	*out = &o->obj;
	return CKR_OK;
}

/* Checks one template attribute of a new secret key; updates usage. */
static CK_RV template_attr(const CK_ATTRIBUTE *a, CK_KEY_TYPE kt, bool unwrap,
			   unsigned *usage)
{
	bool b;
	CK_RV rv;

	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		if (usages[i].type != a->type)
			continue;
		rv = oc_attr_bool(a, &b);
		if (rv != CKR_OK)
			return rv;
		if (b && !(kt == CKK_AES ? usages[i].aes : usages[i].generic)) {
			oc_rv_cause("key usage 0x%lx not supported",
				    (unsigned long)a->type);
			return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		*usage =
		    b ? (*usage | usages[i].bit) : (*usage & ~usages[i].bit);
		return CKR_OK;
	}
	switch (a->type) {
	case CKA_CLASS:
	case CKA_KEY_TYPE:
	case CKA_LABEL:
	case CKA_ID:
	case CKA_PRIVATE:
	case CKA_MODIFIABLE:
	case CKA_DESTROYABLE:
	case CKA_COPYABLE:
	case CKA_START_DATE:
	case CKA_END_DATE:
	case CKA_ALLOWED_MECHANISMS:
		return CKR_OK; /* read by the caller, or decided here */
	case CKA_VALUE:
		return unwrap ? CKR_TEMPLATE_INCONSISTENT : CKR_OK;
	case CKA_VALUE_LEN:
		/* C_CreateObject takes the length from CKA_VALUE. */
		return unwrap ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	case CKA_TOKEN:
		rv = oc_attr_bool(a, &b);
		if (rv == CKR_OK && b) {
			oc_rv_cause("keys are session objects only");
			rv = CKR_TEMPLATE_INCONSISTENT;
		}
		return rv;
	case CKA_SENSITIVE:
	case CKA_EXTRACTABLE:
	case CKA_ALWAYS_AUTHENTICATE:
	case CKA_TRUSTED:
	case CKA_WRAP_WITH_TRUSTED:
		/* Always sensitive and never extractable. */
		rv = oc_attr_bool(a, &b);
		if (rv == CKR_OK && b != (a->type == CKA_SENSITIVE)) {
			oc_rv_cause("keys are always sensitive and never "
				    "extractable");
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		}
		return rv;
	default:
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

CK_RV oc_obj_seckey_new_session(struct oc_session *s, const CK_ATTRIBUTE *t,
				CK_ULONG n, const uint8_t *bytes, size_t len,
				bool unwrap, CK_OBJECT_HANDLE *out)
{
	const CK_ATTRIBUTE *a;
	struct oc_obj_seckey *o;
	CK_ULONG ul;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	unsigned usage;
	CK_RV rv;
	int err;

	a = oc_attr_find(t, n, CKA_CLASS);
	if (a && (oc_attr_ulong(a, &ul) != CKR_OK || ul != CKO_SECRET_KEY))
		return unwrap ? CKR_TEMPLATE_INCONSISTENT
			      : CKR_ATTRIBUTE_VALUE_INVALID;
	a = oc_attr_find(t, n, CKA_KEY_TYPE);
	if (a) {
		if (oc_attr_ulong(a, &kt) != CKR_OK ||
		    (kt != CKK_AES && kt != CKK_GENERIC_SECRET))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	} else if (!unwrap) {
		return CKR_TEMPLATE_INCOMPLETE;
	}
	if (!unwrap) {
		a = oc_attr_find(t, n, CKA_VALUE);
		if (!a)
			return CKR_TEMPLATE_INCOMPLETE;
		bytes = a->pValue;
		len = a->ulValueLen;
	}
	usage = kt == CKK_AES ? OC_USE_ENCRYPT | OC_USE_DECRYPT | OC_USE_UNWRAP
			      : OC_USE_SIGN | OC_USE_VERIFY;
	for (CK_ULONG i = 0; i < n; i++) {
		rv = template_attr(&t[i], kt, unwrap, &usage);
		if (rv != CKR_OK) {
			oc_rv_cause_attr(t[i].type);
			return rv;
		}
	}
	if ((kt == CKK_AES && len != OC_CMEK_KEY_LEN) || len == 0 ||
	    len > OC_CMEK_MAX_PLAINTEXT) {
		oc_rv_cause("a %zu-byte %s key", len,
			    kt == CKK_AES ? "AES (only AES-256)" : "secret");
		return unwrap ? CKR_KEY_SIZE_RANGE
			      : CKR_ATTRIBUTE_VALUE_INVALID;
	}
	a = oc_attr_find(t, n, CKA_VALUE_LEN);
	if (a && (oc_attr_ulong(a, &ul) != CKR_OK || ul != len)) {
		oc_rv_cause("CKA_VALUE_LEN differs from the unwrapped key");
		return CKR_TEMPLATE_INCONSISTENT;
	}

	o = seckey_new(kt);
	if (!o)
		return CKR_HOST_MEMORY;
	if (kt == CKK_AES) {
		err = oc_cmek_key_from_raw(bytes, &o->cmek);
		o->cmek_owned = err == OC_OK;
	} else {
		o->secret = oc_secure_dup(bytes, len);
		o->secret_len = len;
		err = o->secret ? OC_OK : OC_ERR_NOMEM;
	}
	a = oc_attr_find(t, n, CKA_LABEL);
	if (err == OC_OK && a)
		err = oc_object_set_label(&o->obj, a->pValue, a->ulValueLen);
	a = oc_attr_find(t, n, CKA_ID);
	if (err == OC_OK && a)
		err = oc_object_set_id(&o->obj, a->pValue, a->ulValueLen);
	else if (err == OC_OK && kt == CKK_AES)
		err = oc_object_set_id(
		    &o->obj, oc_cmek_key_fingerprint(o->cmek), OC_CMEK_FPR_LEN);
	if (err) {
		oc_object_unref(&o->obj);
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	o->usage = usage;
	o->obj.session_obj = true;
	o->obj.owner = s->handle;
	rv = oc_token_add(s->tok, &o->obj, out);
	if (rv != CKR_OK)
		oc_object_unref(&o->obj);
	return rv;
}
