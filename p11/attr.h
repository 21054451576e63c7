/* attr.h - attribute templates: the one implementation of the buffer-size
 * protocol, template reading and checking, deep copies for find.
 *
 * An attribute value is produced by a getter into a struct oc_attr_val
 * (pointing at the object's bytes or at the small storage inside the
 * struct); oc_attr_fill() copies a whole template out with per-attribute
 * errors exactly as C_GetAttributeValue must. */
#ifndef OC_P11_ATTR_H
#define OC_P11_ATTR_H

#include <stdbool.h>

#include "ck.h"

struct oc_attr_val {
	const void *p;
	CK_ULONG len;
	bool is_bool;
	union {
		CK_BBOOL b;
		CK_ULONG ul;
		unsigned char bytes[64];
		CK_MECHANISM_TYPE mechs[8];
	} u;
};

void oc_attr_val_bool(struct oc_attr_val *v, bool b);
void oc_attr_val_ulong(struct oc_attr_val *v, CK_ULONG x);
/* Points at p (not copied): p must outlive the use of v. */
void oc_attr_val_bytes(struct oc_attr_val *v, const void *p, CK_ULONG len);
/* Copies len (<= sizeof u.bytes) bytes into v. */
void oc_attr_val_copy(struct oc_attr_val *v, const void *p, CK_ULONG len);

/* A getter answers one attribute: CKR_OK with *v set,
 * CKR_ATTRIBUTE_SENSITIVE, or CKR_ATTRIBUTE_TYPE_INVALID. */
typedef CK_RV (*oc_attr_getter)(void *ctx, CK_ATTRIBUTE_TYPE type,
				struct oc_attr_val *v);

/* The buffer-size protocol for one attribute: NULL pValue -> ulValueLen is
 * the length; a buffer too short -> CKR_BUFFER_TOO_SMALL and ulValueLen =
 * CK_UNAVAILABLE_INFORMATION; else the bytes are copied. */
CK_RV oc_attr_put(CK_ATTRIBUTE *a, const void *v, CK_ULONG len);

/* C_GetAttributeValue over a template: every attribute is answered; the
 * failing ones get ulValueLen = CK_UNAVAILABLE_INFORMATION while the others
 * are still filled; the first failure is returned. */
CK_RV oc_attr_fill(CK_ATTRIBUTE *tmpl, CK_ULONG n, oc_attr_getter get,
		   void *ctx);

/* The same buffer-size protocol for plain output buffers (C_Encrypt,
 * C_Sign, ...): out NULL -> *out_len = need, CKR_OK; *out_len < need ->
 * *out_len = need, CKR_BUFFER_TOO_SMALL; else CKR_OK and the caller
 * writes.  *ready tells the caller whether to produce the output. */
CK_RV oc_attr_out_len(CK_BYTE *out, CK_ULONG *out_len, CK_ULONG need,
		      bool *ready);

/* Template checks: n bounded, pTemplate non-NULL when n > 0, a value
 * pointer non-NULL when its length is non-zero, no attribute twice. */
CK_RV oc_attr_check(const CK_ATTRIBUTE *t, CK_ULONG n);
const CK_ATTRIBUTE *oc_attr_find(const CK_ATTRIBUTE *t, CK_ULONG n,
				 CK_ATTRIBUTE_TYPE type);
/* Typed reads of a template attribute: wrong size or value ->
 * CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV oc_attr_bool(const CK_ATTRIBUTE *a, bool *out);
CK_RV oc_attr_ulong(const CK_ATTRIBUTE *a, CK_ULONG *out);

/* Does the object's value v equal the template's a?  Booleans compare by
 * truth value. */
bool oc_attr_match(const CK_ATTRIBUTE *a, const struct oc_attr_val *v);

/* Fills a fixed-size, blank-padded UTF-8 field of an info struct (token
 * label, manufacturer, ...): truncated at a character boundary, control
 * characters as blanks, no NUL. */
void oc_attr_pad(CK_UTF8CHAR *dst, size_t size, const char *src, size_t len);

/* Deep copy of a template (for find); values are wiped when freed. */
CK_RV oc_attr_dup(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE **out);
void oc_attr_free(CK_ATTRIBUTE *t, CK_ULONG n);

/* Whether t is an attribute type PKCS#11 (up to 3.0) or this module's
 * vendor header defines: a defined type that does not fit an object makes a
 * template inconsistent, an undefined one is CKR_ATTRIBUTE_TYPE_INVALID. */
bool oc_attr_type_defined(CK_ATTRIBUTE_TYPE t);

#endif
