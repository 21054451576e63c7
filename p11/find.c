/* find.c - object search over the token's cached index. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "find.h"
#include "obj-data.h"
#include "object.h"
#include "objstore.h"
#include "session.h"
#include "token.h"

void oc_find_clear(struct oc_find *f)
{
	free(f->hits);
	memset(f, 0, sizeof(*f));
}

/* 1: matches, 0: does not, -1: cannot tell before the value is fetched. */
static int match(const struct oc_object *o, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	int r = 1;

	if (!oc_token_visible(o))
		return 0;
	for (CK_ULONG i = 0; i < n; i++) {
		struct oc_attr_val v = {0};

		if (oc_object_needs_fetch(o, t[i].type)) {
			r = -1;
			continue;
		}
		if (oc_object_attr((void *)o, t[i].type, &v) != CKR_OK ||
		    !oc_attr_match(&t[i], &v))
			return 0;
	}
	return r;
}

struct cand {
	CK_OBJECT_HANDLE h;
	bool pending;
};

static CK_RV add(struct cand **v, size_t *n, size_t *cap, CK_OBJECT_HANDLE h,
		 bool pending)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct cand *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return CKR_HOST_MEMORY;
		*v = nv;
		*cap = nc;
	}
	(*v)[*n].h = h;
	(*v)[*n].pending = pending;
	(*n)++;
	return CKR_OK;
}

/* The label of a template that asks for one data object by its path,
 * or NULL: only that secret need be known, not the vault's list. */
static const CK_ATTRIBUTE *by_path(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *label = oc_attr_find(t, n, CKA_LABEL);
	const CK_ATTRIBUTE *cls = oc_attr_find(t, n, CKA_CLASS);
	CK_ULONG want;

	if (!label || !label->pValue || !label->ulValueLen || !cls ||
	    oc_attr_ulong(cls, &want) != CKR_OK || want != CKO_DATA)
		return NULL;
	return label;
}

static CK_RV collect(struct oc_token *tok, const CK_ATTRIBUTE *t, CK_ULONG n,
		     struct cand **v, size_t *nv, size_t *cap)
{
	const CK_ATTRIBUTE *label = oc_attr_find(t, n, CKA_LABEL);
	const CK_ATTRIBUTE *cls = oc_attr_find(t, n, CKA_CLASS);
	CK_ULONG want;
	CK_RV rv = CKR_OK;
	int m;

	oc_lock_take(tok->lock);
	if (label && cls && oc_attr_ulong(cls, &want) == CKR_OK &&
	    want == CKO_DATA) {
		/* The common "read object by label" case: the index. */
		struct oc_obj_data *d = oc_objstore_by_label(
		    &tok->store, label->pValue ? label->pValue : "",
		    label->ulValueLen);
		struct oc_object *o;

		if (d && (m = match(&d->obj, t, n)) != 0)
			rv = add(v, nv, cap, d->obj.handle, m < 0);
		/* Session data objects are not in the index. */
		for (o = tok->store.n_session_data ? tok->store.head : NULL;
		     o && rv == CKR_OK; o = o->next)
			if (oc_obj_data(o) && o->session_obj &&
			    (m = match(o, t, n)) != 0)
				rv = add(v, nv, cap, o->handle, m < 0);
	} else {
		for (struct oc_object *o = tok->store.head; o && rv == CKR_OK;
		     o = o->next)
			if ((m = match(o, t, n)) != 0)
				rv = add(v, nv, cap, o->handle, m < 0);
	}
	oc_lock_release(tok->lock);
	return rv;
}

CK_RV oc_find_init(struct oc_session *s, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	struct oc_token *tok = s->tok;
	const CK_ATTRIBUTE *path;
	struct cand *v = NULL;
	size_t nv = 0, cap = 0, k = 0;
	CK_RV rv;

	if (s->find.active)
		return CKR_OPERATION_ACTIVE;
	rv = oc_attr_check(t, n);
	if (rv != CKR_OK)
		return rv;
	path = by_path(t, n);
	rv = path ? oc_token_lookup(tok, path->pValue, path->ulValueLen)
		  : oc_token_sync(tok);
	if (rv != CKR_OK)
		return rv;
	rv = collect(tok, t, n, &v, &nv, &cap);
	if (rv != CKR_OK)
		goto out;

	/* Candidates that need their value (CKA_VALUE in the template):
	 * fetch, then decide. */
	for (size_t i = 0; i < nv; i++) {
		struct oc_object *o;
		bool keep = true;

		if (v[i].pending) {
			rv = oc_token_fetch(tok, v[i].h);
			if (rv == CKR_OBJECT_HANDLE_INVALID ||
			    rv == CKR_ONECLAW_NOT_SEALED) {
				rv = CKR_OK; /* gone meanwhile, or refused */
				continue;
			}
			if (rv != CKR_OK)
				goto out;
			oc_lock_take(tok->lock);
			o = oc_token_find_locked(tok, v[i].h);
			keep = o && match(o, t, n) == 1;
			oc_lock_release(tok->lock);
		}
		if (keep)
			v[k++].h = v[i].h;
	}

	s->find.hits = calloc(k ? k : 1, sizeof(CK_OBJECT_HANDLE));
	if (!s->find.hits) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		s->find.hits[i] = v[i].h;
	s->find.n = k;
	s->find.pos = 0;
	s->find.active = true;
out:
	free(v);
	return rv;
}

CK_RV oc_find_next(struct oc_session *s, CK_OBJECT_HANDLE *out, CK_ULONG max,
		   CK_ULONG *count)
{
	struct oc_find *f = &s->find;
	CK_ULONG c = 0;

	if (!f->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	while (c < max && f->pos < f->n)
		out[c++] = f->hits[f->pos++];
	*count = c;
	return CKR_OK;
}

CK_RV oc_find_final(struct oc_session *s)
{
	if (!s->find.active)
		return CKR_OPERATION_NOT_INITIALIZED;
	oc_find_clear(&s->find);
	return CKR_OK;
}
