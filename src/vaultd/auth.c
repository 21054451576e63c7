/* auth.c - bearer authentication, token exchange, access decisions. */
#include "config.h"

#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "glob.h"
#include "log.h"
#include "secmem.h"

static const char bad_credential[] = "Invalid API key";
static const char uncovered[] = "Token scopes do not cover this path";
/* Clients (the 1claw MCP server; the module, by its design) exchange their
 * key again on a 403 whose detail holds this phrase; lower case, so a
 * case-sensitive match finds it too. */
static const char stale[] = "token has been revoked";
static const char unbound[] = "The DPoP scheme needs a DPoP-bound token";

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && memcmp(s, p, pl) == 0;
}

static int user_by_key(struct oc_auth *a, const char *key, size_t n,
		       char id[OC_UUID_LEN + 1])
{
	uint8_t h[OC_KEY_HASH_LEN];
	int rc;

	rc = oc_api_key_hash(key, n, h);
	if (!rc)
		rc = oc_store_user_by_hash(a->store, h, id);
	oc_wipe(h, sizeof(h));
	return rc;
}

/* A token of an agent stays valid only while the agent exists, is active,
 * has not expired (OC_ERR_UNAUTHORIZED: its key is no good either) and has
 * not had its tokens revoked by a change to its access since the token was
 * issued (gen; OC_ERR_FORBIDDEN: a new exchange gets a working token).  p
 * gets the agent's own scopes. */
static int agent_current(struct oc_auth *a, struct oc_principal *p, int64_t now,
			 const char **why)
{
	struct oc_agent_row ag;
	int rc;

	rc = oc_store_agent_get(a->store, p->id, &ag);
	if (rc == OC_ERR_NOT_FOUND) {
		*why = "Agent not found";
		return OC_ERR_UNAUTHORIZED;
	}
	if (rc)
		return rc;
	rc = OC_OK;
	if (!ag.is_active) {
		*why = "Agent is inactive";
		rc = OC_ERR_UNAUTHORIZED;
	} else if (ag.expires_epoch && now >= ag.expires_epoch) {
		*why = "Agent has expired";
		rc = OC_ERR_UNAUTHORIZED;
	} else if (ag.gen != p->gen) {
		*why = stale;
		rc = OC_ERR_FORBIDDEN;
	} else {
		oc_strlist_free(&p->scopes);
		p->scopes = ag.scopes;
		memset(&ag.scopes, 0, sizeof(ag.scopes));
	}
	oc_agent_row_clear(&ag);
	return rc;
}

int oc_auth_bearer(struct oc_auth *a, const char *header, int64_t now,
		   struct oc_principal *out, const char **why)
{
	struct oc_principal p;
	const char *tok;
	size_t n;
	bool revoked = false, dpop_scheme;
	int rc;

	memset(&p, 0, sizeof(p));
	*why = "Missing bearer token";
	if (!header)
		return OC_ERR_UNAUTHORIZED;
	dpop_scheme = strncasecmp(header, "DPoP ", 5) == 0;
	if (dpop_scheme) {
		tok = header + 5;
	} else if (strncasecmp(header, "Bearer ", 7) == 0) {
		tok = header + 7;
	} else {
		*why = "Authorization must be a Bearer token";
		return OC_ERR_UNAUTHORIZED;
	}
	while (*tok == ' ')
		tok++;
	n = strlen(tok);
	while (n > 0 && tok[n - 1] == ' ')
		n--;
	if (n == 0)
		return OC_ERR_UNAUTHORIZED;
	/* The DPoP scheme says the token is bound (RFC 9449 §7.1). */
	if (dpop_scheme &&
	    (has_prefix(tok, n, "1ck_") || has_prefix(tok, n, "ocv_"))) {
		*why = unbound;
		return OC_ERR_UNAUTHORIZED;
	}
	if (has_prefix(tok, n, "1ck_")) {
		rc = user_by_key(a, tok, n, p.id);
		if (rc == OC_ERR_NOT_FOUND || rc == OC_ERR_ARGS) {
			*why = bad_credential;
			return OC_ERR_UNAUTHORIZED;
		}
		if (rc)
			return rc;
		p.kind = OC_PRINCIPAL_USER;
		*out = p;
		return OC_OK;
	}
	if (has_prefix(tok, n, "ocv_")) {
		*why = "Agent keys must be exchanged at /v1/auth/agent-token";
		return OC_ERR_UNAUTHORIZED;
	}
	rc = oc_jwt_verify(a->signer, tok, n, now, &p, why);
	if (rc)
		return rc;
	if (dpop_scheme && !p.jkt[0]) {
		*why = unbound;
		oc_principal_clear(&p);
		return OC_ERR_UNAUTHORIZED;
	}
	rc = oc_store_token_is_revoked(a->store, p.jti, &revoked);
	if (!rc && revoked) {
		*why = "Token has been revoked";
		rc = OC_ERR_UNAUTHORIZED;
	}
	if (!rc && p.kind == OC_PRINCIPAL_AGENT)
		rc = agent_current(a, &p, now, why);
	if (rc) {
		oc_principal_clear(&p);
		return rc;
	}
	*out = p;
	return OC_OK;
}

