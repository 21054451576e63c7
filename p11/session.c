/* session.c - the session table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "keyobj.h"
#include "login.h"
#include "session.h"
#include "slot.h"
#include "token.h"

#define IDX_BITS 13
#define IDX_MASK ((1ul << IDX_BITS) - 1)
/* Locks over the table, slot i under stripe i % N_STRIPES: a call finds
 * its session under its stripe's lock alone, so calls on different
 * sessions share no lock.  Opening and closing take the module lock
 * first (the counts, the search for a free slot). */
#define N_STRIPES 64

static struct {
	/* Written under the module lock and the slot's stripe lock; read
	 * under either. */
	struct oc_session *tab[OC_P11_MAX_SESSIONS + 1];
	struct oc_lock *stripe[N_STRIPES];
	unsigned long gen;  /* under the module lock */
	unsigned long open; /* under the module lock */
} sess;

static struct oc_lock *stripe_of(size_t idx)
{
	return sess.stripe[idx % N_STRIPES];
}

CK_RV oc_session_init(void)
{
	CK_RV rv = CKR_OK;

	memset(&sess, 0, sizeof(sess));
	for (size_t i = 0; i < N_STRIPES && rv == CKR_OK; i++)
		rv = oc_lock_new(&sess.stripe[i]);
	return rv;
}

static void session_free(struct oc_session *s)
{
	bool last;

	oc_find_clear(&s->find);
	oc_crypt_free(&s->enc);
	oc_crypt_free(&s->dec);
	oc_sign_clear(&s->sign);
	oc_sign_clear(&s->verify);
	oc_digest_clear(&s->digest);
	oc_token_drop_session_objects(s->tok, s->handle, false);
	/* Private keys stay parsed only while the token is in use. */
	oc_lock_take(oc_mod.lock);
	last = s->tok->sessions == 0;
	oc_lock_release(oc_mod.lock);
	if (last)
		oc_keyobj_drop_private(s->tok);
	oc_lock_free(s->lock);
	free(s);
}

void oc_session_free_all(void)
{
	for (size_t i = 0; i <= OC_P11_MAX_SESSIONS; i++)
		if (sess.tab[i])
			session_free(sess.tab[i]);
	for (size_t i = 0; i < N_STRIPES; i++)
		oc_lock_free(sess.stripe[i]);
	memset(&sess, 0, sizeof(sess));
}

void oc_session_abandon_all(void)
{
	/* Child after fork: free the memory, leave the locks. */
	for (size_t i = 0; i <= OC_P11_MAX_SESSIONS; i++) {
		struct oc_session *s = sess.tab[i];

		if (!s)
			continue;
		oc_find_clear(&s->find);
		oc_crypt_abandon(&s->enc);
		oc_crypt_abandon(&s->dec);
		/* Only the child's memory: no lock is taken. */
		oc_digest_clear(&s->digest);
		free(s);
	}
	memset(&sess, 0, sizeof(sess));
}

CK_RV oc_session_open(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE *out)
{
	struct oc_session *s;
	struct oc_token *t;
	size_t idx = 0;
	CK_RV rv;

	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	rv = oc_slot_token(slot, &t);
	if (rv != CKR_OK)
		return rv;
	if ((flags & CKF_RW_SESSION) && oc_mod.conf.read_only)
		return CKR_TOKEN_WRITE_PROTECTED;
	rv = oc_slot_open(t);
	if (rv != CKR_OK)
		return rv;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CKR_HOST_MEMORY;
	rv = oc_lock_new(&s->lock);
	if (rv != CKR_OK) {
		free(s);
		return rv;
	}
	s->slot = slot;
	s->tok = t;
	s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	s->refs = 1;
	s->logouts = atomic_load(&oc_mod.logouts);
	atomic_init(&s->closed, false);

	oc_lock_take(oc_mod.lock);
	for (size_t i = 1; i <= OC_P11_MAX_SESSIONS; i++) {
		if (!sess.tab[i]) {
			idx = i;
			break;
		}
	}
	if (idx) {
		sess.gen++;
		s->handle = (CK_SESSION_HANDLE)(((sess.gen << IDX_BITS) | idx) &
						0xffffffffu);
		if ((s->handle & IDX_MASK) != idx || s->handle == 0)
			s->handle = idx;
		oc_lock_take(stripe_of(idx));
		sess.tab[idx] = s;
		oc_lock_release(stripe_of(idx));
		sess.open++;
		t->sessions++;
		if (flags & CKF_RW_SESSION)
			t->rw_sessions++;
	}
	oc_lock_release(oc_mod.lock);
	if (!idx) {
		oc_lock_free(s->lock);
		free(s);
		return CKR_SESSION_COUNT;
	}
	*out = s->handle;
	return CKR_OK;
}

/* Under the module lock or the handle's stripe lock: the session with this
 * handle, or NULL. */
static struct oc_session *lookup(CK_SESSION_HANDLE h)
{
	unsigned long idx = h & IDX_MASK;
	struct oc_session *s;

	if (idx == 0 || idx > OC_P11_MAX_SESSIONS)
		return NULL;
	s = sess.tab[idx];
	return s && s->handle == h ? s : NULL;
}

/* Under the module lock: takes s out of the table; true when it can be
 * freed now (no call is using it). */
