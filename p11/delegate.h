/* delegate.h - a CMEK key held by another PKCS#11 token (a hardware key,
 * SoftHSM in tests): the AES-GCM work is forwarded to that token with
 * CKM_AES_GCM, so the key bytes never enter this process.
 *
 * Config: cmek_key_uri (RFC 7512 pkcs11: URI of an AES-256 secret key),
 * cmek_key_module (the .so), cmek_key_pin_file (the token's user PIN),
 * cmek_key_fingerprint (64 hex; else the key's CKA_ID when that is 32
 * bytes: a key's fingerprint cannot be computed without its bytes). */
#ifndef OC_P11_DELEGATE_H
#define OC_P11_DELEGATE_H

#include <stddef.h>

#include "cmek.h"
#include "conf.h"

/* Loads the module, logs in, finds the key; errbuf explains a failure. */
int oc_delegate_open(const struct oc_conf_key *src, struct oc_cmek_key **out,
		     char *errbuf, size_t errlen);

#endif
