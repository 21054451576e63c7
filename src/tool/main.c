/* main.c - oneclaw-tool: global options, command dispatch, exit codes and
 * self-hardening.
 *
 * Exit status: 0 success, 1 failure, 2 usage.  The process makes itself
 * non-dumpable and disables core files before it touches any key. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "main.h"

#include "api.h"
#include "cmd-agent.h"
#include "cmd-agents.h"
#include "cmd-cmek.h"
#include "cmd-key.h"
#include "cmd-policy.h"
#include "cmd-seal.h"
#include "cmd-secret.h"
#include "cmd-vault.h"
#include "codec.h"
#include "conf.h"
#include "dpop.h"
#include "err.h"
#include "keyarg.h"
#include "log.h"
#include "output.h"
#include "rfc3339.h"
#include "sealkey.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

volatile sig_atomic_t oc_tool_interrupted;

static const char usage_text[] =
    "Usage: oneclaw-tool [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "CMEK keys:\n"
    "  keygen [--out FILE]                 make a new 32-byte CMEK key\n"
    "  fingerprint KEY                     print a key's SHA-256 fingerprint\n"
    "  key seal --to URI|--to-pubkey FILE [...] [--oaep-hash H] KEY\n"
    "                                      seal a key to keys in tokens\n"
    "  key unseal [--with URI] SEALED      open a sealed key file\n"
    "Vaults:\n"
    "  vault list | get VAULT | create NAME [--description D]\n"
    "CMEK (customer-managed encryption):\n"
    "  cmek status VAULT [--key KEY]\n"
    "  cmek enable VAULT --key KEY [--force]\n"
    "  cmek disable VAULT\n"
    "  cmek rotate VAULT --old KEY --new KEY --mode server|client "
    "[--jobs N]\n"
    "Secrets:\n"
    "  secret put VAULT PATH [--type T] [--file F] [--key KEY]\n"
    "  secret get VAULT PATH [--key KEY]\n"
    "  secret list VAULT [--prefix P]\n"
    "  secret rm VAULT PATH\n"
    "  secret import VAULT [--file F] [--key KEY] [--jobs N]\n"
    "  secret export VAULT [--prefix P] [--key KEY] [--jobs N]\n"
    "Agents and access policies:\n"
    "  agent create NAME [--vault VAULT]... [--scope GLOB]...\n"
    "        [--description TEXT] [--token-ttl SECONDS]\n"
    "        [--expires-at RFC3339] [--out FILE]\n"
    "                                      a new agent and its ocv_ key\n"
    "  agent list | get AGENT | deactivate AGENT | rm AGENT\n"
    "  agent rotate-key AGENT [--out FILE] a new key; the old one ends\n"
    "  policy add VAULT --path GLOB (--agent AGENT | --user USER_ID)\n"
    "        --permissions read[,write] [--deny] [--priority N]\n"
    "        [--expires-at RFC3339]\n"
    "  policy list VAULT | rm VAULT POLICY_ID\n"
    "Agents (the served module, oneclaw-agent@.service):\n"
    "  agent-socket [--user] [--wait S] [--group G] NAME\n"
    "                                      print P11_KIT_SERVER_ADDRESS\n"
    "\n"
    "KEY is a key file (32 raw bytes, base64 or 64 hex, or a sealed key\n"
    "file), '-' for stdin,\n"
    "env:NAME for an environment variable, or a pkcs11: URI of an AES key\n"
    "in a token (with --pkcs11-module and --pin-file).\n"
    "VAULT is a vault id or a vault name, AGENT an agent id or name.\n"
    "\n"
    "Global options (anywhere on the line):\n"
    "  --config FILE          configuration file (as the module's)\n"
    "  --url URL              API base URL (else ONECLAW_API_URL, config)\n"
    "  --timeout SECONDS      per-request timeout\n"
    "  --pkcs11-module SO     module for pkcs11: key URIs\n"
    "  --pin-file FILE        user PIN of that token\n"
    "  --dpop-key-uri URI     bind tokens to this EC P-256 key in a token\n"
    "                         (RFC 9449 DPoP; else ONECLAW_DPOP_KEY_URI)\n"
    "  --dpop-module SO       module holding the DPoP key\n"
    "  --dpop-pin-file FILE   user PIN of the DPoP key's token\n"
    "  --json                 machine-readable output on stdout\n"
    "  -q, --quiet            no progress or notes on stderr\n"
    "  -h, --help             this help (COMMAND --help for a command)\n"
    "  --version              print the version\n"
    "\n"
    "Credentials: ONECLAW_API_KEY, ONECLAW_AGENT_API_KEY (ONECLAW_AGENT_ID),\n"
    "ONECLAW_TOKEN, or credential_file in the configuration.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static const struct option global_opts[] = {
    {"config", required_argument, NULL, OC_OPT_CONFIG},
    {"url", required_argument, NULL, OC_OPT_URL},
    {"json", no_argument, NULL, OC_OPT_JSON},
    {"timeout", required_argument, NULL, OC_OPT_TIMEOUT},
    {"pkcs11-module", required_argument, NULL, OC_OPT_P11_MODULE},
    {"pin-file", required_argument, NULL, OC_OPT_PIN_FILE},
    {"dpop-key-uri", required_argument, NULL, OC_OPT_DPOP_KEY_URI},
    {"dpop-module", required_argument, NULL, OC_OPT_DPOP_MODULE},
    {"dpop-pin-file", required_argument, NULL, OC_OPT_DPOP_PIN_FILE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OC_OPT_VERSION},
    {NULL, 0, NULL, 0},
};
#define N_GLOBAL_OPTS (sizeof(global_opts) / sizeof(global_opts[0]) - 1)

void oc_tool_err(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", OC_TOOL_NAME, msg);
}

void oc_tool_warn(const struct oc_tool *t, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: warning: %s\n", OC_TOOL_NAME, msg);
}

int oc_tool_usage(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s%s%s\n", OC_TOOL_NAME, cmd ? cmd : "",
		cmd ? ": " : "", msg);
	fprintf(stderr, "Try '%s %s%s--help'.\n", OC_TOOL_NAME, cmd ? cmd : "",
		cmd ? " " : "");
	return OC_EXIT_USAGE;
}

void oc_tool_reason(struct oc_tool *t, int rc, long status, const char *detail,
		    char *buf, size_t n)
{
	char safe[512];
	const char *what = oc_strerror(rc);

	oc_out_safe(detail ? detail : "", safe, sizeof(safe));
	if (rc == OC_ERR_NET) {
		snprintf(buf, n,
			 "cannot reach %s (connection refused or failed, or "
			 "no answer within %u s)",
			 t->api_url[0] ? t->api_url : "the API server",
			 t->conf.timeout_s);
		return;
	}
	switch (rc) {
	case OC_ERR_NOT_FOUND:
		what = "not found";
		break;
	case OC_ERR_UNAUTHORIZED:
		what = "the credential was refused";
		break;
	case OC_ERR_FORBIDDEN:
		what = "access denied";
		break;
	case OC_ERR_PAYMENT:
		what = "payment required (the account's quota is used up)";
		break;
	default:
		break;
	}
	if (status > 0 && safe[0])
		snprintf(buf, n, "%s (HTTP %ld: %s)", what, status, safe);
	else if (status > 0)
		snprintf(buf, n, "%s (HTTP %ld)", what, status);
	else
		snprintf(buf, n, "%s", what);
}

void oc_tool_last_reason(struct oc_tool *t, int rc, char *buf, size_t n)
{
	long status = 0;
	const char *detail = "";

	/* Only answers from the server carry a status and a detail. */
	if (t->api && ((rc <= OC_ERR_SERVER && rc >= OC_ERR_TOO_LARGE) ||
		       rc == OC_ERR_PAYMENT)) {
		status = oc_api_last_status(t->api);
		detail = oc_api_last_error(t->api);
	}
	oc_tool_reason(t, rc, status, detail, buf, n);
}

