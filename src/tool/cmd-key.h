/* cmd-key.h - keygen and fingerprint: making and naming CMEK keys. */
#ifndef OC_TOOL_CMD_KEY_H
#define OC_TOOL_CMD_KEY_H

#include "main.h"

int oc_cmd_keygen(struct oc_tool *t, int argc, char **argv);
int oc_cmd_fingerprint(struct oc_tool *t, int argc, char **argv);

#endif
