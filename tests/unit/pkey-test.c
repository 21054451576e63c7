/* pkey-test.c - src/pkey.c and src/openssh-key.c: every accepted format
 * and key type, the public facts PKCS#11 shows, and every refusal with
 * its reason.  Keys are generated at test time; the OpenSSH fixtures in
 * tests/unit/data/pkey were made with ssh-keygen (test keys only). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "codec.h"
#include "err.h"
#include "openssh-key.h"
#include "pkey.h"

#ifndef OC_PKEY_TEST_DATA
#define OC_PKEY_TEST_DATA "tests/unit/data/pkey"
#endif

static const char *const ssh_keys[] = {
    "openssh-ed25519",	 "openssh-ecdsa-256", "openssh-ecdsa-384",
    "openssh-ecdsa-521", "openssh-rsa-2048",
};
#define N_SSH (sizeof(ssh_keys) / sizeof(ssh_keys[0]))

/* Keys generated once for the whole run: RSA keygen is slow. */
static EVP_PKEY *rsa2048, *p256, *p384, *p521, *ed25519;

struct blob {
	uint8_t *p;
	size_t n;
};

static void blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

static struct blob bio_take(BIO *bio)
{
	struct blob b = {NULL, 0};
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);

	assert_true(n > 0);
	b.p = malloc((size_t)n + 1);
	assert_non_null(b.p);
	memcpy(b.p, data, (size_t)n);
	b.p[n] = 0;
	b.n = (size_t)n;
	BIO_free(bio);
	return b;
}

static struct blob cat(const struct blob *a, const void *p, size_t n)
{
	struct blob b;

	b.n = a->n + n;
	b.p = malloc(b.n + 1);
	assert_non_null(b.p);
	memcpy(b.p, a->p, a->n);
	memcpy(b.p + a->n, p, n);
	b.p[b.n] = 0;
	return b;
}

static struct blob read_data(const char *name)
{
	char path[512];
	const char *top = getenv("top_srcdir");
	struct blob b = {NULL, 0};
	FILE *f;
	long n;

	if (top != NULL && *top != '\0')
		snprintf(path, sizeof(path), "%s/tests/unit/data/pkey/%s", top,
			 name);
	else
		snprintf(path, sizeof(path), "%s/%s", OC_PKEY_TEST_DATA, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b.p = malloc((size_t)n + 1);
	assert_non_null(b.p);
	assert_int_equal(fread(b.p, 1, (size_t)n, f), (size_t)n);
	b.p[n] = 0;
	b.n = (size_t)n;
	fclose(f);
	return b;
}

enum fmt { PEM_PKCS8, PEM_TRAD, DER_PKCS8, DER_TRAD };

static struct blob encode_key(EVP_PKEY *k, enum fmt f)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	switch (f) {
	case PEM_PKCS8:
		assert_int_equal(
		    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL),
		    1);
		break;
	case PEM_TRAD:
		assert_int_equal(PEM_write_bio_PrivateKey_traditional(
				     bio, k, NULL, NULL, 0, NULL, NULL),
				 1);
		break;
	case DER_PKCS8:
		assert_int_equal(
		    i2d_PKCS8PrivateKey_bio(bio, k, NULL, NULL, 0, NULL, NULL),
		    1);
		break;
	case DER_TRAD:
		assert_int_equal(i2d_PrivateKey_bio(bio, k), 1);
		break;
	}
	return bio_take(bio);
}

static X509 *self_signed(EVP_PKEY *k)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234567),
			 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(
			     name, "CN", MBSTRING_ASC,
			     (const unsigned char *)"pkey test", -1, -1, 0),
			 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_true(
	    X509_sign(x, k, EVP_PKEY_is_a(k, "ED25519") ? NULL : EVP_sha256()) >
	    0);
	return x;
}

static struct blob cert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	return bio_take(bio);
}

static struct blob cert_der(X509 *x)
{
	struct blob b;
	unsigned char *p;
	int n = i2d_X509(x, NULL);

	assert_true(n > 0);
	b.p = malloc((size_t)n);
	assert_non_null(b.p);
	p = b.p;
	assert_int_equal(i2d_X509(x, &p), n);
	b.n = (size_t)n;
	return b;
}

/* SHA-1 of the DER SubjectPublicKeyInfo, computed by the test. */
static void expected_id(EVP_PKEY *k, uint8_t id[OC_PKEY_ID_LEN])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);

	assert_true(n > 0);
	assert_int_equal(EVP_Digest(der, (size_t)n, id, NULL, EVP_sha1(), NULL),
			 1);
	OPENSSL_free(der);
}

