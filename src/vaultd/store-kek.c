/* store-kek.c - the store's side of a KEK rotation (its record in meta,
 * batches of wrapped DEKs) and the checks a restore makes. */
#include "config.h"

#include "store-db.h"

#include <stdio.h>

#include "codec.h"
#include "kek.h"
#include "log.h"
#include "secmem.h"

/* meta: "kek_rotation" holds "<old id>:<new id>" while a rotation is
 * unfinished; "kek_rotation_at" the rowid of the last version whose DEK
 * the new key wraps.  Every version up to it is re-wrapped, none after:
 * each batch moves it in the transaction that re-wraps the batch. */
#define REC_KEY	   "kek_rotation"
#define CURSOR_KEY "kek_rotation_at"
#define REC_LEN	   (2 * OC_KEK_ID_HEX_LEN + 1)

static int read_rec(sqlite3_stmt *s, void *row)
{
	char *rec = row;
	const void *b = sqlite3_column_blob(s, 0);

	if (sqlite3_column_bytes(s, 0) != REC_LEN || !b)
		return OC_ERR_PARSE;
	memcpy(rec, b, REC_LEN);
	rec[REC_LEN] = '\0';
	return OC_OK;
}

static int read_int(sqlite3_stmt *s, void *row)
{
	int64_t *v = row;
	unsigned long n;
	char text[24];

	oc_sdb_col_copy(s, 0, text, sizeof(text));
	if (oc_decimal_parse(text, 0, (unsigned long)INT64_MAX, &n))
		return OC_ERR_PARSE;
	*v = (int64_t)n;
	return OC_OK;
}

static int meta_put(struct oc_store *st, const char *k, const char *v)
{
	static const char sql[] = "INSERT INTO meta(k, v) VALUES(?, ?) "
				  "ON CONFLICT(k) DO UPDATE SET v = excluded.v";
	sqlite3_stmt *s = oc_sdb_prep(st, sql);

	oc_sdb_bind_str(s, 1, k);
	oc_sdb_bind_blob(s, 2, v, strlen(v));
	return oc_sdb_step_end(st, s, 0, "meta");
}

static int cursor_locked(struct oc_store *st, int64_t *at)
{
	static const char sql[] = "SELECT v FROM meta WHERE k = ?";

	return oc_sdb_lookup(st, sql, CURSOR_KEY, NULL, read_int, at,
			     "rotation cursor");
}

int oc_store_kek_rotation_get(struct oc_store *st, struct oc_kek_rotation *out,
			      bool *pending)
{
	static const char sql[] = "SELECT v FROM meta WHERE k = ?";
	char rec[REC_LEN + 1];
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup(st, sql, REC_KEY, NULL, read_rec, rec,
			   "rotation record");
	if (rc == OC_ERR_NOT_FOUND) {
		*pending = false;
		rc = OC_OK;
		goto out;
	}
	if (!rc)
		rc = cursor_locked(st, &out->at);
	if (!rc && rec[OC_KEK_ID_HEX_LEN] != ':')
		rc = OC_ERR_PARSE;
	if (rc)
		goto out;
	memcpy(out->old_id, rec, OC_KEK_ID_HEX_LEN);
	out->old_id[OC_KEK_ID_HEX_LEN] = '\0';
	memcpy(out->new_id, rec + OC_KEK_ID_HEX_LEN + 1, OC_KEK_ID_HEX_LEN + 1);
	*pending = true;
out:
	oc_sdb_unlock(st);
	if (rc == OC_ERR_PARSE)
		oc_log_error("oneclaw-vaultd: the database's KEK rotation "
			     "record is damaged");
	return rc;
}

