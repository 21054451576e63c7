/* kek-rotate.c - re-wrapping every DEK under a new master key. */
#include "config.h"

#include "kek-rotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dblock.h"
#include "err.h"
#include "faults.h"
#include "jwt.h"
#include "kek.h"
#include "log.h"
#include "secmem.h"
#include "store.h"
#include "tokenkey/tokenkey.h"

#define REWRAP_BATCH  100
#define PATH_MAX_LEN  4096
#define SIGNING_LABEL "token signing key"

/* Both KEKs, the kind of wrapped DEK they rotate (the other kind is kept
 * as it is) and, for the master key, the vault keys derived from both for
 * the vault of the last row (rows come in rowid order, mostly in runs of
 * one vault). */
struct rotation {
	struct oc_kek *old_kek;
	struct oc_kek *new_kek;
	int kind; /* OC_KEK_WRAP_MASTER or OC_KEK_WRAP_TOKEN */
	char vault_id[OC_UUID_LEN + 1];
	struct oc_vault_kek *old_vk;
	struct oc_vault_kek *new_vk;
	uint8_t *dek; /* oc_secure_alloc, OC_DEK_LEN */
	size_t kept;
};

static void drop_vault_keys(struct rotation *r)
{
	oc_vault_kek_free(r->old_vk);
	oc_vault_kek_free(r->new_vk);
	r->old_vk = NULL;
	r->new_vk = NULL;
	r->vault_id[0] = '\0';
}

/* The vault keys of vault_id, derived unless they are the last vault's. */
static int vault_keys(struct rotation *r, const char *vault_id,
		      const uint8_t salt[OC_KEK_SALT_LEN])
{
	int rc;

	if (strcmp(vault_id, r->vault_id) == 0)
		return OC_OK;
	drop_vault_keys(r);
	rc = oc_vault_kek_new(r->old_kek, vault_id, salt, &r->old_vk);
	if (!rc)
		rc = oc_vault_kek_new(r->new_kek, vault_id, salt, &r->new_vk);
	if (!rc)
		snprintf(r->vault_id, sizeof(r->vault_id), "%s", vault_id);
	return rc;
}

static int rewrap(void *ctx, const char *vault_id,
		  const uint8_t salt[OC_KEK_SALT_LEN], uint8_t *w, size_t n)
{
	struct rotation *r = ctx;
	uint8_t out[OC_KEK_WRAPPED_LEN];
	int rc;

	if (n == OC_KEK_WRAPPED_LEN && !oc_kek_wrapped_by(w, n, r->kind)) {
		r->kept++;
		return OC_OK;
	}
	if (r->kind == OC_KEK_WRAP_MASTER) {
		rc = vault_keys(r, vault_id, salt);
		if (!rc)
			rc = oc_vault_kek_unwrap(r->old_vk, w, n, r->dek);
		if (!rc)
			rc = oc_vault_kek_wrap(r->new_vk, r->dek, out);
	} else {
		/* Inside the token: nothing is derived. */
		rc = oc_kek_unwrap(r->old_kek, vault_id, salt, w, n, r->dek);
		if (!rc)
			rc = oc_kek_wrap(r->new_kek, vault_id, salt, r->dek,
					 out);
	}
	if (rc == OC_ERR_DECRYPT)
		oc_log_error("oneclaw-vaultd: a DEK of vault %s does not open "
			     "with the old KEK",
			     vault_id);
	oc_wipe(r->dek, OC_DEK_LEN);
	if (!rc)
		memcpy(w, out, OC_KEK_WRAPPED_LEN);
	return rc;
}

/* Test-only pacing after each batch (--faults rotate-delay, rotate-hold). */
static void pace(const struct oc_faults *f)
{
	const char *hold = oc_faults_rotate_hold(f);
	unsigned delay = oc_faults_rotate_delay(f), waited = 0;
	struct timespec step = {0, 20 * 1000000L};

	while (delay >= 20) {
		nanosleep(&step, NULL);
		delay -= 20;
	}
	while (hold && access(hold, F_OK) == 0 &&
	       waited < OC_FAULTS_HOLD_MAX_MS) {
		nanosleep(&step, NULL);
		waited += 20;
	}
}

