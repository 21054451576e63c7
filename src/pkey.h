/* pkey.h - private keys and X.509 certificates held in secrets.
 *
 * A secret's value (already opened when it was CMEK-sealed) is parsed
 * strictly into OpenSSL objects on the core's private library context
 * (oc_ossl_libctx), never the application's.
 *
 * Private keys accepted: PEM ("PRIVATE KEY" PKCS#8, "RSA PRIVATE KEY",
 * "EC PRIVATE KEY"), DER (PKCS#8 or traditional), and OpenSSH's
 * "openssh-key-v1" format when unencrypted (src/openssh-key.h).  Key types:
 * RSA of 2048..8192 bits, EC on P-256, P-384 or P-521, Ed25519.  An
 * encrypted key is refused (there is no passphrase to ask for, and OpenSSL
 * never prompts); anything else is refused with a reason.
 *
 * Certificates accepted: PEM (the first CERTIFICATE block: the leaf of a
 * chain) or DER.
 *
 * Every failure returns a negative OC_ERR_* and writes a one-line reason
 * ("encrypted private key (no passphrase)", "unsupported curve
 * secp256k1", "RSA key of 1024 bits is below 2048", "not a private key")
 * into why; reasons never hold key bytes.  Outputs are set only on
 * success.  Inputs over OC_PKEY_MAX_INPUT are OC_ERR_RANGE; malformed or
 * truncated input (and a public key or certificate where a private key is
 * wanted) OC_ERR_PARSE; well-formed but refused input (encrypted, a key
 * type, curve or size outside the list) OC_ERR_UNSUPPORTED. */
#ifndef OC_PKEY_H
#define OC_PKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

#define OC_PKEY_MAX_INPUT (64 * 1024)
/* CKA_ID: SHA-1 of the DER SubjectPublicKeyInfo. */
#define OC_PKEY_ID_LEN 20
/* Bounds of the public values, for fixed buffers. */
#define OC_PKEY_MAX_MODULUS   1024 /* 8192 bits */
#define OC_PKEY_MAX_EXPONENT  16
#define OC_PKEY_MAX_EC_PARAMS 16  /* DER OID (P-521: 7 bytes) */
#define OC_PKEY_MAX_EC_POINT  140 /* DER OCTET STRING of 04||X||Y */

enum oc_pkey_alg {
	OC_PKEY_RSA = 1,
	OC_PKEY_EC,
	OC_PKEY_ED25519,
};

/* The public facts of a key, as PKCS#11 attributes want them. */
struct oc_pkey_pub {
	enum oc_pkey_alg alg;
	unsigned bits; /* RSA modulus bits; EC: 256/384/521; Ed25519: 255 */
	uint8_t id[OC_PKEY_ID_LEN];
	/* RSA: big-endian, no leading zero bytes. */
	uint8_t modulus[OC_PKEY_MAX_MODULUS];
	size_t modulus_len;
	uint8_t exponent[OC_PKEY_MAX_EXPONENT];
	size_t exponent_len;
	/* EC and Ed25519: CKA_EC_PARAMS (the DER OID: prime256v1,
	 * secp384r1, secp521r1, or 1.3.101.112 for Ed25519) and CKA_EC_POINT
	 * (DER OCTET STRING of the uncompressed point, or of the 32-byte
	 * Ed25519 public key). */
	uint8_t ec_params[OC_PKEY_MAX_EC_PARAMS];
	size_t ec_params_len;
	uint8_t ec_point[OC_PKEY_MAX_EC_POINT];
	size_t ec_point_len;
	/* DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO), malloc'd. */
	uint8_t *spki;
	size_t spki_len;
};

/* The fields of a certificate, each DER, malloc'd. */
struct oc_pkey_cert {
	uint8_t *der; /* the whole certificate (CKA_VALUE) */
	size_t der_len;
	uint8_t *subject;
	size_t subject_len;
	uint8_t *issuer;
	size_t issuer_len;
	uint8_t *serial; /* DER INTEGER, tag and length included */
	size_t serial_len;
	/* The certificate's key, so it pairs with its private key. */
	struct oc_pkey_pub pub;
};

/* Is k one of the supported algorithms and sizes (RSA 2048..8192 bits
 * with a public exponent of at most OC_PKEY_MAX_EXPONENT bytes, EC on
 * P-256/P-384/P-521, Ed25519)?  OC_OK, or OC_ERR_UNSUPPORTED with the
 * reason in why.  Public or private keys alike. */
int oc_pkey_check(const EVP_PKEY *k, char *why, size_t why_len);

/* A private key into *out (caller frees with EVP_PKEY_free, which wipes
 * the private components).  Intermediate copies are wiped. */
int oc_pkey_parse_private(const uint8_t *in, size_t n, EVP_PKEY **out,
			  char *why, size_t why_len);
/* Does k hold its private half (any supported algorithm)? */
bool oc_pkey_has_private(const EVP_PKEY *k);
/* A public-only copy of k (for public key objects and C_Verify). */
int oc_pkey_public_copy(const EVP_PKEY *k, EVP_PKEY **out);
/* The public facts of k (private or public); free with oc_pkey_pub_free. */
int oc_pkey_pub_of(const EVP_PKEY *k, struct oc_pkey_pub *out);
void oc_pkey_pub_free(struct oc_pkey_pub *p);

/* A certificate; free with oc_pkey_cert_free.  *key (optional) gets its
 * public key (caller frees). */
int oc_pkey_parse_cert(const uint8_t *in, size_t n, struct oc_pkey_cert *out,
		       EVP_PKEY **key, char *why, size_t why_len);
void oc_pkey_cert_free(struct oc_pkey_cert *c);

/* For the parsers (pkey.c, openssh-key.c): writes a reason into why
 * (either may be NULL/0), checks what every parser is given first (why
 * cleared; no output or a NULL input with a length is OC_ERR_ARGS, more
 * than OC_PKEY_MAX_INPUT bytes OC_ERR_RANGE, each with its reason), and
 * tells PEM's whitespace. */
void oc_pkey_why(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Inline, so that a static analyser sees a NULL out refused in the
 * caller's own code. */
static inline int oc_pkey_check_input(const uint8_t *in, size_t n,
				      bool have_out, char *why, size_t why_len)
{
	oc_pkey_why(why, why_len, "%s", "");
	if (!have_out || (in == NULL && n != 0)) {
		oc_pkey_why(why, why_len, "no input");
		return OC_ERR_ARGS;
	}
	if (n > OC_PKEY_MAX_INPUT) {
		oc_pkey_why(why, why_len,
			    "input of %zu bytes is over the %d limit", n,
			    OC_PKEY_MAX_INPUT);
		return OC_ERR_RANGE;
	}
	return OC_OK;
}
bool oc_pkey_is_space(uint8_t c);

#endif