/* A signature made with priv verifies with pub. */
static void sign_verify(EVP_PKEY *priv, EVP_PKEY *pub)
{
	static const unsigned char msg[] = "pkey test message";
	unsigned char sig[1100];
	size_t siglen = sizeof(sig);
	const char *md = EVP_PKEY_is_a(priv, "ED25519") ? NULL : "SHA256";
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_non_null(c);
	assert_int_equal(
	    EVP_DigestSignInit_ex(c, NULL, md, NULL, NULL, priv, NULL), 1);
	assert_int_equal(EVP_DigestSign(c, sig, &siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(c);
	c = EVP_MD_CTX_new();
	assert_non_null(c);
	assert_int_equal(
	    EVP_DigestVerifyInit_ex(c, NULL, md, NULL, NULL, pub, NULL), 1);
	assert_int_equal(EVP_DigestVerify(c, sig, siglen, msg, sizeof(msg)), 1);
	EVP_MD_CTX_free(c);
}

static EVP_PKEY *parse_ok(const struct blob *b)
{
	EVP_PKEY *k = NULL;
	char why[200] = "x";
	int rc = oc_pkey_parse_private(b->p, b->n, &k, why, sizeof(why));

	if (rc != OC_OK)
		fail_msg("parse failed: %d %s", rc, why);
	assert_non_null(k);
	assert_non_null(EVP_PKEY_get0_provider(k));
	assert_int_equal(ERR_peek_error(), 0);
	return k;
}

/* The private parser refuses with rc and exactly the reason. */
static void key_refused(const uint8_t *p, size_t n, int want_rc,
			const char *want_why)
{
	EVP_PKEY *k = (EVP_PKEY *)&k; /* a sentinel: must stay untouched */
	char why[200];
	int rc;

	memset(why, 'x', sizeof(why));
	rc = oc_pkey_parse_private(p, n, &k, why, sizeof(why));
	if (rc != want_rc || (want_why != NULL && strcmp(why, want_why) != 0))
		fail_msg("got %d \"%s\", wanted %d \"%s\"", rc, why, want_rc,
			 want_why ? want_why : "(any)");
	assert_ptr_equal(k, (EVP_PKEY *)&k);
	assert_true(strlen(why) > 0);
	assert_int_equal(ERR_peek_error(), 0);
}

static void cert_refused(const uint8_t *p, size_t n, int want_rc,
			 const char *want_why)
{
	struct oc_pkey_cert c;
	EVP_PKEY *k = (EVP_PKEY *)&k;
	char why[200];
	int rc;

	memset(&c, 0x5a, sizeof(c));
	rc = oc_pkey_parse_cert(p, n, &c, &k, why, sizeof(why));
	if (rc != want_rc || (want_why != NULL && strcmp(why, want_why) != 0))
		fail_msg("got %d \"%s\", wanted %d \"%s\"", rc, why, want_rc,
			 want_why ? want_why : "(any)");
	assert_ptr_equal(k, (EVP_PKEY *)&k);
	assert_ptr_equal(c.der, (uint8_t *)0x5a5a5a5a5a5a5a5aULL);
	assert_int_equal(ERR_peek_error(), 0);
}

static void check_pub(EVP_PKEY *parsed, EVP_PKEY *orig)
{
	struct oc_pkey_pub p;
	uint8_t id[OC_PKEY_ID_LEN], buf[1100];
	unsigned char *spki = NULL;
	BIGNUM *bn = NULL;
	size_t len = 0;
	int n;

	assert_int_equal(oc_pkey_pub_of(parsed, &p), OC_OK);
	expected_id(orig, id);
	assert_memory_equal(p.id, id, OC_PKEY_ID_LEN);
	n = i2d_PUBKEY(orig, &spki);
	assert_int_equal(p.spki_len, (size_t)n);
	assert_memory_equal(p.spki, spki, p.spki_len);
	OPENSSL_free(spki);
	if (EVP_PKEY_is_a(orig, "RSA")) {
		assert_int_equal(p.alg, OC_PKEY_RSA);
		assert_int_equal(p.bits, EVP_PKEY_get_bits(orig));
		assert_int_equal(
		    EVP_PKEY_get_bn_param(orig, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
		assert_int_equal(p.modulus_len, (size_t)BN_num_bytes(bn));
		BN_bn2bin(bn, buf);
		assert_memory_equal(p.modulus, buf, p.modulus_len);
		assert_true(p.modulus[0] != 0);
		BN_free(bn);
		assert_int_equal(p.exponent_len, 3);
		assert_memory_equal(p.exponent, "\x01\x00\x01", 3);
		assert_int_equal(p.ec_params_len, 0);
		assert_int_equal(p.ec_point_len, 0);
	} else if (EVP_PKEY_is_a(orig, "EC")) {
		char group[64];
		const unsigned char *q;
		ASN1_OBJECT *obj;

		assert_int_equal(p.alg, OC_PKEY_EC);
		assert_int_equal(p.bits, EVP_PKEY_get_bits(orig));
		assert_int_equal(EVP_PKEY_get_utf8_string_param(
				     orig, OSSL_PKEY_PARAM_GROUP_NAME, group,
				     sizeof(group), NULL),
				 1);
		/* CKA_EC_PARAMS: the DER OID of the curve. */
		q = p.ec_params;
		obj = d2i_ASN1_OBJECT(NULL, &q, (long)p.ec_params_len);
		assert_non_null(obj);
		assert_ptr_equal(q, p.ec_params + p.ec_params_len);
		assert_int_equal(OBJ_obj2nid(obj), OBJ_sn2nid(group));
		ASN1_OBJECT_free(obj);
		/* CKA_EC_POINT: DER OCTET STRING of 04||X||Y. */
		assert_int_equal(EVP_PKEY_get_octet_string_param(
				     orig, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
				     buf, sizeof(buf), &len),
				 1);
		assert_int_equal(buf[0], 0x04);
		assert_int_equal(p.ec_point[0], 0x04);
		if (len < 128) {
			assert_int_equal(p.ec_point_len, 2 + len);
			assert_int_equal(p.ec_point[1], len);
			assert_memory_equal(p.ec_point + 2, buf, len);
		} else {
			assert_int_equal(p.ec_point_len, 3 + len);
			assert_int_equal(p.ec_point[1], 0x81);
			assert_int_equal(p.ec_point[2], len);
			assert_memory_equal(p.ec_point + 3, buf, len);
		}
		assert_int_equal(p.modulus_len, 0);
	} else {
		assert_int_equal(p.alg, OC_PKEY_ED25519);
		assert_int_equal(p.bits, 255);
		assert_int_equal(p.ec_params_len, 5);
		assert_memory_equal(p.ec_params, "\x06\x03\x2b\x65\x70", 5);
		len = sizeof(buf);
		assert_int_equal(EVP_PKEY_get_raw_public_key(orig, buf, &len),
				 1);
		assert_int_equal(len, 32);
		assert_int_equal(p.ec_point_len, 34);
		assert_memory_equal(p.ec_point, "\x04\x20", 2);
		assert_memory_equal(p.ec_point + 2, buf, 32);
	}
	oc_pkey_pub_free(&p);
	assert_null(p.spki);
	oc_pkey_pub_free(NULL);
}

static int setup(void **state)
{
	(void)state;
	rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return rsa2048 && p256 && p384 && p521 && ed25519 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(ed25519);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Accepted */

static void each_format(EVP_PKEY *orig, bool trad)
{
	static const enum fmt fmts[] = {PEM_PKCS8, DER_PKCS8, PEM_TRAD,
					DER_TRAD};

	for (size_t i = 0; i < (trad ? 4u : 2u); i++) {
		struct blob b = encode_key(orig, fmts[i]);
		EVP_PKEY *k = parse_ok(&b), *pub = NULL;

		assert_int_equal(EVP_PKEY_eq(k, orig), 1);
		check_pub(k, orig);
		sign_verify(k, orig);
		assert_int_equal(oc_pkey_public_copy(k, &pub), OC_OK);
		assert_int_equal(EVP_PKEY_eq(pub, orig), 1);
		sign_verify(orig, pub);
		check_pub(pub, orig);
		EVP_PKEY_free(pub);
		EVP_PKEY_free(k);
		blob_free(&b);
	}
}

static void test_rsa_formats(void **state)
{
	(void)state;
	each_format(rsa2048, true);
}

static void test_ec_formats(void **state)
{
	(void)state;
	each_format(p256, true);
	each_format(p384, true);
	each_format(p521, true);
}

static void test_ed25519_formats(void **state)
{
	(void)state;
	each_format(ed25519, false);
}

static void test_rsa_sizes(void **state)
{
	EVP_PKEY *big = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	struct blob b = encode_key(big, PEM_PKCS8);
	EVP_PKEY *k = parse_ok(&b);

	(void)state;
	check_pub(k, big);
	EVP_PKEY_free(k);
	EVP_PKEY_free(big);
	blob_free(&b);
}

/* `openssl ecparam -genkey` writes EC PARAMETERS before the key. */
static void test_ec_parameters_block(void **state)
{
	static const char params[] = "-----BEGIN EC PARAMETERS-----\n"
				     "BggqhkjOPQMBBw==\n"
				     "-----END EC PARAMETERS-----\n";
	struct blob key = encode_key(p256, PEM_TRAD), b;
	struct blob pre = {(uint8_t *)params, sizeof(params) - 1};
	EVP_PKEY *k;

	(void)state;
	b = cat(&pre, key.p, key.n);
	k = parse_ok(&b);
	assert_int_equal(EVP_PKEY_eq(k, p256), 1);
	EVP_PKEY_free(k);
	blob_free(&b);
	blob_free(&key);
}

/* Text in front (e.g. "Bag Attributes" from a PKCS#12 export), and a
 * certificate beside the key. */
static void test_pem_with_text_and_cert(void **state)
{
	static const char text[] = "Bag Attributes\n"
				   "    localKeyID: 01 02 03\n";
	struct blob pre = {(uint8_t *)text, sizeof(text) - 1};
	struct blob key = encode_key(rsa2048, PEM_PKCS8), b, c;
	X509 *x = self_signed(rsa2048);
	struct blob crt = cert_pem(x);
	EVP_PKEY *k;

	(void)state;
	b = cat(&pre, key.p, key.n);
	c = cat(&b, crt.p, crt.n);
	k = parse_ok(&c);
	assert_int_equal(EVP_PKEY_eq(k, rsa2048), 1);
	EVP_PKEY_free(k);
	blob_free(&b);
	blob_free(&c);
	blob_free(&crt);
	blob_free(&key);
	X509_free(x);
}

static void test_openssh_fixtures(void **state)
{
	char name[64];

	(void)state;
	for (size_t i = 0; i < N_SSH; i++) {
		struct blob b = read_data(ssh_keys[i]), s;
		EVP_PKEY *k, *spki, *pub = NULL;
		BIO *bio;
		char why[200];

		assert_true(oc_openssh_key_is(b.p, b.n));
		k = parse_ok(&b);
		snprintf(name, sizeof(name), "%s.spki.pem", ssh_keys[i]);
		s = read_data(name);
		bio = BIO_new_mem_buf(s.p, (int)s.n);
		spki = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		assert_non_null(spki);
		BIO_free(bio);
		/* The same ID as ssh-keygen's own export of the public key. */
		assert_int_equal(EVP_PKEY_eq(k, spki), 1);
		check_pub(k, spki);
		sign_verify(k, spki);
		assert_int_equal(oc_pkey_public_copy(k, &pub), OC_OK);
		sign_verify(k, pub);
		EVP_PKEY_free(pub);
		EVP_PKEY_free(k);
		/* The parser called directly keeps the same contract. */
		k = NULL;
		assert_int_equal(
		    oc_openssh_key_parse(b.p, b.n, &k, why, sizeof(why)),
		    OC_OK);
		assert_int_equal(EVP_PKEY_eq(k, spki), 1);
		EVP_PKEY_free(k);
		EVP_PKEY_free(spki);
		blob_free(&s);
		blob_free(&b);
	}
}

/* ------------------------------------------------------------------ */
/* Certificates */

static void test_cert_pairs_with_key(void **state)
{
	EVP_PKEY *keys[] = {rsa2048, p256, p384, p521, ed25519};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		X509 *x = self_signed(keys[i]);
		struct blob pem = cert_pem(x), der = cert_der(x);
		struct blob key = encode_key(keys[i], PEM_PKCS8);
		struct oc_pkey_pub kp;
		EVP_PKEY *k = parse_ok(&key);
		unsigned char *p;
		uint8_t buf[512];
		int n;

		assert_int_equal(oc_pkey_pub_of(k, &kp), OC_OK);
		for (int form = 0; form < 2; form++) {
			const struct blob *in = form ? &der : &pem;
			struct oc_pkey_cert c;
			EVP_PKEY *ck = NULL;
			char why[200];

			assert_int_equal(oc_pkey_parse_cert(in->p, in->n, &c,
							    &ck, why,
							    sizeof(why)),
					 OC_OK);
			assert_int_equal(ERR_peek_error(), 0);
			assert_memory_equal(c.pub.id, kp.id, OC_PKEY_ID_LEN);
			assert_int_equal(c.pub.spki_len, kp.spki_len);
			assert_memory_equal(c.pub.spki, kp.spki, kp.spki_len);
			assert_int_equal(c.der_len, der.n);
			assert_memory_equal(c.der, der.p, der.n);
			p = buf;
			n = i2d_X509_NAME(X509_get_subject_name(x), &p);
			assert_int_equal(c.subject_len, (size_t)n);
			assert_memory_equal(c.subject, buf, (size_t)n);
			p = buf;
			n = i2d_X509_NAME(X509_get_issuer_name(x), &p);
			assert_int_equal(c.issuer_len, (size_t)n);
			assert_memory_equal(c.issuer, buf, (size_t)n);
			assert_int_equal(c.serial_len, 6);
			assert_memory_equal(c.serial,
					    "\x02\x04\x01\x23\x45\x67", 6);
			assert_non_null(ck);
			/* a provider key, never a legacy (engine) one */
			assert_non_null(EVP_PKEY_get0_provider(ck));
			assert_int_equal(EVP_PKEY_eq(ck, keys[i]), 1);
			sign_verify(k, ck);
			EVP_PKEY_free(ck);
			oc_pkey_cert_free(&c);
			assert_null(c.der);
			/* key is optional */
			assert_int_equal(
			    oc_pkey_parse_cert(in->p, in->n, &c, NULL, NULL, 0),
			    OC_OK);
			oc_pkey_cert_free(&c);
		}
		oc_pkey_cert_free(NULL);
		oc_pkey_pub_free(&kp);
		EVP_PKEY_free(k);
		blob_free(&key);
		blob_free(&pem);
		blob_free(&der);
		X509_free(x);
	}
}

/* A chain with text around it: the first certificate is the leaf. */
static void test_cert_chain(void **state)
{
	static const char text[] = "subject=CN = pkey test\n"
				   "issuer=CN = pkey test\n";
	X509 *leaf = self_signed(p256), *ca = self_signed(rsa2048);
	struct blob pre = {(uint8_t *)text, sizeof(text) - 1};
	struct blob l = cert_pem(leaf), c2 = cert_pem(ca), der = cert_der(leaf);
	struct blob a = cat(&pre, l.p, l.n), b = cat(&a, c2.p, c2.n);
	struct blob tail = cat(&b, "trailer\n", 8);
	struct oc_pkey_cert c;

	(void)state;
	assert_int_equal(oc_pkey_parse_cert(tail.p, tail.n, &c, NULL, NULL, 0),
			 OC_OK);
	assert_int_equal(c.der_len, der.n);
	assert_memory_equal(c.der, der.p, der.n);
	assert_int_equal(c.pub.alg, OC_PKEY_EC);
	oc_pkey_cert_free(&c);
	blob_free(&a);
	blob_free(&b);
	blob_free(&tail);
	blob_free(&l);
	blob_free(&c2);
	blob_free(&der);
	X509_free(leaf);
	X509_free(ca);
}

static void test_cert_refusals(void **state)
{
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *r1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	X509 *x = self_signed(p256), *xk1 = self_signed(k1),
	     *xr = self_signed(r1024);
	struct blob der = cert_der(x), pem = cert_pem(x), more, cut;
	struct blob key = encode_key(p256, PEM_PKCS8);
	struct blob kder = encode_key(p256, DER_PKCS8);
	struct blob k1c = cert_pem(xk1), rc = cert_der(xr);
	struct blob big = {calloc(1, OC_PKEY_MAX_INPUT + 1),
			   OC_PKEY_MAX_INPUT + 1};
	uint8_t *star;

	(void)state;
	assert_non_null(big.p);
	more = cat(&der, "", 1);
	cert_refused(more.p, more.n, OC_ERR_PARSE,
		     "trailing data after the DER certificate");
	cert_refused(der.p, der.n - 1, OC_ERR_PARSE, "truncated DER");
	cert_refused(key.p, key.n, OC_ERR_PARSE,
		     "not a certificate (a private key)");
	cert_refused(kder.p, kder.n, OC_ERR_PARSE, "not a certificate");
	cert_refused(k1c.p, k1c.n, OC_ERR_UNSUPPORTED,
		     "certificate key: unsupported curve secp256k1");
	cert_refused(rc.p, rc.n, OC_ERR_UNSUPPORTED,
		     "certificate key: RSA key of 1024 bits is below 2048");
	cert_refused(big.p, big.n, OC_ERR_RANGE, NULL);
	cert_refused((const uint8_t *)"", 0, OC_ERR_PARSE, "empty input");
	cert_refused((const uint8_t *)"hello", 5, OC_ERR_PARSE,
		     "not a certificate");
	/* corrupt base64 inside the block */
	cut = cat(&pem, "", 0);
	star = memchr(cut.p + 30, 'A', cut.n - 30);
	if (star == NULL)
		star = cut.p + 40;
	*star = '*';
	cert_refused(cut.p, cut.n, OC_ERR_PARSE,
		     "corrupt base64 in the CERTIFICATE block");
	blob_free(&cut);
	/* no END line */
	cut = cat(&pem, "", 0);
	cut.n -= 20;
	cert_refused(cut.p, cut.n, OC_ERR_PARSE, "malformed or truncated PEM");
	blob_free(&cut);
	/* every prefix of the DER fails cleanly */
	for (size_t n = 0; n < der.n; n++)
		cert_refused(der.p, n, OC_ERR_PARSE, NULL);
	assert_int_equal(oc_pkey_parse_cert(der.p, der.n, NULL, NULL, NULL, 0),
			 OC_ERR_ARGS);
	blob_free(&big);
	blob_free(&more);
	blob_free(&der);
	blob_free(&pem);
	blob_free(&key);
	blob_free(&kder);
	blob_free(&k1c);
	blob_free(&rc);
	X509_free(x);
	X509_free(xk1);
	X509_free(xr);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(r1024);
}

/* ------------------------------------------------------------------ */
/* Refused private keys */

static struct blob encrypted(EVP_PKEY *k, enum fmt f)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char pass[] = "pass";

	assert_non_null(bio);
	switch (f) {
	case PEM_PKCS8:
		assert_int_equal(
		    PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_128_cbc(),
						  pass, 4, NULL, NULL),
		    1);
		break;
	case DER_PKCS8:
		assert_int_equal(i2d_PKCS8PrivateKey_bio(bio, k,
							 EVP_aes_128_cbc(),
							 pass, 4, NULL, NULL),
				 1);
		break;
	default:
		assert_int_equal(PEM_write_bio_PrivateKey_traditional(
				     bio, k, EVP_aes_128_cbc(),
				     (unsigned char *)pass, 4, NULL, NULL),
				 1);
		break;
	}
	return bio_take(bio);
}

static void test_encrypted(void **state)
{
	static const char reason[] = "encrypted private key (no passphrase)";
	EVP_PKEY *keys[] = {rsa2048, p256};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct blob a = encrypted(keys[i], PEM_PKCS8);
		struct blob b = encrypted(keys[i], DER_PKCS8);
		struct blob c = encrypted(keys[i], PEM_TRAD);

		key_refused(a.p, a.n, OC_ERR_UNSUPPORTED, reason);
		key_refused(b.p, b.n, OC_ERR_UNSUPPORTED, reason);
		key_refused(c.p, c.n, OC_ERR_UNSUPPORTED, reason);
		blob_free(&a);
		blob_free(&b);
		blob_free(&c);
	}
}

static void test_encrypted_openssh(void **state)
{
	struct blob b = read_data("openssh-encrypted");

	(void)state;
	key_refused(b.p, b.n, OC_ERR_UNSUPPORTED,
		    "encrypted OpenSSH key (no passphrase)");
	blob_free(&b);
}

/* Well-formed OpenSSH keys of a refused size or type. */
static void test_openssh_refused(void **state)
{
	struct blob a = read_data("openssh-rsa-1024");
	struct blob b = read_data("openssh-dsa");

	(void)state;
	key_refused(a.p, a.n, OC_ERR_UNSUPPORTED,
		    "RSA key of 1024 bits is below 2048");
	key_refused(b.p, b.n, OC_ERR_UNSUPPORTED,
		    "unsupported key type ssh-dss");
	blob_free(&a);
	blob_free(&b);
}

static void refuse_key(EVP_PKEY *k, int rc, const char *why)
{
	struct blob a = encode_key(k, PEM_PKCS8);
	struct blob b = encode_key(k, DER_PKCS8);

	key_refused(a.p, a.n, rc, why);
	key_refused(b.p, b.n, rc, why);
	assert_int_equal(oc_pkey_check(k, NULL, 0), OC_ERR_UNSUPPORTED);
	blob_free(&a);
	blob_free(&b);
}

static void test_unsupported(void **state)
{
	EVP_PKEY *k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *r1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	EVP_PKEY *p224 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");
	struct oc_pkey_pub p;
	char why[100];

	(void)state;
	refuse_key(k1, OC_ERR_UNSUPPORTED, "unsupported curve secp256k1");
	refuse_key(p224, OC_ERR_UNSUPPORTED, "unsupported curve secp224r1");
	refuse_key(r1024, OC_ERR_UNSUPPORTED,
		   "RSA key of 1024 bits is below 2048");
	refuse_key(ed448, OC_ERR_UNSUPPORTED, "unsupported key type ED448");
	refuse_key(x25519, OC_ERR_UNSUPPORTED, "unsupported key type X25519");
	assert_int_equal(oc_pkey_pub_of(k1, &p), OC_ERR_UNSUPPORTED);
	assert_int_equal(oc_pkey_check(rsa2048, why, sizeof(why)), OC_OK);
	assert_int_equal(oc_pkey_check(ed25519, why, sizeof(why)), OC_OK);
	assert_int_equal(oc_pkey_check(p521, why, sizeof(why)), OC_OK);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(r1024);
	EVP_PKEY_free(ed448);
	EVP_PKEY_free(x25519);
	EVP_PKEY_free(p224);
}

static void test_not_a_private_key(void **state)
{
	X509 *x = self_signed(rsa2048);
	struct blob pem = cert_pem(x), der = cert_der(x);
	BIO *bio = BIO_new(BIO_s_mem());
	struct blob pub;
	unsigned char *spki = NULL;
	int n;

	(void)state;
	key_refused(pem.p, pem.n, OC_ERR_PARSE,
		    "not a private key (a certificate)");
	key_refused(der.p, der.n, OC_ERR_PARSE, "not a private key");
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa2048), 1);
	pub = bio_take(bio);
	key_refused(pub.p, pub.n, OC_ERR_PARSE,
		    "not a private key (a public key)");
	n = i2d_PUBKEY(p256, &spki);
	key_refused(spki, (size_t)n, OC_ERR_PARSE, NULL);
	OPENSSL_free(spki);
	key_refused((const uint8_t *)"", 0, OC_ERR_PARSE, "empty input");
	key_refused((const uint8_t *)" \n\t", 3, OC_ERR_PARSE, "empty input");
	key_refused((const uint8_t *)"hello world", 11, OC_ERR_PARSE,
		    "not a private key (unrecognised format)");
	key_refused((const uint8_t *)"-----BEGIN PRIVATE KEY-----\nAAAA\n", 33,
		    OC_ERR_PARSE, "malformed or truncated PEM");
	key_refused((const uint8_t *)"-----BEGIN PRIVATE KEY-----\nAAAA\n"
				     "-----END PRIVATE KEY-----\n",
		    59, OC_ERR_PARSE, "malformed PRIVATE KEY block");
	assert_int_equal(oc_pkey_parse_private(pem.p, pem.n, NULL, NULL, 0),
			 OC_ERR_ARGS);
	assert_int_equal(
	    oc_pkey_parse_private(NULL, 1, (EVP_PKEY **)&spki, NULL, 0),
	    OC_ERR_ARGS);
	blob_free(&pub);
	blob_free(&pem);
	blob_free(&der);
	X509_free(x);
}

