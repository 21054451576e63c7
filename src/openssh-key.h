/* openssh-key.h - OpenSSH's own private key format ("-----BEGIN OPENSSH
 * PRIVATE KEY-----", openssh-key-v1), which OpenSSL 3 does not read.
 *
 * Only unencrypted keys (cipher "none") with one key: ssh-rsa,
 * ecdsa-sha2-nistp256/384/521 and ssh-ed25519.  The parser is strict and
 * bounded (every length checked against what is left, check words must
 * match, padding must be 1, 2, 3, ...); the key is built with
 * EVP_PKEY_fromdata on the core's private library context and every
 * intermediate copy of private material is wiped. */
#ifndef OC_OPENSSH_KEY_H
#define OC_OPENSSH_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Does the input start (after whitespace) with the OpenSSH PEM header? */
bool oc_openssh_key_is(const uint8_t *in, size_t n);
/* Same contract as oc_pkey_parse_private (src/pkey.h). */
int oc_openssh_key_parse(const uint8_t *in, size_t n, EVP_PKEY **out, char *why,
			 size_t why_len);

#endif
