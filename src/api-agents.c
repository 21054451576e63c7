/* api-agents.c - agents and access policies of the 1claw API (wire facts:
 * 1claw-api.md section 11; the reading rules: api.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api-agents.h"

#include "api-call.h"
#include "buf.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "secmem.h"

/* The largest request body made here (an agent with many globs). */
#define BODY_MAX (1024u * 1024)

/* --- small rules ------------------------------------------------------- */

bool oc_api_glob_ok(const char *s, size_t n)
{
	return s && n > 0 && n <= OC_API_GLOB_MAX &&
	       oc_wire_utf8((const uint8_t *)s, n,
			    OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL);
}

static bool glob_ok(const char *s)
{
	return s && oc_api_glob_ok(s, strlen(s));
}

static bool text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return s && n <= max &&
	       oc_wire_utf8((const uint8_t *)s, n,
			    OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL);
}

/* --- reading answers --------------------------------------------------- */

static void strs_free(struct oc_api_strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Whether entry e of a string list is usable: a string without NUL that
 * ok takes. */
static const char *strs_entry(const struct oc_json *e, bool (*ok)(const char *))
{
	size_t len;
	const char *s = oc_json_string(e, &len);

	return s && !memchr(s, '\0', len) && ok(s) ? s : NULL;
}

/* An optional array of strings: entries that fail ok (or are not
 * strings) are left out and logged, as is all past OC_API_AGENT_LIST_MAX;
 * absent, null or not an array is an empty list.  The array has room for
 * the usable entries only (what a list holds is counted by what is
 * kept).  Only OC_ERR_NOMEM. */
static int take_strs(const struct oc_json *o, const char *key,
		     bool (*ok)(const char *), struct oc_api_strs *out)
{
	const struct oc_json *v = oc_json_get(o, key);
	size_t i, n, usable = 0, skipped = 0;
	const char *s;

	memset(out, 0, sizeof(*out));
	if (!v || oc_json_type(v) == OC_JSON_NULL)
		return OC_OK;
	if (oc_json_type(v) != OC_JSON_ARRAY) {
		oc_api_ignored(key, "is not an array");
		return OC_OK;
	}
	n = oc_json_len(v);
	if (n > OC_API_AGENT_LIST_MAX) {
		skipped += n - OC_API_AGENT_LIST_MAX;
		n = OC_API_AGENT_LIST_MAX;
	}
	for (i = 0; i < n; i++)
		if (strs_entry(oc_json_at(v, i), ok))
			usable++;
	skipped += n - usable;
	if (skipped)
		oc_debug(OC_LOG_API,
			 "server response: %zu entries of \"%s\" unusable: "
			 "ignored",
			 skipped, key);
	if (usable == 0)
		return OC_OK;
	out->v = calloc(usable, sizeof(*out->v));
	if (!out->v)
		return OC_ERR_NOMEM;
	for (i = 0; i < n && out->n < usable; i++) {
		s = strs_entry(oc_json_at(v, i), ok);
		if (!s)
			continue;
		out->v[out->n] = strdup(s);
		if (!out->v[out->n]) {
			strs_free(out);
			return OC_ERR_NOMEM;
		}
		out->n++;
	}
	return OC_OK;
}

/* The heap bytes of a list: the array and each string, with a malloc
 * chunk's overhead (a server's many short strings cost more than their
 * text). */
static size_t strs_held(const struct oc_api_strs *l)
{
	size_t i, n = l->n * sizeof(*l->v);

	for (i = 0; i < l->n; i++)
		n += strlen(l->v[i]) + 1 + 2 * sizeof(void *);
	return n;
}

void oc_agent_clear(struct oc_agent *ag)
{
	if (!ag)
		return;
	strs_free(&ag->scopes);
	strs_free(&ag->vault_ids);
	memset(ag, 0, sizeof(*ag));
}

void oc_agent_list_free(struct oc_agent *ag, size_t n)
{
	size_t i;

	for (i = 0; ag && i < n; i++)
		oc_agent_clear(&ag[i]);
	free(ag);
}

/* An agent object into item, a struct oc_agent: *skip without a usable
 * id.  Only OC_ERR_NOMEM fails. */
static int parse_agent(const struct oc_json *o, void *item, bool *skip)
{
	struct oc_agent *ag = item;
	bool present;
	size_t n = 0;
	int rc;

	memset(ag, 0, sizeof(*ag));
	*skip = !oc_api_take_id(o, "id", ag->id);
	if (*skip) {
		oc_debug(OC_LOG_API, "server response: an agent without a "
				     "usable id: skipped");
		return OC_OK;
	}
	oc_api_take_text(o, "name", ag->name, sizeof(ag->name));
	ag->name_clipped =
	    oc_json_get_string(o, "name", &n) && n != strlen(ag->name);
	oc_api_take_text(o, "description", ag->description,
			 sizeof(ag->description));
	oc_api_take_text(o, "auth_method", ag->auth_method,
			 sizeof(ag->auth_method));
	oc_api_take_bool(o, "is_active", &ag->is_active, &ag->is_active_known);
	oc_api_take_int(o, "token_ttl_seconds", 1, &ag->token_ttl_seconds,
			&present);
	oc_api_take_text(o, "expires_at", ag->expires_at,
			 sizeof(ag->expires_at));
	oc_api_take_text(o, "created_at", ag->created_at,
			 sizeof(ag->created_at));
	rc = take_strs(o, "scopes", glob_ok, &ag->scopes);
	if (!rc)
		rc = take_strs(o, "vault_ids", oc_api_id_ok, &ag->vault_ids);
	if (rc)
		oc_agent_clear(ag);
	return rc;
}

static void agent_clear_item(void *item)
{
	oc_agent_clear(item);
}

static size_t agent_held(const void *item)
{
	const struct oc_agent *ag = item;

	return strs_held(&ag->scopes) + strs_held(&ag->vault_ids);
}

/* The agent of an answer: the object itself, or its "agent" member (the
 * answers that carry a key).  When neither names a usable agent, only
 * the id asked for (id may be NULL: then the answer is unusable). */
static int answer_agent(const struct oc_json *j, const char *id,
			struct oc_agent *out)
{
	const struct oc_json *inner = j ? oc_json_get(j, "agent") : NULL;
	bool skip = true;
	int rc = OC_OK;

	memset(out, 0, sizeof(*out));
	if (inner && oc_json_type(inner) == OC_JSON_OBJECT)
		rc = parse_agent(inner, out, &skip);
	if (!rc && skip && j)
		rc = parse_agent(j, out, &skip);
	if (rc || !skip)
		return rc;
	if (!id) {
		oc_debug(OC_LOG_API,
			 "server response: no agent with a usable id");
		return OC_ERR_SERVER;
	}
	oc_debug(OC_LOG_API, "server response: the agent itself is not in "
			     "the answer");
	memcpy(out->id, id, strlen(id) + 1);
	return OC_OK;
}

/* The answer's new key, "api_key", into locked memory. */
static int answer_key(const struct oc_json *j, char **key)
{
	const char *s;
	size_t n = 0;

	s = j ? oc_json_get_string(j, "api_key", &n) : NULL;
	if (!s || n > OC_API_AGENT_KEY_MAX || !oc_api_cred_ok(s, n)) {
		oc_debug(OC_LOG_API, "server response: %s \"api_key\"",
			 s ? "unusable" : "missing");
		return OC_ERR_SERVER;
	}
	*key = oc_secure_alloc(n + 1);
	if (!*key)
		return OC_ERR_NOMEM;
	memcpy(*key, s, n);
	(*key)[n] = '\0';
	return OC_OK;
}

/* --- agents ------------------------------------------------------------ */

static int gen_strs(struct oc_jgen *j, const char *key, const char *const *v,
		    size_t n)
{
	size_t i;
	int rc = oc_jgen_str(j, key);

	if (!rc && yajl_gen_array_open(j->g) != yajl_gen_status_ok)
		rc = OC_ERR_INTERNAL;
	for (i = 0; i < n && !rc; i++)
		rc = oc_jgen_str(j, v[i]);
	if (!rc && yajl_gen_array_close(j->g) != yajl_gen_status_ok)
		rc = OC_ERR_INTERNAL;
	return rc ? rc : oc_jgen_status(j);
}

static int map_edge(struct oc_jgen *j, bool open)
{
	yajl_gen_status st =
	    open ? yajl_gen_map_open(j->g) : yajl_gen_map_close(j->g);

	if (st != yajl_gen_status_ok)
		return j->err ? j->err : OC_ERR_INTERNAL;
	return oc_jgen_status(j);
}

static bool agent_new_ok(const struct oc_agent_new *in)
{
	size_t i, n;

	n = in->name ? strlen(in->name) : 0;
	if (n == 0 || !text_ok(in->name, OC_WIRE_NAME_MAX))
		return false;
	if (in->description &&
	    !text_ok(in->description, OC_WIRE_DESCRIPTION_MAX))
		return false;
	if (in->token_ttl_seconds < 0 ||
	    (in->expires_at && !text_ok(in->expires_at, 64)))
		return false;
	if (in->n_vault_ids > OC_API_AGENT_LIST_MAX ||
	    in->n_scopes > OC_API_AGENT_LIST_MAX)
		return false;
	for (i = 0; i < in->n_vault_ids; i++)
		if (!oc_api_id_ok(in->vault_ids[i]))
			return false;
	for (i = 0, n = 0; i < in->n_scopes; i++) {
		if (!glob_ok(in->scopes[i]))
			return false;
		n += strlen(in->scopes[i]);
	}
	return n <= OC_API_AGENT_GLOBS_MAX;
}

static int agent_body(const struct oc_agent_new *in, struct oc_buf *b)
{
	struct oc_jgen j;
	int rc;

	rc = oc_jgen_init(&j, b);
	if (!rc)
		rc = map_edge(&j, true);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "name", in->name);
	if (!rc && in->description)
		rc = oc_jgen_kv_str(&j, "description", in->description);
	if (!rc && in->n_vault_ids)
		rc = gen_strs(&j, "vault_ids", in->vault_ids, in->n_vault_ids);
	if (!rc && in->n_scopes)
		rc = gen_strs(&j, "scopes", in->scopes, in->n_scopes);
	if (!rc && in->token_ttl_seconds > 0)
		rc = oc_jgen_kv_int(&j, "token_ttl_seconds",
				    in->token_ttl_seconds);
	if (!rc && in->expires_at)
		rc = oc_jgen_kv_str(&j, "expires_at", in->expires_at);
	if (!rc)
		rc = map_edge(&j, false);
	oc_jgen_free(&j);
	return rc;
}

