/* vaultd-rfc3339-test.c - timestamps. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "rfc3339.h"

static int64_t parse(const char *s)
{
	int64_t t = -1;

	if (oc_time_parse(s, strlen(s), &t) != OC_OK)
		return -1;
	return t;
}

static void valid(void **state)
{
	char buf[OC_TIME_LEN];

	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("2026-12-31T23:59:59Z"), 1798761599);
	assert_int_equal(parse("2026-12-31T23:59:59.123456Z"), 1798761599);
	assert_int_equal(parse("2027-01-01T01:00:00+02:00"), 1798761600 - 3600);
	assert_int_equal(parse("2024-02-29T00:00:00z"), 1709164800);
	oc_time_format(1798761599, buf);
	assert_string_equal(buf, "2026-12-31T23:59:59Z");
}

static void invalid(void **state)
{
	assert_int_equal(parse("2026-12-31"), -1);
	assert_int_equal(parse("2026-12-31T23:59:59"), -1);
	assert_int_equal(parse("2025-02-29T00:00:00Z"), -1);
	assert_int_equal(parse("2026-13-01T00:00:00Z"), -1);
	assert_int_equal(parse("2026-12-31T24:00:00Z"), -1);
	assert_int_equal(parse("2026-12-31T23:59:59+0200"), -1);
	assert_int_equal(parse("2026-12-31T23:59:59Zjunk"), -1);
	assert_int_equal(parse("tomorrow at noon, please"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid),
	    cmocka_unit_test(invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
