/* gcm-iv.c - CKM_AES_GCM encryption with a caller-chosen IV turns a key
 * the application may only use into a keystream oracle: encrypting zeros
 * under a sealed blob's IV gives the blob's keystream (the value opens by
 * XOR, without C_Decrypt), and one IV twice allows GCM forgery.  The
 * module must generate every encryption IV itself and hand it back in
 * CK_GCM_PARAMS.pIv (a writable 12-byte buffer); a NULL pIv or another
 * length is CKR_MECHANISM_PARAM_INVALID; decryption takes the caller's IV.
 *
 *   gcm-iv MODULE SEALED_LABEL PLAINTEXT_FILE
 *
 * SEALED_LABEL is a secret sealed under the vault's CMEK key whose
 * plaintext is in PLAINTEXT_FILE (never printed).  The same rules are
 * checked on an AES key the application brings with C_CreateObject, and
 * CKM_ONECLAW_CMEK is checked to seal twice under two IVs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

#define IV_LEN	12
#define TAG_LEN 16
#define MAX_PT	4096

/* A fixed pattern: what a caller would like the IV to be. */
static const CK_BYTE chosen[16] = {0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
				   0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
				   0xa5, 0xa5, 0xa5, 0xa5};

static CK_MECHANISM gcm_mech(CK_GCM_PARAMS *gp, CK_BYTE *iv, CK_ULONG iv_len)
{
	CK_MECHANISM m = {CKM_AES_GCM, gp, sizeof(*gp)};

	memset(gp, 0, sizeof(*gp));
	gp->pIv = iv;
	gp->ulIvLen = iv_len;
	gp->ulIvBits = iv_len * 8;
	gp->ulTagBits = TAG_LEN * 8;
	return m;
}

/* C_EncryptInit + C_Encrypt (or Update/Final when multi) of n bytes. */
static CK_RV gcm_encrypt(struct atk *a, CK_OBJECT_HANDLE key, CK_BYTE *iv,
			 CK_ULONG iv_len, const CK_BYTE *pt, CK_ULONG n,
			 CK_BYTE *out, CK_ULONG *out_len, bool multi)
{
	CK_GCM_PARAMS gp;
	CK_MECHANISM m = gcm_mech(&gp, iv, iv_len);
	CK_ULONG cap = *out_len, got = 0, part;
	CK_RV rv;

	rv = a->f->C_EncryptInit(a->s, &m, key);
	if (rv != CKR_OK)
		return rv;
	if (!multi)
		return a->f->C_Encrypt(a->s, (CK_BYTE *)pt, n, out, out_len);
	for (CK_ULONG i = 0; i < n; i += 7) {
		part = cap - got;
		rv = a->f->C_EncryptUpdate(a->s, (CK_BYTE *)pt + i,
					   n - i < 7 ? n - i : 7, out + got,
					   &part);
		if (rv != CKR_OK)
			return rv;
		got += part;
	}
	part = cap - got;
	rv = a->f->C_EncryptFinal(a->s, out + got, &part);
	*out_len = got + part;
	return rv;
}

static CK_RV gcm_decrypt(struct atk *a, CK_OBJECT_HANDLE key, CK_BYTE *iv,
			 const CK_BYTE *ct, CK_ULONG n, CK_BYTE *out,
			 CK_ULONG *out_len)
{
	CK_GCM_PARAMS gp;
	CK_MECHANISM m = gcm_mech(&gp, iv, IV_LEN);
	CK_RV rv = a->f->C_DecryptInit(a->s, &m, key);

	if (rv != CKR_OK)
		return rv;
	return a->f->C_Decrypt(a->s, (CK_BYTE *)ct, n, out, out_len);
}

/* The keystream attack: Enc(zeros) under the blob's IV, XOR the blob's
 * ciphertext; held when that is not the plaintext. */
