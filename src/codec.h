/* codec.h - base64 and hex through OpenSSL, into caller buffers, and
 * bounded decimal numbers. */
#ifndef OC_CODEC_H
#define OC_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* Length of standard padded base64 for n bytes, without the NUL. */
size_t oc_base64_len(size_t n);
/* Standard alphabet, '=' padding, no line breaks, NUL-terminated.
 * OC_ERR_RANGE when out_size < oc_base64_len(n) + 1. */
int oc_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size);
/* base64url without padding (JWS, RFC 7515 §2); out_size >=
 * oc_base64_len(n) + 1. */
int oc_base64url_encode(const uint8_t *in, size_t n, char *out,
			size_t out_size);
/* Strict base64url as JWS writes it: the URL-safe alphabet only, no
 * padding, no whitespace (oc_base64_decode accepts all three, which a
 * signed token must not).  OC_ERR_PARSE otherwise; OC_ERR_RANGE when the
 * output does not fit. */
int oc_base64url_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
			size_t *out_len);
/* Lenient decode as Node's Buffer.from(s, "base64") for well-formed input:
 * standard or URL-safe alphabet (not mixed within one string is NOT
 * required), padding optional, ASCII whitespace skipped anywhere.  Any other
 * character, a misplaced '=', or a dangling single char -> OC_ERR_PARSE.
 * OC_ERR_RANGE when the output does not fit.  *out_len set on success. */
int oc_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
		     size_t *out_len);
/* Strict: standard alphabet with correct padding, no whitespace.  Used by
 * the server to validate what clients store. */
int oc_base64_decode_strict(const char *in, size_t n, uint8_t *out,
			    size_t out_size, size_t *out_len);
/* Upper bound of decoded size for n input characters. */
size_t oc_base64_decoded_max(size_t n);

/* Lowercase hex, NUL-terminated; out_size >= 2n + 1. */
int oc_hex_encode(const uint8_t *in, size_t n, char *out, size_t out_size);
/* Accepts upper and lower case; odd length or a non-hex char -> OC_ERR_PARSE.
 */
int oc_hex_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
		  size_t *out_len);
/* 1 when s[0..n) is exactly 64 lowercase hex chars (a CMEK fingerprint). */
int oc_is_fingerprint_hex(const char *s, size_t n);

/* A whole decimal number in [min, max]: digits only (no sign, no space),
 * nothing after them.  OC_ERR_PARSE otherwise, *out untouched. */
int oc_decimal_parse(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out);

#endif
