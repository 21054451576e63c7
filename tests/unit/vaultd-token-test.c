/* vaultd-token-test.c - Ed25519 JWTs: issue, verify, expiry, tampering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "secmem.h"
#include "vaultd/token.h"

static const uint8_t seed[32] = {1,  2,	 3,  4,	 5,  6,	 7,  8,	 9,  10, 11,
				 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
				 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static char *issue(struct oc_signer *s, int64_t now, int64_t ttl)
{
	struct oc_principal p;
	char *tok = NULL;

	memset(&p, 0, sizeof(p));
	p.kind = OC_PRINCIPAL_AGENT;
	memcpy(p.id, "6d0c1b52-8e57-4d6f-9c1a-1c2f5e0e3a11", 37);
	p.gen = 7;
	assert_int_equal(oc_strlist_add(&p.vault_ids,
					"0b7e5b1c-0d8a-4f1e-8d7e-6a3b2c1d0e9f"),
			 OC_OK);
	assert_int_equal(oc_strlist_add(&p.scopes, "db/**"), OC_OK);
	assert_int_equal(oc_token_issue(s, &p, now, ttl, &tok), OC_OK);
	oc_principal_clear(&p);
	return tok;
}

static void roundtrip(void **state)
{
	struct oc_signer *s = NULL;
	struct oc_principal p;
	const char *why;
	char *tok;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	tok = issue(s, 1000, 60);
	assert_int_equal(strncmp(tok, "eyJ", 3), 0);
	assert_int_equal(oc_token_verify(s, tok, strlen(tok), 1010, &p, &why),
			 OC_OK);
	assert_int_equal(p.kind, OC_PRINCIPAL_AGENT);
	assert_int_equal(p.gen, 7);
	assert_int_equal(p.exp, 1060);
	assert_int_equal(p.vault_ids.n, 1);
	assert_string_equal(p.scopes.v[0], "db/**");
	oc_principal_clear(&p);
	/* Expired at exp. */
	assert_int_equal(oc_token_verify(s, tok, strlen(tok), 1060, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	oc_secure_free(tok);
	oc_signer_free(s);
}

static void tampered(void **state)
{
	struct oc_signer *s = NULL, *other = NULL;
	struct oc_principal p;
	uint8_t seed2[32];
	const char *why;
	char *tok, *dot;
	size_t n;

	assert_int_equal(oc_signer_new(seed, &s), OC_OK);
	memcpy(seed2, seed, 32);
	seed2[0] ^= 1;
	assert_int_equal(oc_signer_new(seed2, &other), OC_OK);
	tok = issue(s, 1000, 60);
	n = strlen(tok);
	/* Another key's signature. */
	assert_int_equal(oc_token_verify(other, tok, n, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	/* A flipped payload byte. */
	dot = strchr(tok, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	assert_int_equal(oc_token_verify(s, tok, n, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	/* Junk. */
	assert_int_equal(oc_token_verify(s, "a.b.c", 5, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	assert_int_equal(oc_token_verify(s, "", 0, 1001, &p, &why),
			 OC_ERR_UNAUTHORIZED);
	oc_secure_free(tok);
	oc_signer_free(s);
	oc_signer_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roundtrip),
	    cmocka_unit_test(tampered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
