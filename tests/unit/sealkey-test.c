/* sealkey-test.c - the sealed key file format: round trips with software
 * RSA keys, and every malformed file refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "err.h"
#include "ossl.h"
#include "sealkey.h"
#include "secmem.h"

static EVP_PKEY *rsa[3];
static const uint8_t key[32] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11,
				12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
#define URI_A "pkcs11:token=a;object=seal;type=public"

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		rsa[i] = EVP_PKEY_Q_keygen(oc_ossl_libctx(), NULL, "RSA",
					   (size_t)2048);
		if (!rsa[i])
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		EVP_PKEY_free(rsa[i]);
	return 0;
}

/* The text of a CMEK key sealed to rsa[0] (URI_A, sha256; the module
 * path of the sealing machine is not recorded) and rsa[1] (no URI, sha1). */
static char *sealed_text(size_t *n)
{
	struct oc_sealkey_to to[2] = {
	    {rsa[0], URI_A "?module-path=/usr/lib/here.so", OC_SEALKEY_SHA256},
	    {rsa[1], NULL, OC_SEALKEY_SHA1},
	};
	struct oc_sealkey *s = NULL;
	struct oc_buf b;
	char *text;

	oc_buf_init(&b, OC_SEALKEY_MAX_FILE, false);
	assert_int_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 32, to, 2, &s, NULL, 0),
	    OC_OK);
	assert_int_equal(oc_sealkey_write(s, &b), OC_OK);
	oc_sealkey_free(s);
	text = strndup((char *)b.data, b.len);
	*n = b.len;
	oc_buf_free(&b);
	return text;
}

static void test_round_trip(void **state)
{
	struct oc_sealkey *s = NULL;
	uint8_t *got = NULL;
	size_t n = 0, len = 0;
	char *text = sealed_text(&len);

	(void)state;
	assert_true(oc_sealkey_looks((uint8_t *)text, len));
	assert_null(strstr(text, "pin"));
	assert_null(strstr(text, "module"));
	assert_int_equal(oc_sealkey_parse(text, len, &s, NULL, 0), OC_OK);
	assert_int_equal(s->n, 2);
	assert_string_equal(s->r[0].uri, URI_A);
	assert_null(s->r[1].uri);
	assert_int_equal(s->r[1].hash, OC_SEALKEY_SHA1);
	assert_int_equal(oc_sealkey_find(s, rsa[1]), 1);
	assert_int_equal(oc_sealkey_find(s, rsa[2]), -1);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(oc_sealkey_open_pkey(s, i, rsa[i], &got, &n),
				 OC_OK);
		assert_int_equal(n, 32);
		assert_memory_equal(got, key, 32);
		oc_secure_free(got);
	}
	/* The wrong key does not open it. */
	assert_int_equal(oc_sealkey_open_pkey(s, 0, rsa[1], &got, &n),
			 OC_ERR_DECRYPT);
	/* A fingerprint that is not the key's. */
	s->fpr[0] ^= 1;
	assert_int_equal(oc_sealkey_open_pkey(s, 0, rsa[0], &got, &n),
			 OC_ERR_KEY_MISMATCH);
	oc_sealkey_free(s);
	free(text);
}

static void test_credential(void **state)
{
	static const char cred[] = "1ck_abcdefghijklmnopqrstuvwxyz0123456789";
	struct oc_sealkey_to to = {rsa[2], NULL, OC_SEALKEY_SHA256};
	struct oc_sealkey *s = NULL, *p = NULL;
	uint8_t *got = NULL;
	struct oc_buf b;
	size_t n = 0;

	(void)state;
	oc_buf_init(&b, OC_SEALKEY_MAX_FILE, false);
	assert_int_equal(oc_sealkey_seal(OC_SEALKEY_CREDENTIAL,
					 (const uint8_t *)cred, strlen(cred),
					 &to, 1, &s, NULL, 0),
			 OC_OK);
	assert_int_equal(oc_sealkey_write(s, &b), OC_OK);
	assert_null(strstr((char *)b.data, "fingerprint"));
	assert_int_equal(oc_sealkey_parse((char *)b.data, b.len, &p, NULL, 0),
			 OC_OK);
	assert_int_equal(oc_sealkey_open_pkey(p, 0, rsa[2], &got, &n), OC_OK);
	assert_string_equal((char *)got, cred);
	oc_secure_free(got);
	oc_sealkey_free(p);
	p = NULL;
	/* A blank in a credential, and a CMEK key of the wrong size. */
	assert_int_equal(oc_sealkey_seal(OC_SEALKEY_CREDENTIAL,
					 (const uint8_t *)"a b", 3, &to, 1, &p,
					 NULL, 0),
			 OC_ERR_ARGS);
	assert_int_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 31, &to, 1, &p, NULL, 0),
	    OC_ERR_ARGS);
	oc_sealkey_free(s);
	oc_buf_free(&b);
}

static void test_seal_refusals(void **state)
{
	EVP_PKEY *small =
	    EVP_PKEY_Q_keygen(oc_ossl_libctx(), NULL, "RSA", (size_t)1024);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(oc_ossl_libctx(), NULL, "EC", "P-256");
	struct oc_sealkey_to to = {small, NULL, OC_SEALKEY_SHA256};
	struct oc_sealkey *s = NULL;
	char err[256];

	(void)state;
	assert_int_not_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 32, &to, 1, &s, err, 256),
	    OC_OK);
	assert_non_null(strstr(err, "2048"));
	to.pub = ec;
	assert_int_not_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 32, &to, 1, &s, NULL, 0),
	    OC_OK);
	to.pub = rsa[0];
	to.uri = URI_A ";pin-value=1234";
	assert_int_not_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 32, &to, 1, &s, NULL, 0),
	    OC_OK);
	assert_int_equal(
	    oc_sealkey_seal(OC_SEALKEY_CMEK, key, 32, &to, 0, &s, NULL, 0),
	    OC_ERR_ARGS);
	EVP_PKEY_free(small);
	EVP_PKEY_free(ec);
}

