/* keys.c - the configured CMEK keys and their key objects. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "entry.h"
#include "err.h"
#include "init.h"
#include "keys.h"
#include "keysrc.h"
#include "lock.h"
#include "log.h"
#include "object.h"
#include "rv.h"
#include "secmem.h"
#include "session.h"
#include "token.h"
#include "tokenkey/tokenkey.h"

struct entry {
	const struct oc_conf_key *src; /* points into oc_mod.conf */
	struct oc_cmek_key *key;
};

static struct {
	struct entry e[OC_CONF_MAX_VAULTS + 1];
	size_t n;
	struct oc_lock *lock; /* opening delegated keys */
} keys;

static bool has_source(const struct oc_conf_key *k)
{
	return k && (k->file || k->env || k->uri);
}

static int load_local(const struct oc_conf_key *src, struct oc_cmek_key **out,
		      char *errbuf, size_t errlen)
{
	uint8_t raw[OC_CMEK_KEY_LEN];
	int loose = 0, err;

	if (src->file) {
		err = oc_keysrc_key_from_file(src->file, out, &loose, errbuf,
					      errlen);
		/* Group-readable is a service's group (others are refused):
		 * nothing to warn every p11-kit process about. */
		if (err == OC_OK && loose)
			oc_debug(OC_LOG_CMEK,
				 "CMEK key file %s is readable by its group",
				 src->file);
		return err;
	}
	err = oc_keysrc_load_env(src->env, raw, errbuf, errlen);
	if (err == OC_OK)
		err = oc_cmek_key_from_raw(raw, out);
	oc_wipe(raw, sizeof(raw));
	return err;
}

static int add(const struct oc_conf_key *src, char *errbuf, size_t errlen)
{
	struct entry *e;
	char fpr[OC_CMEK_FPR_HEX_LEN + 1];
	int err;

	if (!has_source(src) || keys.n >= OC_CONF_MAX_VAULTS + 1)
		return OC_OK;
	e = &keys.e[keys.n++];
	e->src = src;
	if (src->uri)
		return OC_OK; /* delegated: opened on first use */
	err = load_local(src, &e->key, errbuf, errlen);
	if (err)
		return OC_ERR_CONFIG;
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(e->key), fpr);
	oc_debug(OC_LOG_CMEK, "CMEK key loaded from %s %s, fingerprint %s",
		 src->file ? "file" : "variable",
		 src->file ? src->file : src->env, fpr);
	return OC_OK;
}

int oc_keys_init(const struct oc_conf *c, char *errbuf, size_t errlen)
{
	int err;

	oc_wipe(&keys, sizeof(keys));
	if (oc_lock_new(&keys.lock) != CKR_OK)
		return OC_ERR_NOMEM;
	err = add(&c->key, errbuf, errlen);
	for (size_t i = 0; !err && i < c->n_vaults; i++)
		err = add(&c->vaults[i].key, errbuf, errlen);
	if (err)
		oc_keys_free();
	return err;
}

void oc_keys_free(void)
{
	for (size_t i = 0; i < keys.n; i++)
		oc_cmek_key_free(keys.e[i].key);
	oc_lock_free(keys.lock);
	oc_wipe(&keys, sizeof(keys));
}

void oc_keys_abandon(void)
{
	/* A delegated key's teardown would talk to the other token from
	 * the child: leave those. */
	for (size_t i = 0; i < keys.n; i++)
		if (keys.e[i].key && !oc_cmek_key_is_delegated(keys.e[i].key))
			oc_cmek_key_free(keys.e[i].key);
	oc_wipe(&keys, sizeof(keys));
}

/* A key in another token (cmek_key_uri): the module named by
 * cmek_key_module or the URI, a login with cmek_key_pin_file or the URI's
 * pin-value; the AES-GCM work is forwarded there. */
