/* store-secrets.c - secrets by path and their numbered versions. */
#include "config.h"

#include "store-db.h"

#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "wire.h"

void oc_version_row_clear(struct oc_version_row *v)
{
	if (!v)
		return;
	free(v->path);
	free(v->metadata);
	/* Wrapped and encrypted, but wipe anyway: cheap and tidy. */
	if (v->dek)
		oc_wipe(v->dek, v->dek_len);
	free(v->dek);
	free(v->ct);
	memset(v, 0, sizeof(*v));
}

void oc_version_rows_free(struct oc_version_row *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		oc_version_row_clear(&v[i]);
	free(v);
}

static int read_version(sqlite3_stmt *s, struct oc_version_row *v, bool blobs)
{
	int rc;

	memset(v, 0, sizeof(*v));
	oc_sdb_col_copy(s, 0, v->vid, sizeof(v->vid));
	oc_sdb_col_copy(s, 1, v->secret_id, sizeof(v->secret_id));
	oc_sdb_col_copy(s, 2, v->vault_id, sizeof(v->vault_id));
	v->path = oc_sdb_col_dup(s, 3);
	v->version = sqlite3_column_int64(s, 4);
	oc_sdb_col_copy(s, 5, v->type, sizeof(v->type));
	v->metadata = oc_sdb_col_dup(s, 6);
	oc_sdb_col_copy(s, 7, v->created_at, sizeof(v->created_at));
	oc_sdb_col_copy(s, 8, v->created_by, sizeof(v->created_by));
	oc_sdb_col_copy(s, 9, v->expires_at, sizeof(v->expires_at));
	v->expires_epoch = sqlite3_column_int64(s, 10);
	v->max_access = sqlite3_column_int64(s, 11);
	v->access_count = sqlite3_column_int64(s, 12);
	v->disabled = sqlite3_column_int(s, 13) != 0;
	oc_sdb_col_copy(s, 14, v->cmek_fpr, sizeof(v->cmek_fpr));
	v->deleted = sqlite3_column_int(s, 15) != 0;
	if (!v->path || !v->metadata) {
		oc_version_row_clear(v);
		return OC_ERR_NOMEM;
	}
	if (blobs) {
		rc = oc_sdb_col_blob(s, 16, &v->dek, &v->dek_len);
		if (!rc)
			rc = oc_sdb_col_blob(s, 17, &v->ct, &v->ct_len);
		if (rc) {
			oc_version_row_clear(v);
			return rc;
		}
	}
	return OC_OK;
}

static int read_version_meta(sqlite3_stmt *s, void *row)
{
	return read_version(s, row, false);
}

static int read_version_full(sqlite3_stmt *s, void *row)
{
	return read_version(s, row, true);
}

static void clear_version(void *row)
{
	oc_version_row_clear(row);
}

static const struct row_kind version_rows = {sizeof(struct oc_version_row),
					     read_version_meta, clear_version};
const struct row_kind oc_sdb_version_blob_rows = {
    sizeof(struct oc_version_row), read_version_full, clear_version};

/* A secret's id and whether it is soft-deleted. */
struct secret_ref {
	char id[OC_UUID_LEN + 1];
	bool deleted;
};

static int read_secret_ref(sqlite3_stmt *s, void *row)
{
	struct secret_ref *r = row;

	oc_sdb_col_copy(s, 0, r->id, sizeof(r->id));
	r->deleted = sqlite3_column_int(s, 1) != 0;
	return OC_OK;
}

/* The live secret at path, else the most recently deleted one. */
static int find_secret(struct oc_store *st, const char *vault_id,
		       const char *path, struct secret_ref *out)
{
	static const char sql[] =
	    "SELECT id, deleted_at IS NOT NULL FROM secrets "
	    "WHERE vault_id = ? AND path = ? "
	    "ORDER BY deleted_at IS NULL DESC, deleted_at DESC LIMIT 1";

	return oc_sdb_lookup(st, sql, vault_id, path, read_secret_ref, out,
			     "secret");
}

/* sql prepared with the id of the live secret at path bound to ?1:
 * OC_ERR_GONE when the secret at path is deleted. */
static int prep_live_secret(struct oc_store *st, const char *vault_id,
			    const char *path, const char *sql,
			    sqlite3_stmt **out)
{
	struct secret_ref r;
	sqlite3_stmt *s;
	int rc = find_secret(st, vault_id, path, &r);

	if (!rc && r.deleted)
		rc = OC_ERR_GONE;
	if (rc)
		return rc;
	s = oc_sdb_prep(st, sql);
	if (!s)
		return OC_ERR_IO;
	oc_sdb_bind_str(s, 1, r.id);
	*out = s;
	return OC_OK;
}

/* One PUT: what it writes and, once done, the secret and version it got. */
struct put {
	const char *vault_id;
	const char *path;
	const char *expect_fpr;
	const struct oc_version_row *v;
	struct secret_ref ref;
	int64_t next;
};

