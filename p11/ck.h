/* ck.h - the PKCS#11 types the front end uses: p11-kit's <pkcs11.h> (through
 * tk-ck.h, which undoes its lowercase field macros), the vendor constants,
 * the 3.0 interface type p11-kit's header lacks, and the module's limits. */
#ifndef OC_P11_CK_H
#define OC_P11_CK_H

#include "tokenkey/tk-ck.h"

#include "oneclaw-pkcs11.h"

/* PKCS#11 3.0 interface, laid out as the spec's CK_INTERFACE. */
typedef struct oc_ck_interface {
	CK_UTF8CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE **CK_INTERFACE_PTR_PTR;

#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL
#endif

/* Limits of the module. */
#define OC_P11_MAX_SLOTS    64 /* = OC_CONF_MAX_VAULTS */
#define OC_P11_MAX_SESSIONS 4096
#define OC_P11_MAX_PIN	    4096 /* an API key or a token */
#define OC_P11_MAX_TEMPLATE 128	 /* attributes in one template */
#define OC_P11_MAX_ATTR                                                        \
	(1024u * 1024) /* bytes of one template value                          \
			  (CKA_VALUE is bounded apart) */
#define OC_P11_MAX_AAD (1024u * 1024)
/* Session data objects of one token, and the bytes of their values. */
#define OC_P11_MAX_SESSION_DATA	      1024
#define OC_P11_MAX_SESSION_DATA_BYTES (64u * 1024 * 1024)
#define OC_P11_MAX_GCM_IV	      128

/* Library and token version: configure.ac's. */
#define OC_P11_VERSION_MAJOR OC_VERSION_MAJOR
#define OC_P11_VERSION_MINOR OC_VERSION_MINOR

#endif