static void test_trailing_and_oversize(void **state)
{
	struct blob pem = encode_key(p256, PEM_PKCS8);
	struct blob der = encode_key(p256, DER_PKCS8);
	struct blob ssh = read_data("openssh-ed25519");
	struct blob a = cat(&pem, "junk\n", 5), b = cat(&der, "\0", 1);
	struct blob c = cat(&ssh, "junk\n", 5), ws = cat(&pem, "\n\n  \n", 5);
	struct blob two = cat(&pem, pem.p, pem.n);
	struct blob big = {malloc(OC_PKEY_MAX_INPUT + 1),
			   OC_PKEY_MAX_INPUT + 1};
	EVP_PKEY *k;

	(void)state;
	key_refused(a.p, a.n, OC_ERR_PARSE,
		    "trailing data after the PEM block");
	key_refused(b.p, b.n, OC_ERR_PARSE, "trailing data after the DER key");
	key_refused(der.p, der.n - 1, OC_ERR_PARSE, "truncated DER");
	key_refused(c.p, c.n, OC_ERR_PARSE,
		    "trailing data after the OpenSSH key");
	key_refused(two.p, two.n, OC_ERR_PARSE,
		    "more than one private key in the PEM input");
	k = parse_ok(&ws); /* trailing whitespace is fine */
	EVP_PKEY_free(k);
	assert_non_null(big.p);
	/* Oversize is refused before anything is read, whatever it holds. */
	memset(big.p, 'A', big.n); /* banned-ok: test filler */
	memcpy(big.p, pem.p, pem.n);
	key_refused(big.p, big.n, OC_ERR_RANGE, NULL);
	memcpy(big.p, ssh.p, ssh.n);
	key_refused(big.p, big.n, OC_ERR_RANGE, NULL);
	k = (EVP_PKEY *)&k;
	assert_int_equal(oc_openssh_key_parse(big.p, big.n, &k, NULL, 0),
			 OC_ERR_RANGE);
	assert_ptr_equal(k, (EVP_PKEY *)&k);
	/* Exactly at the limit is read (and here refused as a parse). */
	key_refused(big.p, OC_PKEY_MAX_INPUT, OC_ERR_PARSE, NULL);
	blob_free(&big);
	blob_free(&a);
	blob_free(&b);
	blob_free(&c);
	blob_free(&ws);
	blob_free(&two);
	blob_free(&pem);
	blob_free(&der);
	blob_free(&ssh);
}

