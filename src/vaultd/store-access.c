/* store-access.c - agents and policies: who may use which vault. */
#include "config.h"

#include "store-db.h"

#include <stdlib.h>
#include <string.h>

/* --- agents ------------------------------------------------------------- */

#define AGENT_COLS                                                             \
	"id, name, description, vault_ids, scopes, token_ttl, is_active, "     \
	"expires_at, expires_epoch, gen, created_at"

void oc_agent_row_clear(struct oc_agent_row *a)
{
	if (!a)
		return;
	oc_strlist_free(&a->vault_ids);
	oc_strlist_free(&a->scopes);
	memset(a, 0, sizeof(*a));
}

void oc_agent_rows_free(struct oc_agent_row *a, size_t n)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < n; i++)
		oc_agent_row_clear(&a[i]);
	free(a);
}

static int read_agent(sqlite3_stmt *s, void *row)
{
	struct oc_agent_row *a = row;
	int rc;

	memset(a, 0, sizeof(*a));
	oc_sdb_col_copy(s, 0, a->id, sizeof(a->id));
	oc_sdb_col_copy(s, 1, a->name, sizeof(a->name));
	oc_sdb_col_copy(s, 2, a->description, sizeof(a->description));
	rc = oc_strlist_split((const char *)sqlite3_column_text(s, 3),
			      &a->vault_ids);
	if (!rc)
		rc = oc_strlist_split((const char *)sqlite3_column_text(s, 4),
				      &a->scopes);
	a->token_ttl = sqlite3_column_int64(s, 5);
	a->is_active = sqlite3_column_int(s, 6) != 0;
	oc_sdb_col_copy(s, 7, a->expires_at, sizeof(a->expires_at));
	a->expires_epoch = sqlite3_column_int64(s, 8);
	a->gen = sqlite3_column_int64(s, 9);
	oc_sdb_col_copy(s, 10, a->created_at, sizeof(a->created_at));
	if (rc)
		oc_agent_row_clear(a);
	return rc;
}

/* The fields an update writes, name to expires_epoch, from ?first on.  The
 * lists are joined first: when a join fails, nothing is bound. */
static int bind_agent(sqlite3_stmt *s, int first, const struct oc_agent_row *a)
{
	char *vids = NULL, *scopes = NULL;
	int rc;

	if (!s)
		return OC_ERR_IO;
	rc = oc_strlist_join(&a->vault_ids, &vids);
	if (!rc)
		rc = oc_strlist_join(&a->scopes, &scopes);
	if (!rc) {
		oc_sdb_bind_str(s, first, a->name);
		oc_sdb_bind_str(s, first + 1, a->description);
		oc_sdb_bind_str(s, first + 2, vids);
		oc_sdb_bind_str(s, first + 3, scopes);
		oc_sdb_bind_int64(s, first + 4, a->token_ttl);
		oc_sdb_bind_int64(s, first + 5, a->is_active);
		oc_sdb_bind_text(s, first + 6, a->expires_at);
		oc_sdb_bind_int64(s, first + 7, a->expires_epoch);
	}
	free(vids);
	free(scopes);
	return rc;
}

