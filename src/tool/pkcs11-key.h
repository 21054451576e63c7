/* pkcs11-key.h - a CMEK key that lives in a PKCS#11 token.
 *
 * The module is dlopen()ed, the key found by its pkcs11: URI (RFC 7512),
 * and every AES-GCM operation is forwarded to the token through
 * struct oc_cmek_key_ops, so the key bytes never enter this process.
 * Sealing works with a token that takes the caller's IV (SoftHSM) and with
 * one that generates its own (oneclaw-pkcs11): the blob holds the IV the
 * token used.
 * The key's fingerprint is the one given, else its CKA_ID when that is 32
 * bytes (the oneclaw module's CMEK key objects carry it there). */
#ifndef OC_TOOL_PKCS11_KEY_H
#define OC_TOOL_PKCS11_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "cmek.h"

struct oc_p11key_args {
	const char *uri;	 /* pkcs11:token=...;object=... */
	const char *module;	 /* .so path; NULL: the URI's module-path */
	const char *pin_file;	 /* NULL: pin-source of the URI, else prompt */
	const char *fingerprint; /* 64 hex or NULL */
	bool may_prompt;	 /* ask on the terminal when no PIN file */
};

/* errbuf gets one line naming the URI, module or file on failure. */
int oc_p11key_open(const struct oc_p11key_args *a, struct oc_cmek_key **out,
		   char *errbuf, size_t errlen);

#endif
