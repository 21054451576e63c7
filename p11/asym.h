/* asym.h - the public-key mechanisms, one operation at a time, on an
 * EVP_PKEY of the core's private library context:
 *
 *   CKM_RSA_PKCS             sign/verify (input: a DigestInfo), encrypt,
 *                            decrypt
 *   CKM_RSA_PKCS_PSS         sign/verify (a hash, CK_RSA_PKCS_PSS_PARAMS)
 *   CKM_SHA{256,384,512}_RSA_PKCS, CKM_SHA{256,384,512}_RSA_PKCS_PSS
 *                            sign/verify, multi-part
 *   CKM_RSA_PKCS_OAEP        encrypt/decrypt (CK_RSA_PKCS_OAEP_PARAMS)
 *   CKM_RSA_X_509            raw RSA: sign/verify/encrypt/decrypt of one
 *                            block (a shorter input gets leading zeros)
 *   CKM_ECDSA                sign/verify (input: a hash; signature r||s)
 *   CKM_ECDSA_SHA256, CKM_ECDSA_SHA384   sign/verify, multi-part
 *   CKM_EDDSA                sign/verify (Ed25519, no parameters)
 *
 * Every sign/verify mechanism takes C_*Update calls: the SHA ones feed a
 * digest, the others (whose input is a hash or, for EdDSA, the message)
 * collect it in a bounded secret buffer (OC_ASYM_MAX_INPUT, then
 * CKR_DATA_LEN_RANGE).  Errors are CK_RVs of the spec:
 * CKR_MECHANISM_INVALID (not a mechanism of this table or not for this
 * use), CKR_MECHANISM_PARAM_INVALID, CKR_KEY_TYPE_INCONSISTENT (mechanism
 * and key algorithm differ), CKR_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_INVALID,
 * CKR_ENCRYPTED_DATA_LEN_RANGE, CKR_SIGNATURE_INVALID,
 * CKR_SIGNATURE_LEN_RANGE, CKR_KEY_SIZE_RANGE (a key outside the sizes
 * below), CKR_HOST_MEMORY, CKR_FUNCTION_FAILED.
 *
 * The buffer-size protocol is the caller's (p11/sign.c, p11/crypt.c):
 * op->out_len gives the most the operation can produce. */
#ifndef OC_P11_ASYM_H
#define OC_P11_ASYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "ck.h"

enum oc_asym_use {
	OC_ASYM_SIGN = 1,
	OC_ASYM_VERIFY,
	OC_ASYM_ENCRYPT,
	OC_ASYM_DECRYPT,
};

#define OC_ASYM_MAX_INPUT (64 * 1024)

struct oc_asym {
	bool active;
	enum oc_asym_use use;
	CK_MECHANISM_TYPE mech;
	EVP_PKEY *key;	    /* referenced (EVP_PKEY_up_ref) */
	EVP_MD_CTX *md;	    /* multi-part digest mechanisms */
	EVP_PKEY_CTX *pctx; /* single-part mechanisms */
	struct oc_buf in;   /* input of the non-digest mechanisms, secret */
	size_t out_len;	    /* signature length / largest output */
	/* Bounds of a one-block input (the collected input of a
	 * non-digest sign/verify, or the block of an encrypt/decrypt). */
	size_t in_min;
	size_t in_max;
};

/* Is type one of the table above, and its CKF_* flags and key sizes (RSA
 * 2048..8192 bits, EC 256..521, EdDSA 255..255). */
CK_RV oc_asym_mech_info(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);
/* The mechanisms of the table, for C_GetMechanismList. */
size_t oc_asym_mech_count(void);
CK_MECHANISM_TYPE oc_asym_mech_at(size_t i);

/* Starts an operation; key is referenced, not taken.  A public-only key
 * serves verify and encrypt; sign and decrypt need the private key. */
CK_RV oc_asym_init(struct oc_asym *op, enum oc_asym_use use,
		   const CK_MECHANISM *m, EVP_PKEY *key);
/* Feeds input to a sign or verify (C_SignUpdate / C_VerifyUpdate). */
CK_RV oc_asym_update(struct oc_asym *op, const uint8_t *in, size_t n);
/* Signs what was fed plus in (C_Sign passes the data, C_SignFinal
 * NULL/0); sig has room for op->out_len bytes, *sig_len gets the length.
 * The caller asks the length first (op->out_len), so this call always
 * finishes the operation; the caller clears it. */
CK_RV oc_asym_sign(struct oc_asym *op, const uint8_t *in, size_t n,
		   uint8_t *sig, size_t *sig_len);
CK_RV oc_asym_verify(struct oc_asym *op, const uint8_t *in, size_t n,
		     const uint8_t *sig, size_t sig_len);
/* Encrypt or decrypt one block; out has room for op->out_len bytes (for
 * decrypt: the modulus size; the caller then copies the *out_len bytes
 * actually produced and wipes its buffer). */
CK_RV oc_asym_crypt(struct oc_asym *op, const uint8_t *in, size_t n,
		    uint8_t *out, size_t *out_len);
/* Frees and wipes; safe on a cleared or inactive operation. */
void oc_asym_clear(struct oc_asym *op);

#endif
