/* store-jobs.c - CMEK rotation jobs and the batches that reseal versions. */
#include "config.h"

#include "store-db.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

#define JOB_COLS                                                               \
	"id, vault_id, status, total, processed, old_fpr, new_fpr, error, "    \
	"created_at, started_at, completed_at"

static int read_job(sqlite3_stmt *s, void *row)
{
	struct oc_job_row *j = row;

	memset(j, 0, sizeof(*j));
	oc_sdb_col_copy(s, 0, j->id, sizeof(j->id));
	oc_sdb_col_copy(s, 1, j->vault_id, sizeof(j->vault_id));
	oc_sdb_col_copy(s, 2, j->status, sizeof(j->status));
	j->total = sqlite3_column_int64(s, 3);
	j->processed = sqlite3_column_int64(s, 4);
	oc_sdb_col_copy(s, 5, j->old_fpr, sizeof(j->old_fpr));
	oc_sdb_col_copy(s, 6, j->new_fpr, sizeof(j->new_fpr));
	oc_sdb_col_copy(s, 7, j->error, sizeof(j->error));
	oc_sdb_col_copy(s, 8, j->created_at, sizeof(j->created_at));
	oc_sdb_col_copy(s, 9, j->started_at, sizeof(j->started_at));
	oc_sdb_col_copy(s, 10, j->completed_at, sizeof(j->completed_at));
	return OC_OK;
}

int oc_store_job_create(struct oc_store *st, struct oc_job_row *job)
{
	static const char q_count[] =
	    "SELECT COUNT(*) FROM versions WHERE vault_id = ? "
	    "AND cmek_fpr = ?";
	static const char q_ins[] =
	    "INSERT INTO jobs(" JOB_COLS
	    ") VALUES(?, ?, 'pending', ?, 0, ?, ?, NULL, ?, NULL, NULL)";
	struct oc_vault_row v;
	sqlite3_stmt *s;
	int64_t total = 0;
	int rc;

	if (!st || !job)
		return OC_ERR_ARGS;
	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (rc)
		goto out;
	rc = oc_sdb_vault_get_locked(st, job->vault_id, &v);
	if (rc)
		goto out;
	if (strcmp(v.cmek_fpr, job->old_fpr) != 0) {
		rc = OC_ERR_STATE;
		goto out;
	}
	rc = oc_sdb_vault_idle_locked(st, job->vault_id);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_count);
	oc_sdb_bind_str(s, 1, job->vault_id);
	oc_sdb_bind_str(s, 2, job->old_fpr);
	rc = oc_sdb_fetch_int64(st, s, &total, "job count");
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_ins);
	oc_sdb_bind_str(s, 1, job->id);
	oc_sdb_bind_str(s, 2, job->vault_id);
	oc_sdb_bind_int64(s, 3, total);
	oc_sdb_bind_str(s, 4, job->old_fpr);
	oc_sdb_bind_str(s, 5, job->new_fpr);
	oc_sdb_bind_str(s, 6, job->created_at);
	rc = oc_sdb_step_done(st, s, "job create");
out:
	rc = oc_sdb_end_txn(st, rc);
	if (!rc) {
		job->total = total;
		job->processed = 0;
		snprintf(job->status, sizeof(job->status), "pending");
	}
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_job_get(struct oc_store *st, const char *vault_id, const char *id,
		     struct oc_job_row *out)
{
	static const char sql[] =
	    "SELECT " JOB_COLS " FROM jobs WHERE id = ? AND vault_id = ?";
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_lookup(st, sql, id, vault_id, read_job, out, "job");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_job_set_status(struct oc_store *st, const char *id,
			    const char *status, const char *error)
{
	static const char sql[] =
	    "UPDATE jobs SET status = ?1, error = ?2,"
	    " started_at = CASE WHEN ?1 = 'running' THEN ?3"
	    "  ELSE started_at END,"
	    " completed_at = CASE WHEN ?1 IN ('completed', 'failed')"
	    "  THEN ?3 ELSE completed_at END "
	    "WHERE id = ?4";
	char now[OC_TIME_LEN];
	sqlite3_stmt *s;
	int rc;

	oc_time_now(now);
	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, status);
	oc_sdb_bind_text(s, 2, error);
	oc_sdb_bind_str(s, 3, now);
	oc_sdb_bind_str(s, 4, id);
	rc = oc_sdb_step_done(st, s, "job status");
	oc_sdb_unlock(st);
	return rc;
}

