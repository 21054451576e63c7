/* buf-test.c - the bounded buffer, plain and secret. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"

static void append_and_grow(bool secret)
{
	struct oc_buf b;
	char chunk[100];
	size_t i;

	oc_buf_init(&b, 1u << 20, secret);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 100; i++)
		assert_int_equal(oc_buf_append(&b, chunk, sizeof(chunk)),
				 OC_OK);
	assert_int_equal(b.len, 10000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	for (i = 0; i < b.len; i++)
		assert_int_equal(b.data[i], 'x');
	assert_int_equal(oc_buf_append_str(&b, "yz"), OC_OK);
	assert_string_equal((char *)b.data + 10000, "yz");
	oc_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	assert_int_equal(oc_buf_printf(&b, "%s-%d", "ab", 42), OC_OK);
	assert_string_equal((char *)b.data, "ab-42");
	assert_int_equal(oc_buf_printf(&b, "%05u", 7u), OC_OK);
	assert_string_equal((char *)b.data, "ab-4200007");
	oc_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 1u << 20);
	assert_int_equal(b.secret, secret);
	oc_buf_free(&b); /* twice is fine */
}

static void test_plain(void **state)
{
	(void)state;
	append_and_grow(false);
}

static void test_secret(void **state)
{
	(void)state;
	append_and_grow(true);
}

static void test_max(void **state)
{
	struct oc_buf b;

	(void)state;
	oc_buf_init(&b, 10, false);
	assert_int_equal(oc_buf_append(&b, "0123456789", 10), OC_OK);
	assert_int_equal(oc_buf_append(&b, "a", 1), OC_ERR_RANGE);
	assert_int_equal(b.len, 10);
	assert_string_equal((char *)b.data, "0123456789");
	oc_buf_reset(&b);
	assert_int_equal(oc_buf_append(&b, "01234", 5), OC_OK);
	assert_int_equal(oc_buf_printf(&b, "%s", "abcdef"), OC_ERR_RANGE);
	assert_string_equal((char *)b.data, "01234");
	assert_int_equal(oc_buf_append(&b, "x", SIZE_MAX), OC_ERR_RANGE);
	assert_int_equal(oc_buf_reserve(&b, 6), OC_ERR_RANGE);
	assert_int_equal(oc_buf_reserve(&b, 5), OC_OK);
	oc_buf_free(&b);

	oc_buf_init(&b, 0, true);
	assert_int_equal(oc_buf_append(&b, "", 0), OC_OK);
	assert_int_equal(oc_buf_append(&b, "a", 1), OC_ERR_RANGE);
	oc_buf_free(&b);
}

static void test_args(void **state)
{
	struct oc_buf b;

	(void)state;
	oc_buf_init(&b, 100, false);
	assert_int_equal(oc_buf_append(&b, NULL, 1), OC_ERR_ARGS);
	assert_int_equal(oc_buf_append(&b, NULL, 0), OC_OK);
	assert_int_equal(oc_buf_append_str(&b, NULL), OC_ERR_ARGS);
	assert_int_equal(oc_buf_append(NULL, "a", 1), OC_ERR_ARGS);
	oc_buf_free(&b);
	oc_buf_free(NULL);
	oc_buf_reset(NULL);
}

static void test_steal(void **state)
{
	struct oc_buf b;
	unsigned char *d;
	size_t len = 99;

	(void)state;
	oc_buf_init(&b, 100, false);
	d = oc_buf_steal(&b, &len);
	assert_non_null(d);
	assert_int_equal(len, 0);
	assert_int_equal(d[0], '\0');
	free(d);

	assert_int_equal(oc_buf_append_str(&b, "hello"), OC_OK);
	d = oc_buf_steal(&b, &len);
	assert_int_equal(len, 5);
	assert_string_equal((char *)d, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(d);
	oc_buf_free(&b);

	oc_buf_init(&b, 100, true);
	d = oc_buf_steal(&b, &len);
	assert_int_equal(len, 0);
	oc_secure_free(d);
	assert_int_equal(oc_buf_append_str(&b, "s3cret"), OC_OK);
	d = oc_buf_steal(&b, &len);
	assert_string_equal((char *)d, "s3cret");
	oc_secure_free(d);
	/* reusable after a steal */
	assert_int_equal(oc_buf_append_str(&b, "again"), OC_OK);
	assert_string_equal((char *)b.data, "again");
	oc_buf_free(&b);
}

static void test_secret_reset_wipes(void **state)
{
	struct oc_buf b;
	size_t i, cap;

	(void)state;
	oc_buf_init(&b, 100, true);
	assert_int_equal(oc_buf_append_str(&b, "topsecret"), OC_OK);
	cap = b.cap;
	oc_buf_reset(&b);
	for (i = 0; i < cap; i++)
		assert_int_equal(b.data[i], 0);
	oc_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_secret),
	    cmocka_unit_test(test_max),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_steal),
	    cmocka_unit_test(test_secret_reset_wipes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
