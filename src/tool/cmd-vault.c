/* cmd-vault.c - listing, showing and creating vaults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-vault.h"

#include "api.h"
#include "err.h"
#include "output.h"

static const char vault_usage[] =
    "Usage: oneclaw-tool vault list\n"
    "       oneclaw-tool vault get VAULT\n"
    "       oneclaw-tool vault create NAME [--description TEXT]\n"
    "\n"
    "VAULT is a vault id or name.  --json prints the vault objects.\n";

enum { OPT_DESCRIPTION = OC_OPT_CMD_BASE };

static const struct option create_opts[] = {
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {NULL, 0, NULL, 0},
};

static int create_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	const char **desc = ctx;

	if (c != OPT_DESCRIPTION)
		return OC_EXIT_USAGE;
	*desc = arg;
	return 0;
}

static int vault_list(struct oc_tool *t, int argc, char **argv)
{
	struct oc_vault *v = NULL;
	struct oc_api *a;
	struct oc_out_json o;
	size_t n = 0, i;
	int r, rc;

	r = oc_tool_getopt(t, "vault list", vault_usage, argc, argv, NULL, NULL,
			   NULL);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (r < argc)
		return oc_tool_usage("vault list", "unexpected argument '%s'",
				     argv[r]);
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	rc = oc_api_vault_list(a, &v, &n);
	if (rc)
		return oc_tool_fail(t, rc, "listing vaults at %s", t->api_url);
	if (!t->json) {
		oc_out_vault_table(v, n);
	} else if (oc_out_json_open(&o, false) == 0) {
		oc_out_json_array_open(&o.j);
		for (i = 0; i < n; i++)
			oc_out_json_vault(&o.j, &v[i]);
		oc_out_json_array_close(&o.j);
		if (oc_out_json_close(&o))
			rc = OC_EXIT_FAIL;
	} else {
		rc = OC_EXIT_FAIL;
	}
	free(v);
	return rc;
}

static int vault_get(struct oc_tool *t, int argc, char **argv)
{
	struct oc_vault v;
	int r, rc;

	r = oc_tool_getopt_n(t, "vault get", vault_usage, argc, argv, NULL,
			     NULL, NULL, 1, "exactly one VAULT");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_tool_vault(t, argv[r], &v, NULL);
	if (rc)
		return rc;
	return oc_out_vault(&v, t->json) ? OC_EXIT_FAIL : 0;
}

static int vault_create(struct oc_tool *t, int argc, char **argv)
{
	const char *desc = NULL;
	struct oc_api *a;
	struct oc_vault v;
	char safe[300];
	int r, rc;

	r = oc_tool_getopt_n(t, "vault create", vault_usage, argc, argv,
			     create_opts, create_opt, &desc, 1,
			     "exactly one NAME");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!*argv[r] || strlen(argv[r]) > OC_WIRE_NAME_MAX)
		return oc_tool_usage("vault create",
				     "a vault name is 1 to %d bytes",
				     OC_WIRE_NAME_MAX);
	if (desc && strlen(desc) > OC_WIRE_NAME_MAX)
		return oc_tool_usage("vault create",
				     "a description is at most %d bytes",
				     OC_WIRE_NAME_MAX);
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	rc = oc_api_vault_create(a, argv[r], desc, &v);
	if (rc)
		return oc_tool_fail(t, rc, "creating vault '%s'",
				    oc_out_safe(argv[r], safe, sizeof(safe)));
	if (!t->json) {
		printf("%s\n", v.id);
		return 0;
	}
	return oc_out_vault(&v, t->json) ? OC_EXIT_FAIL : 0;
}

int oc_cmd_vault(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"list", vault_list},
	    {"get", vault_get},
	    {"create", vault_create},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(t, "vault", vault_usage, "list, get or create?",
				subs, argc, argv);
}
