/* keyobj.c - key and certificate objects from key-typed secrets. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cmek.h"
#include "err.h"
#include "init.h"
#include "keyobj.h"
#include "keys.h"
#include "log.h"
#include "obj-asym.h"
#include "obj-cert.h"
#include "obj-data.h"
#include "object.h"
#include "objstore.h"
#include "pkey.h"
#include "rv.h"
#include "sealed.h"
#include "secmem.h"
#include "token.h"

static bool is_cert_type(const char *type)
{
	return strcmp(type, "certificate") == 0;
}

/* The secret's plaintext in secure memory: fetched, and opened with the
 * vault's CMEK key when it was sealed. */
static int load_value(const char *vault_id, const char *path, uint8_t **out,
		      size_t *out_len, int64_t *version, char *why,
		      size_t why_len)
{
	struct oc_secret sec;
	struct oc_cmek_key *k = NULL;
	uint8_t *pt = NULL;
	size_t len = 0;
	int err;

	memset(&sec, 0, sizeof(sec));
	err = oc_sealed_secret_get(vault_id, path, &sec);
	if (err) {
		snprintf(why, why_len, "fetch failed: %s", oc_strerror(err));
		return err;
	}
	if (sec.meta.cmek_encrypted) {
		if (oc_keys_get(vault_id, &k) != CKR_OK || !k) {
			oc_rv_cause_clear();
			snprintf(why, why_len,
				 "sealed with CMEK and no key is configured");
			err = OC_ERR_NO_KEY;
			goto out;
		}
		if (sec.value_len < OC_CMEK_OVERHEAD) {
			snprintf(why, why_len, "sealed value too short");
			err = OC_ERR_TOO_SHORT;
			goto out;
		}
		len = sec.value_len - OC_CMEK_OVERHEAD;
		pt = oc_secure_alloc(len + 1);
		if (!pt) {
			err = OC_ERR_NOMEM;
			goto out;
		}
		err = oc_cmek_open(k, sec.value, sec.value_len, pt, len, &len);
		if (err) {
			snprintf(why, why_len, "CMEK open failed: %s",
				 oc_strerror(err));
			goto out;
		}
	} else {
		len = sec.value_len;
		pt = oc_secure_dup(sec.value ? sec.value : (const uint8_t *)"",
				   len);
		if (!pt) {
			err = OC_ERR_NOMEM;
			goto out;
		}
	}
	*out = pt;
	*out_len = len;
	*version = sec.meta.version;
	pt = NULL;
out:
	oc_secure_free(pt);
	oc_secret_clear(&sec);
	return err;
}

struct todo {
	char *path;
	char type[32];
	int64_t version;
};

/* The secret a key or certificate object was made from; NULL for the
 * other kinds. */
static const struct oc_obj_src *src_of(const struct oc_object *o)
{
	const struct oc_obj_asym *k = oc_obj_asym(o);
	const struct oc_obj_cert *c = oc_obj_cert(o);

	return k ? &k->src : c ? &c->src : NULL;
}

/* Under t->lock: drops objects whose secret left or changed; lists the
 * key-typed secrets to turn into objects. */
static size_t plan(struct oc_token *t, struct todo **out)
{
	struct oc_object *o, *next;
	struct oc_obj_data *d;
	struct todo *v = NULL;
	size_t n = 0, cap = 0;

	for (o = t->store.head; o; o = next) {
		const struct oc_obj_src *src = src_of(o);

		next = o->next;
		if (!src)
			continue;
		d = oc_objstore_by_label(&t->store, src->path,
					 strlen(src->path));
		if (!d || d->meta.version != src->version) {
			if (d)
				d->keyobj_done = false;
			oc_objstore_remove(&t->store, o);
		}
	}
	for (o = t->store.head; o; o = o->next) {
		d = oc_obj_data(o);
		if (!d || o->session_obj ||
		    (!oc_obj_data_key_type(d->meta.type) &&
		     !is_cert_type(d->meta.type)))
			continue;
		if (d->keyobj_done && d->keyobj_version == d->meta.version)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct todo *nv = realloc(v, nc * sizeof(*nv));

			if (!nv)
				break;
			v = nv;
			cap = nc;
		}
		v[n].path = strdup(d->meta.path);
		if (!v[n].path)
			break;
		snprintf(v[n].type, sizeof(v[n].type), "%s", d->meta.type);
		v[n].version = d->meta.version;
		n++;
	}
	*out = v;
	return n;
}

