/* asym-test.c - the public-key mechanisms, checked against plain OpenSSL in
 * both directions: what the module signs or encrypts, OpenSSL verifies or
 * decrypts (on the default library context), and the other way round. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "asym.h"
#include "ossl.h"

static EVP_PKEY *rsa, *p256, *p384, *p521, *ed;
static EVP_PKEY *rsa_pub, *p256_pub, *ed_pub;

/* DigestInfo prefix of SHA-256 (RFC 8017 9.2 note 1). */
static const uint8_t sha256_di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
				    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
				    0x01, 0x05, 0x00, 0x04, 0x20};

static const uint8_t msg[] = "the quick brown fox jumps over the lazy dog "
			     "and then some more to span several updates";

static EVP_PKEY *public_of(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int n = i2d_PUBKEY(k, &der);

	assert_true(n > 0);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, n);
	OPENSSL_free(der);
	assert_non_null(pub);
	return pub;
}

static int setup(void **state)
{
	(void)state;
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!rsa || !p256 || !p384 || !p521 || !ed)
		return -1;
	rsa_pub = public_of(rsa);
	p256_pub = public_of(p256);
	ed_pub = public_of(ed);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(p256_pub);
	EVP_PKEY_free(ed_pub);
	return 0;
}

static void sha(const char *name, const void *in, size_t n, uint8_t *out,
		size_t *len)
{
	unsigned int l = 0;

	assert_int_equal(
	    EVP_Digest(in, n, out, &l, EVP_get_digestbyname(name), NULL), 1);
	*len = l;
}

static CK_MECHANISM mech(CK_MECHANISM_TYPE t, void *p, size_t n)
{
	CK_MECHANISM m = {t, p, n};

	return m;
}

/* Module side, whole operations. */
static CK_RV a_sign(EVP_PKEY *k, const CK_MECHANISM *m, const void *in,
		    size_t n, uint8_t *sig, size_t *sig_len)
{
	struct oc_asym op;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, OC_ASYM_SIGN, m, k);
	if (rv == CKR_OK)
		rv = oc_asym_sign(&op, in, n, sig, sig_len);
	oc_asym_clear(&op);
	return rv;
}

/* Signs in updates of chunk bytes, then a final with no data. */
static CK_RV a_sign_multi(EVP_PKEY *k, const CK_MECHANISM *m, const void *in,
			  size_t n, size_t chunk, uint8_t *sig, size_t *sig_len)
{
	const uint8_t *p = in;
	struct oc_asym op;
	size_t i, c;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, OC_ASYM_SIGN, m, k);
	for (i = 0; rv == CKR_OK && i < n; i += c) {
		c = n - i < chunk ? n - i : chunk;
		rv = oc_asym_update(&op, p + i, c);
	}
	if (rv == CKR_OK)
		rv = oc_asym_sign(&op, NULL, 0, sig, sig_len);
	oc_asym_clear(&op);
	return rv;
}

static CK_RV a_verify(EVP_PKEY *k, const CK_MECHANISM *m, const void *in,
		      size_t n, const uint8_t *sig, size_t sig_len)
{
	struct oc_asym op;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, OC_ASYM_VERIFY, m, k);
	if (rv == CKR_OK)
		rv = oc_asym_verify(&op, in, n, sig, sig_len);
	oc_asym_clear(&op);
	return rv;
}

static CK_RV a_verify_multi(EVP_PKEY *k, const CK_MECHANISM *m, const void *in,
			    size_t n, size_t chunk, const uint8_t *sig,
			    size_t sig_len)
{
	const uint8_t *p = in;
	struct oc_asym op;
	size_t i, c;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, OC_ASYM_VERIFY, m, k);
	for (i = 0; rv == CKR_OK && i < n; i += c) {
		c = n - i < chunk ? n - i : chunk;
		rv = oc_asym_update(&op, p + i, c);
	}
	if (rv == CKR_OK)
		rv = oc_asym_verify(&op, NULL, 0, sig, sig_len);
	oc_asym_clear(&op);
	return rv;
}

static CK_RV a_crypt(EVP_PKEY *k, enum oc_asym_use use, const CK_MECHANISM *m,
		     const void *in, size_t n, uint8_t *out, size_t *out_len)
{
	struct oc_asym op;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, use, m, k);
	if (rv == CKR_OK)
		rv = oc_asym_crypt(&op, in, n, out, out_len);
	oc_asym_clear(&op);
	return rv;
}

static CK_RV a_init(EVP_PKEY *k, enum oc_asym_use use, const CK_MECHANISM *m)
{
	struct oc_asym op;
	CK_RV rv;

	memset(&op, 0, sizeof(op));
	rv = oc_asym_init(&op, use, m, k);
	oc_asym_clear(&op);
	return rv;
}

/* OpenSSL side, default library context. */
static void rsa_opts(EVP_PKEY_CTX *c, int pad, const char *md, const char *mgf,
		     int salt)
{
	assert_true(EVP_PKEY_CTX_set_rsa_padding(c, pad) > 0);
	if (md && pad != RSA_PKCS1_OAEP_PADDING)
		assert_true(EVP_PKEY_CTX_set_signature_md(
				c, EVP_get_digestbyname(md)) > 0);
	if (pad == RSA_PKCS1_PSS_PADDING) {
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(
				c, EVP_get_digestbyname(mgf)) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt) > 0);
	}
	if (pad == RSA_PKCS1_OAEP_PADDING) {
		assert_true(EVP_PKEY_CTX_set_rsa_oaep_md(
				c, EVP_get_digestbyname(md)) > 0);
		assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(
				c, EVP_get_digestbyname(mgf)) > 0);
	}
}

/* One-block sign / verify (raw RSA, PSS, ECDSA over a hash). */
static int o_verify_raw(EVP_PKEY *k, int pad, const char *md, const char *mgf,
			int salt, const uint8_t *in, size_t n,
			const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
	int ok;

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	if (pad)
		rsa_opts(c, pad, md, mgf, salt);
	ok = EVP_PKEY_verify(c, sig, sig_len, in, n);
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok;
}

static void o_sign_raw(EVP_PKEY *k, int pad, const char *md, const char *mgf,
		       int salt, const uint8_t *in, size_t n, uint8_t *sig,
		       size_t *sig_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_sign_init(c), 1);
	if (pad)
		rsa_opts(c, pad, md, mgf, salt);
	assert_int_equal(EVP_PKEY_sign(c, sig, sig_len, in, n), 1);
	EVP_PKEY_CTX_free(c);
}

