/* token.c - a vault as a token: its info, its cached remote state. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "backend.h"
#include "err.h"
#include "init.h"
#include "keyobj.h"
#include "keys.h"
#include "log.h"
#include "obj-data.h"
#include "obj-seckey.h"
#include "rv.h"
#include "sealed.h"
#include "secmem.h"
#include "slot.h"
#include "token.h"

CK_RV oc_token_new(CK_SLOT_ID slot, const char *vault_id,
		   const struct oc_vault *info, struct oc_token **out)
{
	struct oc_token *t = calloc(1, sizeof(*t));
	CK_RV rv;

	if (!t)
		return CKR_HOST_MEMORY;
	t->slot = slot;
	snprintf(t->vault_id, sizeof(t->vault_id), "%s",
		 vault_id ? vault_id : "");
	if (info) {
		t->vault = *info;
		t->vault_known = true;
	}
	oc_token_name_label(t->vault_id, info ? info->name : NULL, t->label);
	oc_objstore_init(&t->store, slot);
	rv = oc_token_name_serial(t->vault_id, t->serial);
	if (rv == CKR_OK)
		rv = oc_lock_new(&t->lock);
	if (rv == CKR_OK)
		rv = oc_lock_new(&t->fetch);
	if (rv != CKR_OK) {
		oc_token_free(t);
		return rv;
	}
	*out = t;
	return CKR_OK;
}

void oc_token_free(struct oc_token *t)
{
	if (!t)
		return;
	oc_objstore_clear(&t->store);
	oc_lock_free(t->lock);
	oc_lock_free(t->fetch);
	for (unsigned i = 0; i < OC_TOKEN_GONE_MAX; i++)
		free(t->gone[i]);
	free(t);
}

void oc_token_abandon(struct oc_token *t)
{
	/* The locks may be held by a thread that does not exist in the
	 * child: leave them, free the rest. */
	if (!t)
		return;
	oc_objstore_abandon(&t->store);
	for (unsigned i = 0; i < OC_TOKEN_GONE_MAX; i++)
		free(t->gone[i]);
	free(t);
}

void oc_token_bind(struct oc_token *t, const struct oc_vault *info)
{
	oc_lock_take(t->lock);
	snprintf(t->vault_id, sizeof(t->vault_id), "%s", info->id);
	t->vault = *info;
	t->vault_known = true;
	oc_lock_release(t->lock);
}

void oc_token_vault_id(struct oc_token *t, char out[OC_WIRE_ID_MAX + 1])
{
	oc_lock_take(t->lock);
	memcpy(out, t->vault_id, OC_WIRE_ID_MAX + 1);
	oc_lock_release(t->lock);
}

bool oc_token_expired(long at, long now)
{
	return now - at >= (long)oc_mod.conf.cache_ttl_s || now < at;
}

#define expired oc_token_expired

static bool can_reach(void)
{
	return !oc_mod.pin_mode || atomic_load(&oc_mod.logged_in);
}

bool oc_token_visible(const struct oc_object *o)
{
	return !(o->priv && oc_mod.pin_mode && !atomic_load(&oc_mod.logged_in));
}

/* Logs, once per token, a configured key that does not match the key the
 * vault uses; such a key is never used to write (write.c checks again). */
static void check_key(struct oc_token *t, const struct oc_vault *v)
{
	struct oc_cmek_key *k = NULL;
	char have[OC_CMEK_FPR_HEX_LEN + 1];

	if (!v->cmek_enabled || !v->cmek_fingerprint[0])
		return;
	if (oc_keys_get(v->id, &k) != CKR_OK || !k)
		return;
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k), have);
	if (strcmp(have, v->cmek_fingerprint) == 0)
		return;
	oc_lock_take(t->lock);
	if (!t->mismatch_logged) {
		t->mismatch_logged = true;
		oc_log_error(
		    "oneclaw-pkcs11: vault %s: the configured CMEK key "
		    "(fingerprint %.16s...) is not the vault's key "
		    "(%.16s...); it will not be used to write",
		    v->id, have, v->cmek_fingerprint);
	}
	oc_lock_release(t->lock);
}