/* Under t->lock: the new objects join the store if their secret is still
 * the version they were made from. */
static void adopt(struct oc_token *t, const struct todo *w,
		  struct oc_object **objs, size_t n)
{
	struct oc_obj_data *d =
	    oc_objstore_by_label(&t->store, w->path, strlen(w->path));

	if (!d || d->meta.version != w->version)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!objs[i])
			continue;
		if (oc_objstore_add(&t->store, objs[i]) != OC_OK)
			continue;
		objs[i] = NULL;
	}
	d->keyobj_done = true;
	d->keyobj_version = w->version;
	/* A value cached before (a local write) is key material: not kept. */
	if (oc_object_holds_key_material(&d->obj))
		oc_obj_data_drop_value(d);
}

/* The part of a path before its last extension ("tls/client"). */
static size_t stem_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (dot && (!slash || dot > slash + 1))
		return (size_t)(dot - path);
	return strlen(path);
}

/* Under t->lock: keys take their certificate's subject; a certificate
 * named like a key but for another key is reported. */
static void pair(struct oc_token *t)
{
	for (struct oc_object *o = t->store.head; o; o = o->next) {
		struct oc_obj_cert *c = oc_obj_cert(o);

		if (!c)
			continue;
		for (struct oc_object *p = t->store.head; p; p = p->next) {
			struct oc_obj_asym *k = oc_obj_asym(p);
			bool same_id;
			size_t sl;

			if (!k)
				continue;
			same_id = p->id_len == o->id_len &&
				  memcmp(p->id, o->id, o->id_len) == 0;
			if (same_id && !k->subject) {
				k->subject = malloc(c->cert.subject_len + 1);
				if (k->subject) {
					memcpy(k->subject, c->cert.subject,
					       c->cert.subject_len);
					k->subject_len = c->cert.subject_len;
				}
			}
			sl = stem_len(c->src.path);
			if (!same_id && oc_obj_asym_is_private(k) &&
			    stem_len(k->src.path) == sl &&
			    memcmp(k->src.path, c->src.path, sl) == 0)
				oc_debug(OC_LOG_P11,
					 "certificate %s is not for key %s "
					 "(their public keys differ)",
					 c->src.path, k->src.path);
		}
	}
}

/* Fetches and parses one secret into up to two objects. */
static void build(const char *vault_id, const struct todo *w,
		  struct oc_object *objs[2], bool *final)
{
	char why[160] = "";
	uint8_t *v = NULL;
	size_t n = 0;
	int64_t version = 0;
	EVP_PKEY *k = NULL;
	int err;

	*final = false;
	err = load_value(vault_id, w->path, &v, &n, &version, why, sizeof(why));
	if (err) {
		/* A network failure is tried again on the next sync; a key
		 * that cannot be opened is final for this version. */
		*final = err == OC_ERR_NO_KEY || err == OC_ERR_DECRYPT ||
			 err == OC_ERR_VERSION || err == OC_ERR_TOO_SHORT ||
			 err == OC_ERR_NOT_SEALED;
		goto out;
	}
	if (version != w->version) {
		snprintf(why, sizeof(why), "changed while read");
		goto out;
	}
	*final = true;
	if (is_cert_type(w->type)) {
		err = oc_obj_cert_new(w->path, version, v, n, &objs[0], why,
				      sizeof(why));
	} else {
		err = oc_pkey_parse_private(v, n, &k, why, sizeof(why));
		if (!err)
			err = oc_obj_asym_new_pair(w->path, version, k,
						   &objs[0], &objs[1]);
	}
	if (err && !why[0])
		snprintf(why, sizeof(why), "%s", oc_strerror(err));
out:
	if (why[0])
		oc_debug(OC_LOG_P11, "%s: not a %s object: %s", w->path,
			 is_cert_type(w->type) ? "certificate" : "key", why);
	else
		oc_debug(OC_LOG_P11, "%s: %s object%s", w->path,
			 is_cert_type(w->type) ? "certificate" : "key pair",
			 is_cert_type(w->type) ? "" : "s");
	EVP_PKEY_free(k);
	oc_secure_free(v);
}

