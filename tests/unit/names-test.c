/* names-test.c - p11/names.c: every constant the module answers with or
 * offers has its name; an unknown value reads as hex. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "mech.h"
#include "names.h"

static void test_rv(void **state)
{
	(void)state;
	assert_string_equal(oc_names_rv(CKR_OK), "CKR_OK");
	assert_string_equal(oc_names_rv(CKR_DEVICE_ERROR), "CKR_DEVICE_ERROR");
	assert_string_equal(oc_names_rv(CKR_KEY_INDIGESTIBLE),
			    "CKR_KEY_INDIGESTIBLE");
	assert_string_equal(oc_names_rv(CKR_ONECLAW_CMEK_MISMATCH),
			    "CKR_ONECLAW_CMEK_MISMATCH");
	assert_string_equal(oc_names_rv(0x8C1A0099UL), "CKR_0x8c1a0099");
}

/* Every mechanism the module lists has a name. */
static void test_mech(void **state)
{
	CK_MECHANISM_TYPE list[64];
	CK_ULONG n = 64;

	(void)state;
	assert_int_equal(oc_mech_list(list, &n), CKR_OK);
	assert_true(n > 6);
	for (CK_ULONG i = 0; i < n; i++)
		assert_memory_equal(oc_names_mech(list[i]), "CKM_", 4);
	assert_string_equal(oc_names_mech(CKM_SHA256), "CKM_SHA256");
	assert_string_equal(oc_names_mech(CKM_SHA_1), "CKM_SHA_1");
	assert_string_equal(oc_names_mech(CKM_ONECLAW_CMEK),
			    "CKM_ONECLAW_CMEK");
	/* An alias keeps the current name. */
	assert_string_equal(oc_names_mech(CKM_EC_KEY_PAIR_GEN),
			    "CKM_EC_KEY_PAIR_GEN");
	assert_string_equal(oc_names_mech(0x7ffffff0UL), "0x7ffffff0");
}

static void test_attr(void **state)
{
	(void)state;
	assert_string_equal(oc_names_attr(CKA_VALUE), "CKA_VALUE");
	assert_string_equal(oc_names_attr(CKA_LABEL), "CKA_LABEL");
	assert_string_equal(oc_names_attr(CKA_EC_PARAMS), "CKA_EC_PARAMS");
	assert_string_equal(oc_names_attr(CKA_WRAP_TEMPLATE),
			    "CKA_WRAP_TEMPLATE");
	assert_string_equal(oc_names_attr(CKA_ONECLAW_CMEK_BLOB),
			    "CKA_ONECLAW_CMEK_BLOB");
	assert_string_equal(oc_names_attr(0x7ffffff0UL), "0x7ffffff0");
}

/* Unknowns of two kinds in one line do not share a buffer. */
static void test_unknowns_apart(void **state)
{
	const char *m, *a;

	(void)state;
	m = oc_names_mech(0x7ffffff1UL);
	a = oc_names_attr(0x7ffffff2UL);
	assert_string_equal(m, "0x7ffffff1");
	assert_string_equal(a, "0x7ffffff2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rv),
	    cmocka_unit_test(test_mech),
	    cmocka_unit_test(test_attr),
	    cmocka_unit_test(test_unknowns_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