/* ------------------------------------------------------------------ */
/* OpenSSH: the container taken apart and rebuilt */

struct ssh_bin {
	uint8_t *p;
	size_t n;
	size_t priv;	 /* offset of the private section's content */
	size_t priv_len; /* its length */
	size_t pub;	 /* offset of the public blob's content */
	size_t pub_len;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct ssh_bin ssh_decode(const char *name)
{
	struct blob t = read_data(name);
	struct ssh_bin s;
	const char *b = strchr((char *)t.p, '\n') + 1;
	const char *e = strstr(b, "-----END");
	size_t pos = 15;

	s.p = malloc(t.n);
	assert_non_null(s.p);
	assert_int_equal(oc_base64_decode(b, (size_t)(e - b), s.p, t.n, &s.n),
			 OC_OK);
	for (int i = 0; i < 3; i++)
		pos += 4 + be32(s.p + pos);
	pos += 4; /* number of keys */
	s.pub = pos + 4;
	s.pub_len = be32(s.p + pos);
	pos = s.pub + s.pub_len;
	s.priv = pos + 4;
	s.priv_len = be32(s.p + pos);
	assert_int_equal(s.priv + s.priv_len, s.n);
	blob_free(&t);
	return s;
}

/* Wraps binary as an OpenSSH PEM file (70-column lines). */
static struct blob ssh_encode(const uint8_t *p, size_t n)
{
	size_t blen = oc_base64_len(n);
	char *b64 = malloc(blen + 1);
	struct blob out;
	size_t o = 0;

