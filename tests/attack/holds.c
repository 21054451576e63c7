/* holds.c - the attacks that hold today, kept holding: no key object's
 * value or private component is readable; CKA_EXTRACTABLE and
 * CKA_SENSITIVE cannot be flipped; the CMEK key cannot be copied,
 * wrapped or digested; a blob sealed under another key does not open;
 * an unwrapped secret asked for as extractable is still not readable.
 *
 *   holds MODULE PRIVKEY_LABEL SEALED_LABEL
 *
 * SEALED_LABEL is a secret sealed under the vault's CMEK key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

#define ATTR(x)                                                                \
	{                                                                      \
		x, #x                                                          \
	}
static const struct {
	CK_ATTRIBUTE_TYPE type;
	const char *name;
} private_parts[] = {
    ATTR(CKA_VALUE),	   ATTR(CKA_PRIVATE_EXPONENT), ATTR(CKA_PRIME_1),
    ATTR(CKA_PRIME_2),	   ATTR(CKA_EXPONENT_1),       ATTR(CKA_EXPONENT_2),
    ATTR(CKA_COEFFICIENT),
};

static void read_parts(struct atk *a, const char *what, CK_OBJECT_HANDLE h,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char buf[4096];
		CK_ATTRIBUTE t = {private_parts[i].type, buf, sizeof(buf)};
		char name[96];

		snprintf(name, sizeof(name), "%s %s", what,
			 private_parts[i].name);
		atk_expect(a, name, a->f->C_GetAttributeValue(a->s, h, &t, 1),
			   CKR_ATTRIBUTE_SENSITIVE);
	}
}

static void flip(struct atk *a, const char *what, CK_OBJECT_HANDLE h)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE, now = CK_FALSE;
	CK_ATTRIBUTE ext = {CKA_EXTRACTABLE, &yes, sizeof(yes)};
	CK_ATTRIBUTE sens = {CKA_SENSITIVE, &no, sizeof(no)};
	CK_ATTRIBUTE get = {CKA_EXTRACTABLE, &now, sizeof(now)};
	CK_RV refused[] = {CKR_ATTRIBUTE_READ_ONLY, CKR_ACTION_PROHIBITED};
	char name[96];

	snprintf(name, sizeof(name), "%s C_SetAttributeValue(EXTRACTABLE)",
		 what);
	atk_expect_any(a, name, a->f->C_SetAttributeValue(a->s, h, &ext, 1),
		       refused, 2);
	snprintf(name, sizeof(name), "%s C_SetAttributeValue(SENSITIVE=0)",
		 what);
	atk_expect_any(a, name, a->f->C_SetAttributeValue(a->s, h, &sens, 1),
		       refused, 2);
	snprintf(name, sizeof(name), "%s still not extractable", what);
	atk_check(a, name,
		  a->f->C_GetAttributeValue(a->s, h, &get, 1) == CKR_OK &&
		      now == CK_FALSE,
		  now ? "CKA_EXTRACTABLE true" : "CKA_EXTRACTABLE false");
}

static void copy(struct atk *a, const char *what, CK_OBJECT_HANDLE h)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
	    {CKA_EXTRACTABLE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &no, sizeof(no)},
	};
	CK_OBJECT_HANDLE out = 0;
	char name[96];

	snprintf(name, sizeof(name), "%s C_CopyObject", what);
	atk_expect(a, name, a->f->C_CopyObject(a->s, h, NULL, 0, &out),
		   CKR_ACTION_PROHIBITED);
	snprintf(name, sizeof(name), "%s C_CopyObject(EXTRACTABLE)", what);
	atk_expect(a, name, a->f->C_CopyObject(a->s, h, t, 2, &out),
		   CKR_ACTION_PROHIBITED);
}

static void wrap(struct atk *a, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_RV refused[] = {CKR_KEY_UNEXTRACTABLE, CKR_FUNCTION_NOT_SUPPORTED,
			   CKR_MECHANISM_INVALID};
	unsigned char out[128];
	CK_ULONG n = sizeof(out);

	atk_expect_any(a, "cmek C_WrapKey(itself)",
		       a->f->C_WrapKey(a->s, &kw, key, key, out, &n), refused,
		       3);
}

static void digest(struct atk *a, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	unsigned char out[64];
	CK_ULONG n = sizeof(out);

	/* Digests exist (for Java's RSASSA-PSS); a key never goes in one,
	 * and the refusal leaves no digest to finish. */
	atk_expect(a, "C_DigestInit(CKM_SHA256)",
		   a->f->C_DigestInit(a->s, &sha), CKR_OK);
	atk_expect(a, "cmek C_DigestKey", a->f->C_DigestKey(a->s, key),
		   CKR_KEY_INDIGESTIBLE);
	atk_expect(a, "C_DigestFinal after C_DigestKey",
		   a->f->C_DigestFinal(a->s, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
}

/* A blob sealed by the module under a key the application brought. */
static void foreign_blob(struct atk *a, CK_OBJECT_HANDLE key)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	unsigned char raw[32], pt[] = "sealed under another key";
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_VALUE, raw, sizeof(raw)},
	    {CKA_ENCRYPT, &yes, sizeof(yes)},
	};
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	unsigned char blob[256], out[256];
	CK_ULONG bn = sizeof(blob), on = sizeof(out);
	CK_OBJECT_HANDLE other = 0;
	CK_RV rv;

	rv = a->f->C_GenerateRandom(a->s, raw, sizeof(raw));
	if (rv == CKR_OK)
		rv = a->f->C_CreateObject(a->s, t, 4, &other);
	if (rv == CKR_OK)
		rv = a->f->C_EncryptInit(a->s, &m, other);
	if (rv == CKR_OK)
		rv = a->f->C_Encrypt(a->s, pt, sizeof(pt), blob, &bn);
	if (rv == CKR_OK)
		rv = a->f->C_DecryptInit(a->s, &m, key);
	if (rv == CKR_OK)
		rv = a->f->C_Decrypt(a->s, blob, bn, out, &on);
	atk_expect_mech(a, "C_Decrypt of a blob sealed under another key", rv,
			CKR_ENCRYPTED_DATA_INVALID);
	if (other)
		a->f->C_DestroyObject(a->s, other);
}

