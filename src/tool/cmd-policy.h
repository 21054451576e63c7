/* cmd-policy.h - policy add | list | rm. */
#ifndef OC_TOOL_CMD_POLICY_H
#define OC_TOOL_CMD_POLICY_H

#include "main.h"

int oc_cmd_policy(struct oc_tool *t, int argc, char **argv);

#endif
