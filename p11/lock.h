/* lock.h - the module's mutexes: OS (pthread) mutexes, or the
 * application's callbacks from C_Initialize when it asks for them.
 *
 * The core (HTTP client, API client) always uses pthread mutexes inside;
 * only the front end's own locks follow the application's choice. */
#ifndef OC_P11_LOCK_H
#define OC_P11_LOCK_H

#include <stdbool.h>

#include "ck.h"

struct oc_lock;

/* Chooses the lock kind from C_Initialize's arguments (NULL: OS locks).
 * Callbacks all present or all absent, else CKR_ARGUMENTS_BAD. */
CK_RV oc_lock_setup(const CK_C_INITIALIZE_ARGS *args);
/* Back to OS locks (C_Finalize, after fork). */
void oc_lock_reset(void);

CK_RV oc_lock_new(struct oc_lock **out);
/* NULL-safe. */
void oc_lock_free(struct oc_lock *l);
void oc_lock_take(struct oc_lock *l);
void oc_lock_release(struct oc_lock *l);
/* Takes l if it is free now.  Always false for the application's
 * mutexes: their callbacks have no try. */
bool oc_lock_try(struct oc_lock *l);
/* Whether oc_lock_try can ever succeed (not with the application's
 * mutexes). */
bool oc_lock_can_try(void);

#endif
