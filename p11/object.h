/* object.h - PKCS#11 objects: a common header, one struct per kind.
 *
 * Every object begins with struct oc_object (handle, references, store
 * links, CKA_TOKEN, CKA_PRIVATE, label and id) and points at its kind's
 * table of operations, struct oc_object_ops: its attributes and its
 * rules.  The kinds, each in a file of its own:
 *
 *   data                  a vault secret, or an application's session
 *                         object (p11/obj-data.h)
 *   secret key            the vault's CMEK key, an AES or HMAC key an
 *                         application brought (p11/obj-seckey.h)
 *   private, public key   the halves of a private_key or ssh_key secret
 *                         (p11/obj-asym.h)
 *   certificate           a certificate secret (p11/obj-cert.h)
 *
 * Holding key material (a key's bytes, a private key, the value of a
 * secret that holds one) is a property of the kind: oc_object_may and
 * oc_object_attr never let such a value be read or copied, whatever the
 * function.  What else may be done to an object (a secret holding a key
 * is never rewritten) is its kind's rule.
 *
 * Objects are reference counted: an operation holding a key keeps it alive
 * after C_DestroyObject or logout removed it from its token's store
 * (p11/objstore.h). */
#ifndef OC_P11_OBJECT_H
#define OC_P11_OBJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "ck.h"

enum oc_obj_kind {
	OC_OBJ_DATA = 1,    /* a secret */
	OC_OBJ_SECRET_KEY,  /* a CMEK key, an AES or HMAC session key */
	OC_OBJ_PRIVATE_KEY, /* from a private_key / ssh_key secret */
	OC_OBJ_PUBLIC_KEY,  /* its public half */
	OC_OBJ_CERT,	    /* from a certificate secret */
};

enum oc_obj_act {
	OC_ACT_READ_VALUE, /* CKA_VALUE, C_GetObjectSize, a copy's source */
	OC_ACT_MODIFY,	   /* C_SetAttributeValue */
	OC_ACT_COPY,	   /* C_CopyObject */
	OC_ACT_DESTROY,	   /* C_DestroyObject */
};

struct oc_object;
struct oc_objstore;

typedef CK_RV oc_object_attr_fn(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
				struct oc_attr_val *v);
typedef CK_RV oc_object_set_fn(struct oc_objstore *st, struct oc_object *o,
			       const CK_ATTRIBUTE *t, CK_ULONG n);

/* What an object is, and the rules that come with it: one table per kind,
 * shared by its objects. */
struct oc_object_ops {
	enum oc_obj_kind kind;
	/* A key: oc_token_key hands it to the crypto operations. */
	bool key;
	/* The kind's attributes; CKR_ATTRIBUTE_TYPE_INVALID for the others
	 * (oc_object_common_attr answers those every object has). */
	oc_object_attr_fn *attr;
	/* Does reading t need the secret fetched first?  NULL: never. */
	bool (*needs_fetch)(const struct oc_object *o, CK_ATTRIBUTE_TYPE t);
	/* Does the object hold key material?  Then its value is never read
	 * and never copied (oc_object_may, oc_object_attr).  Every kind
	 * answers. */
	bool (*holds_key_material)(const struct oc_object *o);
	/* The kind's own rule for oc_object_may.  NULL: nothing may be done
	 * to it through PKCS#11. */
	bool (*may)(const struct oc_object *o, enum oc_obj_act act);
	/* C_SetAttributeValue on a session object: in memory, under its
	 * token's lock.  NULL: the kind has no session objects. */
	oc_object_set_fn *set_local;
	/* Releases what the kind holds (child: in a child after fork, where
	 * delegated keys are left alone). */
	void (*free)(struct oc_object *o, bool child);
};

struct oc_object {
	const struct oc_object_ops *ops;
	CK_OBJECT_HANDLE handle;
	atomic_uint refs;
	/* In a store: written under its token's lock, read without it for
	 * the key a session keeps (p11/crypt.h). */
	atomic_bool linked;
	bool session_obj;	 /* CKA_TOKEN false */
	CK_SESSION_HANDLE owner; /* session objects: the creating session */
	bool priv;		 /* CKA_PRIVATE */
	struct oc_object *next, *prev; /* store order */
	struct oc_object *hnext;       /* handle bucket chain */
	struct oc_object *lnext;       /* label bucket chain (data only) */
	/* CKA_LABEL and CKA_ID of the kinds other than data (a data
	 * object's label is its secret's path). */
	char *label;
	size_t label_len;
	uint8_t *id;
	size_t id_len;
};

/* The secret a private key, public key or certificate object was made
 * from. */
struct oc_obj_src {
	char *path; /* also the object's label */
	int64_t version;
};

/* A new object of the kind ops, size bytes (the kind's struct, zeroed),
 * holding one reference; private in PIN mode.  NULL: out of memory. */
struct oc_object *oc_object_new(const struct oc_object_ops *ops, size_t size);
/* Records in src that o was made from version `version` of the secret at
 * path, which becomes its label. */
int oc_obj_src_init(struct oc_object *o, struct oc_obj_src *src,
		    const char *path, int64_t version);
void oc_obj_src_free(struct oc_obj_src *src);
/* A copy of n bytes at p (NUL-terminated, bounded by OC_P11_MAX_ATTR)
 * replaces *dst. */
int oc_object_set_bytes(void **dst, size_t *dst_len, const void *p, size_t n);
/* Copies the label / id. */
int oc_object_set_label(struct oc_object *o, const void *p, size_t n);
int oc_object_set_id(struct oc_object *o, const void *p, size_t n);

void oc_object_ref(struct oc_object *o);
/* Frees (wiping values and keys) when the last reference goes. */
void oc_object_unref(struct oc_object *o);
/* Frees it whatever its references, in a child after fork: delegated keys
 * are not touched (their teardown would talk to the other token). */
void oc_object_abandon(struct oc_object *o);
/* In a child after fork, a reference an operation held: an object no
 * longer in a store is freed (and wiped) with its last reference; one
 * still in a store goes with the store (oc_objstore_abandon). */
void oc_object_unref_child(struct oc_object *o);

/* Does the object hold key material (its kind says)? */
bool oc_object_holds_key_material(const struct oc_object *o);
/* For the kinds whose answer does not depend on the object. */
bool oc_object_key_material_always(const struct oc_object *o);
bool oc_object_key_material_never(const struct oc_object *o);

/* May the application do this to the object?  Key material is never read
 * or copied; the rest is the kind's rule.  The token's state (read-only
 * mode, a R/O session, login) is the caller's to check. */
bool oc_object_may(const struct oc_object *o, enum oc_obj_act act);

/* Does reading this attribute need the secret fetched first? */
bool oc_object_needs_fetch(const struct oc_object *o, CK_ATTRIBUTE_TYPE t);
/* CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, ...: what every object has. */
CK_RV oc_object_common_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			    struct oc_attr_val *v);
/* CKA_LABEL and CKA_ID, for the kinds that keep them in label and id. */
CK_RV oc_object_label_id_attr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
			      struct oc_attr_val *v);
/* The getter for oc_attr_fill (ctx is the object). */
CK_RV oc_object_attr(void *ctx, CK_ATTRIBUTE_TYPE t, struct oc_attr_val *v);

#endif
