/* write.c - creating, changing, copying and destroying secrets. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "audit.h"
#include "backend.h"
#include "cmek.h"
#include "err.h"
#include "init.h"
#include "keys.h"
#include "log.h"
#include "obj-data.h"
#include "obj-seckey.h"
#include "object.h"
#include "objstore.h"
#include "rv.h"
#include "sealed.h"
#include "secmem.h"
#include "session.h"
#include "token.h"
#include "wire.h"
#include "write.h"

/* The state of an existing data object, copied out of the store. */
struct current {
	char *path;
	uint8_t *value;
	size_t value_len;
	bool blob;
	char type[OC_WIRE_TYPE_MAX + 1];
	char *metadata;
	char expires[40];
	bool session; /* a session object */
	bool priv;
	uint8_t *application;
	size_t application_len;
	uint8_t *object_id;
	size_t object_id_len;
};

static void current_free(struct current *c)
{
	free(c->path);
	oc_secure_free(c->value);
	free(c->metadata);
	free(c->application);
	free(c->object_id);
	memset(c, 0, sizeof(*c));
}

static uint8_t *memdup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n + 1);

	if (c && n)
		memcpy(c, p, n);
	return c;
}

/* CKA_TOKEN of a template, or dflt when it has none. */
static CK_RV template_token(const CK_ATTRIBUTE *t, CK_ULONG n, bool dflt,
			    bool *token)
{
	const CK_ATTRIBUTE *a = oc_attr_find(t, n, CKA_TOKEN);

	*token = dflt;
	return a ? oc_attr_bool(a, token) : CKR_OK;
}

/* The object h as this call's audit subject, when it is a vault object
 * (session objects are the application's own). */
static void audit_object(struct oc_session *s, CK_OBJECT_HANDLE h,
			 enum oc_audit_op op)
{
	struct oc_token *t = s->tok;
	struct oc_object *o;

	if (!oc_audit_enabled())
		return;
	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	if (o && !o->session_obj)
		oc_audit_note_locked(op, t, o, OC_AUDIT_NO_MECH);
	oc_lock_release(t->lock);
}

static CK_RV check_writable(struct oc_session *s)
{
	if (oc_mod.conf.read_only)
		return CKR_TOKEN_WRITE_PROTECTED;
	if (!oc_session_rw(s))
		return CKR_SESSION_READ_ONLY;
	if (oc_mod.pin_mode && !atomic_load(&oc_mod.logged_in))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

/* A vault secret in PIN mode is a private object: a template that asks
 * for a public one is refused rather than silently made private. */
static CK_RV check_token_private(const struct oc_obj_data_tmpl *d)
{
	if (oc_mod.pin_mode && d->has_priv && !d->priv) {
		oc_rv_cause("vault secrets are private objects in PIN mode: "
			    "CKA_PRIVATE=FALSE needs CKA_TOKEN=FALSE");
		return CKR_TEMPLATE_INCONSISTENT;
	}
	return CKR_OK;
}

/* The key that may seal for this vault: the configured one when the
 * vault uses it (or, with enforced sealing, whatever the server says of
 * CMEK), else a session AES key whose fingerprint is the vault's.  *ref
 * holds a session key. */
static CK_RV write_key(struct oc_token *t, const struct oc_vault *v,
		       const char *path, bool enforced, struct oc_cmek_key **k,
		       struct oc_object **ref)
{
	struct oc_cmek_key *ck = NULL;
	char hex[OC_CMEK_FPR_HEX_LEN + 1];

	*ref = NULL;
	if (v->cmek_key_unknown) {
		oc_log_error("oneclaw-pkcs11: vault %s has CMEK on under a key "
			     "fingerprint this module cannot read: writing %s "
			     "refused, nothing was sent",
			     v->id, path);
		oc_rv_cause("vault %s: unreadable CMEK fingerprint", v->id);
		return enforced ? oc_rv_map(OC_ERR_KEY_MISMATCH, OC_RV_WRITE)
				: CKR_FUNCTION_FAILED;
	}
	if (oc_keys_get(v->id, &ck) == CKR_OK && ck) {
		oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(ck), hex);
		if (!v->cmek_enabled || !v->cmek_fingerprint[0] ||
		    strcmp(hex, v->cmek_fingerprint) == 0) {
			*k = ck;
			return CKR_OK;
		}
	}
	oc_rv_cause_clear();
	oc_lock_take(t->lock);
	for (struct oc_object *o = t->store.head; o; o = o->next) {
		struct oc_obj_seckey *skey = oc_obj_seckey(o);

		if (!skey || !o->session_obj || !skey->cmek ||
		    !oc_token_visible(o))
			continue;
		oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(skey->cmek),
					hex);
		if (strcmp(hex, v->cmek_fingerprint) == 0) {
			oc_object_ref(o);
			*ref = o;
			*k = skey->cmek;
			break;
		}
	}
	oc_lock_release(t->lock);
	if (*ref)
		return CKR_OK;
	oc_log_error("oneclaw-pkcs11: vault %s has CMEK on (key %.16s...) "
		     "and %s: writing %s refused, nothing was sent",
		     v->id, v->cmek_fingerprint,
		     ck ? "the configured key is a different key"
			: "no key for it is configured",
		     path);
	oc_rv_cause("no usable CMEK key for vault %s", v->id);
	return enforced ? oc_rv_map(OC_ERR_KEY_MISMATCH, OC_RV_WRITE)
			: CKR_FUNCTION_FAILED;
}

