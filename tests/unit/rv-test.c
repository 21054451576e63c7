/* rv-test.c - p11/rv.c: the one OC_ERR_* -> CK_RV mapping, in each
 * context; the per-thread cause. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "rv.h"

static const enum oc_rv_ctx all_ctx[] = {
    OC_RV_GENERIC, OC_RV_OBJECT, OC_RV_VAULT, OC_RV_LOGIN,
    OC_RV_DECRYPT, OC_RV_UNWRAP, OC_RV_WRITE,
};
#define N_CTX (sizeof(all_ctx) / sizeof(all_ctx[0]))

/* Same answer in every context. */
static void same_everywhere(int err, CK_RV want)
{
	for (size_t i = 0; i < N_CTX; i++)
		assert_int_equal(oc_rv_map(err, all_ctx[i]), want);
}

static void test_fixed(void **state)
{
	(void)state;
	same_everywhere(OC_OK, CKR_OK);
	same_everywhere(OC_ERR_NOMEM, CKR_HOST_MEMORY);
	same_everywhere(OC_ERR_ARGS, CKR_ARGUMENTS_BAD);
	same_everywhere(OC_ERR_CRYPTO, CKR_FUNCTION_FAILED);
	same_everywhere(OC_ERR_FORBIDDEN, CKR_ACTION_PROHIBITED);
	same_everywhere(OC_ERR_CONFLICT, CKR_FUNCTION_FAILED);
	same_everywhere(OC_ERR_KEY_MISMATCH, CKR_ONECLAW_CMEK_MISMATCH);
	same_everywhere(OC_ERR_NOT_SEALED, CKR_ONECLAW_NOT_SEALED);
	same_everywhere(OC_ERR_PAYMENT, CKR_ONECLAW_PAYMENT_REQUIRED);
	same_everywhere(OC_ERR_NO_KEY, CKR_FUNCTION_FAILED);
	same_everywhere(OC_ERR_CONFIG, CKR_ARGUMENTS_BAD);
	same_everywhere(OC_ERR_PERM, CKR_ARGUMENTS_BAD);
	same_everywhere(OC_ERR_SEALED, CKR_ARGUMENTS_BAD);
	same_everywhere(OC_ERR_UNSUPPORTED, CKR_FUNCTION_FAILED);
	same_everywhere(OC_ERR_STATE, CKR_FUNCTION_FAILED);
	same_everywhere(OC_ERR_INTERNAL, CKR_GENERAL_ERROR);
	same_everywhere(-999, CKR_GENERAL_ERROR);
	same_everywhere(42, CKR_GENERAL_ERROR);
}

/* The network and the server are the device; auth is not. */
static void test_device_and_auth(void **state)
{
	(void)state;
	same_everywhere(OC_ERR_NET, CKR_DEVICE_ERROR);
	same_everywhere(OC_ERR_SERVER, CKR_DEVICE_ERROR);
	same_everywhere(OC_ERR_IO, CKR_DEVICE_ERROR);
	same_everywhere(OC_ERR_RATE_LIMITED, CKR_DEVICE_ERROR);
	for (size_t i = 0; i < N_CTX; i++) {
		CK_RV rv = oc_rv_map(OC_ERR_UNAUTHORIZED, all_ctx[i]);

		assert_int_not_equal(rv, CKR_DEVICE_ERROR);
		assert_int_equal(rv, all_ctx[i] == OC_RV_LOGIN
					 ? CKR_PIN_INCORRECT
					 : CKR_USER_NOT_LOGGED_IN);
	}
}

static void test_gone(void **state)
{
	(void)state;
	for (int err = OC_ERR_GONE; err <= OC_ERR_NOT_FOUND; err++) {
		assert_int_equal(oc_rv_map(err, OC_RV_OBJECT),
				 CKR_OBJECT_HANDLE_INVALID);
		assert_int_equal(oc_rv_map(err, OC_RV_WRITE),
				 CKR_OBJECT_HANDLE_INVALID);
		assert_int_equal(oc_rv_map(err, OC_RV_VAULT),
				 CKR_TOKEN_NOT_PRESENT);
		assert_int_equal(oc_rv_map(err, OC_RV_GENERIC),
				 CKR_FUNCTION_FAILED);
	}
}