/* C_UnwrapKey of a blob into a key asked for as extractable and not
 * sensitive: refused, or a key whose value still cannot be read. */
static void unwrap_extractable(struct atk *a, CK_OBJECT_HANDLE key,
			       const char *label)
{
	CK_OBJECT_HANDLE h = atk_find(a, CKO_DATA, label, false);
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_EXTRACTABLE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &no, sizeof(no)},
	};
	unsigned char *blob = NULL, buf[4096];
	CK_ATTRIBUTE v = {CKA_VALUE, buf, sizeof(buf)};
	CK_OBJECT_HANDLE out = 0;
	CK_ULONG n = 0;
	CK_RV rv = atk_value(a, h, &blob, &n);

	if (rv != CKR_OK) {
		atk_check(a, "read the blob to unwrap", false, "no value");
		return;
	}
	rv = a->f->C_UnwrapKey(a->s, &m, key, blob, n, t, 4, &out);
	free(blob);
	if (rv != CKR_OK) {
		CK_RV refused[] = {CKR_TEMPLATE_INCONSISTENT,
				   CKR_ATTRIBUTE_VALUE_INVALID,
				   CKR_MECHANISM_INVALID};

		atk_expect_any(a, "C_UnwrapKey(EXTRACTABLE, !SENSITIVE)", rv,
			       refused, a->rpc ? 3 : 2);
		return;
	}
	atk_expect(a, "CKA_VALUE of a key unwrapped as extractable",
		   a->f->C_GetAttributeValue(a->s, out, &v, 1),
		   CKR_ATTRIBUTE_SENSITIVE);
	a->f->C_DestroyObject(a->s, out);
}

int main(int argc, char **argv)
{
	struct atk a;
	CK_OBJECT_HANDLE cmek, priv;

	if (argc != 4) {
		fprintf(stderr, "usage: holds MODULE PRIVKEY SEALED\n");
		return 64;
	}
	atk_open(&a, argv[1]);
	cmek = atk_find(&a, CKO_SECRET_KEY, "cmek", false);
	priv = atk_find(&a, CKO_PRIVATE_KEY, argv[2], false);

	read_parts(&a, "cmek", cmek, 1);
	read_parts(&a, "private key", priv,
		   sizeof(private_parts) / sizeof(private_parts[0]));
	flip(&a, "cmek", cmek);
	flip(&a, "private key", priv);
	copy(&a, "cmek", cmek);
	copy(&a, "private key", priv);
	wrap(&a, cmek);
	digest(&a, cmek);
	foreign_blob(&a, cmek);
	unwrap_extractable(&a, cmek, argv[3]);
	return atk_done(&a);
}
