/* tk-key.h - a key found in another token: its module, session and
 * handle (inside the unit; callers see struct oc_tk_key opaque). */
#ifndef OC_TK_KEY_H
#define OC_TK_KEY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tk-ck.h"
#include "tk-module.h"

struct oc_tk_key {
	struct oc_tk_module *mod;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;
	bool have_session;
	bool session_obj; /* obj lives in the session (an unwrapped key) */
	CK_OBJECT_HANDLE obj;
	unsigned long gen;    /* the process that opened it (oc_tk_gen) */
	pthread_mutex_t lock; /* one operation at a time on the session */
};

/* An empty key of module m (a reference is taken) with a new session on
 * slot: for keys the token makes, such as an unwrapped one. */
int oc_tk_key_new_session(struct oc_tk_module *m, CK_SLOT_ID slot,
			  struct oc_tk_key **out, struct oc_tk_err *e);
/* Replaces k's session with a new one on its slot (the login is the
 * application's and carries over), for a token that leaves a failed
 * operation active (tpm2-pkcs11 1.9 after a failed C_Decrypt) where
 * PKCS#11 ends it.  Under k's lock; OC_ERR_UNSUPPORTED for a key that
 * lives in its session. */
int oc_tk_key_renew_session(struct oc_tk_key *k);
/* One attribute of the key into buf; OC_ERR_UNSUPPORTED when the token
 * does not tell it (or it is over cap). */
int oc_tk_key_attr(struct oc_tk_key *k, CK_ATTRIBUTE_TYPE type, void *buf,
		   size_t cap, size_t *len);
/* CKA_CLASS and CKA_KEY_TYPE of a kind of key. */
void oc_tk_kind_attrs(enum oc_tk_kind kind, CK_ATTRIBUTE attrs[2]);

#endif
