/* unsealed.c - a server that switches CMEK off, plants unsealed values or
 * names another key gets nothing: with a CMEK key configured the module
 * seals every write whatever the server says, and refuses what is not a
 * blob under that key.
 *
 *   unsealed MODULE write PATH        C_CreateObject of a token data
 *                                     object: CKR_OK (the script checks
 *                                     the server copy is sealed) and the
 *                                     value opens again with C_Decrypt
 *   unsealed MODULE read PATH RV      C_GetAttributeValue(CKA_VALUE):
 *                                     RV (not-sealed or ok)
 *   unsealed MODULE no-key PATH       no private key object for PATH
 *   unsealed MODULE mismatch PATH     C_CreateObject: the vault names a
 *                                     key the user did not configure */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

static const char value[] = "written while the server said CMEK is off";

static CK_RV create(struct atk *a, const char *path, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_TOKEN, &yes, sizeof(yes)},
	    {CKA_LABEL, (void *)path, strlen(path)},
	    {CKA_VALUE, (void *)value, sizeof(value) - 1},
	};

	return a->f->C_CreateObject(a->s, t, 4, h);
}

static void write_sealed(struct atk *a, const char *path)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_OBJECT_HANDLE h = 0, key;
	unsigned char *blob = NULL, out[256];
	CK_ULONG n = 0, on = sizeof(out);
	CK_RV rv;

	if (!atk_expect(a, "C_CreateObject while CMEK is off on the server",
			create(a, path, &h), CKR_OK))
		return;
	key = atk_find(a, CKO_SECRET_KEY, "cmek", false);
	rv = atk_value(a, h, &blob, &n);
	if (rv == CKR_OK)
		rv = a->f->C_DecryptInit(a->s, &m, key);
	if (rv == CKR_OK)
		rv = a->f->C_Decrypt(a->s, blob, n, out, &on);
	atk_check(a, "the value reads back sealed and opens",
		  (rv == CKR_OK && on == sizeof(value) - 1 &&
		   memcmp(out, value, on) == 0) ||
		      (a->rpc && rv == CKR_MECHANISM_INVALID),
		  rv == CKR_OK			? "opened"
		  : rv == CKR_MECHANISM_INVALID ? "not forwarded by the RPC"
						: "did not open");
	free(blob);
}

int main(int argc, char **argv)
{
	struct atk a;
	CK_OBJECT_HANDLE h = 0;
	unsigned char *v = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	if (argc < 4) {
		fprintf(stderr, "usage: unsealed MODULE write|read|no-key|"
				"mismatch PATH [ok|not-sealed]\n");
		return 64;
	}
	atk_open(&a, argv[1]);
	if (strcmp(argv[2], "write") == 0) {
		write_sealed(&a, argv[3]);
	} else if (strcmp(argv[2], "read") == 0 && argc == 5) {
		h = atk_find(&a, CKO_DATA, argv[3], false);
		rv = atk_value(&a, h, &v, &n);
		atk_expect(&a, "CKA_VALUE of a value the server left unsealed",
			   rv,
			   strcmp(argv[4], "ok") == 0 ? CKR_OK
						      : CKR_ONECLAW_NOT_SEALED);
		free(v);
	} else if (strcmp(argv[2], "no-key") == 0) {
		h = atk_find(&a, CKO_PRIVATE_KEY, argv[3], true);
		atk_check(&a, "no key object from an unsealed private key",
			  h == 0, h ? "a key object" : "none");
	} else if (strcmp(argv[2], "mismatch") == 0) {
		atk_expect(&a, "C_CreateObject into a vault naming another key",
			   create(&a, argv[3], &h), CKR_ONECLAW_CMEK_MISMATCH);
	} else {
		fprintf(stderr, "unsealed: unknown command %s\n", argv[2]);
		return 64;
	}
	return atk_done(&a);
}