/* The PUT's statements, inside the group transaction. */
static int put_in_group(struct oc_store *st, void *ctx)
{
	static const char q_new[] =
	    "INSERT INTO secrets(id, vault_id, path) VALUES(?, ?, ?)";
	static const char q_next[] =
	    "SELECT COALESCE(MAX(version), 0) + 1 FROM versions "
	    "WHERE secret_id = ?";
	static const char q_ins[] =
	    "INSERT INTO versions(vid, secret_id, vault_id, version, type,"
	    " metadata, created_at, created_by, expires_at, expires_epoch,"
	    " max_access, cmek_fpr, dek, ct) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct put *p = ctx;
	const struct oc_version_row *v = p->v;
	struct oc_vault_row vault;
	sqlite3_stmt *s;
	int rc;

	rc = oc_sdb_vault_get_locked(st, p->vault_id, &vault);
	if (rc)
		return rc;
	if (strcmp(vault.cmek_fpr, p->expect_fpr ? p->expect_fpr : "") != 0)
		return OC_ERR_STATE;
	rc = find_secret(st, p->vault_id, p->path, &p->ref);
	if (rc == OC_ERR_NOT_FOUND || (rc == OC_OK && p->ref.deleted)) {
		rc = oc_uuid(p->ref.id);
		if (rc)
			return rc;
		s = oc_sdb_prep(st, q_new);
		oc_sdb_bind_str(s, 1, p->ref.id);
		oc_sdb_bind_str(s, 2, p->vault_id);
		oc_sdb_bind_str(s, 3, p->path);
		rc = oc_sdb_step_done(st, s, "secret insert");
	}
	if (rc)
		return rc;
	s = oc_sdb_prep(st, q_next);
	oc_sdb_bind_str(s, 1, p->ref.id);
	rc = oc_sdb_fetch_int64(st, s, &p->next, "next version");
	if (rc)
		return rc;
	s = oc_sdb_prep(st, q_ins);
	oc_sdb_bind_str(s, 1, v->vid);
	oc_sdb_bind_str(s, 2, p->ref.id);
	oc_sdb_bind_str(s, 3, p->vault_id);
	oc_sdb_bind_int64(s, 4, p->next);
	oc_sdb_bind_str(s, 5, v->type);
	oc_sdb_bind_str(s, 6, v->metadata ? v->metadata : "{}");
	oc_sdb_bind_str(s, 7, v->created_at);
	oc_sdb_bind_str(s, 8, v->created_by);
	oc_sdb_bind_text(s, 9, v->expires_at);
	oc_sdb_bind_int64(s, 10, v->expires_epoch);
	oc_sdb_bind_int64(s, 11, v->max_access);
	oc_sdb_bind_text(s, 12, v->cmek_fpr);
	oc_sdb_bind_blob(s, 13, v->dek, v->dek_len);
	oc_sdb_bind_blob(s, 14, v->ct, v->ct_len);
	return oc_sdb_step_done(st, s, "version insert");
}

/* Concurrent PUTs share one durable commit (store-group.c). */
int oc_store_secret_put(struct oc_store *st, const char *vault_id,
			const char *path, const char *expect_fpr,
			struct oc_version_row *v)
{
	struct put p = {.vault_id = vault_id,
			.path = path,
			.expect_fpr = expect_fpr,
			.v = v,
			.next = 1};
	char *pcopy;
	int rc;

	pcopy = strdup(path);
	if (!pcopy)
		return OC_ERR_NOMEM;
	rc = oc_sdb_group_write(st, put_in_group, &p);
	if (rc) {
		free(pcopy);
		return rc;
	}
	memcpy(v->secret_id, p.ref.id, sizeof(p.ref.id));
	memcpy(v->vault_id, vault_id, strlen(vault_id) + 1);
	v->version = p.next;
	free(v->path);
	v->path = pcopy;
	return OC_OK;
}

int oc_store_secret_read(struct oc_store *st, const char *vault_id,
			 const char *path, int64_t version, bool count_access,
			 time_t now, struct oc_version_row *out)
{
	static const char q_latest[] =
	    "SELECT " VERSION_COLS VERSION_FROM
	    "WHERE v.secret_id = ? AND v.disabled = 0 "
	    "ORDER BY v.version DESC LIMIT 1";
	static const char q_one[] = "SELECT " VERSION_COLS VERSION_FROM
				    "WHERE v.secret_id = ? AND v.version = ?";
	static const char q_count[] =
	    "UPDATE versions SET access_count = access_count + 1 "
	    "WHERE vid = ? AND access_count < max_access";
	struct oc_version_row v;
	sqlite3_stmt *s;
	int rc;

	memset(&v, 0, sizeof(v));
	oc_sdb_lock(st);
	rc = prep_live_secret(st, vault_id, path, version ? q_one : q_latest,
			      &s);
	if (rc)
		goto out;
	if (version)
		oc_sdb_bind_int64(s, 2, version);
	rc = oc_sdb_fetch_one(st, s, read_version_full, &v, "read");
	if (rc == OC_ERR_NOT_FOUND && !version)
		rc = OC_ERR_GONE;
	if (rc)
		goto out;
	if (v.disabled ||
	    (v.expires_epoch && (int64_t)now >= v.expires_epoch) ||
	    (v.max_access && v.access_count >= v.max_access)) {
		rc = OC_ERR_GONE;
		goto out;
	}
	if (count_access && v.max_access) {
		s = oc_sdb_prep(st, q_count);
		oc_sdb_bind_str(s, 1, v.vid);
		rc = oc_sdb_step_done(st, s, "access count");
		if (!rc && sqlite3_changes(st->db) != 1)
			rc = OC_ERR_GONE;
		if (rc)
			goto out;
		v.access_count++;
	}
	*out = v;
	memset(&v, 0, sizeof(v));
out:
	oc_sdb_unlock(st);
	oc_version_row_clear(&v);
	return rc;
}