/* An answer that carries a new key: *key and out from it. */
static int keyed_do(struct oc_api *a, const struct oc_api_call *c,
		    const char *id, struct oc_agent *out, char **key)
{
	struct oc_json *j = NULL;
	struct oc_agent ag;
	char *k = NULL;
	int rc;

	memset(&ag, 0, sizeof(ag));
	rc = oc_api_call_object(a, c, 0, &j);
	if (!rc)
		rc = answer_key(j, &k);
	if (!rc)
		rc = answer_agent(j, id, &ag);
	oc_json_free(j); /* wipes the key's text */
	if (rc) {
		oc_secure_free(k);
		oc_agent_clear(&ag);
		return rc;
	}
	*out = ag;
	*key = k;
	return OC_OK;
}

int oc_api_agent_create(struct oc_api *a, const struct oc_agent_new *in,
			struct oc_agent *out, char **key)
{
	struct oc_api_call c = {
	    .method = "POST", .root = "/v1/agents", .once = true};
	struct oc_buf b;
	int rc;

	if (!a || !in || !out || !key || !agent_new_ok(in))
		return OC_ERR_ARGS;
	oc_buf_init(&b, BODY_MAX, false);
	rc = agent_body(in, &b);
	if (rc == OC_ERR_PARSE)
		rc = OC_ERR_ARGS;
	if (!rc) {
		c.body = b.data;
		c.body_len = b.len;
		rc = keyed_do(a, &c, NULL, out, key);
	}
	oc_buf_free(&b);
	return rc;
}

