/* fuzz-keysrc.c - oc_keysrc_decode on any bytes.  A key it accepts must
 * come out the same from its canonical encodings (standard base64, hex),
 * and a rejected input must leave the output untouched. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "keysrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[OC_CMEK_KEY_LEN], again[OC_CMEK_KEY_LEN];
	char text[2 * OC_CMEK_KEY_LEN + 1];
	uint8_t *copy;
	int rc;

	if (size > OC_KEYSRC_MAX_FILE + 16)
		return 0;
	/* An exact copy, so a read past the end is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	memset(key, 0xa5, sizeof(key)); /* banned-ok: a fill pattern */
	rc = oc_keysrc_decode(copy, size, key);
	free(copy);
	if (rc) {
		for (size_t i = 0; i < sizeof(key); i++)
			if (key[i] != 0xa5)
				abort(); /* outputs are set only on success */
		if (rc != OC_ERR_PARSE)
			abort();
		return 0;
	}
	if (oc_base64_encode(key, sizeof(key), text, sizeof(text)) != OC_OK)
		abort();
	memset(again, 0, sizeof(again));
	if (oc_keysrc_decode((const uint8_t *)text, strlen(text), again) !=
		OC_OK ||
	    memcmp(key, again, sizeof(key)) != 0)
		abort();
	if (oc_hex_encode(key, sizeof(key), text, sizeof(text)) != OC_OK)
		abort();
	memset(again, 0, sizeof(again));
	if (oc_keysrc_decode((const uint8_t *)text, strlen(text), again) !=
		OC_OK ||
	    memcmp(key, again, sizeof(key)) != 0)
		abort();
	return 0;
}
