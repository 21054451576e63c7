/* cmek-test.c - the CMEK codec against the vectors of 1claw-api.md 5.7. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmek.h"
#include "codec.h"
#include "err.h"

struct vector {
	const char *key_hex;
	const char *key_b64;
	const char *fpr;
	const char *iv_hex;
	const char *pt;
	size_t pt_len;
	const char *blob_hex;
	const char *value_b64;
};

static const struct vector vectors[] = {
    {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
     "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
     "000102030405060708090a0b", "my-secret-value", 15,
     "01000102030405060708090a0b2a7bfb68a086b07ef96ce1eadd9c1d2ddee74a58f2"
     "0c5f745173117c445ab5",
     "AQABAgMEBQYHCAkKCyp7+2ighrB++Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU="},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
     "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925",
     "000000000000000000000000", "", 0,
     "01000000000000000000000000530f8afbc74536b9a963b4f1c4cb738b",
     "AQAAAAAAAAAAAAAAAFMPivvHRTa5qWO08cTLc4s="},
    {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "//////////////////////////////////////////8=",
     "af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051",
     "aaaaaaaaaaaaaaaaaaaaaaaa", "sk_live_51HxYz/+=?\xc3\xa9", 20,
     "01aaaaaaaaaaaaaaaaaaaaaaaa801c2d90ec8e76e538efe6fec96a4de26208bb26"
     "42a5e8327f9d7733467b75fb8446e296",
     "AaqqqqqqqqqqqqqqqoAcLZDsjnblOO/m/slqTeJiCLsmQqXoMn+ddzNGe3X7hEbilg=="},
};

static void unhex(const char *h, uint8_t *out, size_t size, size_t *len)
{
	assert_int_equal(oc_hex_decode(h, strlen(h), out, size, len), OC_OK);
}

static struct oc_cmek_key *vkey(const struct vector *v)
{
	uint8_t key[32];
	size_t n;
	struct oc_cmek_key *k = NULL;

	unhex(v->key_hex, key, sizeof(key), &n);
	assert_int_equal(n, 32);
	assert_int_equal(oc_cmek_key_from_raw(key, &k), OC_OK);
	return k;
}

static void test_fingerprints(void **state)
{
	uint8_t key[32], fpr[32], d[64];
	char hex[65];
	size_t i, n;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct oc_cmek_key *k = vkey(&vectors[i]);

		oc_cmek_fingerprint_hex(oc_cmek_key_fingerprint(k), hex);
		assert_string_equal(hex, vectors[i].fpr);
		/* the base64 form of the key names the same key */
		assert_int_equal(oc_base64_decode(vectors[i].key_b64,
						  strlen(vectors[i].key_b64), d,
						  sizeof(d), &n),
				 OC_OK);
		assert_int_equal(n, 32);
		assert_int_equal(oc_cmek_fingerprint(d, fpr), OC_OK);
		oc_cmek_fingerprint_hex(fpr, hex);
		assert_string_equal(hex, vectors[i].fpr);
		unhex(vectors[i].key_hex, key, sizeof(key), &n);
		assert_memory_equal(key, d, 32);
		assert_false(oc_cmek_key_is_delegated(k));
		assert_int_equal(oc_cmek_key_raw(k, d), OC_OK);
		assert_memory_equal(key, d, 32);
		oc_cmek_key_free(k);
	}
}

static void test_seal_iv_vectors(void **state)
{
	uint8_t iv[12], blob[128], expect[128], pt[128];
	char b64[200];
	size_t i, n, bl, el, pl;

	(void)state;
	for (i = 0; i < 3; i++) {
		const struct vector *v = &vectors[i];
		struct oc_cmek_key *k = vkey(v);

		unhex(v->iv_hex, iv, sizeof(iv), &n);
		assert_int_equal(n, 12);
		unhex(v->blob_hex, expect, sizeof(expect), &el);
		assert_int_equal(el, oc_cmek_blob_len(v->pt_len));
		assert_int_equal(oc_cmek_seal_iv(k, iv, (const uint8_t *)v->pt,
						 v->pt_len, blob, sizeof(blob),
						 &bl),
				 OC_OK);
		assert_int_equal(bl, el);
		assert_memory_equal(blob, expect, el);
		assert_int_equal(oc_base64_encode(blob, bl, b64, sizeof(b64)),
				 OC_OK);
		assert_string_equal(b64, v->value_b64);
		/* open it back, twice (the cached context is reused) */
		for (int r = 0; r < 2; r++) {
			memset(pt, 0xee, sizeof(pt));
			assert_int_equal(
			    oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			    OC_OK);
			assert_int_equal(pl, v->pt_len);
			assert_memory_equal(pt, v->pt, pl);
		}
		oc_cmek_key_free(k);
	}
}

