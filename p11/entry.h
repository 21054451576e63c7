/* entry.h - every C_* function, in one wrapper shape: check initialised
 * (and fork), check arguments, find and lock the session, check the login
 * state, call the unit, unlock, log a failure with the function name, its
 * CK_RV and the cause.  module.c exports the list. */
#ifndef OC_P11_ENTRY_H
#define OC_P11_ENTRY_H

#include "ck.h"

CK_FUNCTION_LIST *oc_entry_function_list(void);

#endif
