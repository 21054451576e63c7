/* object.c - objects, their attributes, and the per-token store. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "init.h"
#include "object.h"
#include "secmem.h"

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

static const struct oc_object_ops data_ops;

struct oc_object *oc_object_new(const struct oc_object_ops *ops, size_t size)
{
	struct oc_object *o = calloc(1, size);

	if (!o)
		return NULL;
	o->ops = ops;
	atomic_init(&o->refs, 1);
	o->priv = oc_mod.pin_mode;
	return o;
}

int oc_object_new_data(const struct oc_secret_meta *m, struct oc_object **out)
{
	struct oc_object *o = oc_object_new(&data_ops, sizeof(*o));

	if (!o)
		return OC_ERR_NOMEM;
	if (meta_copy(&o->meta, m) != OC_OK) {
		free(o);
		return OC_ERR_NOMEM;
	}
	*out = o;
	return OC_OK;
}

int oc_object_set_meta(struct oc_object *o, const struct oc_secret_meta *m)
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
		oc_object_drop_value(o);
	return OC_OK;
}

int oc_object_set_value(struct oc_object *o, const uint8_t *v, size_t n,
			long now)
{
	uint8_t *copy = oc_secure_dup(v ? v : (const uint8_t *)"", n);

	if (!copy)
		return OC_ERR_NOMEM;
	oc_object_drop_value(o);
	o->value = copy;
	o->value_len = n;
	o->have_value = true;
	o->value_at = now;
	return OC_OK;
}

void oc_object_drop_value(struct oc_object *o)
{
	oc_secure_free(o->value);
	o->value = NULL;
	o->value_len = 0;
	o->have_value = false;
}

int oc_obj_src_init(struct oc_object *o, struct oc_obj_src *src,
		    const char *path, int64_t version)
{
	src->path = strdup(path);
	src->version = version;
	if (!src->path || oc_object_set_label(o, path, strlen(path)) != OC_OK)
		return OC_ERR_NOMEM;
	return OC_OK;
}

void oc_obj_src_free(struct oc_obj_src *src)
{
	free(src->path);
	src->path = NULL;
}

static int set_bytes(void **dst, size_t *dst_len, const void *p, size_t n)
{
	void *c;

	if (n > OC_P11_MAX_ATTR)
		return OC_ERR_RANGE;
	c = malloc(n + 1);
	if (!c)
		return OC_ERR_NOMEM;
	if (n)
		memcpy(c, p, n);
	((char *)c)[n] = '\0';
	free(*dst);
	*dst = c;
	*dst_len = n;
	return OC_OK;
}

int oc_object_set_label(struct oc_object *o, const void *p, size_t n)
{
	return set_bytes((void **)&o->label, &o->label_len, p, n);
}

int oc_object_set_id(struct oc_object *o, const void *p, size_t n)
{
	return set_bytes((void **)&o->id, &o->id_len, p, n);
}

int oc_object_set_application(struct oc_object *o, const void *p, size_t n)
{
	return set_bytes((void **)&o->application, &o->application_len, p, n);
}

int oc_object_set_object_id(struct oc_object *o, const void *p, size_t n)
{
	return set_bytes((void **)&o->object_id, &o->object_id_len, p, n);
}

bool oc_object_key_type(const char *type)
{
	return strcmp(type, "private_key") == 0 || strcmp(type, "ssh_key") == 0;
}

bool oc_object_holds_key_material(const struct oc_object *o)
{
	return o->ops->holds_key_material(o);
}

bool oc_object_key_material_always(const struct oc_object *o)
{
	return true;
}

bool oc_object_key_material_never(const struct oc_object *o)
{
	return false;
}

bool oc_object_may(const struct oc_object *o, enum oc_obj_act act)
{
	/* Key material never leaves the module, whatever the kind. */
	if ((act == OC_ACT_READ_VALUE || act == OC_ACT_COPY) &&
	    oc_object_holds_key_material(o))
		return false;
	return o->ops->may && o->ops->may(o, act);
}

void oc_object_ref(struct oc_object *o)
{
	atomic_fetch_add(&o->refs, 1);
}

static void object_free(struct oc_object *o, bool child)
{
	o->ops->free(o, child);
	free(o->label);
	free(o->id);
	free(o);
}

void oc_object_unref(struct oc_object *o)
{
	if (o && atomic_fetch_sub(&o->refs, 1) == 1)
		object_free(o, false);
}

