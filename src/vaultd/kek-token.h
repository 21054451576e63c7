/* kek-token.h - a KEK held in a PKCS#11 token (an HSM; SoftHSM2 in tests).
 *
 * The module is loaded with p11-kit, the AES key is found by its RFC 7512
 * URI, and every wrap/unwrap is CKM_AES_GCM inside the token: the key bytes
 * never enter this process.  One session, used under a mutex. */
#ifndef OC_VAULTD_KEK_TOKEN_H
#define OC_VAULTD_KEK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

struct oc_kek_token;

/* pin_file may be NULL (no login).  Errors are reported with
 * oc_log_error (never the PIN). */
int oc_kek_token_open(const char *module, const char *uri, const char *pin_file,
		      struct oc_kek_token **out);
void oc_kek_token_free(struct oc_kek_token *t);
/* AES-256-GCM, 12-byte IV, 16-byte tag, in the token.  iv is in and out:
 * a token that generates its own IVs (oneclaw-pkcs11) replaces it, and iv
 * holds the IV used. */
int oc_kek_token_seal(struct oc_kek_token *t, uint8_t iv[12],
		      const uint8_t *aad, size_t aad_len, const uint8_t *pt,
		      size_t n, uint8_t *ct, uint8_t tag[16]);
int oc_kek_token_open_ct(struct oc_kek_token *t, const uint8_t iv[12],
			 const uint8_t *aad, size_t aad_len, const uint8_t *ct,
			 size_t n, const uint8_t tag[16], uint8_t *pt);

#endif
