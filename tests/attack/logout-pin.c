/* logout-pin.c - what survives C_Logout in PIN mode.  Logged in with the
 * API key as PIN, the application finds a secret and the CMEK key, reads
 * the value, starts a decryption and unwraps the secret into a session
 * key, and leaves a decryption and (in a second session) a search
 * pending; after C_Logout the old handles and the pending operations must
 * give nothing: no value bytes, no key use, no private object found.
 *
 *   logout-pin MODULE LABEL      (ATK_PIN: the API key)
 *
 * LABEL is a secret sealed under the vault's CMEK key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

/* The last one only through p11-kit 0.24's RPC, which does not forward
 * the vendor mechanism (see attack.h). */
static const CK_RV gone[] = {CKR_USER_NOT_LOGGED_IN, CKR_OBJECT_HANDLE_INVALID,
			     CKR_KEY_HANDLE_INVALID, CKR_MECHANISM_INVALID};

/* CKA_VALUE of h into a buffer that starts as a pattern: refused, and
 * the buffer left as it was. */
static void read_after(struct atk *a, const char *what, CK_OBJECT_HANDLE h,
		       CK_ATTRIBUTE_TYPE type)
{
	unsigned char buf[4096];
	CK_ATTRIBUTE t = {type, buf, sizeof(buf)};
	char name[128];
	bool same = true;
	CK_RV rv;

	memset(buf, 0xa5, sizeof(buf));
	rv = a->f->C_GetAttributeValue(a->s, h, &t, 1);
	snprintf(name, sizeof(name), "%s after C_Logout", what);
	atk_expect_any(a, name, rv, gone, 3);
	for (size_t i = 0; i < sizeof(buf); i++)
		same = same && buf[i] == 0xa5;
	snprintf(name, sizeof(name), "%s after C_Logout: bytes", what);
	atk_check(a, name, same, same ? "none written" : "bytes written");
}