static void keystream(struct atk *a, CK_OBJECT_HANDLE key, const char *label,
		      const CK_BYTE *pt, size_t pt_len)
{
	CK_OBJECT_HANDLE h = atk_find(a, CKO_DATA, label, false);
	unsigned char *blob = NULL;
	CK_BYTE iv[IV_LEN], zeros[MAX_PT] = {0}, ks[MAX_PT + TAG_LEN];
	CK_ULONG n = 0, ct_len, ks_len = sizeof(ks);
	bool match = false;
	CK_RV rv = atk_value(a, h, &blob, &n);

	if (rv != CKR_OK || n < 1 + IV_LEN + TAG_LEN ||
	    n - 1 - IV_LEN - TAG_LEN != pt_len) {
		fprintf(stderr,
			"attack set-up: %s is not a blob of the "
			"plaintext's length\n",
			label);
		exit(2);
	}
	ct_len = n - 1 - IV_LEN - TAG_LEN;
	memcpy(iv, blob + 1, IV_LEN);
	rv = gcm_encrypt(a, key, iv, IV_LEN, zeros, ct_len, ks, &ks_len, false);
	if (rv == CKR_OK && ks_len == ct_len + TAG_LEN) {
		for (CK_ULONG i = 0; i < ct_len; i++)
			ks[i] ^= blob[1 + IV_LEN + i];
		match = memcmp(ks, pt, pt_len) == 0;
	}
	memset(ks, 0, sizeof(ks));
	if (rv != CKR_OK) {
		/* Refused outright: holds too. */
		atk_expect_mech(a, "cmek GCM encrypt under a blob's IV", rv,
				CKR_MECHANISM_PARAM_INVALID);
	} else {
		atk_check(a,
			  "cmek GCM keystream under a blob's IV XOR its "
			  "ciphertext",
			  !match,
			  match ? "the plaintext recovered" : "no plaintext");
		atk_check(a, "cmek GCM with a blob's IV: IV replaced",
			  memcmp(iv, blob + 1, IV_LEN) != 0,
			  memcmp(iv, blob + 1, IV_LEN) != 0
			      ? "a new IV handed back"
			      : "the blob's IV used");
	}
	free(blob);
}

/* The refusals: a NULL pIv, a 16-byte IV. */
static void refusals(struct atk *a, const char *what, CK_OBJECT_HANDLE key)
{
	CK_BYTE iv[16], out[64];
	CK_ULONG n = sizeof(out);
	char name[128];

	snprintf(name, sizeof(name), "%s C_EncryptInit(GCM, pIv NULL)", what);
	atk_expect_mech(
	    a, name,
	    gcm_encrypt(a, key, NULL, IV_LEN, chosen, 8, out, &n, false),
	    CKR_MECHANISM_PARAM_INVALID);
	memcpy(iv, chosen, sizeof(iv));
	n = sizeof(out);
	snprintf(name, sizeof(name), "%s C_EncryptInit(GCM, ulIvLen 16)", what);
	atk_expect_mech(a, name,
			gcm_encrypt(a, key, iv, 16, chosen, 8, out, &n, false),
			CKR_MECHANISM_PARAM_INVALID);
}

/* The interface: a writable 12-byte buffer holding the caller's choice
 * comes back holding a new IV, a different one each time (the same
 * plaintext gives two ciphertexts), and C_Decrypt with it opens. */
static void generated(struct atk *a, const char *what, CK_OBJECT_HANDLE key,
		      bool multi)
{
	static const CK_BYTE pt[] = "the same plaintext, twice over";
	CK_BYTE iv1[IV_LEN], iv2[IV_LEN], ct1[64], ct2[64], back[64];
	CK_ULONG n1 = sizeof(ct1), n2 = sizeof(ct2), bn = sizeof(back);
	const char *how = multi ? "multi-part" : "single-part";
	char name[160];
	CK_RV rv;

	memcpy(iv1, chosen, IV_LEN);
	memcpy(iv2, chosen, IV_LEN);
	snprintf(name, sizeof(name), "%s GCM %s encrypt, writable 12-byte pIv",
		 what, how);
	rv = gcm_encrypt(a, key, iv1, IV_LEN, pt, sizeof(pt), ct1, &n1, multi);
	if (!atk_expect_mech(a, name, rv, CKR_OK) || rv != CKR_OK)
		return;
	rv = gcm_encrypt(a, key, iv2, IV_LEN, pt, sizeof(pt), ct2, &n2, multi);
	snprintf(name, sizeof(name), "%s GCM %s encrypt again", what, how);
	if (!atk_expect(a, name, rv, CKR_OK))
		return;
	snprintf(name, sizeof(name), "%s GCM %s: the caller's IV replaced",
		 what, how);
	atk_check(a, name,
		  memcmp(iv1, chosen, IV_LEN) != 0 &&
		      memcmp(iv2, chosen, IV_LEN) != 0,
		  memcmp(iv1, chosen, IV_LEN) ? "a new IV handed back"
					      : "the caller's IV used");
	snprintf(name, sizeof(name), "%s GCM %s: one caller IV twice", what,
		 how);
	atk_check(a, name,
		  memcmp(iv1, iv2, IV_LEN) != 0 && n1 == n2 &&
		      memcmp(ct1, ct2, n1) != 0,
		  memcmp(ct1, ct2, n1) ? "two IVs, two ciphertexts"
				       : "the same IV, the same ciphertext");
	snprintf(name, sizeof(name), "%s GCM %s: C_Decrypt with the IV", what,
		 how);
	rv = gcm_decrypt(a, key, iv1, ct1, n1, back, &bn);
	if (!atk_expect(a, name, rv, CKR_OK))
		return;
	snprintf(name, sizeof(name), "%s GCM %s: ... gives the plaintext", what,
		 how);
	atk_check(a, name, bn == sizeof(pt) && memcmp(back, pt, bn) == 0,
		  bn == sizeof(pt) && memcmp(back, pt, bn) == 0
		      ? "the plaintext"
		      : "other bytes");
}

