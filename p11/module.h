/* module.h - the module's only exported symbols: C_GetFunctionList
 * (Cryptoki 2.40), C_GetInterfaceList and C_GetInterface (3.0).  Everything
 * else in the module is hidden. */
#ifndef OC_P11_MODULE_H
#define OC_P11_MODULE_H

#include "ck.h"

#define OC_EXPORT __attribute__((visibility("default")))

OC_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR n);
OC_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
			       CK_INTERFACE_PTR_PTR out, CK_FLAGS flags);

#endif
