/* keyattr.h - the attributes of private keys, public keys and
 * certificates made from secrets (p11/keyobj.h).  Public values are
 * readable; private ones are CKR_ATTRIBUTE_SENSITIVE, always. */
#ifndef OC_P11_KEYATTR_H
#define OC_P11_KEYATTR_H

#include "object.h"

extern const struct oc_object_ops oc_keyattr_private_ops;
extern const struct oc_object_ops oc_keyattr_public_ops;
extern const struct oc_object_ops oc_keyattr_cert_ops;

#endif