	assert_non_null(b64);
	assert_int_equal(oc_base64_encode(p, n, b64, blen + 1), OC_OK);
	out.p = malloc(blen + blen / 70 + 128);
	assert_non_null(out.p);
	o += (size_t)snprintf((char *)out.p, 64,
			      "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (size_t i = 0; i < blen; i += 70) {
		size_t l = blen - i < 70 ? blen - i : 70;

		memcpy(out.p + o, b64 + i, l);
		o += l;
		out.p[o++] = '\n';
	}
	o += (size_t)snprintf((char *)out.p + o, 64,
			      "-----END OPENSSH PRIVATE KEY-----\n");
	out.n = o;
	free(b64);
	return out;
}

static void ssh_refused(const uint8_t *p, size_t n, int rc, const char *why)
{
	struct blob t = ssh_encode(p, n);

	key_refused(t.p, t.n, rc, why);
	blob_free(&t);
}

static void test_openssh_roundtrip_encoder(void **state)
{
	(void)state;
	/* Sanity of the test's own re-encoder: unchanged input parses. */
	for (size_t i = 0; i < N_SSH; i++) {
		struct ssh_bin s = ssh_decode(ssh_keys[i]);
		struct blob t = ssh_encode(s.p, s.n);
		EVP_PKEY *k = parse_ok(&t);

		EVP_PKEY_free(k);
		blob_free(&t);
		free(s.p);
	}
}

static void test_openssh_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SSH; i++) {
		struct ssh_bin s = ssh_decode(ssh_keys[i]);
		struct blob t = read_data(ssh_keys[i]);
		const char *end = strstr((char *)t.p, "-----END");
		size_t full = (size_t)(end - (char *)t.p) +
			      strlen("-----END OPENSSH PRIVATE KEY-----");

		/* Every prefix of the binary, re-encoded. */
		for (size_t n = 0; n < s.n; n++)
			ssh_refused(s.p, n, OC_ERR_PARSE, NULL);
		/* Every prefix of the text. */
		for (size_t n = 1; n < t.n; n++) {
			EVP_PKEY *k = NULL;
			char why[200];
			int rc =
			    oc_pkey_parse_private(t.p, n, &k, why, sizeof(why));

			if (n >= full) {
				assert_int_equal(rc, OC_OK);
				EVP_PKEY_free(k);
			} else {
				assert_int_equal(rc, OC_ERR_PARSE);
				assert_null(k);
			}
		}
		assert_int_equal(ERR_peek_error(), 0);
		blob_free(&t);
		free(s.p);
	}
}