CK_RV oc_token_vault(struct oc_token *t, bool fresh, struct oc_vault *out)
{
	char id[OC_WIRE_ID_MAX + 1];
	struct oc_vault v;
	int err;

	oc_lock_take(t->lock);
	if (t->vault_known && !fresh) {
		*out = t->vault;
		oc_lock_release(t->lock);
		return CKR_OK;
	}
	memcpy(id, t->vault_id, sizeof(id));
	oc_lock_release(t->lock);
	if (!id[0] || !can_reach()) {
		oc_rv_cause("no vault before login");
		return CKR_USER_NOT_LOGGED_IN;
	}

	oc_lock_take(t->fetch);
	oc_lock_take(t->lock);
	if (t->vault_known && !fresh) {
		*out = t->vault;
		oc_lock_release(t->lock);
		oc_lock_release(t->fetch);
		return CKR_OK;
	}
	oc_lock_release(t->lock);
	err = oc_backend_vault_get(&oc_mod.be, id, &v);
	if (err == OC_OK) {
		oc_lock_take(t->lock);
		t->vault = v;
		t->vault_known = true;
		oc_lock_release(t->lock);
	}
	oc_lock_release(t->fetch);
	if (err) {
		oc_rv_cause("vault %s: %s", id, oc_rv_err_text(err));
		return oc_rv_map(err, OC_RV_VAULT);
	}
	check_key(t, &v);
	*out = v;
	return CKR_OK;
}

CK_RV oc_token_info(struct oc_token *t, CK_TOKEN_INFO *ti)
{
	/* Everything here comes from the configuration: a p11-kit-aware
	 * process that only lists tokens never reaches the network. */
	memset(ti, 0, sizeof(*ti));
	memcpy(ti->label, t->label, sizeof(ti->label));
	memcpy(ti->serialNumber, t->serial, sizeof(ti->serialNumber));
	oc_attr_pad(ti->manufacturerID, sizeof(ti->manufacturerID),
		    "oneclaw-pkcs11", 14);
	oc_attr_pad(ti->model, sizeof(ti->model), "1claw vault", 11);

	/* Initialised, PIN included, in both modes: a client that sees no
	 * user PIN asks to set one up (NSS: "Database needs user init"). */
	ti->flags = CKF_RNG | CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED;
	if (oc_mod.conf.read_only)
		ti->flags |= CKF_WRITE_PROTECTED;
	if (oc_mod.pin_mode)
		ti->flags |= CKF_LOGIN_REQUIRED;
	ti->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	ti->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	oc_lock_take(oc_mod.lock);
	ti->ulSessionCount = t->sessions;
	ti->ulRwSessionCount = t->rw_sessions;
	oc_lock_release(oc_mod.lock);
	ti->ulMaxPinLen = OC_P11_MAX_PIN;
	ti->ulMinPinLen = 1;
	ti->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	ti->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	ti->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	ti->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	ti->hardwareVersion.major = OC_P11_VERSION_MAJOR;
	ti->hardwareVersion.minor = OC_P11_VERSION_MINOR;
	ti->firmwareVersion.major = OC_P11_VERSION_MAJOR;
	ti->firmwareVersion.minor = OC_P11_VERSION_MINOR;
	memset(ti->utcTime, ' ', sizeof(ti->utcTime));
	return CKR_OK;
}

/* The configured CMEK key becomes an object once per login. */
static void ensure_key_object(struct oc_token *t, const char *id)
{
	struct oc_cmek_key *k = NULL;
	struct oc_object *o = NULL;
	struct oc_vault v;
	bool done, known;

	oc_lock_take(t->lock);
	done = t->key_done;
	oc_lock_release(t->lock);
	if (done)
		return;
	/* May open a delegated key in another token: no lock held. */
	if (oc_keys_get(id, &k) != CKR_OK) {
		oc_rv_cause_clear();
		return; /* logged; tried again on the next find */
	}
	if (k && oc_obj_seckey_new_configured(k, &o) != CKR_OK)
		return;
	oc_lock_take(t->lock);
	if (!t->key_done) {
		if (o && oc_objstore_add(&t->store, o) == OC_OK)
			o = NULL;
		t->key_done = true;
	}
	known = t->vault_known;
	v = t->vault;
	oc_lock_release(t->lock);
	oc_object_unref(o);
	/* A key that is not the vault's is reported as soon as it shows. */
	if (k && known)
		check_key(t, &v);
}

