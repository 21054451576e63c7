/* login.c - the two auth modes. */
#include "config.h"

#include <string.h>

#include "backend.h"
#include "err.h"
#include "http.h"
#include "init.h"
#include "lock.h"
#include "log.h"
#include "login.h"
#include "rv.h"
#include "secmem.h"
#include "session.h"
#include "slot.h"
#include "token.h"

/* One login or logout at a time. */
static struct oc_lock *login_lock;

CK_RV oc_login_init(void)
{
	return oc_lock_new(&login_lock);
}

void oc_login_free(void)
{
	oc_lock_free(login_lock);
	login_lock = NULL;
}

void oc_login_abandon(void)
{
	login_lock = NULL;
}

static void wipe_token(struct oc_token *t)
{
	/* Private session objects go too (the spec's logout rule). */
	oc_token_drop_session_objects(t, 0, true);
	oc_token_wipe(t);
}

/* Under login_lock. */
static void logout_locked(void)
{
	atomic_store(&oc_mod.logged_in, false);
	if (!oc_mod.pin_mode)
		return;
	oc_backend_logout(&oc_mod.be);
	oc_slot_each(wipe_token);
	/* Then the sessions: their pending operations end and the keys they
	 * keep go, so the wiped keys' bytes go with the last of them.  After
	 * the wipe, so that a session cannot keep a key again meanwhile. */
	atomic_fetch_add(&oc_mod.logouts, 1);
	atomic_thread_fence(memory_order_seq_cst); /* oc_session_unlock's */
	oc_session_sweep_logout();
	oc_debug(OC_LOG_P11, "logged out: credential and caches wiped");
}

/* Under login_lock.  The token has no security officer and so no SO PIN,
 * but CKU_SO is a valid user type: answer in PKCS#11 2.40's order, the
 * user logged in, then a R/O session open with the token, then a PIN
 * that cannot be right (whatever it is: the API key is the user's). */
static CK_RV login_so(const struct oc_session *s)
{
	bool ro;

	if (atomic_load(&oc_mod.logged_in))
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	oc_lock_take(oc_mod.lock);
	ro = s->tok->sessions > s->tok->rw_sessions;
	oc_lock_release(oc_mod.lock);
	if (ro)
		return CKR_SESSION_READ_ONLY_EXISTS;
	oc_rv_cause("the token has no security officer (no SO PIN)");
	return CKR_PIN_INCORRECT;
}

/* A refusal is not a network failure: say which one happened. */
static void login_failure_cause(int err)
{
	if (err == OC_ERR_UNAUTHORIZED || err == OC_ERR_FORBIDDEN)
		oc_rv_cause("the vault refused the API key (%s)",
			    oc_strerror(err));
	else if (err == OC_ERR_NET && oc_http_last_failure()[0])
		oc_rv_cause("could not reach the vault at %s",
			    oc_rv_err_text(err));
	else
		oc_rv_cause("logging in: %s", oc_strerror(err));
}

CK_RV oc_login(struct oc_session *s, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
	       CK_ULONG len)
{
	char *key = NULL;
	CK_RV rv = CKR_OK;
	int err;

	if (user == CKU_CONTEXT_SPECIFIC)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (user != CKU_USER && user != CKU_SO)
		return CKR_USER_TYPE_INVALID;
	oc_lock_take(login_lock);
	if (user == CKU_SO) {
		rv = login_so(s);
		goto out;
	}
	if (atomic_load(&oc_mod.logged_in)) {
		rv = CKR_USER_ALREADY_LOGGED_IN;
		goto out;
	}
	if (!oc_mod.pin_mode) {
		/* The configured credential already grants access. */
		atomic_store(&oc_mod.logged_in, true);
		goto out;
	}
	if (len == 0 || len > OC_P11_MAX_PIN) {
		rv = CKR_PIN_LEN_RANGE;
		goto out;
	}
	key = oc_secure_dup(pin, len);
	if (!key) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	err = oc_backend_login(&oc_mod.be, key, len);
	if (err) {
		login_failure_cause(err);
		rv = oc_rv_map(err, OC_RV_LOGIN);
		goto out;
	}
	atomic_store(&oc_mod.logged_in, true);
	oc_debug(OC_LOG_P11, "logged in (%lu-byte key)", (unsigned long)len);
out:
	oc_secure_free(key);
	oc_lock_release(login_lock);
	return rv;
}

CK_RV oc_logout(struct oc_session *s)
{
	CK_RV rv = CKR_OK;

	(void)s;
	oc_lock_take(login_lock);
	if (!atomic_load(&oc_mod.logged_in))
		rv = CKR_USER_NOT_LOGGED_IN;
	else
		logout_locked();
	oc_lock_release(login_lock);
	return rv;
}

void oc_login_last_session_closed(void)
{
	oc_lock_take(login_lock);
	if (atomic_load(&oc_mod.logged_in))
		logout_locked();
	oc_lock_release(login_lock);
}
