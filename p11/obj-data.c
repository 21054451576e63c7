/* obj-data.c - data objects: a secret each, their attributes, and the
 * templates that make and change them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "init.h"
#include "json.h"
#include "obj-data.h"
#include "objstore.h"
#include "rv.h"
#include "secmem.h"
#include "wire.h"

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void meta_free(struct oc_secret_meta *m)
{
	free(m->path);
	free(m->metadata);
	m->path = NULL;
	m->metadata = NULL;
}

/* Our own deep copy: the object owns path and metadata. */
static int meta_copy(struct oc_secret_meta *dst,
		     const struct oc_secret_meta *src)
{
	struct oc_secret_meta m = *src;

	m.path = dup_str(src->path ? src->path : "");
	m.metadata = dup_str(src->metadata ? src->metadata : "{}");
	if (!m.path || !m.metadata) {
		meta_free(&m);
		return OC_ERR_NOMEM;
	}
	meta_free(dst);
	*dst = m;
	return OC_OK;
}

/* A kind's ops are only ever called on objects of that kind. */
static struct oc_obj_data *data_of(const struct oc_object *o)
{
	return (struct oc_obj_data *)o;
}

static bool data_holds_key(const struct oc_object *o)
{
	/* A secret of a key type always does, whether or not it parsed (an
	 * encrypted key, or one of an unsupported kind, is still a key); so
	 * does one whose opened plaintext was seen to be a key. */
	return oc_obj_data_key_type(data_of(o)->meta.type) ||
	       data_of(o)->key_content;
}

static bool data_may(const struct oc_object *o, enum oc_obj_act act)
{
	/* A secret holding a key may go, and is never rewritten. */
	return act == OC_ACT_DESTROY || !oc_object_holds_key_material(o);
}

static bool data_needs_fetch(const struct oc_object *o, CK_ATTRIBUTE_TYPE t)
{
	const struct oc_obj_data *d = data_of(o);

	if (o->session_obj)
		return false;
	if (t == CKA_VALUE)
		return (!d->have_value || oc_obj_data_needs_opened(d)) &&
		       oc_object_may(o, OC_ACT_READ_VALUE);
	if (t == CKA_ONECLAW_CMEK_BLOB)
		return !d->have_value && oc_object_may(o, OC_ACT_READ_VALUE);
	if (t == CKA_ONECLAW_CMEK_ENCRYPTED ||
	    t == CKA_ONECLAW_CMEK_FINGERPRINT)
		return !d->meta.cmek_known;
	return false;
}

static CK_RV data_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
		       struct oc_attr_val *v)
{
	const struct oc_obj_data *d = data_of(o);
	const struct oc_secret_meta *m = &d->meta;
	size_t len;