/* Under t->lock: a data object for a vault secret, presented as the
 * vault's cmek_values says. */
static int new_secret_object(const struct oc_token *t,
			     const struct oc_secret_meta *m,
			     struct oc_obj_data **out)
{
	int err = oc_obj_data_new(m, out);

	if (err == OC_OK && oc_conf_cmek_opened(&oc_mod.conf, t->vault_id))
		oc_obj_data_present_opened(*out);
	return err;
}

/* Under t->lock: a local delete of path, remembered for the fetches in
 * flight (see token.h). */
static void remember_gone(struct oc_token *t, const char *path)
{
	unsigned i = t->gone_next;

	t->changes++;
	if (t->gone[i])
		t->gone_lost = t->gone_at[i];
	free(t->gone[i]);
	t->gone[i] = strdup(path);
	if (!t->gone[i])
		t->gone_lost = t->changes; /* forgotten: trust no list */
	t->gone_at[i] = t->changes;
	t->gone_next = (i + 1) % OC_TOKEN_GONE_MAX;
}

/* Under t->lock: was path deleted here after the count `since`? */
static bool gone_since(const struct oc_token *t, const char *path,
		       unsigned long since)
{
	for (unsigned i = 0; i < OC_TOKEN_GONE_MAX; i++)
		if (t->gone[i] && t->gone_at[i] > since &&
		    strcmp(t->gone[i], path) == 0)
			return true;
	return false;
}

/* Under t->lock: a known object takes the list's metadata, keeping the
 * CMEK state a GET told of the same version when the list does not say
 * it. */
static int update_meta(struct oc_obj_data *o, const struct oc_secret_meta *m)
{
	struct oc_secret_meta mm;

	if (o->meta.version != m->version || m->cmek_known ||
	    !o->meta.cmek_known)
		return oc_obj_data_set_meta(o, m);
	mm = *m;
	mm.cmek_known = true;
	mm.cmek_encrypted = o->meta.cmek_encrypted;
	memcpy(mm.cmek_fingerprint, o->meta.cmek_fingerprint,
	       sizeof(mm.cmek_fingerprint));
	return oc_obj_data_set_meta(o, &mm);
}

/* A path the vault answers with twice: the entry of the higher version
 * stands, else the later one.  A list and a lookup keep the same one. */
static bool newer_duplicate(const struct oc_secret_meta *kept,
			    const struct oc_secret_meta *next)
{
	return next->version >= kept->version;
}

/* Merges a list fetched from the count `since` on (its objects, made as
 * it arrived; the ones the store takes become NULL) into the store under
 * t->lock: known paths keep their object and handle, new ones are added,
 * the missing ones leave; what this process wrote or deleted after
 * `since` stays as it is.  False when deletes made during the fetch were
 * too many to remember: then nothing was added, and the list must be
 * fetched again. */
static bool merge(struct oc_token *t, struct oc_obj_data **listed, size_t n,
		  long now, unsigned long since)
{
	bool complete = t->gone_lost <= since;
	struct oc_object *p, *next;
	struct oc_obj_data *o;
	size_t known = 0; /* vault data objects before the list */

	for (p = t->store.head; p; p = p->next)
		if ((o = oc_obj_data(p)) && !p->session_obj) {
			o->seen = false;
			known++;
		}
	/* Room for every new object at once, instead of growing by halves. */
	(void)oc_objstore_reserve(&t->store, t->store.n + n);
	for (size_t i = 0; i < n; i++) {
		struct oc_obj_data *l = listed[i];
		const char *path = l->meta.path;

		o = oc_objstore_by_label(&t->store, path, strlen(path));
		if (o && o->changed > since) {
			o->seen = true; /* written here after the list began */
			continue;
		}
		/* Listed twice: as a lookup does, keep the newer. */
		if (o && o->seen && !newer_duplicate(&o->meta, &l->meta))
			continue;
		if (!o && (!complete || gone_since(t, path, since)))
			continue;
		if (o) {
			if (update_meta(o, &l->meta) != OC_OK)
				continue;
		} else {
			if (oc_objstore_add(&t->store, &l->obj) != OC_OK)
				continue;
			o = l;
			listed[i] = NULL; /* the store's now */
		}
		o->seen = true;
	}
	/* The first list: every vault object is new and seen, no value
	 * cached; nothing to sweep. */
	for (p = known ? t->store.head : NULL; p; p = next) {
		next = p->next;
		o = oc_obj_data(p);
		if (!o || p->session_obj)
			continue;
		if (!o->seen && o->changed <= since)
			oc_objstore_remove(&t->store, p);
		else if (o->have_value && expired(o->value_at, now))
			oc_obj_data_drop_value(o);
	}
	return complete;
}