/* Message sign / verify (the SHA mechanisms, EdDSA with md NULL). */
static int o_verify_msg(EVP_PKEY *k, const char *md, int pad, int salt,
			const uint8_t *in, size_t n, const uint8_t *sig,
			size_t sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok;

	assert_non_null(c);
	assert_int_equal(
	    EVP_DigestVerifyInit(c, &pc, md ? EVP_get_digestbyname(md) : NULL,
				 NULL, k),
	    1);
	if (pad) {
		assert_true(EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0);
		if (pad == RSA_PKCS1_PSS_PADDING)
			assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) >
				    0);
	}
	ok = EVP_DigestVerify(c, sig, sig_len, in, n);
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

static void o_sign_msg(EVP_PKEY *k, const char *md, int pad, int salt,
		       const uint8_t *in, size_t n, uint8_t *sig,
		       size_t *sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_non_null(c);
	assert_int_equal(
	    EVP_DigestSignInit(c, &pc, md ? EVP_get_digestbyname(md) : NULL,
			       NULL, k),
	    1);
	if (pad) {
		assert_true(EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0);
		if (pad == RSA_PKCS1_PSS_PADDING)
			assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) >
				    0);
	}
	assert_int_equal(EVP_DigestSign(c, sig, sig_len, in, n), 1);
	EVP_MD_CTX_free(c);
}

/* r||s <-> DER, written apart from the module's own conversion. */
static size_t to_der(const uint8_t *rs, size_t len, uint8_t *der)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	unsigned char *p = der;
	int n;

	assert_non_null(s);
	assert_int_equal(
	    ECDSA_SIG_set0(s, BN_bin2bn(rs, (int)len / 2, NULL),
			   BN_bin2bn(rs + len / 2, (int)len / 2, NULL)),
	    1);
	n = i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	assert_true(n > 0);
	return (size_t)n;
}

static void to_rs(const uint8_t *der, size_t len, size_t half, uint8_t *rs)
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);

	assert_non_null(s);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(s), rs, (int)half),
			 (int)half);
	assert_int_equal(
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), rs + half, (int)half), (int)half);
	ECDSA_SIG_free(s);
}

static void test_mech_info(void **state)
{
	CK_MECHANISM_INFO info;
	size_t i;

	(void)state;
	assert_int_equal(oc_asym_mech_count(), 14);
	for (i = 0; i < oc_asym_mech_count(); i++)
		assert_int_equal(oc_asym_mech_info(oc_asym_mech_at(i), &info),
				 CKR_OK);
	assert_int_equal(oc_asym_mech_info(CKM_RSA_PKCS, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 2048);
	assert_int_equal(info.ulMaxKeySize, 8192);
	assert_int_equal(info.flags,
			 CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT);
	assert_int_equal(oc_asym_mech_info(CKM_RSA_PKCS_OAEP, &info), CKR_OK);
	assert_int_equal(info.flags, CKF_ENCRYPT | CKF_DECRYPT);
	assert_int_equal(oc_asym_mech_info(CKM_SHA384_RSA_PKCS_PSS, &info),
			 CKR_OK);
	assert_int_equal(info.flags, CKF_SIGN | CKF_VERIFY);
	assert_int_equal(oc_asym_mech_info(CKM_ECDSA_SHA256, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 256);
	assert_int_equal(info.ulMaxKeySize, 521);
	assert_true(info.flags & CKF_SIGN);
	assert_true(info.flags & CKF_EC_NAMEDCURVE);
	assert_false(info.flags & CKF_DECRYPT);
	assert_int_equal(oc_asym_mech_info(CKM_EDDSA, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 255);
	assert_int_equal(info.ulMaxKeySize, 255);
	assert_int_equal(info.flags, CKF_SIGN | CKF_VERIFY);
	assert_int_equal(oc_asym_mech_info(CKM_EDDSA, NULL), CKR_OK);
	assert_int_equal(oc_asym_mech_info(CKM_AES_GCM, &info),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(oc_asym_mech_info(CKM_ECDSA_SHA512, &info),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(oc_asym_mech_info(CKM_SHA1_RSA_PKCS, NULL),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(oc_asym_mech_at(99), CKM_VENDOR_DEFINED);
}

static void test_rsa_pkcs_sign(void **state)
{
	uint8_t di[sizeof(sha256_di) + 32], sig[256], sig2[256], big[246];
	CK_MECHANISM m = mech(CKM_RSA_PKCS, NULL, 0);
	size_t len = 0, len2 = 0, hl;

	(void)state;
	memcpy(di, sha256_di, sizeof(sha256_di));
	sha("SHA256", msg, sizeof(msg), di + sizeof(sha256_di), &hl);
	assert_int_equal(a_sign(rsa, &m, di, sizeof(di), sig, &len), CKR_OK);
	assert_int_equal(len, 256);
	assert_int_equal(o_verify_raw(rsa_pub, RSA_PKCS1_PADDING, NULL, NULL, 0,
				      di, sizeof(di), sig, len),
			 1);
	/* and it is the plain PKCS#1 v1.5 signature of the message */
	assert_int_equal(
	    o_verify_msg(rsa_pub, "SHA256", 0, 0, msg, sizeof(msg), sig, len),
	    1);
	/* multi-part equals single-part (the padding is deterministic) */
	assert_int_equal(a_sign_multi(rsa, &m, di, sizeof(di), 7, sig2, &len2),
			 CKR_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(sig, sig2, len);
	/* OpenSSL signs, the module verifies with the public key */
	len2 = sizeof(sig2);
	o_sign_raw(rsa, RSA_PKCS1_PADDING, NULL, NULL, 0, di, sizeof(di), sig2,
		   &len2);
	assert_int_equal(a_verify(rsa_pub, &m, di, sizeof(di), sig2, len2),
			 CKR_OK);
	assert_int_equal(a_verify_multi(rsa, &m, di, sizeof(di), 5, sig2, len2),
			 CKR_OK);
	/* a flipped bit, another input, a wrong length */
	sig2[100] ^= 0x10;
	assert_int_equal(a_verify(rsa_pub, &m, di, sizeof(di), sig2, len2),
			 CKR_SIGNATURE_INVALID);
	sig2[100] ^= 0x10;
	di[5] ^= 1;
	assert_int_equal(a_verify(rsa_pub, &m, di, sizeof(di), sig2, len2),
			 CKR_SIGNATURE_INVALID);
	di[5] ^= 1;
	assert_int_equal(a_verify(rsa_pub, &m, di, sizeof(di), sig2, len2 - 1),
			 CKR_SIGNATURE_LEN_RANGE);
	assert_int_equal(a_verify(rsa_pub, &m, di, sizeof(di), sig2, 0),
			 CKR_SIGNATURE_LEN_RANGE);
	/* input bound: modulus - 11 */
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(a_sign(rsa, &m, big, 245, sig, &len), CKR_OK);
	assert_int_equal(o_verify_raw(rsa_pub, RSA_PKCS1_PADDING, NULL, NULL, 0,
				      big, 245, sig, len),
			 1);
	assert_int_equal(a_sign(rsa, &m, big, 246, sig, &len),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(a_sign_multi(rsa, &m, big, 246, 100, sig, &len),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(a_verify(rsa_pub, &m, big, 246, sig2, len2),
			 CKR_DATA_LEN_RANGE);
}

struct pss_case {
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *name, *mgf_name;
	CK_ULONG salt;
};

static const struct pss_case pss_cases[] = {
    {CKM_SHA256, CKG_MGF1_SHA256, "SHA256", "SHA256", 32},
    {CKM_SHA384, CKG_MGF1_SHA384, "SHA384", "SHA384", 48},
    {CKM_SHA512, CKG_MGF1_SHA512, "SHA512", "SHA512", 64},
    {CKM_SHA256, CKG_MGF1_SHA1, "SHA256", "SHA1", 0},
    {CKM_SHA512, CKG_MGF1_SHA256, "SHA512", "SHA256", 190},
};

static void test_rsa_pss(void **state)
{
	uint8_t h[64], sig[256], sig2[256];
	size_t hl, len, len2, i;
	CK_RSA_PKCS_PSS_PARAMS pp;
	CK_MECHANISM m;

	(void)state;
	for (i = 0; i < sizeof(pss_cases) / sizeof(pss_cases[0]); i++) {
		const struct pss_case *c = &pss_cases[i];

		pp.hashAlg = c->hash;
		pp.mgf = c->mgf;
		pp.sLen = c->salt;
		m = mech(CKM_RSA_PKCS_PSS, &pp, sizeof(pp));
		sha(c->name, msg, sizeof(msg), h, &hl);
		assert_int_equal(a_sign(rsa, &m, h, hl, sig, &len), CKR_OK);
		assert_int_equal(len, 256);
		assert_int_equal(o_verify_raw(rsa_pub, RSA_PKCS1_PSS_PADDING,
					      c->name, c->mgf_name,
					      (int)c->salt, h, hl, sig, len),
				 1);
		assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig, len),
				 CKR_OK);
		assert_int_equal(a_verify_multi(rsa, &m, h, hl, 3, sig, len),
				 CKR_OK);
		len2 = sizeof(sig2);
		o_sign_raw(rsa, RSA_PKCS1_PSS_PADDING, c->name, c->mgf_name,
			   (int)c->salt, h, hl, sig2, &len2);
		assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig2, len2),
				 CKR_OK);
		/* multi-part sign verifies too (PSS is randomised) */
		assert_int_equal(a_sign_multi(rsa, &m, h, hl, 10, sig2, &len2),
				 CKR_OK);
		assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig2, len2),
				 CKR_OK);
		sig2[0] ^= 0x80;
		assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig2, len2),
				 CKR_SIGNATURE_INVALID);
		/* the hash must have the length of hashAlg */
		assert_int_equal(a_sign(rsa, &m, h, hl - 1, sig, &len),
				 CKR_DATA_LEN_RANGE);
		assert_int_equal(a_verify(rsa_pub, &m, h, hl + 1, sig, len),
				 CKR_DATA_LEN_RANGE);
		assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig, len - 1),
				 CKR_SIGNATURE_LEN_RANGE);
	}
	/* another salt length does not verify */
	pp.hashAlg = CKM_SHA256;
	pp.mgf = CKG_MGF1_SHA256;
	pp.sLen = 32;
	m = mech(CKM_RSA_PKCS_PSS, &pp, sizeof(pp));
	sha("SHA256", msg, sizeof(msg), h, &hl);
	assert_int_equal(a_sign(rsa, &m, h, hl, sig, &len), CKR_OK);
	pp.sLen = 20;
	assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig, len),
			 CKR_SIGNATURE_INVALID);
}