static bool blob_ok(const uint8_t *b, size_t n)
{
	return n >= OC_CMEK_OVERHEAD && b[0] == OC_CMEK_VERSION &&
	       n - OC_CMEK_OVERHEAD <= oc_mod.conf.max_value_size;
}

/* Stores value at path (sealing it in a CMEK vault) and updates the
 * token's object; *out gets its handle. */
static CK_RV put(struct oc_session *s, const char *path, const uint8_t *value,
		 size_t len, bool sealed, const char *type,
		 const char *metadata, const char *expires,
		 CK_OBJECT_HANDLE *out)
{
	struct oc_secret_put in = {0};
	struct oc_secret_meta meta;
	struct oc_cmek_key *k = NULL;
	struct oc_object *ref = NULL;
	struct oc_vault v;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	const uint8_t *plain = NULL; /* what the module sealed */
	size_t plain_len = 0;
	bool enforced, seal;
	CK_RV rv;
	int err;

	if (!value)
		value = (const uint8_t *)"";
	rv = oc_token_vault(s->tok, true, &v);
	if (rv != CKR_OK)
		return rv;
	/* With the vault's key configured, sealing does not wait for the
	 * server's word (sealed.h). */
	err = oc_sealed_key(v.id, &k);
	if (err)
		return oc_rv_map(err, OC_RV_WRITE);
	enforced = k != NULL;
	k = NULL;
	seal = enforced || v.cmek_enabled;
	if (seal && sealed) {
		if (!blob_ok(value, len)) {
			oc_rv_cause("not a CMEK v1 blob");
			return CKR_ATTRIBUTE_VALUE_INVALID;
		}
	} else if (seal) {
		if (len > oc_mod.conf.max_value_size)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		rv = write_key(s->tok, &v, path, enforced, &k, &ref);
		if (rv != CKR_OK)
			return rv;
		blob = oc_secure_alloc(oc_cmek_blob_len(len));
		if (!blob) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		err = oc_cmek_seal(k, value, len, blob, oc_cmek_blob_len(len),
				   &blob_len);
		if (err) {
			oc_rv_cause("sealing: %s", oc_strerror(err));
			rv = oc_rv_map(err, OC_RV_GENERIC);
			goto out;
		}
		plain = value;
		plain_len = len;
		value = blob;
		len = blob_len;
	} else if (sealed) {
		oc_rv_cause("vault %s has no CMEK: a sealed blob would be "
			    "unreadable",
			    v.id);
		return CKR_TEMPLATE_INCONSISTENT;
	} else if (len > oc_mod.conf.max_value_size) {
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}

	in.type = type && type[0] ? type : NULL;
	in.value = value;
	in.value_len = len;
	in.value_is_blob = seal;
	in.metadata = metadata;
	in.expires_at = expires && expires[0] ? expires : NULL;
	memset(&meta, 0, sizeof(meta));
	err = oc_backend_secret_put(&oc_mod.be, v.id, path, &in, &meta);
	if (err) {
		oc_rv_cause("storing %s: %s", path, oc_rv_err_text(err));
		rv = oc_rv_map(err, OC_RV_WRITE);
		goto out;
	}
	if (!meta.cmek_known || seal) {
		/* What was sent, whatever the server answers of it. */
		meta.cmek_known = true;
		meta.cmek_encrypted = seal;
		if (k)
			oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k),
						meta.cmek_fingerprint);
	}
	oc_debug(OC_LOG_P11, "stored %s (%zu bytes%s)", path, len,
		 seal ? ", sealed" : "");
	rv = oc_token_stored(s->tok, path, &meta, value, len, plain, plain_len,
			     out);
	oc_secret_meta_clear(&meta);