int oc_api_agent_list(struct oc_api *a, struct oc_agent **out, size_t *n)
{
	const struct oc_api_call c = {
	    .method = "GET", .root = "/v1/agents", .idempotent = true};
	const struct oc_api_list_spec spec = {.what = "agent",
					      .key = "id",
					      .field = "agents",
					      .size = sizeof(struct oc_agent),
					      .parse = parse_agent,
					      .clear = agent_clear_item,
					      .held = agent_held};
	void *v;
	int rc;

	if (!a || !out || !n)
		return OC_ERR_ARGS;
	rc = oc_api_call_list(a, &c, &spec, &v, n);
	if (!rc)
		*out = v;
	return rc;
}

/* A call answered with the agent id. */
static int agent_do(struct oc_api *a, const struct oc_api_call *c,
		    const char *id, struct oc_agent *out)
{
	struct oc_json *j = NULL;
	int rc;

	rc = oc_api_call_object(a, c, 0, &j);
	if (!rc)
		rc = answer_agent(j, id, out);
	oc_json_free(j);
	return rc;
}

int oc_api_agent_get(struct oc_api *a, const char *id, struct oc_agent *out)
{
	const struct oc_api_call c = {.method = "GET",
				      .root = "/v1/agents",
				      .id = id,
				      .idempotent = true};
	struct oc_json *j = NULL;
	bool skip = true;
	int rc;

	if (!a || !out || !oc_api_id_ok(id))
		return OC_ERR_ARGS;
	/* A read must name the agent: no stand-in from the id asked for. */
	rc = oc_api_call_object(a, &c, 200, &j);
	if (!rc)
		rc = parse_agent(j, out, &skip);
	if (!rc && skip) {
		oc_debug(OC_LOG_API, "server response: no agent with a "
				     "usable id");
		rc = OC_ERR_SERVER;
	}
	oc_json_free(j);
	return rc;
}

