/* envelope.h - envelope encryption of secret values.
 *
 * Every version gets a fresh random 32-byte DEK; the value is sealed with
 * AES-256-GCM under it (ct = IV(12) || ciphertext || tag(16), AAD = vault
 * id and version id, so a ciphertext cannot be moved to another row), and
 * the DEK is wrapped by the vault's KEK (kek.h).  Plaintext DEKs live only
 * in locked memory for the duration of one call. */
#ifndef OC_VAULTD_ENVELOPE_H
#define OC_VAULTD_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "kek.h"

#define OC_ENVELOPE_OVERHEAD (12 + 16)

/* *dek and *ct are malloc'd (they hold only ciphertext). */
int oc_envelope_seal(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], const char *vid,
		     const uint8_t *val, size_t n, uint8_t **dek,
		     size_t *dek_len, uint8_t **ct, size_t *ct_len);
/* *val is oc_secure_alloc'd (n + 1 bytes, NUL-terminated). */
int oc_envelope_open(struct oc_kek *k, const char *vault_id,
		     const uint8_t salt[32], const char *vid,
		     const uint8_t *dek, size_t dek_len, const uint8_t *ct,
		     size_t ct_len, uint8_t **val, size_t *n);
/* The same into a caller's (locked) buffer of size bytes:
 * OC_ERR_RANGE when the value does not fit. */
int oc_envelope_open_into(struct oc_kek *k, const char *vault_id,
			  const uint8_t salt[32], const char *vid,
			  const uint8_t *dek, size_t dek_len, const uint8_t *ct,
			  size_t ct_len, uint8_t *val, size_t size, size_t *n);

/* The same two with a vault KEK derived once (kek.h), for a run of
 * versions of one vault. */
int oc_envelope_seal_vk(struct oc_vault_kek *vk, const char *vid,
			const uint8_t *val, size_t n, uint8_t **dek,
			size_t *dek_len, uint8_t **ct, size_t *ct_len);
int oc_envelope_open_into_vk(struct oc_vault_kek *vk, const char *vid,
			     const uint8_t *dek, size_t dek_len,
			     const uint8_t *ct, size_t ct_len, uint8_t *val,
			     size_t size, size_t *n);

#endif
