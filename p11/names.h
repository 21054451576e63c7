/* names.h - "CKR_OK", "CKM_SHA256", "CKA_VALUE": the one place that names
 * PKCS#11 constants, for the debug log and the audit line.  A value no
 * table knows reads "CKR_0x..." (return values) or "0x..." (mechanisms,
 * attributes), from a thread-local buffer per kind. */
#ifndef OC_P11_NAMES_H
#define OC_P11_NAMES_H

#include "ck.h"

const char *oc_names_rv(CK_RV rv);
const char *oc_names_mech(CK_MECHANISM_TYPE type);
const char *oc_names_attr(CK_ATTRIBUTE_TYPE type);

#endif
