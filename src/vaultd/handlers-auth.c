/* handlers-auth.c - token exchange, token revocation, health. */
#include "config.h"

#include <string.h>

#include <yajl/yajl_gen.h>

#include "auth.h"
#include "dpop-verify.h"
#include "err.h"
#include "fields.h"
#include "handlers.h"
#include "problem.h"
#include "secmem.h"
#include "server.h"

static void token_reply(struct oc_req *r, const struct oc_principal *p,
			const char *token, int64_t ttl)
{
	struct oc_jgen j;
	size_t i;

	/* Secret: the response carries the token. */
	if (oc_reply_begin(r, &j, true))
		return;
	yajl_gen_map_open(j.g);
	oc_jgen_kv_str(&j, "access_token", token);
	/* "Bearer" for a DPoP-bound token too: the hosted service's answer
	 * as far as its clients show (they send Bearer either way), and a
	 * client reading token_type as the scheme to use still gets in (the
	 * bound token takes either scheme, auth.h). */
	oc_jgen_kv_str(&j, "token_type", "Bearer");
	oc_jgen_kv_int(&j, "expires_in", ttl);
	if (p->kind == OC_PRINCIPAL_AGENT) {
		oc_jgen_kv_str(&j, "agent_id", p->id);
		oc_jgen_str(&j, "vault_ids");
		yajl_gen_array_open(j.g);
		for (i = 0; i < p->vault_ids.n; i++)
			oc_jgen_str(&j, p->vault_ids.v[i]);
		yajl_gen_array_close(j.g);
	}
	yajl_gen_map_close(j.g);
	oc_reply_end(r, &j, 200);
}

/* The DPoP binding asked for, RFC 9449 §5: a proof of the key in the
 * body's "dpop_jwk" (the 1claw SDK sends both), or, with no dpop_jwk, of
 * any key, which the token is then bound to.  *jkt is NULL for a bearer
 * token.  Non-zero when the answer (400) is set. */
static int dpop_binding(struct oc_req *r, const struct oc_json *body,
			char thumb[OC_JWK_THUMBPRINT_LEN + 1], const char **jkt)
{
	const struct oc_json *jwk_json = NULL;
	char want[OC_JWK_THUMBPRINT_LEN + 1];
	struct oc_jwk jwk;
	const char *why;
	int rc;

	*jkt = NULL;
	rc = oc_field_object(r, body, "dpop_jwk", &jwk_json);
	if (rc)
		return rc;
	if (!jwk_json && !oc_req_header(r, "DPoP"))
		return OC_OK;
	if (jwk_json) {
		rc = oc_jwk_parse(jwk_json, &jwk, &why);
		if (!rc)
			rc = oc_jwk_thumbprint(&jwk, want);
		oc_jwk_clear(&jwk);
		if (rc == OC_ERR_PARSE) {
			oc_problem(r, 400, why);
			return rc;
		}
		if (rc) {
			oc_problem_err(r, rc, NULL);
			return rc;
		}
	}
	rc = oc_req_dpop(r, jwk_json ? want : NULL, 400, thumb);
	if (!rc)
		*jkt = thumb;
	return rc;
}

static void exchange(struct oc_req *r, bool agent_endpoint)
{
	struct oc_json *body = NULL;
	struct oc_principal p;
	const char *key, *agent_id, *jkt, *why = NULL;
	char *token = NULL, thumb[OC_JWK_THUMBPRINT_LEN + 1];
	size_t key_len = 0, id_len = 0;
	int64_t ttl = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	if (oc_req_json(r, &body))
		return;
	if (oc_field_str(r, body, "api_key", true, 1, OC_API_KEY_MAX, &key,
			 &key_len) ||
	    oc_field_str(r, body, "agent_id", false, 1, 64, &agent_id, &id_len))
		goto out;
	if (agent_id && !oc_is_uuid(agent_id)) {
		oc_problem(r, 400, "Field 'agent_id' must be a UUID");
		goto out;
	}
	if (dpop_binding(r, body, thumb, &jkt))
		goto out;
	/* ocv_ keys work on both endpoints (the Go SDK sends them to
	 * api-key-token); 1ck_ keys only on api-key-token. */
	if (key_len > 4 && memcmp(key, "ocv_", 4) == 0)
		rc = oc_auth_agent_token(&r->srv->auth, key, key_len, agent_id,
					 jkt, r->now, &p, &token, &ttl, &why);
	else if (!agent_endpoint)
		rc = oc_auth_user_token(&r->srv->auth, key, key_len, jkt,
					r->now, &p, &token, &ttl, &why);
	else {
		rc = OC_ERR_UNAUTHORIZED;
		why = "Invalid API key";
	}
	if (rc == OC_ERR_UNAUTHORIZED) {
		oc_problem(r, 401, why);
		goto out;
	}
	if (rc) {
		oc_problem_err(r, rc, NULL);
		goto out;
	}
	token_reply(r, &p, token, ttl);
out:
	oc_secure_free(token);
	oc_principal_clear(&p);
	oc_json_free(body);
}

void oc_h_agent_token(struct oc_req *r)
{
	exchange(r, true);
}

void oc_h_api_key_token(struct oc_req *r)
{
	exchange(r, false);
}

void oc_h_token_revoke(struct oc_req *r)
{
	int rc;

	if (r->who.jti[0]) {
		rc = oc_store_token_revoke(r->srv->store, r->who.jti,
					   r->who.exp);
		if (rc) {
			oc_problem_err(r, rc, NULL);
			return;
		}
	}
	oc_reply_empty(r, 204);
}

/* {"status":"healthy"|"degraded","version"} as the hosted service answers,
 * 200 either way: the server is up, the status says whether it can store.
 * "degraded" while the store's writes fail (store.h), which the server
 * knows without probing anything.  A KEK token that fails shows in the
 * requests that use it (500): probing it here would cost a token
 * operation per health check. */
void oc_h_health(struct oc_req *r)
{
	struct oc_jgen j;
	bool degraded = oc_store_writes_failing(r->srv->store);

	if (oc_reply_begin(r, &j, false))
		return;
	yajl_gen_map_open(j.g);
	oc_jgen_kv_str(&j, "status", degraded ? "degraded" : "healthy");
	oc_jgen_kv_str(&j, "version", PACKAGE_VERSION);
	yajl_gen_map_close(j.g);
	oc_reply_end(r, &j, 200);
}
