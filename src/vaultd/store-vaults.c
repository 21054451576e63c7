/* store-vaults.c - vaults: name, KEK salt, CMEK fingerprint in force. */
#include "config.h"

#include "store-db.h"

#include <string.h>

#define VAULT_COLS                                                             \
	"id, name, description, created_at, created_by, cmek_fpr, kek_salt"

static int read_vault(sqlite3_stmt *s, void *row)
{
	struct oc_vault_row *v = row;

	memset(v, 0, sizeof(*v));
	oc_sdb_col_copy(s, 0, v->id, sizeof(v->id));
	oc_sdb_col_copy(s, 1, v->name, sizeof(v->name));
	oc_sdb_col_copy(s, 2, v->description, sizeof(v->description));
	oc_sdb_col_copy(s, 3, v->created_at, sizeof(v->created_at));
	oc_sdb_col_copy(s, 4, v->created_by, sizeof(v->created_by));
	oc_sdb_col_copy(s, 5, v->cmek_fpr, sizeof(v->cmek_fpr));
	if (sqlite3_column_bytes(s, 6) == OC_KEK_SALT_LEN)
		memcpy(v->kek_salt, sqlite3_column_blob(s, 6), OC_KEK_SALT_LEN);
	return OC_OK;
}

int oc_store_vault_create(struct oc_store *st, const struct oc_vault_row *v)
{
	static const char sql[] =
	    "INSERT INTO vaults(" VAULT_COLS ") VALUES(?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, v->id);
	oc_sdb_bind_str(s, 2, v->name);
	oc_sdb_bind_str(s, 3, v->description);
	oc_sdb_bind_str(s, 4, v->created_at);
	oc_sdb_bind_str(s, 5, v->created_by);
	oc_sdb_bind_text(s, 6, v->cmek_fpr);
	oc_sdb_bind_blob(s, 7, v->kek_salt, OC_KEK_SALT_LEN);
	rc = oc_sdb_step_end(st, s, SQLITE_CONSTRAINT_UNIQUE, "vault create");
	oc_sdb_unlock(st);
	return rc;
}

int oc_sdb_vault_get_locked(struct oc_store *st, const char *id,
			    struct oc_vault_row *out)
{
	static const char sql[] =
	    "SELECT " VAULT_COLS " FROM vaults WHERE id = ?";

	return oc_sdb_lookup(st, sql, id, NULL, read_vault, out, "vault");
}

int oc_store_vault_get(struct oc_store *st, const char *id,
		       struct oc_vault_row *out)
{
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_vault_get_locked(st, id, out);
	oc_sdb_unlock(st);
	return rc;
}

static const struct row_kind vault_rows = {sizeof(struct oc_vault_row),
					   read_vault, NULL};

int oc_store_vault_list(struct oc_store *st, struct oc_vault_row **out,
			size_t *n)
{
	static const char sql[] =
	    "SELECT " VAULT_COLS " FROM vaults ORDER BY created_at, name";
	void *rows = NULL;
	int rc = oc_sdb_list_all(st, sql, &vault_rows, &rows, n, "vault list");

	if (!rc)
		*out = rows;
	return rc;
}

/* OC_ERR_CONFLICT while a rotation job of the vault is pending or
 * running. */
int oc_sdb_vault_idle_locked(struct oc_store *st, const char *vault_id)
{
	static const char sql[] =
	    "SELECT 1 FROM jobs WHERE vault_id = ? AND status IN "
	    "('pending', 'running') LIMIT 1";
	sqlite3_stmt *s = oc_sdb_prep(st, sql);
	bool active = false;
	int rc;

	oc_sdb_bind_str(s, 1, vault_id);
	rc = oc_sdb_fetch_exists(st, s, &active, "jobs");
	if (!rc && active)
		rc = OC_ERR_CONFLICT;
	return rc;
}

/* Begins a change to vault id: the transaction, the vault as it stands
 * into *v, and OC_ERR_CONFLICT while a rotation job of it runs. */
static int begin_vault_change(struct oc_store *st, const char *id,
			      struct oc_vault_row *v)
{
	int rc = oc_sdb_begin(st);

	if (!rc)
		rc = oc_sdb_vault_get_locked(st, id, v);
	if (!rc)
		rc = oc_sdb_vault_idle_locked(st, id);
	return rc;
}

int oc_store_vault_delete(struct oc_store *st, const char *id)
{
	static const char sql[] = "DELETE FROM vaults WHERE id = ?";
	struct oc_vault_row v;
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = begin_vault_change(st, id, &v);
	if (!rc)
		rc = oc_sdb_revoke_policy_agents(st, id, NULL);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, id);
	rc = oc_sdb_step_end(st, s, 0, "delete");
out:
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_vault_set_cmek(struct oc_store *st, const char *id,
			    const char *fpr, struct oc_vault_row *out)
{
	static const char sql[] = "UPDATE vaults SET cmek_fpr = ? WHERE id = ?";
	struct oc_vault_row v;
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = begin_vault_change(st, id, &v);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_text(s, 1, fpr);
	oc_sdb_bind_str(s, 2, id);
	rc = oc_sdb_step_end(st, s, 0, "cmek");
	if (!rc)
		rc = oc_sdb_vault_get_locked(st, id, &v);
out:
	rc = oc_sdb_end_txn(st, rc);
	if (!rc)
		*out = v;
	oc_sdb_unlock(st);
	return rc;
}
