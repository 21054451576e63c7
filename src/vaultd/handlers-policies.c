/* handlers-policies.c - per-vault access policies on path globs.  A change
 * revokes the tokens of the agents it concerns (in the store, store.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "problem.h"
#include "server.h"

static void policy_json(struct oc_jgen *j, const struct oc_policy_row *p)
{
	yajl_gen_map_open(j->g);
	oc_jgen_kv_str(j, "id", p->id);
	oc_jgen_kv_str(j, "vault_id", p->vault_id);
	oc_jgen_kv_str(j, "secret_path_pattern", p->pattern);
	oc_jgen_kv_str(j, "principal_type", p->principal_type);
	oc_jgen_kv_str(j, "principal_id", p->principal_id);
	oc_jgen_str(j, "permissions");
	yajl_gen_array_open(j->g);
	if (p->perms & OC_PERM_READ)
		oc_jgen_str(j, "read");
	if (p->perms & OC_PERM_WRITE)
		oc_jgen_str(j, "write");
	yajl_gen_array_close(j->g);
	oc_jgen_kv_str(j, "effect", p->deny ? "deny" : "allow");
	oc_jgen_kv_int(j, "priority", p->priority);
	if (p->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", p->expires_at);
	else
		oc_jgen_kv_null(j, "expires_at");
	oc_jgen_kv_str(j, "created_at", p->created_at);
	yajl_gen_map_close(j->g);
}

static void policy_reply(struct oc_req *r, const struct oc_policy_row *p,
			 unsigned status)
{
	struct oc_jgen j;

	if (oc_reply_begin(r, &j, false))
		return;
	policy_json(&j, p);
	oc_reply_end(r, &j, status);
}

static bool perm_ok(const char *s)
{
	return strcmp(s, "read") == 0 || strcmp(s, "write") == 0;
}

static int apply(struct oc_req *r, const struct oc_json *body,
		 struct oc_policy_row *p, bool create)
{
	const char *pat, *ptype, *pid, *effect;
	size_t pat_len = 0, n = 0, i;
	struct oc_strlist perms = {0};
	const struct oc_json *cond;
	struct oc_agent_row a;
	bool present;
	int64_t prio;
	int rc;

	if (oc_field_str(r, body, "secret_path_pattern", create, 1,
			 OC_SECRET_PATTERN_MAX, &pat, &pat_len) ||
	    oc_field_str(r, body, "principal_type", create, 1, 8, &ptype, &n) ||
	    oc_field_str(r, body, "principal_id", create, 1, 64, &pid, &n) ||
	    oc_field_str(r, body, "effect", false, 1, 8, &effect, &n) ||
	    oc_field_int(r, body, "priority", -1000000, 1000000, &prio,
			 &present) ||
	    oc_field_object(r, body, "conditions", &cond))
		return OC_ERR_BAD_REQUEST;
	if (present)
		p->priority = prio;
	if (pat) {
		for (i = 0; i < pat_len; i++) {
			if ((unsigned char)pat[i] < 0x20) {
				oc_problem(r, 400,
					   "Field 'secret_path_pattern'"
					   " holds a control character");
				return OC_ERR_BAD_REQUEST;
			}
		}
		memcpy(p->pattern, pat, pat_len);
		p->pattern[pat_len] = '\0';
	}
	if (ptype) {
		if (strcmp(ptype, "agent") != 0 && strcmp(ptype, "user") != 0) {
			oc_problem(r, 400,
				   "Field 'principal_type' must be "
				   "'agent' or 'user'");
			return OC_ERR_BAD_REQUEST;
		}
		snprintf(p->principal_type, sizeof(p->principal_type), "%s",
			 ptype);
	}
	if (pid) {
		if (!oc_is_uuid(pid)) {
			oc_problem(r, 400,
				   "Field 'principal_id' must be a UUID");
			return OC_ERR_BAD_REQUEST;
		}
		snprintf(p->principal_id, sizeof(p->principal_id), "%s", pid);
	}
	if (strcmp(p->principal_type, "agent") == 0 && (pid || ptype)) {
		rc = oc_store_agent_get(r->srv->store, p->principal_id, &a);
		if (rc == OC_ERR_NOT_FOUND) {
			oc_problem(r, 400,
				   "Field 'principal_id' names an "
				   "unknown agent");
			return OC_ERR_BAD_REQUEST;
		}
		if (rc) {
			oc_problem_err(r, rc, NULL);
			return rc;
		}
		oc_agent_row_clear(&a);
	}
	if (effect) {
		if (strcmp(effect, "allow") != 0 &&
		    strcmp(effect, "deny") != 0) {
			oc_problem(r, 400,
				   "Field 'effect' must be 'allow' or "
				   "'deny'");
			return OC_ERR_BAD_REQUEST;
		}
		p->deny = strcmp(effect, "deny") == 0;
	}
	if (oc_field_strlist(r, body, "permissions", 16, perm_ok, &perms,
			     &present))
		return OC_ERR_BAD_REQUEST;
	if (present) {
		p->perms = 0;
		for (i = 0; i < perms.n; i++)
			p->perms |= strcmp(perms.v[i], "read") == 0
					? OC_PERM_READ
					: OC_PERM_WRITE;
		oc_strlist_free(&perms);
	}
	if (create && !present) {
		oc_problem(r, 400, "Field 'permissions' is required");
		return OC_ERR_BAD_REQUEST;
	}
	if (p->perms == 0) {
		oc_problem(r, 400,
			   "Field 'permissions' must name 'read' "
			   "and/or 'write'");
		return OC_ERR_BAD_REQUEST;
	}
	if (oc_field_time(r, body, "expires_at", p->expires_at,
			  &p->expires_epoch, &present))
		return OC_ERR_BAD_REQUEST;
	return OC_OK;
}

void oc_h_policy_create(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_policy_row p;
	struct oc_vault_row v;
	int rc;

	memset(&p, 0, sizeof(p));
	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v) ||
	    oc_req_json(r, &body))
		return;
	if (apply(r, body, &p, true))
		goto out;
	rc = oc_uuid(p.id);
	memcpy(p.vault_id, v.id, sizeof(p.vault_id));
	oc_time_format((time_t)r->now, p.created_at);
	if (!rc)
		rc = oc_store_policy_create(r->srv->store, &p);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	policy_reply(r, &p, 201);
out:
	oc_json_free(body);
}

void oc_h_policy_list(struct oc_req *r)
{
	struct oc_policy_row *rows = NULL;
	struct oc_vault_row v;
	struct oc_jgen j;
	size_t n = 0, i;
	int rc;

	if (oc_h_require_admin(r) || oc_h_vault_load(r, &v))
		return;
	rc = oc_store_policy_list(r->srv->store, v.id, NULL, NULL, &rows, &n);
	if (rc) {
		oc_problem_err(r, rc, NULL);
		return;
	}
	if (!oc_reply_begin(r, &j, false)) {
		yajl_gen_map_open(j.g);
		oc_jgen_str(&j, "policies");
		yajl_gen_array_open(j.g);
		for (i = 0; i < n; i++)
			policy_json(&j, &rows[i]);
		yajl_gen_array_close(j.g);
		yajl_gen_map_close(j.g);
		oc_reply_end(r, &j, 200);
	}
	free(rows);
}

/* For an admin, the policy the route names in the vault it names; on
 * failure the problem is set and non-zero returned. */
