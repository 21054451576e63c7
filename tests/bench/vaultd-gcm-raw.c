/* vaultd-gcm-raw.c - the raw cost of the crypto one server-side rotation
 * does per secret, for tests/bench/vaultd-rotate.sh to print beside the
 * server's rate.  Per secret, as in src/vaultd/rotator.c: unwrap the DEK,
 * decrypt the stored value, base64-decode the blob, CMEK open with the old
 * key, CMEK seal with the new key, base64-encode, a fresh DEK, encrypt the
 * value, wrap the DEK.  Three figures: AES-GCM only; all the crypto
 * (HKDF for the vault KEK once per run as the job does, the RNG, base64
 * too); and all the crypto
 * with the SQLite work of the same rotation: N rows in a table of the
 * server's versions shape (WAL, synchronous=FULL), read by its index and
 * re-written in transactions of 100, one prepared UPDATE per row.
 *
 * usage: vaultd-gcm-raw N PLAINTEXT_LEN DB
 *   -> "gcm SECONDS\nfull SECONDS\nstore SECONDS\n" (DB is created) */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <sqlite3.h>

#include "cmek.h"
#include "codec.h"
#include "err.h"
#include "ossl.h"

#define AAD                                                                    \
	"oneclaw-vaultd value v1:00000000-0000-4000-8000-000000000000:"        \
	"00000000-0000-4000-8000-000000000001"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hkdf(EVP_KDF *kdf, const uint8_t *master, uint8_t out[32])
{
	static const uint8_t salt[32] = {1};
	static const char info[] = "oneclaw-vaultd vault kek v1:"
				   "00000000-0000-4000-8000-000000000000";
	OSSL_PARAM p[5];
	EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
	int ok;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						(char *)"SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)master, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)salt, sizeof(salt));
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)info, strlen(info));
	p[4] = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, 32, p) == 1;
	EVP_KDF_CTX_free(c);
	return ok ? 0 : -1;
}

/* One secret's rotation under the vault KEK kek; full adds the RNG and
 * base64.  The new wrapped DEK and value go to new_w (60 bytes) and new_ct
 * (val_len + 28). */
static int one(bool full, const uint8_t *kek, const struct oc_cmek_key *ko,
	       const struct oc_cmek_key *kn, const uint8_t *wrapped,
	       const uint8_t *ct, size_t val_len, size_t blob_len,
	       uint8_t *new_w, uint8_t *new_ct)
{
	uint8_t dek[32], val[256], blob[256], pt[256], blob2[256];
	uint8_t iv[12] = {0};
	char b64[256];
	size_t n = 0, pt_len = 0, b2 = 0;
	int rc = 0;

	rc |= oc_aes_gcm_open(kek, wrapped, 12, (const uint8_t *)AAD, 40,
			      wrapped + 12, 32, wrapped + 44, 16, dek);
	rc |= oc_aes_gcm_open(dek, ct, 12, (const uint8_t *)AAD, strlen(AAD),
			      ct + 12, val_len, ct + 12 + val_len, 16, val);
	if (full) {
		rc |= oc_base64_decode_strict((const char *)val, val_len, blob,
					      sizeof(blob), &n);
	} else {
		n = blob_len;
		memcpy(blob, val, n); /* the bytes, without the decoding */
	}
	rc |= oc_cmek_open(ko, blob, n, pt, sizeof(pt), &pt_len);
	rc |= oc_cmek_seal(kn, pt, pt_len, blob2, sizeof(blob2), &b2);
	if (full) {
		rc |= oc_base64_encode(blob2, b2, b64, sizeof(b64));
		rc |= oc_random(dek, 32);
		rc |= oc_random(iv, 12);
	} else {
		memcpy(b64, blob2, b2);
	}
	memcpy(new_ct, iv, 12);
	rc |= oc_aes_gcm_seal(dek, iv, 12, (const uint8_t *)AAD, strlen(AAD),
			      (const uint8_t *)b64, val_len, new_ct + 12,
			      new_ct + 12 + val_len, 16);
	memcpy(new_w, iv, 12);
	rc |= oc_aes_gcm_seal(kek, iv, 12, (const uint8_t *)AAD, 40, dek, 32,
			      new_w + 12, new_w + 44, 16);
	return rc;
}

