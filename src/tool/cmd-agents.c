/* cmd-agents.c - agent create | list | get | rotate-key | deactivate | rm:
 * the agents of the API (1claw-api.md section 11), each with its own ocv_
 * key, bound to vaults.
 *
 * A new key is shown once: on stdout, or with --out in a new file of
 * mode 0600 and not on stdout.  It stays in locked memory, is written
 * with write(2) (never through stdio's buffer) and wiped after. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-agents.h"

#include "api-agents.h"
#include "api-call.h"
#include "err.h"
#include "log.h"
#include "newfile.h"
#include "output.h"
#include "secmem.h"

#define TOKEN_TTL_MAX 86400

static const char agent_usage[] =
    "Usage: oneclaw-tool agent create NAME [--vault VAULT]... "
    "[--scope GLOB]...\n"
    "                         [--description TEXT] [--token-ttl SECONDS]\n"
    "                         [--expires-at RFC3339] [--out FILE]\n"
    "       oneclaw-tool agent list\n"
    "       oneclaw-tool agent get AGENT\n"
    "       oneclaw-tool agent rotate-key AGENT [--out FILE]\n"
    "       oneclaw-tool agent deactivate AGENT\n"
    "       oneclaw-tool agent rm AGENT\n"
    "\n"
    "An agent has its own ocv_ key, which it uses as ONECLAW_AGENT_API_KEY\n"
    "(with ONECLAW_AGENT_ID its id).  create and rotate-key show the new\n"
    "key once: on stdout, or with --out written to FILE, a new file of\n"
    "mode 0600 (never overwritten), and then not shown.  rotate-key ends\n"
    "the old key; deactivate (is_active false) ends every key until the\n"
    "agent is active again; rm deletes the agent.\n"
    "\n"
    "  --vault VAULT        bind the agent to VAULT (repeatable; without\n"
    "                       it the agent may reach every vault)\n"
    "  --scope GLOB         a path glob the agent's tokens are limited to\n"
    "                       (repeatable)\n"
    "  --description TEXT   what the agent is for\n"
    "  --token-ttl SECONDS  life of the agent's tokens, 1 to 86400\n"
    "  --expires-at TIME    the agent ends then (RFC 3339)\n"
    "  --out FILE           write the key to FILE, not to stdout\n"
    "\n"
    "AGENT is an agent id or name; VAULT a vault id or name.  What an\n"
    "agent may read or write in a vault is set with `oneclaw-tool policy`.\n"
    "--json prints the agent objects (create and rotate-key: {\"agent\",\n"
    "\"api_key\"}, or \"key_file\" with --out).\n";

enum {
	OPT_VAULT = OC_OPT_CMD_BASE,
	OPT_SCOPE,
	OPT_DESCRIPTION,
	OPT_TOKEN_TTL,
	OPT_EXPIRES_AT,
	OPT_OUT,
};

static const struct option create_opts[] = {
    {"vault", required_argument, NULL, OPT_VAULT},
    {"scope", required_argument, NULL, OPT_SCOPE},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"token-ttl", required_argument, NULL, OPT_TOKEN_TTL},
    {"expires-at", required_argument, NULL, OPT_EXPIRES_AT},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

static const struct option rotate_opts[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

struct create_args {
	const char *cmd;
	const char **vaults; /* as given: ids or names */
	size_t n_vaults;
	const char **scopes;
	size_t n_scopes;
	size_t scope_bytes;
	const char *description;
	unsigned token_ttl;
	const char *expires_at;
	const char *out;
};

