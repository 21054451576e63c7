# tests/unit/core.mk
# Unit tests of the core library (src/libocore.la), one program per unit.
CORE_UNIT_TESTS = \
	tests/unit/err-test \
	tests/unit/log-test \
	tests/unit/secmem-test \
	tests/unit/buf-test \
	tests/unit/codec-test \
	tests/unit/ossl-test \
	tests/unit/json-test \
	tests/unit/cmek-test \
	tests/unit/keysrc-test \
	tests/unit/sealkey-test \
	tests/unit/conf-test \
	tests/unit/wire-test \
	tests/unit/dpop-test

check_PROGRAMS += $(CORE_UNIT_TESTS)
TESTS += $(CORE_UNIT_TESTS)

tests_unit_err_test_SOURCES = tests/unit/err-test.c
tests_unit_err_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_err_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_log_test_SOURCES = tests/unit/log-test.c
tests_unit_log_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_log_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_secmem_test_SOURCES = tests/unit/secmem-test.c
tests_unit_secmem_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_secmem_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_buf_test_SOURCES = tests/unit/buf-test.c
tests_unit_buf_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_buf_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_codec_test_SOURCES = tests/unit/codec-test.c
tests_unit_codec_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_codec_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_ossl_test_SOURCES = tests/unit/ossl-test.c
tests_unit_ossl_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_ossl_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_json_test_SOURCES = tests/unit/json-test.c
tests_unit_json_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_json_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_cmek_test_SOURCES = tests/unit/cmek-test.c
tests_unit_cmek_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_cmek_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_keysrc_test_SOURCES = tests/unit/keysrc-test.c
tests_unit_keysrc_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_keysrc_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_sealkey_test_SOURCES = tests/unit/sealkey-test.c
tests_unit_sealkey_test_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_sealkey_test_LDADD = src/libocore.la $(CRYPTO_LIBS) $(UNIT_LIBS)

tests_unit_conf_test_SOURCES = tests/unit/conf-test.c
tests_unit_conf_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_conf_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_wire_test_SOURCES = tests/unit/wire-test.c
tests_unit_wire_test_CFLAGS = $(UNIT_CFLAGS)
tests_unit_wire_test_LDADD = src/libocore.la $(UNIT_LIBS)

tests_unit_dpop_test_SOURCES = tests/unit/dpop-test.c
tests_unit_dpop_test_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_dpop_test_LDADD = src/libocore.la $(UNIT_LIBS) $(CRYPTO_LIBS)
