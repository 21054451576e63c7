/* cmd-agents.h - agent create | list | get | rotate-key | deactivate | rm,
 * and finding an agent by id or name (for `policy add --agent`). */
#ifndef OC_TOOL_CMD_AGENTS_H
#define OC_TOOL_CMD_AGENTS_H

#include "api-agents.h"
#include "main.h"

int oc_cmd_agents(struct oc_tool *t, int argc, char **argv);

/* Resolves an AGENT operand: an agent id, else an exact agent name.
 * Prints "unknown agent" (or the failure) and returns OC_EXIT_FAIL; out
 * is then untouched.  api, when not NULL, gets the client it used. */
int oc_tool_agent(struct oc_tool *t, const char *arg, struct oc_agent *out,
		  struct oc_api **api);

#endif
