# tests/unit/tokenkey.mk
# A key in another PKCS#11 token (src/tokenkey): the PIN reader and the
# refusals before any token (tokenkey-test), and the keys themselves
# against SoftHSM2 (tokenkey-softhsm-test, skipped without it).
TOKENKEY_UNIT_TESTS = tests/unit/tokenkey-test tests/unit/tokenkey-softhsm-test

check_PROGRAMS += $(TOKENKEY_UNIT_TESTS)
TESTS += $(TOKENKEY_UNIT_TESTS)

TOKENKEY_TEST_LIBS = src/tokenkey/libtokenkey.la src/libocore.la $(UNIT_LIBS)

tests_unit_tokenkey_test_SOURCES = tests/unit/tokenkey-test.c \
	tests/unit/tmpdir.c tests/unit/tmpdir.h
tests_unit_tokenkey_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_tokenkey_test_LDADD = $(TOKENKEY_TEST_LIBS)

tests_unit_tokenkey_softhsm_test_SOURCES = \
	tests/unit/tokenkey-softhsm-test.c tests/unit/tmpdir.c tests/unit/tmpdir.h
tests_unit_tokenkey_softhsm_test_CFLAGS = $(UNIT_CFLAGS) $(P11KIT_CFLAGS)
tests_unit_tokenkey_softhsm_test_LDADD = $(TOKENKEY_TEST_LIBS) $(CRYPTO_LIBS) -ldl

# The same unit against a TPM 2.0 (tpm2-pkcs11 on swtpm): built with the
# tests, run only by tests/tpm/tokenkey-tpm.sh, which makes the TPM and
# its token (see tests/tpm/local.mk).
check_PROGRAMS += tests/unit/tokenkey-tpm-test
tests_unit_tokenkey_tpm_test_SOURCES = tests/unit/tokenkey-tpm-test.c
tests_unit_tokenkey_tpm_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_tokenkey_tpm_test_LDADD = $(TOKENKEY_TEST_LIBS) $(CRYPTO_LIBS)