void oc_keyobj_sync(struct oc_token *t, const char vault_id[OC_WIRE_ID_MAX + 1])
{
	struct todo *todo = NULL;
	size_t n;

	oc_lock_take(t->lock);
	n = plan(t, &todo);
	oc_lock_release(t->lock);

	for (size_t i = 0; i < n; i++) {
		struct oc_object *objs[2] = {NULL, NULL};
		bool final;

		build(vault_id, &todo[i], objs, &final);
		oc_lock_take(t->lock);
		if (final)
			adopt(t, &todo[i], objs, 2);
		oc_lock_release(t->lock);
		oc_object_unref(objs[0]);
		oc_object_unref(objs[1]);
	}
	oc_lock_take(t->lock);
	if (n)
		pair(t);
	oc_lock_release(t->lock);
	for (size_t i = 0; i < n; i++)
		free(todo[i].path);
	free(todo);
}

CK_RV oc_keyobj_private(struct oc_token *t, struct oc_obj_asym *o,
			EVP_PKEY **out)
{
	char id[OC_WIRE_ID_MAX + 1];
	char why[160] = "";
	struct oc_pkey_pub pub;
	EVP_PKEY *k = NULL;
	uint8_t *v = NULL;
	size_t n = 0;
	int64_t version = 0;
	char *path = NULL;
	CK_RV rv = CKR_OK;
	int err;

	memset(&pub, 0, sizeof(pub));
	oc_lock_take(t->fetch);
	oc_lock_take(t->lock);
	if (o->priv_key && !oc_token_expired(o->priv_at, oc_init_now())) {
		EVP_PKEY_up_ref(o->priv_key);
		*out = o->priv_key;
		oc_lock_release(t->lock);
		oc_lock_release(t->fetch);
		return CKR_OK;
	}
	oc_obj_asym_drop_private(o);
	path = strdup(o->src.path);
	memcpy(id, t->vault_id, sizeof(id));
	oc_lock_release(t->lock);
	if (!path) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}

	err = load_value(id, path, &v, &n, &version, why, sizeof(why));
	if (!err)
		err = oc_pkey_parse_private(v, n, &k, why, sizeof(why));
	if (!err)
		err = oc_pkey_pub_of(k, &pub);
	if (err) {
		oc_rv_cause("%s: %s", path, why);
		rv = err == OC_ERR_NOT_FOUND || err == OC_ERR_GONE
			 ? CKR_KEY_HANDLE_INVALID
			 : oc_rv_map(err, OC_RV_OBJECT);
		goto out;
	}
	/* Rotated on the server under the same path: not the key the
	 * application found. */
	if (CRYPTO_memcmp(pub.id, o->obj.id, OC_PKEY_ID_LEN) != 0 ||
	    o->obj.id_len != OC_PKEY_ID_LEN) {
		oc_rv_cause("%s now holds another key", path);
		rv = CKR_KEY_CHANGED;
		goto out;
	}
	oc_lock_take(t->lock);
	EVP_PKEY_up_ref(k);
	o->priv_key = k;
	o->priv_at = oc_init_now();
	oc_lock_release(t->lock);
	*out = k;
	k = NULL;
out:
	oc_lock_release(t->fetch);
	EVP_PKEY_free(k);
	oc_pkey_pub_free(&pub);
	oc_secure_free(v);
	free(path);
	return rv;
}

void oc_keyobj_drop_private(struct oc_token *t)
{
	oc_lock_take(t->lock);
	for (struct oc_object *o = t->store.head; o; o = o->next) {
		struct oc_obj_asym *k = oc_obj_asym(o);

		if (k)
			oc_obj_asym_drop_private(k);
	}
	oc_lock_release(t->lock);
}

void oc_keyobj_forget_locked(struct oc_token *t, const char *path)
{
	struct oc_object *o, *next;

	for (o = t->store.head; o; o = next) {
		const struct oc_obj_src *src = src_of(o);

		next = o->next;
		if (src && strcmp(src->path, path) == 0)
			oc_objstore_remove(&t->store, o);
	}
}
