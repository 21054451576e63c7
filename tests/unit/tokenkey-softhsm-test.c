/* tokenkey-softhsm-test.c - src/tokenkey against SoftHSM2: finding keys
 * (login, no match, more than one, a refused PIN), sharing one module
 * between keys, the CMEK adapter, and every operation checked with
 * OpenSSL: AES-GCM both ways, RSA-OAEP decryption, ECDSA signatures, AES
 * key wrapping.  The token and its keys are made here through PKCS#11.
 * Exit 77 when SoftHSM2 is not installed. */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "tokenkey/tk-ck.h"

#include "cmek.h"
#include "codec.h"
#include "dpop.h"
#include "err.h"
#include "tmpdir.h"
#include "tokenkey/tokenkey.h"

#define USER_PIN "1234"
#define SO_PIN	 "5678"
#define LABEL	 "tkhsm"

static const char *softhsm_paths[] = {
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
};

static const uint8_t k_gcm[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t k_other[32] = {0x42};
static const uint8_t k_wrap[32] = {0x77, 0x66};
static const uint8_t k_moved[32] = {0x99, 1, 2};
static const uint8_t k_short[16] = {0x11};

static const char *softhsm;
static char dir[256];
static char pin_file[300], bad_pin_file[300];
static void *dl;	      /* the test's own handle on SoftHSM */
static CK_FUNCTION_LIST *hsm; /* and its function list */
static EVP_PKEY *rsa_pub, *ec_pub;

/* --- making the token -------------------------------------------------- */

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static CK_SLOT_ID token_slot(void)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO ti;

	assert_int_equal(hsm->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		assert_int_equal(hsm->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		if (memcmp(ti.label, LABEL " ", strlen(LABEL) + 1) == 0)
			return slots[i];
	}
	fail_msg("token %s not found", LABEL);
	return 0;
}

/* A template entry for a variable: its address and size. */
#define ATTR(type, var)                                                        \
	{                                                                      \
		(type), (void *)&(var), sizeof(var)                            \
	}

static CK_BBOOL yes = CK_TRUE;

static void make_aes(CK_SESSION_HANDLE s, const char *label, const uint8_t *val,
		     size_t len, const void *id, size_t id_len,
		     CK_BBOOL extractable, CK_BBOOL wraps)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE a[] = {
	    ATTR(CKA_CLASS, cls),
	    ATTR(CKA_KEY_TYPE, kt),
	    ATTR(CKA_TOKEN, yes),
	    ATTR(CKA_PRIVATE, yes),
	    ATTR(CKA_SENSITIVE, yes),
	    ATTR(CKA_EXTRACTABLE, extractable),
	    ATTR(CKA_ENCRYPT, yes),
	    ATTR(CKA_DECRYPT, yes),
	    ATTR(CKA_WRAP, wraps),
	    ATTR(CKA_UNWRAP, wraps),
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)val, len},
	    {CKA_ID, (void *)id, id_len},
	};
	CK_OBJECT_HANDLE h;

	assert_int_equal(
	    hsm->C_CreateObject(s, a, sizeof(a) / sizeof(a[0]), &h), CKR_OK);
}

/* A key pair labelled label, the private half sensitive and for one use;
 * pub[0..n_pub) says what the public half is.  Returns the public half's
 * attribute what, read into buf. */
static CK_ULONG make_pair(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech,
			  CK_ATTRIBUTE *pub, CK_ULONG n_pub,
			  CK_ATTRIBUTE_TYPE use, const char *label,
			  CK_ATTRIBUTE_TYPE what, void *buf, CK_ULONG size)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_ATTRIBUTE priv[] = {
	    ATTR(CKA_TOKEN, yes),
	    ATTR(CKA_PRIVATE, yes),
	    ATTR(CKA_SENSITIVE, yes),
	    ATTR(use, yes),
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_ID, (void *)label, strlen(label)},
	};
	CK_ATTRIBUTE a = {what, buf, size}, pub_id[8];
	CK_OBJECT_HANDLE hpub, hpriv;

	/* Both halves share an id, as pkcs11-tool --keypairgen --id makes. */
	assert_true(n_pub < 8);
	memcpy(pub_id, pub, n_pub * sizeof(*pub));
	pub_id[n_pub++] = priv[5];
	assert_int_equal(hsm->C_GenerateKeyPair(s, &m, pub_id, n_pub, priv,
						sizeof(priv) / sizeof(priv[0]),
						&hpub, &hpriv),
			 CKR_OK);
	assert_int_equal(hsm->C_GetAttributeValue(s, hpub, &a, 1), CKR_OK);
	return a.ulValueLen;
}

