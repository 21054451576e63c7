/* handlers-vaults.c - vault create, list, get, delete. */
#include "config.h"

#include <string.h>

#include <yajl/yajl_gen.h>

#include "auth.h"
#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "ossl.h"
#include "problem.h"
#include "rfc3339.h"
#include "server.h"

int oc_h_require_admin(struct oc_req *r)
{
	if (oc_auth_admin(&r->who)) {
		oc_problem(r, 403, "This operation needs a user credential");
		return OC_ERR_FORBIDDEN;
	}
	return OC_OK;
}

int oc_h_vault_load(struct oc_req *r, struct oc_vault_row *v)
{
	int rc;

	if (oc_auth_vault(&r->who, r->m.ids[0])) {
		oc_problem(r, 403, "Agent is not bound to this vault");
		return OC_ERR_FORBIDDEN;
	}
	rc = oc_store_vault_get(r->srv->store, r->m.ids[0], v);
	if (rc) {
		oc_problem_err(r, rc, "Vault");
		return rc;
	}
	return OC_OK;
}

static void vault_json(struct oc_jgen *j, const struct oc_vault_row *v)
{
	const char *colon = strchr(v->created_by, ':');

	yajl_gen_map_open(j->g);
	oc_jgen_kv_str(j, "id", v->id);
	oc_jgen_kv_str(j, "name", v->name);
	oc_jgen_kv_str(j, "description", v->description);
	oc_jgen_kv_str(j, "created_by", v->created_by);
	if (colon)
		oc_jgen_kv_strn(j, "created_by_type", v->created_by,
				(size_t)(colon - v->created_by));
	oc_jgen_kv_str(j, "created_at", v->created_at);
	oc_jgen_kv_bool(j, "cmek_enabled", v->cmek_fpr[0] != '\0');
	if (v->cmek_fpr[0])
		oc_jgen_kv_str(j, "cmek_fingerprint", v->cmek_fpr);
	else
		oc_jgen_kv_null(j, "cmek_fingerprint");
	yajl_gen_map_close(j->g);
}

void oc_h_vault_reply(struct oc_req *r, const struct oc_vault_row *v,
		      unsigned status)
{
	struct oc_jgen j;

	if (oc_reply_begin(r, &j, false))
		return;
	vault_json(&j, v);
	oc_reply_end(r, &j, status);
}

void oc_h_vault_change_problem(struct oc_req *r, int rc)
{
	if (rc == OC_ERR_CONFLICT)
		oc_problem(r, 409, "A CMEK rotation job is running");
	else
		oc_problem_err(r, rc, "Vault");
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

void oc_h_vault_create(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_vault_row v;
	const char *name, *desc;
	size_t name_len = 0, desc_len = 0;
	int rc;

	if (oc_h_require_admin(r) || oc_req_json(r, &body))
		return;
	memset(&v, 0, sizeof(v));
	if (oc_field_str(r, body, "name", true, 1, OC_NAME_MAX, &name,
			 &name_len) ||
	    oc_field_str(r, body, "description", false, 0, OC_NAME_MAX, &desc,
			 &desc_len))
		goto out;
	if (!name_ok(name, name_len) || (desc && !name_ok(desc, desc_len))) {
		oc_problem(r, 400, "Names must not hold control characters");
		goto out;
	}
	memcpy(v.name, name, name_len);
	if (desc)
		memcpy(v.description, desc, desc_len);
	rc = oc_uuid(v.id);
	if (!rc)
		rc = oc_random(v.kek_salt, sizeof(v.kek_salt));
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	oc_time_format((time_t)r->now, v.created_at);
	snprintf(v.created_by, sizeof(v.created_by), "user:%s", r->who.id);
	rc = oc_store_vault_create(r->srv->store, &v);
	if (rc == OC_ERR_CONFLICT) {
		oc_problem(r, 409, "A vault with this name already exists");
		goto out;
	}
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	oc_h_vault_reply(r, &v, 201);
out:
	oc_json_free(body);
}

void oc_h_vault_list(struct oc_req *r)
{
	struct oc_vault_row *rows = NULL;
	struct oc_jgen j;
	size_t n = 0, i;
	int rc;

	rc = oc_store_vault_list(r->srv->store, &rows, &n);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return;
	}
	if (oc_reply_begin(r, &j, false))
		goto out;
	yajl_gen_map_open(j.g);
	oc_jgen_str(&j, "vaults");
	yajl_gen_array_open(j.g);
	for (i = 0; i < n; i++) {
		/* Agents see only the vaults they are bound to. */
		if (oc_auth_vault(&r->who, rows[i].id) == OC_OK)
			vault_json(&j, &rows[i]);
	}
	yajl_gen_array_close(j.g);
	yajl_gen_map_close(j.g);
	oc_reply_end(r, &j, 200);
out:
	free(rows);
}

void oc_h_vault_get(struct oc_req *r)
{
	struct oc_vault_row v;

	if (oc_h_vault_load(r, &v))
		return;
	oc_h_vault_reply(r, &v, 200);
}

void oc_h_vault_delete(struct oc_req *r)
{
	int rc;

	if (oc_h_require_admin(r))
		return;
	rc = oc_store_vault_delete(r->srv->store, r->m.ids[0]);
	if (rc) {
		oc_h_vault_change_problem(r, rc);
		return;
	}
	oc_reply_empty(r, 204);
}
