/* main.h - what every oneclaw-tool command shares: global options, the
 * lazily loaded configuration and API client, option parsing, and the one
 * way errors are reported (a line on stderr that names the problem and
 * never a secret). */
#ifndef OC_TOOL_MAIN_H
#define OC_TOOL_MAIN_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "conf.h"

#define OC_TOOL_NAME "oneclaw-tool"

enum oc_exit {
	OC_EXIT_OK = 0,
	OC_EXIT_FAIL = 1,
	OC_EXIT_USAGE = 2,
	OC_EXIT_PAYMENT = 3, /* HTTP 402: quota used up, payment due */
};

/* Returned by oc_tool_getopt after --help was printed. */
#define OC_TOOL_HELP_DONE (-100)

/* Long-only option codes (above any character). */
enum oc_tool_optcode {
	OC_OPT_CONFIG = 0x100,
	OC_OPT_URL,
	OC_OPT_JSON,
	OC_OPT_TIMEOUT,
	OC_OPT_P11_MODULE,
	OC_OPT_PIN_FILE,
	OC_OPT_DPOP_KEY_URI,
	OC_OPT_DPOP_MODULE,
	OC_OPT_DPOP_PIN_FILE,
	OC_OPT_VERSION,
	OC_OPT_CMD_BASE = 0x200, /* commands number their options from here */
};

struct oc_tool {
	const char *config_path;   /* --config */
	const char *url;	   /* --url */
	const char *p11_module;	   /* --pkcs11-module */
	const char *pin_file;	   /* --pin-file */
	const char *dpop_key_uri;  /* --dpop-key-uri */
	const char *dpop_module;   /* --dpop-module */
	const char *dpop_pin_file; /* --dpop-pin-file */
	unsigned timeout_s;	   /* --timeout; 0: from the config */
	bool json;
	bool quiet;
	bool stdin_used; /* a key or a value was read from stdin */
	bool conf_loaded;
	struct oc_conf conf;
	struct oc_api *api;
	struct oc_dpop *dpop; /* the DPoP key every client shares, or NULL */
	char api_url[1024];   /* for "cannot reach URL" */
};

/* Set by SIGINT/SIGTERM: long loops stop between items and say how to
 * resume. */
extern volatile sig_atomic_t oc_tool_interrupted;

/* Loads the configuration once (file, env, then --url/--timeout).  Returns
 * 0, or prints the reason and returns OC_EXIT_FAIL. */
int oc_tool_conf(struct oc_tool *t);
/* The API client, built on first use; needs a credential.  Returns 0 or
 * prints the reason and returns OC_EXIT_FAIL. */
int oc_tool_api(struct oc_tool *t, struct oc_api **out);

/* Binds a's tokens to the DPoP key when one is configured (opened once,
 * at the first call, and shared).  Returns 0 or prints the reason and
 * returns OC_EXIT_FAIL. */
int oc_tool_dpop(struct oc_tool *t, struct oc_api *a);

/* "oneclaw-tool: <message>" on stderr. */
void oc_tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oc_tool_warn(const struct oc_tool *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A usage error: the message plus a hint; returns OC_EXIT_USAGE. */
int oc_tool_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reports a failed core or API call: "<context>: <reason>", where the
 * reason names the HTTP status and the server's detail when there was one,
 * or "cannot reach URL" for a network failure.  Returns OC_EXIT_FAIL. */
int oc_tool_fail(struct oc_tool *t, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same reason text into buf (for per-item errors in loops). */
void oc_tool_reason(struct oc_tool *t, int rc, long status, const char *detail,
		    char *buf, size_t n);
/* The reason text of the API call that just failed with rc (its status
 * and detail as oc_tool_fail() tells them), for a report made later. */
void oc_tool_last_reason(struct oc_tool *t, int rc, char *buf, size_t n);

/* Parses a command's options (argv[0] is the command's name) together
 * with the global ones, which may appear anywhere.  For each command
 * option fn(ctx, code, optarg) is called; it returns 0 or an exit code.
 * Returns the index of the first operand, OC_TOOL_HELP_DONE after printing
 * usage for --help, or -OC_EXIT_USAGE / -OC_EXIT_FAIL. */
typedef int (*oc_tool_opt_fn)(struct oc_tool *t, void *ctx, int code,
			      const char *arg);
int oc_tool_getopt(struct oc_tool *t, const char *cmd, const char *usage,
		   int argc, char **argv, const struct option *opts,
		   oc_tool_opt_fn fn, void *ctx);
/* oc_tool_getopt for a command of exactly n operands: another count is the
 * usage error "give <what>", returned as -OC_EXIT_USAGE. */
int oc_tool_getopt_n(struct oc_tool *t, const char *cmd, const char *usage,
		     int argc, char **argv, const struct option *opts,
		     oc_tool_opt_fn fn, void *ctx, int n, const char *what);
/* Turns an oc_tool_getopt result into an exit code (for early returns). */
int oc_tool_getopt_exit(int r);

/* A command or subcommand, run with argv[0] its name. */
struct oc_tool_cmd {
	const char *name;
	int (*run)(struct oc_tool *t, int argc, char **argv);
};

/* Runs the subcommand argv[1] of cmd from subs (ended by a NULL name).
 * --help or -h prints usage; a missing subcommand is a usage error that
 * asks which (the text in which), as is an unknown one. */
int oc_tool_dispatch(struct oc_tool *t, const char *cmd, const char *usage,
		     const char *which, const struct oc_tool_cmd *subs,
		     int argc, char **argv);

/* Resolves a VAULT operand: a vault id, else an exact vault name.
 * Prints "unknown vault" (or the failure) and returns OC_EXIT_FAIL.  api,
 * when not NULL, gets the client it used, for the calls that follow. */
int oc_tool_vault(struct oc_tool *t, const char *arg, struct oc_vault *out,
		  struct oc_api **api);

/* Unsigned number option in [min, max]; prints a usage error. */
int oc_tool_parse_uint(const char *cmd, const char *opt, const char *arg,
		       unsigned min, unsigned max, unsigned *out);

/* An RFC 3339 date-time still to come; prints a usage error. */
int oc_tool_parse_future_time(const char *cmd, const char *opt,
			      const char *arg);

/* Seconds on the monotonic clock. */
double oc_tool_now(void);

#endif
