/* rotator.h - server-assisted CMEK rotation jobs.
 *
 * A job runs in a thread of its own with a store handle of its own.  It
 * takes the versions of the vault sealed under the old fingerprint in
 * batches of 100; each batch is one transaction that re-seals them (open
 * the envelope, open the blob with the old key, seal with the new key, a
 * new envelope) and advances the job's processed counter.  Because every
 * version records its fingerprint, a job killed half-way can be finished
 * by a new job with the same keys: rotated versions no longer match the
 * old fingerprint and are never touched twice.  Both keys live only in
 * locked memory and are wiped when the job ends. */
#ifndef OC_VAULTD_ROTATOR_H
#define OC_VAULTD_ROTATOR_H

#include "cmek.h"
#include "store.h"

#define OC_ROTATE_BATCH 100

struct oc_faults;
struct oc_kek;
struct oc_rotator;

/* faults (may be NULL; outlives the rotator): test-only pacing between
 * batches (--faults rotate-delay, rotate-hold). */
int oc_rotator_new(const char *db_path, struct oc_kek *kek,
		   const struct oc_faults *faults, struct oc_rotator **out);
/* Starts the job; takes ownership of both keys (also on failure). */
int oc_rotator_start(struct oc_rotator *r, const struct oc_job_row *job,
		     const struct oc_vault_row *vault,
		     struct oc_cmek_key *old_key, struct oc_cmek_key *new_key);
/* Stops running jobs (they read as failed, "interrupted") and frees. */
void oc_rotator_free(struct oc_rotator *r);

#endif