static void test_crypto(void **state)
{
	(void)state;
	assert_int_equal(oc_rv_map(OC_ERR_TOO_SHORT, OC_RV_DECRYPT),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(oc_rv_map(OC_ERR_VERSION, OC_RV_DECRYPT),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_DECRYPT, OC_RV_DECRYPT),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_PARSE, OC_RV_DECRYPT),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_RANGE, OC_RV_DECRYPT),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_int_equal(oc_rv_map(OC_ERR_TOO_SHORT, OC_RV_UNWRAP),
			 CKR_WRAPPED_KEY_LEN_RANGE);
	assert_int_equal(oc_rv_map(OC_ERR_VERSION, OC_RV_UNWRAP),
			 CKR_WRAPPED_KEY_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_DECRYPT, OC_RV_UNWRAP),
			 CKR_WRAPPED_KEY_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_RANGE, OC_RV_UNWRAP),
			 CKR_WRAPPED_KEY_LEN_RANGE);
}

static void test_write(void **state)
{
	(void)state;
	assert_int_equal(oc_rv_map(OC_ERR_BAD_REQUEST, OC_RV_WRITE),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_TOO_LARGE, OC_RV_WRITE),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_RANGE, OC_RV_WRITE),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(oc_rv_map(OC_ERR_PARSE, OC_RV_WRITE),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	/* Elsewhere, a 413 is a response over its cap: the server's. */
	assert_int_equal(oc_rv_map(OC_ERR_TOO_LARGE, OC_RV_OBJECT),
			 CKR_DEVICE_ERROR);
	assert_int_equal(oc_rv_map(OC_ERR_BAD_REQUEST, OC_RV_GENERIC),
			 CKR_FUNCTION_FAILED);
	assert_int_equal(oc_rv_map(OC_ERR_RANGE, OC_RV_GENERIC),
			 CKR_DATA_LEN_RANGE);
}

/* Every OC_ERR_* has a deliberate answer: nothing falls through to the
 * "cannot happen" code but OC_ERR_INTERNAL. */
static void test_no_general_error(void **state)
{
	(void)state;
	for (int err = OC_ERR_STATE; err <= OC_ERR_NOMEM; err++)
		for (size_t i = 0; i < N_CTX; i++)
			assert_int_not_equal(oc_rv_map(err, all_ctx[i]),
					     CKR_GENERAL_ERROR);
}

static void *other_thread(void *arg)
{
	(void)arg;
	/* The cause is per thread. */
	assert_string_equal(oc_rv_cause_get(), "");
	oc_rv_cause("thread %d", 2);
	return NULL;
}

static void test_cause(void **state)
{
	pthread_t th;
	char longer[600];

	(void)state;
	oc_rv_cause_clear();
	assert_string_equal(oc_rv_cause_get(), "");
	oc_rv_cause("reading %s: %d", "app/x", 404);
	assert_string_equal(oc_rv_cause_get(), "reading app/x: 404");
	pthread_create(&th, NULL, other_thread, NULL);
	pthread_join(th, NULL);
	assert_string_equal(oc_rv_cause_get(), "reading app/x: 404");
	/* Bounded. */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	oc_rv_cause("%s", longer);
	assert_true(strlen(oc_rv_cause_get()) < sizeof(longer) - 1);
	oc_rv_cause_clear();
	assert_string_equal(oc_rv_cause_get(), "");
}

/* The first attribute noted is the one named; a clear forgets it. */
static void test_cause_attr(void **state)
{
	CK_ATTRIBUTE_TYPE t = 0;

	(void)state;
	oc_rv_cause_clear();
	assert_false(oc_rv_cause_attr_get(&t));
	oc_rv_cause_attr(CKA_VALUE);
	oc_rv_cause_attr(CKA_LABEL);
	assert_true(oc_rv_cause_attr_get(&t));
	assert_int_equal(t, CKA_VALUE);
	oc_rv_cause_clear();
	assert_false(oc_rv_cause_attr_get(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed),
	    cmocka_unit_test(test_device_and_auth),
	    cmocka_unit_test(test_gone),
	    cmocka_unit_test(test_crypto),
	    cmocka_unit_test(test_write),
	    cmocka_unit_test(test_no_general_error),
	    cmocka_unit_test(test_cause),
	    cmocka_unit_test(test_cause_attr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
