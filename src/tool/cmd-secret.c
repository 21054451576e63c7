/* cmd-secret.c - writing, reading, listing and deleting secrets, and bulk
 * import/export as JSON lines.
 *
 * Values never come from argv (ps, shell history): they are read from a
 * file or stdin into wiped memory.  In a vault with CMEK on, a value is
 * sealed here with the vault's key before it is sent, and nothing is sent
 * without the right key; a CMEK-sealed value is opened here on read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cmd-secret.h"

#include "api.h"
#include "codec.h"
#include "err.h"
#include "json.h"
#include "keyarg.h"
#include "log.h"
#include "output.h"
#include "par.h"
#include "progress.h"
#include "secmem.h"

/* Largest import file. */
#define MAX_IMPORT	 (256u * 1024 * 1024)
#define MAX_SHOWN_ERRORS 5

static const char secret_usage[] =
    "Usage: oneclaw-tool secret put VAULT PATH [--type T] [--file F] "
    "[--key KEY]\n"
    "       oneclaw-tool secret get VAULT PATH [--key KEY]\n"
    "       oneclaw-tool secret list VAULT [--prefix P]\n"
    "       oneclaw-tool secret rm VAULT PATH\n"
    "       oneclaw-tool secret import VAULT [--file F] [--key KEY] "
    "[--jobs N]\n"
    "       oneclaw-tool secret export VAULT [--prefix P] [--key KEY] "
    "[--jobs N]\n"
    "\n"
    "put reads the value from --file F or stdin (never from the command\n"
    "line; on a terminal it is read as one hidden line).  When the vault\n"
    "has CMEK on, the value is sealed here with the vault's key (--key,\n"
    "else the configured key) and only the sealed blob is sent.\n"
    "get writes the value's raw bytes to stdout, opening a CMEK-sealed\n"
    "value with the key.\n"
    "import reads JSON lines {\"path\":P,\"value\":V} (or \"value_base64\";\n"
    "optional \"type\" and \"metadata\") and stores them N at a time.\n"
    "export writes the same lines for every secret (plaintext: handle\n"
    "with care); nothing is written unless every secret could be read.\n";

enum {
	OPT_TYPE = OC_OPT_CMD_BASE,
	OPT_FILE,
	OPT_KEY,
	OPT_PREFIX,
	OPT_JOBS,
};

struct secret_args {
	const char *type;
	const char *file;
	const char *key;
	const char *prefix;
	unsigned jobs;
};

static const struct option put_opts[] = {
    {"type", required_argument, NULL, OPT_TYPE},
    {"file", required_argument, NULL, OPT_FILE},
    {"key", required_argument, NULL, OPT_KEY},
    {NULL, 0, NULL, 0},
};

static const struct option get_opts[] = {
    {"key", required_argument, NULL, OPT_KEY},
    {NULL, 0, NULL, 0},
};

static const struct option list_opts[] = {
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {NULL, 0, NULL, 0},
};

static const struct option import_opts[] = {
    {"file", required_argument, NULL, OPT_FILE},
    {"key", required_argument, NULL, OPT_KEY},
    {"type", required_argument, NULL, OPT_TYPE},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {NULL, 0, NULL, 0},
};

static const struct option export_opts[] = {
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"key", required_argument, NULL, OPT_KEY},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {NULL, 0, NULL, 0},
};

static int secret_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	struct secret_args *a = ctx;

	switch (c) {
	case OPT_TYPE:
		a->type = arg;
		return 0;
	case OPT_FILE:
		a->file = arg;
		return 0;
	case OPT_KEY:
		a->key = arg;
		return 0;
	case OPT_PREFIX:
		a->prefix = arg;
		return 0;
	case OPT_JOBS:
		return oc_tool_parse_uint("secret", "--jobs", arg, 1,
					  OC_PAR_MAX_JOBS, &a->jobs);
	default:
		return OC_EXIT_USAGE;
	}
}

/* Parses, requiring n operands; returns the first one's index or a
 * negative exit code. */
static int parse(struct oc_tool *t, const char *cmd, int argc, char **argv,
		 const struct option *opts, int n, const char *what,
		 struct secret_args *a)
{
	memset(a, 0, sizeof(*a));
	a->jobs = OC_PAR_DEFAULT_JOBS;
	return oc_tool_getopt_n(t, cmd, secret_usage, argc, argv, opts,
				secret_opt, a, n, what);
}

/* Secret paths as the API documents them: segments of letters, digits,
 * '-', '_' and '.', joined by single '/'. */
static bool valid_path(const char *p, char *why, size_t n)
{
	const char *fault =
	    oc_wire_path_fault(p, strlen(p), OC_WIRE_PATH_PORTABLE);

	if (fault)
		snprintf(why, n, "%s", fault);
	return !fault;
}