/* The token signing key opened with the old key, sealed with the new. */
static int reseal_signing_key(struct oc_store *st, struct rotation *r,
			      uint8_t *sealed, size_t size, size_t *len)
{
	uint8_t *old = NULL, seed[OC_SIGNING_SEED_LEN];
	size_t old_len = 0, seed_len = 0;
	int rc;

	rc = oc_store_meta_get(st, "signing_key", &old, &old_len);
	if (!rc)
		rc = oc_kek_open_local(r->old_kek, SIGNING_LABEL, old, old_len,
				       seed, sizeof(seed), &seed_len);
	if (!rc)
		rc = oc_kek_seal_local(r->new_kek, SIGNING_LABEL, seed,
				       seed_len, sealed, size, len);
	oc_wipe(seed, sizeof(seed));
	free(old);
	return rc;
}

/* Whether kek opens the database: its token signing key is sealed under
 * the master key in use. */
static bool opens(struct oc_store *st, struct oc_kek *kek)
{
	uint8_t *sealed = NULL, seed[OC_SIGNING_SEED_LEN];
	size_t sealed_len = 0, seed_len = 0;
	bool ok;

	ok = oc_store_meta_get(st, "signing_key", &sealed, &sealed_len) ==
		 OC_OK &&
	     oc_kek_open_local(kek, SIGNING_LABEL, sealed, sealed_len, seed,
			       sizeof(seed), &seed_len) == OC_OK;
	oc_wipe(seed, sizeof(seed));
	free(sealed);
	return ok;
}

/* The new master key: loaded, or created when missing and no rotation is
 * unfinished (*made). */
static int new_master_key(const char *path, bool pending, struct oc_kek **out,
			  bool *made)
{
	struct stat sb;
	int rc;

	*made = false;
	if (lstat(path, &sb) != 0) {
		if (errno != ENOENT || pending) {
			oc_log_error("oneclaw-vaultd: cannot read the new "
				     "master key %s: %s",
				     path, strerror(errno));
			return OC_ERR_IO;
		}
		rc = oc_kek_master_create(path);
		if (rc)
			return rc;
		*made = true;
	}
	return oc_kek_open(path, out);
}

/* A KEK: the master key at mpath, with the token key at uri if not NULL. */
static int open_kek(const char *mpath, const struct oc_kek_rotate_args *a,
		    const char *uri, struct oc_kek **out)
{
	int rc = oc_kek_open(mpath, out);

	if (!rc && uri)
		rc =
		    oc_kek_use_token(*out, a->kek_module, uri, a->kek_pin_file);
	return rc;
}

/* Before anything changes, that the old token key opens the first DEK it
 * wrapped (the master key was checked by the signing key); *finished when
 * the new key opens it instead, as when a rotation ended before its
 * command could say so. */
static int check_old_token(struct oc_store *st, struct rotation *r,
			   const char *uri, bool *finished)
{
	struct oc_kek_sample sample;
	bool found = false;
	int rc;

	memset(&sample, 0, sizeof(sample));
	rc = oc_store_kek_sample(st, OC_KEK_WRAP_TOKEN, &sample, &found);
	if (!rc && found)
		rc = oc_kek_unwrap(r->old_kek, sample.vault_id, sample.salt,
				   sample.dek, sample.dek_len, r->dek);
	if (rc == OC_ERR_DECRYPT &&
	    oc_kek_unwrap(r->new_kek, sample.vault_id, sample.salt, sample.dek,
			  sample.dek_len, r->dek) == OC_OK) {
		*finished = true;
		rc = OC_OK;
	}
	oc_wipe(r->dek, OC_DEK_LEN);
	if (rc == OC_ERR_DECRYPT)
		oc_log_error("oneclaw-vaultd: the token key %s does not open "
			     "the DEKs of the database",
			     oc_tk_uri_shown(uri));
	return rc;
}

