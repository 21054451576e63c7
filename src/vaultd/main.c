/* main.c - oneclaw-vaultd: command line and signals. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "backup.h"
#include "codec.h"
#include "err.h"
#include "kek-rotate.h"
#include "log.h"
#include "server.h"
#include "vaultd-init.h"

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
		"           [--threads N]\n"
		"       oneclaw-vaultd --db PATH --backup FILE\n"
		"       oneclaw-vaultd --db PATH --restore FILE "
		"[--master-key FILE]\n"
		"       oneclaw-vaultd --db PATH --rotate-kek "
		"--new-master-key FILE [--master-key FILE]\n"
		"       oneclaw-vaultd --db PATH --rotate-kek --kek-module SO "
		"--kek-uri URI\n"
		"           [--kek-pin-file F] --new-kek-uri URI "
		"[--master-key FILE]\n"
		"See oneclaw-vaultd(8).\n");
}

/* A decimal option value within [min, max]; a message and non-zero
 * otherwise. */
static int number_arg(const char *name, const char *s, unsigned long min,
		      unsigned long max, unsigned *out)
{
	unsigned long v;

	if (oc_decimal_parse(s, min, max, &v)) {
		fprintf(stderr,
			"oneclaw-vaultd: %s must be a number from %lu to "
			"%lu\n",
			name, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* No core dumps, not ptrace-attachable: keys live in this process. */
static void harden(void)
{
	struct rlimit rl = {0, 0};

	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"init", no_argument, NULL, 'i'},
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
	    {"backup", required_argument, NULL, 'b'},
	    {"restore", required_argument, NULL, 'r'},
	    {"rotate-kek", no_argument, NULL, 'K'},
	    {"new-master-key", required_argument, NULL, 'N'},
	    {"new-kek-uri", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct oc_server_config cfg;
	struct oc_server *srv = NULL;
	const char *admin_key_file = NULL, *backup = NULL, *restore = NULL;
	struct oc_kek_rotate_args rotate;
	bool init = false, rotate_kek = false;
	sigset_t set;
	int c, sig = 0, rc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&rotate, 0, sizeof(rotate));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.db_path = optarg;
			break;
		case 'i':
			init = true;
			break;
		case 'a':
			admin_key_file = optarg;
			break;
		case 'l':
			cfg.listen = optarg;
			break;
		case 'p':
			cfg.port_file = optarg;
			break;
		case 'c':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 'M':
			cfg.kek_module = optarg;
			break;
		case 'U':
			cfg.kek_uri = optarg;
			break;
		case 'P':
			cfg.kek_pin_file = optarg;
			break;
		case 'm':
			cfg.master_key = optarg;
			break;
		case 'w':
			cfg.wire_log = optarg;
			break;
		case 'f':
			cfg.faults = optarg;
			break;
		case 'T':
			if (number_arg("--request-timeout", optarg, 1, 3600,
				       &cfg.request_timeout))
				return 2;
			break;
		case 'C':
			if (number_arg("--max-connections", optarg, 1, 1000000,
				       &cfg.max_connections))
				return 2;
			break;
		case 'I':
			if (number_arg("--max-connections-per-ip", optarg, 1,
				       1000000, &cfg.max_per_ip))
				return 2;
			break;
		case 'n':
			if (number_arg("--threads", optarg, 1, 64,
				       &cfg.threads))
				return 2;
			break;
		case 'b':
			backup = optarg;
			break;
		case 'r':
			restore = optarg;
			break;
		case 'K':
			rotate_kek = true;
			break;
		case 'N':
			rotate.new_master_key = optarg;
			break;
		case 'u':
			rotate.new_kek_uri = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("oneclaw-vaultd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !cfg.db_path) {
		usage(stderr);
		return 2;
	}
	oc_log_init();
	harden();
	/* The maintenance commands: each alone, never with --listen. */
	if (init + !!backup + !!restore + rotate_kek > 1 ||
	    ((backup || restore || rotate_kek) && cfg.listen) ||
	    (rotate_kek ? !!rotate.new_master_key + !!rotate.new_kek_uri != 1
			: rotate.new_master_key || rotate.new_kek_uri)) {
		usage(stderr);
		return 2;
	}
	if (backup)
		return oc_vaultd_backup(cfg.db_path, backup) == OC_OK ? 0 : 1;
	if (restore)
		return oc_vaultd_restore(cfg.db_path, cfg.master_key,
					 restore) == OC_OK
			   ? 0
			   : 1;
	if (rotate_kek) {
		rotate.db_path = cfg.db_path;
		rotate.master_key = cfg.master_key;
		rotate.kek_module = cfg.kek_module;
		rotate.kek_uri = cfg.kek_uri;
		rotate.kek_pin_file = cfg.kek_pin_file;
		rotate.faults = cfg.faults;
		return oc_vaultd_rotate_kek(&rotate) == OC_OK ? 0 : 1;
	}
	if (init) {
		if (!admin_key_file || cfg.listen) {
			usage(stderr);
			return 2;
		}
		return oc_vaultd_init(cfg.db_path, cfg.master_key,
				      admin_key_file) == OC_OK
			   ? 0
			   : 1;
	}
	if (!cfg.listen) {
		usage(stderr);
		return 2;
	}
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
	rc = oc_server_start(&cfg, &srv);
	if (rc)
		return 1;
	while (sigwait(&set, &sig) == 0) {
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	fprintf(stderr, "oneclaw-vaultd: stopping (signal %d)\n", sig);
	oc_server_stop(srv);
	return 0;
}
