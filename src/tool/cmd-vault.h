/* cmd-vault.h - vault list | get | create. */
#ifndef OC_TOOL_CMD_VAULT_H
#define OC_TOOL_CMD_VAULT_H

#include "main.h"

int oc_cmd_vault(struct oc_tool *t, int argc, char **argv);

#endif
