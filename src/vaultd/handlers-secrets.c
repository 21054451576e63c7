/* handlers-secrets.c - secrets and their versions. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "auth.h"
#include "cmek.h"
#include "codec.h"
#include "envelope.h"
#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "problem.h"
#include "secmem.h"
#include "server.h"

/* The union of the types the spec, the docs and the SDKs send. */
static const char *const secret_types[] = {
    "generic", "password", "api_key",	 "certificate", "private_key",
    "ssh_key", "env",	   "env_bundle", "file",	"note",
};

static bool type_ok(const char *t)
{
	size_t i;

	for (i = 0; i < sizeof(secret_types) / sizeof(secret_types[0]); i++)
		if (strcmp(t, secret_types[i]) == 0)
			return true;
	return false;
}

/* Vault binding, existence, then the policy for path (if any). */
static int gate(struct oc_req *r, struct oc_vault_row *v, unsigned perm)
{
	const char *why = NULL;
	int rc;

	if (oc_h_vault_load(r, v))
		return OC_ERR_FORBIDDEN;
	if (!r->m.path)
		return OC_OK;
	rc = oc_auth_secret(&r->srv->auth, &r->who, v->id, r->m.path, perm,
			    r->now, &why);
	if (rc == OC_ERR_FORBIDDEN) {
		oc_problem(r, 403, why);
		return rc;
	}
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return rc;
	}
	return OC_OK;
}

static void metadata_json(struct oc_jgen *j, const char *text)
{
	struct oc_json *m = NULL;

	oc_jgen_str(j, "metadata");
	if (text && oc_json_parse(text, strlen(text), &m) == OC_OK &&
	    oc_json_type(m) == OC_JSON_OBJECT) {
		oc_jgen_node(j, m);
	} else {
		yajl_gen_map_open(j->g);
		yajl_gen_map_close(j->g);
	}
	oc_json_free(m);
}

