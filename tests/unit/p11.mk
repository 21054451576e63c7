# tests/unit/p11.mk
# Unit tests of the PKCS#11 front end (p11/libocp11.la): the CK_RV mapping,
# the constants' names, the audit line, the attribute buffer-size protocol,
# token labels and serials, and the whole module over an in-memory vault
# (p11-test).
P11_UNIT_TESTS = \
	tests/unit/rv-test \
	tests/unit/names-test \
	tests/unit/audit-test \
	tests/unit/attr-test \
	tests/unit/token-name-test \
	tests/unit/p11-test

check_PROGRAMS += $(P11_UNIT_TESTS)
TESTS += $(P11_UNIT_TESTS)

P11_UNIT_CFLAGS = $(UNIT_CFLAGS) $(P11KIT_CFLAGS)
P11_UNIT_LIBS = p11/libocp11.la $(UNIT_LIBS)

tests_unit_rv_test_SOURCES = tests/unit/rv-test.c
tests_unit_rv_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_rv_test_LDADD = $(P11_UNIT_LIBS)

tests_unit_names_test_SOURCES = tests/unit/names-test.c
tests_unit_names_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_names_test_LDADD = $(P11_UNIT_LIBS)

tests_unit_attr_test_SOURCES = tests/unit/attr-test.c
tests_unit_attr_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_attr_test_LDADD = $(P11_UNIT_LIBS)

tests_unit_token_name_test_SOURCES = tests/unit/token-name-test.c
tests_unit_token_name_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_token_name_test_LDADD = $(P11_UNIT_LIBS)

tests_unit_p11_test_SOURCES = tests/unit/p11-test.c
tests_unit_p11_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_p11_test_LDADD = $(P11_UNIT_LIBS)

tests_unit_audit_test_SOURCES = tests/unit/audit-test.c \
	tests/unit/tmpdir.c tests/unit/tmpdir.h
tests_unit_audit_test_CFLAGS = $(P11_UNIT_CFLAGS)
tests_unit_audit_test_LDADD = $(P11_UNIT_LIBS)
