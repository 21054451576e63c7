/* buf.c - a bounded, growable byte buffer; secret ones never leave a copy. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"

#define MIN_CAP 64u

void oc_buf_init(struct oc_buf *b, size_t max, bool secret)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->secret = secret;
}

/* Makes room for n more bytes plus the trailing NUL. */
int oc_buf_reserve(struct oc_buf *b, size_t n)
{
	size_t need, cap;
	unsigned char *d;

	if (b == NULL)
		return OC_ERR_ARGS;
	if (n > SIZE_MAX - 1 - b->len || b->len + n > b->max)
		return OC_ERR_RANGE;
	need = b->len + n + 1;
	if (b->data != NULL && need <= b->cap)
		return OC_OK;
	cap = b->cap > SIZE_MAX / 2 ? SIZE_MAX : b->cap * 2;
	if (cap < need)
		cap = need;
	if (cap < MIN_CAP)
		cap = MIN_CAP;
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	if (b->secret) {
		d = oc_secure_alloc(cap);
		if (d == NULL)
			return OC_ERR_NOMEM;
		if (b->data != NULL)
			memcpy(d, b->data, b->len + 1);
		oc_secure_free(b->data);
	} else {
		d = realloc(b->data, cap);
		if (d == NULL)
			return OC_ERR_NOMEM;
	}
	if (b->data == NULL)
		d[0] = '\0';
	b->data = d;
	b->cap = cap;
	return OC_OK;
}

int oc_buf_append(struct oc_buf *b, const void *p, size_t n)
{
	int rc;

	if (b == NULL || (p == NULL && n != 0))
		return OC_ERR_ARGS;
	rc = oc_buf_reserve(b, n);
	if (rc != OC_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return OC_OK;
}

int oc_buf_append_str(struct oc_buf *b, const char *s)
{
	if (s == NULL)
		return OC_ERR_ARGS;
	return oc_buf_append(b, s, strlen(s));
}

int oc_buf_printf(struct oc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	if (b == NULL || fmt == NULL)
		return OC_ERR_ARGS;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return OC_ERR_ARGS;
	rc = oc_buf_reserve(b, (size_t)n);
	if (rc != OC_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return OC_OK;
}

void oc_buf_reset(struct oc_buf *b)
{
	if (b == NULL || b->data == NULL)
		return;
	if (b->secret)
		oc_wipe(b->data, b->cap);
	b->len = 0;
	b->data[0] = '\0';
}

void oc_buf_free(struct oc_buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		if (b->secret) {
			oc_secure_free(b->data);
		} else {
			free(b->data);
		}
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

unsigned char *oc_buf_steal(struct oc_buf *b, size_t *len)
{
	unsigned char *d;

	if (b == NULL)
		return NULL;
	if (b->data == NULL) {
		d = b->secret ? oc_secure_alloc(1) : malloc(1);
		if (d == NULL)
			return NULL;
		d[0] = '\0';
	} else {
		d = b->data;
	}
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return d;
}
