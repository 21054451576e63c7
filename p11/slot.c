/* slot.c - the slot list. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "backend.h"
#include "err.h"
#include "init.h"
#include "log.h"
#include "names.h"
#include "rv.h"
#include "slot.h"
#include "token.h"

/* tokens[] and n are read under the module lock; making the slots and
 * listing the vaults run under `fetch`, so only one thread does either. */
static struct {
	struct oc_token *tokens[OC_P11_MAX_SLOTS];
	size_t n;
	bool made;   /* the slots the configuration gives exist */
	bool listed; /* the stand-in's vaults were listed */
	/* Listings tried, and the last one's result: a thread that waited
	 * on `fetch` while another listed takes that answer rather than
	 * wait out its own timeout against a server that just failed. */
	unsigned tries;
	CK_RV last;
	struct oc_lock *fetch;
} slots;

CK_RV oc_slot_init(void)
{
	memset(&slots, 0, sizeof(slots));
	return oc_lock_new(&slots.fetch);
}

void oc_slot_free_all(void)
{
	for (size_t i = 0; i < slots.n; i++)
		oc_token_free(slots.tokens[i]);
	oc_lock_free(slots.fetch);
	memset(&slots, 0, sizeof(slots));
}

void oc_slot_abandon_all(void)
{
	for (size_t i = 0; i < slots.n; i++)
		oc_token_abandon(slots.tokens[i]);
	memset(&slots, 0, sizeof(slots));
}

/* Under `fetch`: adds tokens after the ones there, and warns of labels
 * or serials the new ones share with any. */
static void publish(struct oc_token **add, size_t n_add)
{
	struct oc_token *all[OC_P11_MAX_SLOTS];
	size_t first, n;

	oc_lock_take(oc_mod.lock);
	first = slots.n;
	for (size_t i = 0; i < n_add; i++)
		slots.tokens[slots.n++] = add[i];
	n = slots.n;
	memcpy(all, slots.tokens, n * sizeof(all[0]));
	oc_lock_release(oc_mod.lock);
	oc_token_name_check(all, n, first);
}

static bool standin(void)
{
	return !(oc_mod.conf.vaults_explicit && oc_mod.conf.n_vaults > 0);
}

/* Under `fetch`: the configured vaults, or the stand-in. */
static CK_RV make_slots(void)
{
	struct oc_token *add[OC_P11_MAX_SLOTS];
	size_t n = 0;
	CK_RV rv = CKR_OK;

	if (standin()) {
		rv = oc_token_new(0, "", NULL, &add[0]);
		if (rv != CKR_OK)
			return rv;
		publish(add, 1);
		return CKR_OK;
	}
	for (size_t i = 0; i < oc_mod.conf.n_vaults && n < OC_P11_MAX_SLOTS;
	     i++) {
		rv = oc_token_new(n, oc_mod.conf.vaults[i].id, NULL, &add[n]);
		if (rv != CKR_OK)
			break;
		n++;
	}
	if (rv != CKR_OK) {
		while (n)
			oc_token_free(add[--n]);
		return rv;
	}
	publish(add, n);
	return CKR_OK;
}

/* Under `fetch`: the vaults the credential sees; the first the server
 * lists becomes the stand-in (slot 0), the others follow as new slots.
 * Every new token is made before slot 0 is bound, so a failure leaves
 * the slots as they were.  True in *bound when there was one to bind. */
