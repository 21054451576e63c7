/* cmd-seal.c - key seal / key unseal: a CMEK key or a credential sealed
 * with RSA-OAEP to the public keys of key pairs in tokens (src/sealkey.h),
 * and opened again inside one of them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd-seal.h"

#include "buf.h"
#include "codec.h"
#include "err.h"
#include "keyarg.h"
#include "log.h"
#include "newfile.h"
#include "ossl.h"
#include "output.h"
#include "sealkey.h"
#include "secmem.h"
#include "tokenkey/tokenkey.h"

static const char key_usage[] =
    "Usage: oneclaw-tool key seal|unseal ...\n"
    "\n"
    "  key seal --to URI|--to-pubkey FILE [...] [--module SO]\n"
    "           [--oaep-hash sha256|sha1] [--credential] [--out FILE] KEY\n"
    "  key unseal [--with URI] [--module SO] [--out FILE] SEALED\n"
    "\n"
    "A sealed key file holds a CMEK key (or, with --credential, an API\n"
    "key) encrypted with RSA-OAEP to the public keys of key pairs in\n"
    "PKCS#11 tokens (a TPM, a PIV card, an HSM); only one of those tokens\n"
    "opens it.  It is accepted wherever a key file is: fingerprint, cmek\n"
    "enable/rotate, cmek_key_file and credential_file.\n";

static const char seal_usage[] =
    "Usage: oneclaw-tool key seal --to URI|--to-pubkey FILE [...]\n"
    "           [--module SO] [--oaep-hash sha256|sha1] [--credential]\n"
    "           [--out FILE] KEY\n"
    "\n"
    "Seals KEY (a key file in any encoding, '-' or env:NAME; with\n"
    "--credential a file holding an API key) to each recipient, with\n"
    "public keys only: no token is logged in to and no PIN is asked.\n"
    "  --to URI          an RSA key pair in a token (pkcs11: URI of the\n"
    "                    public key, e.g. ...;type=public); recorded so\n"
    "                    that unsealing finds the token\n"
    "  --to-pubkey FILE  an RSA public key or certificate (PEM); recorded\n"
    "                    by its SHA-256 only (unseal with --with URI)\n"
    "  --module SO       PKCS#11 module for the --to URIs (else\n"
    "                    --pkcs11-module, or each URI's module-path)\n"
    "  --oaep-hash H     sha256 (default; TPMs) or sha1 (SoftHSM2 2.6\n"
    "                    decrypts RSA-OAEP with SHA-1 only), for the\n"
    "                    recipients after it (the first one given: for\n"
    "                    those before it too), e.g. --oaep-hash sha256\n"
    "                    --to TPM --oaep-hash sha1 --to SOFTHSM\n"
    "  --out FILE        a new file (else stdout)\n"
    "Give several recipients so that losing one device loses nothing.\n";

static const char unseal_usage[] =
    "Usage: oneclaw-tool key unseal [--with URI] [--module SO]\n"
    "           [--out FILE] SEALED\n"
    "\n"
    "Opens SEALED inside the token of one of its recipients (tried in\n"
    "file order; --pin-file gives the PIN) and writes the key (base64) or\n"
    "the credential to FILE, a new file made with mode 0600, or to stdout\n"
    "when that is not a terminal.  For recovery.\n"
    "  --with URI    the private key to use (for recipients sealed with\n"
    "                --to-pubkey, or a URI other than the recorded one)\n"
    "  --module SO   PKCS#11 module (else --pkcs11-module, unseal_module,\n"
    "                the URI's module-path)\n";

enum {
	OPT_TO = OC_OPT_CMD_BASE,
	OPT_TO_PUBKEY,
	OPT_MODULE,
	OPT_OAEP_HASH,
	OPT_CREDENTIAL,
	OPT_OUT,
	OPT_WITH,
};

static const struct option seal_opts[] = {
    {"to", required_argument, NULL, OPT_TO},
    {"to-pubkey", required_argument, NULL, OPT_TO_PUBKEY},
    {"module", required_argument, NULL, OPT_MODULE},
    {"oaep-hash", required_argument, NULL, OPT_OAEP_HASH},
    {"credential", no_argument, NULL, OPT_CREDENTIAL},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

static const struct option unseal_opts[] = {
    {"with", required_argument, NULL, OPT_WITH},
    {"module", required_argument, NULL, OPT_MODULE},
    {"out", required_argument, NULL, OPT_OUT},
    {NULL, 0, NULL, 0},
};

struct seal_args {
	struct {
		const char *arg;
		bool pubkey_file;
		enum oc_sealkey_hash hash;
	} to[OC_SEALKEY_MAX_RECIPIENTS];
	size_t n_to;
	const char *module;
	const char *out;
	const char *with;
	enum oc_sealkey_hash hash;
	bool hash_given;
	bool credential;
};

static int seal_opt(struct oc_tool *t, void *ctx, int c, const char *arg)
{
	struct seal_args *s = ctx;

	switch (c) {
	case OPT_TO:
	case OPT_TO_PUBKEY:
		if (s->n_to >= OC_SEALKEY_MAX_RECIPIENTS)
			return oc_tool_usage("key seal",
					     "at most %d recipients",
					     OC_SEALKEY_MAX_RECIPIENTS);
		s->to[s->n_to].arg = arg;
		s->to[s->n_to].hash = s->hash;
		s->to[s->n_to++].pubkey_file = c == OPT_TO_PUBKEY;
		return 0;
	case OPT_MODULE:
		s->module = arg;
		return 0;
	case OPT_OAEP_HASH:
		if (strcmp(arg, "sha256") == 0)
			s->hash = OC_SEALKEY_SHA256;
		else if (strcmp(arg, "sha1") == 0)
			s->hash = OC_SEALKEY_SHA1;
		else
			return oc_tool_usage("key seal",
					     "--oaep-hash is sha256 or sha1");
		/* The first one also covers the recipients before it, so
		 * that "--to A --oaep-hash sha1" means A with SHA-1; later
		 * ones cover the recipients after them only. */
		for (size_t i = 0; !s->hash_given && i < s->n_to; i++)
			s->to[i].hash = s->hash;
		s->hash_given = true;
		return 0;
	case OPT_CREDENTIAL:
		s->credential = true;
		return 0;
	case OPT_OUT:
		s->out = arg;
		return 0;
	case OPT_WITH:
		s->with = arg;
		return 0;
	default:
		return OC_EXIT_USAGE;
	}
}