static bool valid_type(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > OC_WIRE_TYPE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int check_path(const char *cmd, const char *path)
{
	char why[128], safe[300];

	if (valid_path(path, why, sizeof(why)))
		return 0;
	oc_tool_err("%s: invalid secret path '%s': %s; nothing was changed",
		    cmd, oc_out_safe(path, safe, sizeof(safe)), why);
	return OC_EXIT_FAIL;
}

/* Parses "VAULT PATH".  A path to write must follow the API's rules; get
 * and rm refuse only a path that cannot be sent.  Returns the VAULT
 * operand's index (PATH is the next) or a negative exit code. */
static int parse_path(struct oc_tool *t, const char *cmd, int argc, char **argv,
		      const struct option *opts, bool write,
		      struct secret_args *a)
{
	const char *path;
	int r;

	r = parse(t, cmd, argc, argv, opts, 2, "VAULT PATH", a);
	if (r < 0)
		return r;
	path = argv[r + 1];
	if ((write || !*path || strlen(path) > OC_WIRE_PATH_MAX) &&
	    check_path(cmd, path))
		return -OC_EXIT_FAIL;
	return r;
}

/* Reads one hidden line from the terminal on fd. */
static int read_tty_line(int fd, const char *prompt, uint8_t *buf, size_t max,
			 size_t *len)
{
	struct termios old, quiet;
	size_t n = 0;
	ssize_t r;
	char c;
	int rc = 0;

	if (tcgetattr(fd, &old) != 0)
		return OC_ERR_IO;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return OC_ERR_IO;
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR && !oc_tool_interrupted)
			continue;
		if (r < 0) {
			rc = OC_ERR_IO;
			break;
		}
		if (r == 0 || c == '\n' || c == '\r')
			break;
		if (n >= max) {
			rc = OC_ERR_RANGE;
			break;
		}
		buf[n++] = (uint8_t)c;
	}
	c = 0;
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	*len = n;
	return rc;
}

/* Reads a whole file (or stdin when file is NULL or "-") of at most max
 * bytes into secure memory.  Prints the reason on failure. */
static int read_input(struct oc_tool *t, const char *cmd, const char *file,
		      size_t max, const char *prompt, uint8_t **out,
		      size_t *out_len)
{
	struct stat st;
	uint8_t *buf;
	size_t n = 0;
	ssize_t r;
	int fd = STDIN_FILENO, rc = OC_EXIT_FAIL;
	const char *name = "stdin";

	if (file && strcmp(file, "-") != 0) {
		name = file;
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			oc_tool_err("%s: cannot open %s: %s", cmd, file,
				    strerror(errno));
			return OC_EXIT_FAIL;
		}
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (size_t)st.st_size > max) {
			oc_tool_err("%s: %s is larger than %zu bytes", cmd,
				    file, max);
			close(fd);
			return OC_EXIT_FAIL;
		}
	} else {
		if (t->stdin_used) {
			oc_tool_err("%s: stdin is already used for a key", cmd);
			return OC_EXIT_FAIL;
		}
		t->stdin_used = true;
	}
	buf = oc_secure_alloc(max + 1);
	if (!buf) {
		oc_tool_err("%s: out of memory", cmd);
		goto out;
	}
	if (fd == STDIN_FILENO && isatty(fd)) {
		if (!prompt) {
			oc_tool_err("%s: refusing to read secret values from a "
				    "terminal: use --file F or a pipe",
				    cmd);
			goto out;
		}
		if (read_tty_line(fd, prompt, buf, max, &n) != 0) {
			oc_tool_err("%s: cannot read the value from the "
				    "terminal (at most %zu bytes)",
				    cmd, max);
			goto out;
		}
	} else {
		while (n <= max) {
			r = read(fd, buf + n, max + 1 - n);
			if (r < 0 && errno == EINTR && !oc_tool_interrupted)
				continue;
			if (r < 0) {
				oc_tool_err("%s: cannot read %s: %s", cmd, name,
					    strerror(errno));
				goto out;
			}
			if (r == 0)
				break;
			n += (size_t)r;
		}
		if (n > max) {
			oc_tool_err("%s: %s holds more than %zu bytes", cmd,
				    name, max);
			goto out;
		}
	}
	*out = buf;
	*out_len = n;
	buf = NULL;
	rc = 0;
out:
	oc_secure_free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static size_t max_value(struct oc_tool *t)
{
	size_t m = t->conf.max_value_size;

	if (m == 0 || m > OC_CMEK_MAX_PLAINTEXT)
		m = OC_WIRE_VALUE_MAX;
	return m;
}

/* The key a write to vault v needs: NULL for a vault without CMEK (and no
 * --key), the checked vault key otherwise.  Prints and fails when CMEK is
 * on and no key or another key is given. */
