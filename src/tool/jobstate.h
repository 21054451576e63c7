/* jobstate.h - the server rotation jobs started from this machine.
 *
 * The API has no job list, and a 409 ("a rotation job already runs for
 * this vault") need not name the job, so a run that was stopped (^C, a
 * lost connection) while the server's job went on could not find that
 * job again.  Each run records the job it started, and a later run that
 * meets the 409 follows the recorded job.
 *
 * One file per vault: <state>/oneclaw/cmek-rotate-<vault id>, where
 * <state> is $XDG_STATE_HOME when it is an absolute path, else
 * ~/.local/state.  Directories are made with mode 0700; the file has mode
 * 0600 and is replaced atomically (a temporary file, then rename).  It
 * names the vault, the job and the new key's fingerprint, never a key.  A
 * file not owned by this user, or writable by others, is not trusted. */
#ifndef OC_TOOL_JOBSTATE_H
#define OC_TOOL_JOBSTATE_H

#include <stddef.h>

#include "api.h"
#include "cmek.h"

struct oc_jobstate {
	char vault_id[OC_WIRE_ID_MAX + 1];
	char job_id[OC_WIRE_ID_MAX + 1];
	char new_fpr[OC_CMEK_FPR_HEX_LEN + 1]; /* may be "" */
};

/* Records s (replacing the vault's earlier record).  OC_ERR_ARGS for a
 * vault or job id that is not made of [A-Za-z0-9_-], OC_ERR_PERM for a
 * state directory not owned by this user or writable by others,
 * OC_ERR_IO (errno set) or OC_ERR_CONFIG (no home directory) otherwise. */
int oc_jobstate_save(const struct oc_jobstate *s);
/* The vault's record into out: 0, OC_ERR_NOT_FOUND when there is none,
 * OC_ERR_PERM for a file or directory that is not trusted, OC_ERR_PARSE
 * for a file that does not hold a record of this vault. */
int oc_jobstate_load(const char *vault_id, struct oc_jobstate *out);
/* Forgets the vault's record; 0 also when there was none. */
int oc_jobstate_remove(const char *vault_id);
/* The path of the vault's record, for messages ("" when there is none). */
void oc_jobstate_path(const char *vault_id, char *buf, size_t n);

#endif