/* An RSA public key from a PEM public key or certificate. */
static EVP_PKEY *pubkey_file(const char *path)
{
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	BIO *b = BIO_new_file(path, "r");

	if (!b)
		return NULL;
	pk =
	    PEM_read_bio_PUBKEY_ex(b, NULL, NULL, NULL, oc_ossl_libctx(), NULL);
	if (!pk && BIO_reset(b) == 0) {
		cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (cert)
			pk = X509_get_pubkey(cert);
	}
	X509_free(cert);
	BIO_free(b);
	oc_ossl_clear_errors();
	return pk;
}

/* The public half of a key pair in a token: no login. */
static EVP_PKEY *pubkey_token(struct oc_tool *t, const char *uri,
			      const char *module)
{
	struct oc_tk_open_args a = {
	    .uri = uri,
	    .module = module ? module : t->p11_module,
	    .loader = OC_TK_DLOPEN,
	    .kind = OC_TK_RSA_PUBLIC,
	};
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;
	EVP_PKEY *pk = NULL;
	int rc;

	rc = oc_tk_key_open(&a, &k, &e);
	if (!rc)
		rc = oc_tk_public_key(k, &pk, &e);
	oc_tk_key_free(k);
	if (rc)
		oc_tool_err("key seal: --to %s: %s",
			    strstr(uri, "pin-value") ? "URI" : uri,
			    e.msg[0] ? e.msg : oc_strerror(rc));
	return rc ? NULL : pk;
}

