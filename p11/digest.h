/* digest.h - C_Digest* with CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384,
 * CKM_SHA512, CKM_SHA512_224 and CKM_SHA512_256, through OpenSSL's EVP on
 * the core's private library context.  They hash the caller's data only:
 * Java's SunPKCS11 offers RSASSA-PSS only on a token that lists the plain
 * hash mechanism.
 *
 * C_DigestKey answers CKR_KEY_INDIGESTIBLE for every key: the keys of this
 * token are unwrapped passwords, API keys and CMEK keys, and their digest
 * would be an offline-guessable copy of them.
 *
 * Output follows the buffer-size protocol: NULL asks the length, a short
 * buffer is CKR_BUFFER_TOO_SMALL and the operation stays active; any other
 * failure, and every success of C_Digest / C_DigestFinal, ends it. */
#ifndef OC_P11_DIGEST_H
#define OC_P11_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "ck.h"

struct oc_digest {
	EVP_MD_CTX *ctx; /* NULL when no operation is active */
	size_t len;
	bool multi; /* a C_DigestUpdate happened */
};

struct oc_session;

CK_RV oc_digest_init(struct oc_session *s, const CK_MECHANISM *m);
CK_RV oc_digest_single(struct oc_session *s, const CK_BYTE *in, CK_ULONG n,
		       CK_BYTE *out, CK_ULONG *out_len);
CK_RV oc_digest_update(struct oc_session *s, const CK_BYTE *in, CK_ULONG n);
/* CKR_KEY_INDIGESTIBLE for every key (CKR_KEY_HANDLE_INVALID when there is
 * none by that handle); either ends the operation. */
CK_RV oc_digest_key(struct oc_session *s, CK_OBJECT_HANDLE key);
CK_RV oc_digest_final(struct oc_session *s, CK_BYTE *out, CK_ULONG *out_len);
/* Ends the operation; NULL-safe, and safe on a never-used struct. */
void oc_digest_clear(struct oc_digest *op);

/* The digest mechanisms, for the mechanism list. */
size_t oc_digest_mech_count(void);
CK_MECHANISM_TYPE oc_digest_mech_at(size_t i);
/* CKR_OK with info (CKF_DIGEST) for a digest mechanism, else
 * CKR_MECHANISM_INVALID. */
CK_RV oc_digest_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);

#endif
