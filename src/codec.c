/* codec.c - base64 (OpenSSL's block coder) and hex.
 *
 * The decoders validate the whole input first, so the output buffer is
 * only written when the input is good.  The lenient decoder then
 * normalises the text (URL-safe to standard, whitespace dropped, padding
 * restored) in a small stack buffer that is wiped afterwards, and hands
 * whole 4-character groups to EVP_DecodeBlock. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "codec.h"
#include "err.h"

/* Chunk sizes that keep EVP's int lengths small. */
#define ENC_CHUNK (3u * 4096)
#define DEC_CHUNK 1024u

static const char hexdigits[] = "0123456789abcdef";

size_t oc_base64_len(size_t n)
{
	if (n > (SIZE_MAX / 4 - 1) * 3)
		return SIZE_MAX;
	return (n + 2) / 3 * 4;
}

size_t oc_base64_decoded_max(size_t n)
{
	return n / 4 * 3 + (n % 4 ? 3 : 0);
}

int oc_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	size_t need = oc_base64_len(n), done = 0, chunk;
	char *o = out;

	if ((in == NULL && n != 0) || out == NULL)
		return OC_ERR_ARGS;
	if (need == SIZE_MAX || out_size < need + 1)
		return OC_ERR_RANGE;
	while (done < n) {
		chunk = n - done > ENC_CHUNK ? ENC_CHUNK : n - done;
		o += EVP_EncodeBlock((unsigned char *)o, in + done, (int)chunk);
		done += chunk;
	}
	*o = '\0';
	return OC_OK;
}

int oc_base64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	size_t i, len;
	int rc;

	rc = oc_base64_encode(in, n, out, out_size);
	if (rc)
		return rc;
	len = strlen(out);
	while (len > 0 && out[len - 1] == '=')
		out[--len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return OC_OK;
}

int oc_base64url_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
			size_t *out_len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *last = NULL;
	size_t i;

	/* A lone trailing character holds less than a byte. */
	if (n % 4 == 1)
		return OC_ERR_PARSE;
	for (i = 0; i < n; i++) {
		last = in[i] ? strchr(alphabet, in[i]) : NULL;
		if (!last)
			return OC_ERR_PARSE;
	}
	/* The bits past the last byte are zero (RFC 4648 §3.5): one spelling
	 * per value, as a signed token has. */
	if (last && n % 4 && ((last - alphabet) & (n % 4 == 2 ? 0xf : 0x3)))
		return OC_ERR_PARSE;
	return oc_base64_decode(in, n, out, out_size, out_len);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* The 6-bit value of a base64 character, -1 when not in the alphabet. */
static int b64_value(char c, int url_ok, int std_ok)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (std_ok && c == '+')
		return 62;
	if (std_ok && c == '/')
		return 63;
	if (url_ok && c == '-')
		return 62;
	if (url_ok && c == '_')
		return 63;
	return -1;
}

static char b64_std(char c)
{
	if (c == '-')
		return '+';
	if (c == '_')
		return '/';
	return c;
}

/* Validates; counts data characters and padding, notes the last data
 * character's value (for the canonical-bits check). */
static int b64_scan(const char *in, size_t n, int strict, size_t *data,
		    size_t *pads, int *last)
{
	size_t d = 0, p = 0, i, rem;
	int v;

	*last = 0;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '=') {
			p++;
			continue;
		}
		if (is_space(c) && !strict)
			continue;
		v = b64_value(c, !strict, 1);
		if (v < 0 || p > 0)
			return OC_ERR_PARSE; /* bad char, or data after '=' */
		*last = v;
		d++;
	}
	rem = d % 4;
	if (rem == 1)
		return OC_ERR_PARSE; /* a dangling single character */
	if (rem == 0 && p != 0)
		return OC_ERR_PARSE;
	if (p > 4 - rem)
		return OC_ERR_PARSE;
	if (strict) {
		if (rem != 0 && p != 4 - rem)
			return OC_ERR_PARSE;
		if ((rem == 2 && (*last & 0x0f)) ||
		    (rem == 3 && (*last & 0x03)))
			return OC_ERR_PARSE; /* non-canonical trailing bits */
	}
	*data = d;
	*pads = p;
	return OC_OK;
}

