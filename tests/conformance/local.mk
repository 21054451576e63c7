# tests/conformance - the module against the PKCS#11 2.40 base
# specification (conformance.c, one cmocka test per case) and fork()
# (fork.c), each run by its script against a fresh oneclaw-vaultd.
EXTRA_DIST += tests/conformance/conformance-lib.sh \
	tests/conformance/conformance.sh tests/conformance/fork.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/conformance/conformance
tests_conformance_conformance_SOURCES = tests/conformance/conformance.c
tests_conformance_conformance_CFLAGS = $(UNIT_CFLAGS) $(P11KIT_CFLAGS)
tests_conformance_conformance_LDADD = $(UNIT_LIBS) -ldl
TESTS += tests/conformance/conformance.sh
endif

check_PROGRAMS += tests/conformance/fork
tests_conformance_fork_SOURCES = tests/conformance/fork.c
tests_conformance_fork_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
tests_conformance_fork_LDADD = -ldl
TESTS += tests/conformance/fork.sh
