/* auth.c - bearer authentication, token exchange, access decisions. */
#include "config.h"

#include "auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "glob.h"
#include "log.h"
#include "secmem.h"

static const char bad_credential[] = "Invalid API key";

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
 * has not expired and has not had its tokens revoked (gen). */
static int agent_current(struct oc_auth *a, const struct oc_principal *p,
			 int64_t now, const char **why)
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
		*why = "Token has been revoked";
		rc = OC_ERR_UNAUTHORIZED;
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
	bool revoked = false;
	int rc;

	memset(&p, 0, sizeof(p));
	*why = "Missing bearer token";
	if (!header)
		return OC_ERR_UNAUTHORIZED;
	if (strncasecmp(header, "Bearer ", 7) != 0) {
		*why = "Authorization must be a Bearer token";
		return OC_ERR_UNAUTHORIZED;
	}
	tok = header + 7;
	while (*tok == ' ')
		tok++;
	n = strlen(tok);
	while (n > 0 && tok[n - 1] == ' ')
		n--;
	if (n == 0)
		return OC_ERR_UNAUTHORIZED;
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
	rc = oc_token_verify(a->signer, tok, n, now, &p, why);
	if (rc)
		return rc;
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

/* Scopes at issuance: the agent's own, else the patterns of its allow
 * policies across vaults. */
static int agent_scopes(struct oc_auth *a, const struct oc_agent_row *ag,
			struct oc_strlist *out)
{
	struct oc_vault_row *vaults = NULL;
	struct oc_policy_row *pol = NULL;
	size_t nv = 0, np = 0, i, k;
	int rc;

	if (ag->scopes.n)
		return oc_strlist_copy(out, &ag->scopes);
	rc = oc_store_vault_list(a->store, &vaults, &nv);
	for (i = 0; !rc && i < nv; i++) {
		rc = oc_store_policy_list(a->store, vaults[i].id, "agent",
					  ag->id, &pol, &np);
		for (k = 0; !rc && k < np; k++) {
			if (pol[k].deny || oc_strlist_has(out, pol[k].pattern))
				continue;
			rc = oc_strlist_add(out, pol[k].pattern);
			if (rc == OC_ERR_RANGE)
				rc = OC_OK; /* a hint only; policies decide */
		}
		free(pol);
		pol = NULL;
	}
	free(vaults);
	return rc;
}

int oc_auth_agent_token(struct oc_auth *a, const char *key, size_t key_len,
			const char *agent_id, int64_t now,
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
	rc = oc_strlist_copy(&p.vault_ids, &ag.vault_ids);
	if (!rc)
		rc = agent_scopes(a, &ag, &p.scopes);
	if (!rc)
		rc = oc_token_issue(a->signer, &p, now, ag.token_ttl, token);
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
		       int64_t now, struct oc_principal *out, char **token,
		       int64_t *ttl, const char **why)
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
	rc = oc_token_issue(a->signer, &p, now, OC_USER_TOKEN_TTL, token);
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

int oc_auth_secret(struct oc_auth *a, const struct oc_principal *p,
		   const char *vault_id, const char *path, unsigned perm,
		   int64_t now, const char **why)
{
	struct oc_policy_row *pol = NULL;
	size_t n = 0, i;
	bool allow = false, scoped = false;
	int rc;

	*why = "Access denied";
	if (p->kind == OC_PRINCIPAL_USER)
		return OC_OK;
	if (oc_auth_vault(p, vault_id)) {
		*why = "Agent is not bound to this vault";
		return OC_ERR_FORBIDDEN;
	}
	if (p->scopes.n == 0) {
		*why = "Agent has no scopes";
		return OC_ERR_FORBIDDEN;
	}
	for (i = 0; i < p->scopes.n && !scoped; i++)
		scoped = oc_glob_match(p->scopes.v[i], path);
	if (!scoped) {
		*why = "Token scopes do not cover this path";
		return OC_ERR_FORBIDDEN;
	}
	rc = oc_store_policy_list(a->store, vault_id, "agent", p->id, &pol, &n);
	if (rc)
		return rc;
	rc = OC_ERR_FORBIDDEN;
	*why = "No policy grants access to this path";
	for (i = 0; i < n; i++) {
		if (!(pol[i].perms & perm) ||
		    (pol[i].expires_epoch && now >= pol[i].expires_epoch) ||
		    !oc_glob_match(pol[i].pattern, path))
			continue;
		if (pol[i].deny) {
			*why = "A policy denies access to this path";
			allow = false;
			break;
		}
		allow = true;
	}
	free(pol);
	if (allow)
		rc = OC_OK;
	oc_debug(OC_LOG_SERVER, "agent %s %s access to a path in vault %s: %s",
		 p->id, perm == OC_PERM_READ ? "read" : "write", vault_id,
		 allow ? "allowed" : "denied");
	return rc;
}
