# tests/tpm/local.mk - tests with a software TPM 2.0 behind tpm2-pkcs11
# as a "hardware token" (tests/tpm-lib.sh starts swtpm on a loopback port
# pair per test).  They are not part of `make check`: `make check-tpm`
# runs them with a test-suite log of their own (scripts/check's tpm
# stage); they skip without swtpm or tpm2-pkcs11 unless CI=true or
# OC_REQUIRE_TPM=1, where that is a failure.
TPM_TESTS = tests/tpm/tpm-harness.sh tests/tpm/tokenkey-tpm.sh \
	tests/tpm/hw-agent.sh
TPM_SUITE_LOG = tests/tpm/test-suite.log

EXTRA_DIST += tests/tpm-lib.sh $(TPM_TESTS)

check-tpm:
	@$(MKDIR_P) tests/tpm
	@$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(TPM_TESTS)" \
	  TEST_SUITE_LOG="$(TPM_SUITE_LOG)"

.PHONY: check-tpm
