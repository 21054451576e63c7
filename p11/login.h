/* login.h - C_Login / C_Logout and the two auth modes.
 *
 * Credential mode (a key or token configured): no login is needed and the
 * objects are public; C_Login is accepted without checking the PIN.
 * PIN mode (nothing configured): the user PIN is the API key (1ck_/ocv_)
 * or a token, verified with one exchange; a refused key is
 * CKR_PIN_INCORRECT.  Objects are private and appear after login.  Login
 * covers every token of the module (they are views of one account).
 * C_Logout, or closing the last session, wipes every cache and the
 * credential, and ends the operations pending in every session (each
 * session notices at its next call, oc_session_check_logout).  There is no
 * security officer: C_Login(CKU_SO) answers as for a token without an SO PIN
 * (CKR_USER_ANOTHER_ALREADY_LOGGED_IN while the user is logged in, else
 * CKR_SESSION_READ_ONLY_EXISTS while a R/O session is open with the token, else
 * CKR_PIN_INCORRECT). */
#ifndef OC_P11_LOGIN_H
#define OC_P11_LOGIN_H

#include "ck.h"

struct oc_session;

CK_RV oc_login_init(void);
void oc_login_free(void);
/* Child after fork: forget the lock (a parent thread may hold it). */
void oc_login_abandon(void);

CK_RV oc_login(struct oc_session *s, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
	       CK_ULONG len);
CK_RV oc_logout(struct oc_session *s);
/* The last session closed: log out, as the spec asks. */
void oc_login_last_session_closed(void);

#endif
