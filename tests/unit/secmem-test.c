/* secmem-test.c - locked allocations and wiping. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "secmem.h"

static void test_alloc_zeroed_aligned(void **state)
{
	size_t sizes[] = {0, 1, 15, 16, 4000, 4096, 4097, 100000};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = oc_secure_alloc(sizes[i]);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xa5, sizes[i]);
		oc_secure_free(p);
	}
	oc_secure_free(NULL);
}

static void test_huge_fails(void **state)
{
	(void)state;
	assert_null(oc_secure_alloc(SIZE_MAX));
	assert_null(oc_secure_alloc(SIZE_MAX - 8));
}

static void test_dup(void **state)
{
	char *s;
	unsigned char *d;

	(void)state;
	s = oc_secure_strdup("ocv_example");
	assert_string_equal(s, "ocv_example");
	oc_secure_free(s);
	assert_null(oc_secure_strdup(NULL));
	d = oc_secure_dup("a\0b", 3);
	assert_memory_equal(d, "a\0b", 3);
	assert_int_equal(d[3], 0);
	oc_secure_free(d);
	d = oc_secure_dup(NULL, 0);
	assert_non_null(d);
	assert_int_equal(d[0], 0);
	oc_secure_free(d);
	assert_null(oc_secure_dup(NULL, 4));
}

static void test_wipe(void **state)
{
	unsigned char b[32];
	char *s;
	size_t i;

	(void)state;
	memset(b, 0x77, sizeof(b));
	oc_wipe(b, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(b[16], 0x77);
	oc_wipe(NULL, 10);
	oc_wipe(b, 0);
	s = strdup("1ck_token_value");
	oc_free_wiped_str(s);
	oc_free_wiped_str(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_zeroed_aligned),
	    cmocka_unit_test(test_huge_fails),
	    cmocka_unit_test(test_dup),
	    cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
