# tests/unit/asym.mk
# The public-key mechanisms (p11/asym.c) against plain OpenSSL.
check_PROGRAMS += tests/unit/asym-test
TESTS += tests/unit/asym-test

tests_unit_asym_test_SOURCES = tests/unit/asym-test.c
tests_unit_asym_test_CFLAGS = $(UNIT_CFLAGS) $(P11KIT_CFLAGS)
tests_unit_asym_test_LDADD = p11/libocp11.la $(UNIT_LIBS)
