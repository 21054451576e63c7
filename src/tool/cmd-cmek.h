/* cmd-cmek.h - cmek status | enable | disable | rotate. */
#ifndef OC_TOOL_CMD_CMEK_H
#define OC_TOOL_CMD_CMEK_H

#include "main.h"

int oc_cmd_cmek(struct oc_tool *t, int argc, char **argv);

#endif