int oc_api_agent_set_active(struct oc_api *a, const char *id, bool active,
			    struct oc_agent *out)
{
	const char *body =
	    active ? "{\"is_active\":true}" : "{\"is_active\":false}";
	const struct oc_api_call c = {.method = "PATCH",
				      .root = "/v1/agents",
				      .id = id,
				      .body = body,
				      .body_len = strlen(body),
				      .idempotent = true};

	if (!a || !out || !oc_api_id_ok(id))
		return OC_ERR_ARGS;
	return agent_do(a, &c, id, out);
}

int oc_api_agent_rotate_key(struct oc_api *a, const char *id,
			    struct oc_agent *out, char **key)
{
	/* Not idempotent: a second rotation would void the key that the
	 * first one made and whose answer was lost. */
	const struct oc_api_call c = {.method = "POST",
				      .root = "/v1/agents",
				      .id = id,
				      .sub = "/rotate-key",
				      .once = true};

	if (!a || !out || !key || !oc_api_id_ok(id))
		return OC_ERR_ARGS;
	return keyed_do(a, &c, id, out, key);
}

int oc_api_agent_delete(struct oc_api *a, const char *id)
{
	const struct oc_api_call c = {.method = "DELETE",
				      .root = "/v1/agents",
				      .id = id,
				      .idempotent = true};

	if (!a || !oc_api_id_ok(id))
		return OC_ERR_ARGS;
	return oc_api_call_object(a, &c, 0, NULL);
}

/* --- policies ---------------------------------------------------------- */

static unsigned take_perms(const struct oc_json *o)
{
	const struct oc_json *v = oc_json_get(o, "permissions");
	unsigned perms = 0;
	size_t i, n = 0;
	const char *s;

	if (!v || oc_json_type(v) != OC_JSON_ARRAY) {
		/* An object's members are no permissions either. */
		if (v && oc_json_type(v) != OC_JSON_NULL)
			oc_api_ignored("permissions", "is not an array");
		return 0;
	}
	for (i = 0; i < oc_json_len(v); i++) {
		s = oc_json_string(oc_json_at(v, i), &n);
		if (s && n == 4 && memcmp(s, "read", 4) == 0)
			perms |= OC_API_PERM_READ;
		else if (s && n == 5 && memcmp(s, "write", 5) == 0)
			perms |= OC_API_PERM_WRITE;
		else
			oc_api_ignored("permissions", "names one this client "
						      "does not know");
	}
	return perms;
}

/* A policy object into item, a struct oc_policy: *skip without a usable
 * id. */
static int parse_policy(const struct oc_json *o, void *item, bool *skip)
{
	struct oc_policy *p = item;

	memset(p, 0, sizeof(*p));
	*skip = !oc_api_take_id(o, "id", p->id);
	if (*skip) {
		oc_debug(OC_LOG_API, "server response: a policy without a "
				     "usable id: skipped");
		return OC_OK;
	}
	(void)oc_api_take_id(o, "vault_id", p->vault_id);
	oc_api_take_text(o, "secret_path_pattern", p->pattern,
			 sizeof(p->pattern));
	oc_api_take_text(o, "principal_type", p->principal_type,
			 sizeof(p->principal_type));
	(void)oc_api_take_id(o, "principal_id", p->principal_id);
	p->perms = take_perms(o);
	oc_api_take_text(o, "effect", p->effect, sizeof(p->effect));
	if (!p->effect[0])
		memcpy(p->effect, "allow", sizeof("allow"));
	oc_api_take_int(o, "priority", INT64_MIN, &p->priority,
			&p->priority_known);
	oc_api_take_text(o, "expires_at", p->expires_at, sizeof(p->expires_at));
	oc_api_take_text(o, "created_at", p->created_at, sizeof(p->created_at));
	return OC_OK;
}