static int collect_versions(struct oc_store *st, sqlite3_stmt *s,
			    struct oc_version_row **out, size_t *n)
{
	void *rows = NULL;
	int rc = oc_sdb_fetch_all(st, s, &version_rows, &rows, n, "list");

	if (!rc)
		*out = rows;
	return rc;
}

/* The least string above every string that starts with prefix, into
 * out: prefix with its last byte raised.  false when there is none (an
 * empty prefix, or one of 0xff bytes only, which text cannot hold). */
static bool prefix_bound(const char *prefix, char *out, size_t size)
{
	size_t n = strlen(prefix);

	while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
		n--;
	if (n == 0 || n >= size)
		return false;
	memcpy(out, prefix, n);
	out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
	out[n] = '\0';
	return true;
}

int oc_store_secret_list(struct oc_store *st, const char *vault_id,
			 const char *prefix, struct oc_version_row **out,
			 size_t *n)
{
	/* Latest enabled version of each live secret; substr() keeps the
	 * prefix literal (no LIKE wildcards), and the range on the path
	 * (?3: prefix_bound) lets the index find the prefix's secrets
	 * without a scan of the whole vault. */
#define LIST_SQL(range)                                                        \
	"SELECT " VERSION_COLS VERSION_FROM                                    \
	"WHERE s.vault_id = ?1 AND s.deleted_at IS NULL " range                \
	" AND substr(s.path, 1, length(?2)) = ?2 "                             \
	" AND v.version = (SELECT MAX(x.version) FROM versions x "             \
	"  WHERE x.secret_id = s.id AND x.disabled = 0) "                      \
	"ORDER BY s.path"
	static const char q_all[] = LIST_SQL("");
	static const char q_range[] =
	    LIST_SQL(" AND s.path >= ?2 AND s.path < ?3");
#undef LIST_SQL
	char bound[OC_WIRE_PATH_MAX + 1];
	bool ranged;
	sqlite3_stmt *s;
	int rc;

	if (!prefix)
		prefix = "";
	ranged = prefix_bound(prefix, bound, sizeof(bound));
	oc_sdb_lock(st);
	s = oc_sdb_prep(st, ranged ? q_range : q_all);
	oc_sdb_bind_str(s, 1, vault_id);
	oc_sdb_bind_str(s, 2, prefix);
	if (ranged)
		oc_sdb_bind_str(s, 3, bound);
	rc = collect_versions(st, s, out, n);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_secret_versions(struct oc_store *st, const char *vault_id,
			     const char *path, struct oc_version_row **out,
			     size_t *n)
{
	static const char sql[] = "SELECT " VERSION_COLS VERSION_FROM
				  "WHERE v.secret_id = ? ORDER BY v.version";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = prep_live_secret(st, vault_id, path, sql, &s);
	if (!rc)
		rc = collect_versions(st, s, out, n);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_secret_delete(struct oc_store *st, const char *vault_id,
			   const char *path)
{
	static const char sql[] =
	    "UPDATE secrets SET deleted_at = ?2 WHERE id = ?1";
	char now[OC_TIME_LEN];
	sqlite3_stmt *s;
	int rc;

	oc_time_now(now);
	oc_sdb_lock(st);
	rc = prep_live_secret(st, vault_id, path, sql, &s);
	if (!rc) {
		oc_sdb_bind_str(s, 2, now);
		rc = oc_sdb_step_done(st, s, "delete");
	}
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_version_disable(struct oc_store *st, const char *vault_id,
			     const char *path, int64_t version)
{
	static const char sql[] = "UPDATE versions SET disabled = 1 "
				  "WHERE secret_id = ? AND version = ?";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = prep_live_secret(st, vault_id, path, sql, &s);
	if (!rc) {
		oc_sdb_bind_int64(s, 2, version);
		rc = oc_sdb_step_change(st, s, "disable");
	}
	oc_sdb_unlock(st);
	return rc;
}
