/* main.c - oneclaw-vaultd: command line, configuration file and signals. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "codec.h"
#include "conffile.h"
#include "err.h"
#include "log.h"
#include "sdnotify.h"
#include "server.h"
#include "vaultd-init.h"

/* The long options.  Every one that takes a value is also a key of the
 * --config file (conffile.h): both reach set_option(). */
static const struct option options[] = {
    {"config", required_argument, NULL, 'F'},
    {"db", required_argument, NULL, 'd'},
    {"init", no_argument, NULL, 'i'},
    {"init-if-missing", no_argument, NULL, 'J'},
    {"admin-key-file", required_argument, NULL, 'a'},
    {"listen", required_argument, NULL, 'l'},
    {"port-file", required_argument, NULL, 'p'},
    {"tls-cert", required_argument, NULL, 'c'},
    {"tls-key", required_argument, NULL, 'k'},
    {"kek-module", required_argument, NULL, 'M'},
    {"kek-uri", required_argument, NULL, 'U'},
    {"kek-pin-file", required_argument, NULL, 'P'},
    {"master-key", required_argument, NULL, 'm'},
    {"wire-log", required_argument, NULL, 'w'},
    {"faults", required_argument, NULL, 'f'},
    {"request-timeout", required_argument, NULL, 'T'},
    {"max-connections", required_argument, NULL, 'C'},
    {"max-connections-per-ip", required_argument, NULL, 'I'},
    {"threads", required_argument, NULL, 'n'},
    {"debug", required_argument, NULL, 'D'},
    {"debug-file", required_argument, NULL, 'G'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Options with a value that are no setting, so never read from the file:
 * an action that takes one (a file to write, say) belongs here too. */
static const char *const command_line_only[] = {"config", NULL};

enum action {
	ACT_SERVE = 0,
	ACT_INIT,
	ACT_INIT_IF_MISSING,
	ACT_HELP,
	ACT_VERSION,
};

struct run {
	struct oc_server_config cfg;
	const char *admin_key_file;
	const char *debug;
	const char *debug_file;
	enum action action;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: oneclaw-vaultd --db PATH --init --admin-key-file FILE\n"
		"       oneclaw-vaultd --db PATH --listen 127.0.0.1:PORT "
		"[--port-file FILE]\n"
		"           [--tls-cert F --tls-key F]\n"
		"           [--kek-module SO --kek-uri 'pkcs11:...' "
		"[--kek-pin-file F]]\n"
		"           [--master-key FILE] [--wire-log FILE] "
		"[--faults SPEC]\n"
		"           [--request-timeout S] [--max-connections N] "
		"[--max-connections-per-ip N]\n"
		"           [--threads N] [--debug LIST] [--debug-file FILE]\n"
		"       oneclaw-vaultd --config FILE [--init-if-missing] "
		"[OPTION...]\n"
		"See oneclaw-vaultd(8).\n");
}

/* A decimal option value within [min, max]; a message and non-zero
 * otherwise. */
static int number_arg(const char *name, const char *s, unsigned long min,
		      unsigned long max, unsigned *out)
{
	unsigned long v;

	if (oc_decimal_parse(s, min, max, &v)) {
		oc_log_error("oneclaw-vaultd: %s must be a number from %lu to "
			     "%lu",
			     name, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* One option, from the command line or the file; a later call for the
 * same option wins, so the command line, read last, overrides the file. */
static int set_option(void *ctx, int c, const char *arg, const char *name)
{
	struct run *run = ctx;
	struct oc_server_config *cfg = &run->cfg;
	unsigned mask;

	switch (c) {
	case 'F':
		break; /* read before everything else */
	case 'd':
		cfg->db_path = arg;
		break;
	case 'i':
		run->action = ACT_INIT;
		break;
	case 'J':
		run->action = ACT_INIT_IF_MISSING;
		break;
	case 'a':
		run->admin_key_file = arg;
		break;
	case 'l':
		cfg->listen = arg;
		break;
	case 'p':
		cfg->port_file = arg;
		break;
	case 'c':
		cfg->tls_cert = arg;
		break;
	case 'k':
		cfg->tls_key = arg;
		break;
	case 'M':
		cfg->kek_module = arg;
		break;
	case 'U':
		cfg->kek_uri = arg;
		break;
	case 'P':
		cfg->kek_pin_file = arg;
		break;
	case 'm':
		cfg->master_key = arg;
		break;
	case 'w':
		cfg->wire_log = arg;
		break;
	case 'f':
		cfg->faults = arg;
		break;
	case 'T':
		return number_arg(name, arg, 1, 3600, &cfg->request_timeout);
	case 'C':
		return number_arg(name, arg, 1, 1000000, &cfg->max_connections);
	case 'I':
		return number_arg(name, arg, 1, 1000000, &cfg->max_per_ip);
	case 'n':
		return number_arg(name, arg, 1, 64, &cfg->threads);
	case 'D':
		if (oc_log_parse_categories(arg, &mask) != OC_OK) {
			oc_log_error("oneclaw-vaultd: %s: not a list of debug "
				     "categories (ONECLAW_PKCS11_DEBUG=help "
				     "lists them)",
				     name);
			return -1;
		}
		run->debug = arg;
		break;
	case 'G':
		run->debug_file = arg;
		break;
	case 'h':
		run->action = ACT_HELP;
		break;
	case 'V':
		run->action = ACT_VERSION;
		break;
	default:
		return -1;
	}
	return 0;
}

/* The last --config of the command line, found without reporting
 * anything (the full reading does); NULL when none. */
static const char *find_config(int argc, char **argv)
{
	const char *path = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (c == 'F')
			path = optarg;
	opterr = 1;
	optind = 0; /* GNU getopt: start over */
	return path;
}

/* 0, 2 on a usage error (told by getopt), 1 on a bad value (told). */
static int read_command_line(int argc, char **argv, struct run *run)
{
	char name[64];
	int c, i;

	while ((c = getopt_long(argc, argv, "", options, &i)) != -1) {
		if (c == '?')
			return 2;
		snprintf(name, sizeof(name), "--%s", options[i].name);
		if (set_option(run, c, optarg, name))
			return 1;
		if (run->action == ACT_HELP || run->action == ACT_VERSION)
			break;
	}
	return 0;
}

/* --init-if-missing: nothing when the database is there already (its
 * checks are the server's, at start). */
static int init_if_missing(const struct run *run)
{
	const char *db = run->cfg.db_path;
	struct stat st;

	if (lstat(db, &st) == 0) {
		oc_log_info("oneclaw-vaultd: %s exists; nothing to initialise",
			    db);
		return 0;
	}
	if (errno != ENOENT) {
		oc_log_error("oneclaw-vaultd: %s: %s", db, strerror(errno));
		return 1;
	}
	return oc_vaultd_init(db, run->cfg.master_key, run->admin_key_file) ==
		       OC_OK
		   ? 0
		   : 1;
}

/* No core dumps, not ptrace-attachable: keys live in this process. */
static void harden(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int serve(const struct oc_server_config *cfg)
{
	struct oc_server *srv = NULL;
	sigset_t set;
	int sig = 0;

	/* Signals are taken by sigwait() below; every thread started from
	 * here on inherits the mask. */
	signal(SIGPIPE, SIG_IGN);
	/* A file size limit reached by the database is a failed write,
	 * answered and shown by GET /v1/health, not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (oc_server_start(cfg, &srv))
		return 1;
	oc_sd_notify("READY=1");
	while (sigwait(&set, &sig) == 0) {
		if (sig == SIGTERM || sig == SIGINT)
			break;
		/* SIGHUP: logrotate moved the logs away. */
		oc_sd_notify("RELOADING=1");
		oc_server_reopen_logs(srv);
		oc_log_info("oneclaw-vaultd: log files reopened");
		oc_sd_notify("READY=1");
	}
	oc_sd_notify("STOPPING=1");
	oc_log_info("oneclaw-vaultd: stopping (signal %d)", sig);
	oc_server_stop(srv);
	oc_log_info("oneclaw-vaultd: stopped");
	return 0;
}

static int run_action(struct run *run)
{
	if (run->debug || run->debug_file) {
		if (oc_log_configure(run->debug, run->debug_file) != OC_OK) {
			oc_log_error("oneclaw-vaultd: cannot open the debug "
				     "file %s",
				     run->debug_file);
			return 1;
		}
	}
	harden();
	switch (run->action) {
	case ACT_INIT:
		return oc_vaultd_init(run->cfg.db_path, run->cfg.master_key,
				      run->admin_key_file) == OC_OK
			   ? 0
			   : 1;
	case ACT_INIT_IF_MISSING:
		return init_if_missing(run);
	default:
		return serve(&run->cfg);
	}
}

int main(int argc, char **argv)
{
	struct oc_vaultd_conf *file = NULL;
	struct run run;
	const char *config;
	int rc = 2;

	memset(&run, 0, sizeof(run));
	oc_log_init();
	config = find_config(argc, argv);
	if (config && oc_vaultd_conf_load(config, options, command_line_only,
					  set_option, &run, &file) != OC_OK)
		goto out;
	switch (read_command_line(argc, argv, &run)) {
	case 0:
		break;
	case 1:
		goto out; /* the value's problem was told */
	default:
		goto usage;
	}
	if (run.action == ACT_HELP) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (run.action == ACT_VERSION) {
		printf("oneclaw-vaultd %s\n", PACKAGE_VERSION);
		rc = 0;
		goto out;
	}
	if (optind != argc || !run.cfg.db_path)
		goto usage;
	if ((run.action == ACT_INIT || run.action == ACT_INIT_IF_MISSING) &&
	    !run.admin_key_file)
		goto usage;
	if (run.action == ACT_SERVE && !run.cfg.listen)
		goto usage;
	rc = run_action(&run);
	goto out;
usage:
	usage(stderr);
out:
	oc_vaultd_conf_free(file);
	return rc;
}