static EVP_PKEY *pub_from(const char *type, OSSL_PARAM_BLD *b)
{
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;

	assert_non_null(p);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
	assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p), 1);
	EVP_PKEY_CTX_free(c);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	return k;
}

static void make_rsa(CK_SESSION_HANDLE s)
{
	CK_ULONG bits = 2048;
	CK_BYTE e[] = {1, 0, 1}, mod[256];
	CK_ATTRIBUTE pub[] = {
	    ATTR(CKA_TOKEN, yes),	  ATTR(CKA_ENCRYPT, yes),
	    ATTR(CKA_MODULUS_BITS, bits), ATTR(CKA_PUBLIC_EXPONENT, e),
	    {CKA_LABEL, "rsa", 3},
	};
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *n, *ex;
	CK_ULONG len;

	len = make_pair(s, CKM_RSA_PKCS_KEY_PAIR_GEN, pub, 5, CKA_DECRYPT,
			"rsa", CKA_MODULUS, mod, sizeof(mod));
	n = BN_bin2bn(mod, (int)len, NULL);
	ex = BN_bin2bn(e, sizeof(e), NULL);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, ex),
			 1);
	rsa_pub = pub_from("RSA", b);
	BN_free(n);
	BN_free(ex);
}

static void make_ec(CK_SESSION_HANDLE s)
{
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
				       0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_BYTE point[80];
	CK_ATTRIBUTE pub[] = {
	    ATTR(CKA_TOKEN, yes),
	    ATTR(CKA_VERIFY, yes),
	    ATTR(CKA_EC_PARAMS, p256),
	    {CKA_LABEL, "ec", 2},
	};
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();

	/* DER OCTET STRING around 04 || X || Y. */
	assert_int_equal(make_pair(s, CKM_EC_KEY_PAIR_GEN, pub, 4, CKA_SIGN,
				   "ec", CKA_EC_POINT, point, sizeof(point)),
			 67);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(
			     b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(
			     b, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65),
			 1);
	ec_pub = pub_from("EC", b);
}

static void make_keys(CK_SLOT_ID slot)
{
	uint8_t fpr[OC_CMEK_FPR_LEN];
	CK_SESSION_HANDLE s;

	assert_int_equal(hsm->C_OpenSession(slot,
					    CKF_SERIAL_SESSION | CKF_RW_SESSION,
					    NULL, NULL, &s),
			 CKR_OK);
	assert_int_equal(hsm->C_Login(s, CKU_SO, (CK_UTF8CHAR *)SO_PIN, 4),
			 CKR_OK);
	assert_int_equal(hsm->C_InitPIN(s, (CK_UTF8CHAR *)USER_PIN, 4), CKR_OK);
	assert_int_equal(hsm->C_Logout(s), CKR_OK);
	assert_int_equal(hsm->C_Login(s, CKU_USER, (CK_UTF8CHAR *)USER_PIN, 4),
			 CKR_OK);
	/* CKA_ID holds the fingerprint, as the oneclaw module's keys do. */
	assert_int_equal(oc_cmek_fingerprint(k_gcm, fpr), OC_OK);
	make_aes(s, "gcm", k_gcm, 32, fpr, sizeof(fpr), CK_FALSE, CK_FALSE);
	make_aes(s, "other", k_other, 32, "abc", 3, CK_FALSE, CK_FALSE);
	make_aes(s, "short", k_short, 16, "s", 1, CK_FALSE, CK_FALSE);
	make_aes(s, "wrap", k_wrap, 32, "w", 1, CK_FALSE, CK_TRUE);
	make_aes(s, "moved", k_moved, 32, "m", 1, CK_TRUE, CK_FALSE);
	make_rsa(s);
	make_ec(s);
	assert_int_equal(hsm->C_CloseSession(s), CKR_OK);
}