int oc_store_kek_rotation_begin(struct oc_store *st, const char *old_id,
				const char *new_id)
{
	char rec[REC_LEN + 1];
	int rc;

	if (strlen(old_id) != OC_KEK_ID_HEX_LEN ||
	    strlen(new_id) != OC_KEK_ID_HEX_LEN)
		return OC_ERR_ARGS;
	snprintf(rec, sizeof(rec), "%s:%s", old_id, new_id);
	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (!rc)
		rc = meta_put(st, REC_KEY, rec);
	if (!rc)
		rc = meta_put(st, CURSOR_KEY, "0");
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

struct rewrap_row {
	int64_t rowid;
	char vault_id[OC_UUID_LEN + 1];
	uint8_t salt[OC_KEK_SALT_LEN];
	uint8_t dek[OC_KEK_WRAPPED_LEN];
	size_t dek_len;
};

static int read_rewrap(sqlite3_stmt *s, void *row)
{
	struct rewrap_row *r = row;
	int n = sqlite3_column_bytes(s, 3);

	memset(r, 0, sizeof(*r));
	r->rowid = sqlite3_column_int64(s, 0);
	oc_sdb_col_copy(s, 1, r->vault_id, sizeof(r->vault_id));
	if (sqlite3_column_bytes(s, 2) == OC_KEK_SALT_LEN)
		memcpy(r->salt, sqlite3_column_blob(s, 2), OC_KEK_SALT_LEN);
	/* A DEK of another length is kept as its first bytes: the unwrap
	 * refuses it by its length, which is recorded as it was. */
	r->dek_len = (size_t)n;
	if (n > 0)
		memcpy(r->dek, sqlite3_column_blob(s, 3),
		       n < OC_KEK_WRAPPED_LEN ? (size_t)n : OC_KEK_WRAPPED_LEN);
	return OC_OK;
}

static const struct row_kind rewrap_rows = {sizeof(struct rewrap_row),
					    read_rewrap, NULL};

#define REWRAP_SELECT                                                          \
	"SELECT v.rowid, v.vault_id, k.kek_salt, v.dek FROM versions v "       \
	"JOIN vaults k ON k.id = v.vault_id "

int oc_store_kek_rewrap_batch(struct oc_store *st, size_t limit,
			      oc_rewrap_fn fn, void *ctx, size_t *done)
{
	static const char q_sel[] =
	    REWRAP_SELECT "WHERE v.rowid > ? ORDER BY v.rowid LIMIT ?";
	static const char q_upd[] =
	    "UPDATE versions SET dek = ? WHERE rowid = ?";
	struct rewrap_row *rows = NULL;
	void *batch = NULL;
	size_t count = 0, i;
	int64_t at = 0;
	char text[24];
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (!rc)
		rc = cursor_locked(st, &at);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_sel);
	oc_sdb_bind_int64(s, 1, at);
	oc_sdb_bind_int64(s, 2, (int64_t)limit);
	rc = oc_sdb_fetch_all(st, s, &rewrap_rows, &batch, &count, "batch");
	if (rc)
		goto out;
	rows = batch;
	for (i = 0; i < count; i++) {
		rc = fn(ctx, rows[i].vault_id, rows[i].salt, rows[i].dek,
			rows[i].dek_len);
		if (rc)
			goto out;
		s = oc_sdb_prep(st, q_upd);
		oc_sdb_bind_blob_ref(s, 1, rows[i].dek, rows[i].dek_len);
		oc_sdb_bind_int64(s, 2, rows[i].rowid);
		rc = oc_sdb_step_change(st, s, "rewrap");
		if (rc)
			goto out;
	}
	if (count) {
		snprintf(text, sizeof(text), "%lld",
			 (long long)rows[count - 1].rowid);
		rc = meta_put(st, CURSOR_KEY, text);
	}
out:
	rc = oc_sdb_end_txn(st, rc);
	if (!rc)
		*done = count;
	oc_sdb_unlock(st);
	if (rows)
		oc_wipe(rows, count * sizeof(*rows));
	free(rows);
	return rc;
}

int oc_store_kek_rotation_finish(struct oc_store *st, const uint8_t *sealed,
				 size_t sealed_len)
{
	static const char q_left[] =
	    "SELECT 1 FROM versions WHERE rowid > ? LIMIT 1";
	static const char q_key[] = "UPDATE meta SET v = ? WHERE k = ?";
	static const char q_del[] = "DELETE FROM meta WHERE k IN (?, ?)";
	sqlite3_stmt *s;
	int64_t at = 0;
	bool left = false;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (!rc)
		rc = cursor_locked(st, &at);
	if (!rc) {
		s = oc_sdb_prep(st, q_left);
		oc_sdb_bind_int64(s, 1, at);
		rc = oc_sdb_fetch_exists(st, s, &left, "rotation left");
	}
	if (!rc && left)
		rc = OC_ERR_STATE;
	if (!rc) {
		s = oc_sdb_prep(st, q_key);
		oc_sdb_bind_blob(s, 1, sealed, sealed_len);
		oc_sdb_bind_str(s, 2, "signing_key");
		rc = oc_sdb_step_change(st, s, "signing key");
	}
	if (!rc) {
		s = oc_sdb_prep(st, q_del);
		oc_sdb_bind_str(s, 1, REC_KEY);
		oc_sdb_bind_str(s, 2, CURSOR_KEY);
		rc = oc_sdb_step_done(st, s, "rotation record");
	}
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_kek_sample(struct oc_store *st, int kind,
			struct oc_kek_sample *out, bool *found)
{
	static const char sql[] = REWRAP_SELECT
	    "WHERE substr(v.dek, 1, 1) = ? ORDER BY v.rowid LIMIT 1";
	const uint8_t k = (uint8_t)kind;
	struct rewrap_row r;
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_blob(s, 1, &k, 1);
	rc = oc_sdb_fetch_one(st, s, read_rewrap, &r, "sample");
	oc_sdb_unlock(st);
	*found = rc == OC_OK;
	if (rc == OC_ERR_NOT_FOUND)
		return OC_OK;
	if (rc)
		return rc;
	memcpy(out->vault_id, r.vault_id, sizeof(out->vault_id));
	memcpy(out->salt, r.salt, sizeof(out->salt));
	memcpy(out->dek, r.dek, sizeof(out->dek));
	out->dek_len = r.dek_len;
	oc_wipe(&r, sizeof(r));
	return OC_OK;
}

static int read_check(sqlite3_stmt *s, void *row)
{
	oc_sdb_col_copy(s, 0, row, 128);
	return OC_OK;
}

int oc_store_integrity_check(struct oc_store *st)
{
	char first[128];
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_fetch_one(st, oc_sdb_prep(st, "PRAGMA integrity_check"),
			      read_check, first, "integrity check");
	oc_sdb_unlock(st);
	if (!rc && strcmp(first, "ok") != 0) {
		oc_log_error("oneclaw-vaultd: integrity check: %s", first);
		rc = OC_ERR_IO;
	}
	return rc;
}
