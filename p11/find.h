/* find.h - C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal.
 *
 * Answered from the token's cached index: one list request per vault (when
 * the cache is stale), never a request per object.  The hits are taken at
 * init (a snapshot); CKA_VALUE in a template makes the candidates' values
 * be fetched, since the value is only compared once known. */
#ifndef OC_P11_FIND_H
#define OC_P11_FIND_H

#include <stdbool.h>
#include <stddef.h>

#include "ck.h"

struct oc_session;

struct oc_find {
	bool active;
	CK_OBJECT_HANDLE *hits;
	size_t n;
	size_t pos;
};

CK_RV oc_find_init(struct oc_session *s, const CK_ATTRIBUTE *t, CK_ULONG n);
CK_RV oc_find_next(struct oc_session *s, CK_OBJECT_HANDLE *out, CK_ULONG max,
		   CK_ULONG *count);
CK_RV oc_find_final(struct oc_session *s);
void oc_find_clear(struct oc_find *f);

#endif