void oc_object_abandon(struct oc_object *o)
{
	if (o)
		object_free(o, true);
}

bool oc_object_needs_fetch(const struct oc_object *o, CK_ATTRIBUTE_TYPE t)
{
	return o->ops->needs_fetch && o->ops->needs_fetch(o, t);
}

CK_RV oc_object_common_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			    struct oc_attr_val *v)
{
	/* Read-only mode keeps the vault's objects as they are; session
	 * objects live here only. */
	bool rw = o->session_obj || !oc_mod.conf.read_only;

	switch (t) {
	case CKA_TOKEN:
		oc_attr_val_bool(v, !o->session_obj);
		return CKR_OK;
	case CKA_PRIVATE:
		oc_attr_val_bool(v, o->priv);
		return CKR_OK;
	case CKA_MODIFIABLE:
		oc_attr_val_bool(v, rw && oc_object_may(o, OC_ACT_MODIFY));
		return CKR_OK;
	case CKA_DESTROYABLE:
		oc_attr_val_bool(v, rw && oc_object_may(o, OC_ACT_DESTROY));
		return CKR_OK;
	case CKA_COPYABLE:
		oc_attr_val_bool(v, oc_object_may(o, OC_ACT_COPY));
		return CKR_OK;
	default:
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

CK_RV oc_object_label_id_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			      struct oc_attr_val *v)
{
	switch (t) {
	case CKA_LABEL:
		oc_attr_val_bytes(v, o->label, o->label_len);
		return CKR_OK;
	case CKA_ID:
		oc_attr_val_bytes(v, o->id, o->id_len);
		return CKR_OK;
	default:
		return CKR_ATTRIBUTE_TYPE_INVALID;
	}
}

CK_RV oc_object_attr(void *ctx, CK_ATTRIBUTE_TYPE t, struct oc_attr_val *v)
{
	const struct oc_object *o = ctx;
	CK_RV rv;

	/* Key material never leaves the module, whatever the kind. */
	if (t == CKA_VALUE && oc_object_holds_key_material(o))
		return CKR_ATTRIBUTE_SENSITIVE;
	rv = o->ops->attr(o, t, v);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID)
		rv = oc_object_common_attr(o, t, v);
	return rv;
}

/* --- data objects -------------------------------------------------------- */

static bool data_holds_key(const struct oc_object *o)
{
	/* A secret of a key type always does, whether or not it parsed (an
	 * encrypted key, or one of an unsupported kind, is still a key). */
	return oc_object_key_type(o->meta.type);
}

static bool data_may(const struct oc_object *o, enum oc_obj_act act)
{
	/* A secret holding a key may go, and is never rewritten. */
	return act == OC_ACT_DESTROY || !oc_object_holds_key_material(o);
}

static bool data_needs_fetch(const struct oc_object *o, CK_ATTRIBUTE_TYPE t)
{
	if (o->session_obj)
		return false;
	if (t == CKA_VALUE)
		return !o->have_value && oc_object_may(o, OC_ACT_READ_VALUE);
	if (t == CKA_ONECLAW_CMEK_ENCRYPTED ||
	    t == CKA_ONECLAW_CMEK_FINGERPRINT)
		return !o->meta.cmek_known;
	return false;
}

static CK_RV data_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
		       struct oc_attr_val *v)
{
	const struct oc_secret_meta *m = &o->meta;
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
			oc_attr_val_bytes(v, o->application,
					  o->application_len);
		else
			oc_attr_val_bytes(v, "1claw", 5);
		return CKR_OK;
	case CKA_OBJECT_ID:
		oc_attr_val_bytes(v, o->object_id, o->object_id_len);
		return CKR_OK;
	case CKA_VALUE:
		/* Key material was refused by oc_object_attr. */
		if (!o->have_value)
			return CKR_GENERAL_ERROR; /* callers fetch first */
		oc_attr_val_bytes(v, o->value, o->value_len);
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
	oc_object_drop_value(o);
	meta_free(&o->meta);
	free(o->application);
	free(o->object_id);
}

static const struct oc_object_ops data_ops = {
    .kind = OC_OBJ_DATA,
    .attr = data_attr,
    .needs_fetch = data_needs_fetch,
    .holds_key_material = data_holds_key,
    .may = data_may,
    .free = data_free,
};
