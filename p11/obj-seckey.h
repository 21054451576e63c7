/* obj-seckey.h - secret key objects (CKO_SECRET_KEY): the vault's
 * configured CMEK key (p11/keys.h), an AES-256 key an application brought
 * with C_CreateObject or made with C_UnwrapKey (it then serves as a CMEK
 * key), or a generic secret for HMAC.  Their bytes are key material:
 * never readable, never extractable.  An application's keys are session
 * objects, which may be relabelled and destroyed; the configured key may
 * not. */
#ifndef OC_P11_OBJ_SECKEY_H
#define OC_P11_OBJ_SECKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ck.h"
#include "cmek.h"
#include "object.h"

/* Key usage bits. */
#define OC_USE_ENCRYPT 0x01u
#define OC_USE_DECRYPT 0x02u
#define OC_USE_SIGN    0x04u
#define OC_USE_VERIFY  0x08u
#define OC_USE_WRAP    0x10u
#define OC_USE_UNWRAP  0x20u

struct oc_obj_seckey {
	struct oc_object obj;
	CK_KEY_TYPE key_type;	  /* CKK_AES or CKK_GENERIC_SECRET */
	struct oc_cmek_key *cmek; /* AES-256: the key (raw or delegated) */
	bool cmek_owned;	  /* false: the config's, owned by keys.c */
	uint8_t *secret;	  /* generic secret bytes (secure memory) */
	size_t secret_len;
	unsigned usage;	  /* OC_USE_* */
	bool from_config; /* the vault's configured CMEK key */
};

/* The secret key object o is, or NULL. */
static inline struct oc_obj_seckey *oc_obj_seckey(const struct oc_object *o)
{
	return o && o->ops->kind == OC_OBJ_SECRET_KEY
		   ? (struct oc_obj_seckey *)o
		   : NULL;
}

/* The key object of a configured key (label "cmek", CKA_ID the
 * fingerprint, sensitive, never extractable, encrypt/decrypt/unwrap). */
CK_RV oc_obj_seckey_new_configured(struct oc_cmek_key *k,
				   struct oc_object **out);

/* A session secret key object from an application's template: for
 * C_CreateObject (bytes in CKA_VALUE, unwrap false) or C_UnwrapKey (bytes
 * from the opened blob, unwrap true).  CKK_AES (32 bytes: it then serves
 * as a CMEK key) or CKK_GENERIC_SECRET (HMAC); always sensitive and never
 * extractable, CKA_VALUE_LEN set.  Owned by the session s. */
struct oc_session;
CK_RV oc_obj_seckey_new_session(struct oc_session *s, const CK_ATTRIBUTE *t,
				CK_ULONG n, const uint8_t *bytes, size_t len,
				bool unwrap, CK_OBJECT_HANDLE *out);

#endif
