/* vaultd-router-test.c - route matching and path decoding. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "vaultd/router.h"

static void h_a(struct oc_req *r)
{
	(void)r;
}
static void h_b(struct oc_req *r)
{
	(void)r;
}
static void h_c(struct oc_req *r)
{
	(void)r;
}
static void h_d(struct oc_req *r)
{
	(void)r;
}

static const struct oc_route routes[] = {
    {"GET", "/v1/vaults/{id}/secrets", h_a, 0},
    {"GET", "/v1/vaults/{id}/secrets/{*}", h_b, 0},
    {"PUT", "/v1/vaults/{id}/secrets/{*}", h_b, 0},
    {"GET", "/v1/vaults/{id}/secret-version/{*}/{n}", h_c, 0},
    {"GET", "/v1/vaults/{id}/cmek-rotate/{id}", h_d, 0},
};
#define N (sizeof(routes) / sizeof(routes[0]))

static void slash_and_2f_are_the_same(void **state)
{
	struct oc_route_match m;

	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/abc/secrets/a/b/c", &m),
	    OC_ROUTE_OK);
	assert_ptr_equal(m.route->fn, h_b);
	assert_string_equal(m.ids[0], "abc");
	assert_string_equal(m.path, "a/b/c");
	oc_route_match_clear(&m);
	assert_int_equal(oc_route_find(routes, N, "GET",
				       "/v1/vaults/abc/secrets/a%2Fb%2fc", &m),
			 OC_ROUTE_OK);
	assert_string_equal(m.path, "a/b/c");
	oc_route_match_clear(&m);
	assert_int_equal(oc_route_find(routes, N, "PUT",
				       "/v1/vaults/abc/secrets/sp%20ace", &m),
			 OC_ROUTE_OK);
	assert_string_equal(m.path, "sp ace");
	oc_route_match_clear(&m);
}

static void list_versions_and_ids(void **state)
{
	struct oc_route_match m;

	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets", &m),
	    OC_ROUTE_OK);
	assert_ptr_equal(m.route->fn, h_a);
	assert_null(m.path);
	oc_route_match_clear(&m);
	assert_int_equal(oc_route_find(routes, N, "GET",
				       "/v1/vaults/v/secret-version/a%2Fb/12",
				       &m),
			 OC_ROUTE_OK);
	assert_string_equal(m.path, "a/b");
	assert_int_equal(m.number, 12);
	oc_route_match_clear(&m);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/cmek-rotate/j", &m),
	    OC_ROUTE_OK);
	assert_int_equal(m.n_ids, 2);
	assert_string_equal(m.ids[1], "j");
	oc_route_match_clear(&m);
}

static void bad_paths(void **state)
{
	struct oc_route_match m;

	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/a%2", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/a%00b", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/a//b", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/a/../b", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/%2Fa", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "GET", "/v1/vaults/v/secrets/a%ffb", &m),
	    OC_ROUTE_BAD_PATH);
	assert_int_equal(
	    oc_route_find(routes, N, "DELETE", "/v1/vaults/v/secrets/a", &m),
	    OC_ROUTE_BAD_METHOD);
	assert_int_equal(oc_route_find(routes, N, "GET", "/v1/nothing", &m),
			 OC_ROUTE_NOT_FOUND);
	assert_int_equal(oc_route_find(routes, N, "GET",
				       "/v1/vaults/v/secret-version/a/x", &m),
			 OC_ROUTE_NOT_FOUND);
}

static void percent_decoding(void **state)
{
	static const char *bad[] = {"%",   "a%",  "a%2",   "%4g",
				    "%g4", "%00", "a%00b", "x\0y"};
	char *d = NULL;
	size_t i;

	(void)state;
	assert_int_equal(oc_percent_decode("%41%62c", 7, &d), OC_OK);
	assert_string_equal(d, "Abc");
	free(d);
	assert_int_equal(oc_percent_decode("%e2%9C%93/%2f", 13, &d), OC_OK);
	assert_string_equal(d, "\xe2\x9c\x93//");
	free(d);
	assert_int_equal(oc_percent_decode("", 0, &d), OC_OK);
	assert_string_equal(d, "");
	free(d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = NULL;
		assert_int_equal(
		    oc_percent_decode(bad[i], i == 7 ? 3 : strlen(bad[i]), &d),
		    OC_ERR_PARSE);
		assert_null(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(slash_and_2f_are_the_same),
	    cmocka_unit_test(list_versions_and_ids),
	    cmocka_unit_test(bad_paths),
	    cmocka_unit_test(percent_decoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
