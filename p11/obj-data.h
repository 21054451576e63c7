/* obj-data.h - data objects (CKO_DATA): one secret each, its latest
 * version, with the secret's path as CKA_LABEL and its type, version,
 * metadata and CMEK state in vendor attributes.
 *
 * A vault secret is a token object: its value is fetched on first read
 * and cached (p11/token.h).  A session data object, made with
 * C_CreateObject and CKA_TOKEN false, lives in memory only: never sent,
 * wiped when its session closes, changed here by C_SetAttributeValue.
 *
 * The value of a secret of a key type (private_key, ssh_key) is key
 * material, whether or not it parses: never read, never copied, never
 * rewritten; such a secret may only be destroyed.
 *
 * In a vault with cmek_values = opened (src/conf.h), a CMEK secret's
 * CKA_VALUE is its plaintext, opened in the module under the vault's key,
 * and CKA_PRIVATE is true; the blob stays readable as
 * CKA_ONECLAW_CMEK_BLOB.  Never for a secret of a key type, nor for one
 * whose plaintext is a private key whatever its type says: its value and
 * its blob are both refused.
 *
 * The templates of C_CreateObject, C_SetAttributeValue and C_CopyObject
 * for data objects are read here too (p11/write.h does the writing). */
#ifndef OC_P11_OBJ_DATA_H
#define OC_P11_OBJ_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "ck.h"
#include "object.h"
#include "wire.h"

struct oc_obj_data {
	struct oc_object obj;
	struct oc_secret_meta meta; /* path and metadata are our heap copies */
	uint8_t *value;		    /* oc_secure_alloc; the bytes as stored */
	size_t value_len;
	bool have_value;
	/* cmek_values = opened: the value opened under the vault's key
	 * (oc_secure_alloc; NULL until opened, dropped with the value). */
	bool present_opened;
	uint8_t *opened;
	size_t opened_len;
	/* Its plaintext turned out to be a private key (PEM or OpenSSH),
	 * whatever its type says: key material from then on. */
	bool key_content;
	long value_at; /* monotonic seconds */
	bool seen;     /* in the last list */
	/* Looked up alone (oc_token_lookup) at looked_at, monotonic
	 * seconds: current for a cache lifetime without a list. */
	bool looked_up;
	long looked_at;
	unsigned long
	    changed; /* the token's `changes` at its last local write */
	/* Key-typed secrets: the version last turned into key objects (0:
	 * not yet). */
	int64_t keyobj_version;
	bool keyobj_done;
	/* Session data objects: CKA_APPLICATION and CKA_OBJECT_ID as given
	 * (a vault secret's are "1claw" and empty). */
	uint8_t *application;
	size_t application_len;
	uint8_t *object_id;
	size_t object_id_len;
};

/* The data object o is, or NULL. */
static inline struct oc_obj_data *oc_obj_data(const struct oc_object *o)
{
	return o && o->ops->kind == OC_OBJ_DATA ? (struct oc_obj_data *)o
						: NULL;
}

/* Data object from a secret's metadata (copied). */
int oc_obj_data_new(const struct oc_secret_meta *m, struct oc_obj_data **out);
/* The same taking m's path and metadata (NULL in m afterwards) instead
 * of copying them: a list's entries become objects without a copy. */
int oc_obj_data_adopt(struct oc_secret_meta *m, struct oc_obj_data **out);
/* Replaces the metadata with a copy of m; the cached value is dropped when
 * the version changed. */
int oc_obj_data_set_meta(struct oc_obj_data *o, const struct oc_secret_meta *m);
/* Replaces the cached value with a copy (secure memory). */
int oc_obj_data_set_value(struct oc_obj_data *o, const uint8_t *v, size_t n,
			  long now);
void oc_obj_data_drop_value(struct oc_obj_data *o);
/* Presents the secret's value opened (cmek_values = opened): its
 * CKA_PRIVATE turns true. */
void oc_obj_data_present_opened(struct oc_obj_data *o);
/* Does CKA_VALUE wait for an opened value the object does not hold yet? */
bool oc_obj_data_needs_opened(const struct oc_obj_data *o);
/* Keeps a copy of the value opened (secure memory); nothing for a secret
 * of a key type, nor for a plaintext that is a private key (the object
 * then holds key material: a breached server could relabel a key). */
int oc_obj_data_set_opened(struct oc_obj_data *o, const uint8_t *pt, size_t n);
/* A session data object's CKA_APPLICATION / CKA_OBJECT_ID (bounded by
 * OC_P11_MAX_ATTR). */
int oc_obj_data_set_application(struct oc_obj_data *o, const void *p, size_t n);
int oc_obj_data_set_object_id(struct oc_obj_data *o, const void *p, size_t n);
/* Secret types whose values are private keys. */
bool oc_obj_data_key_type(const char *type);

/* The function a template came with. */
enum oc_obj_data_call {
	OC_DATA_CREATE, /* C_CreateObject */
	OC_DATA_SET,	/* C_SetAttributeValue */
	OC_DATA_COPY,	/* C_CopyObject */
};

/* What a template asks of a data object. */
struct oc_obj_data_tmpl {
	char *path;
	const uint8_t *value;
	size_t value_len;
	bool has_value;
	bool sealed;
	char type[OC_WIRE_TYPE_MAX + 1];
	bool has_type;
	char *metadata;
	bool has_metadata;
	char expires[40];
	bool has_expires;
	bool priv;
	bool has_priv;
	const CK_ATTRIBUTE *application; /* session objects: as given */
	const CK_ATTRIBUTE *object_id;
};

/* Reads a template for a data object that is (session) or is not a
 * session object.  CKA_TOKEN was read by the caller, which decided. */
CK_RV oc_obj_data_tmpl_parse(const CK_ATTRIBUTE *t, CK_ULONG n,
			     enum oc_obj_data_call call, bool session,
			     struct oc_obj_data_tmpl *d);
void oc_obj_data_tmpl_free(struct oc_obj_data_tmpl *d);
/* A metadata object without the "encoding" key, which is the API
 * client's to set (it marks base64-carried binary values). */
CK_RV oc_obj_data_clean_metadata(const char *text, size_t len, char **out);

#endif
