/* tokenkey-tpm-test.c - src/tokenkey against a TPM 2.0 behind tpm2-pkcs11
 * (swtpm): an RSA key found by its pkcs11: URI decrypts what OpenSSL
 * encrypted with its public key (RSA-OAEP, SHA-256), a changed ciphertext
 * does not open and the key works after it, an EC key's ECDSA signature
 * verifies with OpenSSL, and a wrong PIN is refused.  The latency of one
 * decryption and one signature is printed, not asserted.
 *
 * The token comes from tests/tpm/tokenkey-tpm.sh (tests/tpm-lib.sh), which
 * passes it in the environment: OC_TPM_MODULE, OC_TPM_TOKEN, OC_TPM_RSA
 * and OC_TPM_EC (object labels), OC_TPM_RSA_PUB and OC_TPM_EC_PUB (their
 * public keys, PEM), OC_TPM_PIN_FILE, OC_TPM_BAD_PIN_FILE, and optionally
 * OC_TPM_RUNS (operations timed, default 20).  Exit 77 without them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "err.h"
#include "tokenkey/tokenkey.h"

static const char *module, *token, *rsa_name, *ec_name, *pin_file,
    *bad_pin_file;
static EVP_PKEY *rsa_pub, *ec_pub;
static unsigned long runs = 20;

static EVP_PKEY *read_pub(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f)
		fail_msg("cannot open %s", path);
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		fail_msg("no public key in %s", path);
	return k;
}

static int setup(void **state)
{
	(void)state;
	rsa_pub = read_pub(getenv("OC_TPM_RSA_PUB"));
	ec_pub = read_pub(getenv("OC_TPM_EC_PUB"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(ec_pub);
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The URI of the private key labelled object. */
static struct oc_tk_open_args args(const char *object, enum oc_tk_kind kind)
{
	static char uris[2][256];
	static unsigned next;
	char *uri = uris[next++ % 2];

	snprintf(uri, sizeof(uris[0]), "pkcs11:token=%s;object=%s;type=private",
		 token, object);
	return (struct oc_tk_open_args){
	    .uri = uri,
	    .module = module,
	    .loader = OC_TK_DLOPEN,
	    .kind = kind,
	    .pin_file = pin_file,
	};
}

static struct oc_tk_key *open_ok(const struct oc_tk_open_args *a)
{
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;
	double t0 = now_ms();
	int err = oc_tk_key_open(a, &k, &e);

	if (err)
		fail_msg("%s: %s (0x%lx)", a->uri, e.msg, e.ckr);
	assert_non_null(k);
	printf("tpm: open %s (load, login, find): %.1f ms\n", a->uri,
	       now_ms() - t0);
	return k;
}

static size_t oaep_encrypt(const uint8_t *pt, size_t n, uint8_t ct[256])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_pub, NULL);
	size_t len = 256;

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_encrypt_init(c), 1);
	assert_int_equal(
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_encrypt(c, ct, &len, pt, n), 1);
	EVP_PKEY_CTX_free(c);
	return len;
}

static void print_times(const char *what, const double *ms, unsigned long n)
{
	double sum = 0, lo = ms[0], hi = ms[0];

	for (unsigned long i = 0; i < n; i++) {
		sum += ms[i];
		lo = ms[i] < lo ? ms[i] : lo;
		hi = ms[i] > hi ? ms[i] : hi;
	}
	printf("tpm: %s: mean %.1f ms, min %.1f, max %.1f over %lu runs\n",
	       what, sum / (double)n, lo, hi, n);
}

static void test_rsa_oaep(void **state)
{
	struct oc_tk_open_args a = args(rsa_name, OC_TK_RSA);
	/* A CMEK key sealed to the token is 32 bytes. */
	static const uint8_t pt[32] = "a 32-byte key sealed to the TPM";
	uint8_t ct[256], out[256], small[8];
	size_t ct_len, out_len = 0;
	double *ms = calloc(runs, sizeof(*ms));
	struct oc_tk_key *k;

	(void)state;
	assert_non_null(ms);
	k = open_ok(&a);
	ct_len = oaep_encrypt(pt, sizeof(pt), ct);
	assert_int_equal(ct_len, 256);
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len,
						out, sizeof(out), &out_len),
			 OC_OK);
	assert_int_equal(out_len, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len,
						small, sizeof(small), &out_len),
			 OC_ERR_RANGE);

	/* A changed ciphertext does not open, twice (tpm2-pkcs11 keeps the
	 * failed operation active in its session), and the key works
	 * after. */
	ct[7] ^= 1;
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len,
						out, sizeof(out), &out_len),
			 OC_ERR_DECRYPT);
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len,
						out, sizeof(out), &out_len),
			 OC_ERR_DECRYPT);
	ct[7] ^= 1;
	memset(out, 0, sizeof(out));
	assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct, ct_len,
						out, sizeof(out), &out_len),
			 OC_OK);
	assert_memory_equal(out, pt, sizeof(pt));

	for (unsigned long i = 0; i < runs; i++) {
		double t0 = now_ms();

		assert_int_equal(oc_tk_rsa_oaep_decrypt(k, OC_TK_SHA256, ct,
							ct_len, out,
							sizeof(out), &out_len),
				 OC_OK);
		ms[i] = now_ms() - t0;
	}
	print_times("RSA-2048 OAEP-SHA256 decrypt", ms, runs);
	oc_tk_key_free(k);
	free(ms);
}