static void test_rsa_pss_sha1_verify(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS pp = {CKM_SHA_1, CKG_MGF1_SHA1, 20};
	CK_MECHANISM m = mech(CKM_RSA_PKCS_PSS, &pp, sizeof(pp));
	uint8_t h[20], sig[256];
	size_t hl, len = sizeof(sig);

	(void)state;
	sha("SHA1", msg, sizeof(msg), h, &hl);
	o_sign_raw(rsa, RSA_PKCS1_PSS_PADDING, "SHA1", "SHA1", 20, h, hl, sig,
		   &len);
	assert_int_equal(a_verify(rsa_pub, &m, h, hl, sig, len), CKR_OK);
	/* SHA-1 and SHA-224 only verify */
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.hashAlg = CKM_SHA224;
	pp.mgf = CKG_MGF1_SHA224;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m), CKR_OK);
	/* the MGF1 hash may be any of them */
	pp.hashAlg = CKM_SHA256;
	pp.mgf = CKG_MGF1_SHA1;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_OK);
}

static void test_rsa_pss_params(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS pp = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM m = mech(CKM_RSA_PKCS_PSS, &pp, sizeof(pp));

	(void)state;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_OK);
	m.pParameter = NULL;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 0;
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m = mech(CKM_RSA_PKCS_PSS, &pp, sizeof(pp) - 1);
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(pp);
	pp.hashAlg = CKM_MD5;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.hashAlg = CKM_SHA256;
	pp.mgf = 0;
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.mgf = 77;
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.mgf = CKG_MGF1_SHA256;
	/* 2048 bits: emLen 256, so at most 256 - 32 - 2 bytes of salt */
	pp.sLen = 222;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_OK);
	pp.sLen = 223;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.sLen = (CK_ULONG)-1;
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	pp.sLen = 0;
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_OK);
}

struct sha_case {
	CK_MECHANISM_TYPE pkcs, pss, hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *name;
	CK_ULONG hlen;
};

static const struct sha_case sha_cases[] = {
    {CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256,
     "SHA256", 32},
    {CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA384,
     "SHA384", 48},
    {CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512,
     "SHA512", 64},
};

