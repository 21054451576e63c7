/* ck.h - the PKCS#11 types the front end uses: p11-kit's <pkcs11.h>, the
 * vendor constants, the 3.0 interface type p11-kit's header lacks, and the
 * module's limits.
 *
 * p11-kit's header maps lowercase field names (value, count, reserved, ...)
 * to the spec's names with macros.  Those macros would silently rename
 * fields of the core's structs too, so they are undone here: p11/ code uses
 * the spec's names (pValue, ulValueLen, ...) only. */
#ifndef OC_P11_CK_H
#define OC_P11_CK_H

#include <p11-kit/pkcs11.h>

#include "oneclaw-pkcs11.h"

#undef cryptoki_version
#undef manufacturer_id
#undef library_description
#undef library_version
#undef slot_description
#undef hardware_version
#undef firmware_version
#undef serial_number
#undef max_session_count
#undef session_count
#undef max_rw_session_count
#undef rw_session_count
#undef max_pin_len
#undef min_pin_len
#undef total_public_memory
#undef free_public_memory
#undef total_private_memory
#undef free_private_memory
#undef utc_time
#undef slot_id
#undef device_error
#undef value
#undef value_len
#undef count
#undef parameter
#undef parameter_len
#undef params
#undef min_key_size
#undef max_key_size
#undef create_mutex
#undef destroy_mutex
#undef lock_mutex
#undef unlock_mutex
#undef reserved
#undef hash_alg
#undef s_len
#undef source_data
#undef source_data_len
#undef counter_bits
#undef iv_ptr
#undef iv_len
#undef iv_bits
#undef aad_ptr
#undef aad_len
#undef tag_bits
#undef shared_data_len
#undef shared_data
#undef public_data_len
#undef public_data
#undef string_data
#undef string_data_len
#undef data_params

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

/* Library and token version. */
#define OC_P11_VERSION_MAJOR 0
#define OC_P11_VERSION_MINOR 1

#endif
