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
