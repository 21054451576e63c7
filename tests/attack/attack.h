/* attack.h - what the attack programs of tests/attack share.
 *
 * Each attack program is an application trying to break the module's
 * promise (never hand out key material, never crash the host) through
 * PKCS#11 calls.  It loads the module named on its command line, opens a
 * R/W session on the first slot (ATK_SLOT picks another), logs in with
 * ATK_PIN when set, and reports each attempt as
 *
 *   attack NAME: CKR_GOT (held|BROKEN, wanted CKR_WANT)
 *
 * on stdout.  Run through p11-kit's RPC (the script sets ATK_RPC=1 and
 * names p11-kit-client.so), a mechanism p11-kit 0.24 does not forward is
 * refused before it reaches the module: CKR_MECHANISM_INVALID then counts
 * as held for the attacks that accept it (atk_expect_mech).
 *
 * Exit status: 0 every attack held, 1 one broke through, 2 the set-up
 * failed (no module, no slot, no object to attack). */
#ifndef OC_TESTS_ATTACK_H
#define OC_TESTS_ATTACK_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

#include "oneclaw-pkcs11.h"

struct atk {
	CK_FUNCTION_LIST *f;
	void *dl;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	bool rpc; /* through p11-kit server */
	int broken;
};

/* dlopen()s module, C_Initialize (OS locking), a R/W session, the login:
 * exits 2 on any failure. */
void atk_open(struct atk *a, const char *module);
/* Opens just the library (no C_Initialize): for the init attacks. */
void atk_load(struct atk *a, const char *module);
void atk_close(struct atk *a);

/* The object of class cls labelled label (exits 2 when there is none,
 * unless may_miss, then 0). */
CK_OBJECT_HANDLE atk_find(struct atk *a, CK_OBJECT_CLASS cls, const char *label,
			  bool may_miss);

/* Reports an attempt: held when rv == want. */
bool atk_expect(struct atk *a, const char *attack, CK_RV rv, CK_RV want);
/* Held when rv is one of the n codes in want. */
bool atk_expect_any(struct atk *a, const char *attack, CK_RV rv,
		    const CK_RV *want, int n);
/* As atk_expect, and CKR_MECHANISM_INVALID also holds through the RPC. */
bool atk_expect_mech(struct atk *a, const char *attack, CK_RV rv, CK_RV want);
/* Reports a check that is not a CK_RV (bytes seen, a count). */
void atk_check(struct atk *a, const char *attack, bool held, const char *what);

/* A data object's CKA_VALUE (length first); *out malloc'ed. */
CK_RV atk_value(struct atk *a, CK_OBJECT_HANDLE h, unsigned char **out,
		CK_ULONG *len);
/* Does [p, p+n) contain the NUL-terminated needle? */
bool atk_contains(const unsigned char *p, CK_ULONG n, const char *needle);

/* The exit status (see above). */
int atk_done(struct atk *a);

#endif
