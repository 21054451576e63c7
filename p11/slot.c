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
#include "rv.h"
#include "slot.h"
#include "token.h"

/* tokens[] and n are read under the module lock; listing (network) runs
 * under `fetch` so only one thread lists. */
static struct {
	struct oc_token *tokens[OC_P11_MAX_SLOTS];
	size_t n;
	bool listed;
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

static void publish(struct oc_token **add, size_t n_add, bool listed)
{
	oc_lock_take(oc_mod.lock);
	for (size_t i = 0; i < n_add; i++)
		slots.tokens[slots.n++] = add[i];
	slots.listed = listed;
	oc_lock_release(oc_mod.lock);
}

static CK_RV list_configured(void)
{
	struct oc_token *add[OC_P11_MAX_SLOTS];
	size_t n = 0;
	CK_RV rv = CKR_OK;

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
	publish(add, n, true);
	return CKR_OK;
}

static CK_RV list_remote(size_t have)
{
	struct oc_token *add[OC_P11_MAX_SLOTS];
	struct oc_vault *v = NULL;
	size_t nv = 0, n = 0, slot = have;
	bool bound = false;
	CK_RV rv = CKR_OK;
	int err;

	err = oc_backend_vault_list(&oc_mod.be, &v, &nv);
	if (err) {
		oc_rv_cause("listing vaults: %s", oc_strerror(err));
		return oc_rv_map(err, OC_RV_GENERIC);
	}
	for (size_t i = 0; i < nv; i++) {
		/* System vaults are not the user's secrets. */
		if (strncmp(v[i].name, "__", 2) == 0)
			continue;
		if (have == 1 && !bound) {
			/* PIN mode: the placeholder becomes this vault. */
			oc_token_bind(slots.tokens[0], &v[i]);
			bound = true;
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
	free(v);
	if (rv != CKR_OK) {
		while (n)
			oc_token_free(add[--n]);
		return rv;
	}
	oc_debug(OC_LOG_P11, "%zu vault(s) listed", n + bound);
	publish(add, n, true);
	return CKR_OK;
}

CK_RV oc_slot_ensure(void)
{
	struct oc_token *ph;
	size_t have;
	bool listed;
	CK_RV rv = CKR_OK;

	oc_lock_take(oc_mod.lock);
	listed = slots.listed;
	oc_lock_release(oc_mod.lock);
	if (listed)
		return CKR_OK;

	oc_lock_take(slots.fetch);
	oc_lock_take(oc_mod.lock);
	listed = slots.listed;
	have = slots.n;
	oc_lock_release(oc_mod.lock);
	if (listed)
		goto out;
	if (oc_mod.conf.vaults_explicit && oc_mod.conf.n_vaults > 0) {
		rv = list_configured();
	} else if (oc_mod.pin_mode && !atomic_load(&oc_mod.logged_in)) {
		/* No credential to list with yet: a stand-in token. */
		if (have == 0) {
			rv = oc_token_new(0, "", NULL, &ph);
			if (rv == CKR_OK)
				publish(&ph, 1, false);
		}
	} else {
		rv = list_remote(have);
	}
out:
	oc_lock_release(slots.fetch);
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
	snprintf(desc, sizeof(desc), "1claw vault %s",
		 vid[0] ? vid : "(login)");
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
