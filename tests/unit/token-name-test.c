/* token-name-test.c - labels and serials of tokens (p11/token-name.c). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "init.h"
#include "token-name.h"

static void label_is(const char *id, const char *listed, const char *want)
{
	CK_UTF8CHAR l[OC_TOKEN_LABEL_LEN];
	char exp[OC_TOKEN_LABEL_LEN];

	memset(exp, ' ', sizeof(exp));
	memcpy(exp, want, strlen(want));
	oc_token_name_label(id, listed, l);
	assert_memory_equal(l, exp, sizeof(exp));
}

static void serial_is(const char *id, const char *want)
{
	CK_CHAR s[OC_TOKEN_SERIAL_LEN];
	char exp[OC_TOKEN_SERIAL_LEN];

	memset(exp, ' ', sizeof(exp));
	memcpy(exp, want, strlen(want));
	assert_int_equal(oc_token_name_serial(id, s), CKR_OK);
	assert_memory_equal(s, exp, sizeof(exp));
}

static void test_label(void **state)
{
	char *ids[] = {"v1"};

	(void)state;
	memset(&oc_mod, 0, sizeof(oc_mod));
	/* The stand-in, a listed name, else the id. */
	label_is("", "ignored", "1claw");
	label_is("v1", "listed name", "listed name");
	label_is("v1", NULL, "v1");
	label_is("v1", "", "v1");
	label_is("0123456789abcdef0123456789abcdef0123", NULL,
		 "0123456789abcdef0123456789abcdef");
	/* The configured name wins over the listed one. */
	oc_mod.conf.vaults[0].id = ids[0];
	oc_mod.conf.vaults[0].name = "configured";
	oc_mod.conf.n_vaults = 1;
	label_is("v1", "listed name", "configured");
	/* 31 ASCII bytes and a 2-byte character: the character goes. */
	oc_mod.conf.vaults[0].name = "0123456789012345678901234567890ä";
	label_is("v1", NULL, "0123456789012345678901234567890");
	memset(&oc_mod, 0, sizeof(oc_mod));
}

static void test_serial(void **state)
{
	(void)state;
	serial_is("", "1claw");
	serial_is("short-id", "short-id");
	serial_is("0123456789abcdef", "0123456789abcdef");
	/* Longer: 8 characters and SHA-256 of the id, 4 bytes in hex.
	 * printf %s 0123456789abcdefg | sha256sum -> 8378b19d... */
	serial_is("0123456789abcdefg", "012345678378b19d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label),
	    cmocka_unit_test(test_serial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
