/* keyobj.h - secrets of the types private_key, ssh_key and certificate as
 * private key, public key and certificate objects.
 *
 * Such secrets are fetched (and opened with the vault's CMEK key when
 * sealed) when the token's list is synced, so a find sees their objects
 * without a read first.  A value that does not parse stays a data object
 * only; the reason goes to the debug log.  CKA_ID is the SHA-1 of the
 * public key, so a key and its certificate pair whatever their paths.
 *
 * The private key lives in the module's own OpenSSL library context; it
 * is dropped when the cache lifetime passes (and parsed again on next
 * use), when the token's last session closes, and on logout.  The data
 * object of a private_key or ssh_key secret never shows its value,
 * whether or not it parsed (oc_object_may). */
#ifndef OC_P11_KEYOBJ_H
#define OC_P11_KEYOBJ_H

#include <openssl/evp.h>

#include "api.h"
#include "ck.h"

struct oc_token;
struct oc_obj_asym;

/* After a list was merged, with t->fetch held and t->lock not: makes the
 * objects of key-typed secrets that are new or changed, drops those whose
 * secret left or changed, pairs keys with certificates. */
void oc_keyobj_sync(struct oc_token *t,
		    const char vault_id[OC_WIRE_ID_MAX + 1]);
/* The private key of a private key object, referenced (the caller frees
 * it with EVP_PKEY_free); parsed again when its cache was dropped.
 * CKR_KEY_CHANGED when the secret now holds another key. */
CK_RV oc_keyobj_private(struct oc_token *t, struct oc_obj_asym *o,
			EVP_PKEY **out);
/* Drops every cached private key of the token (its last session closed). */
void oc_keyobj_drop_private(struct oc_token *t);
/* Under t->lock: the objects made from the secret at path leave the store
 * (the secret was deleted). */
void oc_keyobj_forget_locked(struct oc_token *t, const char *path);

#endif
