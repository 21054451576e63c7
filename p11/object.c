/* object.c - what every object has, and the rules read from its kind. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "init.h"
#include "object.h"

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

int oc_object_set_bytes(void **dst, size_t *dst_len, const void *p, size_t n)
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
	return oc_object_set_bytes((void **)&o->label, &o->label_len, p, n);
}

int oc_object_set_id(struct oc_object *o, const void *p, size_t n)
{
	return oc_object_set_bytes((void **)&o->id, &o->id_len, p, n);
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

void oc_object_unref_child(struct oc_object *o)
{
	if (o && !atomic_load(&o->linked) && atomic_fetch_sub(&o->refs, 1) == 1)
		object_free(o, true);
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

	/* Key material never leaves the module, whatever the kind, nor
	 * does its sealed form. */
	if ((t == CKA_VALUE || t == CKA_ONECLAW_CMEK_BLOB) &&
	    oc_object_holds_key_material(o))
		return CKR_ATTRIBUTE_SENSITIVE;
	rv = o->ops->attr(o, t, v);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID)
		rv = oc_object_common_attr(o, t, v);
	return rv;
}
