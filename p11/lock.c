/* lock.c - OS mutexes or the application's mutex callbacks. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "log.h"

/* Each lock on a cache line of its own: two that shared one would make
 * threads on different sessions wait on each other's writes. */
#define LOCK_ALIGN 64

struct oc_lock {
	_Alignas(LOCK_ALIGN) bool app; /* made by the application's
					  CreateMutex */
	void *app_mutex;
	pthread_mutex_t m;
};

/* Set in C_Initialize (serialised by the init lock), read afterwards. */
static CK_C_INITIALIZE_ARGS app_cb;
static bool use_app;

CK_RV oc_lock_setup(const CK_C_INITIALIZE_ARGS *args)
{
	int n;

	use_app = false;
	if (!args)
		return CKR_OK;
	n = !!args->CreateMutex + !!args->DestroyMutex + !!args->LockMutex +
	    !!args->UnlockMutex;
	if (n != 0 && n != 4)
		return CKR_ARGUMENTS_BAD;
	/* With CKF_OS_LOCKING_OK the library may choose: OS locks.  Without
	 * it, supplied callbacks must be used; with neither, the
	 * application is single-threaded and OS locks cost nothing. */
	if (n == 4 && !(args->flags & CKF_OS_LOCKING_OK)) {
		app_cb = *args;
		use_app = true;
	}
	return CKR_OK;
}

void oc_lock_reset(void)
{
	use_app = false;
}

CK_RV oc_lock_new(struct oc_lock **out)
{
	struct oc_lock *l = aligned_alloc(LOCK_ALIGN, sizeof(*l));

	if (!l)
		return CKR_HOST_MEMORY;
	memset(l, 0, sizeof(*l));
	if (use_app) {
		CK_RV rv = app_cb.CreateMutex(&l->app_mutex);

		if (rv != CKR_OK) {
			free(l);
			return rv == CKR_HOST_MEMORY ? rv : CKR_CANT_LOCK;
		}
		l->app = true;
	} else if (pthread_mutex_init(&l->m, NULL) != 0) {
		free(l);
		return CKR_CANT_LOCK;
	}
	*out = l;
	return CKR_OK;
}

void oc_lock_free(struct oc_lock *l)
{
	if (!l)
		return;
	if (l->app) {
		if (use_app)
			app_cb.DestroyMutex(l->app_mutex);
	} else {
		pthread_mutex_destroy(&l->m);
	}
	free(l);
}

void oc_lock_take(struct oc_lock *l)
{
	if (l->app) {
		if (app_cb.LockMutex(l->app_mutex) != CKR_OK)
			oc_debug(OC_LOG_P11, "application LockMutex failed");
		return;
	}
	pthread_mutex_lock(&l->m);
}

bool oc_lock_can_try(void)
{
	return !use_app;
}

bool oc_lock_try(struct oc_lock *l)
{
	return !l->app && pthread_mutex_trylock(&l->m) == 0;
}

void oc_lock_release(struct oc_lock *l)
{
	if (l->app) {
		if (app_cb.UnlockMutex(l->app_mutex) != CKR_OK)
			oc_debug(OC_LOG_P11, "application UnlockMutex failed");
		return;
	}
	pthread_mutex_unlock(&l->m);
}