static void test_open_from_stored_value(void **state)
{
	uint8_t blob[128], pt[64];
	size_t bl, pl, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct oc_cmek_key *k = vkey(&vectors[i]);

		assert_int_equal(
		    oc_base64_decode_strict(vectors[i].value_b64,
					    strlen(vectors[i].value_b64), blob,
					    sizeof(blob), &bl),
		    OC_OK);
		assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
				 OC_OK);
		assert_int_equal(pl, vectors[i].pt_len);
		assert_memory_equal(pt, vectors[i].pt, pl);
		oc_cmek_key_free(k);
	}
}

static void test_url_safe_unpadded(void **state)
{
	static const char url[] =
	    "AQABAgMEBQYHCAkKCyp7-2ighrB--Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU";
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t blob[64], pt[32];
	size_t bl, pl;

	(void)state;
	assert_int_equal(
	    oc_base64_decode(url, strlen(url), blob, sizeof(blob), &bl), OC_OK);
	assert_int_equal(bl, 44);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl), OC_OK);
	assert_int_equal(pl, 15);
	assert_memory_equal(pt, "my-secret-value", 15);
	/* strict refuses the same text */
	assert_int_equal(
	    oc_base64_decode_strict(url, strlen(url), blob, sizeof(blob), &bl),
	    OC_ERR_PARSE);
	oc_cmek_key_free(k);
}

static void test_go_format_hex(void **state)
{
	/* The Go SDK's hex form carries no version byte: prefixing 01 gives
	 * the TS blob. */
	static const char go[] = "000102030405060708090a0b2a7bfb68a086b07ef96c"
				 "e1eadd9c1d2ddee74a58f20c5f745173117c445ab5";
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t blob[64], pt[32];
	size_t bl, pl;

	(void)state;
	blob[0] = 0x01;
	unhex(go, blob + 1, sizeof(blob) - 1, &bl);
	assert_int_equal(bl, 43);
	assert_int_equal(oc_cmek_open(k, blob, bl + 1, pt, sizeof(pt), &pl),
			 OC_OK);
	assert_memory_equal(pt, "my-secret-value", 15);
	/* without the version byte it is version 0x00: refused */
	assert_int_equal(oc_cmek_open(k, blob + 1, bl, pt, sizeof(pt), &pl),
			 OC_ERR_VERSION);
	oc_cmek_key_free(k);
}

static void test_flipped_tag(void **state)
{
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t blob[64], pt[64], zero[64];
	size_t bl, pl = 12345, i;

	(void)state;
	memset(zero, 0, sizeof(zero));
	unhex(vectors[0].blob_hex, blob, sizeof(blob), &bl);
	blob[bl - 1] ^= 0x01;
	for (i = 0; i < 2; i++) {
		memset(pt, 0xee, sizeof(pt));
		assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
				 OC_ERR_DECRYPT);
		assert_int_equal(pl, 12345); /* untouched on failure */
		/* no plaintext byte survives in pt */
		assert_null(memmem(pt, sizeof(pt), "my-secret-value", 15));
		assert_null(memmem(pt, sizeof(pt), "secret", 6));
		assert_memory_equal(pt, zero, 15);
	}
	/* a flipped ciphertext byte fails too */
	blob[bl - 1] ^= 0x01;
	blob[14] ^= 0x80;
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			 OC_ERR_DECRYPT);
	/* and the context still works afterwards */
	blob[14] ^= 0x80;
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl), OC_OK);
	oc_cmek_key_free(k);
}

static void test_wrong_key(void **state)
{
	struct oc_cmek_key *k = vkey(&vectors[1]);
	uint8_t blob[64], pt[64];
	size_t bl, pl;

	(void)state;
	unhex(vectors[0].blob_hex, blob, sizeof(blob), &bl);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			 OC_ERR_DECRYPT);
	oc_cmek_key_free(k);
}

