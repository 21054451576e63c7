/* sealed.h - CMEK does not trust the server.
 *
 * CMEK exists so that the vault service cannot read values even when it
 * is breached; its word on sealing is therefore not taken.  When a CMEK
 * key is configured for a vault (and allow_unsealed is not set for it):
 * every value read must be a blob that opens under that key, whatever
 * the server says of it (OC_ERR_NOT_SEALED, CKR_ONECLAW_NOT_SEALED
 * otherwise), and every write is sealed with that key, whether or not
 * the server reports CMEK on (write.c).
 *
 * What this cannot stop: a blob carries no associated data, so a server
 * can swap blobs between paths or serve an older version. */
#ifndef OC_P11_SEALED_H
#define OC_P11_SEALED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "cmek.h"

/* The key that seals this vault's values regardless of the server: the
 * configured key unless allow_unsealed is set; *k NULL when there is
 * none.  OC_ERR_NO_KEY when a configured delegated key cannot be opened
 * (no word of the server can be checked then). */
int oc_sealed_key(const char *vault_id, struct oc_cmek_key **k);

/* GET of a secret, its value checked as above: a sealed value the
 * server stored while it had CMEK off (base64 text of a blob) becomes
 * the blob again; the metadata then says sealed, with the key's
 * fingerprint. */
int oc_sealed_secret_get(const char *vault_id, const char *path,
			 struct oc_secret *out);
/* The same, and a sealed value opened too (cmek_values = opened):
 * *opened gets its plaintext (secure memory, the caller frees it), NULL
 * for a value that is not sealed.  With allow_unsealed, a value the
 * server calls sealed that does not open under the vault's key is
 * OC_ERR_NOT_SEALED here: it is never presented as if it were the
 * plaintext. */
int oc_sealed_secret_open(const char *vault_id, const char *path,
			  struct oc_secret *out, uint8_t **opened,
			  size_t *opened_len);

#endif