int oc_store_jobs_interrupt(struct oc_store *st)
{
	static const char sql[] =
	    "UPDATE jobs SET status = 'failed', error = 'interrupted',"
	    " completed_at = ? WHERE status IN ('pending', 'running')";
	char now[OC_TIME_LEN];
	sqlite3_stmt *s;
	int rc;

	oc_time_now(now);
	oc_sdb_lock(st);
	s = oc_sdb_prep(st, sql);
	oc_sdb_bind_str(s, 1, now);
	rc = oc_sdb_step_done(st, s, "jobs interrupt");
	if (!rc && sqlite3_changes(st->db) > 0)
		oc_log_error("oneclaw-vaultd: %d rotation job(s) were "
			     "interrupted; POST the rotation again "
			     "to finish",
			     sqlite3_changes(st->db));
	oc_sdb_unlock(st);
	return rc;
}

/* A version to re-seal: its row, id and sealed blobs only. */
struct reseal_row {
	int64_t rowid;
	struct oc_version_row v;
};

static int read_reseal(sqlite3_stmt *s, void *row)
{
	struct reseal_row *r = row;
	int rc;

	memset(r, 0, sizeof(*r));
	r->rowid = sqlite3_column_int64(s, 0);
	oc_sdb_col_copy(s, 1, r->v.vid, sizeof(r->v.vid));
	rc = oc_sdb_col_blob(s, 2, &r->v.dek, &r->v.dek_len);
	if (!rc)
		rc = oc_sdb_col_blob(s, 3, &r->v.ct, &r->v.ct_len);
	if (rc)
		oc_version_row_clear(&r->v);
	return rc;
}

static void clear_reseal(void *row)
{
	oc_version_row_clear(&((struct reseal_row *)row)->v);
}

static const struct row_kind reseal_rows = {sizeof(struct reseal_row),
					    read_reseal, clear_reseal};

