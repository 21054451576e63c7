/* init.h - C_Initialize / C_Finalize, the module-wide state, and fork
 * detection.
 *
 * The configuration is read once in C_Initialize (no network I/O there).
 * A pthread_atfork child handler only bumps a counter; the next call in
 * the child sees it, abandons the parent's state without closing its
 * connections, and answers CKR_CRYPTOKI_NOT_INITIALIZED until the child
 * initialises again. */
#ifndef OC_P11_INIT_H
#define OC_P11_INIT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "backend.h"
#include "ck.h"
#include "conf.h"
#include "lock.h"

struct oc_module {
	struct oc_conf conf;
	struct oc_backend be;
	/* Module lock: the session table, the slot list, login state. */
	struct oc_lock *lock;
	/* No credential configured: the user PIN is the API key. */
	bool pin_mode;
	/* PIN mode: an API key was accepted by C_Login.  Credential mode:
	 * the application called C_Login (accepted, nothing checked). */
	atomic_bool logged_in;
	/* PIN mode: C_Logouts so far.  A session whose count is older ends
	 * its pending operations at its next call (oc_session_check_logout). */
	atomic_ulong logouts;
};

extern struct oc_module oc_mod;

CK_RV oc_init_initialize(CK_VOID_PTR args);
CK_RV oc_init_finalize(CK_VOID_PTR reserved);
/* The entry gate: CKR_OK when initialised in this process.  After a fork
 * it abandons the parent's state and returns
 * CKR_CRYPTOKI_NOT_INITIALIZED. */
CK_RV oc_init_check(void);

/* Monotonic seconds, for cache lifetimes. */
long oc_init_now(void);

#endif
