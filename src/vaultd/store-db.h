/* store-db.h - private to store-*.c: the database handle, the statement
 * helpers every entity file uses, and the few lookups that cross entities.
 * Callers outside the store use store.h only. */
#ifndef OC_VAULTD_STORE_DB_H
#define OC_VAULTD_STORE_DB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "store.h"

#define STMT_CACHE 128
/* The schema this code reads and writes, as meta holds it. */
#define OC_SDB_SCHEMA_VERSION "1"

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

/* The group transaction concurrent writers share (store-group.c); every
 * field but arriving is under the store's lock. */
struct group_member;
struct oc_sdb_group {
	pthread_cond_t closed; /* the open group committed or rolled back */
	pthread_cond_t joined; /* a writer joined the open group */
	bool open;	       /* a group transaction is open on db */
	bool broken;	       /* it can only be rolled back */
	size_t size;
	struct group_member *members; /* waiting for the commit */
	atomic_uint arriving;	      /* writers on their way to the lock */
	long join_wait_us; /* how long a leader waits for them at most */
};

struct oc_store {
	sqlite3 *db;
	pthread_mutex_t lock;
	struct oc_sdb_group group;
	struct stmt_slot cache[STMT_CACHE];
	size_t n_cache;
	atomic_bool writes_failing; /* read without the lock (health) */
};

/* Reads the current row of s into row; on failure row is left clear. */
typedef int (*row_fn)(sqlite3_stmt *s, void *row);

/* What a list holds: the size of a row, its reader and, for rows that own
 * heap memory, its clear. */
struct row_kind {
	size_t size;
	row_fn read;
	void (*clear)(void *row);
};

/* A version row with its secret's path, deleted flag and sealed blobs;
 * the rotation batch reads the same columns as a secret read. */
#define VERSION_COLS                                                           \
	"v.vid, v.secret_id, v.vault_id, s.path, v.version, v.type, "          \
	"v.metadata, v.created_at, v.created_by, v.expires_at, "               \
	"v.expires_epoch, v.max_access, v.access_count, v.disabled, "          \
	"v.cmek_fpr, s.deleted_at IS NOT NULL, v.dek, v.ct"
#define VERSION_FROM " FROM versions v JOIN secrets s ON s.id = v.secret_id "

/* Versions with their sealed key and ciphertext (store-secrets.c). */
extern const struct row_kind oc_sdb_version_blob_rows;

/* --- the handle: lock and transactions ----------------------------------- */

/* Takes the lock once no group transaction is open. */
void oc_sdb_lock(struct oc_store *st);
void oc_sdb_unlock(struct oc_store *st);
int oc_sdb_begin(struct oc_store *st);
int oc_sdb_end_txn(struct oc_store *st, int rc);
/* Runs sql, which takes no parameters; failures logged. */
int oc_sdb_exec(struct oc_store *st, const char *sql);

/* --- group commit (store-group.c) ----------------------------------------- */

/* One writer's statements, run with the lock held inside the group
 * transaction; a failure undoes only its own changes. */
typedef int (*oc_sdb_group_fn)(struct oc_store *st, void *ctx);
/* Runs fn in the group transaction and returns once that transaction is
 * durably committed (OC_OK) or fn's own failure, or the group's. */
int oc_sdb_group_write(struct oc_store *st, oc_sdb_group_fn fn, void *ctx);
int oc_sdb_group_init(struct oc_sdb_group *g);
void oc_sdb_group_destroy(struct oc_sdb_group *g);
/* With the lock held: waits until no group transaction is open. */
void oc_sdb_group_wait_closed(struct oc_store *st);
sqlite3_stmt *oc_sdb_prep(struct oc_store *st, const char *sql);

/* --- binding and reading columns ----------------------------------------- */

/* oc_sdb_prep() logs its failure and returns NULL.  The bind helpers skip
 * a NULL statement and the step and fetch helpers return OC_ERR_IO for it,
 * so a call site is the SQL, its binds and one helper call. */

