/* keys.h - the CMEK keys the configuration names: a default key for every
 * vault and per-vault keys ([vault <id>] sections).  File and environment
 * keys are loaded in C_Initialize (local, fast, and a bad key is a config
 * error); delegated keys (pkcs11: URIs) on first use.  The keys live until
 * C_Finalize; tokens borrow them for their key objects (obj-seckey.h). */
#ifndef OC_P11_KEYS_H
#define OC_P11_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ck.h"
#include "cmek.h"
#include "conf.h"

/* OC_ERR_CONFIG (with errbuf naming the source) when a key is bad. */
int oc_keys_init(const struct oc_conf *c, char *errbuf, size_t errlen);
void oc_keys_free(void);
void oc_keys_abandon(void);
/* The vault's configured key (borrowed), NULL when none; a delegated key
 * or a sealed key file that cannot be opened is CKR_DEVICE_ERROR (logged
 * once per attempt, the reason as the CK_RV's cause). */
CK_RV oc_keys_get(const char *vault_id, struct oc_cmek_key **out);

/* Opens a sealed key file (kind: enum oc_sealkey_kind) in a recipient's
 * token as the configuration says (unseal_key_uri, unseal_module,
 * unseal_pin_file); logs the reasons on failure, which token opened it
 * (debug) on success.  *secret is oc_secure_alloc memory. */
int oc_keys_unseal(const char *path, int kind, uint8_t **secret, size_t *n);

#endif