int oc_tool_fail(struct oc_tool *t, int rc, const char *fmt, ...)
{
	char ctx[1024], reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	oc_tool_last_reason(t, rc, reason, sizeof(reason));
	oc_tool_err("%s: %s", ctx, reason);
	return rc == OC_ERR_PAYMENT ? OC_EXIT_PAYMENT : OC_EXIT_FAIL;
}

int oc_tool_parse_uint(const char *cmd, const char *opt, const char *arg,
		       unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;

	if (oc_decimal_parse(arg, min, max, &v))
		return oc_tool_usage(cmd,
				     "%s wants a whole number from %u to %u",
				     opt, min, max);
	*out = (unsigned)v;
	return 0;
}

int oc_tool_parse_future_time(const char *cmd, const char *opt, const char *arg)
{
	int64_t t;

	/* The server's rule (rfc3339.h), and a time still to come: a past
	 * one would make a grant that never works. */
	if (oc_time_parse(arg, strlen(arg), &t) != 0 || t > OC_TIME_LAST)
		return oc_tool_usage(cmd,
				     "%s wants an RFC 3339 date-time such as "
				     "2030-01-31T12:00:00Z",
				     opt);
	if (t <= (int64_t)time(NULL))
		return oc_tool_usage(cmd, "%s is in the past", opt);
	return 0;
}

