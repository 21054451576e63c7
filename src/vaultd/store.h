/* store.h - the server's SQLite store.
 *
 * WAL journal, synchronous=FULL (an acknowledged write survives kill -9),
 * foreign keys on, a busy timeout, prepared statements cached per handle.
 * A handle is used by many threads under its own mutex; the rotation worker
 * opens a handle of its own so a batch never blocks request handling for
 * longer than the batch's commit.  Secret values are stored only as
 * envelope ciphertext (see envelope.h); API keys only as SHA-256 hashes.
 *
 * Returns: OC_OK, OC_ERR_NOT_FOUND, OC_ERR_GONE (soft-deleted, disabled,
 * expired or out of reads), OC_ERR_CONFLICT (name taken, job running),
 * OC_ERR_STATE (the vault's CMEK state changed under the caller),
 * OC_ERR_IO (SQLite failed; logged), OC_ERR_NOMEM. */
#ifndef OC_VAULTD_STORE_H
#define OC_VAULTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cmek.h"
#include "ids.h"
#include "kek.h"
#include "rfc3339.h"
#include "strlist.h"
#include "wire.h"

#define OC_NAME_MAX	      255
#define OC_PRINCIPAL_REF_MAX  48 /* "agent:<uuid>" */
#define OC_SECRET_PATTERN_MAX 1024
#define OC_KEK_SALT_LEN	      32

struct oc_store;

/* --init: creates a new database file (mode 0600, refuses an existing
 * file) with the schema. */
int oc_store_create(const char *path, struct oc_store **out);
/* Opens an existing database created by oc_store_create. */
int oc_store_open(const char *path, struct oc_store **out);
void oc_store_close(struct oc_store *st);

/* Whether this handle's last write failed for a reason of the storage (a
 * full, read-only or failing disk, a damaged file), with none reaching the
 * disk since.  Lock-free. */
bool oc_store_writes_failing(struct oc_store *st);

/* Small named blobs (the sealed token signing key, the schema version). */
int oc_store_meta_get(struct oc_store *st, const char *key, uint8_t **val,
		      size_t *len);
int oc_store_meta_set(struct oc_store *st, const char *key, const uint8_t *val,
		      size_t len);

int oc_store_user_add(struct oc_store *st, const char *id, const char *name,
		      const uint8_t hash[OC_KEY_HASH_LEN]);
/* Finds the user whose key hashes to hash (compared in constant time). */
int oc_store_user_by_hash(struct oc_store *st,
			  const uint8_t hash[OC_KEY_HASH_LEN],
			  char id[OC_UUID_LEN + 1]);

struct oc_vault_row {
	char id[OC_UUID_LEN + 1];
	char name[OC_NAME_MAX + 1];
	char description[OC_NAME_MAX + 1];
	char created_at[OC_TIME_LEN];
	char created_by[OC_PRINCIPAL_REF_MAX + 1];
	char cmek_fpr[OC_CMEK_FPR_HEX_LEN + 1]; /* "" when CMEK is off */
	uint8_t kek_salt[OC_KEK_SALT_LEN];
};

int oc_store_vault_create(struct oc_store *st, const struct oc_vault_row *v);
int oc_store_vault_get(struct oc_store *st, const char *id,
		       struct oc_vault_row *out);
int oc_store_vault_list(struct oc_store *st, struct oc_vault_row **out,
			size_t *n);
/* OC_ERR_CONFLICT while a rotation job runs.  The vault's policies go
 * with it, and so do the tokens of the agents they named (see
 * oc_store_policy_create). */
int oc_store_vault_delete(struct oc_store *st, const char *id);
/* fpr NULL disables.  OC_ERR_CONFLICT while a rotation job runs. */
int oc_store_vault_set_cmek(struct oc_store *st, const char *id,
			    const char *fpr, struct oc_vault_row *out);

struct oc_version_row {
	char vid[OC_UUID_LEN + 1];	 /* the version's own id (AAD) */
	char secret_id[OC_UUID_LEN + 1]; /* the API's "id" */
	char vault_id[OC_UUID_LEN + 1];
	char *path; /* heap */
	int64_t version;
	char type[OC_WIRE_TYPE_MAX + 1];
	char *metadata; /* JSON object text, heap */
	char created_at[OC_TIME_LEN];
	char created_by[OC_PRINCIPAL_REF_MAX + 1];
	char expires_at[OC_TIME_LEN]; /* "" when none */
	int64_t expires_epoch;
	int64_t max_access; /* 0: unlimited */
	int64_t access_count;
	bool disabled;
	bool deleted;				/* the secret is soft-deleted */
	char cmek_fpr[OC_CMEK_FPR_HEX_LEN + 1]; /* "" when not CMEK */
	uint8_t *dek;				/* wrapped DEK, heap */
	size_t dek_len;
	uint8_t *ct; /* value ciphertext, heap */
	size_t ct_len;
};

void oc_version_row_clear(struct oc_version_row *v);
void oc_version_rows_free(struct oc_version_row *v, size_t n);