static int setup(void **state)
{
	CK_C_GetFunctionList getf;
	CK_UTF8CHAR label[32];
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	char path[300], conf[600];

	(void)state;
	if (oc_test_tmpdir("tokenkey-softhsm", dir, sizeof(dir)) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/tokens", dir);
	mkdir(path, 0700);
	snprintf(conf, sizeof(conf),
		 "directories.tokendir = %s\nobjectstore.backend = file\n"
		 "log.level = ERROR\n",
		 path);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	put_file(path, conf);
	setenv("SOFTHSM2_CONF", path, 1);
	snprintf(pin_file, sizeof(pin_file), "%s/pin", dir);
	put_file(pin_file, USER_PIN "\n");
	snprintf(bad_pin_file, sizeof(bad_pin_file), "%s/badpin", dir);
	put_file(bad_pin_file, "0000\n");

	/* Kept open to the end: SoftHSM is loaded once. */
	dl = dlopen(softhsm, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(dl);
	*(void **)&getf = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getf);
	assert_int_equal(getf(&hsm), CKR_OK);
	assert_int_equal(hsm->C_Initialize(NULL), CKR_OK);
	assert_int_equal(hsm->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	assert_true(n > 0);
	memset(label, ' ', sizeof(label));
	memcpy(label, LABEL, strlen(LABEL));
	assert_int_equal(
	    hsm->C_InitToken(slots[0], (CK_UTF8CHAR *)SO_PIN, 4, label),
	    CKR_OK);
	make_keys(token_slot());
	/* From here on the unit initialises SoftHSM itself. */
	assert_int_equal(hsm->C_Finalize(NULL), CKR_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(ec_pub);
	return oc_test_rmtree(dir);
}

/* --- helpers ----------------------------------------------------------- */

static struct oc_tk_open_args args(const char *object, enum oc_tk_kind kind)
{
	/* A few at a time: a test may hold two keys. */
	static char uris[4][128];
	static unsigned next;
	char *uri = uris[next++ % 4];

	snprintf(uri, sizeof(uris[0]), "pkcs11:token=" LABEL "%s%s",
		 object ? ";object=" : "", object ? object : "");
	return (struct oc_tk_open_args){
	    .uri = uri,
	    .module = softhsm,
	    .loader = OC_TK_DLOPEN,
	    .kind = kind,
	    .pin_file = pin_file,
	};
}

static struct oc_tk_key *open_ok(const struct oc_tk_open_args *a)
{
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;
	int err = oc_tk_key_open(a, &k, &e);

	if (err)
		fail_msg("%s: %s", a->uri, e.msg);
	assert_non_null(k);
	return k;
}

static bool softhsm_initialized(void)
{
	CK_INFO info;

	return hsm->C_GetInfo(&info) == CKR_OK;
}

/* Seals in the token, opens with OpenSSL, and back; a changed tag
 * fails. */
static void check_gcm(struct oc_tk_key *k, const uint8_t raw[32])
{
	static const uint8_t aad[] = "aad", pt[] = "token-sealed text";
	uint8_t iv[12] = {9, 9, 9}, ct[sizeof(pt)], tag[16], back[sizeof(pt)];

	assert_int_equal(oc_tk_gcm_seal(k, iv, sizeof(iv), aad, sizeof(aad), pt,
					sizeof(pt), ct, tag, sizeof(tag)),
			 OC_OK);
	assert_int_equal(oc_aes_gcm_open(raw, iv, sizeof(iv), aad, sizeof(aad),
					 ct, sizeof(ct), tag, sizeof(tag),
					 back),
			 OC_OK);
	assert_memory_equal(back, pt, sizeof(pt));

	assert_int_equal(oc_aes_gcm_seal(raw, iv, sizeof(iv), NULL, 0, pt,
					 sizeof(pt), ct, tag, sizeof(tag)),
			 OC_OK);
	memset(back, 0, sizeof(back));
	assert_int_equal(oc_tk_gcm_open(k, iv, sizeof(iv), NULL, 0, ct,
					sizeof(ct), tag, sizeof(tag), back),
			 OC_OK);
	assert_memory_equal(back, pt, sizeof(pt));
	tag[0] ^= 1;
	memset(back, 0, sizeof(back));
	assert_int_equal(oc_tk_gcm_open(k, iv, sizeof(iv), NULL, 0, ct,
					sizeof(ct), tag, sizeof(tag), back),
			 OC_ERR_DECRYPT);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0);
	/* Nothing to seal is still sealed. */
	assert_int_equal(oc_tk_gcm_seal(k, iv, sizeof(iv), NULL, 0, NULL, 0,
					NULL, tag, sizeof(tag)),
			 OC_OK);
	assert_int_equal(oc_aes_gcm_open(raw, iv, sizeof(iv), NULL, 0, NULL, 0,
					 tag, sizeof(tag), back),
			 OC_OK);
}

/* --- tests ------------------------------------------------------------- */

static void test_gcm(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	struct oc_tk_key *k;

	(void)state;
	k = open_ok(&a);
	check_gcm(k, k_gcm);
	oc_tk_key_free(k);
	assert_false(softhsm_initialized());

	/* The same through p11-kit's loading. */
	a.loader = OC_TK_P11KIT;
	k = open_ok(&a);
	check_gcm(k, k_gcm);
	oc_tk_key_free(k);
}

static size_t oaep_encrypt(const EVP_MD *md, const uint8_t *pt, size_t n,
			   uint8_t ct[256])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_pub, NULL);
	size_t len = 256;

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
	assert_int_equal(
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(c, md), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(c, md), 1);
	assert_int_equal(EVP_PKEY_encrypt(c, ct, &len, pt, n), 1);
	EVP_PKEY_CTX_free(c);
	return len;
}

