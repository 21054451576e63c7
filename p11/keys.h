/* keys.h - the CMEK keys the configuration names: a default key for every
 * vault and per-vault keys ([vault <id>] sections).  File and environment
 * keys are loaded in C_Initialize (local, fast, and a bad key is a config
 * error); delegated keys (pkcs11: URIs) on first use.  The keys live until
 * C_Finalize; tokens borrow them for their key objects. */
#ifndef OC_P11_KEYS_H
#define OC_P11_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck.h"
#include "cmek.h"
#include "conf.h"

struct oc_object;

/* OC_ERR_CONFIG (with errbuf naming the source) when a key is bad. */
int oc_keys_init(const struct oc_conf *c, char *errbuf, size_t errlen);
void oc_keys_free(void);
void oc_keys_abandon(void);
/* The vault's configured key (borrowed), NULL when none; a delegated key
 * that cannot be opened is CKR_DEVICE_ERROR (logged once per attempt). */
CK_RV oc_keys_get(const char *vault_id, struct oc_cmek_key **out);
/* Builds the key object for a configured key (label "cmek", CKA_ID the
 * fingerprint, sensitive, never extractable, encrypt/decrypt/unwrap). */
CK_RV oc_keys_object(struct oc_cmek_key *k, struct oc_object **out);

/* A session secret key object from an application's template: for
 * C_CreateObject (bytes in CKA_VALUE, unwrap false) or C_UnwrapKey (bytes
 * from the opened blob, unwrap true).  CKK_AES (32 bytes: it then serves
 * as a CMEK key) or CKK_GENERIC_SECRET (HMAC); always sensitive and never
 * extractable, CKA_VALUE_LEN set.  Owned by the session s. */
struct oc_session;
CK_RV oc_keys_session_object(struct oc_session *s, const CK_ATTRIBUTE *t,
			     CK_ULONG n, const uint8_t *bytes, size_t len,
			     bool unwrap, CK_OBJECT_HANDLE *out);

#endif
