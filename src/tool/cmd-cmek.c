/* cmd-cmek.c - turning customer-managed encryption on and off, showing its
 * state, and rotating the key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-cmek.h"

#include "api.h"
#include "err.h"
#include "jobstate.h"
#include "keyarg.h"
#include "log.h"
#include "output.h"
#include "par.h"
#include "rotate.h"

static const char cmek_usage[] =
    "Usage: oneclaw-tool cmek status VAULT [--key KEY]\n"
    "       oneclaw-tool cmek enable VAULT --key KEY [--force]\n"
    "       oneclaw-tool cmek disable VAULT\n"
    "       oneclaw-tool cmek rotate VAULT --old KEY --new KEY\n"
    "                                 --mode server|client [--jobs N]\n"
    "\n"
    "enable sends only the key's fingerprint.  It refuses when CMEK is\n"
    "already on with another key unless --force (secrets sealed with\n"
    "the other key then need 'cmek rotate').\n"
    "disable: secrets already sealed stay sealed and still need the key.\n"
    "rotate --mode server sends both keys to the server (headers\n"
    "x-cmek-old-key / x-cmek-new-key), once, and follows its job (or the\n"
    "one already running for the vault, when its id is known here);\n"
    "--mode client never sends a key: each secret is opened, re-sealed\n"
    "and written back here with all its attributes (with N parallel\n"
    "requests, default 4).  Either mode can be resumed by running the\n"
    "same command again, and ends by checking that every CMEK secret\n"
    "opens with the new key, without reading access-limited ones.\n"
    "status also shows a rotation job started from this machine that\n"
    "has not been seen to end.\n";

enum {
	OPT_KEY = OC_OPT_CMD_BASE,
	OPT_FORCE,
	OPT_OLD,
	OPT_NEW,
	OPT_MODE,
	OPT_JOBS,
};

struct cmek_args {
	const char *key;
	const char *old_key;
	const char *new_key;
	const char *mode;
	unsigned jobs;
	bool force;
};

static const struct option status_opts[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {NULL, 0, NULL, 0},
};

static const struct option enable_opts[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {"force", no_argument, NULL, OPT_FORCE},
    {NULL, 0, NULL, 0},
};

static const struct option rotate_opts[] = {
    {"old", required_argument, NULL, OPT_OLD},
    {"new", required_argument, NULL, OPT_NEW},
    {"mode", required_argument, NULL, OPT_MODE},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {NULL, 0, NULL, 0},
};

static int cmek_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	struct cmek_args *a = ctx;

	switch (c) {
	case OPT_KEY:
		a->key = arg;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_OLD:
		a->old_key = arg;
		return 0;
	case OPT_NEW:
		a->new_key = arg;
		return 0;
	case OPT_MODE:
		a->mode = arg;
		return 0;
	case OPT_JOBS:
		return oc_tool_parse_uint("cmek rotate", "--jobs", arg, 1,
					  OC_PAR_MAX_JOBS, &a->jobs);
	default:
		return OC_EXIT_USAGE;
	}
}

/* Parses, requiring exactly one VAULT operand; returns its index or a
 * negative exit code (OC_TOOL_HELP_DONE after --help). */
static int parse(struct oc_tool *t, const char *cmd, int argc, char **argv,
		 const struct option *opts, struct cmek_args *a)
{
	memset(a, 0, sizeof(*a));
	a->jobs = OC_PAR_DEFAULT_JOBS;
	return oc_tool_getopt_n(t, cmd, cmek_usage, argc, argv, opts, cmek_opt,
				a, 1, "exactly one VAULT");
}

static int print_vault(struct oc_tool *t, const struct oc_vault *v,
		       const char *note)
{
	int rc = oc_out_vault(v, t->json);

	if (!t->json && note && !t->quiet)
		fprintf(stderr, "note: %s\n", note);
	return rc ? OC_EXIT_FAIL : 0;
}

/* The rotation job recorded here for vault (jobstate.h), as the server
 * now reports it: *known false when there is no record. */
static void recorded_job(struct oc_api *a, const char *vault_id,
			 struct oc_rotation_job *job, bool *known, int *rc)
{
	struct oc_jobstate js;

	*known = oc_jobstate_load(vault_id, &js) == 0;
	if (!*known)
		return;
	*rc = oc_api_cmek_job(a, vault_id, js.job_id, job);
	if (*rc) {
		memset(job, 0, sizeof(*job));
		snprintf(job->id, sizeof(job->id), "%s", js.job_id);
	}
}

static const char *job_state(const struct oc_rotation_job *job, int rc)
{
	if (rc == OC_ERR_NOT_FOUND)
		return "unknown to the server";
	if (rc)
		return "its state could not be read";
	return oc_job_status_name(job->status);
}