int oc_store_agent_create(struct oc_store *st, const struct oc_agent_row *a,
			  const uint8_t hash[OC_KEY_HASH_LEN])
{
	static const char sql[] =
	    "INSERT INTO agents(id, name, description, vault_ids, scopes,"
	    " token_ttl, is_active, expires_at, expires_epoch, gen,"
	    " created_at, key_hash) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	rc = bind_agent(s, 2, a);
	if (!rc) {
		oc_sdb_bind_str(s, 1, a->id);
		oc_sdb_bind_str(s, 10, a->created_at);
		oc_sdb_bind_hash(s, 11, hash);
		rc = oc_sdb_step_done(st, s, "agent create");
	}
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_agent_get(struct oc_store *st, const char *id,
		       struct oc_agent_row *out)
{
	static const char sql[] =
	    "SELECT " AGENT_COLS " FROM agents WHERE id = ?";
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup(st, sql, id, NULL, read_agent, out, "agent");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_agent_by_hash(struct oc_store *st,
			   const uint8_t hash[OC_KEY_HASH_LEN],
			   struct oc_agent_row *out)
{
	/* key_hash is column 11, after AGENT_COLS. */
	static const char sql[] =
	    "SELECT " AGENT_COLS ", key_hash FROM agents WHERE key_hash = ?";
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup_hash(st, sql, hash, 11, read_agent, out, "agent");
	oc_sdb_unlock(st);
	return rc;
}

static void clear_agent(void *row)
{
	oc_agent_row_clear(row);
}

static const struct row_kind agent_rows = {sizeof(struct oc_agent_row),
					   read_agent, clear_agent};

int oc_store_agent_list(struct oc_store *st, struct oc_agent_row **out,
			size_t *n)
{
	static const char sql[] =
	    "SELECT " AGENT_COLS " FROM agents ORDER BY created_at, name";
	void *rows = NULL;
	int rc = oc_sdb_list_all(st, sql, &agent_rows, &rows, n, "agent list");

	if (!rc)
		*out = rows;
	return rc;
}

static int agent_exec(struct oc_store *st, const char *sql, const char *id,
		      const void *blob)
{
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	if (blob) {
		oc_sdb_bind_hash(s, 1, blob);
		oc_sdb_bind_str(s, 2, id);
	} else {
		oc_sdb_bind_str(s, 1, id);
	}
	rc = oc_sdb_step_change(st, s, "agent");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_agent_update(struct oc_store *st, const struct oc_agent_row *a)
{
	static const char sql[] =
	    "UPDATE agents SET name = ?, description = ?, vault_ids = ?,"
	    " scopes = ?, token_ttl = ?, is_active = ?, expires_at = ?,"
	    " expires_epoch = ?, gen = gen + 1 WHERE id = ?";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	rc = bind_agent(s, 1, a);
	if (!rc) {
		oc_sdb_bind_str(s, 9, a->id);
		rc = oc_sdb_step_change(st, s, "agent update");
	}
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_agent_set_key(struct oc_store *st, const char *id,
			   const uint8_t hash[OC_KEY_HASH_LEN])
{
	static const char sql[] =
	    "UPDATE agents SET key_hash = ?, gen = gen + 1 WHERE id = ?";

	return agent_exec(st, sql, id, hash);
}

int oc_store_agent_delete(struct oc_store *st, const char *id)
{
	static const char sql[] = "DELETE FROM agents WHERE id = ?";

	return agent_exec(st, sql, id, NULL);
}

/* --- policies ----------------------------------------------------------- */

#define POLICY_COLS                                                            \
	"id, vault_id, pattern, principal_type, principal_id, perms, deny, "   \
	"priority, expires_at, expires_epoch, created_at"

static int read_policy(sqlite3_stmt *s, void *row)
{
	struct oc_policy_row *p = row;

	memset(p, 0, sizeof(*p));
	oc_sdb_col_copy(s, 0, p->id, sizeof(p->id));
	oc_sdb_col_copy(s, 1, p->vault_id, sizeof(p->vault_id));
	oc_sdb_col_copy(s, 2, p->pattern, sizeof(p->pattern));
	oc_sdb_col_copy(s, 3, p->principal_type, sizeof(p->principal_type));
	oc_sdb_col_copy(s, 4, p->principal_id, sizeof(p->principal_id));
	p->perms = (unsigned)sqlite3_column_int(s, 5);
	p->deny = sqlite3_column_int(s, 6) != 0;
	p->priority = sqlite3_column_int64(s, 7);
	oc_sdb_col_copy(s, 8, p->expires_at, sizeof(p->expires_at));
	p->expires_epoch = sqlite3_column_int64(s, 9);
	oc_sdb_col_copy(s, 10, p->created_at, sizeof(p->created_at));
	return OC_OK;
}

static void bind_policy(sqlite3_stmt *s, const struct oc_policy_row *p)
{
	oc_sdb_bind_str(s, 1, p->id);
	oc_sdb_bind_str(s, 2, p->vault_id);
	oc_sdb_bind_str(s, 3, p->pattern);
	oc_sdb_bind_str(s, 4, p->principal_type);
	oc_sdb_bind_str(s, 5, p->principal_id);
	oc_sdb_bind_int64(s, 6, (int)p->perms);
	oc_sdb_bind_int64(s, 7, p->deny);
	oc_sdb_bind_int64(s, 8, p->priority);
	oc_sdb_bind_text(s, 9, p->expires_at);
	oc_sdb_bind_int64(s, 10, p->expires_epoch);
	oc_sdb_bind_str(s, 11, p->created_at);
}

/* Within a transaction: revokes the tokens of the agents that the vault's
 * policies name, all of them or (policy_id not NULL) that one's, by
 * bumping their generation.  A policy change and the revocation it causes
 * commit together or not at all. */
int oc_sdb_revoke_policy_agents(struct oc_store *st, const char *vault_id,
				const char *policy_id)
{
	static const char q_vault[] =
	    "UPDATE agents SET gen = gen + 1 WHERE id IN (SELECT principal_id"
	    " FROM policies WHERE vault_id = ? AND principal_type = 'agent')";
	static const char q_one[] =
	    "UPDATE agents SET gen = gen + 1 WHERE id IN (SELECT principal_id"
	    " FROM policies WHERE vault_id = ? AND principal_type = 'agent'"
	    " AND id = ?)";
	sqlite3_stmt *s = oc_sdb_prep(st, policy_id ? q_one : q_vault);

	oc_sdb_bind_str(s, 1, vault_id);
	if (policy_id)
		oc_sdb_bind_str(s, 2, policy_id);
	return oc_sdb_step_end(st, s, 0, "token revocation");
}

int oc_store_policy_create(struct oc_store *st, const struct oc_policy_row *p)
{
	static const char sql[] = "INSERT INTO policies(" POLICY_COLS
				  ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (!rc) {
		s = oc_sdb_prep(st, sql);
		bind_policy(s, p);
		rc = oc_sdb_step_done(st, s, "policy create");
	}
	if (!rc)
		rc = oc_sdb_revoke_policy_agents(st, p->vault_id, p->id);
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_policy_update(struct oc_store *st, const struct oc_policy_row *p)
{
	/* Same column order as the insert; WHERE binds 12 and 13. */
	static const char sql[] =
	    "UPDATE policies SET id = ?1, vault_id = ?2, pattern = ?3,"
	    " principal_type = ?4, principal_id = ?5, perms = ?6,"
	    " deny = ?7, priority = ?8, expires_at = ?9,"
	    " expires_epoch = ?10, created_at = ?11 "
	    "WHERE id = ?1 AND vault_id = ?2";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	/* The agent it named before, and the one it names now. */
	if (!rc)
		rc = oc_sdb_revoke_policy_agents(st, p->vault_id, p->id);
	if (!rc) {
		s = oc_sdb_prep(st, sql);
		bind_policy(s, p);
		rc = oc_sdb_step_change(st, s, "policy update");
	}
	if (!rc)
		rc = oc_sdb_revoke_policy_agents(st, p->vault_id, p->id);
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_policy_get(struct oc_store *st, const char *vault_id,
			const char *id, struct oc_policy_row *out)
{
	static const char sql[] =
	    "SELECT " POLICY_COLS
	    " FROM policies WHERE id = ? AND vault_id = ?";
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup(st, sql, id, vault_id, read_policy, out, "policy");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_policy_delete(struct oc_store *st, const char *vault_id,
			   const char *id)
{
	static const char sql[] =
	    "DELETE FROM policies WHERE id = ? AND vault_id = ?";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (!rc)
		rc = oc_sdb_revoke_policy_agents(st, vault_id, id);
	if (!rc) {
		s = oc_sdb_prep(st, sql);
		oc_sdb_bind_str(s, 1, id);
		oc_sdb_bind_str(s, 2, vault_id);
		rc = oc_sdb_step_change(st, s, "policy delete");
	}
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}

static const struct row_kind policy_rows = {sizeof(struct oc_policy_row),
					    read_policy, NULL};

int oc_store_policy_list(struct oc_store *st, const char *vault_id,
			 const char *principal_type, const char *principal_id,
			 struct oc_policy_row **out, size_t *n)
{
	static const char q_all[] =
	    "SELECT " POLICY_COLS " FROM policies WHERE vault_id = ? "
	    "ORDER BY priority DESC, created_at";
	static const char q_for[] =
	    "SELECT " POLICY_COLS " FROM policies WHERE vault_id = ? "
	    "AND principal_type = ? AND principal_id = ? "
	    "ORDER BY priority DESC, created_at";
	static const char q_every[] =
	    "SELECT " POLICY_COLS " FROM policies WHERE principal_type = ? "
	    "AND principal_id = ? ORDER BY vault_id, priority DESC, created_at";
	void *rows = NULL;
	sqlite3_stmt *s;
	int rc;

	if (!vault_id && !principal_id)
		return OC_ERR_ARGS;
	oc_sdb_lock(st);
	if (!vault_id) {
		s = oc_sdb_prep(st, q_every);
		oc_sdb_bind_str(s, 1, principal_type);
		oc_sdb_bind_str(s, 2, principal_id);
	} else {
		s = oc_sdb_prep(st, principal_id ? q_for : q_all);
		oc_sdb_bind_str(s, 1, vault_id);
		if (principal_id) {
			oc_sdb_bind_str(s, 2, principal_type);
			oc_sdb_bind_str(s, 3, principal_id);
		}
	}
	rc = oc_sdb_fetch_all(st, s, &policy_rows, &rows, n, "policy list");
	oc_sdb_unlock(st);
	if (!rc)
		*out = rows;
	return rc;
}
