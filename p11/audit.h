/* audit.h - one line per use of a secret or key through the module.
 *
 * A value read, a decryption, an encryption, an unwrap, a signature, a
 * create, a write, a copy or a destroy done through the module gives one
 * line, whatever its result:
 *
 *   oneclaw-pkcs11 audit: op=read result=CKR_OK vault=<id> label=<path>
 *     mech=- caller_pid=<n> caller_uid=<n> caller_exe=<path> via=process
 *
 * (caller_comm=<name> in place of caller_exe when the executable cannot
 * be read)
 *
 * (one line).  Never a value, key, PIN, token or ciphertext.  A value
 * with a blank, a quote, a backslash or a byte that is not printable
 * UTF-8 is double-quoted with \", \\ and \xNN escapes; an empty one is
 * ""; a label is cut at OC_AUDIT_LABEL_MAX bytes with "..." (the caller's
 * executable at OC_AUDIT_EXE_MAX).
 *
 * The unit that knows the object notes the line (oc_audit_note*) once
 * the call will deliver or finally refuse; the entry wrapper writes it
 * with the CK_RV it returns (oc_audit_end).  A size query or a buffer too
 * small notes nothing; a multi-part operation notes at the call that ends
 * it.  Session objects are the application's own: their values, writes
 * and destroys are not audited; every crypto operation is.
 *
 * The caller: under `p11-kit server` the module runs in `p11-kit remote`
 * with the client's connection as fd 0.  When this process is
 * p11-kit-remote and fd 0 is a unix stream socket whose peer
 * (SO_PEERCRED) is another process, that peer is the caller (via=socket);
 * otherwise this process is (via=process): any other host could put a
 * socket of its choosing on fd 0.  The executable comes from
 * /proc/<pid>/exe; when that is refused (another user's process) the
 * line says caller_comm= with the name the process gave itself.  The
 * uid and the pid (at connect time) are the kernel's word; the name is
 * only a hint.  Found once per process, at C_Initialize.
 *
 * Lines go nowhere (audit=off), to syslog (LOG_AUTHPRIV | LOG_INFO, no
 * openlog: the host's ident stays), or to a file opened at C_Initialize
 * (append, created 0600, no symlink, a regular file only), each line one
 * write(2) after an RFC 3339 UTC time with milliseconds.  A line that
 * cannot be written is reported once on the error log and fails
 * nothing. */
#ifndef OC_P11_AUDIT_H
#define OC_P11_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "ck.h"
#include "conf.h"

#define OC_AUDIT_LABEL_MAX 256
#define OC_AUDIT_EXE_MAX   1024
/* Longest line, time and newline included (the fields are bounded). */
#define OC_AUDIT_LINE_MAX 8192
/* mech=- */
#define OC_AUDIT_NO_MECH CK_UNAVAILABLE_INFORMATION

enum oc_audit_op {
	OC_AUDIT_READ,
	OC_AUDIT_DECRYPT,
	OC_AUDIT_ENCRYPT,
	OC_AUDIT_UNWRAP,
	OC_AUDIT_SIGN,
	OC_AUDIT_CREATE,
	OC_AUDIT_WRITE,
	OC_AUDIT_DESTROY,
	OC_AUDIT_COPY,
};

struct oc_audit_caller {
	long pid;
	unsigned long uid;
	char exe[OC_AUDIT_EXE_MAX + 4]; /* NUL-terminated, cut */
	bool comm;			/* exe is the comm name the process
					   chose (caller_comm=) */
	bool socket;			/* via=socket */
};

struct oc_audit_event {
	enum oc_audit_op op;
	CK_RV rv;
	const char *vault;
	const void *label;
	size_t label_len;
	CK_MECHANISM_TYPE mech; /* OC_AUDIT_NO_MECH: none */
};

struct oc_token;
struct oc_object;

/* C_Initialize: finds the caller and opens the file.  OC_ERR_CONFIG with
 * errbuf saying why the file cannot be used. */
int oc_audit_open(const struct oc_conf *c, char *errbuf, size_t errlen);
/* C_Finalize: closes the file. */
void oc_audit_close(void);
/* In a child after fork: the parent's file and lock are left behind (the
 * child's C_Initialize opens the file again). */
void oc_audit_abandon(void);
bool oc_audit_enabled(void);

/* The entry wrapper: forgets what an earlier call noted (at its start);
 * writes the line noted by this call with its result (at its end). */
void oc_audit_clear(void);
void oc_audit_end(CK_RV rv);

/* Notes this call's line: op on label in t's vault (t->lock not held). */
void oc_audit_note(enum oc_audit_op op, struct oc_token *t, const void *label,
		   size_t len, CK_MECHANISM_TYPE mech);
/* The same for the object o (its CKA_LABEL), under t->lock. */
void oc_audit_note_locked(enum oc_audit_op op, struct oc_token *t,
			  const struct oc_object *o, CK_MECHANISM_TYPE mech);
/* The same, taking t->lock. */
void oc_audit_note_object(enum oc_audit_op op, struct oc_token *t,
			  const struct oc_object *o, CK_MECHANISM_TYPE mech);
/* Takes back what this call noted: it turned out not to be a use. */
void oc_audit_cancel(void);

/* The line for e by c, without time or newline, NUL-terminated in
 * buf[size]; its length.  Cut short only when size is smaller than
 * OC_AUDIT_LINE_MAX - 32. */
size_t oc_audit_format(char *buf, size_t size, const struct oc_audit_event *e,
		       const struct oc_audit_caller *c);
/* Finds the caller as C_Initialize does. */
void oc_audit_find_caller(struct oc_audit_caller *c);

#endif
