/* slot.h - the slot list: one slot per vault the configuration names.
 *
 * Slots and tokens come from the configuration alone: the slot-level calls
 * (C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo, C_GetMechanism*) never
 * reach the network, since p11-kit loads the module into every process
 * that asks it for modules.  With vault ids configured (`vaults`,
 * ONECLAW_VAULT_ID) the slots are those vaults.  Otherwise one slot holds
 * a stand-in token labelled "1claw" whose vaults are listed when they are
 * first needed: at C_OpenSession in credential mode (a failed listing
 * fails that call), after C_Login in PIN mode.  The first vault listed
 * (system vaults "__..." skipped) becomes the stand-in's vault, keeping
 * its label and serial; the others follow as further slots.  Slot ids
 * stay valid until C_Finalize. */
#ifndef OC_P11_SLOT_H
#define OC_P11_SLOT_H

#include "ck.h"

struct oc_token;

CK_RV oc_slot_init(void);
void oc_slot_free_all(void);
void oc_slot_abandon_all(void);

/* Makes the configured slots when not done yet (no network). */
CK_RV oc_slot_ensure(void);
/* Lists the vaults for the stand-in when not done yet (network); CKR_OK
 * at once when the configuration names the vaults. */
CK_RV oc_slot_discover(void);
/* C_OpenSession on t: in credential mode the stand-in's vaults are listed
 * now, and a failed listing (or none to show) is the session's error,
 * logged with its cause. */
CK_RV oc_slot_open(struct oc_token *t);
/* C_GetSlotList with its buffer protocol. */
CK_RV oc_slot_list(CK_SLOT_ID *ids, CK_ULONG *n);
CK_RV oc_slot_info(CK_SLOT_ID id, CK_SLOT_INFO *si);
CK_RV oc_slot_token(CK_SLOT_ID id, struct oc_token **out);
/* Calls fn on every token (outside the module lock). */
void oc_slot_each(void (*fn)(struct oc_token *t));

#endif
