/* fuzz-wire.c - the wire rules on any bytes, in a buffer of exactly their
 * size (a read past it is an ASan report).  The rules nest: what the tool
 * takes (portable) we may send, and what we send we accept back; the
 * UTF-8 flags only ever refuse more; every decoded sequence encodes back
 * to the same bytes. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t encode(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

static void paths(const char *p, size_t n)
{
	bool portable = oc_wire_path_ok(p, n, OC_WIRE_PATH_PORTABLE);
	bool send = oc_wire_path_ok(p, n, OC_WIRE_PATH_SEND);
	bool accept = oc_wire_path_ok(p, n, OC_WIRE_PATH_ACCEPT);

	if ((portable && !send) || (send && !accept))
		abort();
	if (send && !oc_wire_utf8((const uint8_t *)p, n,
				  OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL))
		abort();
	if (accept && !oc_wire_text(p, n))
		abort();
}

static void utf8(const uint8_t *s, size_t n)
{
	bool any = oc_wire_utf8(s, n, 0);
	bool no_nul = oc_wire_utf8(s, n, OC_WIRE_NO_NUL);
	bool clean = oc_wire_utf8(s, n, OC_WIRE_NO_NUL | OC_WIRE_NO_CONTROL);
	size_t i = 0, l;
	uint32_t cp = 0;
	uint8_t back[4];

	if ((clean && !no_nul) || (no_nul && !any))
		abort();
	while (i < n) {
		l = oc_wire_utf8_next(s + i, n - i, &cp);
		if (l == 0) {
			if (any)
				abort(); /* valid text decodes throughout */
			return;
		}
		if (l > n - i || encode(cp, back) != l ||
		    memcmp(back, s + i, l) != 0)
			abort();
		i += l;
	}
	if (!any)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	paths((const char *)copy, size);
	utf8(copy, size);
	free(copy);
	return 0;
}
