/* keyarg.c - loading a CMEK key named on the command line. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keyarg.h"

#include "err.h"
#include "keysrc.h"
#include "log.h"
#include "output.h"
#include "sealkey.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

void oc_keyarg_fpr_hex(const struct oc_cmek_key *k,
		       char out[OC_CMEK_FPR_HEX_LEN + 1])
{
	oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k), out);
}

/* Reads at most OC_KEYSRC_MAX_FILE bytes of stdin into secure memory. */
static int key_from_stdin(struct oc_tool *t, const char *what,
			  struct oc_cmek_key **out)
{
	uint8_t *buf = NULL, key[OC_CMEK_KEY_LEN];
	size_t n = 0;
	ssize_t r;
	int rc = OC_EXIT_FAIL;

	if (t->stdin_used) {
		oc_tool_err("%s -: stdin is already used by another argument",
			    what);
		return OC_EXIT_FAIL;
	}
	t->stdin_used = true;
	buf = oc_secure_alloc(OC_KEYSRC_MAX_FILE + 1);
	if (!buf)
		return oc_tool_fail(t, OC_ERR_NOMEM, "%s", what);
	while (n <= OC_KEYSRC_MAX_FILE) {
		r = read(STDIN_FILENO, buf + n, OC_KEYSRC_MAX_FILE + 1 - n);
		if (r < 0 && errno == EINTR && !oc_tool_interrupted)
			continue;
		if (r < 0) {
			oc_tool_err("%s: cannot read the key from stdin: %s",
				    what, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > OC_KEYSRC_MAX_FILE || oc_keysrc_decode(buf, n, key) != 0) {
		oc_tool_err("%s: the key on stdin is not a CMEK key (32 raw "
			    "bytes, base64 of 32 bytes, or 64 hex)",
			    what);
		goto out;
	}
	if (oc_cmek_key_from_raw(key, out) != 0) {
		oc_tool_err("%s: cannot hold the key", what);
		goto out;
	}
	rc = 0;
out:
	oc_wipe(key, sizeof(key));
	oc_secure_free(buf);
	return rc;
}

static int key_from_env(const char *name, const char *what,
			struct oc_cmek_key **out)
{
	uint8_t key[OC_CMEK_KEY_LEN];
	char err[512] = "";
	int rc;

	rc = oc_keysrc_load_env(name, key, err, sizeof(err));
	if (rc) {
		oc_tool_err("%s: %s", what,
			    err[0] ? err : "cannot load the key");
		return OC_EXIT_FAIL;
	}
	rc = oc_cmek_key_from_raw(key, out);
	oc_wipe(key, sizeof(key));
	if (rc) {
		oc_tool_err("%s: cannot hold the key", what);
		return OC_EXIT_FAIL;
	}
	return 0;
}

unsigned oc_keyarg_pin_flags(const struct oc_tool *t)
{
	/* The terminal is asked only when stdin is one and no key or value
	 * was read from it. */
	bool may_prompt = isatty(STDIN_FILENO) == 1 && !t->stdin_used;

	return OC_TK_LOGIN_IF_REQUIRED | OC_TK_URI_PIN_SOURCE |
	       (may_prompt ? OC_TK_MAY_PROMPT : 0u);
}

int oc_keyarg_unseal(struct oc_tool *t, const char *path, int kind,
		     const char *with, const char *module, const char *what,
		     uint8_t **secret, size_t *n)
{
	struct oc_tk_unseal_args a = {
	    .key_uri = with,
	    .module = module ? module : t->p11_module,
	    .loader = OC_TK_DLOPEN,
	    .flags = oc_keyarg_pin_flags(t),
	    .pin_file = t->pin_file,
	    .interrupted = &oc_tool_interrupted,
	};
	struct oc_tk_err e;
	int rc;

	/* The configuration's unseal_* fill in what the line leaves out. */
	if (oc_tool_conf(t) == 0) {
		if (!a.key_uri)
			a.key_uri = t->conf.unseal.key_uri;
		if (!a.module)
			a.module = t->conf.unseal.module;
		if (!a.pin_file)
			a.pin_file = t->conf.unseal.pin_file;
	}
	rc = oc_tk_unseal_file(path, &a, kind, secret, n, &e);
	if (e.pin_file_loose && a.pin_file)
		oc_tool_warn(t,
			     "PIN file %s is readable by group or others "
			     "(chmod 600 %s)",
			     a.pin_file, a.pin_file);
	if (rc) {
		oc_tool_err("%s: %s: %s", what, path,
			    e.msg[0] ? e.msg : oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	oc_debug(OC_LOG_TOOL, "%s unsealed by %s", path, e.msg);
	return 0;
}

/* A sealed key file: opened in a recipient's token. */
static int key_from_sealed(struct oc_tool *t, const char *path,
			   const char *what, struct oc_cmek_key **out)
{
	uint8_t *key = NULL;
	size_t n = 0;
	int rc;

	rc = oc_keyarg_unseal(t, path, OC_SEALKEY_CMEK, NULL, NULL, what, &key,
			      &n);
	if (rc)
		return rc;
	rc = oc_cmek_key_from_raw(key, out);
	oc_secure_free(key);
	if (rc) {
		oc_tool_err("%s: cannot hold the key", what);
		return OC_EXIT_FAIL;
	}
	return 0;
}

static int key_from_file(struct oc_tool *t, const char *path, const char *what,
			 struct oc_cmek_key **out)
{
	char err[512] = "";
	int loose = 0, rc;

	rc = oc_keysrc_key_from_file(path, out, &loose, err, sizeof(err));
	if (rc == OC_ERR_SEALED)
		return key_from_sealed(t, path, what, out);
	if (rc) {
		if (err[0])
			oc_tool_err("%s: %s", what, err);
		else
			oc_tool_err("%s: key file %s: %s", what, path,
				    oc_strerror(rc));
		return OC_EXIT_FAIL;
	}
	if (loose)
		oc_tool_warn(t,
			     "key file %s is readable by its group (chmod g-r "
			     "%s unless a service's group needs it)",
			     path, path);
	return 0;
}

/* What to do about a refusal the user can fix on the command line. */
static const char *uri_hint(enum oc_tk_stage stage)
{
	switch (stage) {
	case OC_TK_AT_NO_MODULE:
		return ": give --pkcs11-module SO";
	case OC_TK_AT_NEED_PIN:
		return ": give --pin-file FILE";
	default:
		return "";
	}
}

static int key_from_uri(struct oc_tool *t, const char *uri, const char *module,
			const char *pin_file, const char *fingerprint,
			const char *what, struct oc_cmek_key **out)
{
	struct oc_tk_open_args a = {
	    .uri = uri,
	    .module = module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_AES,
	    .flags = oc_keyarg_pin_flags(t),
	    .pin_file = pin_file,
	    .interrupted = &oc_tool_interrupted,
	};
	struct oc_tk_err e;
	int rc;

	rc = oc_tk_cmek_open(&a, fingerprint, out, &e);
	if (e.pin_file_loose && pin_file)
		oc_tool_warn(t,
			     "PIN file %s is readable by group or others "
			     "(chmod 600 %s)",
			     pin_file, pin_file);
	else if (e.pin_file_loose)
		oc_tool_warn(t,
			     "%s: the URI's pin-source file is readable by "
			     "group or others (chmod 600 it)",
			     what);
	if (rc) {
		oc_tool_err("%s: %s%s", what,
			    e.msg[0] ? e.msg : oc_strerror(rc),
			    uri_hint(e.stage));
		return OC_EXIT_FAIL;
	}
	return 0;
}

int oc_keyarg_load(struct oc_tool *t, const char *arg, const char *what,
		   struct oc_cmek_key **out)
{
	const char *module = t->p11_module, *pin = t->pin_file;
	int rc;

	if (!arg || !*arg) {
		oc_tool_err("%s: empty key argument", what);
		return OC_EXIT_FAIL;
	}
	if (strcmp(arg, "-") == 0)
		return key_from_stdin(t, what, out);
	if (strncmp(arg, "env:", 4) == 0)
		return key_from_env(arg + 4, what, out);
	if (strncmp(arg, "pkcs11:", 7) == 0) {
		/* Fall back to the module and PIN file of the config. */
		if ((!module || !pin) && oc_tool_conf(t) == 0) {
			if (!module)
				module = t->conf.key.module;
			if (!pin)
				pin = t->conf.key.pin_file;
		}
		return key_from_uri(t, arg, module, pin, NULL, what, out);
	}
	rc = key_from_file(t, arg, what, out);
	return rc;
}

int oc_keyarg_fingerprint(struct oc_tool *t, const char *arg, const char *what,
			  char out[OC_CMEK_FPR_HEX_LEN + 1])
{
	struct oc_cmek_key *k = NULL;
	int rc;

	rc = oc_keyarg_load(t, arg, what, &k);
	if (rc)
		return rc;
	oc_keyarg_fpr_hex(k, out);
	oc_cmek_key_free(k);
	return 0;
}

int oc_keyarg_from_conf(struct oc_tool *t, const char *vault_id,
			struct oc_cmek_key **out)
{
	const struct oc_conf_key *k;
	char what[160];
	int rc;

	*out = NULL;
	rc = oc_tool_conf(t);
	if (rc)
		return rc;
	k = oc_conf_key_for(&t->conf, vault_id);
	if (!k)
		return 0;
	if (k->uri) {
		snprintf(what, sizeof(what), "cmek_key_uri");
		return key_from_uri(t, k->uri,
				    t->p11_module ? t->p11_module : k->module,
				    t->pin_file ? t->pin_file : k->pin_file,
				    k->fingerprint, what, out);
	}
	if (k->file) {
		snprintf(what, sizeof(what), "cmek_key_file");
		return key_from_file(t, k->file, what, out);
	}
	if (k->env) {
		snprintf(what, sizeof(what), "cmek_key_env");
		return key_from_env(k->env, what, out);
	}
	return 0;
}

int oc_keyarg_resolve(struct oc_tool *t, const char *arg, const char *what,
		      const char *vault_id, struct oc_cmek_key **out)
{
	*out = NULL;
	if (arg)
		return oc_keyarg_load(t, arg, what, out);
	return oc_keyarg_from_conf(t, vault_id, out);
}