/* The thumbprint into p, or "" for a bearer token. */
static void bind_key(struct oc_principal *p, const char *jkt)
{
	snprintf(p->jkt, sizeof(p->jkt), "%s", jkt ? jkt : "");
}

int oc_auth_agent_token(struct oc_auth *a, const char *key, size_t key_len,
			const char *agent_id, const char *jkt, int64_t now,
			struct oc_principal *out, char **token, int64_t *ttl,
			const char **why)
{
	struct oc_principal p;
	struct oc_agent_row ag;
	uint8_t h[OC_KEY_HASH_LEN];
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&ag, 0, sizeof(ag));
	*why = bad_credential;
	if (!has_prefix(key, key_len, "ocv_") || key_len > OC_API_KEY_MAX)
		return OC_ERR_UNAUTHORIZED;
	rc = oc_api_key_hash(key, key_len, h);
	if (!rc)
		rc = oc_store_agent_by_hash(a->store, h, &ag);
	oc_wipe(h, sizeof(h));
	if (rc == OC_ERR_NOT_FOUND)
		return OC_ERR_UNAUTHORIZED;
	if (rc)
		return rc;
	rc = OC_ERR_UNAUTHORIZED;
	if (agent_id && strcasecmp(agent_id, ag.id) != 0)
		goto out;
	if (!ag.is_active) {
		*why = "Agent is inactive";
		goto out;
	}
	if (ag.expires_epoch && now >= ag.expires_epoch) {
		*why = "Agent has expired";
		goto out;
	}
	p.kind = OC_PRINCIPAL_AGENT;
	memcpy(p.id, ag.id, sizeof(p.id));
	p.gen = ag.gen;
	p.vault_ids = ag.vault_ids;
	p.scopes = ag.scopes;
	memset(&ag.vault_ids, 0, sizeof(ag.vault_ids));
	memset(&ag.scopes, 0, sizeof(ag.scopes));
	bind_key(&p, jkt);
	rc = oc_jwt_issue(a->signer, &p, now, ag.token_ttl, token);
	if (rc)
		goto out;
	*ttl = ag.token_ttl;
	*out = p;
	memset(&p, 0, sizeof(p));
out:
	oc_principal_clear(&p);
	oc_agent_row_clear(&ag);
	return rc;
}

int oc_auth_user_token(struct oc_auth *a, const char *key, size_t key_len,
		       const char *jkt, int64_t now, struct oc_principal *out,
		       char **token, int64_t *ttl, const char **why)
{
	struct oc_principal p;
	int rc;

	memset(&p, 0, sizeof(p));
	*why = bad_credential;
	if (!has_prefix(key, key_len, "1ck_"))
		return OC_ERR_UNAUTHORIZED;
	rc = user_by_key(a, key, key_len, p.id);
	if (rc == OC_ERR_NOT_FOUND || rc == OC_ERR_ARGS)
		return OC_ERR_UNAUTHORIZED;
	if (rc)
		return rc;
	p.kind = OC_PRINCIPAL_USER;
	bind_key(&p, jkt);
	rc = oc_jwt_issue(a->signer, &p, now, OC_USER_TOKEN_TTL, token);
	if (rc)
		return rc;
	*ttl = OC_USER_TOKEN_TTL;
	*out = p;
	return OC_OK;
}

int oc_auth_vault(const struct oc_principal *p, const char *vault_id)
{
	if (p->kind == OC_PRINCIPAL_USER)
		return OC_OK;
	if (p->kind != OC_PRINCIPAL_AGENT)
		return OC_ERR_FORBIDDEN;
	if (p->vault_ids.n == 0 || oc_strlist_has(&p->vault_ids, vault_id))
		return OC_OK;
	return OC_ERR_FORBIDDEN;
}

