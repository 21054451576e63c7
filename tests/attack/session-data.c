/* session-data.c - a scratch data object is not published: without
 * CKA_TOKEN (false by default) or with CKA_TOKEN=FALSE, C_CreateObject
 * makes a session object, in memory only, readable by the application
 * and gone when its session closes; a R/O session may make one too.
 *
 *   session-data MODULE cred     credential mode
 *   session-data MODULE pin PIN  PIN mode: a public session object
 *                                before login, CKA_PRIVATE kept false
 *
 * Label "scratch/..." throughout; the script checks the vault holds no
 * such secret afterwards. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

static const char value[] = "scratch value, never sent";

/* C_CreateObject of a data object; token is -1 to leave CKA_TOKEN out,
 * priv -1 for CKA_PRIVATE. */
static CK_RV create(struct atk *a, CK_SESSION_HANDLE s, const char *label,
		    int token, int priv, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL tok = token > 0, pr = priv > 0;
	CK_ATTRIBUTE t[5] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)value, sizeof(value) - 1},
	};
	CK_ULONG n = 3;

	if (token >= 0)
		t[n++] = (CK_ATTRIBUTE){CKA_TOKEN, &tok, sizeof(tok)};
	if (priv >= 0)
		t[n++] = (CK_ATTRIBUTE){CKA_PRIVATE, &pr, sizeof(pr)};
	*h = 0;
	return a->f->C_CreateObject(s, t, n, h);
}

/* The object is a session object holding our value; priv its
 * CKA_PRIVATE as wanted (-1: not judged). */
static void check_obj(struct atk *a, CK_SESSION_HANDLE s, const char *what,
		      CK_OBJECT_HANDLE h, int priv)
{
	CK_BBOOL tok = CK_TRUE, pr = CK_TRUE;
	unsigned char buf[256];
	CK_ATTRIBUTE t[] = {
	    {CKA_TOKEN, &tok, sizeof(tok)},
	    {CKA_PRIVATE, &pr, sizeof(pr)},
	    {CKA_VALUE, buf, sizeof(buf)},
	};
	char name[128];
	CK_RV rv = a->f->C_GetAttributeValue(s, h, t, 3);
	bool ok = rv == CKR_OK && !tok &&
		  t[2].ulValueLen == sizeof(value) - 1 &&
		  memcmp(buf, value, sizeof(value) - 1) == 0 &&
		  (priv < 0 || pr == (priv > 0));

	snprintf(name, sizeof(name), "%s: a session object", what);
	atk_check(a, name, ok,
		  rv != CKR_OK ? "attributes unreadable"
		  : tok	       ? "CKA_TOKEN true"
		  : !ok	       ? "other value or CKA_PRIVATE"
			       : "CKA_TOKEN false, value kept");
}

static void cred_mode(struct atk *a)
{
	CK_OBJECT_HANDLE h = 0, h2 = 0, h3 = 0;
	CK_SESSION_HANDLE ro = 0;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE find[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, "scratch/default", 15},
	};
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE got = 0;
	CK_RV rv;

	rv = create(a, a->s, "scratch/default", -1, -1, &h);
	if (atk_expect(a, "C_CreateObject(DATA) without CKA_TOKEN", rv, CKR_OK))
		check_obj(a, a->s, "without CKA_TOKEN", h, -1);
	rv = create(a, a->s, "scratch/false", 0, -1, &h2);
	if (atk_expect(a, "C_CreateObject(DATA, TOKEN=FALSE)", rv, CKR_OK))
		check_obj(a, a->s, "TOKEN=FALSE", h2, -1);

	/* Found by label like any object. */
	rv = a->f->C_FindObjectsInit(a->s, find, 2);
	if (rv == CKR_OK)
		rv = a->f->C_FindObjects(a->s, &got, 1, &n);
	a->f->C_FindObjectsFinal(a->s);
	atk_check(a, "the session object is found by label",
		  rv == CKR_OK && n == 1 && got == h,
		  n == 1 && got == h ? "found" : "not found");

	rv = a->f->C_OpenSession(a->slot, CKF_SERIAL_SESSION, NULL, NULL, &ro);
	if (rv == CKR_OK) {
		rv = create(a, ro, "scratch/ro", -1, -1, &h3);
		if (atk_expect(a, "C_CreateObject(DATA) in a R/O session", rv,
			       CKR_OK))
			check_obj(a, ro, "R/O session", h3, -1);
		a->f->C_CloseSession(ro);
		atk_expect(a, "the R/O session's object after it closed",
			   a->f->C_DestroyObject(a->s, h3),
			   CKR_OBJECT_HANDLE_INVALID);
	}
	/* A token object still needs a R/W session. */
	rv = a->f->C_OpenSession(a->slot, CKF_SERIAL_SESSION, NULL, NULL, &ro);
	if (rv == CKR_OK) {
		atk_expect(a, "C_CreateObject(DATA, TOKEN=TRUE) in R/O",
			   create(a, ro, "scratch/token", 1, -1, &h3),
			   CKR_SESSION_READ_ONLY);
		a->f->C_CloseSession(ro);
	}
	atk_expect(a, "C_DestroyObject of a session data object",
		   a->f->C_DestroyObject(a->s, h2), CKR_OK);
}

static void pin_mode(struct atk *a, const char *pin)
{
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv;

	atk_expect(a, "before login: C_CreateObject(DATA, PRIVATE default)",
		   create(a, a->s, "scratch/private", -1, -1, &h),
		   CKR_USER_NOT_LOGGED_IN);
	rv = create(a, a->s, "scratch/public", -1, 0, &h);
	if (atk_expect(a, "before login: C_CreateObject(DATA, PRIVATE=FALSE)",
		       rv, CKR_OK))
		check_obj(a, a->s, "public, before login", h, 0);
	rv = a->f->C_Login(a->s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv != CKR_OK) {
		atk_check(a, "C_Login", false, "failed");
		return;
	}
	rv = create(a, a->s, "scratch/public2", -1, 0, &h);
	if (atk_expect(a, "after login: C_CreateObject(DATA, PRIVATE=FALSE)",
		       rv, CKR_OK))
		check_obj(a, a->s, "public, after login", h, 0);
}

int main(int argc, char **argv)
{
	struct atk a;

	if (argc < 3 || (strcmp(argv[2], "pin") == 0 && argc != 4)) {
		fprintf(stderr, "usage: session-data MODULE cred|pin [PIN]\n");
		return 64;
	}
	atk_open(&a, argv[1]);
	if (strcmp(argv[2], "pin") == 0)
		pin_mode(&a, argv[3]);
	else
		cred_mode(&a);
	return atk_done(&a);
}
