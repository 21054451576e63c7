/* objstore.h - a token's objects.
 *
 * The store indexes objects by handle and vault data objects by label
 * (the secret path), so find answers from memory.  It holds one reference
 * to each object it links.  The store itself is protected by its token's
 * lock. */
#ifndef OC_P11_OBJSTORE_H
#define OC_P11_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "ck.h"
#include "object.h"

struct oc_obj_data;

struct oc_objstore {
	struct oc_object *head, *tail;
	struct oc_object **by_handle;
	size_t hcap;
	struct oc_object **by_label;
	size_t lcap;
	size_t n;
	size_t n_session_data; /* session data objects (not label-indexed) */
	size_t session_data_bytes; /* ... and the bytes of their values */
	uint32_t next_serial;
	CK_SLOT_ID slot;
};

void oc_objstore_init(struct oc_objstore *st, CK_SLOT_ID slot);
/* Unlinks and unrefs every object. */
void oc_objstore_clear(struct oc_objstore *st);
/* The same in a child after fork: delegated keys are not touched. */
void oc_objstore_abandon(struct oc_objstore *st);
/* Assigns the handle and links the object (the store takes the caller's
 * reference).  OC_ERR_RANGE past the session data limits (ck.h). */
int oc_objstore_add(struct oc_objstore *st, struct oc_object *o);
/* Room for n objects without growing the indexes again. */
int oc_objstore_reserve(struct oc_objstore *st, size_t n);
/* Unlinks and drops the store's reference. */
void oc_objstore_remove(struct oc_objstore *st, struct oc_object *o);
struct oc_object *oc_objstore_get(const struct oc_objstore *st,
				  CK_OBJECT_HANDLE h);
/* The vault data object with this path, or NULL (session data objects
 * are not indexed: look through the store when n_session_data). */
struct oc_obj_data *oc_objstore_by_label(const struct oc_objstore *st,
					 const char *path, size_t len);

#endif