/* A list as it arrives: a data object for each usable entry, made
 * outside the token's lock from the entry's own strings; merge() links
 * them or leaves them to listing_free(). */
struct listing {
	struct oc_obj_data **objs;
	size_t n, cap;
	bool opened; /* the vault presents its values opened */
};

static int listing_entry(void *ctx, struct oc_secret_meta *m)
{
	struct listing *l = ctx;
	struct oc_obj_data *o;
	int err;

	if (m->is_disabled || !m->path || !m->path[0])
		return OC_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct oc_obj_data **grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return OC_ERR_NOMEM;
		grown = realloc(l->objs, cap * sizeof(*grown));
		if (!grown)
			return OC_ERR_NOMEM;
		l->objs = grown;
		l->cap = cap;
	}
	err = oc_obj_data_adopt(m, &o);
	if (err)
		return err;
	if (l->opened)
		oc_obj_data_present_opened(o);
	l->objs[l->n++] = o;
	return OC_OK;
}

/* A retried request lists again from the start. */
static void listing_restart(void *ctx)
{
	struct listing *l = ctx;

	for (size_t i = 0; i < l->n; i++)
		if (l->objs[i])
			oc_object_unref(&l->objs[i]->obj);
	l->n = 0;
}

static void listing_free(struct listing *l)
{
	listing_restart(l);
	free(l->objs);
	l->objs = NULL;
	l->cap = 0;
}

/* The vault id once it can be reached (stand-in bound, logged in where
 * the PIN is the key), with the configured key object in place; "" when
 * there is nothing to show yet. */
static CK_RV reach(struct oc_token *t, char id[OC_WIRE_ID_MAX + 1])
{
	oc_token_vault_id(t, id);
	if (!id[0] && can_reach()) {
		/* The stand-in: the vaults can be listed now. */
		CK_RV rv = oc_slot_discover();

		if (rv != CKR_OK)
			return rv;
		oc_token_vault_id(t, id);
	}
	if (!id[0] || !can_reach()) {
		id[0] = '\0';
		return CKR_OK; /* nothing to show before login */
	}
	ensure_key_object(t, id);
	return CKR_OK;
}

CK_RV oc_token_sync(struct oc_token *t)
{
	char id[OC_WIRE_ID_MAX + 1];
	struct listing l = {0};
	const struct oc_api_meta_sink sink = {listing_entry, listing_restart,
					      &l};
	long now = oc_init_now();
	unsigned long since, wipes;
	bool fresh, wiped;
	CK_RV rv;
	int err;

	rv = reach(t, id);
	if (rv != CKR_OK || !id[0])
		return rv;

	oc_lock_take(t->lock);
	fresh = t->listed && !expired(t->listed_at, now);
	oc_lock_release(t->lock);
	if (fresh)
		return CKR_OK;

	oc_lock_take(t->fetch);
	oc_lock_take(t->lock);
	fresh = t->listed && !expired(t->listed_at, now);
	since = t->changes;
	wipes = t->wipes;
	oc_lock_release(t->lock);
	if (fresh) {
		oc_lock_release(t->fetch);
		return CKR_OK;
	}
	l.opened = oc_conf_cmek_opened(&oc_mod.conf, id);
	err = oc_backend_secret_list(&oc_mod.be, id, NULL, &sink);
	if (err == OC_OK) {
		oc_lock_take(t->lock);
		/* A logout while the list was read: what it read goes. */
		wiped = t->wipes != wipes;
		if (!wiped) {
			t->listed = merge(t, l.objs, l.n, oc_init_now(), since);
			t->listed_at = oc_init_now();
		}
		oc_lock_release(t->lock);
		oc_debug(OC_LOG_P11, "vault %s: %zu secrets listed%s", id, l.n,
			 wiped ? ", dropped (logged out meanwhile)" : "");
		if (!wiped)
			oc_keyobj_sync(t, id);
	}
	oc_lock_release(t->fetch);
	listing_free(&l);
	if (err) {
		oc_rv_cause("listing vault %s: %s", id, oc_rv_err_text(err));
		return oc_rv_map(err, OC_RV_VAULT);
	}
	return CKR_OK;
}

