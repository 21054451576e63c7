/* store-backup.c - a consistent copy of a database by SQLite's online
 * backup API, checked before anyone relies on it. */
#include "config.h"

#include "store-db.h"

#include "log.h"

/* Pages copied per step (4 MB of 4 KB pages), and the pause after each:
 * the copy's disk reads come in bursts the server's requests fit between. */
#define STEP_PAGES    1024
#define STEP_PAUSE_MS 1
/* Steps a busy destination or source may refuse before the copy fails. */
#define BUSY_TRIES 1000

static int fail(sqlite3 *db, const char *path, const char *what)
{
	oc_log_error("oneclaw-vaultd: %s %s: %s", what, path,
		     db ? sqlite3_errmsg(db) : "out of memory");
	return OC_ERR_IO;
}

static int open_db(const char *path, int flags, sqlite3 **db)
{
	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK)
		return fail(*db, path, "cannot open");
	sqlite3_busy_timeout(*db, 10000);
	return OC_OK;
}

/* The copy must be whole and of the schema this server reads. */
static int verify(sqlite3 *db, const char *path)
{
	static const char q_schema[] = "SELECT v FROM meta WHERE k = 'schema'";
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	int rc = OC_ERR_IO;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		rc = fail(db, path, "cannot check");
		goto out;
	}
	t = sqlite3_column_text(s, 0);
	if (!t || strcmp((const char *)t, "ok") != 0) {
		oc_log_error("oneclaw-vaultd: %s fails its integrity check: %s",
			     path, t ? (const char *)t : "?");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db, q_schema, -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW ||
	    sqlite3_column_bytes(s, 0) != (int)strlen(OC_SDB_SCHEMA_VERSION) ||
	    memcmp(sqlite3_column_blob(s, 0), OC_SDB_SCHEMA_VERSION,
		   strlen(OC_SDB_SCHEMA_VERSION)) != 0) {
		oc_log_error("oneclaw-vaultd: %s is not a oneclaw-vaultd "
			     "database of schema version %s",
			     path, OC_SDB_SCHEMA_VERSION);
		rc = OC_ERR_CONFIG;
		goto out;
	}
	rc = OC_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

static int copy(sqlite3 *src, const char *src_path, sqlite3 *dst,
		const char *dst_path)
{
	sqlite3_backup *b;
	int rc, busy = 0;

	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return fail(dst, dst_path, "cannot copy into");
	for (;;) {
		rc = sqlite3_backup_step(b, STEP_PAGES);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++busy > BUSY_TRIES)
				break;
		} else if (rc != SQLITE_OK) {
			break;
		}
		sqlite3_sleep(STEP_PAUSE_MS);
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		oc_log_error("oneclaw-vaultd: cannot copy %s: %s", src_path,
			     sqlite3_errstr(rc));
		return OC_ERR_IO;
	}
	return OC_OK;
}

int oc_store_snapshot(const char *src_path, const char *dst_path)
{
	sqlite3 *src = NULL, *dst = NULL;
	int rc;

	/* The source only read: a read-write connection would fold a log
	 * beside it into it on close, or roll a journal back into it, and a
	 * restore must leave its FILE as it found it.  The destination is
	 * the caller's new temporary file, never a link planted there. */
	rc = open_db(src_path, SQLITE_OPEN_READONLY, &src);
	if (!rc)
		rc =
		    open_db(dst_path,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, &dst);
	if (rc)
		goto out;
	/* One read transaction across every step: the copy is the
	 * database as of its start, whatever the server commits meanwhile
	 * (WAL readers do not hold writers back).  Without it each step
	 * would see the latest commit and restart the copy. */
	if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL,
			 NULL, NULL) != SQLITE_OK) {
		rc = fail(src, src_path, "cannot read");
		goto out;
	}
	rc = copy(src, src_path, dst, dst_path);
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	if (rc)
		goto out;
	/* The copy is one self-contained file, whatever the journal mode of
	 * its source. */
	if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = fail(dst, dst_path, "cannot finish");
		goto out;
	}
	/* What the copy lacks, its source lacks: named as the source. */
	rc = verify(dst, src_path);
out:
	if (dst && sqlite3_close(dst) != SQLITE_OK && !rc)
		rc = OC_ERR_IO;
	sqlite3_close(src);
	return rc;
}

int oc_store_checkpoint(const char *path)
{
	sqlite3 *db = NULL;
	int rc = OC_OK;

	/* Quietly: the caller may be about to replace a damaged file. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
		SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
			 NULL) != SQLITE_OK)
		rc = OC_ERR_IO;
	if (db && sqlite3_close(db) != SQLITE_OK)
		rc = OC_ERR_IO;
	return rc;
}
