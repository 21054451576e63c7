/* err.c - descriptions of the core error codes. */
#include "config.h"

#include "err.h"

const char *oc_strerror(int err)
{
	switch (err) {
	case OC_OK:
		return "success";
	case OC_ERR_NOMEM:
		return "out of memory";
	case OC_ERR_ARGS:
		return "invalid arguments";
	case OC_ERR_RANGE:
		return "size or count out of range";
	case OC_ERR_PARSE:
		return "malformed input";
	case OC_ERR_CRYPTO:
		return "cryptographic library failure";
	case OC_ERR_DECRYPT:
		return "decryption failed (authentication tag mismatch)";
	case OC_ERR_VERSION:
		return "unsupported CMEK blob version";
	case OC_ERR_TOO_SHORT:
		return "CMEK blob too short";
	case OC_ERR_IO:
		return "input/output error";
	case OC_ERR_PERM:
		return "file permissions are too open";
	case OC_ERR_NET:
		return "network error";
	case OC_ERR_SERVER:
		return "server error";
	case OC_ERR_UNAUTHORIZED:
		return "unauthorized";
	case OC_ERR_FORBIDDEN:
		return "forbidden";
	case OC_ERR_NOT_FOUND:
		return "not found";
	case OC_ERR_GONE:
		return "gone";
	case OC_ERR_CONFLICT:
		return "conflict";
	case OC_ERR_RATE_LIMITED:
		return "rate limited";
	case OC_ERR_BAD_REQUEST:
		return "bad request";
	case OC_ERR_TOO_LARGE:
		return "too large";
	case OC_ERR_KEY_MISMATCH:
		return "CMEK key fingerprint does not match the vault's";
	case OC_ERR_NO_KEY:
		return "no CMEK key configured";
	case OC_ERR_NOT_SEALED:
		return "value not sealed under the configured CMEK key";
	case OC_ERR_PAYMENT:
		return "payment required: the quota is used up";
	case OC_ERR_SEALED:
		return "a sealed key file (only its token opens it)";
	case OC_ERR_CONFIG:
		return "invalid configuration";
	case OC_ERR_UNSUPPORTED:
		return "not supported";
	case OC_ERR_STATE:
		return "operation not valid in this state";
	case OC_ERR_INTERNAL:
		return "internal error";
	}
	return "unknown error";
}