/* Under t->lock: is what the store knows of path current?  Everything is
 * after a list; one object after its own lookup. */
static bool path_fresh(const struct oc_token *t, const char *path, size_t len,
		       long now)
{
	const struct oc_obj_data *o;

	if (t->listed && !expired(t->listed_at, now))
		return true;
	o = oc_objstore_by_label(&t->store, path, len);
	return o && o->looked_up && !expired(o->looked_at, now);
}

/* A lookup's answer as it arrives: the entry of exactly this path, if
 * any (the prefix's answer may hold longer paths too, in any order),
 * chosen as a list chooses: disabled entries are not secrets, and of
 * two entries of the path the newer stands. */
struct lookup {
	const char *path;
	struct oc_secret_meta hit;
	bool found;
	bool disabled; /* the path is there, disabled */
};

static int lookup_entry(void *ctx, struct oc_secret_meta *m)
{
	struct lookup *l = ctx;

	if (!m->path || strcmp(m->path, l->path) != 0)
		return OC_OK;
	if (m->is_disabled) {
		l->disabled = true;
		return OC_OK;
	}
	if (l->found && !newer_duplicate(&l->hit, m))
		return OC_OK;
	oc_secret_meta_clear(&l->hit);
	l->hit = *m;
	m->path = NULL;
	m->metadata = NULL;
	l->found = true;
	return OC_OK;
}

static void lookup_restart(void *ctx)
{
	struct lookup *l = ctx;

	oc_secret_meta_clear(&l->hit);
	l->found = false;
	l->disabled = false;
}

/* Under t->lock: the answer of a lookup of path begun at the count
 * `since` goes into the store as merge() does for a whole list, but for
 * a miss: how the service matches a prefix is not specified, so an
 * answer without the path does not prove it gone.  A known object stays
 * until a full list leaves it out or its value's GET answers 404; an
 * unknown path stays unknown. */
static void merge_one(struct oc_token *t, const struct lookup *l, long now,
		      unsigned long since)
{
	struct oc_obj_data *o =
	    oc_objstore_by_label(&t->store, l->path, strlen(l->path));

	if (o && o->changed > since)
		return; /* written here after the lookup began */
	if (!l->found) {
		if (o && l->disabled) { /* there, and not a secret now */
			oc_keyobj_forget_locked(t, l->path);
			oc_objstore_remove(&t->store, &o->obj);
		}
		return;
	}
	if (o) {
		if (update_meta(o, &l->hit) != OC_OK)
			return;
	} else {
		if (t->gone_lost > since || gone_since(t, l->path, since))
			return; /* deleted here while it was looked up */
		if (new_secret_object(t, &l->hit, &o) != OC_OK)
			return;
		if (oc_objstore_add(&t->store, &o->obj) != OC_OK) {
			oc_object_unref(&o->obj);
			return;
		}
	}
	o->looked_up = true;
	o->looked_at = now;
}