static inline void oc_sdb_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (!s)
		return;
	if (v && *v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Binds text even when empty (NOT NULL columns). */
static inline void oc_sdb_bind_str(sqlite3_stmt *s, int i, const char *v)
{
	if (s)
		sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static inline void oc_sdb_bind_int64(sqlite3_stmt *s, int i, int64_t v)
{
	if (s)
		sqlite3_bind_int64(s, i, v);
}

/* SQLite keeps a copy until the statement is finished. */
static inline void oc_sdb_bind_blob(sqlite3_stmt *s, int i, const void *p,
				    size_t len)
{
	if (s)
		sqlite3_bind_blob(s, i, p, (int)len, SQLITE_TRANSIENT);
}

/* No copy: p must stay valid until the statement is finished. */
static inline void oc_sdb_bind_blob_ref(sqlite3_stmt *s, int i, const void *p,
					size_t len)
{
	if (s)
		sqlite3_bind_blob(s, i, p, (int)len, SQLITE_STATIC);
}

static inline void oc_sdb_bind_hash(sqlite3_stmt *s, int i,
				    const uint8_t hash[OC_KEY_HASH_LEN])
{
	oc_sdb_bind_blob(s, i, hash, OC_KEY_HASH_LEN);
}

static inline void oc_sdb_col_copy(sqlite3_stmt *s, int i, char *dst,
				   size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

static inline char *oc_sdb_col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, t, n);
	d[n] = '\0';
	return d;
}

static inline int oc_sdb_col_blob(sqlite3_stmt *s, int i, uint8_t **out,
				  size_t *len)
{
	const void *b = sqlite3_column_blob(s, i);
	size_t n = (size_t)sqlite3_column_bytes(s, i);
	uint8_t *d = malloc(n ? n : 1);

	if (!d)
		return OC_ERR_NOMEM;
	if (n)
		memcpy(d, b, n);
	*out = d;
	*len = n;
	return OC_OK;
}

/* --- stepping and fetching ----------------------------------------------- */

int oc_sdb_step_end(struct oc_store *st, sqlite3_stmt *s, int conflict,
		    const char *what);
int oc_sdb_step_done(struct oc_store *st, sqlite3_stmt *s, const char *what);
int oc_sdb_step_change(struct oc_store *st, sqlite3_stmt *s, const char *what);
int oc_sdb_fetch_one(struct oc_store *st, sqlite3_stmt *s, row_fn read,
		     void *row, const char *what);
int oc_sdb_lookup(struct oc_store *st, const char *sql, const char *k1,
		  const char *k2, row_fn read, void *row, const char *what);
int oc_sdb_fetch_exists(struct oc_store *st, sqlite3_stmt *s, bool *found,
			const char *what);
int oc_sdb_fetch_int64(struct oc_store *st, sqlite3_stmt *s, int64_t *v,
		       const char *what);
int oc_sdb_fetch_all(struct oc_store *st, sqlite3_stmt *s,
		     const struct row_kind *kind, void **out, size_t *n,
		     const char *what);
int oc_sdb_list_all(struct oc_store *st, const char *sql,
		    const struct row_kind *kind, void **out, size_t *n,
		    const char *what);
int oc_sdb_lookup_hash(struct oc_store *st, const char *sql,
		       const uint8_t hash[OC_KEY_HASH_LEN], int col,
		       row_fn read, void *row, const char *what);

/* --- across entities, with the lock held --------------------------------- */

/* store-vaults.c */
int oc_sdb_vault_get_locked(struct oc_store *st, const char *id,
			    struct oc_vault_row *out);
int oc_sdb_vault_idle_locked(struct oc_store *st, const char *vault_id);
/* store-access.c */
int oc_sdb_revoke_policy_agents(struct oc_store *st, const char *vault_id,
				const char *policy_id);

#endif
