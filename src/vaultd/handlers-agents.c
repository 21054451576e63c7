/* handlers-agents.c - agents with one-time ocv_ keys and vault binding. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "auth.h"
#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "problem.h"
#include "router.h"
#include "secmem.h"
#include "server.h"

#define TTL_MIN 1
#define TTL_MAX 86400

static void agent_json(struct oc_jgen *j, const struct oc_agent_row *a)
{
	yajl_gen_map_open(j->g);
	oc_jgen_kv_str(j, "id", a->id);
	oc_jgen_kv_str(j, "name", a->name);
	oc_jgen_kv_str(j, "description", a->description);
	oc_jgen_kv_str(j, "auth_method", "api_key");
	oc_jgen_kv_bool(j, "is_active", a->is_active);
	oc_jgen_kv_bool(j, "intents_api_enabled", false);
	oc_jgen_kv_bool(j, "shroud_enabled", false);
	oc_strlist_json(j, "scopes", &a->scopes);
	oc_strlist_json(j, "vault_ids", &a->vault_ids);
	oc_jgen_kv_int(j, "token_ttl_seconds", a->token_ttl);
	if (a->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", a->expires_at);
	else
		oc_jgen_kv_null(j, "expires_at");
	oc_jgen_kv_str(j, "created_at", a->created_at);
	yajl_gen_map_close(j->g);
}

static void agent_reply(struct oc_req *r, const struct oc_agent_row *a,
			const char *key, unsigned status)
{
	struct oc_jgen j;

	if (oc_reply_begin(r, &j, key != NULL))
		return;
	if (key) {
		yajl_gen_map_open(j.g);
		oc_jgen_str(&j, "agent");
		agent_json(&j, a);
		oc_jgen_kv_str(&j, "api_key", key);
		yajl_gen_map_close(j.g);
	} else {
		agent_json(&j, a);
	}
	oc_reply_end(r, &j, status);
}

static bool is_uuid(const char *s)
{
	return oc_is_uuid(s);
}

static bool is_pattern(const char *s)
{
	return strlen(s) <= OC_SECRET_PATTERN_MAX;
}

/* Applies the body's fields to a (new or existing) agent. */
static int apply(struct oc_req *r, const struct oc_json *body,
		 struct oc_agent_row *a, bool create)
{
	struct oc_strlist vids = {0}, scopes = {0};
	const char *name, *desc, *method;
	size_t name_len = 0, desc_len = 0, m_len = 0, i;
	struct oc_vault_row v;
	bool present, active;
	int64_t ttl;
	int rc;

	if (oc_field_str(r, body, "name", create, 1, OC_NAME_MAX, &name,
			 &name_len) ||
	    oc_field_str(r, body, "description", false, 0, OC_NAME_MAX, &desc,
			 &desc_len) ||
	    oc_field_str(r, body, "auth_method", false, 1, 32, &method, &m_len))
		return OC_ERR_BAD_REQUEST;
	if (method && strcmp(method, "api_key") != 0) {
		oc_problem(r, 400, "Only auth_method 'api_key' is supported");
		return OC_ERR_BAD_REQUEST;
	}
	if (name) {
		memcpy(a->name, name, name_len);
		a->name[name_len] = '\0';
	}
	if (desc) {
		memcpy(a->description, desc, desc_len);
		a->description[desc_len] = '\0';
	}
	if (oc_field_int(r, body, "token_ttl_seconds", TTL_MIN, TTL_MAX, &ttl,
			 &present))
		return OC_ERR_BAD_REQUEST;
	if (present)
		a->token_ttl = ttl;
	if (oc_field_bool(r, body, "is_active", &active, &present))
		return OC_ERR_BAD_REQUEST;
	if (present)
		a->is_active = active;
	if (oc_field_time(r, body, "expires_at", a->expires_at,
			  &a->expires_epoch, &present))
		return OC_ERR_BAD_REQUEST;
	if (oc_field_strlist(r, body, "scopes", OC_SECRET_PATTERN_MAX,
			     is_pattern, &scopes, &present))
		return OC_ERR_BAD_REQUEST;
	if (present) {
		oc_strlist_free(&a->scopes);
		a->scopes = scopes;
	}
	if (oc_field_strlist(r, body, "vault_ids", OC_UUID_LEN, is_uuid, &vids,
			     &present))
		return OC_ERR_BAD_REQUEST;
	if (present) {
		for (i = 0; i < vids.n; i++) {
			rc = oc_store_vault_get(r->srv->store, vids.v[i], &v);
			if (rc) {
				oc_strlist_free(&vids);
				if (rc == OC_ERR_NOT_FOUND)
					oc_problem(r, 400,
						   "Field 'vault_ids' "
						   "names an unknown vault");
				else
					oc_problem_err(r, rc, NULL);
				return OC_ERR_BAD_REQUEST;
			}
		}
		oc_strlist_free(&a->vault_ids);
		a->vault_ids = vids;
	}
	return OC_OK;
}

