/* oneclaw-pkcs11.h - vendor constants of the oneclaw-pkcs11 module.
 *
 * These values are fixed: applications depend on them.  Include after a
 * PKCS#11 header (p11-kit's <p11-kit/pkcs11.h> or OASIS pkcs11.h). */
#ifndef ONECLAW_PKCS11_H
#define ONECLAW_PKCS11_H

/* The 1claw CMEK blob format over AES-256-GCM: 0x01 || IV(12) ||
 * ciphertext || tag(16), no AAD.  No mechanism parameter.  C_Encrypt
 * draws a fresh random IV for every blob.
 *
 * CKM_AES_GCM on the module's keys never encrypts under an IV of the
 * caller's (a chosen or repeated IV gives away the keystream): for
 * encryption, CK_GCM_PARAMS.pIv must point at a writable 12-byte buffer
 * (ulIvLen 12, ulIvBits 0 or 96), and C_EncryptInit writes the random IV
 * it generated there; anything else is CKR_MECHANISM_PARAM_INVALID.
 * Decryption takes the caller's IV. */
#define CKM_ONECLAW_CMEK 0x8C1A0001UL

/* CK_BBOOL: the data object's value is a CMEK blob. */
#define CKA_ONECLAW_CMEK_ENCRYPTED 0x8C1A0001UL
/* UTF-8: the secret type (api_key, password, private_key, ...). */
#define CKA_ONECLAW_SECRET_TYPE 0x8C1A0002UL
/* CK_ULONG: the secret's version. */
#define CKA_ONECLAW_VERSION 0x8C1A0003UL
/* UTF-8: the secret's id. */
#define CKA_ONECLAW_SECRET_ID 0x8C1A0004UL
/* 32 bytes: SHA-256 of the CMEK key the value was sealed with, where known. */
#define CKA_ONECLAW_CMEK_FINGERPRINT 0x8C1A0005UL
/* UTF-8 RFC 3339 time, empty when none. */
#define CKA_ONECLAW_EXPIRES_AT 0x8C1A0006UL
/* UTF-8 JSON object. */
#define CKA_ONECLAW_METADATA 0x8C1A0007UL
/* The CMEK blob of a value the token presents opened (cmek_values =
 * opened: CKA_VALUE is then the plaintext); empty when the value is not
 * sealed.  Sensitive wherever CKA_VALUE is. */
#define CKA_ONECLAW_CMEK_BLOB 0x8C1A0008UL

/* Return values (vendor range).  With a CMEK key configured for a vault
 * the module trusts no word of the server about sealing:
 * - a value that is not a blob sealed under the configured key (the
 *   server sent it unsealed, or sealed under another key) is refused; */
#define CKR_ONECLAW_NOT_SEALED 0x8C1A0001UL
/* - a vault whose CMEK fingerprint is not the configured key's takes no
 *   write (it would be sealed for a key the user did not choose). */
#define CKR_ONECLAW_CMEK_MISMATCH 0x8C1A0002UL
/* The service asks for payment (HTTP 402): the account's quota is used up
 * on a paid route.  Nothing is wrong with the token or the request;
 * logging in again does not help. */
#define CKR_ONECLAW_PAYMENT_REQUIRED 0x8C1A0003UL

#endif