/* The metadata fields of a version; the caller opened the map. */
static void meta_fields(struct oc_jgen *j, const struct oc_version_row *v,
			int64_t now)
{
	oc_jgen_kv_str(j, "id", v->secret_id);
	oc_jgen_kv_str(j, "path", v->path);
	oc_jgen_kv_str(j, "type", v->type);
	oc_jgen_kv_int(j, "version", v->version);
	metadata_json(j, v->metadata);
	oc_jgen_kv_str(j, "created_at", v->created_at);
	oc_jgen_kv_str(j, "created_by", v->created_by);
	if (v->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", v->expires_at);
	if (v->max_access) {
		oc_jgen_kv_int(j, "max_access_count", v->max_access);
		oc_jgen_kv_int(j, "access_count", v->access_count);
	}
	oc_jgen_kv_bool(j, "is_disabled", v->disabled);
	oc_jgen_kv_bool(j, "cmek_encrypted", v->cmek_fpr[0] != '\0');
	if (v->cmek_fpr[0])
		oc_jgen_kv_str(j, "cmek_fingerprint", v->cmek_fpr);
	else
		oc_jgen_kv_null(j, "cmek_fingerprint");
	(void)now;
}

/* A PUT into a CMEK vault must carry standard base64 of a v1 blob. */
static bool cmek_blob_ok(const char *val, size_t n)
{
	size_t max = oc_base64_decoded_max(n) + 1, len = 0;
	uint8_t *blob;
	bool ok;

	if (n < oc_base64_len(OC_CMEK_OVERHEAD))
		return false;
	blob = oc_secure_alloc(max);
	if (!blob)
		return false;
	ok = oc_base64_decode_strict(val, n, blob, max, &len) == OC_OK &&
	     len >= OC_CMEK_OVERHEAD && blob[0] == OC_CMEK_VERSION;
	oc_secure_free(blob);
	return ok;
}

static int metadata_text(struct oc_req *r, const struct oc_json *m, char **out)
{
	struct oc_buf b;
	struct oc_jgen j;
	size_t len;
	int rc;

	oc_buf_init(&b, OC_WIRE_METADATA_STORE_MAX, false);
	rc = oc_jgen_init(&j, &b);
	if (!rc) {
		if (m) {
			oc_jgen_node(&j, m);
		} else {
			yajl_gen_map_open(j.g);
			yajl_gen_map_close(j.g);
		}
		rc = oc_jgen_status(&j);
		oc_jgen_free(&j);
	}
	if (rc) {
		oc_buf_free(&b);
		oc_problem(r, 400, "Field 'metadata' is too large");
		return OC_ERR_BAD_REQUEST;
	}
	*out = (char *)oc_buf_steal(&b, &len);
	return OC_OK;
}

void oc_h_secret_put(struct oc_req *r)
{
	struct oc_json *body = NULL;
	const struct oc_json *meta = NULL, *rp = NULL;
	struct oc_version_row row;
	struct oc_vault_row v;
	struct oc_jgen j;
	const char *value, *type;
	size_t value_len = 0, type_len = 0;
	int64_t max_access = 0;
	bool has_max = false, has_exp = false;
	int rc;

	memset(&row, 0, sizeof(row));
	if (gate(r, &v, OC_PERM_WRITE) || oc_req_json(r, &body))
		return;
	if (oc_field_str(r, body, "value", true, 0, OC_WIRE_BODY_MAX, &value,
			 &value_len) ||
	    oc_field_str(r, body, "type", false, 1, OC_WIRE_TYPE_MAX, &type,
			 &type_len) ||
	    oc_field_object(r, body, "metadata", &meta) ||
	    oc_field_object(r, body, "rotation_policy", &rp) ||
	    oc_field_time(r, body, "expires_at", row.expires_at,
			  &row.expires_epoch, &has_exp) ||
	    oc_field_int(r, body, "max_access_count", 0, INT32_MAX, &max_access,
			 &has_max))
		goto out;
	if (!type)
		type = "generic";
	if (!type_ok(type)) {
		oc_problem(r, 400, "Field 'type' is not a known secret type");
		goto out;
	}
	if (v.cmek_fpr[0] && !cmek_blob_ok(value, value_len)) {
		oc_problem(r, 400,
			   "This vault has CMEK enabled: 'value' must "
			   "be standard base64 of a CMEK v1 blob");
		goto out;
	}
	if (metadata_text(r, meta, &row.metadata))
		goto out;
	snprintf(row.type, sizeof(row.type), "%s", type);
	row.max_access = has_max ? max_access : 0;
	memcpy(row.cmek_fpr, v.cmek_fpr, sizeof(row.cmek_fpr));
	oc_time_format((time_t)r->now, row.created_at);
	snprintf(row.created_by, sizeof(row.created_by), "%s:%s",
		 r->who.kind == OC_PRINCIPAL_AGENT ? "agent" : "user",
		 r->who.id);
	rc = oc_uuid(row.vid);
	if (!rc)
		rc = oc_envelope_seal(r->srv->kek, v.id, v.kek_salt, row.vid,
				      (const uint8_t *)value, value_len,
				      &row.dek, &row.dek_len, &row.ct,
				      &row.ct_len);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	rc = oc_store_secret_put(r->srv->store, v.id, r->m.path, v.cmek_fpr,
				 &row);
	if (rc == OC_ERR_STATE) {
		oc_problem(r, 409, "The vault's CMEK state changed; retry");
		goto out;
	}
	if (rc) {
		oc_problem_err(r, rc, "Vault");
		goto out;
	}
	oc_debug(OC_LOG_SERVER, "stored version %lld (%zu bytes)",
		 (long long)row.version, value_len);
	if (oc_reply_begin(r, &j, false))
		goto out;
	yajl_gen_map_open(j.g);
	meta_fields(&j, &row, r->now);
	yajl_gen_map_close(j.g);
	oc_reply_end(r, &j, 201);
out:
	oc_version_row_clear(&row);
	oc_json_free(body);
}

/* GET of the latest or of one version: spends one read. */
static void read_value(struct oc_req *r, int64_t version)
{
	struct oc_version_row row;
	struct oc_vault_row v;
	struct oc_jgen j;
	uint8_t *val = NULL;
	size_t val_len = 0;
	int rc;

	memset(&row, 0, sizeof(row));
	if (gate(r, &v, OC_PERM_READ))
		return;
	rc = oc_store_secret_read(r->srv->store, v.id, r->m.path, version, true,
				  (time_t)r->now, &row);
	if (rc) {
		oc_problem_err(r, rc, version ? "Secret version" : "Secret");
		goto out;
	}
	rc = oc_envelope_open(r->srv->kek, v.id, v.kek_salt, row.vid, row.dek,
			      row.dek_len, row.ct, row.ct_len, &val, &val_len);
	if (rc) {
		oc_log_error("oneclaw-vaultd: version %s does not decrypt: %s",
			     row.vid, oc_strerror(rc));
		oc_problem(r, 500, "The secret could not be decrypted");
		goto out;
	}
	/* Secret: the body carries the value. */
	if (oc_reply_begin(r, &j, true))
		goto out;
	yajl_gen_map_open(j.g);
	meta_fields(&j, &row, r->now);
	oc_jgen_kv_strn(&j, "value", (const char *)val, val_len);
	yajl_gen_map_close(j.g);
	oc_reply_end(r, &j, 200);
out:
	oc_secure_free(val);
	oc_version_row_clear(&row);
}

void oc_h_secret_get(struct oc_req *r)
{
	read_value(r, 0);
}

void oc_h_secret_version(struct oc_req *r)
{
	if (r->m.number <= 0) {
		oc_problem(r, 404, "Secret version not found");
		return;
	}
	read_value(r, r->m.number);
}

void oc_h_secret_delete(struct oc_req *r)
{
	struct oc_vault_row v;
	int rc;

	if (gate(r, &v, OC_PERM_WRITE))
		return;
	rc = oc_store_secret_delete(r->srv->store, v.id, r->m.path);
	if (rc) {
		oc_problem_err(r, rc, "Secret");
		return;
	}
	oc_reply_empty(r, 204);
}

void oc_h_secret_version_disable(struct oc_req *r)
{
	struct oc_vault_row v;
	int rc;

	if (gate(r, &v, OC_PERM_WRITE))
		return;
	if (r->m.number <= 0) {
		oc_problem(r, 404, "Secret version not found");
		return;
	}
	rc = oc_store_version_disable(r->srv->store, v.id, r->m.path,
				      r->m.number);
	if (rc) {
		oc_problem_err(r, rc,
			       rc == OC_ERR_GONE ? "Secret" : "Secret version");
		return;
	}
	oc_reply_empty(r, 204);
}

static void meta_list(struct oc_req *r, const char *key,
		      struct oc_version_row *rows, size_t n,
		      const struct oc_vault_row *v)
{
	struct oc_auth_check c;
	struct oc_jgen j;
	const char *why;
	size_t i;

	if (oc_reply_begin(r, &j, false))
		return;
	oc_auth_check_init(&c, &r->srv->auth, &r->who, v->id);
	yajl_gen_map_open(j.g);
	oc_jgen_str(&j, key);
	yajl_gen_array_open(j.g);
	for (i = 0; i < n; i++) {
		/* An agent lists only what it may read. */
		if (oc_auth_check_path(&c, rows[i].path, OC_PERM_READ, r->now,
				       &why) != OC_OK)
			continue;
		yajl_gen_map_open(j.g);
		meta_fields(&j, &rows[i], r->now);
		yajl_gen_map_close(j.g);
	}
	yajl_gen_array_close(j.g);
	yajl_gen_map_close(j.g);
	oc_auth_check_free(&c);
	oc_reply_end(r, &j, 200);
}

void oc_h_secret_list(struct oc_req *r)
{
	struct oc_version_row *rows = NULL;
	struct oc_vault_row v;
	char *prefix = NULL;
	size_t n = 0;
	int rc;

	if (gate(r, &v, OC_PERM_READ))
		return;
	if (oc_req_query(r, "prefix", &prefix)) {
		oc_problem(r, 400, "Malformed prefix");
		return;
	}
	rc = oc_store_secret_list(r->srv->store, v.id, prefix, &rows, &n);
	free(prefix);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return;
	}
	meta_list(r, "secrets", rows, n, &v);
	oc_version_rows_free(rows, n);
}

void oc_h_secret_versions(struct oc_req *r)
{
	struct oc_version_row *rows = NULL;
	struct oc_vault_row v;
	size_t n = 0;
	int rc;

	if (gate(r, &v, OC_PERM_READ))
		return;
	rc =
	    oc_store_secret_versions(r->srv->store, v.id, r->m.path, &rows, &n);
	if (rc) {
		oc_problem_err(r, rc, "Secret");
		return;
	}
	meta_list(r, "versions", rows, n, &v);
	oc_version_rows_free(rows, n);
}
