/* rotator.c - the rotation worker threads. */
#include "config.h"

#include "rotator.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "envelope.h"
#include "err.h"
#include "faults.h"
#include "kek.h"
#include "log.h"
#include "secmem.h"

struct job {
	struct oc_rotator *owner;
	struct oc_job_row row;
	struct oc_vault_row vault;
	struct oc_cmek_key *old_key;
	struct oc_cmek_key *new_key;
	struct oc_vault_kek *vault_kek; /* derived once for the whole job */
	uint8_t *scratch;		/* locked working memory of reseal() */
	size_t scratch_size;
	pthread_t thread;
	atomic_bool finished;
	struct job *next;
};

struct oc_rotator {
	char *db_path;
	struct oc_kek *kek;
	const struct oc_faults *faults;
	atomic_bool stop;
	pthread_mutex_t lock;
	struct job *jobs;
};

int oc_rotator_new(const char *db_path, struct oc_kek *kek,
		   const struct oc_faults *faults, struct oc_rotator **out)
{
	struct oc_rotator *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return OC_ERR_NOMEM;
	r->db_path = strdup(db_path);
	if (!r->db_path) {
		free(r);
		return OC_ERR_NOMEM;
	}
	r->kek = kek;
	r->faults = faults;
	atomic_init(&r->stop, false);
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return OC_OK;
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	oc_cmek_key_free(j->old_key);
	oc_cmek_key_free(j->new_key);
	oc_vault_kek_free(j->vault_kek);
	oc_secure_free(j->scratch);
	free(j);
}

/* The job's locked working memory, grown to fit the largest value. */
static uint8_t *scratch(struct job *j, size_t need)
{
	if (need <= j->scratch_size)
		return j->scratch;
	oc_secure_free(j->scratch);
	j->scratch_size = 0;
	j->scratch = oc_secure_alloc(need);
	if (j->scratch)
		j->scratch_size = need;
	return j->scratch;
}

/* Re-seals one version: envelope -> base64 blob -> old key -> new key ->
 * base64 blob -> new envelope.  Every intermediate is in the job's locked
 * scratch memory and wiped before the next. */
static int reseal(void *ctx, struct oc_version_row *row)
{
	struct job *j = ctx;
	uint8_t *mem, *val, *blob, *pt, *blob2;
	uint8_t *dek = NULL, *ct = NULL;
	char *b64;
	size_t cap, val_len = 0, blob_len = 0, pt_len = 0, blob2_len = 0;
	size_t dek_len = 0, ct_len = 0, b64_size;
	int rc;

	if (row->ct_len < OC_ENVELOPE_OVERHEAD)
		return OC_ERR_DECRYPT;
	/* value (base64) | blob | plaintext | new blob | new base64 */
	cap = row->ct_len + 8;
	b64_size = cap + 8;
	mem = scratch(j, 4 * cap + b64_size);
	if (!mem)
		return OC_ERR_NOMEM;
	val = mem;
	blob = val + cap;
	pt = blob + cap;
	blob2 = pt + cap;
	b64 = (char *)(blob2 + cap);
	rc = oc_envelope_open_into_vk(j->vault_kek, row->vid, row->dek,
				      row->dek_len, row->ct, row->ct_len, val,
				      cap, &val_len);
	if (!rc)
		rc = oc_base64_decode_strict((const char *)val, val_len, blob,
					     cap, &blob_len);
	if (!rc && blob_len < OC_CMEK_OVERHEAD)
		rc = OC_ERR_TOO_SHORT;
	if (!rc)
		rc = oc_cmek_open(j->old_key, blob, blob_len, pt, cap, &pt_len);
	if (!rc)
		rc = oc_cmek_seal(j->new_key, pt, pt_len, blob2, cap,
				  &blob2_len);
	if (!rc)
		rc = oc_base64_encode(blob2, blob2_len, b64, b64_size);
	if (!rc)
		rc = oc_envelope_seal_vk(j->vault_kek, row->vid,
					 (const uint8_t *)b64, strlen(b64),
					 &dek, &dek_len, &ct, &ct_len);
	oc_wipe(mem, 4 * cap + b64_size);
	if (rc)
		return rc;
	free(row->dek);
	free(row->ct);
	row->dek = dek;
	row->dek_len = dek_len;
	row->ct = ct;
	row->ct_len = ct_len;
	return OC_OK;
}