static void test_sha_rsa_pkcs(void **state)
{
	uint8_t sig[256], sig2[256];
	size_t len, len2, i;
	CK_MECHANISM m;

	(void)state;
	for (i = 0; i < sizeof(sha_cases) / sizeof(sha_cases[0]); i++) {
		const struct sha_case *c = &sha_cases[i];

		m = mech(c->pkcs, NULL, 0);
		assert_int_equal(a_sign(rsa, &m, msg, sizeof(msg), sig, &len),
				 CKR_OK);
		assert_int_equal(len, 256);
		assert_int_equal(o_verify_msg(rsa_pub, c->name, 0, 0, msg,
					      sizeof(msg), sig, len),
				 1);
		assert_int_equal(
		    a_sign_multi(rsa, &m, msg, sizeof(msg), 9, sig2, &len2),
		    CKR_OK);
		assert_int_equal(len2, len);
		assert_memory_equal(sig, sig2, len);
		len2 = sizeof(sig2);
		o_sign_msg(rsa, c->name, 0, 0, msg, sizeof(msg), sig2, &len2);
		assert_memory_equal(sig, sig2, len);
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg), sig2, len2),
		    CKR_OK);
		assert_int_equal(a_verify_multi(rsa_pub, &m, msg, sizeof(msg),
						1, sig2, len2),
				 CKR_OK);
		/* empty message */
		assert_int_equal(a_sign(rsa, &m, NULL, 0, sig, &len), CKR_OK);
		assert_int_equal(
		    o_verify_msg(rsa_pub, c->name, 0, 0, msg, 0, sig, len), 1);
		sig2[255] ^= 1;
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg), sig2, len2),
		    CKR_SIGNATURE_INVALID);
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg) - 1, sig2, len2),
		    CKR_SIGNATURE_INVALID);
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg), sig2, 255),
		    CKR_SIGNATURE_LEN_RANGE);
		/* no parameters */
		m = mech(c->pkcs, &len, sizeof(len));
		assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
				 CKR_MECHANISM_PARAM_INVALID);
	}
}

static void test_sha_rsa_pss(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS pp;
	uint8_t sig[256], sig2[256];
	size_t len, len2, i;
	CK_MECHANISM m;

	(void)state;
	for (i = 0; i < sizeof(sha_cases) / sizeof(sha_cases[0]); i++) {
		const struct sha_case *c = &sha_cases[i];

		pp.hashAlg = c->hash;
		pp.mgf = c->mgf;
		pp.sLen = c->hlen;
		m = mech(c->pss, &pp, sizeof(pp));
		assert_int_equal(
		    a_sign_multi(rsa, &m, msg, sizeof(msg), 13, sig, &len),
		    CKR_OK);
		assert_int_equal(len, 256);
		assert_int_equal(
		    o_verify_msg(rsa_pub, c->name, RSA_PKCS1_PSS_PADDING,
				 (int)c->hlen, msg, sizeof(msg), sig, len),
		    1);
		assert_int_equal(a_sign(rsa, &m, msg, sizeof(msg), sig, &len),
				 CKR_OK);
		assert_int_equal(
		    o_verify_msg(rsa_pub, c->name, RSA_PKCS1_PSS_PADDING,
				 (int)c->hlen, msg, sizeof(msg), sig, len),
		    1);
		len2 = sizeof(sig2);
		o_sign_msg(rsa, c->name, RSA_PKCS1_PSS_PADDING, (int)c->hlen,
			   msg, sizeof(msg), sig2, &len2);
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg), sig2, len2),
		    CKR_OK);
		assert_int_equal(a_verify_multi(rsa_pub, &m, msg, sizeof(msg),
						4, sig2, len2),
				 CKR_OK);
		sig2[17] ^= 4;
		assert_int_equal(
		    a_verify(rsa_pub, &m, msg, sizeof(msg), sig2, len2),
		    CKR_SIGNATURE_INVALID);
		/* hashAlg must be the mechanism's hash */
		pp.hashAlg = c->hash == CKM_SHA256 ? CKM_SHA384 : CKM_SHA256;
		assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
				 CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
				 CKR_MECHANISM_PARAM_INVALID);
		m = mech(c->pss, NULL, 0);
		assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
				 CKR_MECHANISM_PARAM_INVALID);
	}
}

static void oaep_roundtrip(const char *md, CK_MECHANISM_TYPE hash,
			   CK_RSA_PKCS_MGF_TYPE mgf, const char *label)
{
	CK_RSA_PKCS_OAEP_PARAMS op = {hash, mgf, CKZ_DATA_SPECIFIED,
				      (void *)label, label ? strlen(label) : 0};
	CK_MECHANISM m = mech(CKM_RSA_PKCS_OAEP, &op, sizeof(op));
	uint8_t ct[256], pt[256];
	size_t ctl = sizeof(ct), ptl = sizeof(pt);
	EVP_PKEY_CTX *c;

	/* OpenSSL encrypts, the module decrypts */
	c = EVP_PKEY_CTX_new(rsa_pub, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
	rsa_opts(c, RSA_PKCS1_OAEP_PADDING, md, md, 0);
	if (label)
		assert_true(
		    EVP_PKEY_CTX_set0_rsa_oaep_label(c, OPENSSL_strdup(label),
						     (int)strlen(label)) > 0);
	assert_int_equal(EVP_PKEY_encrypt(c, ct, &ctl, msg, 40), 1);
	EVP_PKEY_CTX_free(c);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl),
			 CKR_OK);
	assert_int_equal(ptl, 40);
	assert_memory_equal(pt, msg, 40);
	/* the module encrypts with the public key, OpenSSL decrypts */
	ctl = sizeof(ct);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, msg, 33, ct, &ctl), CKR_OK);
	assert_int_equal(ctl, 256);
	c = EVP_PKEY_CTX_new(rsa, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_decrypt_init(c), 1);
	rsa_opts(c, RSA_PKCS1_OAEP_PADDING, md, md, 0);
	if (label)
		assert_true(
		    EVP_PKEY_CTX_set0_rsa_oaep_label(c, OPENSSL_strdup(label),
						     (int)strlen(label)) > 0);
	ptl = sizeof(pt);
	assert_int_equal(EVP_PKEY_decrypt(c, pt, &ptl, ct, ctl), 1);
	EVP_PKEY_CTX_free(c);
	assert_int_equal(ptl, 33);
	assert_memory_equal(pt, msg, 33);
	/* and back through the module */
	ptl = sizeof(pt);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl),
			 CKR_OK);
	assert_int_equal(ptl, 33);
	/* a changed ciphertext, or another label */
	ct[10] ^= 1;
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl),
			 CKR_ENCRYPTED_DATA_INVALID);
	ct[10] ^= 1;
	op.pSourceData = (void *)"other";
	op.ulSourceDataLen = 5;
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl),
			 CKR_ENCRYPTED_DATA_INVALID);
}

static void test_oaep(void **state)
{
	(void)state;
	oaep_roundtrip("SHA1", CKM_SHA_1, CKG_MGF1_SHA1, NULL);
	oaep_roundtrip("SHA256", CKM_SHA256, CKG_MGF1_SHA256, NULL);
	oaep_roundtrip("SHA256", CKM_SHA256, CKG_MGF1_SHA256, "a label");
	oaep_roundtrip("SHA512", CKM_SHA512, CKG_MGF1_SHA512, "x");
}

