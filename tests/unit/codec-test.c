/* codec-test.c - base64 (lenient and strict) and hex. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "err.h"

static int dec(const char *s, uint8_t *out, size_t size, size_t *len)
{
	return oc_base64_decode(s, strlen(s), out, size, len);
}

static int dec_strict(const char *s, uint8_t *out, size_t size, size_t *len)
{
	return oc_base64_decode_strict(s, strlen(s), out, size, len);
}

static void test_encode(void **state)
{
	static const struct {
		const char *in, *out;
	} rfc[] = {{"", ""},
		   {"f", "Zg=="},
		   {"fo", "Zm8="},
		   {"foo", "Zm9v"},
		   {"foob", "Zm9vYg=="},
		   {"fooba", "Zm9vYmE="},
		   {"foobar", "Zm9vYmFy"}};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		size_t n = strlen(rfc[i].in);

		assert_int_equal(oc_base64_len(n), strlen(rfc[i].out));
		assert_int_equal(oc_base64_encode((const uint8_t *)rfc[i].in, n,
						  out, sizeof(out)),
				 OC_OK);
		assert_string_equal(out, rfc[i].out);
	}
	/* exact size: length plus NUL */
	assert_int_equal(oc_base64_encode((const uint8_t *)"foo", 3, out, 4),
			 OC_ERR_RANGE);
	assert_int_equal(oc_base64_encode((const uint8_t *)"foo", 3, out, 5),
			 OC_OK);
	assert_int_equal(oc_base64_encode(NULL, 3, out, 5), OC_ERR_ARGS);
}