static void test_rsa_oaep(void **state)
{
	struct oc_tk_open_args a = args("rsa", OC_TK_RSA);
	static const uint8_t pt[] = "wrapped-by-rsa-oaep";
	uint8_t ct[256], out[256], small[4];
	size_t ct_len, out_len = 0;
	struct oc_tk_key *k;
	int err;

	(void)state;
	k = open_ok(&a);
	ct_len = oaep_encrypt(EVP_sha1(), pt, sizeof(pt), ct);
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA1, ct, ct_len, out,
						sizeof(out), &out_len),
			 OC_OK);
	assert_int_equal(out_len, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA1, ct, ct_len,
						small, sizeof(small), &out_len),
			 OC_ERR_RANGE);
	/* A changed ciphertext does not open, and the key works after. */
	ct[7] ^= 1;
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA1, ct, ct_len, out,
						sizeof(out), &out_len),
			 OC_ERR_DECRYPT);
	ct[7] ^= 1;
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA1, ct, ct_len, out,
						sizeof(out), &out_len),
			 OC_OK);
	/* SoftHSM 2.6 takes SHA-1 only; later ones SHA-2 as well. */
	ct_len = oaep_encrypt(EVP_sha256(), pt, sizeof(pt), ct);
	memset(out, 0, sizeof(out));
	err = oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len, out,
				     sizeof(out), &out_len);
	if (err == OC_OK)
		assert_memory_equal(out, pt, sizeof(pt));
	else
		assert_int_equal(err, OC_ERR_CRYPTO);
	oc_tk_key_free(k);
}

