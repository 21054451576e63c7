# Tests: cmocka unit tests (tests/unit), shell integration tests against a
# fresh oneclaw-vaultd each (tests/integration), contract tests against a
# stand-in of the hosted service (tests/contract), benchmarks (tests/bench,
# built by `make bench`, never part of check), fuzz targets (tests/fuzz).
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)'; \
	export top_builddir top_srcdir;

EXTRA_DIST += tests/lib.sh tests/cppcheck.supp tests/valgrind/oneclaw.supp \
	tests/valgrind/system.supp
# Every test script, wherever it is registered.
EXTRA_DIST += $(filter %.sh,$(TESTS))

# `make distcheck` with the unit tests and a few end-to-end tests in the
# unpacked release (read-only source, separate build and install
# directories): scripts/check runs the whole suite on the tree already.
DISTCHECK_SMOKE_TESTS = $(filter tests/unit/%,$(TESTS)) \
	tests/integration/versions.sh tests/integration/module-read.sh \
	tests/integration/tool-roundtrip.sh tests/integration/cmek-write.sh
# (TEST_LOGS, not TESTS: the tarball lists every test script by TESTS.)
distcheck-smoke:
	$(MAKE) $(AM_MAKEFLAGS) distcheck \
		TEST_LOGS='$(patsubst %.sh.log,%.log,$(DISTCHECK_SMOKE_TESTS:=.log))'
.PHONY: distcheck-smoke

# The debug logs every test leaves for suite-log-secrets.sh (tests/lib.sh).
clean-local:
	-rm -rf tests/logs

UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CRYPTO_CFLAGS) $(YAJL_CFLAGS)
UNIT_LIBS = $(CMOCKA_LIBS)

include tests/unit/local.mk
include tests/integration/local.mk
include tests/bench/local.mk
include tests/fuzz/local.mk
include tests/conformance/local.mk
include tests/attack/local.mk
include tests/contract/local.mk
include tests/tpm/local.mk
include tests/static.mk
