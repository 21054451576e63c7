/* slot.h - the slot list: one slot per vault, listed lazily on first need.
 *
 * With vault ids configured (ONECLAW_VAULT_ID, `vaults`), the slots are
 * those ids and listing needs no network.  Otherwise the vaults the
 * credential sees are listed once (system vaults named "__..." are
 * skipped).  PIN mode with no ids configured cannot list before a
 * credential exists: one slot with a token labelled "1claw" stands in
 * until C_Login, after which it becomes the first vault and the others
 * follow as further slots.  Once listed, the list is fixed until
 * C_Finalize, so slot ids stay valid. */
#ifndef OC_P11_SLOT_H
#define OC_P11_SLOT_H

#include "ck.h"

struct oc_token;

CK_RV oc_slot_init(void);
void oc_slot_free_all(void);
void oc_slot_abandon_all(void);

/* Lists the vaults when not done yet. */
CK_RV oc_slot_ensure(void);
/* C_GetSlotList with its buffer protocol. */
CK_RV oc_slot_list(CK_SLOT_ID *ids, CK_ULONG *n);
CK_RV oc_slot_info(CK_SLOT_ID id, CK_SLOT_INFO *si);
CK_RV oc_slot_token(CK_SLOT_ID id, struct oc_token **out);
/* Calls fn on every token (outside the module lock). */
void oc_slot_each(void (*fn)(struct oc_token *t));

#endif