static CK_RV list_remote(bool *bound)
{
	struct oc_token *add[OC_P11_MAX_SLOTS];
	struct oc_vault *v = NULL;
	size_t nv = 0, n = 0, slot, first = SIZE_MAX;
	char id[OC_WIRE_ID_MAX + 1];
	CK_RV rv = CKR_OK;
	int err;

	*bound = false;
	err = oc_backend_vault_list(&oc_mod.be, &v, &nv);
	if (err) {
		oc_rv_cause("listing vaults: %s", oc_rv_err_text(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	oc_lock_take(oc_mod.lock);
	slot = slots.n;
	oc_lock_release(oc_mod.lock);
	for (size_t i = 0; i < nv; i++) {
		/* System vaults are not the user's secrets. */
		if (strncmp(v[i].name, "__", 2) == 0)
			continue;
		if (first == SIZE_MAX) {
			first = i;
			continue;
		}
		if (slot >= OC_P11_MAX_SLOTS) {
			oc_log_error("oneclaw-pkcs11: more than %d vaults; "
				     "name the ones to use in `vaults`",
				     OC_P11_MAX_SLOTS);
			break;
		}
		rv = oc_token_new(slot, v[i].id, &v[i], &add[n]);
		if (rv != CKR_OK)
			break;
		n++;
		slot++;
	}
	if (rv != CKR_OK) {
		while (n)
			oc_token_free(add[--n]);
		free(v);
		return rv;
	}
	/* Bound once: sessions may already be open on the stand-in. */
	oc_token_vault_id(slots.tokens[0], id);
	if (first != SIZE_MAX && !id[0])
		oc_token_bind(slots.tokens[0], &v[first]);
	*bound = first != SIZE_MAX;
	free(v);
	oc_debug(OC_LOG_P11, "%zu vault(s) listed", n + *bound);
	publish(add, n);
	return CKR_OK;
}

CK_RV oc_slot_ensure(void)
{
	bool made;
	CK_RV rv = CKR_OK;

	oc_lock_take(oc_mod.lock);
	made = slots.made;
	oc_lock_release(oc_mod.lock);
	if (made)
		return CKR_OK;
	oc_lock_take(slots.fetch);
	oc_lock_take(oc_mod.lock);
	made = slots.made;
	oc_lock_release(oc_mod.lock);
	if (!made)
		rv = make_slots();
	if (rv == CKR_OK) {
		oc_lock_take(oc_mod.lock);
		slots.made = true;
		oc_lock_release(oc_mod.lock);
	}
	oc_lock_release(slots.fetch);
	return rv;
}

CK_RV oc_slot_discover(void)
{
	bool done, bound = false;
	unsigned tries;
	CK_RV rv;

	if (!standin())
		return CKR_OK;
	rv = oc_slot_ensure();
	if (rv != CKR_OK)
		return rv;
	oc_lock_take(oc_mod.lock);
	done = slots.listed;
	tries = slots.tries;
	oc_lock_release(oc_mod.lock);
	if (done)
		return CKR_OK;
	oc_lock_take(slots.fetch);
	oc_lock_take(oc_mod.lock);
	done = slots.listed;
	if (!done && slots.tries != tries) {
		/* Another thread listed while this one waited, and failed. */
		rv = slots.last;
		done = true;
	}
	oc_lock_release(oc_mod.lock);
	if (done && rv != CKR_OK)
		oc_rv_cause("listing vaults: the listing another thread ran "
			    "while this one waited failed");
	if (!done)
		rv = list_remote(&bound);
	oc_lock_take(oc_mod.lock);
	if (!done) {
		slots.tries++;
		slots.last = rv;
	}
	/* None to bind: listed again next time (one may be made by then). */
	if (rv == CKR_OK && bound)
		slots.listed = true;
	oc_lock_release(oc_mod.lock);
	oc_lock_release(slots.fetch);
	return rv;
}

CK_RV oc_slot_open(struct oc_token *t)
{
	char id[OC_WIRE_ID_MAX + 1];
	const char *cause;
	CK_RV rv;

	/* PIN mode lists at the first need after C_Login (token.c). */
	if (oc_mod.pin_mode)
		return CKR_OK;
	oc_token_vault_id(t, id);
	if (id[0])
		return CKR_OK;
	rv = oc_slot_discover();
	if (rv == CKR_OK) {
		oc_token_vault_id(t, id);
		if (!id[0]) {
			oc_rv_cause("the credential sees no vault");
			rv = CKR_TOKEN_NOT_RECOGNIZED;
		}
	}
	if (rv == CKR_OK)
		return rv;
	/* Only these are C_OpenSession's to return; the cause says more.
	 * The slot reports a token, so "not present" would contradict it. */
	if (rv != CKR_DEVICE_ERROR && rv != CKR_HOST_MEMORY)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	/* A debug line, not stderr: browsers open a session on every token
	 * at start, and an offline laptop is no error of theirs. */
	cause = oc_rv_cause_get();
	oc_debug(
	    OC_LOG_P11, "no session on token \"%s\": %s (%s)", OC_TOKEN_STANDIN,
	    cause[0] ? cause : "the vaults cannot be listed", oc_names_rv(rv));
	return rv;
}

CK_RV oc_slot_list(CK_SLOT_ID *ids, CK_ULONG *n)
{
	CK_RV rv = oc_slot_ensure();
	size_t have;

	if (rv != CKR_OK)
		return rv;
	oc_lock_take(oc_mod.lock);
	have = slots.n;
	oc_lock_release(oc_mod.lock);
	if (!ids) {
		*n = have;
		return CKR_OK;
	}
	if (*n < have) {
		*n = have;
		return CKR_BUFFER_TOO_SMALL;
	}
	for (size_t i = 0; i < have; i++)
		ids[i] = i;
	*n = have;
	return CKR_OK;
}

CK_RV oc_slot_token(CK_SLOT_ID id, struct oc_token **out)
{
	struct oc_token *t = NULL;
	CK_RV rv = oc_slot_ensure();

	if (rv != CKR_OK)
		return rv;
	oc_lock_take(oc_mod.lock);
	if (id < slots.n)
		t = slots.tokens[id];
	oc_lock_release(oc_mod.lock);
	if (!t)
		return CKR_SLOT_ID_INVALID;
	*out = t;
	return CKR_OK;
}

CK_RV oc_slot_info(CK_SLOT_ID id, CK_SLOT_INFO *si)
{
	struct oc_token *t;
	char vid[OC_WIRE_ID_MAX + 1];
	char desc[128];
	CK_RV rv = oc_slot_token(id, &t);

	if (rv != CKR_OK)
		return rv;
	oc_token_vault_id(t, vid);
	memset(si, 0, sizeof(*si));
	if (vid[0])
		snprintf(desc, sizeof(desc), "1claw vault %s", vid);
	else
		snprintf(desc, sizeof(desc), "%s",
			 "1claw vaults (listed at the first session)");
	oc_attr_pad(si->slotDescription, sizeof(si->slotDescription), desc,
		    strlen(desc));
	oc_attr_pad(si->manufacturerID, sizeof(si->manufacturerID),
		    "oneclaw-pkcs11", 14);
	si->flags = CKF_TOKEN_PRESENT;
	si->hardwareVersion.major = OC_P11_VERSION_MAJOR;
	si->hardwareVersion.minor = OC_P11_VERSION_MINOR;
	si->firmwareVersion.major = OC_P11_VERSION_MAJOR;
	si->firmwareVersion.minor = OC_P11_VERSION_MINOR;
	return CKR_OK;
}

void oc_slot_each(void (*fn)(struct oc_token *t))
{
	struct oc_token *all[OC_P11_MAX_SLOTS];
	size_t n;

	oc_lock_take(oc_mod.lock);
	n = slots.n;
	memcpy(all, slots.tokens, n * sizeof(all[0]));
	oc_lock_release(oc_mod.lock);
	for (size_t i = 0; i < n; i++)
		fn(all[i]);
}