static void test_oaep_limits(void **state)
{
	CK_RSA_PKCS_OAEP_PARAMS op = {CKM_SHA256, CKG_MGF1_SHA256,
				      CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM m = mech(CKM_RSA_PKCS_OAEP, &op, sizeof(op));
	uint8_t in[257], out[256];
	static uint8_t label[1025];
	size_t len;

	(void)state;
	memset(in, 7, sizeof(in));
	/* 256 - 2 * 32 - 2 = 190 bytes at most */
	len = sizeof(out);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, in, 190, out, &len), CKR_OK);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, in, 191, out, &len),
	    CKR_DATA_LEN_RANGE);
	len = sizeof(out);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, NULL, 0, out, &len), CKR_OK);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, out, 256, out, &len),
			 CKR_OK);
	assert_int_equal(len, 0);
	/* the ciphertext is one block of the modulus */
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, in, 255, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, in, 257, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, NULL, 0, out, &len),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	/* all 0xff is over the modulus */
	memset(in, 0xff, sizeof(in));
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, in, 256, out, &len),
			 CKR_ENCRYPTED_DATA_INVALID);
	/* parameters */
	op.ulSourceDataLen = 1024;
	op.pSourceData = label;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m), CKR_OK);
	op.ulSourceDataLen = 1025;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	op.ulSourceDataLen = 3;
	op.pSourceData = NULL;
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	op.ulSourceDataLen = 0;
	op.source = 0;
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m), CKR_OK);
	op.source = 2;
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	op.source = CKZ_DATA_SPECIFIED;
	op.hashAlg = CKM_MD5;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	op.hashAlg = CKM_SHA384;
	op.mgf = 99;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	op.mgf = CKG_MGF1_SHA1;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m), CKR_OK);
	m.ulParameterLen = sizeof(op) + 1;
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m = mech(CKM_RSA_PKCS_OAEP, NULL, 0);
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	/* OAEP neither signs nor verifies */
	m = mech(CKM_RSA_PKCS_OAEP, &op, sizeof(op));
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_MECHANISM_INVALID);
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_INVALID);
}

/* Raw RSA (CKM_RSA_X_509): the module's private operation equals
 * OpenSSL's with RSA_NO_PADDING; a short input is a number with leading
 * zeros; the public operation undoes it. */
static void test_rsa_x509(void **state)
{
	CK_MECHANISM m = mech(CKM_RSA_X_509, NULL, 0);
	uint8_t blk[256], sig[256], ref[256], out[256];
	size_t len = sizeof(sig), rlen = sizeof(ref), olen = sizeof(out);

	(void)state;
	memset(blk, 0x5a, sizeof(blk));
	blk[0] = 0x00; /* below the modulus */
	assert_int_equal(a_sign(rsa, &m, blk, sizeof(blk), sig, &len), CKR_OK);
	assert_int_equal(len, 256);
	o_sign_raw(rsa, RSA_NO_PADDING, NULL, NULL, 0, blk, sizeof(blk), ref,
		   &rlen);
	assert_int_equal(rlen, 256);
	assert_memory_equal(sig, ref, 256);
	assert_int_equal(a_verify(rsa_pub, &m, blk, sizeof(blk), sig, len),
			 CKR_OK);
	/* The same number without its leading zero byte. */
	len = sizeof(sig);
	assert_int_equal(a_sign(rsa, &m, blk + 1, sizeof(blk) - 1, sig, &len),
			 CKR_OK);
	assert_memory_equal(sig, ref, 256);
	/* Encrypt with the public key, decrypt with the private one. */
	len = sizeof(sig);
	assert_int_equal(a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, blk + 1,
				 sizeof(blk) - 1, sig, &len),
			 CKR_OK);
	assert_int_equal(
	    a_crypt(rsa, OC_ASYM_DECRYPT, &m, sig, len, out, &olen), CKR_OK);
	assert_int_equal(olen, 256);
	assert_memory_equal(out, blk, 256);
	/* Longer than the modulus, and EC keys: refused. */
	len = sizeof(sig);
	assert_int_equal(a_sign(rsa, &m, blk, 0, sig, &len),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
}

static void test_rsa_pkcs_crypt(void **state)
{
	CK_MECHANISM m = mech(CKM_RSA_PKCS, NULL, 0);
	uint8_t ct[256], pt[256], in[246];
	size_t ctl = sizeof(ct), ptl = sizeof(pt);
	EVP_PKEY_CTX *c;
	CK_RV rv;

	(void)state;
	c = EVP_PKEY_CTX_new(rsa_pub, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0);
	assert_int_equal(EVP_PKEY_encrypt(c, ct, &ctl, msg, 48), 1);
	EVP_PKEY_CTX_free(c);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl),
			 CKR_OK);
	assert_int_equal(ptl, 48);
	assert_memory_equal(pt, msg, 48);

	ctl = sizeof(ct);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, msg, 64, ct, &ctl), CKR_OK);
	assert_int_equal(ctl, 256);
	c = EVP_PKEY_CTX_new(rsa, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_decrypt_init(c), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0);
	ptl = sizeof(pt);
	assert_int_equal(EVP_PKEY_decrypt(c, pt, &ptl, ct, ctl), 1);
	EVP_PKEY_CTX_free(c);
	assert_int_equal(ptl, 64);
	assert_memory_equal(pt, msg, 64);

	/* A broken block: an error, or (implicit rejection, OpenSSL 3.2
	 * on) a synthetic plaintext that is not the message. */
	ct[0] ^= 0x01;
	ptl = sizeof(pt);
	rv = a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, ctl, pt, &ptl);
	if (rv == CKR_OK)
		assert_false(ptl == 64 && memcmp(pt, msg, 64) == 0);
	else
		assert_int_equal(rv, CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	memset(ct, 0xff, sizeof(ct));
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, 256, pt, &ptl),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	/* lengths */
	memset(in, 1, sizeof(in));
	ctl = sizeof(ct);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, in, 245, ct, &ctl), CKR_OK);
	assert_int_equal(
	    a_crypt(rsa_pub, OC_ASYM_ENCRYPT, &m, in, 246, ct, &ctl),
	    CKR_DATA_LEN_RANGE);
	assert_int_equal(a_crypt(rsa, OC_ASYM_DECRYPT, &m, ct, 255, pt, &ptl),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
}

struct ec_case {
	EVP_PKEY **key;
	size_t half;
};

