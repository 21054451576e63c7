/* secmem.c - locked allocations for secrets.
 *
 * Small secrets (keys, tokens, PINs, most values) come from slabs: locked
 * regions carved into chunks of a few fixed sizes, kept on a free list per
 * size and reused, so an allocation costs a list pop instead of an mmap,
 * an mlock and a munmap.  Larger ones are an anonymous mapping each.  Both
 * are locked and kept out of core dumps where the system allows; a failure
 * there is logged once and otherwise ignored (RLIMIT_MEMLOCK is often
 * small).  Every chunk and mapping is wiped when it is freed.
 *
 * Each allocation starts with a 16-byte header: its slab (NULL for a
 * mapping of its own, whose length sits in the 16 bytes before), then a
 * word that holds HDR_LIVE while the memory is in use and the next free
 * chunk while it is not, so a double free is caught, not obeyed.  Free
 * chunks are poisoned for ASan and valgrind, so a use after free is still
 * reported as one.  When the module is unloaded, every slab none of whose
 * chunks is in use is unmapped; one still in use is left mapped, since a
 * host may hold on to it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
#include <valgrind/memcheck.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#define OC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OC_ASAN 1
#endif
#endif
#ifdef OC_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "log.h"
#include "secmem.h"

/* Keeps the user pointer aligned for any type. */
#define HDR_SIZE 16u
#define HDR_LIVE ((uintptr_t)0x6f6373656d4c4956u)
/* Chunk sizes (header included) of the slabs: 64 bytes to 2 KiB.  A
 * larger request gets a mapping of its own. */
#define CLASS_MIN_SHIFT 6u
#define CLASSES		6u
#define CLASS_MAX	(1u << (CLASS_MIN_SHIFT + CLASSES - 1))
/* A slab is this many bytes: its own header, then chunks of one size. */
#define SLAB_BYTES (64u * 1024u)
#define SLAB_HDR   64u

struct slab {
	struct slab *next; /* every slab, for the release at unload */
	size_t live;	   /* chunks in use */
	unsigned cls;	   /* chunks of class_size(cls) bytes */
};

struct hdr {
	struct slab *slab; /* NULL: a mapping of its own */
	uintptr_t state;   /* HDR_LIVE, or the next free chunk */
};

static atomic_int lock_warned;
static atomic_int dump_warned;

static pthread_mutex_t slab_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t slab_once = PTHREAD_ONCE_INIT;
static struct hdr *free_list[CLASSES];
static struct slab *slabs;

/* A fork while another thread holds the slab lock would leave it held in
 * the child for good: the lock is taken around fork, like malloc's. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&slab_mutex);
}

static void fork_release(void)
{
	pthread_mutex_unlock(&slab_mutex);
}

static void slab_setup(void)
{
	if (pthread_atfork(fork_prepare, fork_release, fork_release) != 0)
		oc_debug(OC_LOG_MEM, "pthread_atfork failed; a fork during "
				     "a secret allocation may hang the child");
}

static void mark_free(void *p, size_t n)
{
#ifdef OC_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#endif
#ifdef HAVE_VALGRIND_MEMCHECK_H
	VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
	(void)p;
	(void)n;
}

static void mark_live(void *p, size_t n)
{
#ifdef OC_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#ifdef HAVE_VALGRIND_MEMCHECK_H
	VALGRIND_MAKE_MEM_UNDEFINED(p, n);
#endif
	(void)p;
	(void)n;
}

static size_t page_size(void)
{
	long v = sysconf(_SC_PAGESIZE);

	return v > 0 ? (size_t)v : 4096u;
}

/* A fresh, zeroed, locked, undumpable mapping of total bytes. */
static void *map_locked(size_t total)
{
	void *base;
	int e;

	base = mmap(NULL, total, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mlock(base, total) != 0) {
		e = errno;
		if (atomic_exchange(&lock_warned, 1) == 0)
			oc_debug(OC_LOG_MEM,
				 "mlock of %zu bytes failed (%s); secrets may "
				 "be swapped",
				 total, strerror(e));
	}
#ifdef MADV_DONTDUMP
	if (madvise(base, total, MADV_DONTDUMP) != 0) {
		e = errno;
		if (atomic_exchange(&dump_warned, 1) == 0)
			oc_debug(OC_LOG_MEM,
				 "madvise(MADV_DONTDUMP) failed (%s)",
				 strerror(e));
	}
#endif
	return base;
}