static int write_key(struct oc_tool *t, const char *cmd, const char *arg,
		     const struct oc_vault *v, struct oc_cmek_key **out)
{
	struct oc_cmek_key *k = NULL;
	char hex[OC_CMEK_FPR_HEX_LEN + 1];
	int rc;

	*out = NULL;
	if (!v->cmek_enabled) {
		if (arg) {
			oc_tool_err("%s: vault %s has CMEK off, so the value "
				    "would not be sealed: drop --key (or turn "
				    "CMEK on with 'cmek enable'); nothing was "
				    "sent",
				    cmd, v->id);
			return OC_EXIT_FAIL;
		}
		return 0;
	}
	rc = oc_keyarg_resolve(t, arg, "--key", v->id, &k);
	if (rc)
		return rc;
	if (!k) {
		oc_tool_err(
		    "%s: vault %s has CMEK on: the value must be sealed "
		    "with the vault's key (--key KEY, or cmek_key_file "
		    "in the configuration); nothing was sent",
		    cmd, v->id);
		return OC_EXIT_FAIL;
	}
	oc_keyarg_fpr_hex(k, hex);
	if (strcmp(hex, v->cmek_fingerprint) != 0) {
		oc_tool_err("%s: the key %s is not the CMEK key of vault %s "
			    "(%s); nothing was sent",
			    cmd, hex, v->id,
			    v->cmek_fingerprint[0] ? v->cmek_fingerprint
						   : "unknown");
		oc_cmek_key_free(k);
		return OC_EXIT_FAIL;
	}
	*out = k;
	return 0;
}

/* PUTs one value, sealing it first when key is set. */
static int put_value(struct oc_api *a, const char *vault_id, const char *path,
		     const char *type, const char *metadata,
		     const struct oc_cmek_key *key, const uint8_t *v, size_t n,
		     struct oc_secret_meta *out)
{
	struct oc_secret_put in;
	uint8_t *blob = NULL;
	size_t blob_len = 0;
	int rc;

	memset(&in, 0, sizeof(in));
	in.type = type;
	in.metadata = metadata;
	in.value = v;
	in.value_len = n;
	if (key) {
		blob = malloc(oc_cmek_blob_len(n));
		if (!blob)
			return OC_ERR_NOMEM;
		rc = oc_cmek_seal(key, v, n, blob, oc_cmek_blob_len(n),
				  &blob_len);
		if (rc) {
			free(blob);
			return rc;
		}
		in.value = blob;
		in.value_len = blob_len;
		in.value_is_blob = true;
	}
	rc = oc_api_secret_put(a, vault_id, path, &in, out);
	free(blob);
	return rc;
}

static int print_meta(struct oc_tool *t, const struct oc_secret_meta *m,
		      bool sealed)
{
	struct oc_out_json o;
	char safe[1100];

	if (!t->json) {
		if (!t->quiet)
			printf("%s: version %lld%s\n",
			       oc_out_safe(m->path ? m->path : "", safe,
					   sizeof(safe)),
			       (long long)m->version,
			       sealed ? " (CMEK-sealed)" : "");
		return 0;
	}
	if (oc_out_json_open(&o, false))
		return OC_EXIT_FAIL;
	oc_out_json_meta(&o.j, m);
	return oc_out_json_close(&o) ? OC_EXIT_FAIL : 0;
}

