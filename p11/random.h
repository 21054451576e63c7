/* random.h - C_GenerateRandom from OpenSSL (the core's own library
 * context); C_SeedRandom is refused: the generator seeds itself. */
#ifndef OC_P11_RANDOM_H
#define OC_P11_RANDOM_H

#include "ck.h"

CK_RV oc_random_generate(CK_BYTE *out, CK_ULONG n);

#endif
