/* handlers-cmek.c - CMEK enable / disable, rotation jobs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "cmek.h"
#include "codec.h"
#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "problem.h"
#include "rotator.h"
#include "secmem.h"
#include "server.h"

static void set_cmek(struct oc_req *r, const char *fpr)
{
	struct oc_vault_row v;
	int rc;

	rc = oc_store_vault_set_cmek(r->srv->store, r->m.ids[0], fpr, &v);
	if (rc) {
		oc_h_vault_change_problem(r, rc);
		return;
	}
	oc_h_vault_reply(r, &v, 200);
}

void oc_h_cmek_enable(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_vault_row v;
	const char *fpr;
	size_t n = 0;

	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v) ||
	    oc_req_json(r, &body))
		return;
	if (oc_field_str(r, body, "fingerprint", true, 1, 128, &fpr, &n))
		goto out;
	if (!oc_is_fingerprint_hex(fpr, n)) {
		oc_problem(r, 400,
			   "Field 'fingerprint' must be 64 lowercase "
			   "hex characters (SHA-256 of the key)");
		goto out;
	}
	set_cmek(r, fpr);
out:
	oc_json_free(body);
}

void oc_h_cmek_disable(struct oc_req *r)
{
	struct oc_vault_row v;

	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v))
		return;
	set_cmek(r, NULL);
}

static void job_json(struct oc_jgen *j, const struct oc_job_row *job)
{
	yajl_gen_map_open(j->g);
	oc_jgen_kv_str(j, "id", job->id);
	oc_jgen_kv_str(j, "vault_id", job->vault_id);
	oc_jgen_kv_str(j, "status", job->status);
	oc_jgen_kv_int(j, "total_secrets", job->total);
	oc_jgen_kv_int(j, "processed", job->processed);
	oc_jgen_kv_str(j, "old_fingerprint", job->old_fpr);
	oc_jgen_kv_str(j, "new_fingerprint", job->new_fpr);
	if (job->error[0])
		oc_jgen_kv_str(j, "error", job->error);
	else
		oc_jgen_kv_null(j, "error");
	oc_jgen_kv_str(j, "created_at", job->created_at);
	if (job->started_at[0])
		oc_jgen_kv_str(j, "started_at", job->started_at);
	else
		oc_jgen_kv_null(j, "started_at");
	if (job->completed_at[0])
		oc_jgen_kv_str(j, "completed_at", job->completed_at);
	else
		oc_jgen_kv_null(j, "completed_at");
	yajl_gen_map_close(j->g);
}

/* MHD keeps headers in the connection's pool: never leave a key there for
 * the rest of the connection's life. */
static void wipe_header(struct oc_req *r, const char *name)
{
	const char *h = oc_req_header(r, name);

	if (h)
		oc_wipe((void *)(uintptr_t)h, strlen(h));
}

/* A rotation header: standard base64 of exactly 32 bytes, into a key.
 * The header text is wiped in place once decoded. */
static int header_key(struct oc_req *r, const char *name,
		      struct oc_cmek_key **out)
{
	const char *h = oc_req_header(r, name);
	uint8_t raw[OC_CMEK_KEY_LEN + 4];
	size_t n = 0, hl;
	int rc;

	if (!h) {
		oc_problem(r, 400,
			   name[6] == 'o'
			       ? "Header x-cmek-old-key is required"
			       : "Header x-cmek-new-key is required");
		return OC_ERR_BAD_REQUEST;
	}
	hl = strlen(h);
	rc = oc_base64_decode_strict(h, hl, raw, sizeof(raw), &n);
	oc_wipe((void *)(uintptr_t)h, hl);
	if (rc || n != OC_CMEK_KEY_LEN) {
		oc_wipe(raw, sizeof(raw));
		oc_problem(
		    r, 400,
		    name[6] == 'o'
			? "Header x-cmek-old-key must be standard base64 "
			  "of 32 bytes"
			: "Header x-cmek-new-key must be standard base64 "
			  "of 32 bytes");
		return OC_ERR_BAD_REQUEST;
	}
	rc = oc_cmek_key_from_raw(raw, out);
	oc_wipe(raw, sizeof(raw));
	if (rc)
		oc_problem_err(r, rc, NULL);
	return rc;
}