static int policy_load(struct oc_req *r, struct oc_vault_row *v,
		       struct oc_policy_row *p)
{
	int rc = oc_h_require_admin(r);

	if (!rc)
		rc = oc_h_vault_load(r, v);
	if (rc)
		return rc;
	rc = oc_store_policy_get(r->srv->store, v->id, r->m.ids[1], p);
	if (rc)
		oc_problem_err(r, rc, "Policy");
	return rc;
}

void oc_h_policy_get(struct oc_req *r)
{
	struct oc_policy_row p;
	struct oc_vault_row v;

	if (!policy_load(r, &v, &p))
		policy_reply(r, &p, 200);
}

void oc_h_policy_update(struct oc_req *r)
{
	struct oc_json *body = NULL;
	struct oc_policy_row p;
	struct oc_vault_row v;
	int rc;

	if (policy_load(r, &v, &p))
		return;
	if (oc_req_json(r, &body) || apply(r, body, &p, false))
		goto out;
	rc = oc_store_policy_update(r->srv->store, &p);
	if (rc) {
		oc_problem_err(r, rc, "Policy");
		goto out;
	}
	policy_reply(r, &p, 200);
out:
	oc_json_free(body);
}

void oc_h_policy_delete(struct oc_req *r)
{
	struct oc_policy_row p;
	struct oc_vault_row v;
	int rc;

	if (policy_load(r, &v, &p))
		return;
	rc = oc_store_policy_delete(r->srv->store, v.id, r->m.ids[1]);
	if (rc) {
		oc_problem_err(r, rc, "Policy");
		return;
	}
	oc_reply_empty(r, 204);
}