static void test_ecdsa(void **state)
{
	struct oc_tk_open_args a = args("ec", OC_TK_EC);
	uint8_t digest[32], sig[64], der[80], *p = der;
	size_t sig_len = 0;
	struct oc_tk_key *k;
	ECDSA_SIG *s = ECDSA_SIG_new();
	EVP_PKEY_CTX *c;
	int der_len;

	(void)state;
	assert_non_null(s);
	assert_int_equal(
	    EVP_Digest("signed", 6, digest, NULL, EVP_sha256(), NULL), 1);
	k = open_ok(&a);
	assert_int_equal(oc_tk_ecdsa_sign(k, digest, sizeof(digest), sig,
					  sizeof(sig), &sig_len),
			 OC_OK);
	assert_int_equal(sig_len, 64);
	assert_int_equal(
	    oc_tk_ecdsa_sign(k, digest, sizeof(digest), sig, 10, &sig_len),
	    OC_ERR_RANGE);
	oc_tk_key_free(k);

	assert_int_equal(ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL),
					BN_bin2bn(sig + 32, 32, NULL)),
			 1);
	der_len = i2d_ECDSA_SIG(s, &p);
	assert_true(der_len > 0);
	ECDSA_SIG_free(s);
	c = EVP_PKEY_CTX_new_from_pkey(NULL, ec_pub, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	assert_int_equal(
	    EVP_PKEY_verify(c, der, (size_t)der_len, digest, sizeof(digest)),
	    1);
	EVP_PKEY_CTX_free(c);
}

/* The public half read from the token is the key made in setup: from the
 * private key (with a PIN), and from the public object (without one). */
static void test_public_key(void **state)
{
	static const struct {
		const char *object;
		enum oc_tk_kind kind;
		bool pin;
	} cases[] = {
	    {"rsa", OC_TK_RSA, true},
	    {"ec", OC_TK_EC, true},
	    {"rsa", OC_TK_RSA_PUBLIC, false},
	    {"ec", OC_TK_EC_PUBLIC, false},
	};
	struct oc_tk_open_args a;
	struct oc_tk_key *k;
	struct oc_tk_err e;
	EVP_PKEY *pk = NULL, *want;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = args(cases[i].object, cases[i].kind);
		if (!cases[i].pin)
			a.pin_file = NULL;
		k = open_ok(&a);
		assert_int_equal(oc_tk_public_key(k, &pk, &e), OC_OK);
		want = cases[i].kind == OC_TK_RSA ||
			       cases[i].kind == OC_TK_RSA_PUBLIC
			   ? rsa_pub
			   : ec_pub;
		assert_int_equal(EVP_PKEY_eq(pk, want), 1);
		EVP_PKEY_free(pk);
		oc_tk_key_free(k);
	}
	/* An AES key has no public half. */
	a = args("gcm", OC_TK_AES);
	k = open_ok(&a);
	assert_int_equal(oc_tk_public_key(k, &pk, &e), OC_ERR_UNSUPPORTED);
	assert_null(pk);
	assert_int_equal(e.stage, OC_TK_AT_KEY);
	oc_tk_key_free(k);
}

static void test_wrap_unwrap(void **state)
{
	struct oc_tk_open_args wa = args("wrap", OC_TK_AES);
	struct oc_tk_open_args ma = args("moved", OC_TK_AES);
	struct oc_tk_key *wrapping, *moved, *back = NULL;
	uint8_t wrapped[64], tiny[8];
	size_t n = 0;

	(void)state;
	wrapping = open_ok(&wa);
	moved = open_ok(&ma);
	assert_int_equal(oc_tk_wrap(wrapping, moved, tiny, sizeof(tiny), &n),
			 OC_ERR_RANGE);
	assert_int_equal(
	    oc_tk_wrap(wrapping, moved, wrapped, sizeof(wrapped), &n), OC_OK);
	assert_int_equal(n, 40); /* RFC 5649: 32 bytes + 8 */
	/* A key that is not extractable stays in. */
	assert_int_equal(oc_tk_wrap(wrapping, wrapping, wrapped + 48, 16, &n),
			 OC_ERR_CRYPTO);
	oc_tk_key_free(moved);
	assert_int_equal(oc_tk_unwrap(wrapping, wrapped, 40, &back), OC_OK);
	check_gcm(back, k_moved);
	wrapped[5] ^= 1;
	assert_int_not_equal(oc_tk_unwrap(wrapping, wrapped, 40, &moved),
			     OC_OK);
	oc_tk_key_free(wrapping);
	/* The unwrapped key keeps the module until it goes. */
	check_gcm(back, k_moved);
	oc_tk_key_free(back);
	assert_false(softhsm_initialized());
}

/* Opening a fails with err at stage, saying text; nothing stays open. */
static void refused(const struct oc_tk_open_args *a, int err,
		    enum oc_tk_stage stage, const char *text)
{
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;

