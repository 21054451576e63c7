/* store-users.c - meta (schema version, sealed signing key) and users. */
#include "config.h"

#include "store-db.h"

struct blob {
	uint8_t *p;
	size_t len;
};

static int read_blob(sqlite3_stmt *s, void *row)
{
	struct blob *b = row;

	return oc_sdb_col_blob(s, 0, &b->p, &b->len);
}

int oc_store_meta_get(struct oc_store *st, const char *key, uint8_t **val,
		      size_t *len)
{
	static const char sql[] = "SELECT v FROM meta WHERE k = ?";
	struct blob b = {NULL, 0};
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup(st, sql, key, NULL, read_blob, &b, "meta");
	oc_sdb_unlock(st);
	if (!rc) {
		*val = b.p;
		*len = b.len;
	}
	return rc;
}

int oc_store_meta_set(struct oc_store *st, const char *key, const uint8_t *val,
		      size_t len)
{
	static const char sql[] = "INSERT INTO meta(k, v) VALUES(?, ?) "
				  "ON CONFLICT(k) DO UPDATE SET v = excluded.v";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, key);
	oc_sdb_bind_blob(s, 2, val, len);
	rc = oc_sdb_step_end(st, s, 0, "meta");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_user_add(struct oc_store *st, const char *id, const char *name,
		      const uint8_t hash[OC_KEY_HASH_LEN])
{
	static const char sql[] = "INSERT INTO users(id, name, key_hash, "
				  "created_at) VALUES(?, ?, ?, ?)";
	char now[OC_TIME_LEN];
	sqlite3_stmt *s;
	int rc;

	oc_time_now(now);
	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, id);
	oc_sdb_bind_str(s, 2, name);
	oc_sdb_bind_hash(s, 3, hash);
	oc_sdb_bind_str(s, 4, now);
	rc = oc_sdb_step_end(st, s, 0, "user");
	oc_sdb_unlock(st);
	return rc;
}

static int read_id(sqlite3_stmt *s, void *row)
{
	oc_sdb_col_copy(s, 0, row, OC_UUID_LEN + 1);
	return OC_OK;
}

int oc_store_user_by_hash(struct oc_store *st,
			  const uint8_t hash[OC_KEY_HASH_LEN],
			  char id[OC_UUID_LEN + 1])
{
	static const char sql[] =
	    "SELECT id, key_hash FROM users WHERE key_hash = ?";
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup_hash(st, sql, hash, 1, read_id, id, "user");
	oc_sdb_unlock(st);
	return rc;
}
