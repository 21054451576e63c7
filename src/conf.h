/* conf.h - configuration of the module and the CLI.
 *
 * Read once, in this order (later wins): built-in defaults, the config file
 * ($ONECLAW_PKCS11_CONF, else SYSCONFDIR/oneclaw/pkcs11.conf; a missing
 * default file is fine, a missing named file is an error), the environment,
 * then the reserved string (p11-kit's x-init-reserved).  File syntax:
 *
 *     # comment
 *     key = value
 *     [vault <vault-id>]        # keys below apply to that vault only
 *     name = My vault           # the token label, known before login
 *     cmek_key_file = /path
 *
 * The reserved string uses the same keys, "key=value" pairs separated by
 * ';' or whitespace.  Every value is length-bounded; an unknown key, a bad
 * value, or a file oc_conf_check_file refuses (another user's, writable by
 * group/others, a credential file readable by others) gives OC_ERR_CONFIG
 * with one message in errbuf naming the file, line and key (never a value
 * that may be secret).
 *
 * Keys:
 *   api_url            https://... (http:// only to 127.0.0.0/8, ::1,
 *                      localhost); default https://api.1claw.xyz
 *   ca_file, ca_path   extra trust anchors; verification is always on
 *   credential_file    file holding an ocv_ agent key, a 1ck_ user key, or a
 *                      token (kind told by prefix; a JWT has two dots), or
 *                      a sealed key file of kind credential (src/sealkey.h)
 *   agent_id           uuid, optional with ocv_ keys
 *   runtime_id         sent as X-1Claw-Runtime-Id on every request (a
 *                      runtime-bound token needs it); 1 to 256 visible
 *                      ASCII characters
 *   vaults             comma list of vault ids (default: all visible,
 *                      listed when a session is first opened)
 *   name               only in a [vault ID] section: the vault's name,
 *                      which the token is labelled with from the start
 *                      (UTF-8, at most OC_WIRE_NAME_MAX bytes)
 *   cmek_key_file      CMEK key file (any accepted encoding)
 *   cmek_key_env       name of an env var holding the key
 *                      (default ONECLAW_CMEK_KEY when that is set)
 *   cmek_key_uri       pkcs11: URI of an AES key in another token
 *   cmek_key_module    the PKCS#11 module (.so) holding cmek_key_uri
 *   cmek_key_pin_file  file with that token's user PIN
 *   cmek_key_fingerprint 64 hex: fingerprint of the delegated key (else
 *                      taken from its CKA_ID when that is 32 bytes)
 *   dpop_key_uri       pkcs11: URI of an EC P-256 key in another token:
 *                      tokens are bound to it (RFC 9449 DPoP) and every
 *                      request carries a proof it signs there
 *   dpop_key_module    the PKCS#11 module (.so) holding dpop_key_uri
 *   dpop_key_pin_file  file with that token's user PIN
 *   unseal_key_uri     pkcs11: URI of the private key that opens sealed
 *                      key files (default: each recipient's own URI)
 *   unseal_module      the PKCS#11 module for it (default: the URI's
 *                      module-path)
 *   unseal_pin_file    file with that token's user PIN
 *   token_cache        file where the access token of an exchange is kept
 *                      for the next process of the same credential
 *                      (src/tokcache.h); default none
 *   cache_ttl          seconds a fetched list/value is reused (default 300)
 *   connect_timeout    seconds (default 10); timeout: seconds per request
 *                      (default 30); retries: extra tries (default 2)
 *   read_only          true|false (default false)
 *   debug              category list as ONECLAW_PKCS11_DEBUG
 *   debug_file         path of the debug log
 *   max_value_size     bytes, cap on one secret value (default 5 MiB)
 *   cmek_values        sealed (default): a CMEK secret's CKA_VALUE is its
 *                      blob, opened with C_Decrypt; opened: CKA_VALUE is
 *                      the plaintext (CKA_PRIVATE), the blob is
 *                      CKA_ONECLAW_CMEK_BLOB.  For RPCs that forward no
 *                      decryption mechanism; needs the vault's key.
 *   audit              off (default) | syslog | an absolute file path: one
 *                      line per use of a secret or key through the module
 *                      (p11/audit.h); syslog is LOG_AUTHPRIV, a file is
 *                      appended to (created 0600)
 *
 * Environment: ONECLAW_API_URL / ONECLAW_BASE_URL, ONECLAW_AGENT_API_KEY,
 * ONECLAW_AGENT_ID, ONECLAW_RUNTIME_ID, ONECLAW_API_KEY, ONECLAW_TOKEN,
 * ONECLAW_CREDENTIAL_FILE, ONECLAW_VAULT_ID, ONECLAW_VAULT_NAME (the name
 * of that vault; needs ONECLAW_VAULT_ID), ONECLAW_CMEK_KEY,
 * ONECLAW_CMEK_KEY_FILE, ONECLAW_DPOP_KEY_URI, ONECLAW_DPOP_KEY_MODULE,
 * ONECLAW_DPOP_KEY_PIN_FILE, ONECLAW_TOKEN_CACHE, ONECLAW_PKCS11_DEBUG,
 * ONECLAW_PKCS11_DEBUG_FILE, ONECLAW_PKCS11_AUDIT, ONECLAW_CA_FILE. Secret
 * variables are read with
 * secure_getenv. */