	assert_int_equal(oc_tk_key_open(a, &k, &e), err);
	assert_int_equal(e.stage, stage);
	assert_non_null(strstr(e.msg, text));
	assert_null(strstr(e.msg, "4711")); /* a PIN in a URI below */
	assert_null(k);
	assert_false(softhsm_initialized());
}

static void test_find_refusals(void **state)
{
	struct oc_tk_open_args a = args("nope", OC_TK_AES);

	(void)state;
	refused(&a, OC_ERR_NOT_FOUND, OC_TK_AT_FIND,
		"no AES key in token '" LABEL "'");
	/* The kind is part of the search: "rsa" is no AES key. */
	a = args("rsa", OC_TK_AES);
	refused(&a, OC_ERR_NOT_FOUND, OC_TK_AT_FIND, "no AES key");
	a = args(NULL, OC_TK_AES);
	refused(&a, OC_ERR_ARGS, OC_TK_AT_FIND, "more than one key");
	a.uri = "pkcs11:token=absent;object=gcm";
	refused(&a, OC_ERR_NOT_FOUND, OC_TK_AT_TOKEN, "no token in");
}

static void test_login(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	char uri[512];

	(void)state;
	a.pin_file = bad_pin_file;
	refused(&a, OC_ERR_UNAUTHORIZED, OC_TK_AT_LOGIN,
		"refused the PIN from");

	/* No PIN: without a login the private key is not found, and a
	 * caller that wants one hears so. */
	a.pin_file = NULL;
	refused(&a, OC_ERR_NOT_FOUND, OC_TK_AT_FIND, "no AES key");
	a.flags = OC_TK_LOGIN_IF_REQUIRED;
	refused(&a, OC_ERR_NO_KEY, OC_TK_AT_NEED_PIN, "needs a PIN");

	/* The URI's pin-value, when the caller takes it. */
	a.uri = "pkcs11:token=" LABEL ";object=gcm?pin-value=" USER_PIN;
	refused(&a, OC_ERR_NO_KEY, OC_TK_AT_NEED_PIN, "needs a PIN");
	a.flags |= OC_TK_URI_PIN_VALUE;
	oc_tk_key_free(open_ok(&a));
	a.uri = "pkcs11:token=" LABEL ";object=gcm?pin-value=4711";
	refused(&a, OC_ERR_UNAUTHORIZED, OC_TK_AT_LOGIN, "refused the PIN");

	/* The URI's pin-source, a file. */
	a.flags = OC_TK_LOGIN_IF_REQUIRED | OC_TK_URI_PIN_SOURCE;
	snprintf(uri, sizeof(uri),
		 "pkcs11:token=" LABEL ";object=gcm?pin-source=file:%s",
		 pin_file);
	a.uri = uri;
	oc_tk_key_free(open_ok(&a));
	assert_false(softhsm_initialized());
}

static void test_refuse_self(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);

	(void)state;
	a.refuse = hsm;
	refused(&a, OC_ERR_CONFIG, OC_TK_AT_MODULE, "is this module itself");
}

/* Two keys share the module: freeing one leaves the other working, and
 * the module is finalised with the last. */
static void test_shared_module(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	struct oc_tk_open_args b = args("other", OC_TK_AES);
	struct oc_tk_key *k1, *k2;

	(void)state;
	k1 = open_ok(&a);
	k2 = open_ok(&b);
	oc_tk_key_free(k1);
	assert_true(softhsm_initialized());
	check_gcm(k2, k_other);
	oc_tk_key_free(k2);
	assert_false(softhsm_initialized());
}

/* A module someone else initialised is not finalised under them. */
static void test_initialized_elsewhere(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	struct oc_tk_key *k;

	(void)state;
	assert_int_equal(hsm->C_Initialize(NULL), CKR_OK);
	k = open_ok(&a);
	check_gcm(k, k_gcm);
	oc_tk_key_free(k);
	assert_true(softhsm_initialized());
	assert_int_equal(hsm->C_Finalize(NULL), CKR_OK);
}