static int create_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	struct create_args *a = ctx;

	switch (c) {
	case OPT_VAULT:
		if (!*arg || strlen(arg) > OC_WIRE_NAME_MAX)
			return oc_tool_usage(a->cmd, "--vault wants a vault id "
						     "or name");
		if (a->n_vaults == OC_API_AGENT_LIST_MAX)
			return oc_tool_usage(a->cmd, "at most %d --vault",
					     OC_API_AGENT_LIST_MAX);
		a->vaults[a->n_vaults++] = arg;
		return 0;
	case OPT_SCOPE:
		if (!oc_api_glob_ok(arg, strlen(arg)))
			return oc_tool_usage(a->cmd,
					     "--scope wants a path glob of 1 "
					     "to %d bytes of UTF-8 without "
					     "control characters",
					     OC_API_GLOB_MAX);
		a->scope_bytes += strlen(arg);
		if (a->n_scopes == OC_API_AGENT_LIST_MAX ||
		    a->scope_bytes > OC_API_AGENT_GLOBS_MAX)
			return oc_tool_usage(a->cmd,
					     "at most %d --scope of %u bytes "
					     "together",
					     OC_API_AGENT_LIST_MAX,
					     OC_API_AGENT_GLOBS_MAX);
		a->scopes[a->n_scopes++] = arg;
		return 0;
	case OPT_DESCRIPTION:
		if (strlen(arg) > OC_WIRE_DESCRIPTION_MAX ||
		    !oc_wire_utf8((const uint8_t *)arg, strlen(arg),
				  OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL))
			return oc_tool_usage(a->cmd,
					     "--description wants at most %d "
					     "bytes of UTF-8 without control "
					     "characters",
					     OC_WIRE_DESCRIPTION_MAX);
		a->description = arg;
		return 0;
	case OPT_TOKEN_TTL:
		return oc_tool_parse_uint(a->cmd, "--token-ttl", arg, 1,
					  TOKEN_TTL_MAX, &a->token_ttl);
	case OPT_EXPIRES_AT:
		if (oc_tool_parse_future_time(a->cmd, "--expires-at", arg))
			return OC_EXIT_USAGE;
		a->expires_at = arg;
		return 0;
	case OPT_OUT:
		if (!*arg)
			return oc_tool_usage(a->cmd, "--out wants a file name");
		a->out = arg;
		return 0;
	default:
		return OC_EXIT_USAGE;
	}
}

/* --- output ------------------------------------------------------------ */

static void json_strs(struct oc_jgen *j, const char *key,
		      const struct oc_api_strs *l)
{
	size_t i;

	oc_out_json_key(j, key);
	oc_out_json_array_open(j);
	for (i = 0; i < l->n; i++)
		oc_jgen_str(j, l->v[i]);
	oc_out_json_array_close(j);
}

static void json_agent(struct oc_jgen *j, const struct oc_agent *ag)
{
	oc_out_json_map_open(j);
	oc_jgen_kv_str(j, "id", ag->id);
	oc_jgen_kv_str(j, "name", ag->name);
	oc_jgen_kv_str(j, "description", ag->description);
	oc_jgen_kv_str(j, "auth_method", ag->auth_method);
	if (ag->is_active_known)
		oc_jgen_kv_bool(j, "is_active", ag->is_active);
	else
		oc_jgen_kv_null(j, "is_active");
	json_strs(j, "vault_ids", &ag->vault_ids);
	json_strs(j, "scopes", &ag->scopes);
	if (ag->token_ttl_seconds > 0)
		oc_jgen_kv_int(j, "token_ttl_seconds", ag->token_ttl_seconds);
	else
		oc_jgen_kv_null(j, "token_ttl_seconds");
	if (ag->expires_at[0])
		oc_jgen_kv_str(j, "expires_at", ag->expires_at);
	else
		oc_jgen_kv_null(j, "expires_at");
	oc_jgen_kv_str(j, "created_at", ag->created_at);
	oc_out_json_map_close(j);
}

static const char *active_word(const struct oc_agent *ag)
{
	if (!ag->is_active_known)
		return "?";
	return ag->is_active ? "yes" : "no";
}

static void text_strs(const char *label, const struct oc_api_strs *l,
		      const char *none)
{
	char s[OC_API_GLOB_MAX + 1];
	size_t i;

	printf("%-12s ", label);
	if (l->n == 0)
		printf("%s", none);
	for (i = 0; i < l->n; i++)
		printf("%s%s", i ? ", " : "",
		       oc_out_safe(l->v[i], s, sizeof(s)));
	putchar('\n');
}