/* Names the version at rowid in failed ("<path> version <n>"). */
static void name_version(struct oc_store *st, int64_t rowid, char *failed,
			 size_t size)
{
	static const char sql[] = "SELECT s.path, v.version FROM versions v "
				  "JOIN secrets s ON s.id = v.secret_id "
				  "WHERE v.rowid = ?";
	sqlite3_stmt *s = oc_sdb_prep(st, sql);

	snprintf(failed, size, "a version");
	if (!s)
		return;
	oc_sdb_bind_int64(s, 1, rowid);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(failed, size, "%s version %lld",
			 (const char *)sqlite3_column_text(s, 0),
			 (long long)sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
}

int oc_store_rotate_batch(struct oc_store *st, const char *job_id,
			  const char *vault_id, const char *old_fpr,
			  const char *new_fpr, size_t limit, oc_reseal_fn fn,
			  void *ctx, size_t *done, char *failed,
			  size_t failed_size)
{
	/* By the fingerprint index, in rowid order: the rows re-sealed so
	 * far have left the old fingerprint, so each batch is a seek, not a
	 * scan past what is done.  Written back by rowid, with the old
	 * fingerprint checked once more. */
	static const char q_sel[] =
	    "SELECT rowid, vid, dek, ct FROM versions "
	    "WHERE vault_id = ? AND cmek_fpr = ? ORDER BY rowid LIMIT ?";
	static const char q_upd[] =
	    "UPDATE versions SET dek = ?, ct = ?, cmek_fpr = ? "
	    "WHERE rowid = ? AND cmek_fpr = ?";
	static const char q_job[] =
	    "UPDATE jobs SET processed = processed + ?1,"
	    " total = MAX(total, processed + ?1) WHERE id = ?2";
	struct reseal_row *rows = NULL;
	size_t count = 0, i;
	void *batch = NULL;
	sqlite3_stmt *s;
	int rc;

	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_sel);
	oc_sdb_bind_str(s, 1, vault_id);
	oc_sdb_bind_str(s, 2, old_fpr);
	oc_sdb_bind_int64(s, 3, (int64_t)limit);
	/* Read the whole batch first, then update: no statement is left
	 * stepping over rows that the updates change. */
	rc = oc_sdb_fetch_all(st, s, &reseal_rows, &batch, &count, "batch");
	if (rc)
		goto out;
	rows = batch;
	for (i = 0; i < count; i++) {
		rc = fn(ctx, &rows[i].v);
		if (rc) {
			if (failed)
				name_version(st, rows[i].rowid, failed,
					     failed_size);
			goto out;
		}
		s = oc_sdb_prep(st, q_upd);
		oc_sdb_bind_blob_ref(s, 1, rows[i].v.dek, rows[i].v.dek_len);
		oc_sdb_bind_blob_ref(s, 2, rows[i].v.ct, rows[i].v.ct_len);
		oc_sdb_bind_str(s, 3, new_fpr);
		oc_sdb_bind_int64(s, 4, rows[i].rowid);
		oc_sdb_bind_str(s, 5, old_fpr);
		rc = oc_sdb_step_done(st, s, "reseal");
		if (rc)
			goto out;
	}
	if (count) {
		s = oc_sdb_prep(st, q_job);
		oc_sdb_bind_int64(s, 1, (int64_t)count);
		oc_sdb_bind_str(s, 2, job_id);
		rc = oc_sdb_step_done(st, s, "job progress");
		if (rc)
			goto out;
	}
out:
	rc = oc_sdb_end_txn(st, rc);
	if (!rc)
		*done = count;
	oc_sdb_unlock(st);
	for (i = 0; i < count; i++)
		clear_reseal(&rows[i]);
	free(rows);
	return rc;
}

int oc_store_rotate_finish(struct oc_store *st, const char *job_id,
			   const char *vault_id, const char *old_fpr,
			   const char *new_fpr)
{
	static const char q_left[] =
	    "SELECT 1 FROM versions WHERE vault_id = ? AND cmek_fpr = ? "
	    "LIMIT 1";
	static const char q_vault[] =
	    "UPDATE vaults SET cmek_fpr = ?1 WHERE id = ?2 "
	    "AND cmek_fpr = ?3";
	static const char q_job[] =
	    "UPDATE jobs SET status = 'completed', completed_at = ?1,"
	    " error = NULL WHERE id = ?2";
	char now[OC_TIME_LEN];
	sqlite3_stmt *s;
	bool left = false;
	int rc;

	oc_time_now(now);
	oc_sdb_lock(st);
	rc = oc_sdb_begin(st);
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_left);
	oc_sdb_bind_str(s, 1, vault_id);
	oc_sdb_bind_str(s, 2, old_fpr);
	rc = oc_sdb_fetch_exists(st, s, &left, "finish");
	if (!rc && left)
		rc = OC_ERR_STATE;
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_vault);
	oc_sdb_bind_str(s, 1, new_fpr);
	oc_sdb_bind_str(s, 2, vault_id);
	oc_sdb_bind_str(s, 3, old_fpr);
	rc = oc_sdb_step_done(st, s, "vault fingerprint");
	if (rc)
		goto out;
	s = oc_sdb_prep(st, q_job);
	oc_sdb_bind_str(s, 1, now);
	oc_sdb_bind_str(s, 2, job_id);
	rc = oc_sdb_step_done(st, s, "job complete");
out:
	rc = oc_sdb_end_txn(st, rc);
	oc_sdb_unlock(st);
	return rc;
}
