/* store-db.c - schema, open and close, prepared statements, transactions. */
#include "config.h"

#include "store-db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "err.h"
#include "log.h"

#define BUSY_TIMEOUT_MS 10000

static const char schema[] =
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE users(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " key_hash BLOB NOT NULL UNIQUE, created_at TEXT NOT NULL);"
    "CREATE TABLE vaults(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " description TEXT NOT NULL, created_at TEXT NOT NULL,"
    " created_by TEXT NOT NULL, cmek_fpr TEXT, kek_salt BLOB NOT NULL);"
    "CREATE TABLE secrets(id TEXT PRIMARY KEY,"
    " vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,"
    " path TEXT NOT NULL, deleted_at TEXT);"
    "CREATE UNIQUE INDEX secrets_live ON secrets(vault_id, path)"
    " WHERE deleted_at IS NULL;"
    "CREATE INDEX secrets_path ON secrets(vault_id, path);"
    "CREATE TABLE versions(vid TEXT PRIMARY KEY,"
    " secret_id TEXT NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,"
    " vault_id TEXT NOT NULL, version INTEGER NOT NULL,"
    " type TEXT NOT NULL, metadata TEXT NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " expires_at TEXT, expires_epoch INTEGER NOT NULL DEFAULT 0,"
    " max_access INTEGER NOT NULL DEFAULT 0,"
    " access_count INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, cmek_fpr TEXT,"
    " dek BLOB NOT NULL, ct BLOB NOT NULL,"
    " UNIQUE(secret_id, version));"
    "CREATE INDEX versions_fpr ON versions(vault_id, cmek_fpr);"
    "CREATE TABLE agents(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " description TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE,"
    " vault_ids TEXT NOT NULL, scopes TEXT NOT NULL,"
    " token_ttl INTEGER NOT NULL, is_active INTEGER NOT NULL,"
    " expires_at TEXT, expires_epoch INTEGER NOT NULL DEFAULT 0,"
    " gen INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
    "CREATE TABLE policies(id TEXT PRIMARY KEY,"
    " vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,"
    " pattern TEXT NOT NULL, principal_type TEXT NOT NULL,"
    " principal_id TEXT NOT NULL, perms INTEGER NOT NULL,"
    " deny INTEGER NOT NULL, priority INTEGER NOT NULL,"
    " expires_at TEXT, expires_epoch INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL);"
    "CREATE INDEX policies_vault ON policies(vault_id, principal_id);"
    "CREATE TABLE jobs(id TEXT PRIMARY KEY,"
    " vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,"
    " status TEXT NOT NULL, total INTEGER NOT NULL,"
    " processed INTEGER NOT NULL, old_fpr TEXT NOT NULL,"
    " new_fpr TEXT NOT NULL, error TEXT, created_at TEXT NOT NULL,"
    " started_at TEXT, completed_at TEXT);"
    "CREATE TABLE revoked(jti TEXT PRIMARY KEY, exp INTEGER NOT NULL);"
    "INSERT INTO meta(k, v) VALUES('schema', '" OC_SDB_SCHEMA_VERSION "');";

static int db_err(struct oc_store *st, const char *what)
{
	oc_log_error("oneclaw-vaultd: database: %s: %s", what,
		     sqlite3_errmsg(st->db));
	return OC_ERR_IO;
}

int oc_sdb_exec(struct oc_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		oc_log_error("oneclaw-vaultd: database: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return OC_ERR_IO;
	}
	return OC_OK;
}

/* A cached prepared statement, reset and unbound. */
sqlite3_stmt *oc_sdb_prep(struct oc_store *st, const char *sql)
{
	size_t i;
	sqlite3_stmt *s = NULL;

	for (i = 0; i < st->n_cache; i++) {
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
			       NULL) != SQLITE_OK) {
		db_err(st, "prepare");
		return NULL;
	}
	if (st->n_cache < STMT_CACHE) {
		st->cache[st->n_cache].sql = sql;
		st->cache[st->n_cache].stmt = s;
		st->n_cache++;
	} else {
		/* Cannot happen with the store's fixed set of statements. */
		oc_log_error("oneclaw-vaultd: statement cache full");
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

/* A failure of the storage itself, not of the request: a full, read-only
 * or failing disk, a damaged file.  A constraint or a busy database is
 * the request's own. */
static bool storage_failure(int code)
{
	switch (code & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
		return true;
	default:
		return false;
	}
}

/* After a write step, BEGIN or COMMIT with SQLite result code: a storage
 * failure sets writes_failing, a change that reached the disk (a commit,
 * or a statement that changed rows outside a transaction) clears it. */
static void note_write(struct oc_store *st, int code)
{
	if (storage_failure(code))
		atomic_store(&st->writes_failing, true);
	else if ((code == SQLITE_OK || code == SQLITE_DONE) &&
		 sqlite3_get_autocommit(st->db) &&
		 (code == SQLITE_OK || sqlite3_changes(st->db) > 0))
		atomic_store(&st->writes_failing, false);
}

bool oc_store_writes_failing(struct oc_store *st)
{
	return atomic_load(&st->writes_failing);
}

void oc_sdb_lock(struct oc_store *st)
{
	pthread_mutex_lock(&st->lock);
	oc_sdb_group_wait_closed(st);
}

void oc_sdb_unlock(struct oc_store *st)
{
	pthread_mutex_unlock(&st->lock);
}

int oc_sdb_begin(struct oc_store *st)
{
	int rc = oc_sdb_exec(st, "BEGIN IMMEDIATE");

	note_write(st, rc ? sqlite3_extended_errcode(st->db) : SQLITE_OK);
	return rc;
}

static int commit(struct oc_store *st)
{
	int rc = oc_sdb_exec(st, "COMMIT");

	note_write(st, rc ? sqlite3_extended_errcode(st->db) : SQLITE_OK);
	return rc;
}

static void rollback(struct oc_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Ends the transaction: commits when rc is OC_OK, else rolls back. */
int oc_sdb_end_txn(struct oc_store *st, int rc)
{
	if (!rc)
		rc = commit(st);
	if (rc)
		rollback(st);
	return rc;
}

/* Done with s: reset, and bound copies (hashes, sealed keys, ciphertext)
 * dropped now rather than at the statement's next use. */
static void finish(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Runs s to SQLITE_DONE.  A failure with result code conflict (primary or
 * extended; 0 for none) is OC_ERR_CONFLICT, any other is logged as what. */
int oc_sdb_step_end(struct oc_store *st, sqlite3_stmt *s, int conflict,
		    const char *what)
{
	int rc;

	if (!s)
		return OC_ERR_IO;
	rc = sqlite3_step(s);
	note_write(st,
		   rc == SQLITE_DONE ? rc : sqlite3_extended_errcode(st->db));
	if (rc == SQLITE_DONE)
		rc = OC_OK;
	else if (conflict && (rc == conflict ||
			      sqlite3_extended_errcode(st->db) == conflict))
		rc = OC_ERR_CONFLICT;
	else
		rc = db_err(st, what);
	finish(s);
	return rc;
}

/* A write whose constraint failures mean a name or id is taken. */
int oc_sdb_step_done(struct oc_store *st, sqlite3_stmt *s, const char *what)
{
	return oc_sdb_step_end(st, s, SQLITE_CONSTRAINT, what);
}

/* A write to one existing row: OC_ERR_NOT_FOUND when it changed none. */
int oc_sdb_step_change(struct oc_store *st, sqlite3_stmt *s, const char *what)
{
	int rc = oc_sdb_step_done(st, s, what);

	if (!rc && sqlite3_changes(st->db) == 0)
		rc = OC_ERR_NOT_FOUND;
	return rc;
}

/* The one row s yields, read into row: OC_ERR_NOT_FOUND when none. */
int oc_sdb_fetch_one(struct oc_store *st, sqlite3_stmt *s, row_fn read,
		     void *row, const char *what)
{
	int rc;

	if (!s)
		return OC_ERR_IO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = read(s, row);
	else if (rc == SQLITE_DONE)
		rc = OC_ERR_NOT_FOUND;
	else
		rc = db_err(st, what);
	finish(s);
	return rc;
}

/* The one row sql yields for the text keys k1 (?1) and k2 (?2; NULL when
 * sql has one key). */
int oc_sdb_lookup(struct oc_store *st, const char *sql, const char *k1,
		  const char *k2, row_fn read, void *row, const char *what)
{
	sqlite3_stmt *s = oc_sdb_prep(st, sql);

	oc_sdb_bind_str(s, 1, k1);
	if (k2)
		oc_sdb_bind_str(s, 2, k2);
	return oc_sdb_fetch_one(st, s, read, row, what);
}

/* Whether s yields a row. */
int oc_sdb_fetch_exists(struct oc_store *st, sqlite3_stmt *s, bool *found,
			const char *what)
{
	bool row;
	int rc;

	if (!s)
		return OC_ERR_IO;
	rc = sqlite3_step(s);
	row = rc == SQLITE_ROW;
	rc = row || rc == SQLITE_DONE ? OC_OK : db_err(st, what);
	finish(s);
	if (!rc)
		*found = row;
	return rc;
}

/* The integer of the one row an aggregate s yields, into *v.  No row is a
 * failure like any other: a next version or a count must not default. */
int oc_sdb_fetch_int64(struct oc_store *st, sqlite3_stmt *s, int64_t *v,
		       const char *what)
{
	int rc;

	if (!s)
		return OC_ERR_IO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(s, 0);
		rc = OC_OK;
	} else {
		rc = db_err(st, what);
	}
	finish(s);
	return rc;
}

/* Every row s yields, in one array; on failure none is kept. */
int oc_sdb_fetch_all(struct oc_store *st, sqlite3_stmt *s,
		     const struct row_kind *kind, void **out, size_t *n,
		     const char *what)
{
	unsigned char *rows = NULL, *t;
	size_t count = 0, i;
	int rc;

	if (!s)
		return OC_ERR_IO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t = realloc(rows, (count + 1) * kind->size);
		if (!t) {
			rc = OC_ERR_NOMEM;
			goto out;
		}
		rows = t;
		rc = kind->read(s, rows + count * kind->size);
		if (rc)
			goto out;
		count++;
	}
	if (rc != SQLITE_DONE) {
		rc = db_err(st, what);
		goto out;
	}
	*out = rows;
	*n = count;
	rows = NULL;
	count = 0;
	rc = OC_OK;
out:
	finish(s);
	for (i = 0; kind->clear && i < count; i++)
		kind->clear(rows + i * kind->size);
	free(rows);
	return rc;
}

/* Every row of sql, which takes no parameters, under the lock. */
int oc_sdb_list_all(struct oc_store *st, const char *sql,
		    const struct row_kind *kind, void **out, size_t *n,
		    const char *what)
{
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_fetch_all(st, oc_sdb_prep(st, sql), kind, out, n, what);
	oc_sdb_unlock(st);
	return rc;
}

/* A row found by key hash: read only if column col holds hash, compared
 * once more in constant time. */
struct hashed_row {
	const uint8_t *hash;
	int col;
	row_fn read;
	void *row;
};

static int read_hashed(sqlite3_stmt *s, void *row)
{
	const struct hashed_row *h = row;

	if (sqlite3_column_bytes(s, h->col) != OC_KEY_HASH_LEN ||
	    CRYPTO_memcmp(sqlite3_column_blob(s, h->col), h->hash,
			  OC_KEY_HASH_LEN) != 0)
		return OC_ERR_NOT_FOUND;
	return h->read(s, h->row);
}

/* The one row sql yields for the key hash (?1) whose column col holds
 * that hash. */
int oc_sdb_lookup_hash(struct oc_store *st, const char *sql,
		       const uint8_t hash[OC_KEY_HASH_LEN], int col,
		       row_fn read, void *row, const char *what)
{
	struct hashed_row h = {
	    .hash = hash, .col = col, .read = read, .row = row};
	sqlite3_stmt *s = oc_sdb_prep(st, sql);

	oc_sdb_bind_hash(s, 1, hash);
	return oc_sdb_fetch_one(st, s, read_hashed, &h, what);
}

/* --- open / create ------------------------------------------------------ */

static int configure(struct oc_store *st)
{
	int rc;

	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	rc = oc_sdb_exec(st, "PRAGMA journal_mode=WAL");
	if (!rc)
		rc = oc_sdb_exec(st, "PRAGMA synchronous=FULL");
	if (!rc)
		rc = oc_sdb_exec(st, "PRAGMA foreign_keys=ON");
	if (!rc)
		rc = oc_sdb_exec(st, "PRAGMA secure_delete=ON");
	return rc;
}

static int store_new(const char *path, int flags, struct oc_store **out)
{
	struct oc_store *st;

	st = calloc(1, sizeof(*st));
	if (!st)
		return OC_ERR_NOMEM;
	if (oc_sdb_group_init(&st->group)) {
		free(st);
		return OC_ERR_NOMEM;
	}
	pthread_mutex_init(&st->lock, NULL);
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		oc_log_error("oneclaw-vaultd: cannot open database %s: %s",
			     path,
			     st->db ? sqlite3_errmsg(st->db) : "out of memory");
		oc_store_close(st);
		return OC_ERR_IO;
	}
	*out = st;
	return OC_OK;
}

int oc_store_create(const char *path, struct oc_store **out)
{
	struct oc_store *st = NULL;
	int fd, rc;

	/* O_EXCL: --init never overwrites a database. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		oc_log_error("oneclaw-vaultd: cannot create %s: %s", path,
			     errno == EEXIST ? "it already exists"
					     : strerror(errno));
		return OC_ERR_IO;
	}
	close(fd);
	rc = store_new(path, SQLITE_OPEN_READWRITE, &st);
	if (rc)
		goto fail;
	rc = configure(st);
	if (!rc)
		rc = oc_sdb_exec(st, "BEGIN");
	if (!rc)
		rc = oc_sdb_exec(st, schema);
	if (!rc)
		rc = oc_sdb_exec(st, "COMMIT");
	if (rc)
		goto fail;
	*out = st;
	return OC_OK;
fail:
	oc_store_close(st);
	unlink(path);
	return rc;
}

int oc_store_open(const char *path, struct oc_store **out)
{
	struct oc_store *st = NULL;
	uint8_t *v = NULL;
	size_t n = 0;
	int rc;

	rc = store_new(path, SQLITE_OPEN_READWRITE, &st);
	if (rc)
		return rc;
	rc = configure(st);
	if (rc)
		goto fail;
	rc = oc_store_meta_get(st, "schema", &v, &n);
	if (rc || n != 1 || v[0] != OC_SDB_SCHEMA_VERSION[0]) {
		oc_log_error("oneclaw-vaultd: %s is not a oneclaw-vaultd "
			     "database (run --init first)",
			     path);
		rc = OC_ERR_CONFIG;
		goto fail;
	}
	free(v);
	*out = st;
	return OC_OK;
fail:
	free(v);
	oc_store_close(st);
	return rc;
}

void oc_store_close(struct oc_store *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n_cache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	if (st->db)
		sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	oc_sdb_group_destroy(&st->group);
	free(st);
}