CK_RV oc_token_lookup(struct oc_token *t, const char *label, size_t len)
{
	char id[OC_WIRE_ID_MAX + 1];
	struct lookup l = {0};
	const struct oc_api_meta_sink sink = {lookup_entry, lookup_restart, &l};
	char *path = NULL;
	unsigned long since, wipes;
	bool fresh, refused = false;
	CK_RV rv;
	int err;

	rv = reach(t, id);
	if (rv != CKR_OK || !id[0])
		return rv;
	/* A label no secret can have is in no vault: nothing to ask.  A
	 * path the vault answers is UTF-8 (it came in JSON). */
	if (!oc_wire_path_ok(label, len, OC_WIRE_PATH_ACCEPT) ||
	    !oc_wire_utf8((const uint8_t *)label, len, 0))
		return CKR_OK;

	oc_lock_take(t->lock);
	fresh = path_fresh(t, label, len, oc_init_now());
	oc_lock_release(t->lock);
	if (fresh)
		return CKR_OK;
	path = strndup(label, len);
	if (!path)
		return CKR_HOST_MEMORY;

	oc_lock_take(t->fetch);
	oc_lock_take(t->lock);
	fresh = path_fresh(t, path, len, oc_init_now());
	since = t->changes;
	wipes = t->wipes;
	oc_lock_release(t->lock);
	if (fresh)
		goto out;
	/* Metadata only: no value read. */
	l.path = path;
	err = oc_backend_secret_list(&oc_mod.be, id, path, &sink);
	if (err == OC_ERR_BAD_REQUEST) {
		/* A prefix this server will not take (an odd path): the
		 * whole list answers the find instead. */
		refused = true;
		goto out;
	}
	if (err) {
		oc_rv_cause("looking up %s: %s", path, oc_rv_err_text(err));
		rv = oc_rv_map(err, OC_RV_VAULT);
		goto out;
	}
	oc_lock_take(t->lock);
	/* A logout while the lookup ran: what it read goes. */
	if (t->wipes == wipes)
		merge_one(t, &l, oc_init_now(), since);
	oc_lock_release(t->lock);
	oc_debug(OC_LOG_P11, "vault %s: looked up one path: %s", id,
		 l.found      ? "found"
		 : l.disabled ? "disabled"
			      : "none");
out:
	oc_lock_release(t->fetch);
	oc_secret_meta_clear(&l.hit);
	free(path);
	return refused ? oc_token_sync(t) : rv;
}

struct oc_object *oc_token_find_locked(struct oc_token *t, CK_OBJECT_HANDLE h)
{
	struct oc_object *o = oc_objstore_get(&t->store, h);

	return o && oc_token_visible(o) ? o : NULL;
}

/* Under t->lock: is the value there and current (and opened, where the
 * vault presents its values opened)? */
static bool value_fresh(const struct oc_obj_data *o, long now)
{
	return o->have_value && !expired(o->value_at, now) &&
	       !oc_obj_data_needs_opened(o);
}

CK_RV oc_token_fetch(struct oc_token *t, CK_OBJECT_HANDLE h)
{
	struct oc_secret sec;
	struct oc_object *o;
	struct oc_obj_data *d;
	char id[OC_WIRE_ID_MAX + 1];
	char *path = NULL;
	uint8_t *opened = NULL;
	size_t opened_len = 0;
	long now = oc_init_now();
	unsigned long since;
	bool open;
	CK_RV rv = CKR_OK;
	int err;

	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	d = oc_obj_data(o);
	if (!d || o->session_obj || value_fresh(d, now)) {
		oc_lock_release(t->lock);
		return o ? CKR_OK : CKR_OBJECT_HANDLE_INVALID;
	}
	oc_lock_release(t->lock);

	oc_lock_take(t->fetch);
	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	d = oc_obj_data(o);
	if (!d || value_fresh(d, now)) {
		rv = o ? CKR_OK : CKR_OBJECT_HANDLE_INVALID;
		oc_lock_release(t->lock);
		goto out;
	}
	path = strdup(d->meta.path);
	memcpy(id, t->vault_id, sizeof(id));
	since = t->changes;
	open = d->present_opened;
	oc_lock_release(t->lock);
	if (!path) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}

	memset(&sec, 0, sizeof(sec));
	err = oc_sealed_secret_open(id, path, &sec, open ? &opened : NULL,
				    &opened_len);
	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	d = oc_obj_data(o);
	if (d && d->changed > since) {
		/* Written here while the GET ran: that value is newer. */
		err = OC_OK;
	} else if (err == OC_ERR_NOT_FOUND || err == OC_ERR_GONE) {
		/* Deleted or expired since listing: the object is gone. */
		if (o) {
			oc_keyobj_forget_locked(t, path);
			oc_objstore_remove(&t->store, o);
		}
	} else if (err == OC_OK && d) {
		err = oc_obj_data_set_meta(d, &sec.meta);
		if (err == OC_OK)
			err = oc_obj_data_set_value(d, sec.value, sec.value_len,
						    oc_init_now());
		if (err == OC_OK && opened)
			err = oc_obj_data_set_opened(d, opened, opened_len);
	} else if (err == OC_OK) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	}
	oc_lock_release(t->lock);
	oc_secret_clear(&sec);
	oc_secure_free(opened);
	if (err) {
		oc_rv_cause("reading %s: %s", path, oc_rv_err_text(err));
		rv = oc_rv_map(err, OC_RV_OBJECT);
	}
