/* cmd-seal.h - key seal / key unseal: sealed key files (src/sealkey.h). */
#ifndef OC_TOOL_CMD_SEAL_H
#define OC_TOOL_CMD_SEAL_H

#include "cmek.h"
#include "main.h"

int oc_cmd_key(struct oc_tool *t, int argc, char **argv);
/* The fingerprint a sealed CMEK key file records (no token needed); an
 * error when path is not one. */
int oc_seal_fingerprint(const char *path, char out[OC_CMEK_FPR_HEX_LEN + 1]);

#endif
