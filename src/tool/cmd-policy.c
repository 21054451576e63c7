/* cmd-policy.c - policy add | list | rm: a vault's access policies (1claw-
 * api.md section 11), which grant an agent or a user read and/or write on
 * the secret paths a glob matches, or deny them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-policy.h"

#include "api-agents.h"
#include "api-call.h"
#include "cmd-agents.h"
#include "codec.h"
#include "err.h"
#include "ossl.h"
#include "output.h"

static const char policy_usage[] =
    "Usage: oneclaw-tool policy add VAULT --path GLOB (--agent AGENT | "
    "--user USER_ID)\n"
    "                               --permissions read[,write] [--deny]\n"
    "                               [--priority N] [--expires-at RFC3339]\n"
    "       oneclaw-tool policy list VAULT\n"
    "       oneclaw-tool policy rm VAULT POLICY_ID\n"
    "\n"
    "A policy of VAULT lets an agent or a user read and/or write the\n"
    "secrets whose paths GLOB matches ('*' within a path segment, '**'\n"
    "across segments), or with --deny forbids it (a deny wins).  An agent\n"
    "with no policy reads nothing.  add prints the new policy's id.\n"
    "\n"
    "  --path GLOB              the secret paths the policy covers\n"
    "  --agent AGENT            for this agent (id or name)\n"
    "  --user USER_ID           for this user (a UUID)\n"
    "  --permissions LIST       read, write, or read,write\n"
    "  --deny                   forbid rather than allow\n"
    "  --priority N             -1000000 to 1000000\n"
    "  --expires-at TIME        the policy ends then (RFC 3339)\n"
    "\n"
    "VAULT is a vault id or name.  --json prints the policy objects.\n";

enum {
	OPT_PATH = OC_OPT_CMD_BASE,
	OPT_AGENT,
	OPT_USER,
	OPT_PERMISSIONS,
	OPT_DENY,
	OPT_PRIORITY,
	OPT_EXPIRES_AT,
};

static const struct option add_opts[] = {
    {"path", required_argument, NULL, OPT_PATH},
    {"agent", required_argument, NULL, OPT_AGENT},
    {"user", required_argument, NULL, OPT_USER},
    {"permissions", required_argument, NULL, OPT_PERMISSIONS},
    {"deny", no_argument, NULL, OPT_DENY},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"expires-at", required_argument, NULL, OPT_EXPIRES_AT},
    {NULL, 0, NULL, 0},
};

struct add_args {
	const char *path;
	const char *agent;
	const char *user;
	unsigned perms;
	bool deny;
	bool has_priority;
	long long priority;
	const char *expires_at;
};

#define ADD "policy add"

/* "read", "write", "read,write" (either order, no repeats or blanks). */
static int parse_perms(const char *arg, unsigned *out)
{
	const char *p = arg, *end;
	unsigned perms = 0, bit;
	size_t n;

	for (;;) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 4 && memcmp(p, "read", 4) == 0)
			bit = OC_API_PERM_READ;
		else if (n == 5 && memcmp(p, "write", 5) == 0)
			bit = OC_API_PERM_WRITE;
		else
			return oc_tool_usage(ADD, "--permissions takes read, "
						  "write or read,write");
		if (perms & bit)
			return oc_tool_usage(ADD, "--permissions names a "
						  "permission twice");
		perms |= bit;
		if (!end)
			break;
		p = end + 1;
	}
	*out = perms;
	return 0;
}

/* A whole number, signed, in the priority range. */
static int parse_priority(const char *arg, long long *out)
{
	const char *digits = arg[0] == '-' ? arg + 1 : arg;
	unsigned long v;

	if (oc_decimal_parse(digits, 0, -(long)OC_API_PRIORITY_MIN, &v) ||
	    (arg[0] != '-' && v > OC_API_PRIORITY_MAX))
		return oc_tool_usage(ADD,
				     "--priority wants a whole number from %d "
				     "to %d",
				     OC_API_PRIORITY_MIN, OC_API_PRIORITY_MAX);
	*out = arg[0] == '-' ? -(long long)v : (long long)v;
	return 0;
}

