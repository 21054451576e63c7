/* secmem.h - memory for secrets: locked best-effort, never in core dumps,
 * wiped before it is released. */
#ifndef OC_SECMEM_H
#define OC_SECMEM_H

#include <stddef.h>

/* Zeroed allocation; mlock() and MADV_DONTDUMP are attempted and a failure
 * is logged once (debug category conf), never fatal.  NULL when n == 0 is
 * not special: returns a valid pointer.  NULL only on OOM. */
void *oc_secure_alloc(size_t n);
/* Wipes and frees memory from oc_secure_alloc; NULL-safe.  The size is
 * remembered by the allocator, the caller need not pass it. */
void oc_secure_free(void *p);
/* Copies n bytes into a new secure allocation (plus a NUL, for strings). */
void *oc_secure_dup(const void *p, size_t n);
char *oc_secure_strdup(const char *s);
/* OPENSSL_cleanse; never optimised away. */
void oc_wipe(void *p, size_t n);
/* Wipes a heap string with strlen() and frees it with free(); NULL-safe. */
void oc_free_wiped_str(char *s);

#endif