static void text_agent(const struct oc_agent *ag)
{
	char s[OC_WIRE_DESCRIPTION_MAX + 1];

	printf("id:          %s\n", ag->id);
	printf("name:        %s\n", oc_out_safe(ag->name, s, sizeof(s)));
	if (ag->description[0])
		printf("description: %s\n",
		       oc_out_safe(ag->description, s, sizeof(s)));
	printf("active:      %s\n", active_word(ag));
	text_strs("vaults:", &ag->vault_ids, "all (not bound)");
	text_strs("scopes:", &ag->scopes, "none (the policies decide)");
	if (ag->token_ttl_seconds > 0)
		printf("token ttl:   %lld s\n",
		       (long long)ag->token_ttl_seconds);
	if (ag->expires_at[0])
		printf("expires:     %s\n",
		       oc_out_safe(ag->expires_at, s, sizeof(s)));
	if (ag->created_at[0])
		printf("created:     %s\n",
		       oc_out_safe(ag->created_at, s, sizeof(s)));
}

static int print_agent(struct oc_tool *t, const struct oc_agent *ag)
{
	struct oc_out_json o;

	if (!t->json) {
		text_agent(ag);
		return 0;
	}
	if (oc_out_json_open(&o, false))
		return OC_EXIT_FAIL;
	json_agent(&o.j, ag);
	return oc_out_json_close(&o) ? OC_EXIT_FAIL : 0;
}

/* The new key: into the new 0600 file out (fd, which this closes), else
 * on stdout; with --json in the document {"agent", "api_key" |
 * "key_file"}. */
static int emit_key(struct oc_tool *t, const char *cmd, const char *out, int fd,
		    const struct oc_agent *ag, const char *key)
{
	size_t n = strlen(key);
	struct oc_out_json o;
	char *line;
	int rc;

	line = oc_secure_alloc(n + 2);
	if (!line) {
		if (out) {
			close(fd);
			unlink(out);
		}
		oc_tool_err("%s: out of memory (the agent %s has a key nobody "
			    "holds: run `oneclaw-tool agent rotate-key %s`)",
			    cmd, ag->id, ag->id);
		return OC_EXIT_FAIL;
	}
	memcpy(line, key, n);
	line[n] = '\n';
	if (out && oc_newfile_finish(fd, line, n + 1) != 0) {
		oc_tool_err("%s: cannot write %s: %s (the agent %s has a key "
			    "nobody holds: run `oneclaw-tool agent rotate-key "
			    "%s --out FILE`)",
			    cmd, out, strerror(errno), ag->id, ag->id);
		unlink(out);
		oc_secure_free(line);
		return OC_EXIT_FAIL;
	}
	if (t->json) {
		rc = oc_out_json_open(&o, true);
		if (!rc) {
			oc_out_json_map_open(&o.j);
			oc_out_json_key(&o.j, "agent");
			json_agent(&o.j, ag);
			if (out)
				oc_jgen_kv_str(&o.j, "key_file", out);
			else
				oc_jgen_kv_str(&o.j, "api_key", key);
			oc_out_json_map_close(&o.j);
			rc = oc_out_json_close(&o);
		}
	} else if (out) {
		rc = printf("%s\n", ag->id) < 0 ? OC_ERR_IO : 0;
	} else {
		rc = oc_out_write(line, n + 1);
	}
	oc_secure_free(line);
	if (rc) {
		if (out)
			oc_tool_err("%s: cannot write the output (the key is "
				    "in %s)",
				    cmd, out);
		else
			oc_tool_err("%s: cannot write the output (the key is "
				    "lost: run `oneclaw-tool agent rotate-key "
				    "%s`)",
				    cmd, ag->id);
		return OC_EXIT_FAIL;
	}
	if (!t->json && !t->quiet && !out)
		fprintf(stderr, "agent id: %s (the key above is shown once)\n",
			ag->id);
	return 0;
}

/* Whether a failed create or rotate-key may still have been done: the
 * answer was lost or unusable after the server acted, so that a key was
 * made that nobody holds (and a rotated agent's old key has ended). */
static bool maybe_done(int rc)
{
	return rc == OC_ERR_NET || rc == OC_ERR_SERVER;
}

/* --out is made before the key is: a name that cannot be created (there
 * already, in a directory missing or not writable) leaves no key nobody
 * holds.  *fd: the new empty file, -1 without --out. */
