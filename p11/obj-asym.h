/* obj-asym.h - private and public key objects: a secret of the type
 * private_key or ssh_key as the two halves of a key pair, RSA, EC or
 * Ed25519 (p11/keyobj.h makes them).  The public values are readable on
 * both halves; the private half holds key material, so none of its own
 * is.  Its key is cached while in use and parsed again from the secret
 * when the cache was dropped (oc_keyobj_private). */
#ifndef OC_P11_OBJ_ASYM_H
#define OC_P11_OBJ_ASYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "object.h"
#include "pkey.h"

struct oc_obj_asym {
	struct oc_object obj; /* label: the path; id: SHA-1 of the key */
	struct oc_obj_src src;
	struct oc_pkey_pub pub; /* public facts */
	EVP_PKEY *pub_key;	/* public-only key (verify, encrypt) */
	EVP_PKEY *priv_key;	/* private half: the key while cached */
	long priv_at;		/* when priv_key was parsed */
	uint8_t *subject;	/* the paired certificate's subject */
	size_t subject_len;
};

/* The key pair half o is, or NULL. */
static inline struct oc_obj_asym *oc_obj_asym(const struct oc_object *o)
{
	return o && (o->ops->kind == OC_OBJ_PRIVATE_KEY ||
		     o->ops->kind == OC_OBJ_PUBLIC_KEY)
		   ? (struct oc_obj_asym *)o
		   : NULL;
}

static inline bool oc_obj_asym_is_private(const struct oc_obj_asym *k)
{
	return k->obj.ops->kind == OC_OBJ_PRIVATE_KEY;
}

/* The two objects of the private key k, made from version `version` of
 * the secret at path; the private half caches k (referenced). */
int oc_obj_asym_new_pair(const char *path, int64_t version, EVP_PKEY *k,
			 struct oc_object **priv, struct oc_object **pub);
/* The public key (verify, encrypt), referenced: the caller frees it. */
CK_RV oc_obj_asym_public_key(struct oc_obj_asym *k, EVP_PKEY **out);
/* Frees the private half's cached key (it is parsed again on use). */
void oc_obj_asym_drop_private(struct oc_obj_asym *k);

#endif
