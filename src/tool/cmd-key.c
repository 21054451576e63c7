/* cmd-key.c - keygen: 32 random bytes as standard base64 in a new 0600
 * file (never overwriting); fingerprint: SHA-256 of a key's raw bytes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd-key.h"
#include "cmd-seal.h"

#include "cmek.h"
#include "codec.h"
#include "err.h"
#include "keyarg.h"
#include "newfile.h"
#include "log.h"
#include "ossl.h"
#include "output.h"
#include "secmem.h"

static const char keygen_usage[] =
    "Usage: oneclaw-tool keygen [--out FILE]\n"
    "\n"
    "Makes a new CMEK key: 32 random bytes, written as standard base64\n"
    "to FILE, which must not exist yet (created with mode 0600).  Prints\n"
    "the key's fingerprint (SHA-256 of the 32 bytes, 64 hex), which is\n"
    "all the server ever learns.  Without --out the key goes to stdout,\n"
    "which must not be a terminal.\n";

static const char fingerprint_usage[] =
    "Usage: oneclaw-tool fingerprint KEY\n"
    "\n"
    "Prints the fingerprint (SHA-256 of the 32 raw key bytes, 64\n"
    "lowercase hex) of KEY: a key file in any accepted encoding, '-' for\n"
    "stdin, env:NAME, or a pkcs11: URI.  For a sealed key file it is the\n"
    "fingerprint the file records (no token is needed).\n";

enum { OPT_OUT = OC_OPT_CMD_BASE };

static const struct option keygen_opts[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

static int keygen_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	const char **out = ctx;

	if (c != OPT_OUT)
		return OC_EXIT_USAGE;
	*out = arg;
	return 0;
}

static int print_fpr(struct oc_tool *t, const char *fpr, const char *file)
{
	struct oc_out_json o;
	int rc;

	if (!t->json) {
		printf("%s\n", fpr);
		return 0;
	}
	rc = oc_out_json_open(&o, false);
	if (rc)
		return rc;
	oc_out_json_map_open(&o.j);
	oc_jgen_kv_str(&o.j, "fingerprint", fpr);
	if (file)
		oc_jgen_kv_str(&o.j, "file", file);
	oc_out_json_map_close(&o.j);
	return oc_out_json_close(&o);
}

int oc_cmd_keygen(struct oc_tool *t, int argc, char **argv)
{
	const char *path = NULL;
	uint8_t *key = NULL, fpr[OC_CMEK_FPR_LEN];
	char *b64 = NULL, hex[OC_CMEK_FPR_HEX_LEN + 1];
	size_t b64_size = oc_base64_len(OC_CMEK_KEY_LEN) + 2;
	int r, rc = OC_EXIT_FAIL;
	bool created = false;

	r = oc_tool_getopt(t, "keygen", keygen_usage, argc, argv, keygen_opts,
			   keygen_opt, &path);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (r < argc)
		return oc_tool_usage("keygen", "unexpected argument '%s'",
				     argv[r]);
	if (!path && isatty(STDOUT_FILENO)) {
		oc_tool_err("keygen: refusing to print a key on a terminal: "
			    "use --out FILE (or redirect stdout)");
		return OC_EXIT_FAIL;
	}
	key = oc_secure_alloc(OC_CMEK_KEY_LEN);
	b64 = oc_secure_alloc(b64_size);
	if (!key || !b64) {
		oc_tool_err("keygen: out of memory");
		goto out;
	}
	if (oc_random(key, OC_CMEK_KEY_LEN) != 0 ||
	    oc_cmek_fingerprint(key, fpr) != 0 ||
	    oc_base64_encode(key, OC_CMEK_KEY_LEN, b64, b64_size) != 0) {
		oc_tool_err("keygen: the random generator failed");
		goto out;
	}
	oc_cmek_fingerprint_hex(fpr, hex);
	b64[oc_base64_len(OC_CMEK_KEY_LEN)] = '\n';
	if (path) {
		/* A new file only: an existing key is never replaced. */
		if (oc_newfile_write(AT_FDCWD, path, b64,
				     oc_base64_len(OC_CMEK_KEY_LEN) + 1,
				     &created) != 0) {
			if (created)
				oc_tool_err("keygen: cannot write %s: %s", path,
					    strerror(errno));
			else
				oc_tool_err(
				    "keygen: cannot create %s: %s%s", path,
				    strerror(errno),
				    errno == EEXIST
					? " (keygen never overwrites a key)"
					: "");
			goto out;
		}
		if (print_fpr(t, hex, path) != 0) {
			oc_tool_err("keygen: cannot print the fingerprint");
			created = false; /* the key file itself is good */
			goto out;
		}
	} else {
		if (oc_out_write(b64, oc_base64_len(OC_CMEK_KEY_LEN) + 1)) {
			oc_tool_err("keygen: cannot write the key to stdout");
			goto out;
		}
		if (!t->quiet)
			fprintf(stderr, "fingerprint: %s\n", hex);
	}
	oc_debug(OC_LOG_TOOL, "new key %s", hex);
	created = false;
	rc = OC_EXIT_OK;
out:
	if (created && path)
		unlink(path); /* half-written: remove what we created */
	if (key)
		oc_wipe(key, OC_CMEK_KEY_LEN);
	oc_secure_free(key);
	oc_secure_free(b64);
	return rc;
}

int oc_cmd_fingerprint(struct oc_tool *t, int argc, char **argv)
{
	char hex[OC_CMEK_FPR_HEX_LEN + 1];
	int r, rc;

	r = oc_tool_getopt_n(t, "fingerprint", fingerprint_usage, argc, argv,
			     NULL, NULL, NULL, 1, "exactly one KEY");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	rc = oc_seal_fingerprint(argv[r], hex) == 0
		 ? 0
		 : oc_keyarg_fingerprint(t, argv[r], "fingerprint", hex);
	if (rc)
		return rc;
	if (print_fpr(t, hex, NULL) != 0) {
		oc_tool_err("fingerprint: cannot print");
		return OC_EXIT_FAIL;
	}
	return OC_EXIT_OK;
}
