/* rv.c - OC_ERR_* to CK_RV, in one place; the per-thread cause. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "err.h"
#include "http.h"
#include "rv.h"

static __thread char cause[256];
static __thread CK_ATTRIBUTE_TYPE cause_attr;
static __thread bool has_cause_attr;

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

void oc_rv_cause_attr(CK_ATTRIBUTE_TYPE type)
{
	/* The first attribute that failed is the one to name. */
	if (has_cause_attr)
		return;
	cause_attr = type;
	has_cause_attr = true;
}

bool oc_rv_cause_attr_get(CK_ATTRIBUTE_TYPE *type)
{
	if (has_cause_attr)
		*type = cause_attr;
	return has_cause_attr;
}

void oc_rv_cause_clear(void)
{
	cause[0] = '\0';
	has_cause_attr = false;
}

const char *oc_rv_err_text(int err)
{
	const char *net = oc_http_last_failure();

	return err == OC_ERR_NET && net[0] ? net : oc_strerror(err);
}
