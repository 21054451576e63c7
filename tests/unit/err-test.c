/* err-test.c - every error code has its own description. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void test_every_code(void **state)
{
	const char *seen[64];
	int e, i;

	(void)state;
	for (e = OC_OK; e >= OC_ERR_LAST; e--) {
		const char *s = oc_strerror(e);

		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
		for (i = 0; i < -e; i++)
			assert_string_not_equal(s, seen[i]);
		seen[-e] = s;
	}
}

static void test_unknown(void **state)
{
	(void)state;
	assert_string_equal(oc_strerror(1), "unknown error");
	assert_string_equal(oc_strerror(OC_ERR_LAST - 1), "unknown error");
	assert_string_equal(oc_strerror(-1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code),
	    cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
