/* attr.c - templates and the buffer-size protocol. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "rv.h"
#include "oneclaw-pkcs11.h"
#include "secmem.h"

void oc_attr_val_bool(struct oc_attr_val *v, bool b)
{
	v->u.b = b ? CK_TRUE : CK_FALSE;
	v->p = &v->u.b;
	v->len = sizeof(CK_BBOOL);
	v->is_bool = true;
}

void oc_attr_val_ulong(struct oc_attr_val *v, CK_ULONG x)
{
	v->u.ul = x;
	v->p = &v->u.ul;
	v->len = sizeof(CK_ULONG);
	v->is_bool = false;
}

void oc_attr_val_bytes(struct oc_attr_val *v, const void *p, CK_ULONG len)
{
	v->p = len ? p : "";
	v->len = len;
	v->is_bool = false;
}

void oc_attr_val_copy(struct oc_attr_val *v, const void *p, CK_ULONG len)
{
	if (len > sizeof(v->u.bytes))
		len = sizeof(v->u.bytes);
	if (len)
		memcpy(v->u.bytes, p, len);
	v->p = v->u.bytes;
	v->len = len;
	v->is_bool = false;
}

CK_RV oc_attr_put(CK_ATTRIBUTE *a, const void *v, CK_ULONG len)
{
	if (!a->pValue) {
		a->ulValueLen = len;
		return CKR_OK;
	}
	if (a->ulValueLen < len) {
		a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (len)
		memcpy(a->pValue, v, len);
	a->ulValueLen = len;
	return CKR_OK;
}

CK_RV oc_attr_fill(CK_ATTRIBUTE *tmpl, CK_ULONG n, oc_attr_getter get,
		   void *ctx)
{
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < n; i++) {
		struct oc_attr_val v = {0};
		CK_RV r = get(ctx, tmpl[i].type, &v);

		if (r == CKR_OK)
			r = oc_attr_put(&tmpl[i], v.p, v.len);
		else
			tmpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		if (r != CKR_OK && rv == CKR_OK) {
			rv = r;
			oc_rv_cause_attr(tmpl[i].type);
		}
	}
	return rv;
}

CK_RV oc_attr_out_len(CK_BYTE *out, CK_ULONG *out_len, CK_ULONG need,
		      bool *ready)
{
	*ready = false;
	if (!out) {
		*out_len = need;
		return CKR_OK;
	}
	if (*out_len < need) {
		*out_len = need;
		return CKR_BUFFER_TOO_SMALL;
	}
	*ready = true;
	return CKR_OK;
}

CK_RV oc_attr_check(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	if (n > OC_P11_MAX_TEMPLATE)
		return CKR_TEMPLATE_INCONSISTENT;
	if (n && !t)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_RV rv = CKR_OK;

		if (t[i].ulValueLen && !t[i].pValue)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		else if (t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		for (CK_ULONG j = 0; j < i && rv == CKR_OK; j++)
			if (t[j].type == t[i].type)
				rv = CKR_TEMPLATE_INCONSISTENT;
		if (rv != CKR_OK) {
			oc_rv_cause_attr(t[i].type);
			return rv;
		}
	}
	return CKR_OK;
}

const CK_ATTRIBUTE *oc_attr_find(const CK_ATTRIBUTE *t, CK_ULONG n,
				 CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

CK_RV oc_attr_bool(const CK_ATTRIBUTE *a, bool *out)
{
	CK_BBOOL b;

	if (!a->pValue || a->ulValueLen != sizeof(CK_BBOOL)) {
		oc_rv_cause_attr(a->type);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	memcpy(&b, a->pValue, sizeof(b));
	if (b != CK_TRUE && b != CK_FALSE) {
		oc_rv_cause_attr(a->type);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	*out = b == CK_TRUE;
	return CKR_OK;
}

CK_RV oc_attr_ulong(const CK_ATTRIBUTE *a, CK_ULONG *out)
{
	if (!a->pValue || a->ulValueLen != sizeof(CK_ULONG)) {
		oc_rv_cause_attr(a->type);
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	memcpy(out, a->pValue, sizeof(*out));
	return CKR_OK;
}

bool oc_attr_match(const CK_ATTRIBUTE *a, const struct oc_attr_val *v)
{
	if (a->ulValueLen != v->len)
		return false;
	if (v->is_bool && a->ulValueLen == sizeof(CK_BBOOL)) {
		CK_BBOOL x = *(const CK_BBOOL *)a->pValue;

		return (x != CK_FALSE) == (v->u.b != CK_FALSE);
	}
	return v->len == 0 || memcmp(a->pValue, v->p, v->len) == 0;
}

void oc_attr_pad(CK_UTF8CHAR *dst, size_t size, const char *src, size_t len)
{
	size_t n = len < size ? len : size;

	/* Never cut a multi-byte UTF-8 character: back off continuation
	 * bytes, then the lead byte of the cut character. */
	if (n < len) {
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memset(dst, ' ', size);
	if (n)
		memcpy(dst, src, n);
	/* Labels come from the server: a newline, tab or C1 control (U+0080
	 * to U+009F, two bytes in UTF-8) would break the line a client
	 * prints, or drive its terminal. */
	for (size_t i = 0; i < n; i++) {
		if (dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
		else if (dst[i] == 0xc2 && i + 1 < n && dst[i + 1] >= 0x80 &&
			 dst[i + 1] <= 0x9f)
			dst[i] = dst[i + 1] = ' ';
	}
}

CK_RV oc_attr_dup(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE **out)
{
	CK_ATTRIBUTE *c = NULL;
	CK_RV rv = oc_attr_check(t, n);

	if (rv != CKR_OK)
		return rv;
	if (n == 0) {
		*out = NULL;
		return CKR_OK;
	}
	c = calloc(n, sizeof(*c));
	if (!c)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0; i < n; i++) {
		c[i].type = t[i].type;
		if (t[i].ulValueLen > OC_P11_MAX_ATTR &&
		    t[i].type != CKA_VALUE) {
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
			goto out;
		}
		/* Secure memory: a find template may carry a secret value. */
		c[i].pValue = oc_secure_dup(t[i].pValue ? t[i].pValue : "",
					    t[i].ulValueLen);
		if (!c[i].pValue) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		c[i].ulValueLen = t[i].ulValueLen;
	}
	*out = c;
	c = NULL;
	rv = CKR_OK;
out:
	oc_attr_free(c, n);
	return rv;
}

void oc_attr_free(CK_ATTRIBUTE *t, CK_ULONG n)
{
	if (!t)
		return;
	for (CK_ULONG i = 0; i < n; i++)
		oc_secure_free(t[i].pValue);
	free(t);
}

bool oc_attr_type_defined(CK_ATTRIBUTE_TYPE t)
{
	/* The specification assigns 0x000..0x61f (array attributes carry
	 * CKF_ARRAY_ATTRIBUTE); the vendor attributes sit at 0x8C1A0001..8. */
	CK_ATTRIBUTE_TYPE base = t & ~(CK_ATTRIBUTE_TYPE)CKF_ARRAY_ATTRIBUTE;

	if (t >= CKA_ONECLAW_CMEK_ENCRYPTED && t <= CKA_ONECLAW_CMEK_BLOB)
		return true;
	return base <= 0x61fUL;
}