static void test_ecdsa(void **state)
{
	static const struct ec_case cases[] = {
	    {&p256, 32}, {&p384, 48}, {&p521, 66}};
	static const size_t hlens[] = {20, 32, 48, 64, 1};
	CK_MECHANISM m = mech(CKM_ECDSA, NULL, 0);
	uint8_t h[65], sig[132], der[160], sig2[132];
	size_t i, j, len, dl;

	(void)state;
	memset(h, 0, sizeof(h));
	sha("SHA512", msg, sizeof(msg), h, &len);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = *cases[i].key;
		size_t half = cases[i].half;

		for (j = 0; j < sizeof(hlens) / sizeof(hlens[0]); j++) {
			size_t hl = hlens[j];

			assert_int_equal(a_sign(k, &m, h, hl, sig, &len),
					 CKR_OK);
			assert_int_equal(len, 2 * half);
			dl = to_der(sig, len, der);
			assert_int_equal(
			    o_verify_raw(k, 0, NULL, NULL, 0, h, hl, der, dl),
			    1);
			assert_int_equal(a_verify(k, &m, h, hl, sig, len),
					 CKR_OK);
			assert_int_equal(
			    a_verify_multi(k, &m, h, hl, 7, sig, len), CKR_OK);
			/* OpenSSL signs, the module verifies */
			dl = sizeof(der);
			o_sign_raw(k, 0, NULL, NULL, 0, h, hl, der, &dl);
			to_rs(der, dl, half, sig2);
			assert_int_equal(a_verify(k, &m, h, hl, sig2, 2 * half),
					 CKR_OK);
			sig2[2 * half - 1] ^= 1;
			assert_int_equal(a_verify(k, &m, h, hl, sig2, 2 * half),
					 CKR_SIGNATURE_INVALID);
		}
		/* multi-part sign of the hash */
		assert_int_equal(a_sign_multi(k, &m, h, 32, 5, sig, &len),
				 CKR_OK);
		assert_int_equal(a_verify(k, &m, h, 32, sig, len), CKR_OK);
		/* r = 0 never verifies; neither does a wrong length */
		memset(sig2, 0, half);
		assert_int_equal(a_verify(k, &m, h, 32, sig2, 2 * half),
				 CKR_SIGNATURE_INVALID);
		assert_int_equal(a_verify(k, &m, h, 32, sig, len - 1),
				 CKR_SIGNATURE_LEN_RANGE);
		assert_int_equal(a_verify(k, &m, h, 32, sig, len + 1),
				 CKR_SIGNATURE_LEN_RANGE);
		assert_int_equal(a_verify(k, &m, h, 32, der, dl),
				 CKR_SIGNATURE_LEN_RANGE);
		/* the input is a hash: 1..64 bytes */
		assert_int_equal(a_sign(k, &m, h, 65, sig, &len),
				 CKR_DATA_LEN_RANGE);
		assert_int_equal(a_sign(k, &m, NULL, 0, sig, &len),
				 CKR_DATA_LEN_RANGE);
		assert_int_equal(a_sign_multi(k, &m, h, 65, 64, sig, &len),
				 CKR_DATA_LEN_RANGE);
		len = 2 * half;
		assert_int_equal(a_verify(k, &m, h, 65, sig, len),
				 CKR_DATA_LEN_RANGE);
	}
	/* no parameters */
	m = mech(CKM_ECDSA, h, 4);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	/* a pointer with length 0 is no parameter */
	m = mech(CKM_ECDSA, h, 0);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m), CKR_OK);
}

static void test_ecdsa_sha(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE t;
		const char *md;
	} cases[] = {{CKM_ECDSA_SHA256, "SHA256"},
		     {CKM_ECDSA_SHA384, "SHA384"}};
	EVP_PKEY *keys[] = {p256, p384, p521};
	uint8_t sig[132], der[160], sig2[132], big[200];
	size_t i, j, len, dl, half;
	CK_MECHANISM m;

	(void)state;
	memset(big, 0xa5, sizeof(big));
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 3; j++) {
			EVP_PKEY *k = keys[j];

			m = mech(cases[i].t, NULL, 0);
			assert_int_equal(a_sign_multi(k, &m, msg, sizeof(msg),
						      11, sig, &len),
					 CKR_OK);
			half = len / 2;
			dl = to_der(sig, len, der);
			assert_int_equal(o_verify_msg(k, cases[i].md, 0, 0, msg,
						      sizeof(msg), der, dl),
					 1);
			assert_int_equal(
			    a_verify(k, &m, msg, sizeof(msg), sig, len),
			    CKR_OK);
			/* single-part, longer than a hash */
			assert_int_equal(
			    a_sign(k, &m, big, sizeof(big), sig, &len), CKR_OK);
			assert_int_equal(a_verify_multi(k, &m, big, sizeof(big),
							64, sig, len),
					 CKR_OK);
			dl = sizeof(der);
			o_sign_msg(k, cases[i].md, 0, 0, msg, sizeof(msg), der,
				   &dl);
			to_rs(der, dl, half, sig2);
			assert_int_equal(a_verify_multi(k, &m, msg, sizeof(msg),
							3, sig2, 2 * half),
					 CKR_OK);
			sig2[3] ^= 0x40;
			assert_int_equal(
			    a_verify(k, &m, msg, sizeof(msg), sig2, 2 * half),
			    CKR_SIGNATURE_INVALID);
			assert_int_equal(a_verify(k, &m, msg, sizeof(msg), sig2,
						  2 * half + 2),
					 CKR_SIGNATURE_LEN_RANGE);
		}
	}
}