static bool unlink_locked(struct oc_session *s)
{
	struct oc_lock *l = stripe_of(s->handle & IDX_MASK);
	bool unused;

	oc_lock_take(l);
	sess.tab[s->handle & IDX_MASK] = NULL;
	atomic_store(&s->closed, true);
	unused = --s->refs == 0;
	oc_lock_release(l);
	sess.open--;
	s->tok->sessions--;
	if (s->flags & CKF_RW_SESSION)
		s->tok->rw_sessions--;
	return unused;
}

CK_RV oc_session_close(CK_SESSION_HANDLE h)
{
	struct oc_session *s;
	bool do_free = false, last = false;

	oc_lock_take(oc_mod.lock);
	s = lookup(h);
	if (!s) {
		oc_lock_release(oc_mod.lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	do_free = unlink_locked(s);
	last = sess.open == 0;
	oc_lock_release(oc_mod.lock);
	if (do_free)
		session_free(s);
	if (last)
		oc_login_last_session_closed();
	return CKR_OK;
}

CK_RV oc_session_close_all(CK_SLOT_ID slot)
{
	struct oc_session **gone;
	size_t n = 0;
	bool last;
	CK_RV rv;
	struct oc_token *t;

	rv = oc_slot_token(slot, &t);
	if (rv != CKR_OK)
		return rv;
	gone = calloc(OC_P11_MAX_SESSIONS, sizeof(*gone));
	if (!gone)
		return CKR_HOST_MEMORY;
	oc_lock_take(oc_mod.lock);
	for (size_t i = 1; i <= OC_P11_MAX_SESSIONS; i++) {
		struct oc_session *s = sess.tab[i];

		if (s && s->slot == slot && unlink_locked(s))
			gone[n++] = s;
	}
	last = sess.open == 0;
	oc_lock_release(oc_mod.lock);
	for (size_t i = 0; i < n; i++)
		session_free(gone[i]);
	free(gone);
	if (last)
		oc_login_last_session_closed();
	return CKR_OK;
}

CK_RV oc_session_get(CK_SESSION_HANDLE h, struct oc_session **out)
{
	struct oc_lock *l = stripe_of(h & IDX_MASK);
	struct oc_session *s;

	oc_lock_take(l);
	s = lookup(h);
	if (!s || atomic_load(&s->closed)) {
		oc_lock_release(l);
		return CKR_SESSION_HANDLE_INVALID;
	}
	s->refs++;
	oc_lock_release(l);
	*out = s;
	return CKR_OK;
}

void oc_session_put(struct oc_session *s)
{
	struct oc_lock *l = stripe_of(s->handle & IDX_MASK);
	bool do_free;

	oc_lock_take(l);
	do_free = --s->refs == 0;
	oc_lock_release(l);
	if (do_free)
		session_free(s);
}

void oc_session_check_logout(struct oc_session *s)
{
	unsigned long now = atomic_load(&oc_mod.logouts);

	if (s->logouts == now)
		return;
	s->logouts = now;
	oc_find_clear(&s->find);
	oc_crypt_free(&s->enc);
	oc_crypt_free(&s->dec);
	oc_sign_clear(&s->sign);
	oc_sign_clear(&s->verify);
}

void oc_session_unlock(struct oc_session *s)
{
	unsigned long seen = s->logouts;

	/* With the application's mutexes a logout cannot try this session's
	 * lock (oc_session_sweep_logout): keep no key between calls. */
	if (!oc_lock_can_try()) {
		oc_crypt_let_go(&s->enc);
		oc_crypt_let_go(&s->dec);
	}
	oc_lock_release(s->lock);
	/* Read after the release: a logout that found the session locked
	 * bumped the count before it tried the lock, so it shows here (the
	 * fence pairs with the logout's: store, fence, load on both sides). */
	atomic_thread_fence(memory_order_seq_cst);
	if (seen != atomic_load(&oc_mod.logouts)) {
		oc_lock_take(s->lock);
		oc_session_check_logout(s);
		oc_lock_release(s->lock);
	}
}

void oc_session_sweep_logout(void)
{
	for (size_t i = 1; i <= OC_P11_MAX_SESSIONS; i++) {
		struct oc_lock *l = stripe_of(i);
		struct oc_session *s;

		oc_lock_take(l);
		s = sess.tab[i];
		if (s)
			s->refs++;
		oc_lock_release(l);
		if (!s)
			continue;
		/* A session in a call does it as the call ends
		 * (oc_session_unlock); waiting for its lock here could wait
		 * on a call that waits for this logout. */
		if (oc_lock_try(s->lock)) {
			oc_session_check_logout(s);
			oc_lock_release(s->lock);
		}
		oc_session_put(s);
	}
}

bool oc_session_rw(const struct oc_session *s)
{
	return s->flags & CKF_RW_SESSION;
}

CK_RV oc_session_info(struct oc_session *s, CK_SESSION_INFO *info)
{
	bool user = atomic_load(&oc_mod.logged_in);

	memset(info, 0, sizeof(*info));
	info->slotID = s->slot;
	info->flags = s->flags;
	if (oc_session_rw(s))
		info->state =
		    user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
	else
		info->state =
		    user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
	info->ulDeviceError = s->device_error;
	return CKR_OK;
}