int oc_auth_admin(const struct oc_principal *p)
{
	return p->kind == OC_PRINCIPAL_USER ? OC_OK : OC_ERR_FORBIDDEN;
}

void oc_auth_check_init(struct oc_auth_check *c, struct oc_auth *a,
			const struct oc_principal *p, const char *vault_id)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->p = p;
	c->vault_id = vault_id;
}

void oc_auth_check_free(struct oc_auth_check *c)
{
	if (!c)
		return;
	free(c->vault_pol);
	free(c->all_pol);
	memset(c, 0, sizeof(*c));
}

/* Whether an allow policy among pol (skipping those of vault skip) covers
 * path; *any is set when there is an allow policy at all. */
static bool allow_covers(const struct oc_policy_row *pol, size_t n,
			 const char *skip, const char *path, bool *any)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pol[i].deny || (skip && strcmp(pol[i].vault_id, skip) == 0))
			continue;
		*any = true;
		if (oc_glob_match(pol[i].pattern, path))
			return true;
	}
	return false;
}

static int load_vault(struct oc_auth_check *c)
{
	int rc;

	if (c->vault_loaded)
		return OC_OK;
	rc = oc_store_policy_list(c->a->store, c->vault_id, "agent", c->p->id,
				  &c->vault_pol, &c->n_vault);
	c->vault_loaded = rc == OC_OK;
	return rc;
}

/* The scope check: the agent's own scopes when it has any, else the
 * patterns of its allow policies, this vault's first. */
static int in_scope(struct oc_auth_check *c, const char *path, const char **why)
{
	const struct oc_principal *p = c->p;
	bool any = false;
	size_t i;
	int rc;

	if (p->scopes.n) {
		for (i = 0; i < p->scopes.n; i++)
			if (oc_glob_match(p->scopes.v[i], path))
				return OC_OK;
		*why = uncovered;
		return OC_ERR_FORBIDDEN;
	}
	rc = load_vault(c);
	if (rc)
		return rc;
	if (allow_covers(c->vault_pol, c->n_vault, NULL, path, &any))
		return OC_OK;
	if (!c->all_loaded) {
		rc = oc_store_policy_list(c->a->store, NULL, "agent", p->id,
					  &c->all_pol, &c->n_all);
		if (rc)
			return rc;
		c->all_loaded = true;
	}
	if (allow_covers(c->all_pol, c->n_all, c->vault_id, path, &any))
		return OC_OK;
	*why = any ? uncovered : "Agent has no scopes";
	return OC_ERR_FORBIDDEN;
}

int oc_auth_check_path(struct oc_auth_check *c, const char *path, unsigned perm,
		       int64_t now, const char **why)
{
	const struct oc_principal *p = c->p;
	const struct oc_policy_row *pol;
	bool allow = false;
	size_t i;
	int rc;

	*why = "Access denied";
	if (p->kind == OC_PRINCIPAL_USER)
		return OC_OK;
	if (oc_auth_vault(p, c->vault_id)) {
		*why = "Agent is not bound to this vault";
		return OC_ERR_FORBIDDEN;
	}
	rc = in_scope(c, path, why);
	if (!rc)
		rc = load_vault(c);
	if (rc)
		return rc;
	rc = OC_ERR_FORBIDDEN;
	*why = "No policy grants access to this path";
	for (i = 0; i < c->n_vault; i++) {
		pol = &c->vault_pol[i];
		if (!(pol->perms & perm) ||
		    (pol->expires_epoch && now >= pol->expires_epoch) ||
		    !oc_glob_match(pol->pattern, path))
			continue;
		if (pol->deny) {
			*why = "A policy denies access to this path";
			allow = false;
			break;
		}
		allow = true;
	}
	if (allow)
		rc = OC_OK;
	oc_debug(OC_LOG_SERVER, "agent %s %s access to a path in vault %s: %s",
		 p->id, perm == OC_PERM_READ ? "read" : "write", c->vault_id,
		 allow ? "allowed" : "denied");
	return rc;
}

int oc_auth_secret(struct oc_auth *a, const struct oc_principal *p,
		   const char *vault_id, const char *path, unsigned perm,
		   int64_t now, const char **why)
{
	struct oc_auth_check c;
	int rc;

	oc_auth_check_init(&c, a, p, vault_id);
	rc = oc_auth_check_path(&c, path, perm, now, why);
	oc_auth_check_free(&c);
	return rc;
}
