/* obj-cert.h - certificate objects: a secret of the type certificate as
 * an X.509 CKO_CERTIFICATE object (p11/keyobj.h makes them).  Every
 * attribute is public; the object lives and dies with its secret. */
#ifndef OC_P11_OBJ_CERT_H
#define OC_P11_OBJ_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "object.h"
#include "pkey.h"

struct oc_obj_cert {
	struct oc_object obj; /* label: the path; id: SHA-1 of the key */
	struct oc_obj_src src;
	struct oc_pkey_cert cert;
};

/* The certificate object o is, or NULL. */
static inline struct oc_obj_cert *oc_obj_cert(const struct oc_object *o)
{
	return o && o->ops->kind == OC_OBJ_CERT ? (struct oc_obj_cert *)o
						: NULL;
}

/* The certificate object of version `version` of the secret at path,
 * whose value is v; why tells what made it no certificate. */
int oc_obj_cert_new(const char *path, int64_t version, const uint8_t *v,
		    size_t n, struct oc_object **out, char *why,
		    size_t why_len);

#endif
