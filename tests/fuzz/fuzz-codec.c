/* fuzz-codec.c - the base64 (lenient and strict) and hex decoders on any
 * bytes, with output buffers of the exact advertised bound and of a size
 * the input picks (too small must be OC_ERR_RANGE, never an overflow).
 * What decodes must encode and decode back to the same bytes; strict
 * base64 and hex must accept exactly their own canonical encodings. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*decoder)(const char *in, size_t n, uint8_t *out, size_t out_size,
		       size_t *out_len);

static int hex_dec(const char *in, size_t n, uint8_t *out, size_t out_size,
		   size_t *out_len)
{
	return oc_hex_decode(in, n, out, out_size, out_len);
}

/* Decodes in[0..n) into a heap buffer of exactly cap bytes. */
static int dec(decoder d, const char *in, size_t n, size_t cap, uint8_t **out,
	       size_t *len)
{
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t l = (size_t)-1;
	int rc;

	if (!buf)
		abort();
	rc = d(in, n, buf, cap, &l);
	if (rc == OC_OK && l > cap)
		abort();
	if (rc != OC_OK && rc != OC_ERR_PARSE && rc != OC_ERR_RANGE)
		abort();
	if (rc != OC_OK && l != (size_t)-1)
		abort(); /* outputs are set only on success */
	if (rc == OC_OK) {
		*out = buf;
		*len = l;
	} else {
		free(buf);
	}
	return rc;
}

static void roundtrip_b64(const uint8_t *bin, size_t n, bool strict_ok)
{
	size_t elen = oc_base64_len(n), l2 = 0;
	char *text = malloc(elen + 1);
	uint8_t *back = NULL;

	if (!text)
		abort();
	if (oc_base64_encode(bin, n, text, elen + 1) != OC_OK ||
	    strlen(text) != elen)
		abort();
	/* One byte short must be refused, not overflowed. */
	if (oc_base64_encode(bin, n, text, elen) != OC_ERR_RANGE)
		abort();
	if (oc_base64_encode(bin, n, text, elen + 1) != OC_OK)
		abort();
	if (dec(oc_base64_decode_strict, text, elen,
		oc_base64_decoded_max(elen), &back, &l2) != OC_OK ||
	    l2 != n || (n && memcmp(back, bin, n) != 0))
		abort();
	free(back);
	back = NULL;
	if (dec(oc_base64_decode, text, elen, oc_base64_decoded_max(elen),
		&back, &l2) != OC_OK ||
	    l2 != n || (n && memcmp(back, bin, n) != 0))
		abort();
	free(back);
	free(text);
	(void)strict_ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const decoder decs[] = {oc_base64_decode,
				       oc_base64_decode_strict, hex_dec};
	const char *in;
	char *copy;
	size_t n, small;
	uint8_t *out = NULL;
	size_t len = 0;

	if (size < 1)
		return 0;
	small = data[0];
	in = (const char *)data + 1;
	n = size - 1;
	copy = malloc(n ? n : 1);
	if (!copy)
		return 0;
	if (n)
		memcpy(copy, in, n);

	for (size_t d = 0; d < 3; d++) {
		size_t max = d == 2 ? n / 2 + 1 : oc_base64_decoded_max(n);
		int rc = dec(decs[d], copy, n, max, &out, &len);

		if (rc == OC_ERR_RANGE)
			abort(); /* the advertised bound must be enough */
		if (rc == OC_OK) {
			/* Smaller buffers: OK when it fits, else RANGE. */
			uint8_t *o2 = NULL;
			size_t l2 = 0;
			int rc2 = dec(decs[d], copy, n, small, &o2, &l2);

			if (small >= len ? rc2 != OC_OK : rc2 != OC_ERR_RANGE)
				abort();
			if (rc2 == OC_OK &&
			    (l2 != len || (len && memcmp(o2, out, len) != 0)))
				abort();
			free(o2);
			if (d < 2) {
				roundtrip_b64(out, len, d == 1);
			} else {
				char *hex = malloc(2 * len + 1);

				if (!hex ||
				    oc_hex_encode(out, len, hex, 2 * len + 1) !=
					OC_OK ||
				    strlen(hex) != n ||
				    strncasecmp(hex, copy, n) != 0)
					abort();
				free(hex);
			}
			free(out);
			out = NULL;
		}
	}
	(void)oc_is_fingerprint_hex(copy, n);
	free(copy);
	return 0;
}
