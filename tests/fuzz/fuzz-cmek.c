/* fuzz-cmek.c - the CMEK blob codec with a fixed key (test vector V1's).
 *
 * 1. oc_cmek_open on the input as a blob: the error order of cmek.h,
 *    and a failure releases no plaintext.
 * 2. The input as a plaintext: seal, open, same bytes; the sealed blob
 *    with one bit flipped (where the input says) must fail to open and
 *    leave nothing of the plaintext in the output buffer.
 * 3. oc_cmek_gcm_open with IV and tag lengths the input picks. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmek.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct oc_cmek_key *key;

static void setup(void)
{
	uint8_t raw[OC_CMEK_KEY_LEN];

	if (key)
		return;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	if (oc_cmek_key_from_raw(raw, &key) != OC_OK)
		abort();
}

/* Nothing of pt[0..n) may be left in buf[0..cap).  Told only for n >= 8
 * and a plaintext without zero bytes, so a wipe to zeros never looks like
 * plaintext; buf was filled with the complement of pt beforehand. */
static void no_plaintext(const uint8_t *buf, size_t cap, const uint8_t *pt,
			 size_t n)
{
	if (n < 8 || cap < n || memchr(pt, 0, n))
		return;
	for (size_t i = 0; i + n <= cap; i++)
		if (memcmp(buf + i, pt, n) == 0)
			abort();
}

static void open_blob(const uint8_t *data, size_t size)
{
	size_t cap = size >= OC_CMEK_OVERHEAD ? size - OC_CMEK_OVERHEAD : 0;
	uint8_t *blob = malloc(size ? size : 1);
	uint8_t *pt = malloc(cap ? cap : 1);
	size_t len = (size_t)-1;
	int rc;

	if (!blob || !pt)
		abort();
	if (size)
		memcpy(blob, data, size);
	rc = oc_cmek_open(key, blob, size, pt, cap, &len);
	if (size < OC_CMEK_OVERHEAD) {
		if (rc != OC_ERR_TOO_SHORT)
			abort();
	} else if (blob[0] != OC_CMEK_VERSION) {
		if (rc != OC_ERR_VERSION)
			abort();
	} else if (rc != OC_OK && rc != OC_ERR_DECRYPT) {
		abort();
	}
	if (rc == OC_OK && len != cap)
		abort();
	if (rc != OC_OK && len != (size_t)-1)
		abort();
	/* One byte short of the plaintext: refused. */
	if (rc == OC_OK && cap > 0) {
		len = (size_t)-1;
		if (oc_cmek_open(key, blob, size, pt, cap - 1, &len) !=
			OC_ERR_RANGE ||
		    len != (size_t)-1)
			abort();
	}
	free(blob);
	free(pt);
}

static void roundtrip(const uint8_t *data, size_t size)
{
	size_t blen = oc_cmek_blob_len(size), len = 0, bit;
	uint8_t *blob = malloc(blen);
	uint8_t *pt = malloc(size ? size : 1);
	int rc;

	if (!blob || !pt)
		abort();
	if (oc_cmek_seal(key, data, size, blob, blen, &len) != OC_OK ||
	    len != blen || blob[0] != OC_CMEK_VERSION)
		abort();
	if (oc_cmek_open(key, blob, blen, pt, size, &len) != OC_OK ||
	    len != size || (size && memcmp(pt, data, size) != 0))
		abort();
	/* Too small a blob buffer: refused, not overflowed. */
	if (oc_cmek_seal(key, data, size, blob, blen - 1, &len) != OC_ERR_RANGE)
		abort();
	if (oc_cmek_seal(key, data, size, blob, blen, &len) != OC_OK)
		abort();
	/* Flip one bit past the version byte: IV, ciphertext or tag. */
	bit = size ? (data[0] | (size > 1 ? data[1] << 8 : 0)) : 0;
	bit %= (blen - 1) * 8;
	blob[1 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	for (size_t i = 0; i < size; i++)
		pt[i] = (uint8_t)~data[i];
	rc = oc_cmek_open(key, blob, blen, pt, size, &len);
	if (rc != OC_ERR_DECRYPT)
		abort();
	no_plaintext(pt, size, data, size);
	free(blob);
	free(pt);
}

static void gcm(const uint8_t *data, size_t size)
{
	size_t iv_len, tag_len, aad_len, n;
	const uint8_t *iv, *aad, *tag, *ct;
	uint8_t *pt;
	int rc;

	if (size < 3)
		return;
	iv_len = 1 + data[0] % 128;
	tag_len = 4 + data[1] % 13;
	aad_len = data[2] % 32;
	data += 3;
	size -= 3;
	if (size < iv_len + aad_len + tag_len)
		return;
	iv = data;
	aad = data + iv_len;
	tag = aad + aad_len;
	ct = tag + tag_len;
	n = size - iv_len - aad_len - tag_len;
	pt = malloc(n ? n : 1);
	if (!pt)
		abort();
	rc = oc_cmek_gcm_open(key, iv, iv_len, aad_len ? aad : NULL, aad_len,
			      ct, n, tag, tag_len, pt);
	if (rc != OC_OK && rc != OC_ERR_DECRYPT && rc != OC_ERR_ARGS)
		abort();
	free(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size > 1024 * 1024)
		return 0;
	open_blob(data, size);
	roundtrip(data, size);
	gcm(data, size);
	return 0;
}