static void test_encode_large(void **state)
{
	size_t n = 100000, i, el, dl;
	uint8_t *in = malloc(n), *back = malloc(n);
	char *enc;

	(void)state;
	for (i = 0; i < n; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	el = oc_base64_len(n);
	enc = malloc(el + 1);
	assert_int_equal(oc_base64_encode(in, n, enc, el + 1), OC_OK);
	assert_int_equal(strlen(enc), el);
	assert_int_equal(dec_strict(enc, back, n, &dl), OC_OK);
	assert_int_equal(dl, n);
	assert_memory_equal(in, back, n);
	assert_int_equal(dec(enc, back, n, &dl), OC_OK);
	assert_memory_equal(in, back, n);
	assert_int_equal(dec(enc, back, n - 1, &dl), OC_ERR_RANGE);
	free(in);
	free(back);
	free(enc);
}

static void test_decode_lenient(void **state)
{
	uint8_t out[16];
	size_t n = 99;

	(void)state;
	/* Node: fromBase64("-_8") == fromBase64("+/8=") == fb ff */
	assert_int_equal(dec("-_8", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(dec("+/8=", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(dec(" Zm9v\nYmFy \r\n", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(dec("Zg", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dec("Zg=", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(dec("Zg==", out, sizeof(out), &n), OC_OK);
	assert_int_equal(dec("Zg= =\n", out, sizeof(out), &n), OC_OK);
	assert_int_equal(dec("", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(dec("  \n", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 0);
	/* mixed alphabets are accepted */
	assert_int_equal(dec("+_8", out, sizeof(out), &n), OC_OK);
	assert_int_equal(out[0], 0xfb);
}

static void test_decode_errors(void **state)
{
	uint8_t out[16];
	size_t n = 77;

	(void)state;
	assert_int_equal(dec("Z", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zm9vY", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zg===", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zm9v=", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zg==Zg==", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Z=g", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zm9v!", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("=", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(dec("Zm9v\x80", out, sizeof(out), &n), OC_ERR_PARSE);
	assert_int_equal(oc_base64_decode("Zm\0v", 4, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec("Zm9vYmFy", out, 5, &n), OC_ERR_RANGE);
	assert_int_equal(dec("Zm9vYmE", out, 5, &n), OC_OK);
	assert_int_equal(n, 5);
	assert_int_equal(dec("Zm9vYmE", out, 4, &n), OC_ERR_RANGE);
	assert_int_equal(dec("Zm9v", NULL, 0, &n), OC_ERR_RANGE);
	assert_int_equal(dec("Zm9v", out, sizeof(out), NULL), OC_ERR_ARGS);
}

static void test_decode_untouched_on_error(void **state)
{
	uint8_t out[8];
	size_t n = 5;

	(void)state;
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(dec("Zm9vYmFy!", out, sizeof(out), &n), OC_ERR_PARSE);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xcc);
	assert_int_equal(n, 5);
}

static void test_decode_strict(void **state)
{
	uint8_t out[16];
	size_t n;

	(void)state;
	assert_int_equal(dec_strict("Zm9vYg==", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(dec_strict("Zm9vYmE=", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 5);
	assert_int_equal(dec_strict("+/8=", out, sizeof(out), &n), OC_OK);
	assert_int_equal(dec_strict("", out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(dec_strict("Zm9vYg", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("Zm9vYg=", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("-_8=", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("Zm9v YmFy", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("Zm9v\n", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("Zm9v====", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	/* non-canonical trailing bits */
	assert_int_equal(dec_strict("Zh==", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec_strict("Zm9=", out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(dec("Zh==", out, sizeof(out), &n), OC_OK);
}

/* base64url as JWS writes it: its own alphabet, no padding, and one
 * spelling per value (the bits past the last byte are zero). */
static void test_base64url(void **state)
{
	static const uint8_t raw[] = {0xfb, 0xff, 0x01, 0x02};
	char enc[16];
	uint8_t out[8];
	size_t n = 0;

	(void)state;
	assert_int_equal(
	    oc_base64url_encode(raw, sizeof(raw), enc, sizeof(enc)), OC_OK);
	assert_string_equal(enc, "-_8BAg");
	assert_int_equal(
	    oc_base64url_decode(enc, strlen(enc), out, sizeof(out), &n), OC_OK);
	assert_int_equal(n, sizeof(raw));
	assert_memory_equal(out, raw, sizeof(raw));
	/* The same bytes spelt with non-zero trailing bits. */
	assert_int_equal(oc_base64url_decode("-_8BAh", 6, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("AB", 2, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("AQ", 2, out, sizeof(out), &n),
			 OC_OK);
	/* Not its alphabet, padding, space, a lone character. */
	assert_int_equal(oc_base64url_decode("+/8BAg", 6, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("AQ==", 4, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("A Q", 3, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("AQAAA", 5, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_base64url_decode("A\0", 2, out, sizeof(out), &n),
			 OC_ERR_PARSE);
}

static void test_decoded_max(void **state)
{
	(void)state;
	assert_int_equal(oc_base64_decoded_max(0), 0);
	assert_int_equal(oc_base64_decoded_max(4), 3);
	assert_int_equal(oc_base64_decoded_max(3), 3);
	assert_int_equal(oc_base64_decoded_max(44), 33);
	assert_true(oc_base64_decoded_max(43) >= 32);
}

static void test_hex(void **state)
{
	static const uint8_t bin[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
	uint8_t out[8];
	char hex[16];
	size_t n = 42;

	(void)state;
	assert_int_equal(oc_hex_encode(bin, 5, hex, sizeof(hex)), OC_OK);
	assert_string_equal(hex, "0001abff7f");
	assert_int_equal(oc_hex_encode(bin, 5, hex, 10), OC_ERR_RANGE);
	assert_int_equal(oc_hex_encode(bin, 0, hex, 1), OC_OK);
	assert_string_equal(hex, "");
	assert_int_equal(oc_hex_decode("0001ABff7F", 10, out, sizeof(out), &n),
			 OC_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(out, bin, 5);
	assert_int_equal(oc_hex_decode("000", 3, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_hex_decode("0g", 2, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_hex_decode(" 00", 3, out, sizeof(out), &n),
			 OC_ERR_PARSE);
	assert_int_equal(oc_hex_decode("0001", 4, out, 1, &n), OC_ERR_RANGE);
	assert_int_equal(oc_hex_decode("", 0, out, 0, &n), OC_OK);
	assert_int_equal(n, 0);
}

static void test_fingerprint_hex(void **state)
{
	char s[65];

	(void)state;
	memset(s, 'a', 64);
	s[64] = '\0';
	assert_true(oc_is_fingerprint_hex(s, 64));
	assert_false(oc_is_fingerprint_hex(s, 63));
	s[10] = 'A';
	assert_false(oc_is_fingerprint_hex(s, 64));
	s[10] = 'g';
	assert_false(oc_is_fingerprint_hex(s, 64));
	assert_false(oc_is_fingerprint_hex(NULL, 64));
}

/* Digits only, within the bounds; anything else leaves *out alone. */
static void test_decimal(void **state)
{
	static const char *const bad[] = {"",	  " 5", "+5",
					  "-1",	  "5 ", "5x",
					  "0x10", "11", "99999999999999999999",
					  NULL};
	unsigned long v = 7;
	size_t i;

	(void)state;
	assert_int_equal(oc_decimal_parse("0", 0, 10, &v), OC_OK);
	assert_int_equal(v, 0);
	assert_int_equal(oc_decimal_parse("010", 0, 10, &v), OC_OK);
	assert_int_equal(v, 10);
	for (i = 0; bad[i]; i++) {
		v = 7;
		assert_int_equal(oc_decimal_parse(bad[i], 0, 10, &v),
				 OC_ERR_PARSE);
		assert_int_equal(v, 7);
	}
	assert_int_equal(oc_decimal_parse(NULL, 0, 10, &v), OC_ERR_PARSE);
	assert_int_equal(oc_decimal_parse("3", 4, 10, &v), OC_ERR_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_encode_large),
	    cmocka_unit_test(test_decode_lenient),
	    cmocka_unit_test(test_decode_errors),
	    cmocka_unit_test(test_decode_untouched_on_error),
	    cmocka_unit_test(test_decode_strict),
	    cmocka_unit_test(test_base64url),
	    cmocka_unit_test(test_decoded_max),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_fingerprint_hex),
	    cmocka_unit_test(test_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
