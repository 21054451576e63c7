/* rv.c - OC_ERR_* to CK_RV, in one place. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "rv.h"

static __thread char cause[256];
static __thread char unknown_name[32];

CK_RV oc_rv_map(int err, enum oc_rv_ctx ctx)
{
	switch (err) {
	case OC_OK:
		return CKR_OK;
	case OC_ERR_NOMEM:
		return CKR_HOST_MEMORY;
	case OC_ERR_ARGS:
		return CKR_ARGUMENTS_BAD;
	case OC_ERR_RANGE:
		if (ctx == OC_RV_DECRYPT)
			return CKR_ENCRYPTED_DATA_LEN_RANGE;
		if (ctx == OC_RV_UNWRAP)
			return CKR_WRAPPED_KEY_LEN_RANGE;
		if (ctx == OC_RV_WRITE)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return CKR_DATA_LEN_RANGE;
	case OC_ERR_PARSE:
		if (ctx == OC_RV_DECRYPT)
			return CKR_ENCRYPTED_DATA_INVALID;
		if (ctx == OC_RV_UNWRAP)
			return CKR_WRAPPED_KEY_INVALID;
		if (ctx == OC_RV_WRITE)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return CKR_FUNCTION_FAILED;
	case OC_ERR_CRYPTO:
		return CKR_FUNCTION_FAILED;
	case OC_ERR_DECRYPT:
	case OC_ERR_VERSION:
		return ctx == OC_RV_UNWRAP ? CKR_WRAPPED_KEY_INVALID
					   : CKR_ENCRYPTED_DATA_INVALID;
	case OC_ERR_TOO_SHORT:
		return ctx == OC_RV_UNWRAP ? CKR_WRAPPED_KEY_LEN_RANGE
					   : CKR_ENCRYPTED_DATA_LEN_RANGE;
	case OC_ERR_IO:
	case OC_ERR_NET:
	case OC_ERR_SERVER:
	case OC_ERR_RATE_LIMITED:
		/* The network and the server: the "device" of this token. */
		return CKR_DEVICE_ERROR;
	case OC_ERR_UNAUTHORIZED:
		/* Auth failures are not device errors. */
		return ctx == OC_RV_LOGIN ? CKR_PIN_INCORRECT
					  : CKR_USER_NOT_LOGGED_IN;
	case OC_ERR_FORBIDDEN:
		return CKR_ACTION_PROHIBITED;
	case OC_ERR_NOT_FOUND:
	case OC_ERR_GONE:
		if (ctx == OC_RV_OBJECT || ctx == OC_RV_WRITE)
			return CKR_OBJECT_HANDLE_INVALID;
		if (ctx == OC_RV_VAULT)
			return CKR_TOKEN_NOT_PRESENT;
		return CKR_FUNCTION_FAILED;
	case OC_ERR_BAD_REQUEST:
		return ctx == OC_RV_WRITE ? CKR_ATTRIBUTE_VALUE_INVALID
					  : CKR_FUNCTION_FAILED;
	case OC_ERR_TOO_LARGE:
		return ctx == OC_RV_WRITE ? CKR_ATTRIBUTE_VALUE_INVALID
					  : CKR_DEVICE_ERROR;
	case OC_ERR_NOT_SEALED:
		return CKR_ONECLAW_NOT_SEALED;
	case OC_ERR_KEY_MISMATCH:
		return CKR_ONECLAW_CMEK_MISMATCH;
	case OC_ERR_PAYMENT:
		return CKR_ONECLAW_PAYMENT_REQUIRED;
	case OC_ERR_CONFLICT:
	case OC_ERR_NO_KEY:
	case OC_ERR_UNSUPPORTED:
	case OC_ERR_STATE:
		return CKR_FUNCTION_FAILED;
	case OC_ERR_PERM:
	case OC_ERR_CONFIG:
	case OC_ERR_SEALED:
		return CKR_ARGUMENTS_BAD;
	case OC_ERR_INTERNAL:
	default:
		return CKR_GENERAL_ERROR;
	}
}

