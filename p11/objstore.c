/* objstore.c - a token's objects, by handle and by label. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ck.h"
#include "err.h"
#include "obj-data.h"
#include "objstore.h"

/* Vault data objects are indexed by path (NULL: o is not one); session
 * data objects may share a label with one and are looked for in the
 * list. */
static const struct oc_obj_data *label_indexed(const struct oc_object *o)
{
	const struct oc_obj_data *d = oc_obj_data(o);

	return d && !o->session_obj ? d : NULL;
}

/* Session data objects count against the session data limits (NULL: o
 * is not one). */
static const struct oc_obj_data *session_data(const struct oc_object *o)
{
	const struct oc_obj_data *d = oc_obj_data(o);

	return d && o->session_obj ? d : NULL;
}

#define SERIAL_BITS 24
#define SERIAL_MASK ((1u << SERIAL_BITS) - 1)

static size_t hash_handle(CK_OBJECT_HANDLE h, size_t cap)
{
	return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

/* FNV-1a. */
static size_t hash_label(const char *s, size_t n, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)h & (cap - 1);
}

void oc_objstore_init(struct oc_objstore *st, CK_SLOT_ID slot)
{
	memset(st, 0, sizeof(*st));
	st->slot = slot;
	st->next_serial = 1;
}

static void unlink_all(struct oc_objstore *st, bool child)
{
	struct oc_object *o = st->head;

	while (o) {
		struct oc_object *next = o->next;

		o->linked = false;
		o->next = o->prev = o->hnext = o->lnext = NULL;
		if (child)
			oc_object_abandon(o);
		else
			oc_object_unref(o);
		o = next;
	}
	free(st->by_handle);
	free(st->by_label);
	st->by_handle = st->by_label = NULL;
	st->hcap = st->lcap = 0;
	st->head = st->tail = NULL;
	st->n = 0;
	st->n_session_data = 0;
	st->session_data_bytes = 0;
}

void oc_objstore_clear(struct oc_objstore *st)
{
	unlink_all(st, false);
}

void oc_objstore_abandon(struct oc_objstore *st)
{
	unlink_all(st, true);
}

static int rehash(struct oc_objstore *st, size_t cap)
{
	struct oc_object **bh = calloc(cap, sizeof(*bh));
	struct oc_object **bl = calloc(cap, sizeof(*bl));

	if (!bh || !bl) {
		free(bh);
		free(bl);
		return OC_ERR_NOMEM;
	}
	for (struct oc_object *o = st->head; o; o = o->next) {
		const struct oc_obj_data *d = label_indexed(o);
		size_t i = hash_handle(o->handle, cap);

		o->hnext = bh[i];
		bh[i] = o;
		if (d) {
			i = hash_label(d->meta.path, strlen(d->meta.path), cap);
			o->lnext = bl[i];
			bl[i] = o;
		}
	}
	free(st->by_handle);
	free(st->by_label);
	st->by_handle = bh;
	st->by_label = bl;
	st->hcap = st->lcap = cap;
	return OC_OK;
}

int oc_objstore_reserve(struct oc_objstore *st, size_t n)
{
	size_t cap = st->hcap ? st->hcap : 64;

	while (cap < n && cap <= SIZE_MAX / 2)
		cap *= 2;
	return cap > st->hcap ? rehash(st, cap) : OC_OK;
}

static CK_OBJECT_HANDLE next_handle(struct oc_objstore *st)
{
	/* Handles are never 0, carry the slot, and skip live values when
	 * the serial wraps. */
	for (;;) {
		uint32_t s = st->next_serial++ & SERIAL_MASK;
		CK_OBJECT_HANDLE h;

		if (s == 0)
			continue;
		h = ((CK_OBJECT_HANDLE)(st->slot + 1) << SERIAL_BITS) | s;
		if (!oc_objstore_get(st, h))
			return h;
	}
}

int oc_objstore_add(struct oc_objstore *st, struct oc_object *o)
{
	const struct oc_obj_data *sd = session_data(o);
	const struct oc_obj_data *ld = label_indexed(o);
	size_t i;

	if (st->n >= SERIAL_MASK - 1)
		return OC_ERR_RANGE;
	if (sd && (st->n_session_data >= OC_P11_MAX_SESSION_DATA ||
		   sd->value_len >
		       OC_P11_MAX_SESSION_DATA_BYTES - st->session_data_bytes))
		return OC_ERR_RANGE;
	if (st->n + 1 > st->hcap) {
		int err = rehash(st, st->hcap ? st->hcap * 2 : 64);

		if (err)
			return err;
	}
	o->handle = next_handle(st);
	o->prev = st->tail;
	o->next = NULL;
	if (st->tail)
		st->tail->next = o;
	else
		st->head = o;
	st->tail = o;
	i = hash_handle(o->handle, st->hcap);
	o->hnext = st->by_handle[i];
	st->by_handle[i] = o;
	if (sd) {
		st->n_session_data++;
		st->session_data_bytes += sd->value_len;
	}
	if (ld) {
		i = hash_label(ld->meta.path, strlen(ld->meta.path), st->lcap);
		o->lnext = st->by_label[i];
		st->by_label[i] = o;
	}
	o->linked = true;
	st->n++;
	return OC_OK;
}

void oc_objstore_remove(struct oc_objstore *st, struct oc_object *o)
{
	const struct oc_obj_data *sd = session_data(o);
	const struct oc_obj_data *ld = label_indexed(o);
	struct oc_object **pp;

	if (!o || !o->linked)
		return;
	pp = &st->by_handle[hash_handle(o->handle, st->hcap)];
	while (*pp && *pp != o)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = o->hnext;
	if (sd) {
		st->n_session_data--;
		st->session_data_bytes -= sd->value_len;
	}
	if (ld) {
		pp = &st->by_label[hash_label(ld->meta.path,
					      strlen(ld->meta.path), st->lcap)];
		while (*pp && *pp != o)
			pp = &(*pp)->lnext;
		if (*pp)
			*pp = o->lnext;
	}
	if (o->prev)
		o->prev->next = o->next;
	else
		st->head = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		st->tail = o->prev;
	o->next = o->prev = o->hnext = o->lnext = NULL;
	o->linked = false;
	st->n--;
	oc_object_unref(o);
}

struct oc_object *oc_objstore_get(const struct oc_objstore *st,
				  CK_OBJECT_HANDLE h)
{
	if (!st->hcap)
		return NULL;
	for (struct oc_object *o = st->by_handle[hash_handle(h, st->hcap)]; o;
	     o = o->hnext)
		if (o->handle == h)
			return o;
	return NULL;
}

struct oc_obj_data *oc_objstore_by_label(const struct oc_objstore *st,
					 const char *path, size_t len)
{
	if (!st->lcap)
		return NULL;
	for (struct oc_object *o =
		 st->by_label[hash_label(path, len, st->lcap)];
	     o; o = o->lnext) {
		struct oc_obj_data *d = oc_obj_data(o);

		if (strlen(d->meta.path) == len &&
		    memcmp(d->meta.path, path, len) == 0)
			return d;
	}
	return NULL;
}