static int out_open(const char *cmd, const char *out, int *fd)
{
	*fd = -1;
	if (!out)
		return 0;
	*fd = oc_newfile_open(AT_FDCWD, out);
	if (*fd >= 0)
		return 0;
	if (errno == EEXIST)
		oc_tool_err("%s: --out %s exists: a key file is never "
			    "overwritten",
			    cmd, out);
	else
		oc_tool_err("%s: cannot create --out %s: %s", cmd, out,
			    strerror(errno));
	return OC_EXIT_FAIL;
}

/* An --out file the key never reached (no key was made): removed. */
static void out_drop(const char *out, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	unlink(out);
}

/* --- finding an agent -------------------------------------------------- */

int oc_tool_agent(struct oc_tool *t, const char *arg, struct oc_agent *out,
		  struct oc_api **api)
{
	struct oc_agent *list = NULL, ag;
	size_t n = 0, i, hits = 0, hit = 0;
	struct oc_api *a;
	char safe[300];
	int rc;

	oc_out_safe(arg, safe, sizeof(safe));
	if (!*arg || strlen(arg) > OC_WIRE_NAME_MAX) {
		oc_tool_err("unknown agent '%s'", safe);
		return OC_EXIT_FAIL;
	}
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	if (api)
		*api = a;
	if (oc_api_id_ok(arg)) {
		rc = oc_api_agent_get(a, arg, out);
		if (rc == 0)
			return 0;
		if (rc != OC_ERR_NOT_FOUND && rc != OC_ERR_BAD_REQUEST)
			return oc_tool_fail(t, rc, "agent %s", safe);
	}
	/* Not an id: a name, which only the list tells. */
	rc = oc_api_agent_list(a, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "agent %s: listing agents", safe);
	for (i = 0; i < n; i++) {
		/* A clipped name is only the start of the agent's own. */
		if (!list[i].name_clipped && strcmp(list[i].name, arg) == 0) {
			hits++;
			hit = i;
		}
	}
	if (hits == 1) {
		ag = list[hit];
		memset(&list[hit], 0, sizeof(list[hit]));
		*out = ag;
	}
	oc_agent_list_free(list, n);
	if (hits == 1)
		return 0;
	if (hits > 1)
		oc_tool_err("agent name '%s' is ambiguous: use the agent id",
			    safe);
	else
		oc_tool_err("unknown agent '%s' (no agent with that id or name "
			    "at %s)",
			    safe, t->api_url);
	return OC_EXIT_FAIL;
}

/* --- the subcommands ---------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= OC_WIRE_NAME_MAX &&
	       oc_wire_utf8((const uint8_t *)s, n,
			    OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL);
}

static int agent_create(struct oc_tool *t, int argc, char **argv)
{
	struct create_args ca = {.cmd = "agent create"};
	struct oc_agent_new in = {0};
	const char **vault_ids = NULL;
	struct oc_agent ag = {0};
	struct oc_vault *v = NULL;
	struct oc_api *a;
	char *key = NULL, safe[300];
	size_t i, j, n_ids = 0;
	int r, fd = -1, rc = OC_EXIT_FAIL;
	bool done;

	/* No option repeats more often than there are arguments. */
	ca.vaults = calloc((size_t)argc, sizeof(*ca.vaults));
	ca.scopes = calloc((size_t)argc, sizeof(*ca.scopes));
	vault_ids = calloc((size_t)argc, sizeof(*vault_ids));
	v = calloc((size_t)argc, sizeof(*v));
	if (!ca.vaults || !ca.scopes || !vault_ids || !v) {
		oc_tool_err("agent create: out of memory");
		goto out;
	}
	r = oc_tool_getopt_n(t, ca.cmd, agent_usage, argc, argv, create_opts,
			     create_opt, &ca, 1, "exactly one NAME");
	if (r < 0) {
		rc = oc_tool_getopt_exit(r);
		goto out;
	}
	if (!name_ok(argv[r])) {
		rc = oc_tool_usage(ca.cmd,
				   "an agent name is 1 to %d bytes of UTF-8 "
				   "without control characters",
				   OC_WIRE_NAME_MAX);
		goto out;
	}
	rc = out_open(ca.cmd, ca.out, &fd);
	if (rc)
		goto out;
	for (i = 0; i < ca.n_vaults; i++) {
		rc = oc_tool_vault(t, ca.vaults[i], &v[n_ids], NULL);
		if (rc)
			goto out;
		/* A vault named twice (by id and by name) is bound once. */
		for (j = 0; j < n_ids; j++)
			if (strcmp(vault_ids[j], v[n_ids].id) == 0)
				break;
		if (j == n_ids) {
			vault_ids[n_ids] = v[n_ids].id;
			n_ids++;
		}
	}
	rc = oc_tool_api(t, &a);
	if (rc)
		goto out;
	in.name = argv[r];
	in.description = ca.description;
	in.vault_ids = vault_ids;
	in.n_vault_ids = n_ids;
	in.scopes = ca.scopes;
	in.n_scopes = ca.n_scopes;
	in.token_ttl_seconds = ca.token_ttl;
	in.expires_at = ca.expires_at;
	rc = oc_api_agent_create(a, &in, &ag, &key);
	if (rc) {
		done = maybe_done(rc);
		rc = oc_tool_fail(t, rc, "creating agent '%s'",
				  oc_out_safe(argv[r], safe, sizeof(safe)));
		if (done)
			oc_tool_err("agent create: the agent may have been "
				    "created with a key nobody holds: see "
				    "`oneclaw-tool agent list`, then rm it or "
				    "rotate-key it");
		goto out;
	}
	oc_debug(OC_LOG_TOOL, "agent %s created", ag.id);
	rc = emit_key(t, ca.cmd, ca.out, fd, &ag, key);
	fd = -1;