static void test_too_short_and_version(void **state)
{
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t blob[64], pt[64];
	size_t bl, pl;

	(void)state;
	unhex(vectors[1].blob_hex, blob, sizeof(blob), &bl);
	assert_int_equal(bl, 29);
	assert_int_equal(oc_cmek_open(k, blob, 28, pt, sizeof(pt), &pl),
			 OC_ERR_TOO_SHORT);
	assert_int_equal(oc_cmek_open(k, blob, 0, pt, sizeof(pt), &pl),
			 OC_ERR_TOO_SHORT);
	/* too short wins over the version byte */
	blob[0] = 0x02;
	assert_int_equal(oc_cmek_open(k, blob, 28, pt, sizeof(pt), &pl),
			 OC_ERR_TOO_SHORT);
	assert_int_equal(oc_cmek_open(k, blob, 29, pt, sizeof(pt), &pl),
			 OC_ERR_VERSION);
	unhex(vectors[0].blob_hex, blob, sizeof(blob), &bl);
	blob[0] = 0x02;
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			 OC_ERR_VERSION);
	blob[0] = 0x00;
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			 OC_ERR_VERSION);
	/* V2 (empty plaintext) opens with the zero key only */
	oc_cmek_key_free(k);
	k = vkey(&vectors[1]);
	unhex(vectors[1].blob_hex, blob, sizeof(blob), &bl);
	assert_int_equal(oc_cmek_open(k, blob, bl, NULL, 0, &pl), OC_OK);
	assert_int_equal(pl, 0);
	oc_cmek_key_free(k);
}

/* A caller's context follows the key and the direction it is used with:
 * one context over two keys, sealing and opening in turn, and over a key
 * made after another was freed, gives what the keys' own contexts give. */
static void test_own_context(void **state)
{
	uint8_t raw1[OC_CMEK_KEY_LEN], raw2[OC_CMEK_KEY_LEN];
	struct oc_cmek_key *k1 = NULL, *k2 = NULL;
	struct oc_cmek_ctx *c = NULL;
	uint8_t b1[64], b2[64], pt[64];
	size_t n1, n2, pl;

	(void)state;
	memset(raw1, 1, sizeof(raw1));
	memset(raw2, 2, sizeof(raw2));
	assert_int_equal(oc_cmek_key_from_raw(raw1, &k1), OC_OK);
	assert_int_equal(oc_cmek_key_from_raw(raw2, &k2), OC_OK);
	assert_int_equal(oc_cmek_ctx_new(&c), OC_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(oc_cmek_seal_ctx(k1, c, (const uint8_t *)"one",
						  3, b1, sizeof(b1), &n1),
				 OC_OK);
		assert_int_equal(oc_cmek_seal_ctx(k2, c, (const uint8_t *)"two",
						  3, b2, sizeof(b2), &n2),
				 OC_OK);
		assert_int_equal(oc_cmek_open(k1, b1, n1, pt, sizeof(pt), &pl),
				 OC_OK);
		assert_memory_equal(pt, "one", 3);
		assert_int_equal(
		    oc_cmek_open_ctx(k2, c, b1, n1, pt, sizeof(pt), &pl),
		    OC_ERR_DECRYPT);
		assert_int_equal(
		    oc_cmek_open_ctx(k2, c, b2, n2, pt, sizeof(pt), &pl),
		    OC_OK);
		assert_memory_equal(pt, "two", 3);
		assert_int_equal(
		    oc_cmek_open_ctx(k1, c, b1, n1, pt, sizeof(pt), &pl),
		    OC_OK);
		assert_memory_equal(pt, "one", 3);
	}
	/* k2 goes; a new key, wherever it lives, is another key. */
	oc_cmek_key_free(k2);
	memset(raw2, 3, sizeof(raw2));
	assert_int_equal(oc_cmek_key_from_raw(raw2, &k2), OC_OK);
	assert_int_equal(oc_cmek_open_ctx(k2, c, b2, n2, pt, sizeof(pt), &pl),
			 OC_ERR_DECRYPT);
	assert_int_equal(oc_cmek_open_ctx(k1, c, b1, n1, pt, sizeof(pt), &pl),
			 OC_OK);
	oc_cmek_ctx_free(c);
	oc_cmek_ctx_free(NULL);
	oc_cmek_key_free(k1);
	oc_cmek_key_free(k2);
}

