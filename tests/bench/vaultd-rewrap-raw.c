/* vaultd-rewrap-raw.c - the raw cost of the work a KEK rotation
 * (src/vaultd/kek-rotate.c) does per DEK, for tests/bench/vaultd-backup.sh
 * to print beside the server's rate: unwrap the DEK with AES-256-GCM under
 * the old vault KEK, wrap it under the new one with a fresh IV.  Two
 * figures: that crypto alone over N DEKs; and the crypto with the SQLite
 * work of the rotation: N rows (a wrapped DEK and a 60-byte value each,
 * WAL, synchronous=FULL) taken by rowid in transactions of 100, one
 * prepared UPDATE per row and one for the progress record.
 *
 * usage: vaultd-rewrap-raw N DB
 *   -> "gcm SECONDS\nstore SECONDS\n" (DB is created) */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cmek.h"
#include "codec.h"
#include "ossl.h"

#define AAD   "oneclaw-vaultd dek v1:00000000-0000-4000-8000-000000000000"
#define WLEN  61
#define BATCH 100

static const uint8_t old_kek[32] = {1}, new_kek[32] = {2};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* w (kind || IV || ct || tag) from under `from` to under `to`. */
static int rewrap(const uint8_t *from, const uint8_t *to, uint8_t *w)
{
	uint8_t dek[32];
	int rc;

	rc = oc_aes_gcm_open(from, w + 1, 12, (const uint8_t *)AAD, strlen(AAD),
			     w + 13, 32, w + 45, 16, dek);
	rc |= oc_random(w + 1, 12);
	rc |= oc_aes_gcm_seal(to, w + 1, 12, (const uint8_t *)AAD, strlen(AAD),
			      dek, 32, w + 13, w + 45, 16);
	return rc;
}

static int seed(sqlite3 *db, size_t n, const uint8_t *w)
{
	static const uint8_t ct[60] = {0};
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc = 0;

	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB);"
			 "INSERT INTO meta VALUES('at', '0');"
			 "CREATE TABLE versions(vid TEXT PRIMARY KEY,"
			 " vault_id TEXT NOT NULL, dek BLOB NOT NULL,"
			 " ct BLOB NOT NULL); BEGIN",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO versions VALUES(?, 'v', ?, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && !rc; i++) {
		char vid[48];

		snprintf(vid, sizeof(vid), "00000000-0000-4000-8000-%012zu", i);
		sqlite3_bind_text(s, 1, vid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 2, w, WLEN, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, ct, sizeof(ct), SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

/* Every row re-wrapped, BATCH per transaction. */
static int store_pass(sqlite3 *db)
{
	static struct {
		int64_t rowid;
		uint8_t w[WLEN];
	} rows[BATCH];
	sqlite3_stmt *sel = NULL, *upd = NULL, *cur = NULL;
	int64_t at = 0;
	size_t n, i;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT rowid, dek FROM versions WHERE rowid > ?"
			       " ORDER BY rowid LIMIT 100",
			       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "UPDATE versions SET dek = ? WHERE rowid = ?",
			       -1, &upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE meta SET v = ? WHERE k = 'at'", -1,
			       &cur, NULL) != SQLITE_OK)
		goto out;
	do {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
			goto out;
		sqlite3_bind_int64(sel, 1, at);
		for (n = 0; n < BATCH && sqlite3_step(sel) == SQLITE_ROW; n++) {
			rows[n].rowid = sqlite3_column_int64(sel, 0);
			memcpy(rows[n].w, sqlite3_column_blob(sel, 1), WLEN);
		}
		sqlite3_reset(sel);
		for (i = 0; i < n; i++) {
			if (rewrap(old_kek, new_kek, rows[i].w))
				goto out;
			sqlite3_bind_blob(upd, 1, rows[i].w, WLEN,
					  SQLITE_STATIC);
			sqlite3_bind_int64(upd, 2, rows[i].rowid);
			if (sqlite3_step(upd) != SQLITE_DONE)
				goto out;
			sqlite3_reset(upd);
		}
		if (n) {
			at = rows[n - 1].rowid;
			sqlite3_bind_int64(cur, 1, at);
			if (sqlite3_step(cur) != SQLITE_DONE)
				goto out;
			sqlite3_reset(cur);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
			goto out;
	} while (n);
	rc = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(cur);
	return rc;
}

int main(int argc, char **argv)
{
	uint8_t w[WLEN] = {1}, dek[32] = {3};
	unsigned long n;
	sqlite3 *db = NULL;
	double t0, gcm, store;
	size_t i;

	if (argc != 3 || oc_decimal_parse(argv[1], 1, 10000000, &n)) {
		fprintf(stderr, "usage: vaultd-rewrap-raw N DB\n");
		return 2;
	}
	if (oc_random(w + 1, 12) ||
	    oc_aes_gcm_seal(old_kek, w + 1, 12, (const uint8_t *)AAD,
			    strlen(AAD), dek, 32, w + 13, w + 45, 16))
		return 1;
	/* Back and forth, so every unwrap opens. */
	t0 = now();
	for (i = 0; i < n; i++)
		if (rewrap(i % 2 ? new_kek : old_kek, i % 2 ? old_kek : new_kek,
			   w))
			return 1;
	gcm = now() - t0;
	if (n % 2 && rewrap(new_kek, old_kek, w))
		return 1;
	if (sqlite3_open(argv[2], &db) != SQLITE_OK || seed(db, n, w))
		return 1;
	t0 = now();
	if (store_pass(db))
		return 1;
	store = now() - t0;
	sqlite3_close(db);
	printf("gcm %.6f\nstore %.6f\n", gcm, store);
	return 0;
}