static bool policy_new_ok(const struct oc_policy_new *in)
{
	return glob_ok(in->pattern) && in->principal_type &&
	       (strcmp(in->principal_type, "agent") == 0 ||
		strcmp(in->principal_type, "user") == 0) &&
	       oc_api_id_ok(in->principal_id) && in->perms != 0 &&
	       (in->perms & ~(OC_API_PERM_READ | OC_API_PERM_WRITE)) == 0 &&
	       (!in->has_priority || (in->priority >= OC_API_PRIORITY_MIN &&
				      in->priority <= OC_API_PRIORITY_MAX)) &&
	       (!in->expires_at || text_ok(in->expires_at, 64));
}

static int policy_body(const struct oc_policy_new *in, struct oc_buf *b)
{
	const char *perms[2];
	struct oc_jgen j;
	size_t n = 0;
	int rc;

	if (in->perms & OC_API_PERM_READ)
		perms[n++] = "read";
	if (in->perms & OC_API_PERM_WRITE)
		perms[n++] = "write";
	rc = oc_jgen_init(&j, b);
	if (!rc)
		rc = map_edge(&j, true);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "secret_path_pattern", in->pattern);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "principal_type", in->principal_type);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "principal_id", in->principal_id);
	if (!rc)
		rc = gen_strs(&j, "permissions", perms, n);
	if (!rc)
		rc = oc_jgen_kv_str(&j, "effect", in->deny ? "deny" : "allow");
	if (!rc && in->has_priority)
		rc = oc_jgen_kv_int(&j, "priority", in->priority);
	if (!rc && in->expires_at)
		rc = oc_jgen_kv_str(&j, "expires_at", in->expires_at);
	if (!rc)
		rc = map_edge(&j, false);
	oc_jgen_free(&j);
	return rc;
}

int oc_api_policy_create(struct oc_api *a, const char *vault_id,
			 const struct oc_policy_new *in, struct oc_policy *out)
{
	struct oc_api_call c = {
	    .method = "POST", .id = vault_id, .sub = "/policies"};
	struct oc_json *j = NULL;
	struct oc_buf b;
	bool skip = true;
	int rc;

	if (!a || !in || !out || !oc_api_id_ok(vault_id) || !policy_new_ok(in))
		return OC_ERR_ARGS;
	oc_buf_init(&b, BODY_MAX, false);
	rc = policy_body(in, &b);
	if (rc == OC_ERR_PARSE)
		rc = OC_ERR_ARGS;
	if (!rc) {
		c.body = b.data;
		c.body_len = b.len;
		rc = oc_api_call_object(a, &c, 0, &j);
	}
	if (!rc && j)
		rc = parse_policy(j, out, &skip);
	if (!rc && skip) {
		oc_debug(OC_LOG_API, "server response: no policy with a "
				     "usable id");
		rc = OC_ERR_SERVER;
	}
	oc_json_free(j);
	oc_buf_free(&b);
	return rc;
}

int oc_api_policy_list(struct oc_api *a, const char *vault_id,
		       struct oc_policy **out, size_t *n)
{
	const struct oc_api_call c = {.method = "GET",
				      .id = vault_id,
				      .sub = "/policies",
				      .idempotent = true};
	const struct oc_api_list_spec spec = {.what = "policy",
					      .key = "id",
					      .field = "policies",
					      .size = sizeof(struct oc_policy),
					      .parse = parse_policy};
	void *v;
	int rc;

	if (!a || !out || !n || !oc_api_id_ok(vault_id))
		return OC_ERR_ARGS;
	rc = oc_api_call_list(a, &c, &spec, &v, n);
	if (!rc)
		*out = v;
	return rc;
}

int oc_api_policy_delete(struct oc_api *a, const char *vault_id,
			 const char *policy_id)
{
	const struct oc_api_call c = {.method = "DELETE",
				      .id = vault_id,
				      .sub = "/policies/",
				      .name = policy_id,
				      .idempotent = true};

	if (!a || !oc_api_id_ok(vault_id) || !oc_api_id_ok(policy_id))
		return OC_ERR_ARGS;
	return oc_api_call_object(a, &c, 0, NULL);
}
