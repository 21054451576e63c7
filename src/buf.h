/* buf.h - a bounded, growable byte buffer.
 *
 * A buffer marked secret never leaves a copy behind: growth allocates anew,
 * copies, and wipes the old block; reset and free wipe.  The data is always
 * followed by a NUL byte (not counted in len), so text can be used as a C
 * string. */
#ifndef OC_BUF_H
#define OC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct oc_buf {
	unsigned char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len; OC_ERR_RANGE past it */
	bool secret;
};

void oc_buf_init(struct oc_buf *b, size_t max, bool secret);
/* OC_ERR_RANGE (nothing appended) when len + n would exceed max. */
int oc_buf_append(struct oc_buf *b, const void *p, size_t n);
int oc_buf_append_str(struct oc_buf *b, const char *s);
int oc_buf_printf(struct oc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int oc_buf_reserve(struct oc_buf *b, size_t n);
/* Empties (wiping when secret) but keeps the allocation. */
void oc_buf_reset(struct oc_buf *b);
/* Wipes when secret and frees; the struct is left as after init. */
void oc_buf_free(struct oc_buf *b);
/* Hands the data to the caller: free it with free(), or with
 * oc_secure_free() when the buffer is secret (secret buffers are backed by
 * oc_secure_alloc).  The buffer is left empty.  Never NULL on success: an
 * empty buffer yields a 1-byte allocation holding NUL. */
unsigned char *oc_buf_steal(struct oc_buf *b, size_t *len);

#endif