/* Stores a new version (the next number) of path; creates the secret, or a
 * new one after a soft delete.  expect_fpr is the vault's CMEK fingerprint
 * the caller validated against ("" for none): OC_ERR_STATE if it changed.
 * Sets v->secret_id, v->version, v->vault_id and v->path. */
int oc_store_secret_put(struct oc_store *st, const char *vault_id,
			const char *path, const char *expect_fpr,
			struct oc_version_row *v);
/* version 0 reads the latest enabled version.  count_access spends one read
 * of max_access_count.  With blobs. */
int oc_store_secret_read(struct oc_store *st, const char *vault_id,
			 const char *path, int64_t version, bool count_access,
			 time_t now, struct oc_version_row *out);
/* Live secrets (latest enabled version each), path prefix may be NULL;
 * without blobs. */
int oc_store_secret_list(struct oc_store *st, const char *vault_id,
			 const char *prefix, struct oc_version_row **out,
			 size_t *n);
int oc_store_secret_versions(struct oc_store *st, const char *vault_id,
			     const char *path, struct oc_version_row **out,
			     size_t *n);
int oc_store_secret_delete(struct oc_store *st, const char *vault_id,
			   const char *path);
int oc_store_version_disable(struct oc_store *st, const char *vault_id,
			     const char *path, int64_t version);

struct oc_agent_row {
	char id[OC_UUID_LEN + 1];
	char name[OC_NAME_MAX + 1];
	char description[OC_NAME_MAX + 1];
	struct oc_strlist vault_ids;
	struct oc_strlist scopes;
	int64_t token_ttl;
	bool is_active;
	char expires_at[OC_TIME_LEN];
	int64_t expires_epoch;
	int64_t gen; /* bumped to revoke every token issued before */
	char created_at[OC_TIME_LEN];
};

void oc_agent_row_clear(struct oc_agent_row *a);
void oc_agent_rows_free(struct oc_agent_row *a, size_t n);
int oc_store_agent_create(struct oc_store *st, const struct oc_agent_row *a,
			  const uint8_t hash[OC_KEY_HASH_LEN]);
int oc_store_agent_get(struct oc_store *st, const char *id,
		       struct oc_agent_row *out);
int oc_store_agent_by_hash(struct oc_store *st,
			   const uint8_t hash[OC_KEY_HASH_LEN],
			   struct oc_agent_row *out);
int oc_store_agent_list(struct oc_store *st, struct oc_agent_row **out,
			size_t *n);
/* Writes every field but id/created_at and bumps gen. */
int oc_store_agent_update(struct oc_store *st, const struct oc_agent_row *a);
int oc_store_agent_set_key(struct oc_store *st, const char *id,
			   const uint8_t hash[OC_KEY_HASH_LEN]);
int oc_store_agent_delete(struct oc_store *st, const char *id);

#define OC_PERM_READ  1u
#define OC_PERM_WRITE 2u

struct oc_policy_row {
	char id[OC_UUID_LEN + 1];
	char vault_id[OC_UUID_LEN + 1];
	char pattern[OC_SECRET_PATTERN_MAX + 1];
	char principal_type[8]; /* "agent" | "user" */
	char principal_id[OC_UUID_LEN + 1];
	unsigned perms;
	bool deny;
	int64_t priority;
	char expires_at[OC_TIME_LEN];
	int64_t expires_epoch;
	char created_at[OC_TIME_LEN];
};

/* Creating, updating or deleting a policy that names an agent bumps that
 * agent's gen in the same transaction (an update: the agent it named
 * before and the one it names after), so every token issued to it before
 * is revoked, as on the hosted service. */
int oc_store_policy_create(struct oc_store *st, const struct oc_policy_row *p);
int oc_store_policy_get(struct oc_store *st, const char *vault_id,
			const char *id, struct oc_policy_row *out);
int oc_store_policy_update(struct oc_store *st, const struct oc_policy_row *p);
int oc_store_policy_delete(struct oc_store *st, const char *vault_id,
			   const char *id);
/* principal_type/id NULL: every policy of the vault.  vault_id NULL: the
 * principal's policies in every vault. */
int oc_store_policy_list(struct oc_store *st, const char *vault_id,
			 const char *principal_type, const char *principal_id,
			 struct oc_policy_row **out, size_t *n);

struct oc_job_row {
	char id[OC_UUID_LEN + 1];
	char vault_id[OC_UUID_LEN + 1];
	char status[16]; /* pending | running | completed | failed */
	int64_t total;
	int64_t processed;
	char old_fpr[OC_CMEK_FPR_HEX_LEN + 1];
	char new_fpr[OC_CMEK_FPR_HEX_LEN + 1];
	char error[256];
	char created_at[OC_TIME_LEN];
	char started_at[OC_TIME_LEN];
	char completed_at[OC_TIME_LEN];
};

/* Checks that the vault's fingerprint is still job->old_fpr (OC_ERR_STATE)
 * and that no job of the vault is pending or running (OC_ERR_CONFLICT);
 * counts total_secrets and inserts the job as pending. */