static void test_openssh_corrupt(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SSH; i++) {
		struct ssh_bin s = ssh_decode(ssh_keys[i]);
		struct blob t = read_data(ssh_keys[i]), x;
		uint8_t *c = malloc(s.n + 8);
		size_t last = s.priv + s.priv_len - 1;

		assert_non_null(c);
		/* corrupt base64 */
		x = cat(&t, "", 0);
		x.p[60] = '*';
		key_refused(x.p, x.n, OC_ERR_PARSE,
			    "corrupt base64 in the OpenSSH key");
		blob_free(&x);
		/* check words differ */
		memcpy(c, s.p, s.n);
		c[s.priv + 7] ^= 1;
		ssh_refused(c, s.n, OC_ERR_PARSE,
			    "OpenSSH key check words differ");
		/* bad padding: every fixture ends in 1, 2, ... */
		memcpy(c, s.p, s.n);
		assert_true(c[last] >= 1 && c[last] <= 7);
		c[last] ^= 0x40;
		ssh_refused(c, s.n, OC_ERR_PARSE,
			    "bad padding in the OpenSSH key");
		/* eight more bytes of "padding" */
		memcpy(c, s.p, s.n);
		for (size_t j = 0; j < 8; j++)
			c[s.n + j] = (uint8_t)(c[last] + 1 + j);
		put32(c + s.priv - 4, (uint32_t)s.priv_len + 8);
		ssh_refused(c, s.n + 8, OC_ERR_PARSE,
			    "bad padding in the OpenSSH key");
		/* a private section not a multiple of 8 */
		memcpy(c, s.p, s.n);
		put32(c + s.priv - 4, (uint32_t)s.priv_len - 1);
		ssh_refused(c, s.n - 1, OC_ERR_PARSE,
			    "malformed OpenSSH private section");
		/* trailing data after the private section */
		memcpy(c, s.p, s.n);
		c[s.n] = 0;
		ssh_refused(c, s.n + 1, OC_ERR_PARSE,
			    "trailing data in the OpenSSH key");
		/* two keys */
		memcpy(c, s.p, s.n);
		put32(c + s.pub - 8, 2);
		ssh_refused(c, s.n, OC_ERR_UNSUPPORTED,
			    "OpenSSH key file with 2 keys");
		/* bad magic */
		memcpy(c, s.p, s.n);
		c[3] = 'X';
		ssh_refused(c, s.n, OC_ERR_PARSE, "not an openssh-key-v1 key");
		/* public key differs from the private one (last byte of the
		 * public blob is key material for every type) */
		memcpy(c, s.p, s.n);
		c[s.pub + s.pub_len - 1] ^= 1;
		ssh_refused(c, s.n, OC_ERR_PARSE, NULL);
		/* every single-byte change in the private section is refused
		 * or yields the same key: the comment alone may change */
		for (size_t j = s.priv; j < s.n; j++) {
			EVP_PKEY *k = NULL;
			struct blob e;
			char why[200];

			memcpy(c, s.p, s.n);
			c[j] ^= 0x01;
			e = ssh_encode(c, s.n);
			if (oc_pkey_parse_private(e.p, e.n, &k, why,
						  sizeof(why)) == OC_OK) {
				struct blob o = ssh_encode(s.p, s.n);
				EVP_PKEY *ok = parse_ok(&o);

				assert_int_equal(EVP_PKEY_eq(k, ok), 1);
				sign_verify(k, ok);
				EVP_PKEY_free(ok);
				EVP_PKEY_free(k);
				blob_free(&o);
			}
			assert_int_equal(ERR_peek_error(), 0);
			blob_free(&e);
		}
		free(c);
		blob_free(&t);
		free(s.p);
	}
}

