/* err.h - the core's small error vocabulary.
 *
 * Core functions return 0 (OC_OK) or one of these negative values and set
 * their outputs only on success.  The PKCS#11 front end maps them to CK_RV in
 * exactly one place (p11/rv.c); the CLI and the server print oc_strerror(). */
#ifndef OC_ERR_H
#define OC_ERR_H

enum oc_err {
	OC_OK = 0,
	OC_ERR_NOMEM = -1,     /* allocation failed */
	OC_ERR_ARGS = -2,      /* a caller passed something invalid */
	OC_ERR_RANGE = -3,     /* a size or count is over its bound */
	OC_ERR_PARSE = -4,     /* malformed input: JSON, base64, hex, config */
	OC_ERR_CRYPTO = -5,    /* the crypto library failed */
	OC_ERR_DECRYPT = -6,   /* AES-GCM tag check failed */
	OC_ERR_VERSION = -7,   /* unsupported CMEK blob version byte */
	OC_ERR_TOO_SHORT = -8, /* CMEK blob shorter than 29 bytes */
	OC_ERR_IO = -9,	       /* file or socket I/O */
	OC_ERR_PERM = -10,     /* a file is writable or readable by others */
	OC_ERR_NET = -11,      /* connect, TLS, timeout, reset */
	OC_ERR_SERVER = -12,   /* 5xx or a response that breaks the API */
	OC_ERR_UNAUTHORIZED = -13, /* 401 (or 402 with no valid token) */
	OC_ERR_FORBIDDEN = -14,	   /* 403: binding, policy */
	OC_ERR_NOT_FOUND = -15,	   /* 404 */
	OC_ERR_GONE = -16,	   /* 410: deleted, expired, access count */
	OC_ERR_CONFLICT = -17,	   /* 409 */
	OC_ERR_RATE_LIMITED = -18, /* 429 past the retry budget */
	OC_ERR_BAD_REQUEST = -19,  /* 400 */
	OC_ERR_TOO_LARGE = -20,	   /* 413, or a response over its cap */
	OC_ERR_KEY_MISMATCH =
	    -21,	     /* CMEK key fingerprint differs from the vault's */
	OC_ERR_NO_KEY = -22, /* no CMEK key configured where one is needed */
	OC_ERR_CONFIG = -23, /* configuration is invalid */
	OC_ERR_UNSUPPORTED = -24, /* valid, but not supported */
	OC_ERR_STATE = -25,	  /* called in the wrong state */
	OC_ERR_INTERNAL = -26,	  /* cannot happen */
	OC_ERR_NOT_SEALED = -27,  /* a value not sealed under the CMEK key */
	OC_ERR_PAYMENT = -28,	  /* 402: quota used up or payment due */
	OC_ERR_SEALED = -29,	  /* a sealed key file: only a token opens it */
	OC_ERR_LAST = OC_ERR_SEALED, /* the lowest code (tests walk to it) */
};

/* A short, constant English description; never NULL. */
const char *oc_strerror(int err);

#endif