static void test_buffer_sizes(void **state)
{
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t blob[64], pt[64], iv[12] = {0};
	size_t bl, pl;

	(void)state;
	assert_int_equal(
	    oc_cmek_seal_iv(k, iv, (const uint8_t *)"abc", 3, blob, 31, &bl),
	    OC_ERR_RANGE);
	assert_int_equal(
	    oc_cmek_seal_iv(k, iv, (const uint8_t *)"abc", 3, blob, 32, &bl),
	    OC_OK);
	assert_int_equal(bl, 32);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, 2, &pl), OC_ERR_RANGE);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, 3, &pl), OC_OK);
	assert_int_equal(pl, 3);
	assert_int_equal(
	    oc_cmek_seal(k, pt, OC_CMEK_MAX_PLAINTEXT + 1, blob, SIZE_MAX, &bl),
	    OC_ERR_RANGE);
	assert_int_equal(oc_cmek_seal(NULL, pt, 1, blob, sizeof(blob), &bl),
			 OC_ERR_ARGS);
	assert_int_equal(oc_cmek_open(NULL, blob, 32, pt, sizeof(pt), &pl),
			 OC_ERR_ARGS);
	assert_int_equal(oc_cmek_key_from_raw(NULL, NULL), OC_ERR_ARGS);
	oc_cmek_key_free(k);
	oc_cmek_key_free(NULL);
}

static void test_seal_random_iv(void **state)
{
	struct oc_cmek_key *k = vkey(&vectors[0]);
	uint8_t a[64], b[64], pt[64];
	size_t al, bl, pl;
	static const char msg[] = "hello, vault";

	(void)state;
	assert_int_equal(
	    oc_cmek_seal(k, (const uint8_t *)msg, 12, a, sizeof(a), &al),
	    OC_OK);
	assert_int_equal(
	    oc_cmek_seal(k, (const uint8_t *)msg, 12, b, sizeof(b), &bl),
	    OC_OK);
	assert_int_equal(al, 41);
	assert_int_equal(a[0], 0x01);
	assert_memory_not_equal(a + 1, b + 1, 12); /* fresh IVs */
	assert_int_equal(oc_cmek_open(k, a, al, pt, sizeof(pt), &pl), OC_OK);
	assert_memory_equal(pt, msg, 12);
	assert_int_equal(oc_cmek_open(k, b, bl, pt, sizeof(pt), &pl), OC_OK);
	assert_memory_equal(pt, msg, 12);
	oc_cmek_key_free(k);
}

/* NIST GCM test case 16 (AES-256, 60-byte plaintext, AAD, 96-bit IV) and
 * case 18 (60-byte IV) check the general primitive and odd IV lengths. */
static const char nist_key[] =
    "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
static const char nist_pt[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
static const char nist_aad[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

static void test_aes_gcm_nist(void **state)
{
	static const char iv16[] = "cafebabefacedbaddecaf888";
	static const char ct16[] =
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
	static const char tag16[] = "76fc6ece0f4e1768cddf8853bb2d551b";
	static const char iv18[] =
	    "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
	    "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b";
	static const char ct18[] =
	    "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
	    "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f";
	static const char tag18[] = "a44a8266ee1c8eb0c8b5d4cf5ae9f19a";
	uint8_t key[32], pt[64], aad[20], iv[64], ct[64], tag[16], exp[64],
	    out[64];
	size_t n, aadn, ivn, tn;
	struct oc_cmek_key *k;

	(void)state;
	unhex(nist_key, key, sizeof(key), &n);
	unhex(nist_pt, pt, sizeof(pt), &n);
	unhex(nist_aad, aad, sizeof(aad), &aadn);
	assert_int_equal(oc_cmek_key_from_raw(key, &k), OC_OK);

	unhex(iv16, iv, sizeof(iv), &ivn);
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, ivn, aad, aadn, pt, n, ct, tag, 16),
	    OC_OK);
	unhex(ct16, exp, sizeof(exp), &tn);
	assert_memory_equal(ct, exp, n);
	unhex(tag16, exp, sizeof(exp), &tn);
	assert_memory_equal(tag, exp, 16);
	assert_int_equal(
	    oc_cmek_gcm_seal(k, iv, ivn, aad, aadn, pt, n, out, tag, 16),
	    OC_OK);
	assert_memory_equal(out, ct, n);
	assert_int_equal(
	    oc_aes_gcm_open(key, iv, ivn, aad, aadn, ct, n, tag, 16, out),
	    OC_OK);
	assert_memory_equal(out, pt, n);

	/* 60-byte IV, through the cached key contexts */
	unhex(iv18, iv, sizeof(iv), &ivn);
	assert_int_equal(ivn, 60);
	assert_int_equal(
	    oc_cmek_gcm_seal(k, iv, ivn, aad, aadn, pt, n, ct, tag, 16), OC_OK);
	unhex(ct18, exp, sizeof(exp), &tn);
	assert_memory_equal(ct, exp, n);
	unhex(tag18, exp, sizeof(exp), &tn);
	assert_memory_equal(tag, exp, 16);
	assert_int_equal(
	    oc_cmek_gcm_open(k, iv, ivn, aad, aadn, ct, n, tag, 16, out),
	    OC_OK);
	assert_memory_equal(out, pt, n);
	/* truncated tags (4..16) verify on their prefix */
	assert_int_equal(
	    oc_cmek_gcm_open(k, iv, ivn, aad, aadn, ct, n, tag, 4, out), OC_OK);
	/* a truncated tag from the cached context is the prefix */
	{
		uint8_t t8[16];

		assert_int_equal(
		    oc_cmek_gcm_seal(k, iv, ivn, aad, aadn, pt, n, out, t8, 8),
		    OC_OK);
		assert_memory_equal(t8, tag, 8);
		assert_int_equal(
		    oc_cmek_gcm_open(k, iv, ivn, aad, aadn, ct, n, t8, 8, out),
		    OC_OK);
		/* back to 12-byte IVs on the same contexts */
		assert_int_equal(
		    oc_cmek_gcm_seal(k, iv, 12, aad, aadn, pt, n, out, t8, 16),
		    OC_OK);
		assert_int_equal(oc_aes_gcm_open(key, iv, 12, aad, aadn, out, n,
						 t8, 16, out),
				 OC_OK);
		assert_memory_equal(out, pt, n);
	}
	/* wrong AAD fails and wipes */
	aad[0] ^= 1;
	memset(out, 0x55, sizeof(out));
	assert_int_equal(
	    oc_cmek_gcm_open(k, iv, ivn, aad, aadn, ct, n, tag, 16, out),
	    OC_ERR_DECRYPT);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(
	    oc_aes_gcm_open(key, iv, ivn, aad, aadn, ct, n, tag, 16, out),
	    OC_ERR_DECRYPT);
	oc_cmek_key_free(k);
}

