/* secmem.c - page-granular locked allocations for secrets.
 *
 * Each allocation is its own anonymous mapping: a small header holding the
 * mapping length, then the caller's bytes.  The mapping is locked and kept
 * out of core dumps where the system allows; a failure there is logged once
 * and otherwise ignored (RLIMIT_MEMLOCK is often small). */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"
#include "secmem.h"

/* Keeps the user pointer aligned for any type. */
#define HDR_SIZE 16u

static atomic_int lock_warned;
static atomic_int dump_warned;

static size_t page_size(void)
{
	long v = sysconf(_SC_PAGESIZE);

	return v > 0 ? (size_t)v : 4096u;
}

void *oc_secure_alloc(size_t n)
{
	size_t ps = page_size(), total;
	unsigned char *base;
	int e;

	if (n > SIZE_MAX - HDR_SIZE - ps)
		return NULL;
	total = (n + HDR_SIZE + ps - 1) / ps * ps;
	base = mmap(NULL, total, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mlock(base, total) != 0) {
		e = errno;
		if (atomic_exchange(&lock_warned, 1) == 0)
			oc_debug(OC_LOG_CONF,
				 "mlock of %zu bytes failed (%s); secrets may "
				 "be swapped",
				 total, strerror(e));
	}
#ifdef MADV_DONTDUMP
	if (madvise(base, total, MADV_DONTDUMP) != 0) {
		e = errno;
		if (atomic_exchange(&dump_warned, 1) == 0)
			oc_debug(OC_LOG_CONF,
				 "madvise(MADV_DONTDUMP) failed (%s)",
				 strerror(e));
	}
#endif
	memcpy(base, &total, sizeof(total));
	return base + HDR_SIZE;
}

void oc_secure_free(void *p)
{
	unsigned char *base;
	size_t total;

	if (p == NULL)
		return;
	base = (unsigned char *)p - HDR_SIZE;
	memcpy(&total, base, sizeof(total));
	OPENSSL_cleanse(base, total);
	munlock(base, total);
	munmap(base, total);
}

void *oc_secure_dup(const void *p, size_t n)
{
	unsigned char *d;

	if (p == NULL && n != 0)
		return NULL;
	if (n == SIZE_MAX)
		return NULL;
	d = oc_secure_alloc(n + 1);
	if (d == NULL)
		return NULL;
	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

char *oc_secure_strdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return oc_secure_dup(s, strlen(s));
}

void oc_wipe(void *p, size_t n)
{
	if (p != NULL && n != 0)
		OPENSSL_cleanse(p, n);
}

void oc_free_wiped_str(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}
