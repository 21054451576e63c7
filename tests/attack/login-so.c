/* login-so.c - C_Login as the security officer.  The token has no SO PIN
 * (there is no SO at all), but CKU_SO is a valid user type: PKCS#11 2.40
 * answers CKR_USER_ANOTHER_ALREADY_LOGGED_IN while the user is logged in,
 * else CKR_SESSION_READ_ONLY_EXISTS while a R/O session is open, else
 * CKR_PIN_INCORRECT, whatever the PIN (even the user's own API key), and
 * the session stays public.  CKU_CONTEXT_SPECIFIC and unknown types keep
 * their own codes.
 *
 *   login-so MODULE [PIN]
 *
 * With PIN: PIN mode (the user logs in with it); without: credential
 * mode (the user's C_Login takes any PIN). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "attack.h"

static CK_RV login(struct atk *a, CK_SESSION_HANDLE s, CK_USER_TYPE u,
		   const char *pin)
{
	return a->f->C_Login(s, u, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

static void still_public(struct atk *a, const char *attack)
{
	CK_SESSION_INFO si;
	CK_RV rv = a->f->C_GetSessionInfo(a->s, &si);

	atk_check(a, attack, rv == CKR_OK && si.state == CKS_RW_PUBLIC_SESSION,
		  rv != CKR_OK ? "C_GetSessionInfo failed"
		  : si.state == CKS_RW_PUBLIC_SESSION
		      ? "CKS_RW_PUBLIC_SESSION"
		      : "not CKS_RW_PUBLIC_SESSION");
}

int main(int argc, char **argv)
{
	const char *pin = argc > 2 ? argv[2] : "any-pin";
	CK_SESSION_HANDLE ro = 0;
	struct atk a;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: login-so MODULE [PIN]\n");
		return 64;
	}
	atk_open(&a, argv[1]); /* one R/W session, nobody logged in */

	atk_expect(&a, "C_Login(CKU_SO, a made-up PIN)",
		   login(&a, a.s, CKU_SO, "123456"), CKR_PIN_INCORRECT);
	atk_expect(&a, "C_Login(CKU_SO, the user's PIN)",
		   login(&a, a.s, CKU_SO, pin), CKR_PIN_INCORRECT);
	atk_expect(&a, "C_Login(CKU_SO, an empty PIN)",
		   a.f->C_Login(a.s, CKU_SO, (CK_UTF8CHAR_PTR) "", 0),
		   CKR_PIN_INCORRECT);
	still_public(&a, "session state after the SO logins");

	if (a.f->C_OpenSession(a.slot, CKF_SERIAL_SESSION, NULL, NULL, &ro) !=
	    CKR_OK) {
		fprintf(stderr, "attack set-up: a R/O session\n");
		return 2;
	}
	atk_expect(&a, "C_Login(CKU_SO) with a R/O session open",
		   login(&a, a.s, CKU_SO, pin), CKR_SESSION_READ_ONLY_EXISTS);

	if (login(&a, a.s, CKU_USER, pin) != CKR_OK) {
		fprintf(stderr, "attack set-up: the user's C_Login\n");
		return 2;
	}
	atk_expect(&a, "C_Login(CKU_SO) with the user logged in",
		   login(&a, a.s, CKU_SO, pin),
		   CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	a.f->C_CloseSession(ro);
	atk_expect(&a, "C_Login(CKU_SO) with the user logged in, no R/O",
		   login(&a, a.s, CKU_SO, pin),
		   CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	atk_expect(&a, "C_Login(CKU_USER) again", login(&a, a.s, CKU_USER, pin),
		   CKR_USER_ALREADY_LOGGED_IN);
	atk_expect(&a, "C_Logout", a.f->C_Logout(a.s), CKR_OK);

	atk_expect(&a, "C_Login(CKU_CONTEXT_SPECIFIC)",
		   login(&a, a.s, CKU_CONTEXT_SPECIFIC, pin),
		   CKR_OPERATION_NOT_INITIALIZED);
	atk_expect(&a, "C_Login(user type 42)", login(&a, a.s, 42, pin),
		   CKR_USER_TYPE_INVALID);
	still_public(&a, "session state at the end");
	return atk_done(&a);
}
