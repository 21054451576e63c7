/* key-secret.c - the data object of a secret that holds a private key
 * gives the key to nobody: its value is not readable, and it cannot be
 * copied (to a readable path, or sealed and then decrypted), re-typed,
 * relabelled, rewritten or given new metadata.
 *
 *   key-secret MODULE KEY_PATH PEM_MARKER PEM_FILE
 *
 * PEM_MARKER is a line of the key's PEM; no answer may contain it.  A
 * find whose template holds the whole PEM (PEM_FILE) must not match: it
 * would confirm a guess of the key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

#define EXFIL "tls/exfil"

/* Nothing the attacker can read holds the marker; the copy never exists. */
static void no_copy(struct atk *a, const char *marker)
{
	CK_OBJECT_HANDLE h = atk_find(a, CKO_DATA, EXFIL, true);
	CK_OBJECT_HANDLE key = atk_find(a, CKO_SECRET_KEY, "cmek", true);
	unsigned char *v = NULL, out[16384];
	CK_ULONG n = 0, on = sizeof(out);
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_RV rv;

	atk_check(a, "no " EXFIL " object after the copy", h == 0,
		  h ? "the copy exists" : "none");
	if (!h)
		return;
	rv = atk_value(a, h, &v, &n);
	if (rv == CKR_OK)
		atk_check(a, "the copy's value", !atk_contains(v, n, marker),
			  atk_contains(v, n, marker) ? "the PEM" : "no PEM");
	if (rv == CKR_OK && key &&
	    a->f->C_DecryptInit(a->s, &m, key) == CKR_OK &&
	    a->f->C_Decrypt(a->s, v, n, out, &on) == CKR_OK)
		atk_check(a, "C_Decrypt of the copy",
			  !atk_contains(out, on, marker),
			  atk_contains(out, on, marker) ? "the PEM" : "no PEM");
	free(v);
	a->f->C_DestroyObject(a->s, h);
}

static void set_one(struct atk *a, CK_OBJECT_HANDLE h, const char *name,
		    CK_ATTRIBUTE_TYPE type, const char *value)
{
	CK_ATTRIBUTE t = {type, (void *)value, strlen(value)};
	CK_RV refused[] = {CKR_ACTION_PROHIBITED, CKR_ATTRIBUTE_READ_ONLY};

	atk_expect_any(a, name, a->f->C_SetAttributeValue(a->s, h, &t, 1),
		       refused, 2);
}

/* A find with the key's PEM as CKA_VALUE would confirm a guess of it. */
static void find_oracle(struct atk *a, const char *path, const char *file)
{
	static unsigned char pem[16384];
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_LABEL, (void *)path, strlen(path)},
	    {CKA_VALUE, pem, 0},
	};
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;
	FILE *fp = fopen(file, "rb");
	CK_RV rv;

	if (!fp) {
		atk_check(a, "read the key file", false, "cannot open");
		return;
	}
	t[2].ulValueLen = fread(pem, 1, sizeof(pem), fp);
	fclose(fp);
	rv = a->f->C_FindObjectsInit(a->s, t, 3);
	if (rv == CKR_OK)
		rv = a->f->C_FindObjects(a->s, &h, 1, &n);
	a->f->C_FindObjectsFinal(a->s);
	atk_check(a, "C_FindObjects(CKA_VALUE = the right PEM)",
		  rv == CKR_OK && n == 0,
		  n ? "matched: the guess is confirmed" : "no match");
}

int main(int argc, char **argv)
{
	struct atk a;
	CK_OBJECT_HANDLE h, out = 0;
	CK_BBOOL copyable = CK_TRUE, modifiable = CK_TRUE;
	CK_ATTRIBUTE flags[] = {
	    {CKA_COPYABLE, &copyable, sizeof(copyable)},
	    {CKA_MODIFIABLE, &modifiable, sizeof(modifiable)},
	};
	CK_ATTRIBUTE label = {CKA_LABEL, EXFIL, sizeof(EXFIL) - 1};
	CK_ATTRIBUTE blob = {CKA_ONECLAW_CMEK_BLOB, NULL, 0};
	unsigned char *v = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	if (argc != 5) {
		fprintf(stderr,
			"usage: key-secret MODULE KEY_PATH MARKER PEM_FILE\n");
		return 64;
	}
	atk_open(&a, argv[1]);
	h = atk_find(&a, CKO_DATA, argv[2], false);

	rv = atk_value(&a, h, &v, &n);
	atk_expect(&a, "CKA_VALUE of the key's data object", rv,
		   CKR_ATTRIBUTE_SENSITIVE);
	free(v);
	atk_expect(&a, "CKA_ONECLAW_CMEK_BLOB of the key's data object",
		   a.f->C_GetAttributeValue(a.s, h, &blob, 1),
		   CKR_ATTRIBUTE_SENSITIVE);
	rv = a.f->C_GetAttributeValue(a.s, h, flags, 2);
	atk_check(&a, "CKA_COPYABLE and CKA_MODIFIABLE false",
		  rv == CKR_OK && !copyable && !modifiable,
		  copyable || modifiable ? "one is true" : "both false");

	atk_expect(&a, "C_CopyObject(LABEL=" EXFIL ")",
		   a.f->C_CopyObject(a.s, h, &label, 1, &out),
		   CKR_ACTION_PROHIBITED);
	no_copy(&a, argv[3]);
	find_oracle(&a, argv[2], argv[4]);

	set_one(&a, h, "C_SetAttributeValue(SECRET_TYPE=generic)",
		CKA_ONECLAW_SECRET_TYPE, "generic");
	set_one(&a, h, "C_SetAttributeValue(LABEL)", CKA_LABEL, EXFIL);
	set_one(&a, h, "C_SetAttributeValue(VALUE)", CKA_VALUE, "overwritten");
	set_one(&a, h, "C_SetAttributeValue(METADATA)", CKA_ONECLAW_METADATA,
		"{\"note\":\"x\"}");
	rv = atk_value(&a, h, &v, &n);
	atk_expect(&a, "CKA_VALUE after the attempts", rv,
		   CKR_ATTRIBUTE_SENSITIVE);
	if (rv == CKR_OK)
		free(v);
	return atk_done(&a);
}
