/* store-tokens.c - revoked tokens, kept until they would expire. */
#include "config.h"

#include "store-db.h"

#include <time.h>

int oc_store_token_revoke(struct oc_store *st, const char *jti, int64_t exp)
{
	static const char q_purge[] = "DELETE FROM revoked WHERE exp < ?";
	static const char q_ins[] =
	    "INSERT OR IGNORE INTO revoked(jti, exp) VALUES(?, ?)";
	sqlite3_stmt *s;
	int rc;

	/* The revocation first: it is what the caller asked for, and a
	 * failed one must be reported.  Purging expired ones is upkeep. */
	oc_sdb_lock(st);
	s = oc_sdb_prep(st, q_ins);
	oc_sdb_bind_str(s, 1, jti);
	oc_sdb_bind_int64(s, 2, exp);
	/* INSERT OR IGNORE cannot conflict: any failure is the store's. */
	rc = oc_sdb_step_end(st, s, 0, "revoke");
	if (rc == OC_OK) {
		s = oc_sdb_prep(st, q_purge);
		oc_sdb_bind_int64(s, 1, (int64_t)time(NULL));
		/* A failure is logged by oc_sdb_step_end; the next revoke
		 * purges again. */
		(void)oc_sdb_step_end(st, s, 0, "revoke purge");
	}
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_token_is_revoked(struct oc_store *st, const char *jti, bool *out)
{
	static const char sql[] = "SELECT 1 FROM revoked WHERE jti = ?";
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, jti);
	rc = oc_sdb_fetch_exists(st, s, out, "revoked");
	oc_sdb_unlock(st);
	return rc;
}
