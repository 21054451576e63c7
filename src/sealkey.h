/* sealkey.h - sealed key files: a CMEK key or an API key encrypted with
 * RSA-OAEP to the public keys of key pairs that live in PKCS#11 tokens
 * (a TPM, a PIV card, an HSM).  Without one of those tokens the file
 * opens nothing.
 *
 * The format, one JSON object of at most OC_SEALKEY_MAX_FILE bytes:
 *
 *   {"oneclaw_sealed_key": 1,
 *    "kind": "cmek" | "credential",
 *    "fingerprint": "<64 hex: SHA-256 of the CMEK key>",   (cmek only)
 *    "recipients": [
 *      {"uri": "pkcs11:...",                (optional; path only: no query,
 *                                            so no PIN, module or pin-source)
 *       "spki_sha256": "<64 hex: SHA-256 of the SubjectPublicKeyInfo DER>",
 *       "oaep_hash": "sha256" | "sha1",     (OAEP and MGF1, empty label)
 *       "ciphertext": "<standard base64>"}, ...]}
 *
 * Parsing is strict: an unknown version, kind or member, a missing or
 * malformed field, no recipient or more than OC_SEALKEY_MAX_RECIPIENTS is
 * OC_ERR_PARSE (OC_ERR_VERSION for a version) with a message that names
 * it.  This unit is OpenSSL only: sealing needs public keys, and opening
 * with a token is the token-key unit's (src/tokenkey/tokenkey.h); here a
 * software private key can open a file too (tests, recovery). */
#ifndef OC_SEALKEY_H
#define OC_SEALKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "buf.h"
#include "cmek.h"

#define OC_SEALKEY_MAX_FILE	  (64u * 1024)
#define OC_SEALKEY_MAX_RECIPIENTS 16
#define OC_SEALKEY_MAX_URI	  2048
/* A credential sealed: what RSA-2048 OAEP-SHA-256 carries at most. */
#define OC_SEALKEY_MAX_SECRET 190
/* RSA-2048 to RSA-8192 ciphertexts. */
#define OC_SEALKEY_MIN_CT 256
#define OC_SEALKEY_MAX_CT 1024

enum oc_sealkey_kind { OC_SEALKEY_CMEK, OC_SEALKEY_CREDENTIAL };
enum oc_sealkey_hash { OC_SEALKEY_SHA256, OC_SEALKEY_SHA1 };

struct oc_sealkey_recipient {
	char *uri; /* NULL when the file names none */
	uint8_t spki_sha256[32];
	enum oc_sealkey_hash hash;
	uint8_t *ct;
	size_t ct_len;
};

struct oc_sealkey {
	enum oc_sealkey_kind kind;
	uint8_t fpr[OC_CMEK_FPR_LEN]; /* cmek only */
	size_t n;
	struct oc_sealkey_recipient r[OC_SEALKEY_MAX_RECIPIENTS];
};

/* One recipient to seal to: its public key (an RSA key of 2048 bits or
 * more) and the URI to record (may be NULL; a pin-value is refused). */
struct oc_sealkey_to {
	EVP_PKEY *pub;
	const char *uri;
	enum oc_sealkey_hash hash;
};

/* Does the text start as a sealed key file (a JSON object naming
 * "oneclaw_sealed_key")?  A key loader's cue to hand the file over. */
bool oc_sealkey_looks(const uint8_t *p, size_t n);

/* errbuf gets a one-line reason (never key bytes). */
int oc_sealkey_parse(const char *text, size_t n, struct oc_sealkey **out,
		     char *errbuf, size_t errlen);
/* A file that oc_conf_check_file trusts (not a secret: others may read
 * it), parsed; messages name the path. */
int oc_sealkey_load_file(const char *path, struct oc_sealkey **out,
			 char *errbuf, size_t errlen);
void oc_sealkey_free(struct oc_sealkey *s);

/* Encrypts secret (32 bytes for a CMEK key) to each recipient. */
int oc_sealkey_seal(enum oc_sealkey_kind kind, const uint8_t *secret, size_t n,
		    const struct oc_sealkey_to *to, size_t n_to,
		    struct oc_sealkey **out, char *errbuf, size_t errlen);
/* The file's text, one line with a trailing newline, into out. */
int oc_sealkey_write(const struct oc_sealkey *s, struct oc_buf *out);

/* SHA-256 of a key's SubjectPublicKeyInfo DER (public or private key). */
int oc_sealkey_spki_sha256(EVP_PKEY *pk, uint8_t out[32]);
/* The recipient whose spki_sha256 is that of pk, or -1. */
int oc_sealkey_find(const struct oc_sealkey *s, EVP_PKEY *pk);
/* Is this plaintext what the file sealed?  A CMEK key: 32 bytes with the
 * file's fingerprint (else OC_ERR_KEY_MISMATCH); a credential: 1 to
 * OC_SEALKEY_MAX_SECRET visible ASCII characters (else OC_ERR_PARSE). */
int oc_sealkey_check(const struct oc_sealkey *s, const uint8_t *secret,
		     size_t n);
/* Opens recipient i with a software private key: *secret in
 * oc_secure_alloc memory (NUL-terminated), checked as above.
 * OC_ERR_DECRYPT when the ciphertext does not open. */
int oc_sealkey_open_pkey(const struct oc_sealkey *s, size_t i, EVP_PKEY *priv,
			 uint8_t **secret, size_t *n);

#endif