out:
	out_drop(ca.out, fd);
	oc_secure_free(key);
	oc_agent_clear(&ag);
	free(v);
	free(vault_ids);
	free(ca.scopes);
	free(ca.vaults);
	return rc;
}

static int out_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	const char **out = ctx;

	if (c != OPT_OUT)
		return OC_EXIT_USAGE;
	if (!*arg)
		return oc_tool_usage("agent rotate-key",
				     "--out wants a file name");
	*out = arg;
	return 0;
}

static int agent_rotate_key(struct oc_tool *t, int argc, char **argv)
{
	struct oc_agent ag = {0}, rotated = {0};
	const char *out = NULL;
	struct oc_api *a;
	char *key = NULL;
	bool done;
	int r, fd, rc;

	r = oc_tool_getopt_n(t, "agent rotate-key", agent_usage, argc, argv,
			     rotate_opts, out_opt, &out, 1,
			     "exactly one AGENT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (out_open("agent rotate-key", out, &fd))
		return OC_EXIT_FAIL;
	rc = oc_tool_agent(t, argv[r], &ag, &a);
	if (rc)
		goto out;
	rc = oc_api_agent_rotate_key(a, ag.id, &rotated, &key);
	if (rc) {
		done = maybe_done(rc);
		rc = oc_tool_fail(t, rc, "rotating the key of agent %s", ag.id);
		if (done)
			oc_tool_err("agent rotate-key: the key of agent %s may "
				    "have been rotated (the old key would no "
				    "longer work): run `oneclaw-tool agent "
				    "rotate-key %s` again to get a key",
				    ag.id, ag.id);
		goto out;
	}
	/* The answer may carry only the key: show the agent as read. */
	rc = emit_key(t, "agent rotate-key", out, fd,
		      rotated.name[0] ? &rotated : &ag, key);
	fd = -1;
out:
	out_drop(out, fd);
	oc_secure_free(key);
	oc_agent_clear(&rotated);
	oc_agent_clear(&ag);
	return rc;
}

static int agent_list(struct oc_tool *t, int argc, char **argv)
{
	struct oc_agent *list = NULL;
	struct oc_out_json o;
	struct oc_api *a;
	char s[300], vaults[32];
	size_t n = 0, i;
	int r, rc;

	r = oc_tool_getopt(t, "agent list", agent_usage, argc, argv, NULL, NULL,
			   NULL);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (r < argc)
		return oc_tool_usage("agent list", "unexpected argument '%s'",
				     oc_out_safe(argv[r], s, sizeof(s)));
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	rc = oc_api_agent_list(a, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "listing agents at %s", t->api_url);
	if (t->json) {
		rc = oc_out_json_open(&o, false);
		if (!rc) {
			oc_out_json_array_open(&o.j);
			for (i = 0; i < n; i++)
				json_agent(&o.j, &list[i]);
			oc_out_json_array_close(&o.j);
			rc = oc_out_json_close(&o);
		}
		rc = rc ? OC_EXIT_FAIL : 0;
	} else {
		printf("%-36s  %-6s  %-6s  %s\n", "ID", "ACTIVE", "VAULTS",
		       "NAME");
		for (i = 0; i < n; i++) {
			if (list[i].vault_ids.n)
				snprintf(vaults, sizeof(vaults), "%zu",
					 list[i].vault_ids.n);
			else
				snprintf(vaults, sizeof(vaults), "all");
			printf("%-36s  %-6s  %-6s  %s\n", list[i].id,
			       active_word(&list[i]), vaults,
			       oc_out_safe(list[i].name, s, sizeof(s)));
		}
	}
	oc_agent_list_free(list, n);
	return rc;
}

static int agent_get(struct oc_tool *t, int argc, char **argv)
{
	struct oc_agent ag = {0};
	int r, rc;

	r = oc_tool_getopt_n(t, "agent get", agent_usage, argc, argv, NULL,
			     NULL, NULL, 1, "exactly one AGENT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_agent(t, argv[r], &ag, NULL);
	if (!rc)
		rc = print_agent(t, &ag);
	oc_agent_clear(&ag);
	return rc;
}

static int agent_deactivate(struct oc_tool *t, int argc, char **argv)
{
	struct oc_agent ag = {0}, done = {0};
	struct oc_api *a;
	int r, rc;

	r = oc_tool_getopt_n(t, "agent deactivate", agent_usage, argc, argv,
			     NULL, NULL, NULL, 1, "exactly one AGENT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_agent(t, argv[r], &ag, &a);
	if (rc)
		return rc;
	rc = oc_api_agent_set_active(a, ag.id, false, &done);
	if (rc) {
		rc = oc_tool_fail(t, rc, "deactivating agent %s", ag.id);
	} else if (done.is_active_known && done.is_active) {
		oc_tool_err("deactivating agent %s: the server answered that "
			    "it is still active",
			    ag.id);
		rc = OC_EXIT_FAIL;
	} else if (t->json) {
		rc = print_agent(t, done.name[0] ? &done : &ag);
	} else if (!t->quiet) {
		fprintf(stderr,
			"agent %s deactivated: its keys and tokens no "
			"longer work\n",
			ag.id);
	}
	oc_agent_clear(&done);
	oc_agent_clear(&ag);
	return rc;
}

static int agent_rm(struct oc_tool *t, int argc, char **argv)
{
	struct oc_agent ag = {0};
	struct oc_out_json o;
	struct oc_api *a;
	int r, rc;

	r = oc_tool_getopt_n(t, "agent rm", agent_usage, argc, argv, NULL, NULL,
			     NULL, 1, "exactly one AGENT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_agent(t, argv[r], &ag, &a);
	if (rc)
		return rc;
	rc = oc_api_agent_delete(a, ag.id);
	if (rc) {
		rc = oc_tool_fail(t, rc, "removing agent %s", ag.id);
	} else if (t->json) {
		rc = oc_out_json_open(&o, false);
		if (!rc) {
			oc_out_json_map_open(&o.j);
			oc_jgen_kv_str(&o.j, "id", ag.id);
			oc_jgen_kv_bool(&o.j, "deleted", true);
			oc_out_json_map_close(&o.j);
			rc = oc_out_json_close(&o);
		}
		rc = rc ? OC_EXIT_FAIL : 0;
	} else if (!t->quiet) {
		fprintf(stderr, "agent %s removed\n", ag.id);
	}
	oc_agent_clear(&ag);
	return rc;
}

int oc_cmd_agents(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"create", agent_create},
	    {"list", agent_list},
	    {"get", agent_get},
	    {"rotate-key", agent_rotate_key},
	    {"deactivate", agent_deactivate},
	    {"rm", agent_rm},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(
	    t, "agent", agent_usage,
	    "create, list, get, rotate-key, deactivate or rm?", subs, argc,
	    argv);
}
