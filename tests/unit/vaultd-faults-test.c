/* vaultd-faults-test.c - the --faults grammar and its counters. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "vaultd/faults.h"

static void parse_errors(void **state)
{
	struct oc_faults *f = NULL;

	assert_int_not_equal(oc_faults_parse("status=200", &f), OC_OK);
	assert_int_not_equal(oc_faults_parse("delay=-1", &f), OC_OK);
	assert_int_not_equal(oc_faults_parse("delay=99999999", &f), OC_OK);
	assert_int_not_equal(oc_faults_parse("path=nope,status=500", &f),
			     OC_OK);
	assert_int_not_equal(oc_faults_parse("frobnicate=1", &f), OC_OK);
	assert_int_not_equal(oc_faults_parse("rate=0,status=500", &f), OC_OK);
}

static void rate_count_match(void **state)
{
	struct oc_faults *f = NULL;
	struct oc_fault_action a;
	int fired = 0, i;

	assert_int_equal(oc_faults_parse("method=GET,path=/v1/vaults,"
					 "status=503,retry-after=2,rate=2,"
					 "count=2;rotate-delay=40",
					 &f),
			 OC_OK);
	assert_int_equal(oc_faults_rotate_delay(f), 40);
	oc_faults_check(f, "PUT", "/v1/vaults/x", &a);
	assert_false(a.fired);
	oc_faults_check(f, "GET", "/v1/health", &a);
	assert_false(a.fired);
	for (i = 0; i < 10; i++) {
		oc_faults_check(f, "GET", "/v1/vaults/x", &a);
		if (a.fired) {
			fired++;
			assert_int_equal(a.status, 503);
			assert_int_equal(a.retry_after, 2);
			assert_int_equal(i % 2, 1);
		}
	}
	assert_int_equal(fired, 2);
	oc_faults_free(f);
	oc_faults_check(NULL, "GET", "/", &a);
	assert_false(a.fired);
}

static void rotate_hold(void **state)
{
	struct oc_faults *f = NULL;

	(void)state;
	assert_int_equal(oc_faults_parse("rotate-hold=/tmp/x/hold", &f), OC_OK);
	assert_string_equal(oc_faults_rotate_hold(f), "/tmp/x/hold");
	assert_int_equal(oc_faults_rotate_delay(f), 0);
	oc_faults_free(f);
	assert_int_equal(oc_faults_parse("rotate-delay=5", &f), OC_OK);
	assert_null(oc_faults_rotate_hold(f));
	oc_faults_free(f);
	assert_null(oc_faults_rotate_hold(NULL));
	/* A relative path would depend on vaultd's working directory. */
	assert_int_equal(oc_faults_parse("rotate-hold=hold", &f), OC_ERR_PARSE);
	assert_int_equal(oc_faults_parse("hold=hold", &f), OC_ERR_PARSE);
	assert_int_equal(oc_faults_parse("rotate-hold=", &f), OC_ERR_PARSE);
}

static void request_hold(void **state)
{
	struct oc_faults *f = NULL;
	struct oc_fault_action a;

	(void)state;
	assert_int_equal(oc_faults_parse("method=GET,hold=/tmp/h1;"
					 "method=PUT,delay=5",
					 &f),
			 OC_OK);
	oc_faults_check(f, "GET", "/v1/vaults", &a);
	assert_true(a.fired);
	assert_string_equal(a.hold, "/tmp/h1");
	oc_faults_check(f, "PUT", "/v1/vaults", &a);
	assert_true(a.fired);
	assert_null(a.hold);
	oc_faults_free(f);
}

static void truncate_and_delay(void **state)
{
	struct oc_faults *f = NULL;
	struct oc_fault_action a;

	assert_int_equal(oc_faults_parse("truncate;delay=5", &f), OC_OK);
	oc_faults_check(f, "GET", "/v1/anything", &a);
	assert_true(a.fired);
	assert_true(a.truncate);
	assert_int_equal(a.status, 0);
	oc_faults_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_errors),
	    cmocka_unit_test(rate_count_match),
	    cmocka_unit_test(truncate_and_delay),
	    cmocka_unit_test(rotate_hold),
	    cmocka_unit_test(request_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