/* Whether the master key at path, when there is one, opens the database,
 * as when a rotation to it ended before its command could say so. */
static bool rotated_to(struct oc_store *st, const char *path)
{
	struct oc_kek *k = NULL;
	struct stat sb;
	bool yes;

	if (lstat(path, &sb) != 0)
		return false;
	yes = oc_kek_open(path, &k) == OC_OK && opens(st, k);
	oc_kek_free(k);
	return yes;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int oc_vaultd_rotate_kek(const struct oc_kek_rotate_args *a)
{
	struct oc_dblock lock = OC_DBLOCK_NONE;
	struct oc_faults *faults = NULL;
	struct oc_store *st = NULL;
	struct oc_kek_rotation rec;
	struct rotation r;
	char mpath[PATH_MAX_LEN], old_id[OC_KEK_ID_HEX_LEN + 1];
	char new_id[OC_KEK_ID_HEX_LEN + 1];
	uint8_t sealed[OC_SIGNING_SEED_LEN + 64];
	size_t sealed_len = 0, done = 0, total = 0;
	bool pending = false, made = false, begun = false, finished = false;
	bool token = a->new_kek_uri != NULL;
	double t0 = now_s(), secs;
	int n, rc;

	memset(&r, 0, sizeof(r));
	r.kind = token ? OC_KEK_WRAP_TOKEN : OC_KEK_WRAP_MASTER;
	if (token && (!a->kek_module || !a->kek_uri)) {
		oc_log_error("oneclaw-vaultd: --new-kek-uri needs the token "
			     "KEK in use: --kek-module and --kek-uri");
		return OC_ERR_CONFIG;
	}
	n = a->master_key
		? snprintf(mpath, sizeof(mpath), "%s", a->master_key)
		: snprintf(mpath, sizeof(mpath), "%s.master-key", a->db_path);
	if (n < 0 || (size_t)n >= sizeof(mpath)) {
		oc_log_error("oneclaw-vaultd: the master key path is too long");
		return OC_ERR_RANGE;
	}
	if (a->faults) {
		rc = oc_faults_parse(a->faults, &faults);
		if (rc)
			return rc;
	}
	r.dek = oc_secure_alloc(OC_DEK_LEN);
	rc = r.dek ? oc_dblock_exclusive(a->db_path, false, &lock)
		   : OC_ERR_NOMEM;
	if (!rc)
		rc = oc_store_open(a->db_path, &st);
	if (!rc)
		rc = open_kek(mpath, a, token ? a->kek_uri : NULL, &r.old_kek);
	if (!rc)
		rc = oc_kek_id(r.old_kek, old_id);
	if (rc)
		goto out;
	if (!opens(st, r.old_kek)) {
		/* No rotation is unfinished then: until its last step the
		 * old key opens the database. */
		if (!token && rotated_to(st, a->new_master_key)) {
			fprintf(stderr,
				"oneclaw-vaultd: %s already opens %s (a "
				"rotation to it is finished); start the "
				"server with --master-key %s\n",
				a->new_master_key, a->db_path,
				a->new_master_key);
			goto out;
		}
		oc_log_error("oneclaw-vaultd: the master key %s does not open "
			     "%s",
			     mpath, a->db_path);
		rc = OC_ERR_DECRYPT;
		goto out;
	}
	rc = oc_store_kek_rotation_get(st, &rec, &pending);
	if (!rc && token)
		rc = open_kek(mpath, a, a->new_kek_uri, &r.new_kek);
	else if (!rc)
		rc = new_master_key(a->new_master_key, pending, &r.new_kek,
				    &made);
	if (!rc)
		rc = oc_kek_id(r.new_kek, new_id);
	if (!rc && strcmp(new_id, old_id) == 0) {
		oc_log_error("oneclaw-vaultd: %s is the KEK in use",
			     token ? oc_tk_uri_shown(a->new_kek_uri)
				   : a->new_master_key);
		rc = OC_ERR_CONFIG;
	}
	if (!rc && token && !pending)
		rc = check_old_token(st, &r, a->kek_uri, &finished);
	if (!rc && finished)
		fprintf(stderr,
			"oneclaw-vaultd: the token key %s already wraps the "
			"DEKs of %s (a rotation to it is finished); start the "
			"server with --kek-uri '%s'\n",
			oc_tk_uri_shown(a->new_kek_uri), a->db_path,
			oc_tk_uri_shown(a->new_kek_uri));
	if (rc || finished)
		goto out;
	if (pending && (strcmp(rec.old_id, old_id) != 0 ||
			strcmp(rec.new_id, new_id) != 0)) {
		oc_log_error("oneclaw-vaultd: an unfinished rotation of %s is "
			     "from key %s to key %s; give those keys (these "
			     "are %s and %s)",
			     a->db_path, rec.old_id, rec.new_id, old_id,
			     new_id);
		rc = OC_ERR_KEY_MISMATCH;
		goto out;
	}
	if (pending)
		fprintf(stderr,
			"oneclaw-vaultd: finishing the rotation of %s from key "
			"%s to key %s\n",
			a->db_path, old_id, new_id);
	else {
		/* From here the new key is kept whatever happens: a commit
		 * reported failed may still have reached the disk. */
		made = false;
		rc = oc_store_kek_rotation_begin(st, old_id, new_id);
	}
	if (rc)
		goto out;
	begun = true;
	do {
		rc = oc_store_kek_rewrap_batch(st, REWRAP_BATCH, rewrap, &r,
					       &done);
		total += done;
		if (!rc && done)
			pace(faults);
	} while (!rc && done);
	if (!rc)
		rc = reseal_signing_key(st, &r, sealed, sizeof(sealed),
					&sealed_len);
	if (!rc)
		rc = oc_store_kek_rotation_finish(st, sealed, sealed_len);
	oc_wipe(sealed, sizeof(sealed));
	if (rc)
		goto out;
	secs = now_s() - t0;
	fprintf(stderr,
		"oneclaw-vaultd: re-wrapped %zu DEKs of %s in %.3f s (%.0f/s; "
		"%zu wrapped by the other kind of KEK kept)\n",
		total - r.kept, a->db_path, secs,
		secs > 0 ? (double)(total - r.kept) / secs : 0.0, r.kept);
	if (token)
		fprintf(stderr,
			"oneclaw-vaultd: start the server with --kek-uri '%s'; "
			"the token key '%s' no longer wraps any DEK of the "
			"database and can be removed once no backup taken "
			"before this rotation is needed\n",
			oc_tk_uri_shown(a->new_kek_uri),
			oc_tk_uri_shown(a->kek_uri));
	else
		fprintf(stderr,
			"oneclaw-vaultd: start the server with --master-key "
			"%s; the old key %s no longer opens the database and "
			"can be removed once no backup taken before this "
			"rotation is needed\n",
			a->new_master_key, mpath);
out:
	if (rc && begun)
		oc_log_error("oneclaw-vaultd: the KEK rotation of %s stopped "
			     "after %zu DEKs: %s; run the same command again "
			     "to finish it, and keep both keys",
			     a->db_path, total, oc_strerror(rc));
	else if (rc && made)
		unlink(a->new_master_key);
	drop_vault_keys(&r);
	oc_kek_free(r.old_kek);
	oc_kek_free(r.new_kek);
	oc_secure_free(r.dek);
	oc_store_close(st);
	oc_dblock_release(&lock);
	oc_faults_free(faults);
	return rc;
}

int oc_kek_rotate_check_finished(struct oc_store *st, const char *db_path)
{
	struct oc_kek_rotation rec;
	bool pending = false;
	int rc;

	rc = oc_store_kek_rotation_get(st, &rec, &pending);
	if (!rc && pending) {
		oc_log_error("oneclaw-vaultd: a KEK rotation of %s from key %s "
			     "to key %s is unfinished; run the same "
			     "oneclaw-vaultd --rotate-kek command again to "
			     "finish it",
			     db_path, rec.old_id, rec.new_id);
		rc = OC_ERR_STATE;
	}
	return rc;
}
