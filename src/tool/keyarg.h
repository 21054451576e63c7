/* keyarg.h - turning a KEY argument into a CMEK key.
 *
 *   FILE          a key file in any accepted encoding (src/keysrc.h);
 *                 group/other-readable files get a warning; or a sealed
 *                 key file (src/sealkey.h), opened in a recipient's token
 *                 (--pkcs11-module, --pin-file, else unseal_module,
 *                 unseal_pin_file, unseal_key_uri of the configuration)
 *   -             the key on stdin (once per command)
 *   env:NAME      an environment variable
 *   pkcs11:...    an AES key in a token (--pkcs11-module, --pin-file);
 *                 its bytes never enter the process
 *
 * Without an argument the vault's key from the configuration is used
 * (cmek_key_file / cmek_key_env / cmek_key_uri, as for the module). */
#ifndef OC_TOOL_KEYARG_H
#define OC_TOOL_KEYARG_H

#include <stddef.h>
#include <stdint.h>

#include "cmek.h"
#include "main.h"

/* The tokenkey PIN flags of the tool: the PIN file, the URI's
 * pin-source, then the terminal when it may ask (OC_TK_* flags). */
unsigned oc_keyarg_pin_flags(const struct oc_tool *t);

/* what names the argument in messages (e.g. "--old").  Prints the reason
 * and returns OC_EXIT_FAIL on failure. */
int oc_keyarg_load(struct oc_tool *t, const char *arg, const char *what,
		   struct oc_cmek_key **out);
/* The configured key for a vault.  Returns 0 with *out NULL when none is
 * configured; prints and returns OC_EXIT_FAIL when one is and fails. */
int oc_keyarg_from_conf(struct oc_tool *t, const char *vault_id,
			struct oc_cmek_key **out);
/* arg when given, else the configured key (may leave *out NULL). */
int oc_keyarg_resolve(struct oc_tool *t, const char *arg, const char *what,
		      const char *vault_id, struct oc_cmek_key **out);
/* Loads the key arg names only to learn its 64-hex fingerprint (the key
 * is freed again).  Fails as oc_keyarg_load. */
int oc_keyarg_fingerprint(struct oc_tool *t, const char *arg, const char *what,
			  char out[OC_CMEK_FPR_HEX_LEN + 1]);
/* Opens the sealed key file at path (kind: enum oc_sealkey_kind) with the
 * private key with (NULL: unseal_key_uri, else each recipient's URI) in
 * module (NULL: --pkcs11-module, unseal_module, the URI's).  *secret is
 * oc_secure_alloc memory.  Prints every reason on failure. */
int oc_keyarg_unseal(struct oc_tool *t, const char *path, int kind,
		     const char *with, const char *module, const char *what,
		     uint8_t **secret, size_t *n);
/* 64-hex fingerprint of a key. */
void oc_keyarg_fpr_hex(const struct oc_cmek_key *k,
		       char out[OC_CMEK_FPR_HEX_LEN + 1]);

#endif
