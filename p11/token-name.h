/* token-name.h - what a token is called: its label and its serial number,
 * decided once when its slot is made and never changed after (not by a
 * login, not by a session), and made without the network, so that a
 * pkcs11: URI, an NSS nickname or a pkcs11-helper id saved once keeps
 * finding the token in every mode.
 *
 * Label: the vault's configured name (`name` in its [vault ID] section, or
 * ONECLAW_VAULT_NAME), else the name the vault listing gave when the slot
 * was made from that listing, else the vault id; "1claw" for the stand-in
 * token of a configuration that names no vault.  Clipped to 32 bytes on a
 * UTF-8 boundary, so two long names may clip to the same label.
 *
 * Serial: the vault id when it fits in 16 characters, else its first 8
 * characters and 8 hex digits of SHA-256 of the whole id: stable, and
 * distinct for distinct vault ids in practice.  "1claw" for the stand-in. */
#ifndef OC_P11_TOKEN_NAME_H
#define OC_P11_TOKEN_NAME_H

#include <stddef.h>

#include "ck.h"

#define OC_TOKEN_LABEL_LEN  32
#define OC_TOKEN_SERIAL_LEN 16
#define OC_TOKEN_STANDIN    "1claw"

struct oc_token;

/* The label of vault_id ("" for the stand-in), space padded; listed_name
 * is the name a vault listing gave (NULL when the slot comes from the
 * configuration). */
void oc_token_name_label(const char *vault_id, const char *listed_name,
			 CK_UTF8CHAR label[OC_TOKEN_LABEL_LEN]);
/* The serial of vault_id ("" for the stand-in), space padded. */
CK_RV oc_token_name_serial(const char *vault_id,
			   CK_CHAR serial[OC_TOKEN_SERIAL_LEN]);
/* Warns (stderr) of every pair of tokens, one of them at index first or
 * later, that share a label or a serial: a URI naming that label would
 * find either. */
void oc_token_name_check(struct oc_token *const *tokens, size_t n,
			 size_t first);

#endif