static void test_gcm_args(void **state)
{
	uint8_t key[32] = {0}, iv[129] = {0}, buf[16] = {0}, tag[16];
	size_t i;

	(void)state;
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, 0, NULL, 0, buf, 16, buf, tag, 16),
	    OC_ERR_ARGS);
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, 129, NULL, 0, buf, 16, buf, tag, 16),
	    OC_ERR_ARGS);
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, 12, NULL, 0, buf, 16, buf, tag, 3),
	    OC_ERR_ARGS);
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, 12, NULL, 0, buf, 16, buf, tag, 17),
	    OC_ERR_ARGS);
	assert_int_equal(
	    oc_aes_gcm_seal(key, iv, 12, NULL, 5, buf, 16, buf, tag, 16),
	    OC_ERR_ARGS);
	assert_int_equal(
	    oc_aes_gcm_seal(NULL, iv, 12, NULL, 0, buf, 16, buf, tag, 16),
	    OC_ERR_ARGS);
	for (i = 1; i <= 128; i += 127) {
		assert_int_equal(
		    oc_aes_gcm_seal(key, iv, i, NULL, 0, buf, 16, buf, tag, 16),
		    OC_OK);
		assert_int_equal(
		    oc_aes_gcm_open(key, iv, i, NULL, 0, buf, 16, tag, 16, buf),
		    OC_OK);
	}
}

/* A delegated key: a fake token doing XOR "encryption" so the forwarding
 * can be checked. */
struct fake {
	int seals, opens, freed;
	int fail_open;
	int own_iv; /* generates its IVs, as oneclaw-pkcs11 does */
};

static int fake_seal(void *ctx, uint8_t *iv, size_t iv_len, const uint8_t *aad,
		     size_t aad_len, const uint8_t *pt, size_t n, uint8_t *ct,
		     uint8_t *tag, size_t tag_len)
{
	struct fake *f = ctx;
	size_t i;

	(void)aad;
	(void)aad_len;
	assert_int_equal(iv_len, 12);
	f->seals++;
	if (f->own_iv)
		memset(iv, 0x77, iv_len);
	for (i = 0; i < n; i++)
		ct[i] = pt[i] ^ 0x5a;
	memset(tag, iv[0], tag_len);
	return OC_OK;
}

