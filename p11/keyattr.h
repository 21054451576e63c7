/* keyattr.h - the attributes of private keys, public keys and
 * certificates made from secrets (p11/keyobj.h).  Public values are
 * readable; private ones are CKR_ATTRIBUTE_SENSITIVE, always. */
#ifndef OC_P11_KEYATTR_H
#define OC_P11_KEYATTR_H

#include "attr.h"
#include "ck.h"

struct oc_object;

CK_RV oc_keyattr(const struct oc_object *o, CK_ATTRIBUTE_TYPE t,
		 struct oc_attr_val *v);

#endif