int main(int argc, char **argv)
{
	CK_MECHANISM cmek = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_CLASS sk = CKO_SECRET_KEY;
	CK_KEY_TYPE gen = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ut[] = {
	    {CKA_CLASS, &sk, sizeof(sk)},
	    {CKA_KEY_TYPE, &gen, sizeof(gen)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE priv = {CKA_PRIVATE, &yes, sizeof(yes)};
	CK_OBJECT_HANDLE data, key, unwrapped = 0, found[8];
	CK_SESSION_HANDLE other = 0;
	unsigned char *blob = NULL, out[4096];
	CK_ULONG blen = 0, n = 0, on = sizeof(out);
	struct atk a;
	CK_RV rv;

	if (argc != 3 || !getenv("ATK_PIN")) {
		fprintf(stderr, "usage: ATK_PIN=KEY logout-pin MODULE LABEL\n");
		return 64;
	}
	atk_open(&a, argv[1]);
	data = atk_find(&a, CKO_DATA, argv[2], false);
	key = atk_find(&a, CKO_SECRET_KEY, "cmek", false);
	rv = atk_value(&a, data, &blob, &blen);
	if (rv != CKR_OK) {
		fprintf(stderr, "attack set-up: reading %s while logged in\n",
			argv[2]);
		return 2;
	}
	rv = a.f->C_UnwrapKey(a.s, &cmek, key, blob, blen, ut, 3, &unwrapped);
	if (rv != CKR_OK && !(a.rpc && rv == CKR_MECHANISM_INVALID)) {
		fprintf(stderr, "attack set-up: C_UnwrapKey while logged in\n");
		return 2;
	}
	/* A search and a decryption started while logged in, finished
	 * after (in another session for the search). */
	if (a.f->C_OpenSession(a.slot, CKF_SERIAL_SESSION, NULL, NULL,
			       &other) != CKR_OK ||
	    a.f->C_FindObjectsInit(other, &priv, 1) != CKR_OK) {
		fprintf(stderr,
			"attack set-up: a search in a second session\n");
		return 2;
	}
	rv = a.f->C_DecryptInit(a.s, &cmek, key);
	if (rv != CKR_OK && !(a.rpc && rv == CKR_MECHANISM_INVALID)) {
		fprintf(stderr, "attack set-up: C_DecryptInit\n");
		return 2;
	}

	if (a.f->C_Logout(a.s) != CKR_OK) {
		fprintf(stderr, "attack set-up: C_Logout\n");
		return 2;
	}

	read_after(&a, "CKA_VALUE of the secret by its old handle", data,
		   CKA_VALUE);
	read_after(&a, "CKA_ID of the CMEK key by its old handle", key, CKA_ID);
	read_after(&a, "CKA_LABEL of the CMEK key by its old handle", key,
		   CKA_LABEL);
	if (unwrapped)
		read_after(&a, "CKA_LABEL of the unwrapped key", unwrapped,
			   CKA_LABEL);

	memset(out, 0xa5, sizeof(out));
	rv = a.f->C_Decrypt(a.s, blob, blen, out, &on);
	{
		CK_RV no[] = {CKR_USER_NOT_LOGGED_IN,
			      CKR_OPERATION_NOT_INITIALIZED,
			      CKR_KEY_HANDLE_INVALID};

		atk_expect_any(&a,
			       "C_Decrypt begun before C_Logout, finished "
			       "after",
			       rv, no, 3);
		atk_check(&a, "C_Decrypt after C_Logout: bytes",
			  out[0] == 0xa5 && out[1] == 0xa5,
			  out[0] == 0xa5 ? "none written" : "bytes written");
	}
	rv = a.f->C_DecryptInit(a.s, &cmek, key);
	atk_expect_any(&a, "C_DecryptInit(old CMEK key handle)", rv, gone,
		       a.rpc ? 4 : 3);
	if (rv == CKR_OK)
		a.f->C_DecryptFinal(a.s, out, &on);
	rv = a.f->C_EncryptInit(a.s, &cmek, key);
	atk_expect_any(&a, "C_EncryptInit(old CMEK key handle)", rv, gone,
		       a.rpc ? 4 : 3);
	if (rv == CKR_OK)
		a.f->C_EncryptFinal(a.s, out, &on);
	if (unwrapped) {
		rv = a.f->C_SignInit(a.s, &hmac, unwrapped);
		atk_expect_any(&a, "C_SignInit(the unwrapped key)", rv, gone,
			       3);
	}

	n = 0;
	rv = a.f->C_FindObjects(other, found, 8, &n);
	atk_check(&a, "C_FindObjects begun before C_Logout, finished after",
		  rv != CKR_OK || n == 0,
		  rv == CKR_OK && n ? "private handles returned" : "none");
	a.f->C_FindObjectsFinal(other);
	n = 0;

	/* Private objects: none found (or the search refused). */
	rv = a.f->C_FindObjectsInit(a.s, &priv, 1);
	if (rv == CKR_OK) {
		rv = a.f->C_FindObjects(a.s, found, 8, &n);
		a.f->C_FindObjectsFinal(a.s);
	}
	atk_check(&a, "C_FindObjects(CKA_PRIVATE) after C_Logout",
		  (rv == CKR_OK && n == 0) || rv == CKR_USER_NOT_LOGGED_IN,
		  rv == CKR_OK && n ? "private objects found" : "none found");
	n = 0;
	rv = a.f->C_FindObjectsInit(a.s, NULL, 0);
	if (rv == CKR_OK) {
		rv = a.f->C_FindObjects(a.s, found, 8, &n);
		a.f->C_FindObjectsFinal(a.s);
	}
	atk_check(&a, "C_FindObjects(everything) after C_Logout",
		  (rv == CKR_OK && n == 0) || rv == CKR_USER_NOT_LOGGED_IN,
		  rv == CKR_OK && n ? "objects found" : "none found");
	free(blob);
	return atk_done(&a);
}
