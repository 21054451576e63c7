/* ossl-test.c - the private library context. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "err.h"
#include "ossl.h"

static void test_context(void **state)
{
	OSSL_LIB_CTX *ctx = oc_ossl_libctx();

	(void)state;
	assert_non_null(ctx);
	assert_ptr_equal(ctx, oc_ossl_libctx());
	/* not the process-wide default context */
	assert_ptr_not_equal(ctx, OSSL_LIB_CTX_get0_global_default());
	assert_true(OSSL_PROVIDER_available(ctx, "default"));
	assert_false(OSSL_PROVIDER_available(ctx, "legacy"));
	assert_false(OSSL_PROVIDER_available(ctx, "pkcs11"));
}

static void test_algorithms(void **state)
{
	const EVP_CIPHER *c = oc_ossl_aes_256_gcm();
	const EVP_MD *md = oc_ossl_sha256();

	(void)state;
	assert_non_null(c);
	assert_non_null(md);
	assert_ptr_equal(c, oc_ossl_aes_256_gcm());
	assert_int_equal(EVP_CIPHER_get_key_length(c), 32);
	assert_int_equal(EVP_CIPHER_get_mode(c), EVP_CIPH_GCM_MODE);
	assert_int_equal(EVP_MD_get_size(md), 32);
}

static void test_random(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	assert_int_equal(oc_random(a, sizeof(a)), OC_OK);
	assert_int_equal(oc_random(b, sizeof(b)), OC_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(oc_random(a, 0), OC_OK);
	assert_int_equal(oc_random(NULL, 4), OC_ERR_ARGS);
}

static void test_clear_errors(void **state)
{
	(void)state;
	ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
	assert_int_not_equal(ERR_peek_error(), 0);
	oc_ossl_clear_errors();
	assert_int_equal(ERR_peek_error(), 0);
}

static void *racer(void *arg)
{
	(void)arg;
	return (void *)oc_ossl_aes_256_gcm();
}

static void test_threads(void **state)
{
	pthread_t t[4];
	void *r[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer, NULL), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &r[i]);
		assert_ptr_equal(r[i], oc_ossl_aes_256_gcm());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads),	 cmocka_unit_test(test_context),
	    cmocka_unit_test(test_algorithms),	 cmocka_unit_test(test_random),
	    cmocka_unit_test(test_clear_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