/* A key type the module does not know, and cipher "none" with a kdf. */
static void test_openssh_other_types(void **state)
{
	struct ssh_bin s = ssh_decode("openssh-ed25519");
	uint8_t *c = malloc(s.n);
	uint8_t *hit;

	(void)state;
	assert_non_null(c);
	memcpy(c, s.p, s.n);
	/* "ssh-ed25519" -> "ssh-xd25519" in both places */
	while ((hit = memmem(c, s.n, "ssh-ed25519", 11)) != NULL)
		hit[4] = 'x';
	ssh_refused(c, s.n, OC_ERR_UNSUPPORTED,
		    "unsupported key type ssh-xd25519");
	memcpy(c, s.p, s.n);
	hit = memmem(c, s.n, "none", 4);
	assert_non_null(hit);
	hit = memmem(hit + 4, s.n - (size_t)(hit + 4 - c), "none", 4);
	assert_non_null(hit);
	hit[0] = 'N';
	ssh_refused(c, s.n, OC_ERR_PARSE, "malformed OpenSSH key (kdf)");
	/* only the public type changed */
	memcpy(c, s.p, s.n);
	hit = memmem(c, s.n, "ssh-ed25519", 11);
	hit[4] = 'x';
	ssh_refused(c, s.n, OC_ERR_PARSE,
		    "OpenSSH public and private key types differ");
	free(c);
	free(s.p);
	assert_false(oc_openssh_key_is((const uint8_t *)"-----BEGIN", 10));
	assert_false(oc_openssh_key_is(NULL, 0));
	assert_true(oc_openssh_key_is(
	    (const uint8_t *)"\n  -----BEGIN OPENSSH PRIVATE KEY-----", 38));
}

