/* random.c - random bytes. */
#include "config.h"

#include "err.h"
#include "ossl.h"
#include "random.h"
#include "rv.h"

/* Asked in bounded pieces. */
#define CHUNK (64u * 1024)

CK_RV oc_random_generate(CK_BYTE *out, CK_ULONG n)
{
	while (n) {
		size_t k = n < CHUNK ? n : CHUNK;
		int err = oc_random(out, k);

		if (err)
			return oc_rv_map(err, OC_RV_GENERIC);
		out += k;
		n -= k;
	}
	return CKR_OK;
}