/* An AES key the application brings (a session object). */
static CK_OBJECT_HANDLE session_key(struct atk *a)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	unsigned char raw[32];
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},   {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_VALUE, raw, sizeof(raw)},    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	CK_OBJECT_HANDLE h = 0;
	CK_RV rv = a->f->C_GenerateRandom(a->s, raw, sizeof(raw));

	if (rv == CKR_OK)
		rv = a->f->C_CreateObject(a->s, t, 5, &h);
	memset(raw, 0, sizeof(raw));
	if (rv != CKR_OK) {
		fprintf(stderr, "attack set-up: C_CreateObject(AES key): %lx\n",
			(unsigned long)rv);
		exit(2);
	}
	return h;
}

/* CKM_ONECLAW_CMEK makes its own IV: two seals of one plaintext differ. */
static void cmek_twice(struct atk *a, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = {CKM_ONECLAW_CMEK, NULL, 0};
	static const CK_BYTE pt[] = "sealed twice";
	CK_BYTE b1[64], b2[64];
	CK_ULONG n1 = sizeof(b1), n2 = sizeof(b2);
	CK_RV rv = a->f->C_EncryptInit(a->s, &m, key);

	if (rv == CKR_OK)
		rv = a->f->C_Encrypt(a->s, (CK_BYTE *)pt, sizeof(pt), b1, &n1);
	if (rv == CKR_OK)
		rv = a->f->C_EncryptInit(a->s, &m, key);
	if (rv == CKR_OK)
		rv = a->f->C_Encrypt(a->s, (CK_BYTE *)pt, sizeof(pt), b2, &n2);
	if (!atk_expect_mech(a, "cmek CKM_ONECLAW_CMEK encrypt twice", rv,
			     CKR_OK) ||
	    rv != CKR_OK)
		return;
	atk_check(a, "cmek CKM_ONECLAW_CMEK: two IVs",
		  n1 == n2 && n1 > 1 + IV_LEN &&
		      memcmp(b1 + 1, b2 + 1, IV_LEN) != 0,
		  memcmp(b1 + 1, b2 + 1, IV_LEN) ? "two IVs" : "one IV twice");
}

static size_t read_plaintext(const char *path, CK_BYTE *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		fprintf(stderr, "attack set-up: cannot open %s\n", path);
		exit(2);
	}
	n = fread(buf, 1, cap, fp);
	fclose(fp);
	if (n == 0 || n == cap) {
		fprintf(stderr, "attack set-up: %s: 1 to %zu bytes wanted\n",
			path, cap - 1);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct atk a;
	CK_OBJECT_HANDLE cmek, mine;
	CK_BYTE pt[MAX_PT];
	size_t pt_len;

	if (argc != 4) {
		fprintf(stderr, "usage: gcm-iv MODULE SEALED PLAINTEXT_FILE\n");
		return 64;
	}
	pt_len = read_plaintext(argv[3], pt, sizeof(pt));
	atk_open(&a, argv[1]);
	cmek = atk_find(&a, CKO_SECRET_KEY, "cmek", false);
	mine = session_key(&a);

	keystream(&a, cmek, argv[2], pt, pt_len);
	memset(pt, 0, sizeof(pt));
	refusals(&a, "cmek", cmek);
	generated(&a, "cmek", cmek, false);
	generated(&a, "cmek", cmek, true);
	refusals(&a, "session key", mine);
	generated(&a, "session key", mine, false);
	generated(&a, "session key", mine, true);
	cmek_twice(&a, cmek);
	a.f->C_DestroyObject(a.s, mine);
	return atk_done(&a);
}