out:
	if (blob)
		oc_secure_free(blob);
	oc_object_unref(ref);
	return rv;
}

/* A new session data object from the template d, filled in from the
 * copy source c when given (NULL: C_CreateObject). */
static CK_RV session_create(struct oc_session *s,
			    const struct oc_obj_data_tmpl *d,
			    const struct current *c, CK_OBJECT_HANDLE *out)
{
	struct oc_secret_meta m;
	struct oc_obj_data *o = NULL;
	bool priv = d->has_priv ? d->priv : c ? c->priv : oc_mod.pin_mode;
	const uint8_t *value = d->has_value ? d->value : c ? c->value : NULL;
	size_t len = d->has_value ? d->value_len : c ? c->value_len : 0;
	int err;
	CK_RV rv;

	if (priv && oc_mod.pin_mode && !atomic_load(&oc_mod.logged_in))
		return CKR_USER_NOT_LOGGED_IN;
	memset(&m, 0, sizeof(m));
	m.path = d->path ? d->path : c ? c->path : "";
	snprintf(m.type, sizeof(m.type), "%s",
		 d->has_type ? d->type
		 : c	     ? c->type
			     : "");
	snprintf(m.expires_at, sizeof(m.expires_at), "%s",
		 d->has_expires ? d->expires
		 : c		? c->expires
				: "");
	m.metadata = d->has_metadata ? d->metadata : c ? c->metadata : NULL;
	m.cmek_known = true;
	m.cmek_encrypted = d->sealed || (c && c->blob);
	err = oc_obj_data_new(&m, &o);
	if (err)
		return oc_rv_map(err, OC_RV_GENERIC);
	o->obj.session_obj = true;
	o->obj.owner = s->handle;
	o->obj.priv = priv;
	err = oc_obj_data_set_value(o, value, len, oc_init_now());
	if (!err && d->application)
		err = oc_obj_data_set_application(o, d->application->pValue,
						  d->application->ulValueLen);
	else if (!err && c)
		err = oc_obj_data_set_application(o, c->application,
						  c->application_len);
	if (!err && d->object_id)
		err = oc_obj_data_set_object_id(o, d->object_id->pValue,
						d->object_id->ulValueLen);
	else if (!err && c)
		err = oc_obj_data_set_object_id(o, c->object_id,
						c->object_id_len);
	if (err) {
		oc_object_unref(&o->obj);
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	rv = oc_token_add(s->tok, &o->obj, out);
	if (rv == CKR_DATA_LEN_RANGE) {
		oc_rv_cause("session objects are limited to %d and %u bytes "
			    "per token",
			    OC_P11_MAX_SESSION_DATA,
			    OC_P11_MAX_SESSION_DATA_BYTES);
		rv = CKR_DEVICE_MEMORY;
	}
	if (rv != CKR_OK)
		oc_object_unref(&o->obj);
	return rv;
}

CK_RV oc_write_create(struct oc_session *s, const CK_ATTRIBUTE *t, CK_ULONG n,
		      CK_OBJECT_HANDLE *out)
{
	const CK_ATTRIBUTE *a;
	struct oc_obj_data_tmpl d = {0};
	CK_ULONG cls;
	bool token;
	CK_RV rv;

	rv = oc_attr_check(t, n);
	if (rv != CKR_OK)
		return rv;
	a = oc_attr_find(t, n, CKA_CLASS);
	if (!a)
		return CKR_TEMPLATE_INCOMPLETE;
	if (oc_attr_ulong(a, &cls) != CKR_OK)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (cls == CKO_SECRET_KEY) {
		if (oc_mod.pin_mode && !atomic_load(&oc_mod.logged_in))
			return CKR_USER_NOT_LOGGED_IN;
		return oc_obj_seckey_new_session(s, t, n, NULL, 0, false, out);
	}
	if (cls != CKO_DATA)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	/* CKA_TOKEN is false unless asked: only then is it a vault write. */
	rv = template_token(t, n, false, &token);
	if (rv != CKR_OK)
		return rv;
	a = oc_attr_find(t, n, CKA_LABEL);
	if (token)
		oc_audit_note(OC_AUDIT_CREATE, s->tok, a ? a->pValue : NULL,
			      a ? a->ulValueLen : 0, OC_AUDIT_NO_MECH);
	rv = token ? check_writable(s) : CKR_OK;
	if (rv == CKR_OK)
		rv = oc_obj_data_tmpl_parse(t, n, OC_DATA_CREATE, !token, &d);
	if (rv == CKR_OK && !token) {
		rv = session_create(s, &d, NULL, out);
		goto out;
	}
	if (rv == CKR_OK)
		rv = check_token_private(&d);
	if (rv == CKR_OK && !d.path) {
		oc_rv_cause("CKA_LABEL (the secret path) is needed");
		rv = CKR_TEMPLATE_INCOMPLETE;
	}
	if (rv == CKR_OK)
		rv = put(s, d.path, d.value, d.value_len, d.sealed,
			 d.has_type ? d.type : NULL,
			 d.has_metadata ? d.metadata : NULL,
			 d.has_expires ? d.expires : NULL, out);
out:
	oc_obj_data_tmpl_free(&d);
	return rv;
}

/* Copies the object's state out of the store, once the object allows
 * act; the value only when asked (it may need a fetch first). */
static CK_RV current(struct oc_session *s, CK_OBJECT_HANDLE h,
		     enum oc_obj_act act, bool want_value, struct current *c)
{
	struct oc_token *t = s->tok;
	struct oc_object *o;
	struct oc_obj_data *d;
	CK_RV rv = CKR_OK;

	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	if (!o)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else if (!oc_object_may(o, act) || !oc_obj_data(o))
		rv = CKR_ACTION_PROHIBITED; /* before any value is fetched */
	oc_lock_release(t->lock);
	if (rv == CKR_OK && want_value)
		rv = oc_token_fetch(t, h);
	if (rv != CKR_OK)
		return rv;
	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	d = oc_obj_data(o);
	if (!d || (want_value && !d->have_value)) {
		rv = CKR_OBJECT_HANDLE_INVALID;
		goto out;
	}
	if (!oc_object_may(o, act)) {
		rv = CKR_ACTION_PROHIBITED; /* known to hold a key by now */
		goto out;
	}
	c->path = strdup(d->meta.path);
	if (!c->path) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	snprintf(c->type, sizeof(c->type), "%s", d->meta.type);
	snprintf(c->expires, sizeof(c->expires), "%s", d->meta.expires_at);
	c->blob = d->meta.cmek_encrypted;
	c->session = o->session_obj;
	c->priv = o->priv;
	if (want_value) {
		c->value = oc_secure_dup(d->value, d->value_len);
		c->value_len = d->value_len;
		if (!c->value)
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK && o->session_obj) {
		c->application = memdup(d->application, d->application_len);
		c->application_len = d->application_len;
		c->object_id = memdup(d->object_id, d->object_id_len);
		c->object_id_len = d->object_id_len;
	}
	if (rv == CKR_OK)
		rv = oc_obj_data_clean_metadata(
		    d->meta.metadata, strlen(d->meta.metadata), &c->metadata);
	if (rv == CKR_ATTRIBUTE_VALUE_INVALID)
		rv = CKR_OK; /* unreadable old metadata is dropped */
out:
	oc_lock_release(t->lock);
	return rv;
}

/* An object changed in memory only (session objects), under the token's
 * lock; *done false when it is a vault secret, left to the caller. */
static CK_RV set_local(struct oc_session *s, CK_OBJECT_HANDLE h,
		       const CK_ATTRIBUTE *t, CK_ULONG n, bool *done)
{
	struct oc_token *tok = s->tok;
	struct oc_object *o;
	CK_RV rv = CKR_OK;

	*done = true;
	oc_lock_take(tok->lock);
	o = oc_token_find_locked(tok, h);
	if (!o)
		rv = CKR_OBJECT_HANDLE_INVALID;
	else if (!oc_object_may(o, OC_ACT_MODIFY))
		rv = CKR_ACTION_PROHIBITED;
	else if (o->session_obj && o->ops->set_local)
		rv = o->ops->set_local(&tok->store, o, t, n);
	else
		*done = false;
	oc_lock_release(tok->lock);
	return rv;
}

CK_RV oc_write_set(struct oc_session *s, CK_OBJECT_HANDLE h,
		   const CK_ATTRIBUTE *t, CK_ULONG n)
{
	struct oc_obj_data_tmpl d = {0};
	struct current c = {0};
	CK_OBJECT_HANDLE nh;
	bool done;
	CK_RV rv;

	rv = oc_attr_check(t, n);
	if (rv != CKR_OK)
		return rv;
	audit_object(s, h, OC_AUDIT_WRITE);
	rv = set_local(s, h, t, n, &done);
	if (done)
		return rv;
	rv = check_writable(s);
	if (rv != CKR_OK)
		return rv;
	rv = oc_obj_data_tmpl_parse(t, n, OC_DATA_SET, false, &d);
	if (rv == CKR_OK)
		rv = current(s, h, OC_ACT_MODIFY, !d.has_value, &c);
	if (rv != CKR_OK)
		goto out;
	if (d.has_value)
		rv = put(s, c.path, d.value, d.value_len, d.sealed,
			 d.has_type ? d.type : c.type,
			 d.has_metadata ? d.metadata : c.metadata,
			 d.has_expires ? d.expires : c.expires, &nh);
	else
		rv = put(s, c.path, c.value, c.value_len, c.blob,
			 d.has_type ? d.type : c.type,
			 d.has_metadata ? d.metadata : c.metadata,
			 d.has_expires ? d.expires : c.expires, &nh);
out:
	current_free(&c);
	oc_obj_data_tmpl_free(&d);
	return rv;
}

CK_RV oc_write_copy(struct oc_session *s, CK_OBJECT_HANDLE h,
		    const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_HANDLE *out)
{
	struct oc_obj_data_tmpl d = {0};
	struct current c = {0};
	const char *path;
	bool token;
	CK_RV rv;

	rv = oc_attr_check(t, n);
	if (rv != CKR_OK)
		return rv;
	audit_object(s, h, OC_AUDIT_COPY);
	rv = current(s, h, OC_ACT_COPY, true, &c);
	if (rv == CKR_OK)
		rv = template_token(t, n, !c.session, &token);
	if (rv == CKR_OK && token && c.session)
		oc_audit_note(OC_AUDIT_COPY, s->tok, c.path, strlen(c.path),
			      OC_AUDIT_NO_MECH); /* into the vault */
	if (rv == CKR_OK && token)
		rv = check_writable(s);
	if (rv == CKR_OK)
		rv = oc_obj_data_tmpl_parse(t, n, OC_DATA_COPY, !token, &d);
	if (rv != CKR_OK)
		goto out;
	if (!token) {
		rv = session_create(s, &d, &c, out);
		goto out;
	}
	path = d.path ? d.path : c.path;
	if (!c.session && strcmp(path, c.path) == 0) {
		oc_rv_cause("a copy needs a new CKA_LABEL (path)");
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	rv = check_token_private(&d);
	if (rv == CKR_OK)
		rv = put(s, path, c.value, c.value_len, c.blob,
			 d.has_type ? d.type : c.type,
			 d.has_metadata ? d.metadata : c.metadata,
			 d.has_expires ? d.expires : c.expires, out);
out:
	current_free(&c);
	oc_obj_data_tmpl_free(&d);
	return rv;
}

CK_RV oc_write_destroy(struct oc_session *s, CK_OBJECT_HANDLE h)
{
	struct oc_token *t = s->tok;
	struct oc_object *o;
	char id[OC_WIRE_ID_MAX + 1];
	char *path = NULL;
	CK_RV rv = CKR_OK;
	int err;

	audit_object(s, h, OC_AUDIT_DESTROY);
	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	if (!o) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else if (!oc_object_may(o, OC_ACT_DESTROY)) {
		rv = CKR_ACTION_PROHIBITED; /* CKA_DESTROYABLE false */
	} else if (o->session_obj) {
		oc_objstore_remove(&t->store, o);
		o = NULL;
	}
	oc_lock_release(t->lock);
	if (rv != CKR_OK || !o)
		return rv;
	rv = check_writable(s);
	if (rv != CKR_OK)
		return rv;
	rv = oc_token_object_path(t, h, &path, id);
	if (rv != CKR_OK)
		return rv;
	err = oc_backend_secret_delete(&oc_mod.be, id, path);
	if (err == OC_OK || err == OC_ERR_NOT_FOUND || err == OC_ERR_GONE)
		oc_token_forget(t, h);
	if (err) {
		oc_rv_cause("deleting %s: %s", path, oc_rv_err_text(err));
		rv = oc_rv_map(err, OC_RV_OBJECT);
	}
	free(path);
	return rv;
}