/* In a child, a key from the parent is freed without a call into the
 * token (its session and module belong to the parent), and a key opened
 * there is the child's own; the parent's key still works afterwards. */
static int child_after_fork(struct oc_tk_key *parent_key)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;
	uint8_t iv[12] = {7}, ct[4], tag[16], raw[4], back[4];

	oc_tk_key_free(parent_key);
	if (oc_tk_key_open(&a, &k, &e) != OC_OK)
		return 2;
	if (oc_tk_gcm_seal(k, iv, sizeof(iv), NULL, 0, (const uint8_t *)"kid",
			   4, ct, tag, sizeof(tag)) != OC_OK ||
	    oc_aes_gcm_open(k_gcm, iv, sizeof(iv), NULL, 0, ct, sizeof(ct), tag,
			    sizeof(tag), raw) != OC_OK ||
	    oc_tk_gcm_open(k, iv, sizeof(iv), NULL, 0, ct, sizeof(ct), tag,
			   sizeof(tag), back) != OC_OK ||
	    memcmp(back, "kid", 4) != 0)
		return 3;
	oc_tk_key_free(k);
	return 0;
}

static void test_fork(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	struct oc_tk_key *k;
	int status = -1;
	pid_t pid;

	(void)state;
	k = open_ok(&a);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_after_fork(k));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	check_gcm(k, k_gcm);
	oc_tk_key_free(k);
	assert_false(softhsm_initialized());
}

static void test_cmek(void **state)
{
	struct oc_tk_open_args a = args("gcm", OC_TK_AES);
	uint8_t fpr[OC_CMEK_FPR_LEN], blob[64], pt[8];
	char hex[OC_CMEK_FPR_HEX_LEN + 1];
	struct oc_cmek_key *ck = NULL, *raw = NULL;
	size_t n = 0;
	struct oc_tk_err e;

	(void)state;
	/* The fingerprint from the key's CKA_ID. */
	assert_int_equal(oc_tk_cmek_open(&a, NULL, &ck, &e), OC_OK);
	assert_int_equal(oc_cmek_fingerprint(k_gcm, fpr), OC_OK);
	assert_memory_equal(oc_cmek_key_fingerprint(ck), fpr, sizeof(fpr));
	assert_true(oc_cmek_key_is_delegated(ck));
	assert_int_equal(oc_cmek_seal(ck, (const uint8_t *)"sealed!", 7, blob,
				      sizeof(blob), &n),
			 OC_OK);
	assert_int_equal(oc_cmek_key_from_raw(k_gcm, &raw), OC_OK);
	assert_int_equal(oc_cmek_open(raw, blob, n, pt, sizeof(pt), &n), OC_OK);
	assert_memory_equal(pt, "sealed!", 7);
	oc_cmek_key_free(raw);
	oc_cmek_key_free(ck);
	assert_false(softhsm_initialized());

	/* "other" has a 3-byte CKA_ID: its fingerprint must be given. */
	a = args("other", OC_TK_AES);
	assert_int_equal(oc_tk_cmek_open(&a, NULL, &ck, &e), OC_ERR_NO_KEY);
	assert_int_equal(e.stage, OC_TK_AT_KEY);
	assert_non_null(strstr(e.msg, "cmek_key_fingerprint"));
	assert_int_equal(oc_cmek_fingerprint(k_other, fpr), OC_OK);
	oc_cmek_fingerprint_hex(fpr, hex);
	assert_int_equal(oc_tk_cmek_open(&a, hex, &ck, &e), OC_OK);
	assert_memory_equal(oc_cmek_key_fingerprint(ck), fpr, sizeof(fpr));
	oc_cmek_key_free(ck);
	hex[0] = 'A';
	assert_int_equal(oc_tk_cmek_open(&a, hex, &ck, &e), OC_ERR_PARSE);

	/* CMEK keys are AES-256. */
	a = args("short", OC_TK_AES);
	assert_int_equal(oc_tk_cmek_open(&a, NULL, &ck, &e), OC_ERR_ARGS);
	assert_non_null(strstr(e.msg, "16-byte AES key"));
	assert_false(softhsm_initialized());
}