static int fake_open(void *ctx, const uint8_t *iv, size_t iv_len,
		     const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		     size_t n, const uint8_t *tag, size_t tag_len, uint8_t *pt)
{
	struct fake *f = ctx;
	size_t i;

	(void)iv_len;
	(void)aad;
	(void)aad_len;
	(void)tag_len;
	f->opens++;
	for (i = 0; i < n; i++)
		pt[i] = ct[i] ^ 0x5a;
	if (f->fail_open || tag[0] != iv[0])
		return OC_ERR_DECRYPT; /* leaves plaintext behind on purpose */
	return OC_OK;
}

static void fake_free(void *ctx)
{
	((struct fake *)ctx)->freed++;
}

static const struct oc_cmek_key_ops fake_ops = {fake_seal, fake_open,
						fake_free};

static void test_delegated(void **state)
{
	struct fake f = {0};
	struct oc_cmek_key *k = NULL;
	uint8_t fpr[32], raw[32], blob[64], pt[64];
	size_t bl, pl;

	(void)state;
	memset(pt, 0, sizeof(pt));
	memset(fpr, 0xab, sizeof(fpr));
	assert_int_equal(oc_cmek_key_from_ops(NULL, &f, fpr, &k), OC_ERR_ARGS);
	assert_int_equal(oc_cmek_key_from_ops(&fake_ops, &f, fpr, &k), OC_OK);
	assert_true(oc_cmek_key_is_delegated(k));
	assert_memory_equal(oc_cmek_key_fingerprint(k), fpr, 32);
	assert_int_equal(oc_cmek_key_raw(k, raw), OC_ERR_UNSUPPORTED);
	assert_int_equal(oc_cmek_seal(k, (const uint8_t *)"abcdef", 6, blob,
				      sizeof(blob), &bl),
			 OC_OK);
	assert_int_equal(bl, 35);
	assert_int_equal(f.seals, 1);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl), OC_OK);
	assert_memory_equal(pt, "abcdef", 6);
	f.fail_open = 1;
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl),
			 OC_ERR_DECRYPT);
	assert_null(memmem(pt, sizeof(pt), "abcdef", 6));
	/* A token that replaces the IV: the blob holds the one it used. */
	f.fail_open = 0;
	f.own_iv = 1;
	assert_int_equal(oc_cmek_seal(k, (const uint8_t *)"abcdef", 6, blob,
				      sizeof(blob), &bl),
			 OC_OK);
	for (size_t i = 1; i <= 12; i++)
		assert_int_equal(blob[i], 0x77);
	assert_int_equal(oc_cmek_open(k, blob, bl, pt, sizeof(pt), &pl), OC_OK);
	assert_memory_equal(pt, "abcdef", 6);
	oc_cmek_key_free(k);
	assert_int_equal(f.freed, 1);
}

/* Threads share one key: the cached contexts are taken by one caller at a
 * time, the others fall back to their own. */
struct race {
	struct oc_cmek_key *k;
	int failures;
};

static void *racer(void *arg)
{
	struct race *r = arg;
	uint8_t blob[128], pt[128], msg[64];
	size_t bl, pl;
	int i;

	for (i = 0; i < 300; i++) {
		memset(msg, i & 0xff, sizeof(msg));
		if (oc_cmek_seal(r->k, msg, (size_t)(i % 64), blob,
				 sizeof(blob), &bl) != OC_OK ||
		    oc_cmek_open(r->k, blob, bl, pt, sizeof(pt), &pl) !=
			OC_OK ||
		    pl != (size_t)(i % 64) || memcmp(pt, msg, pl) != 0)
			r->failures++;
		blob[bl - 1] ^= 1;
		if (oc_cmek_open(r->k, blob, bl, pt, sizeof(pt), &pl) !=
		    OC_ERR_DECRYPT)
			r->failures++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct race r[4];
	pthread_t t[4];
	struct oc_cmek_key *k = vkey(&vectors[0]);
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r[i].k = k;
		r[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].failures, 0);
	}
	oc_cmek_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fingerprints),
	    cmocka_unit_test(test_seal_iv_vectors),
	    cmocka_unit_test(test_open_from_stored_value),
	    cmocka_unit_test(test_url_safe_unpadded),
	    cmocka_unit_test(test_go_format_hex),
	    cmocka_unit_test(test_flipped_tag),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_too_short_and_version),
	    cmocka_unit_test(test_buffer_sizes),
	    cmocka_unit_test(test_seal_random_iv),
	    cmocka_unit_test(test_aes_gcm_nist),
	    cmocka_unit_test(test_gcm_args),
	    cmocka_unit_test(test_delegated),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_own_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