#define RV(x) x, #x
static const struct {
	CK_RV rv;
	const char *name;
} names[] = {
    {RV(CKR_OK)},
    {RV(CKR_CANCEL)},
    {RV(CKR_HOST_MEMORY)},
    {RV(CKR_SLOT_ID_INVALID)},
    {RV(CKR_GENERAL_ERROR)},
    {RV(CKR_FUNCTION_FAILED)},
    {RV(CKR_ARGUMENTS_BAD)},
    {RV(CKR_NO_EVENT)},
    {RV(CKR_NEED_TO_CREATE_THREADS)},
    {RV(CKR_CANT_LOCK)},
    {RV(CKR_ATTRIBUTE_READ_ONLY)},
    {RV(CKR_ATTRIBUTE_SENSITIVE)},
    {RV(CKR_ATTRIBUTE_TYPE_INVALID)},
    {RV(CKR_ATTRIBUTE_VALUE_INVALID)},
    {RV(CKR_ACTION_PROHIBITED)},
    {RV(CKR_DATA_INVALID)},
    {RV(CKR_DATA_LEN_RANGE)},
    {RV(CKR_DEVICE_ERROR)},
    {RV(CKR_DEVICE_MEMORY)},
    {RV(CKR_DEVICE_REMOVED)},
    {RV(CKR_ENCRYPTED_DATA_INVALID)},
    {RV(CKR_ENCRYPTED_DATA_LEN_RANGE)},
    {RV(CKR_FUNCTION_CANCELED)},
    {RV(CKR_FUNCTION_NOT_PARALLEL)},
    {RV(CKR_FUNCTION_NOT_SUPPORTED)},
    {RV(CKR_KEY_HANDLE_INVALID)},
    {RV(CKR_KEY_SIZE_RANGE)},
    {RV(CKR_KEY_TYPE_INCONSISTENT)},
    {RV(CKR_KEY_NOT_NEEDED)},
    {RV(CKR_KEY_CHANGED)},
    {RV(CKR_KEY_NEEDED)},
    {RV(CKR_KEY_INDIGESTIBLE)},
    {RV(CKR_KEY_FUNCTION_NOT_PERMITTED)},
    {RV(CKR_KEY_NOT_WRAPPABLE)},
    {RV(CKR_KEY_UNEXTRACTABLE)},
    {RV(CKR_MECHANISM_INVALID)},
    {RV(CKR_MECHANISM_PARAM_INVALID)},
    {RV(CKR_OBJECT_HANDLE_INVALID)},
    {RV(CKR_OPERATION_ACTIVE)},
    {RV(CKR_OPERATION_NOT_INITIALIZED)},
    {RV(CKR_PIN_INCORRECT)},
    {RV(CKR_PIN_INVALID)},
    {RV(CKR_PIN_LEN_RANGE)},
    {RV(CKR_PIN_EXPIRED)},
    {RV(CKR_PIN_LOCKED)},
    {RV(CKR_SESSION_CLOSED)},
    {RV(CKR_SESSION_COUNT)},
    {RV(CKR_SESSION_HANDLE_INVALID)},
    {RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED)},
    {RV(CKR_SESSION_READ_ONLY)},
    {RV(CKR_SESSION_EXISTS)},
    {RV(CKR_SESSION_READ_ONLY_EXISTS)},
    {RV(CKR_SESSION_READ_WRITE_SO_EXISTS)},
    {RV(CKR_SIGNATURE_INVALID)},
    {RV(CKR_SIGNATURE_LEN_RANGE)},
    {RV(CKR_TEMPLATE_INCOMPLETE)},
    {RV(CKR_TEMPLATE_INCONSISTENT)},
    {RV(CKR_TOKEN_NOT_PRESENT)},
    {RV(CKR_TOKEN_NOT_RECOGNIZED)},
    {RV(CKR_TOKEN_WRITE_PROTECTED)},
    {RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID)},
    {RV(CKR_UNWRAPPING_KEY_SIZE_RANGE)},
    {RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)},
    {RV(CKR_USER_ALREADY_LOGGED_IN)},
    {RV(CKR_USER_NOT_LOGGED_IN)},
    {RV(CKR_USER_PIN_NOT_INITIALIZED)},
    {RV(CKR_USER_TYPE_INVALID)},
    {RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)},
    {RV(CKR_USER_TOO_MANY_TYPES)},
    {RV(CKR_WRAPPED_KEY_INVALID)},
    {RV(CKR_WRAPPED_KEY_LEN_RANGE)},
    {RV(CKR_WRAPPING_KEY_HANDLE_INVALID)},
    {RV(CKR_WRAPPING_KEY_SIZE_RANGE)},
    {RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT)},
    {RV(CKR_RANDOM_SEED_NOT_SUPPORTED)},
    {RV(CKR_RANDOM_NO_RNG)},
    {RV(CKR_DOMAIN_PARAMS_INVALID)},
    {RV(CKR_BUFFER_TOO_SMALL)},
    {RV(CKR_SAVED_STATE_INVALID)},
    {RV(CKR_INFORMATION_SENSITIVE)},
    {RV(CKR_STATE_UNSAVEABLE)},
    {RV(CKR_CRYPTOKI_NOT_INITIALIZED)},
    {RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)},
    {RV(CKR_MUTEX_BAD)},
    {RV(CKR_MUTEX_NOT_LOCKED)},
    {RV(CKR_FUNCTION_REJECTED)},
    {RV(CKR_ONECLAW_NOT_SEALED)},
    {RV(CKR_ONECLAW_CMEK_MISMATCH)},
    {RV(CKR_ONECLAW_PAYMENT_REQUIRED)},
};
#undef RV

const char *oc_rv_name(CK_RV rv)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	snprintf(unknown_name, sizeof(unknown_name), "CKR_0x%lx",
		 (unsigned long)rv);
	return unknown_name;
}

void oc_rv_cause(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
}

const char *oc_rv_cause_get(void)
{
	return cause;
}

void oc_rv_cause_clear(void)
{
	cause[0] = '\0';
}
