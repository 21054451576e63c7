/* api-agents.h - agents and access policies of the 1claw API
 * (1claw-api.md section 11): the admin side of giving an agent its own
 * ocv_ key, bound to vaults, and the per-vault policies on path globs that
 * say what it may read or write.
 *
 * Answers are read as api.h says: an agent or a policy needs a usable id,
 * everything else is taken as it comes (unknown members ignored, nulls and
 * mistyped optional members left empty or unknown).  A new key is handed
 * over in locked memory that the caller wipes (oc_secure_free). */
#ifndef OC_API_AGENTS_H
#define OC_API_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "wire.h"

/* A path glob, of an agent's scopes or a policy: bytes. */
#define OC_API_GLOB_MAX OC_WIRE_PATH_MAX
/* Entries of an agent's scopes or vault_ids kept from one answer. */
#define OC_API_AGENT_LIST_MAX 4096
/* The bytes of a new agent's globs together (its request stays within
 * the body bound however its globs are escaped). */
#define OC_API_AGENT_GLOBS_MAX (256u * 1024)
/* The longest agent key taken from an answer. */
#define OC_API_AGENT_KEY_MAX 4096
/* Policy priorities as oneclaw-vaultd takes them. */
#define OC_API_PRIORITY_MIN (-1000000)
#define OC_API_PRIORITY_MAX 1000000

/* A list of strings from an answer (heap; oc_agent_clear frees). */
struct oc_api_strs {
	char **v;
	size_t n;
};

struct oc_agent {
	char id[OC_WIRE_ID_MAX + 1];
	char name[OC_WIRE_NAME_MAX + 1];
	/* The server's name did not fit or held a NUL: name is its start,
	 * shown but matching no name asked for. */
	bool name_clipped;
	char description[OC_WIRE_DESCRIPTION_MAX + 1];
	char auth_method[32];
	bool is_active;
	bool is_active_known; /* whether the server said */
	struct oc_api_strs scopes;
	struct oc_api_strs vault_ids;
	int64_t token_ttl_seconds; /* 0: the server did not say */
	char expires_at[40];	   /* "" when none */
	char created_at[40];
};

/* A new agent.  Lists and strings may be NULL/empty (left out). */
struct oc_agent_new {
	const char *name;
	const char *description;
	const char *const *vault_ids; /* the binding; none: every vault */
	size_t n_vault_ids;
	const char *const *scopes; /* path globs; none: the policies say */
	size_t n_scopes;
	int64_t token_ttl_seconds; /* 0: the server's default */
	const char *expires_at;	   /* RFC 3339, or NULL */
};

/* POST /v1/agents.  *key gets the new key (oc_secure_alloc'd, NUL
 * terminated); OC_ERR_ARGS for a request the API would refuse by its
 * shape (an empty name, a bad id or glob). */
int oc_api_agent_create(struct oc_api *a, const struct oc_agent_new *in,
			struct oc_agent *out, char **key)
    __attribute__((warn_unused_result));
int oc_api_agent_list(struct oc_api *a, struct oc_agent **out, size_t *n)
    __attribute__((warn_unused_result));
int oc_api_agent_get(struct oc_api *a, const char *id, struct oc_agent *out)
    __attribute__((warn_unused_result));
/* PATCH /v1/agents/{id} {"is_active": active}. */
int oc_api_agent_set_active(struct oc_api *a, const char *id, bool active,
			    struct oc_agent *out)
    __attribute__((warn_unused_result));
/* POST /v1/agents/{id}/rotate-key: the old key stops working.  out gets
 * the agent when the answer carries it, else only its id. */
int oc_api_agent_rotate_key(struct oc_api *a, const char *id,
			    struct oc_agent *out, char **key)
    __attribute__((warn_unused_result));
int oc_api_agent_delete(struct oc_api *a, const char *id)
    __attribute__((warn_unused_result));

void oc_agent_clear(struct oc_agent *ag);
void oc_agent_list_free(struct oc_agent *ag, size_t n);

#define OC_API_PERM_READ  0x1u
#define OC_API_PERM_WRITE 0x2u

struct oc_policy {
	char id[OC_WIRE_ID_MAX + 1];
	char vault_id[OC_WIRE_ID_MAX + 1];
	char pattern[OC_API_GLOB_MAX + 1];
	char principal_type[16]; /* "agent", "user", or what the server said */
	char principal_id[OC_WIRE_ID_MAX + 1];
	unsigned perms;	 /* OC_API_PERM_*; other permissions are ignored */
	char effect[16]; /* "allow" when the server did not say */
	int64_t priority;
	bool priority_known;
	char expires_at[40]; /* "" when none */
	char created_at[40];
};

struct oc_policy_new {
	const char *pattern;
	const char *principal_type; /* "agent" or "user" */
	const char *principal_id;
	unsigned perms; /* OC_API_PERM_*, at least one */
	bool deny;
	bool has_priority;
	int64_t priority;
	const char *expires_at; /* RFC 3339, or NULL */
};

int oc_api_policy_create(struct oc_api *a, const char *vault_id,
			 const struct oc_policy_new *in, struct oc_policy *out)
    __attribute__((warn_unused_result));
int oc_api_policy_list(struct oc_api *a, const char *vault_id,
		       struct oc_policy **out, size_t *n)
    __attribute__((warn_unused_result));
int oc_api_policy_delete(struct oc_api *a, const char *vault_id,
			 const char *policy_id)
    __attribute__((warn_unused_result));

/* Whether s[0..n) may be sent as a path glob: 1 to OC_API_GLOB_MAX bytes
 * of UTF-8 without control characters. */
bool oc_api_glob_ok(const char *s, size_t n);

#endif