double oc_tool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Handles a global option; 1 when it was one, 0 when not, or a negative
 * exit code. */
static int global_opt(struct oc_tool *t, int c, const char *arg)
{
	unsigned v = 0;

	switch (c) {
	case OC_OPT_CONFIG:
		t->config_path = arg;
		return 1;
	case OC_OPT_URL:
		t->url = arg;
		return 1;
	case OC_OPT_JSON:
		t->json = true;
		return 1;
	case OC_OPT_TIMEOUT:
		if (oc_tool_parse_uint(NULL, "--timeout", arg, 1, 3600, &v))
			return -OC_EXIT_USAGE;
		t->timeout_s = v;
		return 1;
	case OC_OPT_P11_MODULE:
		t->p11_module = arg;
		return 1;
	case OC_OPT_PIN_FILE:
		t->pin_file = arg;
		return 1;
	case OC_OPT_DPOP_KEY_URI:
		if (strncmp(arg, "pkcs11:", 7) != 0)
			return -oc_tool_usage(NULL, "--dpop-key-uri must be "
						    "a pkcs11: URI");
		t->dpop_key_uri = arg;
		return 1;
	case OC_OPT_DPOP_MODULE:
		t->dpop_module = arg;
		return 1;
	case OC_OPT_DPOP_PIN_FILE:
		t->dpop_pin_file = arg;
		return 1;
	case 'q':
		t->quiet = true;
		return 1;
	default:
		return 0;
	}
}

int oc_tool_getopt(struct oc_tool *t, const char *cmd, const char *usage,
		   int argc, char **argv, const struct option *opts,
		   oc_tool_opt_fn fn, void *ctx)
{
	struct option all[64];
	size_t n = 0, i;
	int c, r;

	for (i = 0; opts && opts[i].name; i++) {
		if (n >= sizeof(all) / sizeof(all[0]) - N_GLOBAL_OPTS - 1)
			return -OC_EXIT_FAIL;
		all[n++] = opts[i];
	}
	for (i = 0; i < N_GLOBAL_OPTS; i++)
		all[n++] = global_opts[i];
	memset(&all[n], 0, sizeof(all[n]));

	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", all, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return OC_TOOL_HELP_DONE;
		}
		if (c == OC_OPT_VERSION) {
			printf("%s %s\n", OC_TOOL_NAME, PACKAGE_VERSION);
			return OC_TOOL_HELP_DONE;
		}
		if (c == '?')
			return -oc_tool_usage(cmd, "unknown option '%s'",
					      argv[optind - 1]);
		if (c == ':')
			return -oc_tool_usage(cmd, "option '%s' needs a value",
					      argv[optind - 1]);
		r = global_opt(t, c, optarg);
		if (r < 0)
			return r;
		if (r == 1)
			continue;
		r = fn ? fn(t, ctx, c, optarg) : OC_EXIT_USAGE;
		if (r)
			return -r;
	}
	return optind;
}

int oc_tool_getopt_n(struct oc_tool *t, const char *cmd, const char *usage,
		     int argc, char **argv, const struct option *opts,
		     oc_tool_opt_fn fn, void *ctx, int n, const char *what)
{
	int r = oc_tool_getopt(t, cmd, usage, argc, argv, opts, fn, ctx);

	if (r >= 0 && argc - r != n)
		return -oc_tool_usage(cmd, "give %s", what);
	return r;
}