#ifndef OC_CONF_H
#define OC_CONF_H

#include <stdbool.h>
#include <stddef.h>

struct stat;

#define OC_CONF_MAX_VAULTS     64
#define OC_CONF_MAX_RUNTIME_ID 256
#define OC_CONF_MAX_LINE       4096
#define OC_CONF_MAX_FILE       (256u * 1024)
#define OC_DEFAULT_API_URL     "https://api.1claw.xyz"

/* Where the module's audit lines go (the audit key). */
enum oc_conf_audit {
	OC_CONF_AUDIT_OFF = 0,
	OC_CONF_AUDIT_SYSLOG,
	OC_CONF_AUDIT_FILE, /* audit_file */
};

enum oc_cred_kind {
	OC_CRED_NONE = 0,  /* PIN mode: the user PIN is the API key */
	OC_CRED_AGENT_KEY, /* ocv_... -> POST /v1/auth/agent-token */
	OC_CRED_USER_KEY,  /* 1ck_... -> POST /v1/auth/api-key-token */
	OC_CRED_TOKEN,	   /* a bearer token used as is */
};

/* Where a CMEK key comes from.  All strings NULL when unset. */
struct oc_conf_key {
	char *file;
	char *env;    /* variable name */
	char *uri;    /* pkcs11: URI (delegated) */
	char *module; /* module path for uri */
	char *pin_file;
	char *fingerprint; /* 64 lowercase hex, for a delegated key */
};

/* How a CMEK secret's data object presents its value. */
enum oc_cmek_values {
	OC_CMEK_VALUES_UNSET = 0, /* a vault section without its own word */
	OC_CMEK_VALUES_SEALED,	  /* CKA_VALUE is the blob (the default) */
	OC_CMEK_VALUES_OPENED,	  /* CKA_VALUE is the plaintext */
};

struct oc_conf_vault {
	char *id;
	char *name;		/* the configured name, or NULL */
	struct oc_conf_key key; /* overrides the default key for this vault */
	bool allow_unsealed;	/* see oc_conf_allow_unsealed */
	enum oc_cmek_values cmek_values;
};

struct oc_conf {
	char *api_url;
	char *ca_file;
	char *ca_path;
	enum oc_cred_kind cred_kind;
	char *credential; /* secure memory; NULL in PIN mode */
	/* credential_file when it is a sealed key file: credential stays
	 * NULL until a front end unseals it (cred_kind then set). */
	char *credential_sealed;
	struct {
		char *key_uri;
		char *module;
		char *pin_file;
	} unseal; /* opening sealed key files */
	char *agent_id;
	char *runtime_id; /* NULL: no X-1Claw-Runtime-Id */
	struct oc_conf_vault vaults[OC_CONF_MAX_VAULTS]; /* explicit list and
							     per-vault keys */
	size_t n_vaults;
	bool vaults_explicit;	/* false: every vault the credential sees */
	struct oc_conf_key key; /* default CMEK key for every vault */
	bool allow_unsealed;	/* ... for every vault */
	enum oc_cmek_values cmek_values; /* ... for every vault */
	/* DPoP: a P-256 key in another token; all NULL when unset. */
	char *dpop_key_uri;
	char *dpop_key_module;
	char *dpop_key_pin_file;
	char *token_cache; /* NULL: every process exchanges */
	unsigned cache_ttl_s;
	unsigned connect_timeout_s;
	unsigned timeout_s;
	unsigned retries;
	bool read_only;
	char *debug;
	char *debug_file;
	size_t max_value_size;
	enum oc_conf_audit audit;
	char *audit_file; /* OC_CONF_AUDIT_FILE: an absolute path */
	char *source;	  /* the config file used, or NULL */
};