/* The API key of a credential file, trimmed, in secure memory. */
static int read_credential(const char *path, uint8_t **out, size_t *n)
{
	uint8_t *buf = oc_secure_alloc(OC_SEALKEY_MAX_SECRET + 2);
	size_t len = 0, s = 0;
	ssize_t r;
	int fd, rc = OC_EXIT_FAIL;

	if (!buf)
		return OC_EXIT_FAIL;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO
				    : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		oc_tool_err("key seal: %s: %s", path, strerror(errno));
		goto out;
	}
	while (len <= OC_SEALKEY_MAX_SECRET + 1) {
		r = read(fd, buf + len, OC_SEALKEY_MAX_SECRET + 2 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
		       buf[len - 1] == ' '))
		len--;
	while (s < len && buf[s] == ' ')
		s++;
	if (len - s == 0 || len - s > OC_SEALKEY_MAX_SECRET) {
		oc_tool_err("key seal: %s: not a credential of 1 to %d "
			    "characters",
			    path, OC_SEALKEY_MAX_SECRET);
		goto out;
	}
	memmove(buf, buf + s, len - s);
	*n = len - s;
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	oc_secure_free(buf);
	return rc;
}

/* The secret to seal: a CMEK key's 32 bytes, or a credential. */
static int seal_secret(struct oc_tool *t, const struct seal_args *s,
		       const char *arg, uint8_t **out, size_t *n)
{
	struct oc_cmek_key *k = NULL;
	int rc;

	if (s->credential)
		return read_credential(arg, out, n);
	rc = oc_keyarg_load(t, arg, "key seal", &k);
	if (rc)
		return rc;
	*out = oc_secure_alloc(OC_CMEK_KEY_LEN);
	if (!*out || oc_cmek_key_raw(k, *out) != 0) {
		oc_tool_err("key seal: %s: a key held in a token cannot be "
			    "sealed (only key files and variables)",
			    arg);
		oc_secure_free(*out);
		*out = NULL;
		rc = OC_EXIT_FAIL;
	}
	*n = OC_CMEK_KEY_LEN;
	oc_cmek_key_free(k);
	return rc;
}

/* p to --out (a new 0600 file) or stdout. */
static int write_out(const char *cmd, const char *path, const void *p, size_t n)
{
	bool made = false;

	if (!path) {
		if (oc_out_write(p, n) == 0)
			return 0;
		oc_tool_err("%s: cannot write to stdout", cmd);
		return OC_EXIT_FAIL;
	}
	if (oc_newfile_write(AT_FDCWD, path, p, n, &made) == 0)
		return 0;
	oc_tool_err("%s: cannot %s %s: %s", cmd, made ? "write" : "create",
		    path, strerror(errno));
	if (made)
		unlink(path);
	return OC_EXIT_FAIL;
}

static int cmd_seal(struct oc_tool *t, int argc, char **argv)
{
	struct seal_args s = {.hash = OC_SEALKEY_SHA256};
	struct oc_sealkey_to to[OC_SEALKEY_MAX_RECIPIENTS] = {{0}};
	struct oc_sealkey *sealed = NULL;
	struct oc_buf text;
	uint8_t *secret = NULL;
	char err[512] = "";
	size_t n = 0, i;
	int r, rc = OC_EXIT_FAIL;

	oc_buf_init(&text, OC_SEALKEY_MAX_FILE, false);
	r = oc_tool_getopt_n(t, "key seal", seal_usage, argc, argv, seal_opts,
			     seal_opt, &s, 1, "exactly one KEY");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (s.n_to == 0)
		return oc_tool_usage("key seal",
				     "give at least one --to or --to-pubkey");
	for (i = 0; i < s.n_to; i++) {
		to[i].hash = s.to[i].hash;
		if (s.to[i].pubkey_file) {
			to[i].pub = pubkey_file(s.to[i].arg);
			if (!to[i].pub)
				oc_tool_err("key seal: --to-pubkey %s: not a "
					    "PEM public key or certificate",
					    s.to[i].arg);
		} else {
			to[i].uri = s.to[i].arg;
			to[i].pub = pubkey_token(t, s.to[i].arg, s.module);
		}
		if (!to[i].pub)
			goto out;
	}
	rc = seal_secret(t, &s, argv[r], &secret, &n);
	if (rc)
		goto out;
	rc = OC_EXIT_FAIL;
	if (oc_sealkey_seal(
		s.credential ? OC_SEALKEY_CREDENTIAL : OC_SEALKEY_CMEK, secret,
		n, to, s.n_to, &sealed, err, sizeof(err)) != 0) {
		oc_tool_err("key seal: %s", err[0] ? err : "sealing failed");
		goto out;
	}
	if (oc_sealkey_write(sealed, &text) != 0) {
		oc_tool_err("key seal: cannot write the sealed file");
		goto out;
	}
	rc = write_out("key seal", s.out, text.data, text.len);
	if (!rc)
		oc_debug(OC_LOG_TOOL, "sealed to %zu recipients", s.n_to);
out:
	for (i = 0; i < s.n_to; i++)
		EVP_PKEY_free(to[i].pub);
	oc_secure_free(secret);
	oc_sealkey_free(sealed);
	oc_buf_free(&text);
	return rc;
}