void oc_h_cmek_rotate(struct oc_req *r)
{
	struct oc_cmek_key *old_k = NULL, *new_k = NULL;
	struct oc_json *body = NULL;
	struct oc_vault_row v;
	struct oc_job_row job;
	char old_hex[OC_CMEK_FPR_HEX_LEN + 1], new_hex[OC_CMEK_FPR_HEX_LEN + 1];
	struct oc_jgen j;
	const char *nf;
	size_t n = 0;
	int rc;

	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v))
		goto out;
	/* Decode (and wipe) both headers first, whatever else is wrong. */
	if (header_key(r, "x-cmek-old-key", &old_k) ||
	    header_key(r, "x-cmek-new-key", &new_k))
		goto out;
	if (oc_req_json(r, &body))
		goto out;
	if (oc_field_str(r, body, "new_fingerprint", true, 1, 128, &nf, &n))
		goto out;
	if (!oc_is_fingerprint_hex(nf, n)) {
		oc_problem(r, 400,
			   "Field 'new_fingerprint' must be 64 "
			   "lowercase hex characters");
		goto out;
	}
	if (!v.cmek_fpr[0]) {
		oc_problem(r, 400, "CMEK is not enabled on this vault");
		goto out;
	}
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(old_k), old_hex);
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(new_k), new_hex);
	if (strcmp(old_hex, v.cmek_fpr) != 0) {
		oc_problem(r, 400,
			   "The old key does not match the vault's "
			   "CMEK fingerprint");
		goto out;
	}
	if (strcmp(new_hex, nf) != 0) {
		oc_problem(r, 400,
			   "The new key does not match "
			   "new_fingerprint");
		goto out;
	}
	if (strcmp(new_hex, old_hex) == 0) {
		oc_problem(r, 400, "The new key is the old key");
		goto out;
	}
	memset(&job, 0, sizeof(job));
	rc = oc_uuid(job.id);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	memcpy(job.vault_id, v.id, sizeof(job.vault_id));
	memcpy(job.old_fpr, old_hex, sizeof(job.old_fpr));
	memcpy(job.new_fpr, new_hex, sizeof(job.new_fpr));
	oc_time_format((time_t)r->now, job.created_at);
	rc = oc_store_job_create(r->srv->store, &job);
	if (rc == OC_ERR_CONFLICT || rc == OC_ERR_STATE) {
		oc_problem(r, 409,
			   rc == OC_ERR_CONFLICT
			       ? "A CMEK rotation job is already "
				 "running for this vault"
			       : "The vault's CMEK state changed");
		goto out;
	}
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	rc = oc_rotator_start(r->srv->rotator, &job, &v, old_k, new_k);
	old_k = NULL;
	new_k = NULL;
	if (rc) {
		oc_store_job_set_status(r->srv->store, job.id, "failed",
					"could not start");
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	snprintf(r->location, sizeof(r->location),
		 "/v1/vaults/%s/cmek-rotate/%s", v.id, job.id);
	if (oc_reply_begin(r, &j, false))
		goto out;
	job_json(&j, &job);
	oc_reply_end(r, &j, 202);
out:
	wipe_header(r, "x-cmek-old-key");
	wipe_header(r, "x-cmek-new-key");
	oc_cmek_key_free(old_k);
	oc_cmek_key_free(new_k);
	oc_json_free(body);
}

void oc_h_cmek_job(struct oc_req *r)
{
	struct oc_vault_row v;
	struct oc_job_row job;
	struct oc_jgen j;
	int rc;

	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v))
		return;
	rc = oc_store_job_get(r->srv->store, v.id, r->m.ids[1], &job);
	if (rc) {
		oc_problem_err(r, rc, "Rotation job");
		return;
	}
	if (oc_reply_begin(r, &j, false))
		return;
	job_json(&j, &job);
	oc_reply_end(r, &j, 200);
}