/* text with the first from replaced by to must be refused, the message
 * holding want. */
static void refused(const char *text, const char *from, const char *to,
		    const char *want)
{
	const char *at = strstr(text, from);
	struct oc_sealkey *s = NULL;
	char *bad, err[512] = "";
	size_t n;

	assert_non_null(at);
	n = strlen(text) - strlen(from) + strlen(to);
	bad = calloc(1, n + 1);
	assert_non_null(bad);
	snprintf(bad, n + 1, "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	assert_int_not_equal(oc_sealkey_parse(bad, n, &s, err, sizeof(err)),
			     OC_OK);
	assert_null(s);
	if (!strstr(err, want))
		fail_msg("'%s' does not say '%s'", err, want);
	free(bad);
}

static void test_malformed(void **state)
{
	size_t len = 0;
	char *text = sealed_text(&len), *big;
	struct oc_sealkey *s = NULL;

	(void)state;
	refused(text, "\"oneclaw_sealed_key\":1", "\"sealed\":1",
		"no oneclaw_sealed_key");
	refused(text, "}", "", "not valid JSON");
	refused(text, "\"oneclaw_sealed_key\":1", "\"oneclaw_sealed_key\":7",
		"version 7 is not supported");
	refused(text, "\"kind\":\"cmek\"", "\"kind\":\"pgp\"", "kind");
	refused(text, "\"kind\":\"cmek\"", "\"kind\":\"cmek\",\"x\":1",
		"unknown member 'x'");
	refused(text, "\"fingerprint\":\"", "\"fingerprint\":\"zz",
		"fingerprint");
	refused(text, "\"fingerprint\":", "\"fpr\":", "unknown member");
	refused(text, "\"recipients\":[", "\"recipients\":[7,", "recipient 1");
	refused(text, "\"oaep_hash\":\"sha256\"", "\"oaep_hash\":\"md5\"",
		"oaep_hash");
	refused(text, "\"ciphertext\":\"", "\"ciphertext\":\"!", "base64");
	refused(text, "\"ciphertext\":\"", "\"ciphertext\":\"AAAA\",\"z\":\"",
		"unknown member 'z'");
	refused(text, "\"uri\":\"pkcs11:", "\"uri\":\"pkcs11:pin-value=1;",
		"no PIN");
	/* A file chooses no library to load and no PIN file to read. */
	refused(text, "type=public\"", "type=public?module-path=/tmp/evil.so\"",
		"no PIN, module");
	refused(text, "type=public\"", "type=public?pin-source=/etc/shadow\"",
		"no PIN, module");
	refused(text, "\"uri\":\"pkcs11:", "\"uri\":\"http:", "uri");
	refused(text, "\"spki_sha256\":\"", "\"spki_sha256\":\"ab",
		"spki_sha256");
	/* Too short a ciphertext: one of 16 bytes. */
	{
		const char *c = strstr(text, "\"ciphertext\":\"") + 14;
		char *cut = strdup(text);
		size_t off = (size_t)(c - text);

		memcpy(cut + off, "AAAAAAAAAAAAAAAAAAAAAA==", 24);
		memmove(cut + off + 24, strchr(c, '"'),
			strlen(strchr(c, '"')) + 1);
		assert_int_equal(
		    oc_sealkey_parse(cut, strlen(cut), &s, NULL, 0),
		    OC_ERR_PARSE);
		free(cut);
	}
	refused(text, "\"recipients\":[", "\"recipients\":0,\"kind\":[",
		"recipients is not a list");
	/* 17 recipients. */
	{
		const char *r0 = strstr(text, "\"recipients\":[") + 14;
		const char *end = strstr(r0, "},") + 1; /* first recipient */
		size_t one = (size_t)(end - r0);
		struct oc_buf b;

		oc_buf_init(&b, OC_SEALKEY_MAX_FILE, false);
		oc_buf_append(&b, text, (size_t)(r0 - text));
		for (int i = 0; i < 17; i++) {
			oc_buf_append(&b, r0, one);
			oc_buf_append(&b, i < 16 ? "," : "]}", i < 16 ? 1 : 2);
		}
		assert_int_equal(
		    oc_sealkey_parse((char *)b.data, b.len, &s, NULL, 0),
		    OC_ERR_PARSE);
		oc_buf_free(&b);
	}
	/* Over 64 KiB. */
	big = calloc(1, OC_SEALKEY_MAX_FILE + 2);
	assert_non_null(big);
	memset(big, ' ', OC_SEALKEY_MAX_FILE + 1);
	memcpy(big, text, len);
	assert_int_equal(
	    oc_sealkey_parse(big, OC_SEALKEY_MAX_FILE + 1, &s, NULL, 0),
	    OC_ERR_RANGE);
	assert_false(oc_sealkey_looks((const uint8_t *)"AAAA", 4));
	free(big);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_credential),
	    cmocka_unit_test(test_seal_refusals),
	    cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
