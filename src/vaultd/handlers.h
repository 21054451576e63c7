/* handlers.h - the API's handlers, one file per resource (see each
 * handlers-*.h).  Each handler sets exactly one response on r (JSON or a
 * problem). */
#ifndef OC_VAULTD_HANDLERS_H
#define OC_VAULTD_HANDLERS_H

#include "handlers-agents.h"
#include "handlers-auth.h"
#include "handlers-cmek.h"
#include "handlers-policies.h"
#include "handlers-secrets.h"
#include "handlers-vaults.h"

#endif
