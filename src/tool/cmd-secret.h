/* cmd-secret.h - secret put | get | list | rm | import | export. */
#ifndef OC_TOOL_CMD_SECRET_H
#define OC_TOOL_CMD_SECRET_H

#include "main.h"

int oc_cmd_secret(struct oc_tool *t, int argc, char **argv);

#endif
