/* scratch.h - per-thread locked scratch memory for working keys.
 *
 * Every DEK and derived KEK lives for one call only; mapping, locking and
 * unmapping a fresh page for each (oc_secure_alloc) costs more than the
 * AES-GCM work itself.  Each thread instead keeps one locked page, freed
 * (wiped) when the thread ends; callers wipe their slot before returning. */
#ifndef OC_VAULTD_SCRATCH_H
#define OC_VAULTD_SCRATCH_H

#include <stdint.h>

enum oc_scratch_slot {
	OC_SCRATCH_KEK, /* a derived vault KEK, 32 bytes */
	OC_SCRATCH_DEK, /* a data-encryption key, 32 bytes */
	OC_SCRATCH_SLOTS,
};

#define OC_SCRATCH_SLOT_SIZE 64

/* NULL only when out of memory. */
uint8_t *oc_scratch(enum oc_scratch_slot slot);

#endif