int oc_tool_getopt_exit(int r)
{
	if (r == OC_TOOL_HELP_DONE)
		return OC_EXIT_OK;
	return r < 0 ? -r : OC_EXIT_FAIL;
}

int oc_tool_conf(struct oc_tool *t)
{
	char err[512] = "";
	char *url;
	int rc;

	if (t->conf_loaded)
		return 0;
	/* --config names the file the module would read; the environment
	 * still applies on top of it, exactly as for the module. */
	if (t->config_path &&
	    setenv("ONECLAW_PKCS11_CONF", t->config_path, 1) != 0) {
		oc_tool_err("cannot use --config %s", t->config_path);
		return OC_EXIT_FAIL;
	}
	rc = oc_conf_load(&t->conf, NULL, err, sizeof(err));
	if (rc) {
		oc_tool_err("configuration: %s",
			    err[0] ? err : oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	t->conf_loaded = true;
	if (t->url) {
		if (!oc_conf_url_allowed(t->url)) {
			oc_tool_err("--url %s: only https://, or http:// to a "
				    "loopback address, is allowed",
				    t->url);
			return OC_EXIT_FAIL;
		}
		url = strdup(t->url);
		if (!url) {
			oc_tool_err("out of memory");
			return OC_EXIT_FAIL;
		}
		free(t->conf.api_url);
		t->conf.api_url = url;
	}
	if (t->timeout_s) {
		t->conf.timeout_s = t->timeout_s;
		if (t->conf.connect_timeout_s > t->timeout_s)
			t->conf.connect_timeout_s = t->timeout_s;
	}
	snprintf(t->api_url, sizeof(t->api_url), "%s",
		 t->conf.api_url ? t->conf.api_url : OC_DEFAULT_API_URL);
	oc_log_configure(t->conf.debug, t->conf.debug_file);
	oc_debug(OC_LOG_TOOL, "config loaded (%s), api %s",
		 t->conf.source ? t->conf.source : "no file", t->api_url);
	return 0;
}

/* credential_file is a sealed key file: open it in its token. */
static int unseal_credential(struct oc_tool *t)
{
	const char *path = t->conf.credential_sealed;
	uint8_t *cred = NULL;
	size_t n = 0;
	int rc;

	/* The configuration's own file opens with its own unseal_module:
	 * --pkcs11-module is for the command's KEY arguments (which may be
	 * in another module, such as this project's). */
	rc = oc_keyarg_unseal(t, path, OC_SEALKEY_CREDENTIAL, NULL,
			      t->conf.unseal.module, "credential_file", &cred,
			      &n);
	if (rc)
		return rc;
	t->conf.cred_kind = oc_conf_cred_kind((const char *)cred);
	if (t->conf.cred_kind == OC_CRED_NONE) {
		oc_secure_free(cred);
		oc_tool_err("credential_file %s: the sealed credential is not "
			    "an ocv_ agent key, a 1ck_ user key or a token",
			    path);
		return OC_EXIT_FAIL;
	}
	t->conf.credential = (char *)cred;
	return 0;
}

int oc_tool_api(struct oc_tool *t, struct oc_api **out)
{
	int rc;

	if (t->api) {
		*out = t->api;
		return 0;
	}
	rc = oc_tool_conf(t);
	if (rc)
		return rc;
	if (t->conf.credential_sealed && !t->conf.credential) {
		rc = unseal_credential(t);
		if (rc)
			return rc;
	}
	if (t->conf.cred_kind == OC_CRED_NONE || !t->conf.credential) {
		oc_tool_err("no credential: set ONECLAW_API_KEY (1ck_...), "
			    "ONECLAW_AGENT_API_KEY (ocv_...) or ONECLAW_TOKEN, "
			    "or credential_file in the configuration");
		return OC_EXIT_FAIL;
	}
	rc = oc_api_new(&t->conf, &t->api);
	if (rc) {
		oc_tool_err("cannot set up the API client for %s: %s",
			    t->api_url, oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	rc = oc_tool_dpop(t, t->api);
	if (rc) {
		oc_api_free(t->api);
		t->api = NULL;
		return rc;
	}
	*out = t->api;
	return 0;
}

/* Opens the DPoP key now, so that a bad URI, PIN or key type is told
 * before any request (the PIN prompt too). */
static int dpop_open(struct oc_tool *t)
{
	const char *uri =
	    t->dpop_key_uri ? t->dpop_key_uri : t->conf.dpop_key_uri;
	const char *pin =
	    t->dpop_pin_file ? t->dpop_pin_file : t->conf.dpop_key_pin_file;
	struct oc_tk_open_args a = {
	    .uri = uri,
	    .module = t->dpop_module ? t->dpop_module : t->conf.dpop_key_module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_EC,
	    .flags = oc_keyarg_pin_flags(t),
	    .pin_file = pin,
	    .interrupted = &oc_tool_interrupted,
	};
	struct oc_dpop_signer s;
	struct oc_tk_err e;
	int rc;

	rc = oc_tk_dpop_signer(&a, true, &s, &e);
	if (e.pin_file_loose)
		oc_tool_warn(t, "DPoP key: the PIN file is readable by group "
				"or others (chmod 600 it)");
	if (rc) {
		oc_tool_err(
		    "DPoP key: %s%s", e.msg[0] ? e.msg : oc_strerror(rc),
		    e.stage == OC_TK_AT_NO_MODULE ? ": give --dpop-module SO"
		    : e.stage == OC_TK_AT_NEED_PIN
			? ": give --dpop-pin-file FILE"
			: "");
		return OC_EXIT_FAIL;
	}
	rc = oc_dpop_new(&s, &t->dpop);
	if (rc) {
		oc_tool_err("DPoP key: %s", oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	oc_debug(OC_LOG_TOOL, "requests are DPoP-bound");
	return 0;
}

int oc_tool_dpop(struct oc_tool *t, struct oc_api *a)
{
	int rc;

	if (!t->dpop_key_uri && !t->conf.dpop_key_uri)
		return 0;
	if (!t->dpop) {
		rc = dpop_open(t);
		if (rc)
			return rc;
	}
	oc_api_set_dpop(a, oc_dpop_ref(t->dpop));
	return 0;
}

static int find_vault(struct oc_tool *t, struct oc_api *a, const char *arg,
		      struct oc_vault *out)
{
	struct oc_vault *list = NULL;
	size_t n = 0, i, hits = 0, hit = 0;
	char safe[300];
	int rc, by_id;

	oc_out_safe(arg, safe, sizeof(safe));
	if (!*arg || strlen(arg) > OC_WIRE_NAME_MAX) {
		oc_tool_err("unknown vault '%s'", safe);
		return OC_EXIT_FAIL;
	}
	by_id = oc_api_vault_get(a, arg, out);
	if (by_id == 0)
		return 0;
	rc = by_id;
	/* Not an id: try it as a name.  A vault-bound agent gets 403 for
	 * anything outside its binding, a name included. */
	if (rc != OC_ERR_NOT_FOUND && rc != OC_ERR_BAD_REQUEST &&
	    rc != OC_ERR_FORBIDDEN)
		return oc_tool_fail(t, rc, "vault %s", safe);
	rc = oc_api_vault_list(a, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: listing vaults", safe);
	for (i = 0; i < n; i++) {
		if (strcmp(list[i].name, arg) == 0) {
			hits++;
			hit = i;
		}
	}
	if (hits == 1)
		*out = list[hit];
	free(list);
	if (hits == 1)
		return 0;
	if (hits > 1)
		oc_tool_err("vault name '%s' is ambiguous: use the vault id",
			    safe);
	else if (by_id == OC_ERR_FORBIDDEN)
		oc_tool_err("vault %s: access denied (HTTP 403), and no vault "
			    "of that name is visible to this credential",
			    safe);
	else
		oc_tool_err("unknown vault '%s' (no vault with that id or "
			    "name at %s)",
			    safe, t->api_url);
	return OC_EXIT_FAIL;
}

int oc_tool_vault(struct oc_tool *t, const char *arg, struct oc_vault *out,
		  struct oc_api **api)
{
	struct oc_api *a;
	int rc;

	rc = oc_tool_api(t, &a);
	if (rc == 0)
		rc = find_vault(t, a, arg, out);
	if (rc == 0 && api)
		*api = a;
	return rc;
}

static void on_signal(int sig)
{
	(void)sig;
	oc_tool_interrupted = 1;
}

static void harden(void)
{
	struct rlimit rl = {0, 0};
	struct sigaction sa;

	/* Keys and values must never land in a core file or be readable
	 * through ptrace by a same-uid process. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		oc_debug(OC_LOG_TOOL, "PR_SET_DUMPABLE failed: %s",
			 strerror(errno));
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		oc_debug(OC_LOG_TOOL, "RLIMIT_CORE failed: %s",
			 strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second ^C ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int oc_tool_dispatch(struct oc_tool *t, const char *cmd, const char *usage,
		     const char *which, const struct oc_tool_cmd *subs,
		     int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char safe[64];
	size_t i;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		if (sub) {
			fputs(usage, stdout);
			return OC_EXIT_OK;
		}
		return oc_tool_usage(cmd, "%s", which);
	}
	for (i = 0; subs[i].name; i++) {
		if (strcmp(subs[i].name, sub) == 0)
			return subs[i].run(t, argc - 1, argv + 1);
	}
	return oc_tool_usage(cmd, "unknown subcommand '%s'",
			     oc_out_safe(sub, safe, sizeof(safe)));
}

static const struct oc_tool_cmd commands[] = {
    {"keygen", oc_cmd_keygen},
    {"fingerprint", oc_cmd_fingerprint},
    {"key", oc_cmd_key},
    {"vault", oc_cmd_vault},
    {"cmek", oc_cmd_cmek},
    {"secret", oc_cmd_secret},
    {"agent", oc_cmd_agents},
    {"policy", oc_cmd_policy},
    {"agent-socket", oc_cmd_agent_socket},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
	struct oc_tool t;
	int c, r, rc = OC_EXIT_USAGE;
	size_t i;

	memset(&t, 0, sizeof(t));
	harden();
	oc_log_init();

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qh", global_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			rc = OC_EXIT_OK;
			goto out;
		}
		if (c == OC_OPT_VERSION) {
			printf("%s %s\n", OC_TOOL_NAME, PACKAGE_VERSION);
			rc = OC_EXIT_OK;
			goto out;
		}
		if (c == '?') {
			rc = oc_tool_usage(NULL, "unknown option '%s'",
					   argv[optind - 1]);
			goto out;
		}
		if (c == ':') {
			rc = oc_tool_usage(NULL, "option '%s' needs a value",
					   argv[optind - 1]);
			goto out;
		}
		r = global_opt(&t, c, optarg);
		if (r < 0) {
			rc = -r;
			goto out;
		}
	}
	if (optind >= argc) {
		rc = oc_tool_usage(NULL, "no command given");
		goto out;
	}
	for (i = 0; commands[i].name; i++) {
		if (strcmp(commands[i].name, argv[optind]) == 0)
			break;
	}
	if (!commands[i].name) {
		char safe[128];

		oc_out_safe(argv[optind], safe, sizeof(safe));
		rc = oc_tool_usage(NULL, "unknown command '%s'", safe);
		goto out;
	}
	oc_debug(OC_LOG_TOOL, "command %s", commands[i].name);
	rc = commands[i].run(&t, argc - optind, argv + optind);
	if (rc == OC_EXIT_OK && oc_tool_interrupted)
		rc = OC_EXIT_FAIL;
out:
	if (t.api) {
		struct oc_http_stats hs;

		oc_api_stats(t.api, &hs);
		oc_debug(OC_LOG_TOOL, "%lu requests over %lu connections",
			 hs.requests, hs.connections);
	}
	oc_api_free(t.api);
	oc_dpop_free(t.dpop);
	if (t.conf_loaded)
		oc_conf_free(&t.conf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the output: %s\n",
			OC_TOOL_NAME, strerror(errno));
		if (rc == OC_EXIT_OK)
			rc = OC_EXIT_FAIL;
	}
	oc_log_shutdown();
	return rc;
}