static int cmek_status(struct oc_tool *t, int argc, char **argv)
{
	struct cmek_args args;
	struct oc_secret_meta *list = NULL;
	struct oc_api *a;
	struct oc_vault v;
	struct oc_out_json o;
	struct oc_rotation_job job;
	char khex[OC_CMEK_FPR_HEX_LEN + 1] = "", safe[300];
	size_t n = 0, i, sealed = 0, current = 0, other = 0, unknown = 0;
	bool has_job = false;
	int r, rc, job_rc = 0;

	r = parse(t, "cmek status", argc, argv, status_opts, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (args.key) {
		rc = oc_keyarg_fingerprint(t, args.key, "--key", khex);
		if (rc)
			return rc;
	}
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	rc = oc_api_secret_list(a, v.id, NULL, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: listing secrets", v.id);
	for (i = 0; i < n; i++) {
		if (!list[i].cmek_known) {
			unknown++;
			continue;
		}
		if (!list[i].cmek_encrypted)
			continue;
		sealed++;
		if (v.cmek_fingerprint[0] &&
		    strcmp(list[i].cmek_fingerprint, v.cmek_fingerprint) == 0)
			current++;
		else
			other++;
	}
	oc_secret_meta_list_free(list, n);
	recorded_job(a, v.id, &job, &has_job, &job_rc);
	if (t->json) {
		if (oc_out_json_open(&o, false))
			return OC_EXIT_FAIL;
		oc_out_json_map_open(&o.j);
		oc_out_json_key(&o.j, "vault");
		oc_out_json_vault(&o.j, &v);
		oc_jgen_kv_int(&o.j, "secrets", (int64_t)n);
		oc_jgen_kv_int(&o.j, "cmek_sealed", (int64_t)sealed);
		oc_jgen_kv_int(&o.j, "current_key", (int64_t)current);
		oc_jgen_kv_int(&o.j, "other_key", (int64_t)other);
		oc_jgen_kv_int(&o.j, "unknown", (int64_t)unknown);
		if (khex[0]) {
			oc_jgen_kv_str(&o.j, "key_fingerprint", khex);
			oc_jgen_kv_bool(&o.j, "key_matches",
					strcmp(khex, v.cmek_fingerprint) == 0);
		}
		if (has_job) {
			oc_out_json_key(&o.j, "rotation_job");
			oc_out_json_map_open(&o.j);
			oc_jgen_kv_str(&o.j, "id", job.id);
			oc_jgen_kv_str(&o.j, "status", job_state(&job, job_rc));
			oc_jgen_kv_int(&o.j, "processed", job.processed);
			oc_jgen_kv_int(&o.j, "total_secrets",
				       job.total_secrets);
			oc_out_json_map_close(&o.j);
		}
		oc_out_json_map_close(&o.j);
		return oc_out_json_close(&o) ? OC_EXIT_FAIL : 0;
	}
	oc_out_vault_text(&v);
	printf("secrets:     %zu, %zu CMEK-sealed (%zu recorded with the "
	       "current key, %zu with another)%s\n",
	       n, sealed, current, other,
	       unknown ? " (the server does not say for some)" : "");
	if (khex[0])
		printf("your key:    %s (%s)\n", khex,
		       strcmp(khex, v.cmek_fingerprint) == 0
			   ? "matches the vault"
			   : "does NOT match the vault");
	if (has_job && !job_rc)
		printf("rotation:    job %s, started from here: %s, %lld of "
		       "%lld secrets\n",
		       oc_out_safe(job.id, safe, sizeof(safe)),
		       job_state(&job, job_rc), (long long)job.processed,
		       (long long)job.total_secrets);
	else if (has_job)
		printf("rotation:    job %s, started from here: %s\n",
		       oc_out_safe(job.id, safe, sizeof(safe)),
		       job_state(&job, job_rc));
	return 0;
}

static int cmek_enable(struct oc_tool *t, int argc, char **argv)
{
	struct cmek_args args;
	struct oc_api *a;
	struct oc_vault v, out;
	char hex[OC_CMEK_FPR_HEX_LEN + 1];
	int r, rc;

	r = parse(t, "cmek enable", argc, argv, enable_opts, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!args.key)
		return oc_tool_usage("cmek enable", "--key KEY is required");
	rc = oc_keyarg_fingerprint(t, args.key, "--key", hex);
	if (rc)
		return rc;
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	if (v.cmek_enabled && strcmp(v.cmek_fingerprint, hex) == 0)
		return print_vault(t, &v, "CMEK was already on with this key");
	if (v.cmek_enabled && !args.force) {
		oc_tool_err("vault %s already has CMEK on with key %s, not "
			    "with this key (%s).  Secrets sealed with that key "
			    "would no longer match: use 'cmek rotate', or "
			    "--force to record this key anyway",
			    v.id,
			    v.cmek_fingerprint[0] ? v.cmek_fingerprint
						  : "(unknown)",
			    hex);
		return OC_EXIT_FAIL;
	}
	rc = oc_api_cmek_enable(a, v.id, hex, &out);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: enabling CMEK", v.id);
	oc_debug(OC_LOG_TOOL, "CMEK on for %s with %s", v.id, hex);
	return print_vault(t, &out,
			   "new secret values are now sealed on the client; "
			   "keep the key safe: without it they are lost");
}

static int cmek_disable(struct oc_tool *t, int argc, char **argv)
{
	struct cmek_args args;
	struct oc_api *a;
	struct oc_vault v, out;
	int r, rc;

	r = parse(t, "cmek disable", argc, argv, NULL, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	if (!v.cmek_enabled)
		return print_vault(t, &v, "CMEK was already off");
	rc = oc_api_cmek_disable(a, v.id, &out);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: disabling CMEK", v.id);
	return print_vault(t, &out,
			   "secrets already sealed stay sealed and still "
			   "need the key to be read");
}

static int cmek_rotate(struct oc_tool *t, int argc, char **argv)
{
	struct cmek_args args;
	struct oc_rotate_opts o;
	struct oc_rotate_stats st;
	char old_hex[OC_CMEK_FPR_HEX_LEN + 1], new_hex[OC_CMEK_FPR_HEX_LEN + 1];
	int r, rc = OC_EXIT_FAIL;

	memset(&o, 0, sizeof(o));
	r = parse(t, "cmek rotate", argc, argv, rotate_opts, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!args.old_key || !args.new_key)
		return oc_tool_usage("cmek rotate",
				     "--old KEY and --new KEY are required");
	if (!args.mode)
		return oc_tool_usage("cmek rotate",
				     "--mode server or --mode client is "
				     "required");
	if (strcmp(args.mode, "server") == 0)
		o.server = true;
	else if (strcmp(args.mode, "client") != 0)
		return oc_tool_usage("cmek rotate",
				     "--mode is server or client");
	o.jobs = args.jobs;
	rc = oc_keyarg_load(t, args.old_key, "--old", &o.old_key);
	if (rc)
		goto out;
	rc = oc_keyarg_load(t, args.new_key, "--new", &o.new_key);
	if (rc)
		goto out;
	oc_keyarg_fpr_hex(o.old_key, old_hex);
	oc_keyarg_fpr_hex(o.new_key, new_hex);
	rc = OC_EXIT_FAIL;
	if (strcmp(old_hex, new_hex) == 0) {
		oc_tool_err("--old and --new are the same key (%s)", old_hex);
		goto out;
	}
	if (o.server && (oc_cmek_key_is_delegated(o.old_key) ||
			 oc_cmek_key_is_delegated(o.new_key))) {
		oc_tool_err("--mode server needs both raw keys, and a pkcs11: "
			    "key never leaves its token: use --mode client");
		goto out;
	}
	rc = oc_tool_vault(t, argv[r], &o.vault, NULL);
	if (rc)
		goto out;
	rc = OC_EXIT_FAIL;
	if (!o.vault.cmek_enabled) {
		oc_tool_err("vault %s has CMEK off: there is no key to rotate "
			    "(turn it on with 'cmek enable')",
			    o.vault.id);
		goto out;
	}
	if (strcmp(o.vault.cmek_fingerprint, old_hex) != 0 &&
	    strcmp(o.vault.cmek_fingerprint, new_hex) != 0) {
		oc_tool_err("--old key %s is not the CMEK key of vault %s "
			    "(%s); nothing was changed",
			    old_hex, o.vault.id,
			    o.vault.cmek_fingerprint[0]
				? o.vault.cmek_fingerprint
				: "unknown");
		goto out;
	}
	oc_debug(OC_LOG_TOOL, "rotating %s from %s to %s (%s mode)", o.vault.id,
		 old_hex, new_hex, args.mode);
	rc = oc_rotate_run(t, &o, &st);
	if (rc == 0)
		rc = oc_rotate_summary(t, &o, &st);
	oc_rotate_stats_free(&st);
out:
	oc_cmek_key_free(o.old_key);
	oc_cmek_key_free(o.new_key);
	return rc;
}

int oc_cmd_cmek(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"status", cmek_status},
	    {"enable", cmek_enable},
	    {"disable", cmek_disable},
	    {"rotate", cmek_rotate},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(t, "cmek", cmek_usage,
				"status, enable, disable or rotate?", subs,
				argc, argv);
}