static void test_eddsa(void **state)
{
	struct {
		CK_BBOOL ph;
		CK_ULONG ctx_len;
		CK_BYTE_PTR ctx;
	} ep = {CK_FALSE, 0, NULL};
	CK_MECHANISM m = mech(CKM_EDDSA, NULL, 0);
	uint8_t sig[64], sig2[64], *big;
	size_t len, len2;
	struct oc_asym op;

	(void)state;
	assert_int_equal(a_sign(ed, &m, msg, sizeof(msg), sig, &len), CKR_OK);
	assert_int_equal(len, 64);
	assert_int_equal(
	    o_verify_msg(ed_pub, NULL, 0, 0, msg, sizeof(msg), sig, len), 1);
	/* Ed25519 is deterministic: OpenSSL's signature is the same */
	len2 = sizeof(sig2);
	o_sign_msg(ed, NULL, 0, 0, msg, sizeof(msg), sig2, &len2);
	assert_memory_equal(sig, sig2, 64);
	assert_int_equal(a_sign_multi(ed, &m, msg, sizeof(msg), 6, sig2, &len2),
			 CKR_OK);
	assert_memory_equal(sig, sig2, 64);
	assert_int_equal(a_verify(ed_pub, &m, msg, sizeof(msg), sig, len),
			 CKR_OK);
	assert_int_equal(
	    a_verify_multi(ed_pub, &m, msg, sizeof(msg), 2, sig, len), CKR_OK);
	/* empty message */
	assert_int_equal(a_sign(ed, &m, NULL, 0, sig2, &len2), CKR_OK);
	assert_int_equal(o_verify_msg(ed_pub, NULL, 0, 0, msg, 0, sig2, len2),
			 1);
	sig[63] ^= 0x02;
	assert_int_equal(a_verify(ed_pub, &m, msg, sizeof(msg), sig, len),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(a_verify(ed_pub, &m, msg, sizeof(msg), sig, 63),
			 CKR_SIGNATURE_LEN_RANGE);
	assert_int_equal(a_verify(ed_pub, &m, msg, sizeof(msg), sig, 65),
			 CKR_SIGNATURE_LEN_RANGE);
	/* parameters: pure Ed25519 only */
	m = mech(CKM_EDDSA, &ep, sizeof(ep));
	assert_int_equal(a_init(ed, OC_ASYM_SIGN, &m), CKR_OK);
	ep.ph = CK_TRUE;
	assert_int_equal(a_init(ed, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	ep.ph = CK_FALSE;
	ep.ctx_len = 3;
	ep.ctx = (CK_BYTE_PTR) "abc";
	assert_int_equal(a_init(ed, OC_ASYM_VERIFY, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m = mech(CKM_EDDSA, &ep, sizeof(ep) - 1);
	assert_int_equal(a_init(ed, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	m = mech(CKM_EDDSA, NULL, sizeof(ep));
	assert_int_equal(a_init(ed, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	/* EdDSA neither encrypts nor decrypts */
	m = mech(CKM_EDDSA, NULL, 0);
	assert_int_equal(a_init(ed, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(a_init(ed, OC_ASYM_ENCRYPT, &m),
			 CKR_MECHANISM_INVALID);
	/* the collected message is bounded */
	big = calloc(1, OC_ASYM_MAX_INPUT + 1);
	assert_non_null(big);
	assert_int_equal(a_sign(ed, &m, big, OC_ASYM_MAX_INPUT, sig, &len),
			 CKR_OK);
	assert_int_equal(
	    o_verify_msg(ed_pub, NULL, 0, 0, big, OC_ASYM_MAX_INPUT, sig, len),
	    1);
	assert_int_equal(
	    a_sign_multi(ed, &m, big, OC_ASYM_MAX_INPUT, 4096, sig2, &len2),
	    CKR_OK);
	assert_memory_equal(sig, sig2, 64);
	assert_int_equal(a_sign(ed, &m, big, OC_ASYM_MAX_INPUT + 1, sig, &len),
			 CKR_DATA_LEN_RANGE);
	assert_int_equal(
	    a_verify(ed_pub, &m, big, OC_ASYM_MAX_INPUT + 1, sig, len),
	    CKR_DATA_LEN_RANGE);
	memset(&op, 0, sizeof(op));
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, ed), CKR_OK);
	assert_int_equal(oc_asym_update(&op, big, OC_ASYM_MAX_INPUT), CKR_OK);
	assert_int_equal(oc_asym_update(&op, big, 1), CKR_DATA_LEN_RANGE);
	oc_asym_clear(&op);
	free(big);
}

static void test_key_mismatch(void **state)
{
	CK_RSA_PKCS_PSS_PARAMS pp = {CKM_SHA256, CKG_MGF1_SHA256, 32};
	CK_MECHANISM m;

	(void)state;
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(ed, OC_ASYM_VERIFY, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	m = mech(CKM_ECDSA_SHA384, NULL, 0);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_VERIFY, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(p256, OC_ASYM_DECRYPT, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(ed_pub, OC_ASYM_ENCRYPT, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	m = mech(CKM_SHA256_RSA_PKCS_PSS, &pp, sizeof(pp));
	assert_int_equal(a_init(p384, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	m = mech(CKM_EDDSA, NULL, 0);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(rsa, OC_ASYM_VERIFY, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	/* public-only keys verify and encrypt, but never sign or decrypt */
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_DECRYPT, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_VERIFY, &m), CKR_OK);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m), CKR_OK);
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(a_init(p256_pub, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(a_init(p256_pub, OC_ASYM_VERIFY, &m), CKR_OK);
	m = mech(CKM_EDDSA, NULL, 0);
	assert_int_equal(a_init(ed_pub, OC_ASYM_SIGN, &m),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_mech_invalid(void **state)
{
	CK_MECHANISM m;

	(void)state;
	m = mech(CKM_AES_GCM, NULL, 0);
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_MECHANISM_INVALID);
	m = mech(CKM_SHA1_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m), CKR_MECHANISM_INVALID);
	m = mech(CKM_ECDSA_SHA512, NULL, 0);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m), CKR_MECHANISM_INVALID);
	m = mech(CKM_SHA256_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(rsa, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m),
			 CKR_MECHANISM_INVALID);
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(a_init(p256, OC_ASYM_DECRYPT, &m),
			 CKR_MECHANISM_INVALID);
	/* the mechanism is checked before the key */
	m = mech(CKM_RSA_PKCS_OAEP, NULL, 0);
	assert_int_equal(a_init(p256, OC_ASYM_SIGN, &m), CKR_MECHANISM_INVALID);
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(rsa, (enum oc_asym_use)0, &m),
			 CKR_MECHANISM_INVALID);
	m = mech(CKM_RSA_PKCS, "x", 1);
	assert_int_equal(a_init(rsa, OC_ASYM_SIGN, &m),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(a_init(rsa_pub, OC_ASYM_ENCRYPT, &m),
			 CKR_MECHANISM_PARAM_INVALID);
}

static void test_key_size(void **state)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp224r1");
	CK_MECHANISM m = mech(CKM_RSA_PKCS, NULL, 0);

	(void)state;
	assert_non_null(small);
	assert_non_null(k1);
	assert_int_equal(a_init(small, OC_ASYM_SIGN, &m), CKR_KEY_SIZE_RANGE);
	assert_int_equal(a_init(small, OC_ASYM_ENCRYPT, &m),
			 CKR_KEY_SIZE_RANGE);
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(a_init(k1, OC_ASYM_SIGN, &m), CKR_KEY_SIZE_RANGE);
	EVP_PKEY_free(small);
	EVP_PKEY_free(k1);
}

/* A key parsed into the module's own library context works the same. */
static void test_private_libctx(void **state)
{
	CK_MECHANISM m = mech(CKM_SHA256_RSA_PKCS, NULL, 0);
	unsigned char *der = NULL;
	const unsigned char *p;
	uint8_t sig[256];
	size_t len;
	EVP_PKEY *k;
	int n;

	(void)state;
	n = i2d_PrivateKey(rsa, &der);
	assert_true(n > 0);
	p = der;
	k = d2i_PrivateKey_ex(EVP_PKEY_RSA, NULL, &p, n, oc_ossl_libctx(),
			      NULL);
	OPENSSL_clear_free(der, (size_t)n);
	assert_non_null(k);
	assert_int_equal(a_sign(k, &m, msg, sizeof(msg), sig, &len), CKR_OK);
	assert_int_equal(
	    o_verify_msg(rsa_pub, "SHA256", 0, 0, msg, sizeof(msg), sig, len),
	    1);
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(a_init(k, OC_ASYM_DECRYPT, &m), CKR_OK);
	EVP_PKEY_free(k);

	der = NULL;
	n = i2d_PrivateKey(ed, &der);
	assert_true(n > 0);
	p = der;
	k = d2i_PrivateKey_ex(EVP_PKEY_ED25519, NULL, &p, n, oc_ossl_libctx(),
			      NULL);
	OPENSSL_clear_free(der, (size_t)n);
	assert_non_null(k);
	m = mech(CKM_EDDSA, NULL, 0);
	assert_int_equal(a_sign(k, &m, msg, sizeof(msg), sig, &len), CKR_OK);
	assert_int_equal(
	    o_verify_msg(ed_pub, NULL, 0, 0, msg, sizeof(msg), sig, len), 1);
	EVP_PKEY_free(k);
}

static void test_state(void **state)
{
	static const struct oc_asym zero;
	CK_MECHANISM m = mech(CKM_ECDSA_SHA256, NULL, 0);
	uint8_t sig[64], h[32] = {1};
	struct oc_asym op;
	size_t len;

	(void)state;
	memset(&op, 0, sizeof(op));
	oc_asym_clear(&op);
	oc_asym_clear(&op);
	oc_asym_clear(NULL);
	assert_memory_equal(&op, &zero, sizeof(op));
	/* nothing started */
	assert_int_equal(oc_asym_update(&op, h, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_sign(&op, h, 1, sig, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_verify(&op, h, 1, sig, 64),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_crypt(&op, h, 1, sig, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_init(NULL, OC_ASYM_SIGN, &m, p256),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, NULL, p256),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_memory_equal(&op, &zero, sizeof(op));

	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, p256), CKR_OK);
	assert_true(op.active);
	assert_int_equal(op.out_len, 64);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, p256),
			 CKR_OPERATION_ACTIVE);
	/* a sign operation neither verifies nor decrypts */
	assert_int_equal(oc_asym_verify(&op, h, 1, sig, 64),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_crypt(&op, h, 1, sig, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_update(&op, NULL, 1), CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_sign(&op, h, 1, NULL, &len),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_update(&op, h, sizeof(h)), CKR_OK);
	assert_int_equal(oc_asym_sign(&op, NULL, 0, sig, &len), CKR_OK);
	assert_int_equal(len, 64);
	oc_asym_clear(&op);
	assert_memory_equal(&op, &zero, sizeof(op));
	oc_asym_clear(&op);

	/* a collected input is wiped and freed by clear */
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_VERIFY, &m, p256), CKR_OK);
	assert_int_equal(oc_asym_update(&op, h, sizeof(h)), CKR_OK);
	assert_int_equal(op.in.len, sizeof(h));
	assert_true(op.in.secret);
	oc_asym_clear(&op);
	assert_memory_equal(&op, &zero, sizeof(op));

	/* an encrypt operation takes no update */
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_ENCRYPT, &m, rsa_pub),
			 CKR_OK);
	assert_int_equal(op.out_len, 256);
	assert_int_equal(oc_asym_update(&op, h, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(oc_asym_sign(&op, h, 1, sig, &len),
			 CKR_OPERATION_NOT_INITIALIZED);
	oc_asym_clear(&op);

	/* bad arguments; the final call overflowing what updates collected */
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_DECRYPT, &m, rsa), CKR_OK);
	assert_int_equal(oc_asym_crypt(&op, NULL, 1, sig, &len),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_crypt(&op, h, 1, NULL, &len),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_crypt(&op, h, 1, sig, NULL),
			 CKR_ARGUMENTS_BAD);
	oc_asym_clear(&op);
	m = mech(CKM_ECDSA, NULL, 0);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_VERIFY, &m, p256), CKR_OK);
	assert_int_equal(oc_asym_verify(&op, NULL, 1, sig, 64),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_verify(&op, h, 1, NULL, 64),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_verify(NULL, h, 1, sig, 64),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(oc_asym_update(&op, h, 32), CKR_OK);
	assert_int_equal(oc_asym_update(&op, h, 32), CKR_OK);
	assert_int_equal(oc_asym_verify(&op, h, 1, sig, 64),
			 CKR_DATA_LEN_RANGE);
	oc_asym_clear(&op);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, p256), CKR_OK);
	assert_int_equal(oc_asym_update(&op, h, 32), CKR_OK);
	assert_int_equal(oc_asym_update(&op, h, 32), CKR_OK);
	assert_int_equal(oc_asym_sign(&op, h, 1, sig, &len),
			 CKR_DATA_LEN_RANGE);
	oc_asym_clear(&op);

	/* a failed init leaves the operation cleared */
	m = mech(CKM_RSA_PKCS, "x", 1);
	assert_int_equal(oc_asym_init(&op, OC_ASYM_SIGN, &m, rsa),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_memory_equal(&op, &zero, sizeof(op));
}

/* Failures leave nothing in OpenSSL's error queue. */
static void test_error_queue(void **state)
{
	CK_MECHANISM m = mech(CKM_SHA256_RSA_PKCS, NULL, 0);
	uint8_t sig[256];

	(void)state;
	memset(sig, 0x11, sizeof(sig));
	ERR_clear_error();
	assert_int_equal(a_verify(rsa_pub, &m, msg, sizeof(msg), sig, 256),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	m = mech(CKM_RSA_PKCS, NULL, 0);
	assert_int_equal(a_verify(rsa_pub, &m, msg, 32, sig, 256),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
	m = mech(CKM_ECDSA, NULL, 0);
	memset(sig, 0xff, 64);
	assert_int_equal(a_verify(p256, &m, msg, 32, sig, 64),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mech_info),
	    cmocka_unit_test(test_rsa_pkcs_sign),
	    cmocka_unit_test(test_rsa_pss),
	    cmocka_unit_test(test_rsa_pss_sha1_verify),
	    cmocka_unit_test(test_rsa_pss_params),
	    cmocka_unit_test(test_sha_rsa_pkcs),
	    cmocka_unit_test(test_sha_rsa_pss),
	    cmocka_unit_test(test_oaep),
	    cmocka_unit_test(test_oaep_limits),
	    cmocka_unit_test(test_rsa_pkcs_crypt),
	    cmocka_unit_test(test_rsa_x509),
	    cmocka_unit_test(test_ecdsa),
	    cmocka_unit_test(test_ecdsa_sha),
	    cmocka_unit_test(test_eddsa),
	    cmocka_unit_test(test_key_mismatch),
	    cmocka_unit_test(test_mech_invalid),
	    cmocka_unit_test(test_key_size),
	    cmocka_unit_test(test_private_libctx),
	    cmocka_unit_test(test_state),
	    cmocka_unit_test(test_error_queue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
