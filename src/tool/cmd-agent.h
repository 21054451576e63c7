/* cmd-agent.h - agent-socket: the address of an agent's served module. */
#ifndef OC_TOOL_CMD_AGENT_H
#define OC_TOOL_CMD_AGENT_H

#include "main.h"

int oc_cmd_agent_socket(struct oc_tool *t, int argc, char **argv);

#endif