out:
	oc_lock_release(t->fetch);
	free(path);
	return rv;
}

/* Under t->lock. */
static bool needs_fetch(const struct oc_object *o, const CK_ATTRIBUTE *tmpl,
			CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (oc_object_needs_fetch(o, tmpl[i].type))
			return true;
	return false;
}

/* Does this template entry deliver (or finally refuse) the value or its
 * blob?  Not when it only learns the length or gets CKR_BUFFER_TOO_SMALL,
 * nor when the object has no such attribute. */
static bool reads_value(const struct oc_object *o, const CK_ATTRIBUTE *a,
			bool known)
{
	struct oc_attr_val v = {0};
	CK_RV rv;

	if (a->type != CKA_VALUE && a->type != CKA_ONECLAW_CMEK_BLOB)
		return false;
	if (!known)
		return true; /* a failure to fetch it is a failed read */
	rv = oc_object_attr((void *)o, a->type, &v);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID)
		return false;
	return rv != CKR_OK || (a->pValue && a->ulValueLen >= v.len);
}

/* Under t->lock, before the template is filled: notes the read of a
 * vault object's value (or its blob, the sealed form of it) for the
 * audit when any entry of the template reads it: a template may name an
 * attribute twice, a size query first and the value after. */
static void audit_read(struct oc_token *t, const struct oc_object *o,
		       const CK_ATTRIBUTE *tmpl, CK_ULONG n, bool known)
{
	bool asked = false;

	if (o->session_obj)
		return;
	for (CK_ULONG i = 0; i < n; i++) {
		if (reads_value(o, &tmpl[i], known)) {
			oc_audit_note_locked(OC_AUDIT_READ, t, o,
					     OC_AUDIT_NO_MECH);
			return;
		}
		asked |= tmpl[i].type == CKA_VALUE ||
			 tmpl[i].type == CKA_ONECLAW_CMEK_BLOB;
	}
	if (asked) /* only its length: no line */
		oc_audit_cancel();
}

CK_RV oc_token_get_attrs(struct oc_token *t, CK_OBJECT_HANDLE h,
			 CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	struct oc_object *o;
	CK_RV rv;

	/* A value dropped by another thread between fetch and fill (a
	 * cache refresh) is fetched again; three tries are plenty. */
	for (int tries = 0; tries < 3; tries++) {
		oc_lock_take(t->lock);
		o = oc_token_find_locked(t, h);
		if (!o) {
			oc_lock_release(t->lock);
			return CKR_OBJECT_HANDLE_INVALID;
		}
		if (!needs_fetch(o, tmpl, n)) {
			if (oc_audit_enabled())
				audit_read(t, o, tmpl, n, true);
			rv = oc_attr_fill(tmpl, n, oc_object_attr, o);
			oc_lock_release(t->lock);
			return rv;
		}
		if (oc_audit_enabled())
			audit_read(t, o, tmpl, n, false);
		oc_lock_release(t->lock);
		rv = oc_token_fetch(t, h);
		if (rv != CKR_OK)
			return rv;
	}
	oc_rv_cause("the value kept changing while read");
	return CKR_DEVICE_ERROR;
}

CK_RV oc_token_object_size(struct oc_token *t, CK_OBJECT_HANDLE h,
			   CK_ULONG *size)
{
	CK_ULONG len = CK_UNAVAILABLE_INFORMATION;
	CK_ATTRIBUTE a = {CKA_VALUE, NULL, 0};
	struct oc_object *o;
	bool key;

	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	/* Keys, certificates and the data object of a private key have no
	 * size to tell. */
	key = o && (!oc_obj_data(o) || !oc_object_may(o, OC_ACT_READ_VALUE));
	oc_lock_release(t->lock);
	if (!o)
		return CKR_OBJECT_HANDLE_INVALID;
	if (!key) {
		CK_RV rv = oc_token_get_attrs(t, h, &a, 1);

		if (rv != CKR_OK)
			return rv;
		len = a.ulValueLen;
	}
	*size = len;
	return CKR_OK;
}