int oc_store_job_create(struct oc_store *st, struct oc_job_row *job);
int oc_store_job_get(struct oc_store *st, const char *vault_id, const char *id,
		     struct oc_job_row *out);
/* error may be NULL.  Sets started_at on "running", completed_at on
 * "completed"/"failed". */
int oc_store_job_set_status(struct oc_store *st, const char *id,
			    const char *status, const char *error);
/* At start-up: every pending or running job failed ("interrupted"). */
int oc_store_jobs_interrupt(struct oc_store *st);

/* Re-seals one version in place: replaces row->dek/ct (heap).  Returns
 * OC_OK or an error that aborts the batch. */
typedef int (*oc_reseal_fn)(void *ctx, struct oc_version_row *row);

/* One transaction: up to limit versions of the vault sealed under old_fpr
 * are re-sealed by fn and stamped with new_fpr, and the job's processed
 * counter advances by their number.  *done is that number (0: none left).
 * On failure nothing of the batch is written; *failed (if not NULL) gets
 * the failing row's path and version for the job's error text. */
int oc_store_rotate_batch(struct oc_store *st, const char *job_id,
			  const char *vault_id, const char *old_fpr,
			  const char *new_fpr, size_t limit, oc_reseal_fn fn,
			  void *ctx, size_t *done, char *failed,
			  size_t failed_size);
/* One transaction: if no version is left under old_fpr, the vault's
 * fingerprint becomes new_fpr and the job completes; else OC_ERR_STATE. */
int oc_store_rotate_finish(struct oc_store *st, const char *job_id,
			   const char *vault_id, const char *old_fpr,
			   const char *new_fpr);

/* A copy of the database at src_path, as of one moment, into the empty
 * file dst_path (store-backup.c): SQLite's online backup API in steps under
 * one read transaction, while other processes write; then the copy is made
 * a single file (rollback journal) and must pass PRAGMA integrity_check and
 * hold this schema version.  src_path is opened read-only: neither it nor
 * a log beside it is changed. */
int oc_store_snapshot(const char *src_path, const char *dst_path);
/* Moves every commit in path's write-ahead log into the database file, so
 * that the file alone holds them; no other process may have it open.
 * Logs nothing. */
int oc_store_checkpoint(const char *path);

/* --- the server's own KEK (store-kek.c) ---------------------------------- */

/* An unfinished rotation of the KEK: the ids (kek.h) of the key that
 * wrapped the DEKs before it and of the key that wraps them after,
 * and the rowid of the last version re-wrapped (the rows are taken in
 * rowid order). */
struct oc_kek_rotation {
	char old_id[OC_KEK_ID_HEX_LEN + 1];
	char new_id[OC_KEK_ID_HEX_LEN + 1];
	int64_t at;
};

/* *pending tells whether a rotation is unfinished; out is set when it is. */
int oc_store_kek_rotation_get(struct oc_store *st, struct oc_kek_rotation *out,
			      bool *pending);
/* Records a rotation from old_id to new_id, nothing re-wrapped yet. */
int oc_store_kek_rotation_begin(struct oc_store *st, const char *old_id,
				const char *new_id);
/* Re-wraps one wrapped DEK (dek_len bytes) of vault_id in place.  An
 * error aborts the batch. */
typedef int (*oc_rewrap_fn)(void *ctx, const char *vault_id,
			    const uint8_t salt[OC_KEK_SALT_LEN], uint8_t *dek,
			    size_t dek_len);
/* One transaction: the next limit versions after the record's rowid are
 * re-wrapped by fn and the record moves past them.  *done is their number
 * (0: none left).  On failure nothing of the batch is written. */
int oc_store_kek_rewrap_batch(struct oc_store *st, size_t limit,
			      oc_rewrap_fn fn, void *ctx, size_t *done);
/* One transaction: with no version left, the token signing key becomes
 * sealed (sealed under the new key) and the record goes; else
 * OC_ERR_STATE. */
int oc_store_kek_rotation_finish(struct oc_store *st, const uint8_t *sealed,
				 size_t sealed_len);

/* One wrapped DEK with what opens it, for checking that a key fits. */
struct oc_kek_sample {
	char vault_id[OC_UUID_LEN + 1];
	uint8_t salt[OC_KEK_SALT_LEN];
	uint8_t dek[OC_KEK_WRAPPED_LEN];
	size_t dek_len;
};

/* The first version's wrapped DEK of the kind (OC_KEK_WRAP_*); *found
 * false when there is none. */
int oc_store_kek_sample(struct oc_store *st, int kind,
			struct oc_kek_sample *out, bool *found);
/* PRAGMA integrity_check: OC_OK, or OC_ERR_IO with its first finding
 * logged. */
int oc_store_integrity_check(struct oc_store *st);

/* Revoked token ids, kept until their expiry. */
int oc_store_token_revoke(struct oc_store *st, const char *jti, int64_t exp);
int oc_store_token_is_revoked(struct oc_store *st, const char *jti, bool *out);

#endif