static int open_delegated(const struct oc_conf_key *src,
			  struct oc_cmek_key **out)
{
	struct oc_tk_open_args a = {
	    .uri = src->uri,
	    .module = src->module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_AES,
	    .flags = OC_TK_URI_PIN_VALUE,
	    .pin_file = src->pin_file,
	    /* This module as its own key's token would call itself. */
	    .refuse = oc_entry_function_list(),
	};
	struct oc_tk_err e;
	int err;

	err = oc_tk_cmek_open(&a, src->fingerprint, out, &e);
	if (err && e.stage == OC_TK_AT_NO_MODULE)
		oc_log_error("oneclaw-pkcs11: cmek_key_uri needs "
			     "cmek_key_module (the PKCS#11 module holding the "
			     "key)");
	else if (err)
		oc_log_error("oneclaw-pkcs11: delegated key: %s",
			     e.msg[0] ? e.msg : oc_strerror(err));
	return err;
}

CK_RV oc_keys_get(const char *vault_id, struct oc_cmek_key **out)
{
	const struct oc_conf_key *src = oc_conf_key_for(&oc_mod.conf, vault_id);
	struct entry *e = NULL;
	CK_RV rv = CKR_OK;
	int err;

	*out = NULL;
	if (!has_source(src))
		return CKR_OK;
	for (size_t i = 0; i < keys.n; i++)
		if (keys.e[i].src == src)
			e = &keys.e[i];
	if (!e)
		return CKR_OK;
	oc_lock_take(keys.lock);
	if (!e->key && src->uri) {
		err = open_delegated(src, &e->key);
		if (err) {
			e->key = NULL;
			oc_rv_cause("delegated CMEK key: %s", oc_strerror(err));
			rv = CKR_DEVICE_ERROR;
		}
	}
	*out = e->key;
	oc_lock_release(keys.lock);
	return rv;
}

CK_RV oc_keys_object(struct oc_cmek_key *k, struct oc_object **out)
{
	struct oc_object *o = NULL;
	int err = oc_object_new_key(CKK_AES, &o);

	if (err == OC_OK)
		err = oc_object_set_label(o, "cmek", 4);
	if (err == OC_OK)
		err = oc_object_set_id(o, oc_cmek_key_fingerprint(k),
				       OC_CMEK_FPR_LEN);
	if (err) {
		oc_object_unref(o);
		return CKR_HOST_MEMORY;
	}
	o->cmek = k;
	o->cmek_owned = false;
	o->from_config = true;
	o->usage = OC_USE_ENCRYPT | OC_USE_DECRYPT | OC_USE_UNWRAP;
	*out = o;
	return CKR_OK;
}

/* Usage attributes a template may set, with the key types they fit. */
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

/* Checks one template attribute of a new secret key; updates usage. */
static CK_RV key_attr(const CK_ATTRIBUTE *a, CK_KEY_TYPE kt, bool unwrap,
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

CK_RV oc_keys_session_object(struct oc_session *s, const CK_ATTRIBUTE *t,
			     CK_ULONG n, const uint8_t *bytes, size_t len,
			     bool unwrap, CK_OBJECT_HANDLE *out)
{
	const CK_ATTRIBUTE *a;
	struct oc_object *o = NULL;
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
		rv = key_attr(&t[i], kt, unwrap, &usage);
		if (rv != CKR_OK)
			return rv;
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

	err = oc_object_new_key(kt, &o);
	if (err)
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
		err = oc_object_set_label(o, a->pValue, a->ulValueLen);
	a = oc_attr_find(t, n, CKA_ID);
	if (err == OC_OK && a)
		err = oc_object_set_id(o, a->pValue, a->ulValueLen);
	else if (err == OC_OK && kt == CKK_AES)
		err = oc_object_set_id(o, oc_cmek_key_fingerprint(o->cmek),
				       OC_CMEK_FPR_LEN);
	if (err) {
		oc_object_unref(o);
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	o->usage = usage;
	o->session_obj = true;
	o->owner = s->handle;
	o->unwrapped = unwrap;
	rv = oc_token_add(s->tok, o, out);
	if (rv != CKR_OK)
		oc_object_unref(o);
	return rv;
}