static int cmd_unseal(struct oc_tool *t, int argc, char **argv)
{
	struct seal_args s = {.hash = OC_SEALKEY_SHA256};
	struct oc_sealkey *sealed = NULL;
	uint8_t *secret = NULL;
	char *text = NULL, err[512] = "";
	size_t n = 0, cap;
	int r, rc = OC_EXIT_FAIL;

	r = oc_tool_getopt_n(t, "key unseal", unseal_usage, argc, argv,
			     unseal_opts, seal_opt, &s, 1,
			     "exactly one SEALED");
	if (r < 0)
		return oc_tool_getopt_exit(r);
	if (!s.out && isatty(STDOUT_FILENO)) {
		oc_tool_err("key unseal: refusing to print a key on a "
			    "terminal: use --out FILE (or redirect stdout)");
		return OC_EXIT_FAIL;
	}
	if (oc_sealkey_load_file(argv[r], &sealed, err, sizeof(err)) != 0) {
		oc_tool_err("key unseal: %s", err);
		return OC_EXIT_FAIL;
	}
	rc = oc_keyarg_unseal(t, argv[r], (int)sealed->kind, s.with, s.module,
			      "key unseal", &secret, &n);
	if (rc)
		goto out;
	rc = OC_EXIT_FAIL;
	cap = oc_base64_len(OC_SEALKEY_MAX_SECRET) + 2;
	text = oc_secure_alloc(cap);
	if (!text)
		goto out;
	if (sealed->kind == OC_SEALKEY_CMEK)
		oc_base64_encode(secret, n, text, cap);
	else
		memcpy(text, secret, n);
	n = strlen(text);
	text[n++] = '\n';
	rc = write_out("key unseal", s.out, text, n);
out:
	oc_secure_free(text);
	oc_secure_free(secret);
	oc_sealkey_free(sealed);
	return rc;
}

int oc_cmd_key(struct oc_tool *t, int argc, char **argv)
{
	static const struct oc_tool_cmd subs[] = {
	    {"seal", cmd_seal},
	    {"unseal", cmd_unseal},
	    {NULL, NULL},
	};

	return oc_tool_dispatch(t, "key", key_usage, "give seal or unseal",
				subs, argc, argv);
}

int oc_seal_fingerprint(const char *path, char out[OC_CMEK_FPR_HEX_LEN + 1])
{
	struct oc_sealkey *s = NULL;
	int rc;

	if (strcmp(path, "-") == 0 || strncmp(path, "env:", 4) == 0 ||
	    strncmp(path, "pkcs11:", 7) == 0)
		return OC_ERR_ARGS;
	rc = oc_sealkey_load_file(path, &s, NULL, 0);
	if (!rc && s->kind != OC_SEALKEY_CMEK)
		rc = OC_ERR_ARGS;
	if (!rc)
		oc_cmek_fingerprint_hex(s->fpr, out);
	oc_sealkey_free(s);
	return rc;
}
