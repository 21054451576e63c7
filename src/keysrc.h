/* keysrc.h - loading a 32-byte CMEK key from the encodings users have.
 *
 * Accepted: exactly 32 raw bytes; standard or URL-safe base64, padding
 * optional, surrounding whitespace trimmed, decoding to 32 bytes; 64 hex
 * characters (either case).  Anything else is OC_ERR_PARSE.  Error messages
 * name the source (file path, variable name), never its content. */
#ifndef OC_KEYSRC_H
#define OC_KEYSRC_H

#include <stddef.h>
#include <stdint.h>

#include "cmek.h"

/* Largest key file read (anything bigger is not a key). */
#define OC_KEYSRC_MAX_FILE 4096

int oc_keysrc_decode(const uint8_t *in, size_t n, uint8_t key[OC_CMEK_KEY_LEN]);
/* Reads a key file (O_NOFOLLOW not required; regular file, <= 4096 bytes)
 * that oc_conf_check_file trusts (yours or root's, not writable by group
 * or others, not readable by others; else OC_ERR_PERM).  *loose_perms is
 * set when its group can read it (accepted; the caller may say so).
 * errbuf gets a one-line reason naming the path on failure.  A sealed key
 * file (src/sealkey.h) is OC_ERR_SEALED: the core cannot open it, a front
 * end that reaches tokens hands the path to oc_tk_unseal_file. */
int oc_keysrc_load_file(const char *path, uint8_t key[OC_CMEK_KEY_LEN],
			int *loose_perms, char *errbuf, size_t errlen);
/* Reads a key from an environment variable with secure_getenv. */
int oc_keysrc_load_env(const char *name, uint8_t key[OC_CMEK_KEY_LEN],
		       char *errbuf, size_t errlen);
/* File or env, then wraps into an oc_cmek_key (the 32 bytes are wiped). */
int oc_keysrc_key_from_file(const char *path, struct oc_cmek_key **out,
			    int *loose_perms, char *errbuf, size_t errlen);

#endif