static int secret_put(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_cmek_key *key = NULL;
	struct oc_secret_meta meta;
	struct oc_vault v;
	struct oc_api *a;
	uint8_t *val = NULL;
	size_t len = 0;
	char prompt[1200], safe[1100];
	const char *path;
	int r, rc;

	memset(&meta, 0, sizeof(meta));
	r = parse_path(t, "secret put", argc, argv, put_opts, true, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	path = argv[r + 1];
	if (args.type && !valid_type(args.type))
		return oc_tool_usage("secret put",
				     "--type is a word of a-z, 0-9 and '_' "
				     "(api_key, password, ...)");
	rc = oc_tool_conf(t);
	if (rc)
		return rc;
	snprintf(prompt, sizeof(prompt), "Value for %s (hidden): ",
		 oc_out_safe(path, safe, sizeof(safe)));
	rc = read_input(t, "secret put", args.file, max_value(t), prompt, &val,
			&len);
	if (rc)
		return rc;
	rc = OC_EXIT_FAIL;
	if (len == 0) {
		oc_tool_err("secret put: the value is empty (nothing on %s); "
			    "nothing was stored",
			    args.file ? args.file : "stdin");
		goto out;
	}
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		goto out;
	rc = write_key(t, "secret put", args.key, &v, &key);
	if (rc)
		goto out;
	rc = put_value(a, v.id, path, args.type, NULL, key, val, len, &meta);
	if (rc) {
		rc = oc_tool_fail(t, rc, "vault %s: storing secret %s", v.id,
				  safe);
		goto out;
	}
	oc_debug(OC_LOG_TOOL, "stored %zu bytes%s", len,
		 key ? " (sealed)" : "");
	rc = print_meta(t, &meta, key != NULL);
out:
	oc_secret_meta_clear(&meta);
	oc_cmek_key_free(key);
	oc_secure_free(val);
	return rc;
}

/* Opens a CMEK value into secure memory; prints why it cannot. */
static int open_value(struct oc_tool *t, const char *cmd, const char *arg,
		      const char *vault_id, const struct oc_secret *s,
		      struct oc_cmek_key **keyp, uint8_t **pt, size_t *pt_len)
{
	char hex[OC_CMEK_FPR_HEX_LEN + 1], safe[1100];
	uint8_t *buf;
	size_t len = 0;
	int rc;

	oc_out_safe(s->meta.path, safe, sizeof(safe));
	if (!*keyp) {
		rc = oc_keyarg_resolve(t, arg, "--key", vault_id, keyp);
		if (rc)
			return rc;
		if (!*keyp) {
			oc_tool_err("%s: secret %s in vault %s is CMEK-sealed: "
				    "give its key with --key KEY (or "
				    "cmek_key_file in the configuration)",
				    cmd, safe, vault_id);
			return OC_EXIT_FAIL;
		}
	}
	if (s->value_len < OC_CMEK_OVERHEAD) {
		oc_tool_err("%s: secret %s: the stored blob is too short (%zu "
			    "bytes)",
			    cmd, safe, s->value_len);
		return OC_EXIT_FAIL;
	}
	buf = oc_secure_alloc(s->value_len - OC_CMEK_OVERHEAD + 1);
	if (!buf)
		return oc_tool_fail(t, OC_ERR_NOMEM, "%s", cmd);
	rc = oc_cmek_open(*keyp, s->value, s->value_len, buf,
			  s->value_len - OC_CMEK_OVERHEAD + 1, &len);
	if (rc) {
		oc_secure_free(buf);
		oc_keyarg_fpr_hex(*keyp, hex);
		if (rc == OC_ERR_DECRYPT && s->meta.cmek_fingerprint[0] &&
		    strcmp(s->meta.cmek_fingerprint, hex) != 0)
			oc_tool_err("%s: secret %s does not open with key %s: "
				    "the server records it as sealed with %s",
				    cmd, safe, hex, s->meta.cmek_fingerprint);
		else if (rc == OC_ERR_DECRYPT)
			oc_tool_err("%s: secret %s does not open with key %s "
				    "(wrong key, or the value was altered)",
				    cmd, safe, hex);
		else
			oc_tool_err("%s: secret %s: %s", cmd, safe,
				    oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	*pt = buf;
	*pt_len = len;
	return 0;
}

/* The secret at path in the vault that arg names, into *s, and that
 * vault's id into v->id.  An arg that may be a vault id is tried as one
 * first: the secret's own GET proves the vault, a round trip fewer than
 * resolving it.  When that GET cannot tell (not an id, no such vault or
 * secret, a vault the credential may not see), arg is resolved as every
 * command does (an id, else a name) and the secret read from there;
 * unless arg was that vault's id: then the first answer stands, and the
 * secret is not asked for twice (a 403 may be an approval request). */
static int get_in_vault(struct oc_tool *t, const char *arg, const char *path,
			const char *safe, struct oc_vault *v,
			struct oc_secret *s)
{
	char first[1024] = "";
	struct oc_api *a;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = oc_tool_api(t, &a);
	if (rc)
		return rc;
	if (strlen(arg) < sizeof(v->id)) {
		char vsafe[300];

		rc = oc_api_secret_get(a, arg, path, s);
		if (rc == OC_OK) {
			memcpy(v->id, arg, strlen(arg) + 1);
			return 0;
		}
		oc_out_safe(arg, vsafe, sizeof(vsafe));
		if (rc != OC_ERR_ARGS && rc != OC_ERR_NOT_FOUND &&
		    rc != OC_ERR_GONE && rc != OC_ERR_FORBIDDEN &&
		    rc != OC_ERR_BAD_REQUEST)
			return oc_tool_fail(t, rc, "vault %s: secret %s", vsafe,
					    safe);
		oc_tool_last_reason(t, rc, first, sizeof(first));
	}
	rc = oc_tool_vault(t, arg, v, &a);
	if (rc)
		return rc;
	if (first[0] && strcmp(v->id, arg) == 0) {
		oc_tool_err("vault %s: secret %s: %s", v->id, safe, first);
		return OC_EXIT_FAIL;
	}
	rc = oc_api_secret_get(a, v->id, path, s);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: secret %s", v->id, safe);
	return 0;
}

static int secret_get(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_cmek_key *key = NULL;
	struct oc_secret s;
	struct oc_vault v;
	struct oc_out_json o;
	uint8_t *pt = NULL;
	const uint8_t *val;
	size_t len;
	char safe[1100];
	const char *path;
	int r, rc;

	memset(&s, 0, sizeof(s));
	r = parse_path(t, "secret get", argc, argv, get_opts, false, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	path = argv[r + 1];
	oc_out_safe(path, safe, sizeof(safe));
	/* Load an explicit key first: a bad key file fails before any
	 * request. */
	if (args.key) {
		rc = oc_keyarg_load(t, args.key, "--key", &key);
		if (rc)
			return rc;
	}
	rc = get_in_vault(t, argv[r], path, safe, &v, &s);
	if (rc)
		goto out;
	val = s.value;
	len = s.value_len;
	if (s.meta.cmek_encrypted) {
		rc = open_value(t, "secret get", args.key, v.id, &s, &key, &pt,
				&len);
		if (rc)
			goto out;
		val = pt;
	}
	if (t->json) {
		rc = OC_EXIT_FAIL;
		if (oc_out_json_open(&o, true))
			goto out;
		oc_out_json_map_open(&o.j);
		oc_jgen_kv_str(&o.j, "path", s.meta.path);
		oc_jgen_kv_str(&o.j, "type", s.meta.type);
		oc_jgen_kv_int(&o.j, "version", s.meta.version);
		oc_jgen_kv_bool(&o.j, "cmek_encrypted", s.meta.cmek_encrypted);
		oc_out_json_value(&o.j, val, len);
		oc_out_json_map_close(&o.j);
		rc = oc_out_json_close(&o) ? OC_EXIT_FAIL : 0;
	} else {
		rc = oc_out_write(val, len) ? OC_EXIT_FAIL : 0;
	}
	if (rc)
		oc_tool_err("secret get: cannot write the value to stdout");
out:
	oc_secure_free(pt);
	oc_secret_clear(&s);
	oc_cmek_key_free(key);
	return rc;
}

static int secret_list(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_secret_meta *list = NULL;
	struct oc_vault v;
	struct oc_api *a;
	struct oc_out_json o;
	size_t n = 0, i;
	int r, rc;

	r = parse(t, "secret list", argc, argv, list_opts, 1, "one VAULT",
		  &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (args.prefix && strlen(args.prefix) > OC_WIRE_PATH_MAX)
		return oc_tool_usage("secret list", "--prefix is too long");
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	rc = oc_api_secret_list(a, v.id, args.prefix, &list, &n);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: listing secrets", v.id);
	if (!t->json) {
		oc_out_secret_table(list, n);
	} else if (oc_out_json_open(&o, false) == 0) {
		oc_out_json_array_open(&o.j);
		for (i = 0; i < n; i++)
			oc_out_json_meta(&o.j, &list[i]);
		oc_out_json_array_close(&o.j);
		if (oc_out_json_close(&o))
			rc = OC_EXIT_FAIL;
	} else {
		rc = OC_EXIT_FAIL;
	}
	oc_secret_meta_list_free(list, n);
	return rc;
}

static int secret_rm(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_vault v;
	struct oc_api *a;
	char safe[1100];
	const char *path;
	int r, rc;

	r = parse_path(t, "secret rm", argc, argv, NULL, false, &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	path = argv[r + 1];
	oc_out_safe(path, safe, sizeof(safe));
	rc = oc_tool_vault(t, argv[r], &v, &a);
	if (rc)
		return rc;
	rc = oc_api_secret_delete(a, v.id, path);
	if (rc)
		return oc_tool_fail(t, rc, "vault %s: deleting secret %s", v.id,
				    safe);
	if (!t->quiet && !t->json)
		printf("deleted %s\n", safe);
	return 0;
}

/* --- import / export ---------------------------------------------------- */

struct item {
	char *path;
	char *type;	/* NULL: default */
	char *metadata; /* JSON text or NULL */
	uint8_t *value; /* secure */
	size_t len;
	bool ok;
};

struct bulk {
	struct oc_tool *t;
	struct oc_api *a;
	const char *vault_id;
	const struct oc_cmek_key *key;
	struct item *items;
	const struct oc_secret_meta *list; /* export */
	struct oc_progress progress;
	pthread_mutex_t lock;
	size_t done, failed, shown;
	bool missing_key;
	int fatal;
	char fatal_msg[2048];
};

static void items_free(struct item *it, size_t n)
{
	size_t i;

	for (i = 0; it && i < n; i++) {
		free(it[i].path);
		free(it[i].type);
		free(it[i].metadata);
		oc_secure_free(it[i].value);
	}
	free(it);
}

static void bulk_error(struct bulk *b, const char *path, const char *reason,
		       int fatal)
{
	char safe[1100];

	oc_out_safe(path, safe, sizeof(safe));
	pthread_mutex_lock(&b->lock);
	if (fatal) {
		if (!b->fatal) {
			b->fatal = fatal;
			snprintf(b->fatal_msg, sizeof(b->fatal_msg),
				 "secret %s: %s", safe, reason);
		}
	} else {
		b->failed++;
		if (b->shown++ < MAX_SHOWN_ERRORS)
			oc_tool_err("secret %s: %s", safe, reason);
	}
	pthread_mutex_unlock(&b->lock);
}

/* Runs fn over the n items, jobs at a time, with progress, then says what
 * failed.  Returns true when every item went well. */
static bool bulk_run(struct bulk *b, const char *verb, size_t n, unsigned jobs,
		     oc_par_fn fn)
{
	pthread_mutex_init(&b->lock, NULL);
	oc_progress_start(&b->progress, verb, (int64_t)n, b->t->quiet);
	oc_par_run(b->t, n, jobs, fn, b);
	oc_progress_end(&b->progress);
	pthread_mutex_destroy(&b->lock);
	if (b->shown > MAX_SHOWN_ERRORS)
		oc_tool_err("... and %zu more secrets failed",
			    b->shown - MAX_SHOWN_ERRORS);
	if (b->fatal)
		oc_tool_err("%s", b->fatal_msg);
	return !b->fatal && !b->failed && !oc_tool_interrupted;
}

static int import_one(void *ctx, struct oc_api *a, size_t i)
{
	struct bulk *b = ctx;
	struct item *it = &b->items[i];
	struct oc_secret_meta meta;
	char reason[768];
	int rc;

	memset(&meta, 0, sizeof(meta));
	rc = put_value(a, b->vault_id, it->path, it->type, it->metadata, b->key,
		       it->value, it->len, &meta);
	oc_secret_meta_clear(&meta);
	oc_progress_add(&b->progress, 1);
	if (rc == 0) {
		pthread_mutex_lock(&b->lock);
		b->done++;
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	oc_tool_reason(b->t, rc, oc_api_last_status(a), oc_api_last_error(a),
		       reason, sizeof(reason));
	bulk_error(b, it->path, reason, oc_par_fatal(rc) ? rc : 0);
	return oc_par_fatal(rc);
}

/* Copies a JSON string member into a NUL-terminated heap string. */
static char *dup_member(const struct oc_json *obj, const char *key, size_t max,
			bool *bad)
{
	const struct oc_json *m = oc_json_get(obj, key);
	const char *s;
	size_t n = 0;
	char *out;

	if (!m)
		return NULL;
	s = oc_json_string(m, &n);
	if (!s || n > max || memchr(s, '\0', n)) {
		*bad = true;
		return NULL;
	}
	out = malloc(n + 1);
	if (!out) {
		*bad = true;
		return NULL;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* One JSON line into an item; prints "line N: ..." on failure. */
static int parse_line(struct oc_tool *t, const char *line, size_t n,
		      size_t lineno, const char *def_type, size_t max,
		      struct item *it)
{
	struct oc_json *j = NULL;
	const struct oc_json *v, *md;
	struct oc_buf mb;
	struct oc_jgen g;
	const char *s;
	char why[128];
	size_t sl = 0, dl = 0;
	bool bad = false;
	int rc = OC_EXIT_FAIL;

	memset(it, 0, sizeof(*it));
	if (oc_json_parse(line, n, &j) != 0 ||
	    oc_json_type(j) != OC_JSON_OBJECT) {
		oc_tool_err("secret import: line %zu is not a JSON object",
			    lineno);
		goto out;
	}
	it->path = dup_member(j, "path", OC_WIRE_PATH_MAX, &bad);
	if (!it->path || bad) {
		oc_tool_err("secret import: line %zu: \"path\" (a string) is "
			    "missing",
			    lineno);
		goto out;
	}
	if (!valid_path(it->path, why, sizeof(why))) {
		char safe[1100];

		oc_tool_err("secret import: line %zu: invalid path '%s': %s",
			    lineno, oc_out_safe(it->path, safe, sizeof(safe)),
			    why);
		goto out;
	}
	it->type = dup_member(j, "type", OC_WIRE_TYPE_MAX, &bad);
	if (bad || (it->type && !valid_type(it->type))) {
		oc_tool_err("secret import: line %zu: bad \"type\"", lineno);
		goto out;
	}
	if (!it->type && def_type) {
		it->type = strdup(def_type);
		if (!it->type)
			goto out;
	}
	if ((v = oc_json_get(j, "value")) != NULL) {
		s = oc_json_string(v, &sl);
		if (!s || sl > max) {
			oc_tool_err("secret import: line %zu: \"value\" is not "
				    "a string of at most %zu bytes",
				    lineno, max);
			goto out;
		}
		it->value = oc_secure_dup(s, sl);
		it->len = sl;
	} else if ((v = oc_json_get(j, "value_base64")) != NULL) {
		s = oc_json_string(v, &sl);
		it->value =
		    s ? oc_secure_alloc(oc_base64_decoded_max(sl) + 1) : NULL;
		if (!s || !it->value ||
		    oc_base64_decode(s, sl, it->value,
				     oc_base64_decoded_max(sl) + 1, &dl) != 0 ||
		    dl > max) {
			oc_tool_err("secret import: line %zu: \"value_base64\" "
				    "is not base64 of at most %zu bytes",
				    lineno, max);
			goto out;
		}
		it->len = dl;
	} else {
		oc_tool_err("secret import: line %zu: \"value\" is missing",
			    lineno);
		goto out;
	}
	if (!it->value || it->len == 0) {
		oc_tool_err("secret import: line %zu: empty value", lineno);
		goto out;
	}
	md = oc_json_get(j, "metadata");
	if (md && oc_json_type(md) != OC_JSON_NULL) {
		if (oc_json_type(md) != OC_JSON_OBJECT) {
			oc_tool_err("secret import: line %zu: \"metadata\" is "
				    "not an object",
				    lineno);
			goto out;
		}
		oc_buf_init(&mb, OC_WIRE_METADATA_NEW_MAX, false);
		if (oc_jgen_init(&g, &mb) != 0) {
			oc_buf_free(&mb);
			goto out;
		}
		oc_jgen_node(&g, md);
		if (oc_jgen_status(&g) == 0 && mb.data)
			it->metadata = strdup((const char *)mb.data);
		oc_jgen_free(&g);
		oc_buf_free(&mb);
		if (!it->metadata) {
			oc_tool_err("secret import: line %zu: bad \"metadata\"",
				    lineno);
			goto out;
		}
	}
	rc = 0;
out:
	(void)t;
	oc_json_free(j);
	return rc;
}

static int cmp_item_path(const void *x, const void *y)
{
	const struct item *a = *(const struct item *const *)x;
	const struct item *b = *(const struct item *const *)y;

	return strcmp(a->path, b->path);
}

/* Reads and checks every line before anything is sent. */
static int load_items(struct oc_tool *t, const char *file, const char *type,
		      struct item **out, size_t *count)
{
	uint8_t *in = NULL;
	struct item *items = NULL, **sorted = NULL;
	size_t len = 0, n = 0, cap = 0, pos = 0, lineno = 0, i;
	int rc;

	rc = read_input(t, "secret import", file, MAX_IMPORT, NULL, &in, &len);
	if (rc)
		return rc;
	rc = OC_EXIT_FAIL;
	while (pos < len) {
		const char *line = (const char *)in + pos;
		const uint8_t *nl = memchr(in + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (in + pos)) : len - pos, k;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		for (k = 0; k < ll && (line[k] == ' ' || line[k] == '\t' ||
				       line[k] == '\r');
		     k++)
			;
		if (k == ll)
			continue;
		if (n == cap) {
			struct item *bigger;

			cap = cap ? cap * 2 : 256;
			bigger = realloc(items, cap * sizeof(*items));
			if (!bigger) {
				oc_tool_err("secret import: out of memory");
				goto out;
			}
			items = bigger;
		}
		if (parse_line(t, line, ll, lineno, type, max_value(t),
			       &items[n]) != 0) {
			n++;
			goto out;
		}
		n++;
	}
	if (n == 0) {
		oc_tool_err("secret import: no secrets in %s",
			    file ? file : "stdin");
		goto out;
	}
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		goto out;
	for (i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof(*sorted), cmp_item_path);
	for (i = 1; i < n; i++) {
		if (strcmp(sorted[i - 1]->path, sorted[i]->path) == 0) {
			char safe[1100];

			oc_tool_err(
			    "secret import: path '%s' appears twice",
			    oc_out_safe(sorted[i]->path, safe, sizeof(safe)));
			goto out;
		}
	}
	*out = items;
	*count = n;
	items = NULL;
	rc = 0;
out:
	free(sorted);
	items_free(items, n);
	oc_secure_free(in);
	return rc;
}

static int secret_import(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_cmek_key *key = NULL;
	struct item *items = NULL;
	struct oc_vault v;
	struct oc_out_json o;
	struct bulk b;
	size_t n = 0;
	double t0;
	int r, rc;

	memset(&b, 0, sizeof(b));
	r = parse(t, "secret import", argc, argv, import_opts, 1, "one VAULT",
		  &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (args.type && !valid_type(args.type))
		return oc_tool_usage("secret import", "bad --type");
	rc = oc_tool_conf(t);
	if (rc)
		return rc;
	rc = load_items(t, args.file, args.type, &items, &n);
	if (rc)
		return rc;
	rc = oc_tool_vault(t, argv[r], &v, &b.a);
	if (rc)
		goto out;
	rc = write_key(t, "secret import", args.key, &v, &key);
	if (rc)
		goto out;
	b.t = t;
	b.vault_id = v.id;
	b.key = key;
	b.items = items;
	t0 = oc_tool_now();
	rc = OC_EXIT_FAIL;
	if (!bulk_run(&b, "imported", n, args.jobs, import_one)) {
		oc_tool_err("secret import: %zu of %zu secrets stored in vault "
			    "%s",
			    b.done, n, v.id);
		goto out;
	}
	if (t->json) {
		if (oc_out_json_open(&o, false))
			goto out;
		oc_out_json_map_open(&o.j);
		oc_jgen_kv_str(&o.j, "vault_id", v.id);
		oc_jgen_kv_int(&o.j, "imported", (int64_t)b.done);
		oc_jgen_kv_bool(&o.j, "cmek_sealed", key != NULL);
		oc_out_json_kv_double(&o.j, "seconds", oc_tool_now() - t0);
		oc_out_json_map_close(&o.j);
		if (oc_out_json_close(&o))
			goto out;
	} else if (!t->quiet) {
		printf("imported %zu secrets into vault %s%s in %.2f s\n",
		       b.done, v.id, key ? " (CMEK-sealed)" : "",
		       oc_tool_now() - t0);
	}
	rc = 0;
out:
	oc_cmek_key_free(key);
	items_free(items, n);
	return rc;
}

static int export_one(void *ctx, struct oc_api *a, size_t i)
{
	struct bulk *b = ctx;
	const struct oc_secret_meta *m = &b->list[i];
	struct item *it = &b->items[i];
	struct oc_secret s;
	char reason[768], hex[OC_CMEK_FPR_HEX_LEN + 1];
	size_t len = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = oc_api_secret_get(a, b->vault_id, m->path, &s);
	oc_progress_add(&b->progress, 1);
	if (rc) {
		oc_tool_reason(b->t, rc, oc_api_last_status(a),
			       oc_api_last_error(a), reason, sizeof(reason));
		bulk_error(b, m->path, reason, oc_par_fatal(rc) ? rc : 0);
		return oc_par_fatal(rc);
	}
	it->type = strdup(s.meta.type);
	if (!s.meta.cmek_encrypted) {
		it->value = oc_secure_dup(s.value, s.value_len);
		it->len = s.value_len;
	} else if (!b->key) {
		pthread_mutex_lock(&b->lock);
		b->missing_key = true;
		pthread_mutex_unlock(&b->lock);
		bulk_error(b, m->path, "CMEK-sealed and no key was given", 0);
		goto out;
	} else if (s.value_len < OC_CMEK_OVERHEAD) {
		bulk_error(b, m->path, "the stored blob is too short", 0);
		goto out;
	} else {
		it->value = oc_secure_alloc(s.value_len - OC_CMEK_OVERHEAD + 1);
		if (!it->value) {
			bulk_error(b, m->path, "out of memory", OC_ERR_NOMEM);
			oc_secret_clear(&s);
			return 1;
		}
		rc = oc_cmek_open(b->key, s.value, s.value_len, it->value,
				  s.value_len - OC_CMEK_OVERHEAD + 1, &len);
		if (rc) {
			oc_keyarg_fpr_hex(b->key, hex);
			snprintf(reason, sizeof(reason),
				 "does not open with key %s", hex);
			bulk_error(b, m->path, reason, 0);
			oc_secure_free(it->value);
			it->value = NULL;
			goto out;
		}
		it->len = len;
	}
	if (!it->value || !it->type) {
		bulk_error(b, m->path, "out of memory", OC_ERR_NOMEM);
		oc_secret_clear(&s);
		return 1;
	}
	it->ok = true;
	pthread_mutex_lock(&b->lock);
	b->done++;
	pthread_mutex_unlock(&b->lock);
out:
	oc_secret_clear(&s);
	return 0;
}

static int secret_export(struct oc_tool *t, int argc, char **argv)
{
	struct secret_args args;
	struct oc_cmek_key *key = NULL;
	struct oc_secret_meta *list = NULL;
	struct item *items = NULL;
	struct oc_vault v;
	struct oc_buf out;
	struct oc_jgen g;
	struct bulk b;
	size_t n = 0, i;
	int r, rc;

	memset(&b, 0, sizeof(b));
	oc_buf_init(&out, 1u << 30, true);
	r = parse(t, "secret export", argc, argv, export_opts, 1, "one VAULT",
		  &args);
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (args.key) {
		rc = oc_keyarg_load(t, args.key, "--key", &key);
		if (rc)
			return rc;
	}
	rc = oc_tool_vault(t, argv[r], &v, &b.a);
	if (rc)
		goto out;
	if (!key) {
		rc = oc_keyarg_from_conf(t, v.id, &key);
		if (rc)
			goto out;
	}
	rc = oc_api_secret_list(b.a, v.id, args.prefix, &list, &n);
	if (rc) {
		rc = oc_tool_fail(t, rc, "vault %s: listing secrets", v.id);
		goto out;
	}
	rc = OC_EXIT_FAIL;
	items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		goto out;
	b.t = t;
	b.vault_id = v.id;
	b.key = key;
	b.items = items;
	b.list = list;
	if (!bulk_run(&b, "exported", n, args.jobs, export_one)) {
		oc_tool_err("secret export: %zu of %zu secrets in vault %s "
			    "could not be read%s; nothing was written",
			    n - b.done, n, v.id,
			    b.missing_key ? " (some are CMEK-sealed: --key)"
					  : "");
		goto out;
	}
	/* One generator, reset after each object: JSON lines. */
	if (oc_jgen_init(&g, &out) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		oc_out_json_map_open(&g);
		oc_jgen_kv_str(&g, "path", list[i].path);
		oc_jgen_kv_str(&g, "type", items[i].type);
		oc_out_json_value(&g, items[i].value, items[i].len);
		oc_out_json_map_close(&g);
		yajl_gen_reset(g.g, "\n"); /* prints the separator */
	}
	rc = oc_jgen_status(&g);
	oc_jgen_free(&g);
	if (rc) {
		oc_tool_err("secret export: the output is too large");
		rc = OC_EXIT_FAIL;
		goto out;
	}
	rc = OC_EXIT_FAIL;
	if (out.len && oc_out_write(out.data, out.len) != 0) {
		oc_tool_err("secret export: cannot write to stdout");
		goto out;
	}
	rc = 0;
out:
	oc_buf_free(&out);
	items_free(items, n);
	oc_secret_meta_list_free(list, n);
	oc_cmek_key_free(key);
	return rc;
}

int oc_cmd_secret(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"put", secret_put},
	    {"get", secret_get},
	    {"list", secret_list},
	    {"ls", secret_list},
	    {"rm", secret_rm},
	    {"delete", secret_rm},
	    {"import", secret_import},
	    {"export", secret_export},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(t, "secret", secret_usage,
				"put, get, list, rm, import or export?", subs,
				argc, argv);
}
