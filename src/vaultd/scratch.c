/* scratch.c - one locked page per thread, released at thread exit. */
#include "config.h"

#include "scratch.h"

#include <pthread.h>

#include "secmem.h"

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void release(void *p)
{
	oc_secure_free(p);
}

static void init(void)
{
	key_ok = pthread_key_create(&key, release) == 0;
}

uint8_t *oc_scratch(enum oc_scratch_slot slot)
{
	uint8_t *page;

	pthread_once(&once, init);
	if (!key_ok || slot >= OC_SCRATCH_SLOTS)
		return NULL;
	page = pthread_getspecific(key);
	if (!page) {
		page = oc_secure_alloc(OC_SCRATCH_SLOTS * OC_SCRATCH_SLOT_SIZE);
		if (!page)
			return NULL;
		if (pthread_setspecific(key, page) != 0) {
			oc_secure_free(page);
			return NULL;
		}
	}
	return page + (size_t)slot * OC_SCRATCH_SLOT_SIZE;
}