static void pause_ms(struct oc_rotator *r, unsigned ms)
{
	while (ms && !atomic_load(&r->stop)) {
		unsigned step = ms > 20 ? 20 : ms;
		struct timespec ts = {0, (long)step * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* Test-only pacing between batches (--faults). */
static void pace(struct oc_rotator *r)
{
	const char *hold = oc_faults_rotate_hold(r->faults);
	unsigned waited = 0;

	pause_ms(r, oc_faults_rotate_delay(r->faults));
	while (hold && access(hold, F_OK) == 0 &&
	       waited < OC_FAULTS_HOLD_MAX_MS && !atomic_load(&r->stop)) {
		pause_ms(r, 20);
		waited += 20;
	}
}

static const char *job_error(int rc)
{
	switch (rc) {
	case OC_ERR_DECRYPT:
	case OC_ERR_TOO_SHORT:
	case OC_ERR_VERSION:
	case OC_ERR_PARSE:
		return "a secret does not open with the old key";
	default:
		return oc_strerror(rc);
	}
}

static void *run(void *arg)
{
	struct job *j = arg;
	struct oc_rotator *r = j->owner;
	struct oc_store *st = NULL;
	char failed[OC_SECRET_PATTERN_MAX + 64], msg[sizeof(failed) + 96];
	size_t done = 0, total = 0;
	int rc;

	failed[0] = '\0';
	/* The store first: a failure to derive the key is then recorded. */
	rc = oc_store_open(r->db_path, &st);
	if (!rc)
		rc = oc_vault_kek_new(r->kek, j->vault.id, j->vault.kek_salt,
				      &j->vault_kek);
	if (!rc)
		rc = oc_store_job_set_status(st, j->row.id, "running", NULL);
	while (!rc) {
		if (atomic_load(&r->stop)) {
			rc = OC_ERR_STATE;
			break;
		}
		failed[0] = '\0';
		rc = oc_store_rotate_batch(
		    st, j->row.id, j->vault.id, j->row.old_fpr, j->row.new_fpr,
		    OC_ROTATE_BATCH, reseal, j, &done, failed, sizeof(failed));
		if (rc)
			break;
		total += done;
		if (done == 0) {
			rc = oc_store_rotate_finish(st, j->row.id, j->vault.id,
						    j->row.old_fpr,
						    j->row.new_fpr);
			if (rc == OC_ERR_STATE) {
				/* A write landed under the old key in the
				 * meantime: take another batch. */
				rc = OC_OK;
				continue;
			}
			break;
		}
		oc_debug(OC_LOG_SERVER, "job %s: %zu re-sealed", j->row.id,
			 total);
		pace(r);
	}
	if (rc) {
		if (atomic_load(&r->stop))
			snprintf(msg, sizeof(msg), "interrupted");
		else if (failed[0])
			snprintf(msg, sizeof(msg), "%s (%s)", job_error(rc),
				 failed);
		else
			snprintf(msg, sizeof(msg), "%s", job_error(rc));
		if (st)
			oc_store_job_set_status(st, j->row.id, "failed", msg);
		oc_log_error("oneclaw-vaultd: rotation job %s failed after %zu "
			     "secrets: %s",
			     j->row.id, total, msg);
	} else {
		oc_log_info("oneclaw-vaultd: rotation job %s completed: "
			    "%zu secrets",
			    j->row.id, total);
	}
	oc_store_close(st);
	/* The keys go as soon as the work is over. */
	oc_cmek_key_free(j->old_key);
	oc_cmek_key_free(j->new_key);
	oc_vault_kek_free(j->vault_kek);
	j->old_key = NULL;
	j->new_key = NULL;
	j->vault_kek = NULL;
	oc_secure_free(j->scratch);
	j->scratch = NULL;
	j->scratch_size = 0;
	atomic_store(&j->finished, true);
	return NULL;
}

/* Joins finished jobs; with all, waits for every job. */
static void reap(struct oc_rotator *r, bool all)
{
	struct job **pp = &r->jobs;

	while (*pp) {
		struct job *j = *pp;

		if (all || atomic_load(&j->finished)) {
			pthread_join(j->thread, NULL);
			*pp = j->next;
			job_free(j);
		} else {
			pp = &j->next;
		}
	}
}

int oc_rotator_start(struct oc_rotator *r, const struct oc_job_row *row,
		     const struct oc_vault_row *vault,
		     struct oc_cmek_key *old_key, struct oc_cmek_key *new_key)
{
	struct job *j;
	int rc;

	j = calloc(1, sizeof(*j));
	if (!j) {
		oc_cmek_key_free(old_key);
		oc_cmek_key_free(new_key);
		return OC_ERR_NOMEM;
	}
	j->owner = r;
	j->row = *row;
	j->vault = *vault;
	j->old_key = old_key;
	j->new_key = new_key;
	atomic_init(&j->finished, false);
	pthread_mutex_lock(&r->lock);
	reap(r, false);
	rc = pthread_create(&j->thread, NULL, run, j);
	if (rc == 0) {
		j->next = r->jobs;
		r->jobs = j;
	}
	pthread_mutex_unlock(&r->lock);
	if (rc != 0) {
		job_free(j);
		return OC_ERR_NOMEM;
	}
	return OC_OK;
}

void oc_rotator_free(struct oc_rotator *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_mutex_lock(&r->lock);
	reap(r, true);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_destroy(&r->lock);
	free(r->db_path);
	free(r);
}