/* A DPoP proof signed in the token verifies with the key's public half;
 * the key opens once (now, or at the first proof); an RSA key is no DPoP
 * key.  Prints what one proof costs in SoftHSM. */
static void test_dpop(void **state)
{
	struct oc_tk_open_args a = args("ec", OC_TK_EC);
	struct oc_dpop_signer sg;
	struct oc_dpop *d = NULL;
	struct oc_tk_err e;
	char jwk[OC_DPOP_JWK_MAX], want[OC_DPOP_JWK_MAX], *proof = NULL;
	const char *dot;
	uint8_t sig[64], der[80], *p = der;
	size_t len = 0;
	ECDSA_SIG *es;
	EVP_MD_CTX *mc;
	struct timespec t0, t1;
	int i, n = 100, der_len;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* i == 0: opened now; i == 1: at the first proof. */
		assert_int_equal(oc_tk_dpop_signer(&a, i == 0, &sg, &e), OC_OK);
		assert_int_equal(oc_dpop_new(&sg, &d), OC_OK);
		assert_int_equal(
		    oc_dpop_proof(d, "GET", "https://h/p?q", &proof), OC_OK);
		assert_int_equal(oc_dpop_jwk(d, jwk, sizeof(jwk)), OC_OK);
		assert_int_equal(oc_dpop_jwk_of(ec_pub, want, sizeof(want)),
				 OC_OK);
		assert_string_equal(jwk, want);

		dot = strrchr(proof, '.');
		assert_non_null(dot);
		assert_int_equal(oc_base64_decode(dot + 1, strlen(dot + 1), sig,
						  sizeof(sig), &len),
				 OC_OK);
		assert_int_equal(len, 64);
		es = ECDSA_SIG_new();
		assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL),
						BN_bin2bn(sig + 32, 32, NULL)),
				 1);
		p = der;
		der_len = i2d_ECDSA_SIG(es, &p);
		ECDSA_SIG_free(es);
		mc = EVP_MD_CTX_new();
		assert_int_equal(
		    EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, ec_pub),
		    1);
		assert_int_equal(EVP_DigestVerify(mc, der, (size_t)der_len,
						  (const uint8_t *)proof,
						  (size_t)(dot - proof)),
				 1);
		EVP_MD_CTX_free(mc);
		free(proof);
		if (i == 1)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int j = 0; j < n; j++) {
			assert_int_equal(
			    oc_dpop_proof(d, "GET", "https://h/p", &proof),
			    OC_OK);
			free(proof);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("# DPoP proof, P-256 key in SoftHSM2: %.1f us each "
		       "(%d)\n",
		       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			(double)(t1.tv_nsec - t0.tv_nsec)) /
			   1e3 / n,
		       n);
		oc_dpop_free(d);
	}
	oc_dpop_free(d);

	/* Not an EC key: refused when opened. */
	a = args("rsa", OC_TK_EC);
	assert_int_not_equal(oc_tk_dpop_signer(&a, true, &sg, &e), OC_OK);
	assert_true(e.msg[0] != '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gcm),
	    cmocka_unit_test(test_rsa_oaep),
	    cmocka_unit_test(test_ecdsa),
	    cmocka_unit_test(test_public_key),
	    cmocka_unit_test(test_wrap_unwrap),
	    cmocka_unit_test(test_find_refusals),
	    cmocka_unit_test(test_login),
	    cmocka_unit_test(test_refuse_self),
	    cmocka_unit_test(test_shared_module),
	    cmocka_unit_test(test_initialized_elsewhere),
	    cmocka_unit_test(test_fork),
	    cmocka_unit_test(test_cmek),
	    cmocka_unit_test(test_dpop),
	};
	const char *env = getenv("OC_SOFTHSM_LIB");

	softhsm = env && *env ? env : NULL;
	for (size_t i = 0;
	     !softhsm && i < sizeof(softhsm_paths) / sizeof(softhsm_paths[0]);
	     i++)
		if (access(softhsm_paths[i], R_OK) == 0)
			softhsm = softhsm_paths[i];
	if (!softhsm) {
		fprintf(stderr, "SKIP: SoftHSM2 is not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