void oc_h_agent_create(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_agent_row a;
	uint8_t hash[OC_KEY_HASH_LEN];
	char *key = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	if (oc_h_require_admin(r) || oc_req_json(r, &body))
		return;
	a.token_ttl = OC_AGENT_TOKEN_TTL;
	a.is_active = true;
	if (apply(r, body, &a, true))
		goto out;
	rc = oc_uuid(a.id);
	if (!rc)
		rc = oc_api_key_new("ocv_", &key);
	if (!rc)
		rc = oc_api_key_hash(key, strlen(key), hash);
	oc_time_format((time_t)r->now, a.created_at);
	if (!rc)
		rc = oc_store_agent_create(r->srv->store, &a, hash);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	agent_reply(r, &a, key, 201);
out:
	oc_secure_free(key);
	oc_agent_row_clear(&a);
	oc_json_free(body);
}

void oc_h_agent_list(struct oc_req *r)
{
	struct oc_agent_row *rows = NULL;
	struct oc_jgen j;
	size_t n = 0, i;
	int rc;

	if (oc_h_require_admin(r))
		return;
	rc = oc_store_agent_list(r->srv->store, &rows, &n);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return;
	}
	if (!oc_reply_begin(r, &j, false)) {
		yajl_gen_map_open(j.g);
		oc_jgen_str(&j, "agents");
		yajl_gen_array_open(j.g);
		for (i = 0; i < n; i++)
			agent_json(&j, &rows[i]);
		yajl_gen_array_close(j.g);
		yajl_gen_map_close(j.g);
		oc_reply_end(r, &j, 200);
	}
	oc_agent_rows_free(rows, n);
}

/* The agent id names; on failure the problem is set and non-zero
 * returned. */
static int agent_load(struct oc_req *r, const char *id, struct oc_agent_row *a)
{
	int rc = oc_store_agent_get(r->srv->store, id, a);

	if (rc)
		oc_problem_err(r, rc, "Agent");
	return rc;
}

static void get_one(struct oc_req *r, const char *id)
{
	struct oc_agent_row a;

	if (agent_load(r, id, &a))
		return;
	agent_reply(r, &a, NULL, 200);
	oc_agent_row_clear(&a);
}

void oc_h_agent_get(struct oc_req *r)
{
	/* An agent may read itself. */
	if (!(r->who.kind == OC_PRINCIPAL_AGENT &&
	      strcmp(r->who.id, r->m.ids[0]) == 0) &&
	    oc_h_require_admin(r))
		return;
	get_one(r, r->m.ids[0]);
}

void oc_h_agent_me(struct oc_req *r)
{
	if (r->who.kind != OC_PRINCIPAL_AGENT) {
		oc_problem(r, 403, "This endpoint needs an agent token");
		return;
	}
	get_one(r, r->who.id);
}

void oc_h_agent_update(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_agent_row a;
	int rc;

	if (oc_h_require_admin(r) || agent_load(r, r->m.ids[0], &a))
		return;
	if (oc_req_json(r, &body) || apply(r, body, &a, false))
		goto out;
	/* The update bumps the agent's generation: its tokens die. */
	rc = oc_store_agent_update(r->srv->store, &a);
	if (rc) {
		oc_problem_err(r, rc, "Agent");
		goto out;
	}
	agent_reply(r, &a, NULL, 200);
out:
	oc_agent_row_clear(&a);
	oc_json_free(body);
}

void oc_h_agent_delete(struct oc_req *r)
{
	int rc;

	if (oc_h_require_admin(r))
		return;
	rc = oc_store_agent_delete(r->srv->store, r->m.ids[0]);
	if (rc) {
		oc_problem_err(r, rc, "Agent");
		return;
	}
	oc_reply_empty(r, 204);
}

void oc_h_agent_rotate_key(struct oc_req *r)
{
	struct oc_agent_row a;
	uint8_t hash[OC_KEY_HASH_LEN];
	char *key = NULL;
	int rc;

	if (oc_h_require_admin(r) || agent_load(r, r->m.ids[0], &a))
		return;
	rc = oc_api_key_new("ocv_", &key);
	if (!rc)
		rc = oc_api_key_hash(key, strlen(key), hash);
	if (!rc)
		rc = oc_store_agent_set_key(r->srv->store, a.id, hash);
	if (rc)
		oc_problem_err(r, rc, "Agent");
	else
		agent_reply(r, &a, key, 200);
	oc_secure_free(key);
	oc_agent_row_clear(&a);
}
