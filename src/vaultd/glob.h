/* glob.h - the path globs of access policies and agent scopes.
 *
 * '*' matches within one path segment, '**' matches across segments
 * (including none), '?' one character other than '/'; everything else is
 * literal. */
#ifndef OC_VAULTD_GLOB_H
#define OC_VAULTD_GLOB_H

#include <stdbool.h>

bool oc_glob_match(const char *pattern, const char *path);

#endif