void oc_token_wipe(struct oc_token *t)
{
	oc_lock_take(t->lock);
	oc_objstore_clear(&t->store);
	t->listed = false;
	t->key_done = false;
	t->wipes++;
	oc_lock_release(t->lock);
}

CK_RV oc_token_key(struct oc_token *t, CK_OBJECT_HANDLE h,
		   struct oc_object **out)
{
	struct oc_object *o;

	oc_lock_take(t->lock);
	o = oc_token_find_locked(t, h);
	if (o && o->ops->key)
		oc_object_ref(o);
	else
		o = NULL;
	oc_lock_release(t->lock);
	if (!o)
		return CKR_KEY_HANDLE_INVALID;
	*out = o;
	return CKR_OK;
}

CK_RV oc_token_add(struct oc_token *t, struct oc_object *o, CK_OBJECT_HANDLE *h)
{
	int err;

	oc_lock_take(t->lock);
	err = oc_objstore_add(&t->store, o);
	if (err == OC_OK)
		*h = o->handle;
	oc_lock_release(t->lock);
	return err ? oc_rv_map(err, OC_RV_GENERIC) : CKR_OK;
}

void oc_token_drop_session_objects(struct oc_token *t, CK_SESSION_HANDLE s,
				   bool all)
{
	struct oc_object *o, *next;

	oc_lock_take(t->lock);
	for (o = t->store.head; o; o = next) {
		next = o->next;
		if (o->session_obj && (all || o->owner == s))
			oc_objstore_remove(&t->store, o);
	}
	oc_lock_release(t->lock);
}

CK_RV oc_token_object_path(struct oc_token *t, CK_OBJECT_HANDLE h, char **path,
			   char vault_id[OC_WIRE_ID_MAX + 1])
{
	struct oc_obj_data *d;
	CK_RV rv = CKR_OK;

	oc_lock_take(t->lock);
	d = oc_obj_data(oc_token_find_locked(t, h));
	if (!d) {
		rv = CKR_OBJECT_HANDLE_INVALID;
	} else {
		*path = strdup(d->meta.path);
		if (!*path)
			rv = CKR_HOST_MEMORY;
		memcpy(vault_id, t->vault_id, OC_WIRE_ID_MAX + 1);
	}
	oc_lock_release(t->lock);
	return rv;
}

CK_RV oc_token_stored(struct oc_token *t, const char *path,
		      const struct oc_secret_meta *m, const uint8_t *value,
		      size_t len, const uint8_t *opened, size_t opened_len,
		      CK_OBJECT_HANDLE *h)
{
	struct oc_secret_meta mm = *m;
	struct oc_obj_data *o;
	int err = OC_OK;

	/* The path we stored under is the object's identity. */
	mm.path = (char *)path;
	oc_lock_take(t->lock);
	o = oc_objstore_by_label(&t->store, path, strlen(path));
	if (o) {
		err = oc_obj_data_set_meta(o, &mm);
	} else {
		err = new_secret_object(t, &mm, &o);
		if (err == OC_OK) {
			err = oc_objstore_add(&t->store, &o->obj);
			if (err) {
				oc_object_unref(&o->obj);
				o = NULL;
			}
		}
	}
	if (err == OC_OK)
		err = oc_obj_data_set_value(o, value, len, oc_init_now());
	if (err == OC_OK && opened && o->present_opened)
		err = oc_obj_data_set_opened(o, opened, opened_len);
	if (err == OC_OK) {
		o->changed = ++t->changes;
		*h = o->obj.handle;
	}
	oc_lock_release(t->lock);
	return err ? oc_rv_map(err, OC_RV_GENERIC) : CKR_OK;
}

void oc_token_forget(struct oc_token *t, CK_OBJECT_HANDLE h)
{
	struct oc_object *o;
	struct oc_obj_data *d;

	oc_lock_take(t->lock);
	o = oc_objstore_get(&t->store, h);
	d = oc_obj_data(o);
	if (d) {
		remember_gone(t, d->meta.path);
		oc_keyobj_forget_locked(t, d->meta.path);
	}
	if (o)
		oc_objstore_remove(&t->store, o);
	oc_lock_release(t->lock);
}