static int add_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	struct add_args *a = ctx;

	switch (c) {
	case OPT_PATH:
		if (!oc_api_glob_ok(arg, strlen(arg)))
			return oc_tool_usage(ADD,
					     "--path wants a path glob of 1 to "
					     "%d bytes of UTF-8 without "
					     "control characters",
					     OC_API_GLOB_MAX);
		a->path = arg;
		return 0;
	case OPT_AGENT:
		if (!*arg || strlen(arg) > OC_WIRE_NAME_MAX)
			return oc_tool_usage(ADD, "--agent wants an agent id "
						  "or name");
		a->agent = arg;
		return 0;
	case OPT_USER:
		if (!oc_is_uuid(arg))
			return oc_tool_usage(ADD, "--user wants a user id (a "
						  "UUID)");
		a->user = arg;
		return 0;
	case OPT_PERMISSIONS:
		return parse_perms(arg, &a->perms);
	case OPT_DENY:
		a->deny = true;
		return 0;
	case OPT_PRIORITY:
		a->has_priority = true;
		return parse_priority(arg, &a->priority);
	case OPT_EXPIRES_AT:
		if (oc_tool_parse_future_time(ADD, "--expires-at", arg))
			return OC_EXIT_USAGE;
		a->expires_at = arg;
		return 0;
	default:
		return OC_EXIT_USAGE;
	}
}

/* --- output ------------------------------------------------------------ */

static const char *perms_text(unsigned perms)
{
	switch (perms & (OC_API_PERM_READ | OC_API_PERM_WRITE)) {
	case OC_API_PERM_READ:
		return "read";
	case OC_API_PERM_WRITE:
		return "write";
	case OC_API_PERM_READ | OC_API_PERM_WRITE:
		return "read,write";
	default:
		return "-";
	}
}