	switch (t) {
	case CKA_CLASS:
		oc_attr_val_ulong(v, CKO_DATA);
		return CKR_OK;
	case CKA_LABEL:
		oc_attr_val_bytes(v, m->path, strlen(m->path));
		return CKR_OK;
	case CKA_APPLICATION:
		if (o->session_obj)
			oc_attr_val_bytes(v, d->application,
					  d->application_len);
		else
			oc_attr_val_bytes(v, "1claw", 5);
		return CKR_OK;
	case CKA_OBJECT_ID:
		oc_attr_val_bytes(v, d->object_id, d->object_id_len);
		return CKR_OK;
	case CKA_VALUE:
		/* Key material was refused by oc_object_attr. */
		if (!d->have_value || oc_obj_data_needs_opened(d))
			return CKR_GENERAL_ERROR; /* callers fetch first */
		if (d->opened)
			oc_attr_val_bytes(v, d->opened, d->opened_len);
		else
			oc_attr_val_bytes(v, d->value, d->value_len);
		return CKR_OK;
	case CKA_ONECLAW_CMEK_BLOB:
		if (!d->have_value)
			return CKR_GENERAL_ERROR; /* callers fetch first */
		if (m->cmek_encrypted)
			oc_attr_val_bytes(v, d->value, d->value_len);
		else
			oc_attr_val_bytes(v, "", 0); /* not sealed */
		return CKR_OK;
	case CKA_ONECLAW_CMEK_ENCRYPTED:
		oc_attr_val_bool(v, m->cmek_encrypted);
		return CKR_OK;
	case CKA_ONECLAW_SECRET_TYPE:
		oc_attr_val_bytes(v, m->type, strlen(m->type));
		return CKR_OK;
	case CKA_ONECLAW_VERSION:
		oc_attr_val_ulong(v, m->version > 0 ? (CK_ULONG)m->version : 0);
		return CKR_OK;
	case CKA_ONECLAW_SECRET_ID:
		oc_attr_val_bytes(v, m->id, strlen(m->id));
		return CKR_OK;
	case CKA_ONECLAW_CMEK_FINGERPRINT:
		if (oc_is_fingerprint_hex(m->cmek_fingerprint,
					  strlen(m->cmek_fingerprint)) &&
		    oc_hex_decode(m->cmek_fingerprint, OC_CMEK_FPR_HEX_LEN,
				  v->u.bytes, sizeof(v->u.bytes),
				  &len) == OC_OK) {
			v->p = v->u.bytes;
			v->len = len;
		} else {
			oc_attr_val_bytes(v, "", 0);
		}
		return CKR_OK;
	case CKA_ONECLAW_EXPIRES_AT:
		oc_attr_val_bytes(v, m->expires_at, strlen(m->expires_at));
		return CKR_OK;
	case CKA_ONECLAW_METADATA:
		oc_attr_val_bytes(v, m->metadata, strlen(m->metadata));
		return CKR_OK;
	default:
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

static void data_free(struct oc_object *o, bool child)
{
	struct oc_obj_data *d = data_of(o);

	oc_obj_data_drop_value(d);
	meta_free(&d->meta);
	free(d->application);
	free(d->object_id);
}

/* A session data object takes the template in memory. */
static CK_RV data_set_local(struct oc_objstore *st, struct oc_object *obj,
			    const CK_ATTRIBUTE *t, CK_ULONG n)
{
	struct oc_obj_data *o = data_of(obj);
	struct oc_obj_data_tmpl d = {0};
	int err = OC_OK;
	CK_RV rv;

	rv = oc_obj_data_tmpl_parse(t, n, OC_DATA_SET, true, &d);
	if (rv == CKR_OK && d.has_value &&
	    d.value_len > OC_P11_MAX_SESSION_DATA_BYTES -
			      (st->session_data_bytes - o->value_len))
		rv = CKR_DEVICE_MEMORY;
	if (rv != CKR_OK)
		goto out;
	if (d.path) {
		free(o->meta.path);
		o->meta.path = d.path;
		d.path = NULL;
	}
	if (d.has_value) {
		size_t old = o->value_len;

		err = oc_obj_data_set_value(o, d.value, d.value_len,
					    oc_init_now());
		if (!err)
			st->session_data_bytes += o->value_len - old;
	}
	if (!err && d.application)
		err = oc_obj_data_set_application(o, d.application->pValue,
						  d.application->ulValueLen);
	if (!err && d.object_id)
		err = oc_obj_data_set_object_id(o, d.object_id->pValue,
						d.object_id->ulValueLen);
	if (d.has_type)
		snprintf(o->meta.type, sizeof(o->meta.type), "%s", d.type);
	if (d.has_expires)
		snprintf(o->meta.expires_at, sizeof(o->meta.expires_at), "%s",
			 d.expires);
	if (d.has_metadata) {
		free(o->meta.metadata);
		o->meta.metadata = d.metadata;
		d.metadata = NULL;
	}
	rv = err ? oc_rv_map(err, OC_RV_WRITE) : CKR_OK;
out:
	oc_obj_data_tmpl_free(&d);
	return rv;
}

static const struct oc_object_ops data_ops = {
    .kind = OC_OBJ_DATA,
    .attr = data_attr,
    .needs_fetch = data_needs_fetch,
    .holds_key_material = data_holds_key,
    .may = data_may,
    .set_local = data_set_local,
    .free = data_free,
};

int oc_obj_data_new(const struct oc_secret_meta *m, struct oc_obj_data **out)
{
	struct oc_obj_data *d =
	    oc_obj_data(oc_object_new(&data_ops, sizeof(struct oc_obj_data)));

	if (!d)
		return OC_ERR_NOMEM;
	if (meta_copy(&d->meta, m) != OC_OK) {
		free(d);
		return OC_ERR_NOMEM;
	}
	*out = d;
	return OC_OK;
}

int oc_obj_data_adopt(struct oc_secret_meta *m, struct oc_obj_data **out)
{
	struct oc_obj_data *d;

	if (!m->path)
		return OC_ERR_ARGS;
	if (!m->metadata && !(m->metadata = dup_str("{}")))
		return OC_ERR_NOMEM;
	d = oc_obj_data(oc_object_new(&data_ops, sizeof(struct oc_obj_data)));
	if (!d)
		return OC_ERR_NOMEM;
	d->meta = *m;
	m->path = NULL;
	m->metadata = NULL;
	*out = d;
	return OC_OK;
}

int oc_obj_data_set_meta(struct oc_obj_data *o, const struct oc_secret_meta *m)
{
	struct oc_secret_meta mm = *m;
	int64_t old = o->meta.version;
	int err;

	/* The path is the object's identity (and its label index key). */
	mm.path = o->meta.path;
	err = meta_copy(&o->meta, &mm);

	if (err)
		return err;
	if (o->meta.version != old)
		oc_obj_data_drop_value(o);
	return OC_OK;
}

int oc_obj_data_set_value(struct oc_obj_data *o, const uint8_t *v, size_t n,
			  long now)
{
	uint8_t *copy = oc_secure_dup(v ? v : (const uint8_t *)"", n);

	if (!copy)
		return OC_ERR_NOMEM;
	oc_obj_data_drop_value(o);
	o->value = copy;
	o->value_len = n;
	o->have_value = true;
	o->value_at = now;
	return OC_OK;
}

void oc_obj_data_drop_value(struct oc_obj_data *o)
{
	oc_secure_free(o->value);
	o->value = NULL;
	o->value_len = 0;
	o->have_value = false;
	oc_secure_free(o->opened);
	o->opened = NULL;
	o->opened_len = 0;
}

void oc_obj_data_present_opened(struct oc_obj_data *o)
{
	o->present_opened = true;
	o->obj.priv = true;
}

bool oc_obj_data_needs_opened(const struct oc_obj_data *o)
{
	return o->present_opened && o->meta.cmek_encrypted && !o->opened &&
	       !oc_object_holds_key_material(&o->obj);
}

static bool has_bytes(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

/* A PEM private key of any kind ("-----BEGIN ... PRIVATE KEY-----",
 * OpenSSH's included). */
static bool private_key_text(const uint8_t *p, size_t n)
{
	return has_bytes(p, n, "-----BEGIN") &&
	       has_bytes(p, n, "PRIVATE KEY-----");
}

int oc_obj_data_set_opened(struct oc_obj_data *o, const uint8_t *pt, size_t n)
{
	uint8_t *copy;

	if (oc_obj_data_key_type(o->meta.type))
		return OC_OK; /* key material is never presented */
	if (private_key_text(pt, n)) {
		o->key_content = true;
		return OC_OK;
	}
	copy = oc_secure_dup(pt ? pt : (const uint8_t *)"", n);
	if (!copy)
		return OC_ERR_NOMEM;
	oc_secure_free(o->opened);
	o->opened = copy;
	o->opened_len = n;
	return OC_OK;
}

int oc_obj_data_set_application(struct oc_obj_data *o, const void *p, size_t n)
{
	return oc_object_set_bytes((void **)&o->application,
				   &o->application_len, p, n);
}

int oc_obj_data_set_object_id(struct oc_obj_data *o, const void *p, size_t n)
{
	return oc_object_set_bytes((void **)&o->object_id, &o->object_id_len, p,
				   n);
}

bool oc_obj_data_key_type(const char *type)
{
	return strcmp(type, "private_key") == 0 || strcmp(type, "ssh_key") == 0;
}

/* --- templates ----------------------------------------------------------- */

void oc_obj_data_tmpl_free(struct oc_obj_data_tmpl *d)
{
	free(d->path);
	free(d->metadata);
	memset(d, 0, sizeof(*d));
}

static CK_RV copy_text(const CK_ATTRIBUTE *a, char *out, size_t size,
		       bool (*ok)(unsigned char))
{
	const unsigned char *p = a->pValue;

	if (a->ulValueLen >= size)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	for (CK_ULONG i = 0; i < a->ulValueLen; i++)
		if (!ok(p[i]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	if (a->ulValueLen)
		memcpy(out, p, a->ulValueLen);
	out[a->ulValueLen] = '\0';
	return CKR_OK;
}

static bool type_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static bool time_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' ||
	       c == 'Z' || c == '.' || c == '+' || c == 't' || c == 'z';
}

CK_RV oc_obj_data_clean_metadata(const char *text, size_t len, char **out)
{
	struct oc_json *j = NULL;
	struct oc_jgen g = {0};
	struct oc_buf b;
	size_t n;
	CK_RV rv = CKR_ATTRIBUTE_VALUE_INVALID;

	oc_buf_init(&b, 2 * OC_WIRE_METADATA_NEW_MAX, false);
	if (len > OC_WIRE_METADATA_NEW_MAX ||
	    oc_json_parse(text, len, &j) != OC_OK ||
	    oc_json_type(j) != OC_JSON_OBJECT)
		goto out;
	if (oc_jgen_init(&g, &b) != OC_OK) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	yajl_gen_map_open(g.g);
	for (size_t i = 0; i < oc_json_len(j); i++) {
		const char *key = oc_json_key_at(j, i);

		if (!key || strcmp(key, "encoding") == 0)
			continue;
		oc_jgen_str(&g, key);
		oc_jgen_node(&g, oc_json_at(j, i));
	}
	yajl_gen_map_close(g.g);
	if (oc_jgen_status(&g) != OC_OK)
		goto out;
	*out = (char *)oc_buf_steal(&b, &n);
	rv = *out ? CKR_OK : CKR_HOST_MEMORY;
out:
	oc_jgen_free(&g);
	oc_buf_free(&b);
	oc_json_free(j);
	return rv;
}

/* A token object's label is the secret path it creates (the strict
 * rule of what we send); a session object's is any UTF-8 text without
 * control characters, and may be empty. */
static CK_RV parse_label(const CK_ATTRIBUTE *a, bool session, char **out)
{
	const char *why = NULL;

	if (!session)
		why = oc_wire_path_fault(a->pValue, a->ulValueLen,
					 OC_WIRE_PATH_SEND);
	else if (a->ulValueLen > OC_WIRE_PATH_MAX ||
		 !oc_wire_utf8(a->pValue, a->ulValueLen, OC_WIRE_NO_CONTROL))
		why = "a label is 0 to 1024 bytes of UTF-8 without control "
		      "characters";
	if (why) {
		oc_rv_cause("CKA_LABEL: %s", why);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	free(*out); /* no leak even on a repeated label */
	*out = strndup(a->ulValueLen ? a->pValue : "", a->ulValueLen);
	return *out ? CKR_OK : CKR_HOST_MEMORY;
}

CK_RV oc_obj_data_tmpl_parse(const CK_ATTRIBUTE *t, CK_ULONG n,
			     enum oc_obj_data_call call, bool session,
			     struct oc_obj_data_tmpl *d)
{
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < n && rv == CKR_OK; i++) {
		const CK_ATTRIBUTE *a = &t[i];

		switch (a->type) {
		case CKA_CLASS:
		case CKA_TOKEN:
			rv = call == OC_DATA_SET ? CKR_ATTRIBUTE_READ_ONLY
						 : CKR_OK;
			break;
		case CKA_LABEL:
			if (call == OC_DATA_SET && !session)
				rv = CKR_ATTRIBUTE_READ_ONLY; /* the path */
			else
				rv = parse_label(a, session, &d->path);
			break;
		case CKA_VALUE:
			if (call == OC_DATA_COPY) {
				rv = CKR_ATTRIBUTE_READ_ONLY;
				break;
			}
			if (a->ulValueLen >
			    oc_mod.conf.max_value_size + OC_CMEK_OVERHEAD) {
				oc_rv_cause("value over max_value_size");
				rv = CKR_ATTRIBUTE_VALUE_INVALID;
				break;
			}
			d->value = a->pValue;
			d->value_len = a->ulValueLen;
			d->has_value = true;
			break;
		case CKA_ONECLAW_CMEK_ENCRYPTED:
			rv = oc_attr_bool(a, &d->sealed);
			break;
		case CKA_ONECLAW_SECRET_TYPE:
			rv = copy_text(a, d->type, sizeof(d->type), type_char);
			d->has_type = rv == CKR_OK && d->type[0];
			break;
		case CKA_ONECLAW_EXPIRES_AT:
			rv = copy_text(a, d->expires, sizeof(d->expires),
				       time_char);
			d->has_expires = rv == CKR_OK;
			break;
		case CKA_ONECLAW_METADATA:
			free(d->metadata);
			d->metadata = NULL;
			rv = oc_obj_data_clean_metadata(
			    a->pValue ? a->pValue : "", a->ulValueLen,
			    &d->metadata);
			d->has_metadata = rv == CKR_OK;
			break;
		case CKA_PRIVATE:
			if (call == OC_DATA_SET) {
				rv = CKR_ATTRIBUTE_READ_ONLY;
				break;
			}
			rv = oc_attr_bool(a, &d->priv);
			d->has_priv = rv == CKR_OK;
			break;
		case CKA_APPLICATION:
		case CKA_OBJECT_ID:
			/* A vault secret's are the module's ("1claw"). */
			if (call == OC_DATA_SET && !session)
				rv = CKR_ATTRIBUTE_READ_ONLY;
			else if (a->ulValueLen > OC_P11_MAX_ATTR)
				rv = CKR_ATTRIBUTE_VALUE_INVALID;
			else if (a->type == CKA_APPLICATION)
				d->application = a;
			else
				d->object_id = a;
			break;
		case CKA_MODIFIABLE:
		case CKA_DESTROYABLE:
		case CKA_COPYABLE:
			/* Decided by the module (the read-only mode, what the
			 * object holds). */
			rv = call == OC_DATA_SET ? CKR_ATTRIBUTE_READ_ONLY
						 : CKR_OK;
			break;
		case CKA_ONECLAW_VERSION:
		case CKA_ONECLAW_SECRET_ID:
		case CKA_ONECLAW_CMEK_FINGERPRINT:
		case CKA_ONECLAW_CMEK_BLOB:
			rv = CKR_ATTRIBUTE_READ_ONLY;
			break;
		default:
			if (!oc_attr_type_defined(a->type))
				rv = CKR_ATTRIBUTE_TYPE_INVALID;
			else
				rv = call == OC_DATA_SET
					 ? CKR_ATTRIBUTE_READ_ONLY
					 : CKR_TEMPLATE_INCONSISTENT;
			break;
		}
		if (rv != CKR_OK)
			oc_rv_cause_attr(a->type);
	}
	if (rv == CKR_OK && d->sealed && call == OC_DATA_CREATE &&
	    !d->has_value) {
		oc_rv_cause("CKA_ONECLAW_CMEK_ENCRYPTED needs the blob in "
			    "CKA_VALUE");
		rv = CKR_TEMPLATE_INCOMPLETE;
	}
	return rv;
}
