/* sigmemo.h - a memo of the tokens whose signature has verified.
 *
 * A token's Ed25519 check is the dearest step of a request, and a client
 * sends the same token with every request until it expires.  Whether a
 * given byte string carries a valid signature under the server's key
 * never changes, so the memo keeps the SHA-256 of the last few whole
 * tokens (signature included) that verified; every claim is still read
 * and checked on each request. */
#ifndef OC_VAULTD_SIGMEMO_H
#define OC_VAULTD_SIGMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OC_SIGMEMO_DIGEST_LEN 32

struct oc_sigmemo;

int oc_sigmemo_new(struct oc_sigmemo **out);
void oc_sigmemo_free(struct oc_sigmemo *m);
/* The SHA-256 of a token, the memo's key. */
int oc_sigmemo_digest(const char *tok, size_t n,
		      uint8_t out[OC_SIGMEMO_DIGEST_LEN]);
bool oc_sigmemo_has(struct oc_sigmemo *m,
		    const uint8_t digest[OC_SIGMEMO_DIGEST_LEN]);
/* Remembers a verified token, forgetting the oldest when full. */
void oc_sigmemo_add(struct oc_sigmemo *m,
		    const uint8_t digest[OC_SIGMEMO_DIGEST_LEN]);

#endif