static void verify_ecdsa(const uint8_t digest[32], const uint8_t sig[64])
{
	uint8_t der[80], *p = der;
	ECDSA_SIG *s = ECDSA_SIG_new();
	EVP_PKEY_CTX *c;
	int der_len;

	assert_non_null(s);
	assert_int_equal(ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL),
					BN_bin2bn(sig + 32, 32, NULL)),
			 1);
	der_len = i2d_ECDSA_SIG(s, &p);
	assert_true(der_len > 0);
	ECDSA_SIG_free(s);
	c = EVP_PKEY_CTX_new_from_pkey(NULL, ec_pub, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	assert_int_equal(EVP_PKEY_verify(c, der, (size_t)der_len, digest, 32),
			 1);
	EVP_PKEY_CTX_free(c);
}

static void test_ecdsa(void **state)
{
	struct oc_tk_open_args a = args(ec_name, OC_TK_EC);
	uint8_t digest[32], sig[64];
	size_t sig_len = 0;
	double *ms = calloc(runs, sizeof(*ms));
	struct oc_tk_key *k;

	(void)state;
	assert_non_null(ms);
	assert_int_equal(
	    EVP_Digest("signed in a TPM", 15, digest, NULL, EVP_sha256(), NULL),
	    1);
	k = open_ok(&a);
	assert_int_equal(oc_tk_ecdsa_sign(k, digest, sizeof(digest), sig,
					  sizeof(sig), &sig_len),
			 OC_OK);
	assert_int_equal(sig_len, 64);
	verify_ecdsa(digest, sig);

	for (unsigned long i = 0; i < runs; i++) {
		double t0 = now_ms();

		assert_int_equal(oc_tk_ecdsa_sign(k, digest, sizeof(digest),
						  sig, sizeof(sig), &sig_len),
				 OC_OK);
		ms[i] = now_ms() - t0;
	}
	print_times("ECDSA P-256 sign", ms, runs);
	verify_ecdsa(digest, sig);
	oc_tk_key_free(k);
	free(ms);
}

/* The RSA key by a URI that names its class, the kind the EC key. */
static void test_wrong_kind(void **state)
{
	struct oc_tk_open_args a = args(rsa_name, OC_TK_EC);
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;

	(void)state;
	assert_int_not_equal(oc_tk_key_open(&a, &k, &e), OC_OK);
	assert_null(k);
}

static void test_wrong_pin(void **state)
{
	struct oc_tk_open_args a = args(rsa_name, OC_TK_RSA);
	struct oc_tk_key *k = NULL;
	struct oc_tk_err e;

	(void)state;
	a.pin_file = bad_pin_file;
	assert_int_equal(oc_tk_key_open(&a, &k, &e), OC_ERR_UNAUTHORIZED);
	assert_int_equal(e.stage, OC_TK_AT_LOGIN);
	assert_non_null(strstr(e.msg, "refused the PIN"));
	assert_null(k);
	/* The right PIN still works after it. */
	a.pin_file = pin_file;
	oc_tk_key_free(open_ok(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* First: a key a failed test leaves open keeps the token
	     * logged in. */
	    cmocka_unit_test(test_wrong_pin),
	    cmocka_unit_test(test_rsa_oaep),
	    cmocka_unit_test(test_ecdsa),
	    cmocka_unit_test(test_wrong_kind),
	};
	const char *r = getenv("OC_TPM_RUNS");

	module = getenv("OC_TPM_MODULE");
	token = getenv("OC_TPM_TOKEN");
	rsa_name = getenv("OC_TPM_RSA");
	ec_name = getenv("OC_TPM_EC");
	pin_file = getenv("OC_TPM_PIN_FILE");
	bad_pin_file = getenv("OC_TPM_BAD_PIN_FILE");
	if (!module || !token || !rsa_name || !ec_name || !pin_file ||
	    !bad_pin_file || !getenv("OC_TPM_RSA_PUB") ||
	    !getenv("OC_TPM_EC_PUB")) {
		fprintf(stderr, "SKIP: no TPM token given (run "
				"tests/tpm/tokenkey-tpm.sh)\n");
		return 77;
	}
	if (r && *r) {
		char *end;

		runs = strtoul(r, &end, 10);
		if (*end || runs == 0 || runs > 10000)
			runs = 20;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