static void json_policy(struct oc_jgen *j, const struct oc_policy *p)
{
	oc_out_json_map_open(j);
	oc_jgen_kv_str(j, "id", p->id);
	oc_jgen_kv_str(j, "vault_id", p->vault_id);
	oc_jgen_kv_str(j, "secret_path_pattern", p->pattern);
	oc_jgen_kv_str(j, "principal_type", p->principal_type);
	oc_jgen_kv_str(j, "principal_id", p->principal_id);
	oc_out_json_key(j, "permissions");
	oc_out_json_array_open(j);
	if (p->perms & OC_API_PERM_READ)
		oc_jgen_str(j, "read");
	if (p->perms & OC_API_PERM_WRITE)
		oc_jgen_str(j, "write");
	oc_out_json_array_close(j);
	oc_jgen_kv_str(j, "effect", p->effect);
	if (p->priority_known)
		oc_jgen_kv_int(j, "priority", p->priority);
	else
		oc_jgen_kv_null(j, "priority");
	if (p->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", p->expires_at);
	else
		oc_jgen_kv_null(j, "expires_at");
	oc_jgen_kv_str(j, "created_at", p->created_at);
	oc_out_json_map_close(j);
}

static void policy_table(const struct oc_policy *p, size_t n)
{
	char pat[OC_API_GLOB_MAX + 1], typ[sizeof(p->principal_type)];
	char eff[sizeof(p->effect)];
	size_t i;

	printf("%-36s  %-6s  %-10s  %-6s %-36s  %s\n", "ID", "EFFECT", "PERMS",
	       "FOR", "PRINCIPAL", "PATH");
	for (i = 0; i < n; i++)
		printf("%-36s  %-6s  %-10s  %-6s %-36s  %s\n", p[i].id,
		       oc_out_safe(p[i].effect, eff, sizeof(eff)),
		       perms_text(p[i].perms),
		       oc_out_safe(p[i].principal_type, typ, sizeof(typ)),
		       p[i].principal_id[0] ? p[i].principal_id : "?",
		       oc_out_safe(p[i].pattern, pat, sizeof(pat)));
}

/* --- the subcommands ---------------------------------------------------- */

static int policy_add(struct oc_tool *t, int argc, char **argv)
{
	struct add_args aa = {0};
	struct oc_policy_new in = {0};
	struct oc_policy p;
	struct oc_agent ag = {0};
	struct oc_out_json o;
	struct oc_vault v;
	struct oc_api *a;
	int r, rc;

	r = oc_tool_getopt_n(t, ADD, policy_usage, argc, argv, add_opts,
			     add_opt, &aa, 1, "exactly one VAULT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!aa.path)
		return oc_tool_usage(ADD, "give --path GLOB");
	if (!aa.agent == !aa.user)
		return oc_tool_usage(ADD, "give one of --agent AGENT or "
					  "--user USER_ID");
	if (!aa.perms)
		return oc_tool_usage(ADD, "give --permissions read, write or "
					  "read,write");
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	if (aa.agent) {
		rc = oc_tool_agent(t, aa.agent, &ag, NULL);
		if (rc)
			return rc;
	}
	in.pattern = aa.path;
	in.principal_type = aa.agent ? "agent" : "user";
	in.principal_id = aa.agent ? ag.id : aa.user;
	in.perms = aa.perms;
	in.deny = aa.deny;
	in.has_priority = aa.has_priority;
	in.priority = aa.priority;
	in.expires_at = aa.expires_at;
	rc = oc_api_policy_create(a, v.id, &in, &p);
	if (rc) {
		rc = oc_tool_fail(t, rc, "adding a policy to vault %s", v.id);
	} else if (!t->json) {
		printf("%s\n", p.id);
	} else {
		rc = oc_out_json_open(&o, false);
		if (!rc) {
			json_policy(&o.j, &p);
			rc = oc_out_json_close(&o);
		}
		rc = rc ? OC_EXIT_FAIL : 0;
	}
	oc_agent_clear(&ag);
	return rc;
}

static int policy_list(struct oc_tool *t, int argc, char **argv)
{
	struct oc_policy *list = NULL;
	struct oc_out_json o;
	struct oc_vault v;
	struct oc_api *a;
	size_t n = 0, i;
	int r, rc;

	r = oc_tool_getopt_n(t, "policy list", policy_usage, argc, argv, NULL,
			     NULL, NULL, 1, "exactly one VAULT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	rc = oc_api_policy_list(a, v.id, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "listing the policies of vault %s",
				    v.id);
	if (t->json) {
		rc = oc_out_json_open(&o, false);
		if (!rc) {
			oc_out_json_array_open(&o.j);
			for (i = 0; i < n; i++)
				json_policy(&o.j, &list[i]);
			oc_out_json_array_close(&o.j);
			rc = oc_out_json_close(&o);
		}
		rc = rc ? OC_EXIT_FAIL : 0;
	} else {
		policy_table(list, n);
	}
	free(list);
	return rc;
}

static int policy_rm(struct oc_tool *t, int argc, char **argv)
{
	struct oc_out_json o;
	struct oc_vault v;
	struct oc_api *a;
	char safe[100];
	int r, rc;

	r = oc_tool_getopt_n(t, "policy rm", policy_usage, argc, argv, NULL,
			     NULL, NULL, 2, "a VAULT and a POLICY_ID");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!oc_api_id_ok(argv[r + 1]))
		return oc_tool_usage(
		    "policy rm", "'%s' is not a policy id",
		    oc_out_safe(argv[r + 1], safe, sizeof(safe)));
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	rc = oc_api_policy_delete(a, v.id, argv[r + 1]);
	if (rc)
		return oc_tool_fail(t, rc, "removing policy %s of vault %s",
				    argv[r + 1], v.id);
	if (t->json) {
		rc = oc_out_json_open(&o, false);
		if (!rc) {
			oc_out_json_map_open(&o.j);
			oc_jgen_kv_str(&o.j, "id", argv[r + 1]);
			oc_jgen_kv_str(&o.j, "vault_id", v.id);
			oc_jgen_kv_bool(&o.j, "deleted", true);
			oc_out_json_map_close(&o.j);
			rc = oc_out_json_close(&o);
		}
		return rc ? OC_EXIT_FAIL : 0;
	}
	if (!t->quiet)
		fprintf(stderr, "policy %s removed\n", argv[r + 1]);
	return 0;
}

int oc_cmd_policy(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"add", policy_add},
	    {"list", policy_list},
	    {"rm", policy_rm},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(t, "policy", policy_usage, "add, list or rm?",
				subs, argc, argv);
}
