/* kek.h - key-encryption keys.
 *
 * The master key (32 random bytes) is created by --init in a file of mode
 * 0600 beside the database ("<db>.master-key" unless --master-key names
 * another).  By default each vault's KEK is derived from it with
 * HKDF-SHA256 (salt: the vault's random salt, info: the vault id), so no
 * KEK is ever stored.  With --kek-module/--kek-uri the DEKs are instead
 * wrapped with AES-256-GCM inside a PKCS#11 token and the KEK never leaves
 * it.  A wrapped DEK records which of the two wrapped it, so a database
 * keeps working when the mode changes while the master key stays.
 *
 * Wrapped DEK = kind(1) || IV(12) || ct(32) || tag(16); AAD binds it to the
 * vault id.  kind is OC_KEK_WRAP_MASTER or OC_KEK_WRAP_TOKEN. */
#ifndef OC_VAULTD_KEK_H
#define OC_VAULTD_KEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_DEK_LEN	   32
#define OC_KEK_WRAPPED_LEN (1 + 12 + OC_DEK_LEN + 16)
#define OC_KEK_WRAP_MASTER 1
#define OC_KEK_WRAP_TOKEN  2

struct oc_kek;

/* --init: a new master key file (O_EXCL, 0600). */
int oc_kek_master_create(const char *path);
/* Loads the master key (refused when group/other can read it). */
int oc_kek_open(const char *master_path, struct oc_kek **out);
/* Moves DEK wrapping into a token from now on. */
int oc_kek_use_token(struct oc_kek *k, const char *module, const char *uri,
		     const char *pin_file);
bool oc_kek_uses_token(const struct oc_kek *k);
void oc_kek_free(struct oc_kek *k);

/* The id of the KEK that wraps new DEKs: with a token KEK, 32 hex digits
 * of SHA-256 of its URI; else of a key derived from the master key for
 * that purpose alone.  Naming a key (a KEK rotation's record, its
 * messages) tells nothing of it. */
#define OC_KEK_ID_HEX_LEN 32
int oc_kek_id(struct oc_kek *k, char out[OC_KEK_ID_HEX_LEN + 1]);
/* Whether wrapped (n bytes) is a DEK wrapped by the KEK kind
 * OC_KEK_WRAP_MASTER or OC_KEK_WRAP_TOKEN. */
bool oc_kek_wrapped_by(const uint8_t *wrapped, size_t n, int kind);

int oc_kek_wrap(struct oc_kek *k, const char *vault_id, const uint8_t salt[32],
		const uint8_t dek[OC_DEK_LEN], uint8_t out[OC_KEK_WRAPPED_LEN]);
/* OC_ERR_DECRYPT when the wrapped DEK does not open. */
int oc_kek_unwrap(struct oc_kek *k, const char *vault_id,
		  const uint8_t salt[32], const uint8_t *wrapped, size_t n,
		  uint8_t dek[OC_DEK_LEN]);

/* One vault's KEK for a run of wraps and unwraps (a rotation job): the
 * derivation from the master key is done once, and the derived key is
 * kept in locked memory until oc_vault_kek_free wipes it.  With a token
 * KEK the token still wraps every DEK. */
#define OC_VAULT_KEK_ID_MAX 64
struct oc_vault_kek;
int oc_vault_kek_new(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], struct oc_vault_kek **out);
void oc_vault_kek_free(struct oc_vault_kek *v);
const char *oc_vault_kek_vault_id(const struct oc_vault_kek *v);
int oc_vault_kek_wrap(struct oc_vault_kek *v, const uint8_t dek[OC_DEK_LEN],
		      uint8_t out[OC_KEK_WRAPPED_LEN]);
int oc_vault_kek_unwrap(struct oc_vault_kek *v, const uint8_t *wrapped,
			size_t n, uint8_t dek[OC_DEK_LEN]);

/* Small server secrets (the token signing key) sealed under a key derived
 * from the master key for `label`: out = IV(12) || ct || tag(16). */
int oc_kek_seal_local(struct oc_kek *k, const char *label, const uint8_t *pt,
		      size_t n, uint8_t *out, size_t out_size, size_t *out_len);
int oc_kek_open_local(struct oc_kek *k, const char *label, const uint8_t *in,
		      size_t n, uint8_t *pt, size_t pt_size, size_t *pt_len);

#endif