/* The server's versions table (src/vaultd/store-db.c) and its index,
 * with its settings. */
static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "PRAGMA secure_delete=ON;"
    "CREATE TABLE versions(vid TEXT PRIMARY KEY,"
    " secret_id TEXT NOT NULL, vault_id TEXT NOT NULL,"
    " version INTEGER NOT NULL, type TEXT NOT NULL, metadata TEXT NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL, expires_at TEXT,"
    " expires_epoch INTEGER NOT NULL DEFAULT 0,"
    " max_access INTEGER NOT NULL DEFAULT 0,"
    " access_count INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0, cmek_fpr TEXT,"
    " dek BLOB NOT NULL, ct BLOB NOT NULL, UNIQUE(secret_id, version));"
    "CREATE INDEX versions_fpr ON versions(vault_id, cmek_fpr);";

/* n rows under fingerprint "old", each with the same sealed blobs. */
static int seed(sqlite3 *db, size_t n, const uint8_t *w, const uint8_t *ct,
		size_t ct_len)
{
	sqlite3_stmt *s = NULL;
	char vid[48], sid[48];
	size_t i;
	int rc = 0;

	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		db,
		"INSERT INTO versions(vid, secret_id, vault_id, version, type,"
		" metadata, created_at, created_by, cmek_fpr, dek, ct) "
		"VALUES(?, ?, 'v', 1, 'api_key', '{}', "
		"'2026-01-01T00:00:00Z', 'user:x', 'old', ?, ?)",
		-1, &s, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < n && !rc; i++) {
		snprintf(vid, sizeof(vid), "00000000-0000-4000-8000-%012zu", i);
		snprintf(sid, sizeof(sid), "10000000-0000-4000-8000-%012zu", i);
		sqlite3_bind_text(s, 1, vid, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, sid, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 3, w, 60, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, ct, (int)ct_len, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

/* One batch as read: each row's rowid and sealed blobs. */
struct row {
	int64_t rowid;
	uint8_t w[60];
	uint8_t ct[300];
	size_t ct_len;
};

/* Reads up to 100 rows under "old" with sel into rows. */
static size_t read_batch(sqlite3_stmt *sel, struct row *rows)
{
	size_t n = 0;

	while (n < 100 && sqlite3_step(sel) == SQLITE_ROW) {
		struct row *r = &rows[n];
		size_t wl = (size_t)sqlite3_column_bytes(sel, 1);

		r->ct_len = (size_t)sqlite3_column_bytes(sel, 2);
		if (wl != sizeof(r->w) || r->ct_len > sizeof(r->ct))
			break;
		r->rowid = sqlite3_column_int64(sel, 0);
		memcpy(r->w, sqlite3_column_blob(sel, 1), wl);
		memcpy(r->ct, sqlite3_column_blob(sel, 2), r->ct_len);
		n++;
	}
	sqlite3_reset(sel);
	return n;
}

/* The rotation's store work with all its crypto: batches of 100, each
 * one transaction; both statements prepared once. */
static int store_pass(sqlite3 *db, const uint8_t *kek,
		      const struct oc_cmek_key *ko,
		      const struct oc_cmek_key *kn, size_t val_len,
		      size_t blob_len, size_t *done)
{
	static struct row rows[100];
	sqlite3_stmt *sel = NULL, *upd = NULL;
	uint8_t new_w[60], new_ct[300];
	size_t batch, i;
	int rc = 0;

	*done = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT rowid, dek, ct FROM versions "
			       "WHERE vault_id = 'v' AND cmek_fpr = 'old' "
			       "ORDER BY rowid LIMIT 100",
			       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "UPDATE versions SET dek = ?, ct = ?, "
			       "cmek_fpr = 'new' WHERE rowid = ? "
			       "AND cmek_fpr = 'old'",
			       -1, &upd, NULL) != SQLITE_OK)
		rc = -1;
	do {
		batch = 0;
		if (rc || sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
				       NULL) != SQLITE_OK) {
			rc = -1;
			break;
		}
		batch = read_batch(sel, rows);
		for (i = 0; i < batch && !rc; i++) {
			rc = one(true, kek, ko, kn, rows[i].w, rows[i].ct,
				 val_len, blob_len, new_w, new_ct);
			sqlite3_bind_blob(upd, 1, new_w, 60, SQLITE_STATIC);
			sqlite3_bind_blob(upd, 2, new_ct, (int)(val_len + 28),
					  SQLITE_STATIC);
			sqlite3_bind_int64(upd, 3, rows[i].rowid);
			if (!rc && sqlite3_step(upd) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(upd);
		}
		if (sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL,
				 NULL) != SQLITE_OK)
			rc = -1;
		*done += batch;
	} while (!rc && batch > 0);
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t master[32] = {7}, raw_o[32] = {1}, raw_n[32] = {2};
	struct oc_cmek_key *ko = NULL, *kn = NULL;
	uint8_t dek[32] = {3}, wrapped[60], ct[300], blob[256], pt[128];
	uint8_t new_w[60], new_ct[300], kek[32];
	char b64[256];
	size_t pt_len, blob_len = 0, val_len, i, count, done = 0;
	sqlite3 *db = NULL;
	EVP_KDF *kdf;
	char *end;
	double t0, t_gcm = 0, t_full = 0, t_store;
	int pass;

	if (argc != 4)
		return 2;
	errno = 0;
	count = strtoul(argv[1], &end, 10);
	if (errno || *end || count == 0)
		return 2;
	pt_len = strtoul(argv[2], &end, 10);
	if (errno || *end || pt_len > sizeof(pt))
		return 2;
	memset(pt, 'p', pt_len);
	kdf = EVP_KDF_fetch(oc_ossl_libctx(), "HKDF", NULL);
	if (!kdf || oc_cmek_key_from_raw(raw_o, &ko) ||
	    oc_cmek_key_from_raw(raw_n, &kn))
		return 1;
	/* One stored version: the wrapped DEK and the encrypted base64 blob,
	 * made with the plain master key as KEK for the GCM-only pass and
	 * re-made with HKDF for the full pass. */
	if (oc_cmek_seal(ko, pt, pt_len, blob, sizeof(blob), &blob_len) ||
	    oc_base64_encode(blob, blob_len, b64, sizeof(b64)))
		return 1;
	val_len = strlen(b64);
	for (pass = 0; pass < 2; pass++) {
		const uint8_t *v = pass ? (const uint8_t *)b64 : blob;
		size_t vl = pass ? val_len : blob_len;

		if (pass)
			hkdf(kdf, master, kek);
		else
			memcpy(kek, master, 32);
		memset(wrapped, 0, 12);
		memset(ct, 0, 12);
		if (oc_aes_gcm_seal(kek, wrapped, 12, (const uint8_t *)AAD, 40,
				    dek, 32, wrapped + 12, wrapped + 44, 16) ||
		    oc_aes_gcm_seal(dek, ct, 12, (const uint8_t *)AAD,
				    strlen(AAD), v, vl, ct + 12, ct + 12 + vl,
				    16))
			return 1;
		t0 = now();
		/* The full pass derives the vault KEK once, as the job. */
		if (pass)
			hkdf(kdf, master, kek);
		for (i = 0; i < count; i++) {
			if (one(pass == 1, kek, ko, kn, wrapped, ct, vl,
				blob_len, new_w, new_ct)) {
				fprintf(stderr, "crypto failed\n");
				return 1;
			}
		}
		if (pass == 0)
			t_gcm = now() - t0;
		else
			t_full = now() - t0;
	}
	/* The full pass's stored version, in every row. */
	if (sqlite3_open(argv[3], &db) != SQLITE_OK ||
	    seed(db, count, wrapped, ct, val_len + 28)) {
		fprintf(stderr, "database: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	t0 = now();
	if (hkdf(kdf, master, kek) ||
	    store_pass(db, kek, ko, kn, val_len, blob_len, &done) ||
	    done != count) {
		fprintf(stderr, "store pass: %zu rows: %s\n", done,
			sqlite3_errmsg(db));
		return 1;
	}
	t_store = now() - t0;
	sqlite3_close(db);
	printf("gcm %.6f\nfull %.6f\nstore %.6f\n", t_gcm, t_full, t_store);
	oc_cmek_key_free(ko);
	oc_cmek_key_free(kn);
	EVP_KDF_free(kdf);
	return 0;
}