/* Every algorithm answers whether it holds its private half: a key pair
 * does, its public copy does not (OpenSSL 3.0.19 refused the size-only
 * query for EC that 3.0.16 answered, and every EC key read as public). */
static void test_has_private(void **state)
{
	EVP_PKEY *keys[] = {rsa2048, p256, p384, p521, ed25519};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		EVP_PKEY *pub = NULL;

		assert_true(oc_pkey_has_private(keys[i]));
		assert_int_equal(oc_pkey_public_copy(keys[i], &pub), OC_OK);
		assert_false(oc_pkey_has_private(pub));
		EVP_PKEY_free(pub);
	}
	assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rsa_formats),
	    cmocka_unit_test(test_ec_formats),
	    cmocka_unit_test(test_ed25519_formats),
	    cmocka_unit_test(test_rsa_sizes),
	    cmocka_unit_test(test_ec_parameters_block),
	    cmocka_unit_test(test_pem_with_text_and_cert),
	    cmocka_unit_test(test_openssh_fixtures),
	    cmocka_unit_test(test_cert_pairs_with_key),
	    cmocka_unit_test(test_cert_chain),
	    cmocka_unit_test(test_cert_refusals),
	    cmocka_unit_test(test_encrypted),
	    cmocka_unit_test(test_encrypted_openssh),
	    cmocka_unit_test(test_openssh_refused),
	    cmocka_unit_test(test_unsupported),
	    cmocka_unit_test(test_not_a_private_key),
	    cmocka_unit_test(test_has_private),
	    cmocka_unit_test(test_trailing_and_oversize),
	    cmocka_unit_test(test_openssh_roundtrip_encoder),
	    cmocka_unit_test(test_openssh_truncated),
	    cmocka_unit_test(test_openssh_corrupt),
	    cmocka_unit_test(test_openssh_other_types),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