static int b64_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
		      size_t *out_len, int strict)
{
	char chunk[DEC_CHUNK];
	unsigned char tail[3];
	size_t d, p, need, k = 0, o = 0, i, rem;
	int last, rc;

	if ((in == NULL && n != 0) || (out == NULL && out_size != 0) ||
	    out_len == NULL)
		return OC_ERR_ARGS;
	if (strict && n % 4 != 0)
		return OC_ERR_PARSE;
	rc = b64_scan(in, n, strict, &d, &p, &last);
	if (rc != OC_OK)
		return rc;
	need = d / 4 * 3 + (d % 4 ? d % 4 - 1 : 0);
	if (need > out_size)
		return OC_ERR_RANGE;

	/* Whole groups go straight to out; the last partial group is padded
	 * and decoded into tail, which then gives only its real bytes. */
	rem = d % 4;
	for (i = 0; i < n && o + k / 4 * 3 < d / 4 * 3; i++) {
		char c = in[i];

		if (c == '=' || is_space(c))
			continue;
		chunk[k++] = b64_std(c);
		if (k == sizeof(chunk)) {
			EVP_DecodeBlock(out + o, (unsigned char *)chunk,
					(int)k);
			o += k / 4 * 3;
			k = 0;
		}
	}
	/* k is a multiple of 4 unless the loop stopped mid-group, which it
	 * cannot: it stops right after the last whole group. */
	if (k) {
		EVP_DecodeBlock(out + o, (unsigned char *)chunk, (int)k);
		o += k / 4 * 3;
		k = 0;
	}
	if (rem) {
		for (; i < n && k < rem; i++) {
			char c = in[i];

			if (c == '=' || is_space(c))
				continue;
			chunk[k++] = b64_std(c);
		}
		while (k < 4)
			chunk[k++] = '=';
		EVP_DecodeBlock(tail, (unsigned char *)chunk, 4);
		memcpy(out + o, tail, rem - 1);
		o += rem - 1;
		OPENSSL_cleanse(tail, sizeof(tail));
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	*out_len = o;
	return OC_OK;
}

int oc_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
		     size_t *out_len)
{
	return b64_decode(in, n, out, out_size, out_len, 0);
}

int oc_base64_decode_strict(const char *in, size_t n, uint8_t *out,
			    size_t out_size, size_t *out_len)
{
	return b64_decode(in, n, out, out_size, out_len, 1);
}

int oc_hex_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
	size_t i;

	if ((in == NULL && n != 0) || out == NULL)
		return OC_ERR_ARGS;
	if (n > (SIZE_MAX - 1) / 2 || out_size < 2 * n + 1)
		return OC_ERR_RANGE;
	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
	return OC_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int oc_hex_decode(const char *in, size_t n, uint8_t *out, size_t out_size,
		  size_t *out_len)
{
	size_t i;

	if ((in == NULL && n != 0) || (out == NULL && out_size != 0) ||
	    out_len == NULL)
		return OC_ERR_ARGS;
	if (n % 2 != 0)
		return OC_ERR_PARSE;
	for (i = 0; i < n; i++)
		if (hex_value(in[i]) < 0)
			return OC_ERR_PARSE;
	if (n / 2 > out_size)
		return OC_ERR_RANGE;
	for (i = 0; i < n / 2; i++)
		out[i] = (uint8_t)((unsigned)hex_value(in[2 * i]) << 4 |
				   (unsigned)hex_value(in[2 * i + 1]));
	*out_len = n / 2;
	return OC_OK;
}

int oc_is_fingerprint_hex(const char *s, size_t n)
{
	size_t i;

	if (s == NULL || n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int oc_decimal_parse(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	unsigned long v;
	char *end = NULL;

	/* strtoul would take leading space, a sign, or wrap a '-'. */
	if (!s || *s < '0' || *s > '9')
		return OC_ERR_PARSE;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return OC_ERR_PARSE;
	*out = v;
	return OC_OK;
}