/* The chunk size of class c, header included. */
static size_t class_size(unsigned c)
{
	return (size_t)1 << (CLASS_MIN_SHIFT + c);
}

/* The class whose chunks hold n bytes after the header. */
static unsigned class_of(size_t n)
{
	unsigned c = 0;

	while (class_size(c) < n + HDR_SIZE)
		c++;
	return c;
}

/* Carves a new slab into free chunks of class c.  Slab lock held. */
static int slab_grow(unsigned c)
{
	size_t size = class_size(c), off;
	unsigned char *base = map_locked(SLAB_BYTES);
	struct slab *sl = (struct slab *)(void *)base;

	if (base == NULL)
		return -1;
	sl->live = 0;
	sl->cls = c;
	sl->next = slabs;
	slabs = sl;
	for (off = SLAB_BYTES; off - SLAB_HDR >= size; off -= size) {
		struct hdr *h = (struct hdr *)(void *)(base + off - size);

		h->slab = sl;
		h->state = (uintptr_t)free_list[c];
		free_list[c] = h;
		mark_free(h + 1, size - HDR_SIZE);
	}
	return 0;
}

/* At unload (dlclose of the module, or exit): unmaps every slab with no
 * chunk in use and starts the free lists afresh; a slab still in use
 * stays, with its free chunks, reachable from nothing but live pointers.
 * Free chunks were wiped when they were freed. */
__attribute__((destructor)) static void slab_release(void)
{
	struct slab *sl, *next, *kept = NULL;
	unsigned c;

	pthread_mutex_lock(&slab_mutex);
	for (c = 0; c < CLASSES; c++)
		free_list[c] = NULL;
	for (sl = slabs; sl != NULL; sl = next) {
		next = sl->next;
		if (sl->live != 0) {
			sl->next = kept;
			kept = sl;
			continue;
		}
		/* ASan's shadow outlives the mapping: a later one at the
		 * same address must not start poisoned. */
		mark_live(sl, SLAB_BYTES);
		munlock(sl, SLAB_BYTES);
		munmap(sl, SLAB_BYTES);
	}
	slabs = kept;
	pthread_mutex_unlock(&slab_mutex);
}

static void *slab_alloc(size_t n)
{
	unsigned c = class_of(n);
	struct hdr *h = NULL;

	pthread_once(&slab_once, slab_setup);
	pthread_mutex_lock(&slab_mutex);
	if (free_list[c] != NULL || slab_grow(c) == 0) {
		h = free_list[c];
		free_list[c] = (struct hdr *)h->state;
		h->state = HDR_LIVE;
		h->slab->live++;
	}
	pthread_mutex_unlock(&slab_mutex);
	if (h == NULL)
		return NULL;
	mark_live(h + 1, class_size(c) - HDR_SIZE);
	memset(h + 1, 0, class_size(c) - HDR_SIZE);
	return h + 1;
}

static void slab_free(struct hdr *h)
{
	struct slab *sl = h->slab;
	size_t n = class_size(sl->cls) - HDR_SIZE;

	OPENSSL_cleanse(h + 1, n);
	mark_free(h + 1, n);
	pthread_mutex_lock(&slab_mutex);
	h->state = (uintptr_t)free_list[sl->cls];
	free_list[sl->cls] = h;
	sl->live--;
	pthread_mutex_unlock(&slab_mutex);
}

void *oc_secure_alloc(size_t n)
{
	size_t ps = page_size(), total;
	unsigned char *base;
	struct hdr *h;

	if (n <= CLASS_MAX - HDR_SIZE)
		return slab_alloc(n);
	if (n > SIZE_MAX - 2 * HDR_SIZE - ps)
		return NULL;
	/* The mapping's length, then the header, then the caller's bytes. */
	total = (n + 2 * HDR_SIZE + ps - 1) / ps * ps;
	base = map_locked(total);
	if (base == NULL)
		return NULL;
	memcpy(base, &total, sizeof(total));
	h = (struct hdr *)(void *)(base + HDR_SIZE);
	h->slab = NULL;
	h->state = HDR_LIVE;
	return h + 1;
}

void oc_secure_free(void *p)
{
	unsigned char *base;
	struct hdr *h;
	size_t total;

	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	/* Freeing twice, or what this allocator never returned, would
	 * corrupt the free list: stop here rather than later. */
	if (h->state != HDR_LIVE)
		abort();
	if (h->slab != NULL) {
		slab_free(h);
		return;
	}
	base = (unsigned char *)h - HDR_SIZE;
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
