/* session.h - sessions: handles, R/O and R/W, per-session operation state,
 * C_GetSessionInfo (ulDeviceError = the last HTTP status).
 *
 * A session is found by handle under one of the table's striped locks
 * (not the module lock) and referenced; the call then holds the session's
 * own lock, so threads sharing a session take turns while other sessions
 * run in parallel.  C_CloseSession frees it once the last call using it
 * returns. */
#ifndef OC_P11_SESSION_H
#define OC_P11_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ck.h"
#include "crypt.h"
#include "digest.h"
#include "find.h"
#include "lock.h"
#include "sign.h"

struct oc_token;

struct oc_session {
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	struct oc_token *tok;
	CK_FLAGS flags;
	unsigned refs; /* under its table stripe's lock */
	atomic_bool closed;
	struct oc_lock *lock;
	CK_ULONG device_error;
	struct oc_find find;
	struct oc_crypt enc;
	struct oc_crypt dec;
	struct oc_sign sign;
	struct oc_sign verify;
	struct oc_digest digest;
	unsigned long logouts; /* oc_mod.logouts when last checked */
};

CK_RV oc_session_init(void);
void oc_session_free_all(void);
void oc_session_abandon_all(void);

CK_RV oc_session_open(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out);
CK_RV oc_session_close(CK_SESSION_HANDLE h);
CK_RV oc_session_close_all(CK_SLOT_ID slot);
/* Finds and references a session (CKR_SESSION_HANDLE_INVALID). */
CK_RV oc_session_get(CK_SESSION_HANDLE h, struct oc_session **out);
void oc_session_put(struct oc_session *s);
CK_RV oc_session_info(struct oc_session *s, CK_SESSION_INFO *info);
bool oc_session_rw(const struct oc_session *s);
/* Under the session's lock, at the start of each call: after a C_Logout
 * in PIN mode, ends the session's pending search, encryption, decryption,
 * signature and verification (what they hold belonged to the login); the
 * call then finds no operation active. */
void oc_session_check_logout(struct oc_session *s);
/* Releases the session's lock at the end of a call, then applies a logout
 * that came during the call (oc_session_sweep_logout could not). */
void oc_session_unlock(struct oc_session *s);
/* After a logout in PIN mode, under no session table lock: every session
 * not in a call lets go at once of what the login gave it, its kept keys
 * and their cipher contexts included (oc_session_check_logout); one in a
 * call does so as the call ends. */
void oc_session_sweep_logout(void);

#endif