/* With a CMEK key configured, may this vault's values be unsealed (the
 * server's word on sealing taken as it is)?  Set globally or in the
 * vault's section; false by default. */
bool oc_conf_allow_unsealed(const struct oc_conf *c, const char *vault_id);
/* Does this vault present its CMEK values opened (cmek_values)?  Set
 * globally or in the vault's section; the section's word wins. */
bool oc_conf_cmek_opened(const struct oc_conf *c, const char *vault_id);
/* The configured name of a vault (the name key of its section, or
 * ONECLAW_VAULT_NAME), or NULL. */
const char *oc_conf_vault_name(const struct oc_conf *c, const char *vault_id);
/* A vault name fit to be a label: 1 to OC_WIRE_NAME_MAX bytes of UTF-8
 * without control characters. */
bool oc_conf_vault_name_ok(const char *v);
/* A runtime id fit to send as a header: 1 to OC_CONF_MAX_RUNTIME_ID
 * visible ASCII characters. */
bool oc_conf_runtime_id_ok(const char *v);

/* Defaults, file, environment, reserved (may be NULL).  On failure c is
 * left freed-and-zeroed and errbuf holds the one-line reason. */
int oc_conf_load(struct oc_conf *c, const char *reserved, char *errbuf,
		 size_t errlen);
/* Only the file at path (no env, no defaults file lookup): for tests and
 * the CLI's --config. */
int oc_conf_load_file(struct oc_conf *c, const char *path, char *errbuf,
		      size_t errlen);
/* One line of a configuration file, as oc_conf_read_lines hands it over:
 * a setting (key and value, trimmed, section NULL) or a section header
 * (section: the whole trimmed line, starting with '['; key and value
 * NULL).  where is "FILE:LINE".  The strings live until the callback
 * returns and may be changed in place. */
struct oc_conf_line {
	const char *where;
	char *section;
	char *key;
	char *value;
};
/* OC_OK to go on; anything else stops the reading and is returned, the
 * callback having put its message in the errbuf it was given (through
 * ctx). */
typedef int (*oc_conf_line_fn)(void *ctx, const struct oc_conf_line *line);
/* The one reader of "key = value" files (this module's, oneclaw-vaultd's):
 * a regular file of at most OC_CONF_MAX_FILE bytes that passes
 * oc_conf_check_file (not a secret), then each line of at most
 * OC_CONF_MAX_LINE bytes, blank lines and comments (from a '#' at the
 * start or after a blank) skipped, handed to fn in order.  A missing file
 * is OC_ERR_IO; another problem of the file or a line without '=' is
 * OC_ERR_CONFIG; errbuf names the file (and line). */
int oc_conf_read_lines(const char *path, oc_conf_line_fn fn, void *ctx,
		       char *errbuf, size_t errlen);
/* Wipes the credential; NULL-safe on a zeroed struct. */
void oc_conf_free(struct oc_conf *c);
/* The key source for a vault: its own section, else the default.
 * Returns NULL when neither has any source set. */
const struct oc_conf_key *oc_conf_key_for(const struct oc_conf *c,
					  const char *vault_id);
/* May the file behind st (opened as path) be trusted?  As OpenSSH treats
 * its own files: owned by the calling user (geteuid) or root, and
 * writable by neither group nor others; a file holding a secret
 * (credential, CMEK key) must not be readable by others either (its group
 * may read it: a 0640 file for a service's group is a normal deployment).
 * OC_OK, or OC_ERR_PERM with errbuf naming the file and the fix (chown,
 * chmod go-w, chmod o-r). */
int oc_conf_check_file(const char *path, const struct stat *st, bool secret,
		       char *errbuf, size_t errlen);
/* Tells the kind of a credential string by its prefix. */
enum oc_cred_kind oc_conf_cred_kind(const char *s);
/* 1 when url is https://, or http:// to a loopback host. */
int oc_conf_url_allowed(const char *url);

#endif
