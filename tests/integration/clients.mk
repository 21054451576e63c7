# tests/integration/clients.mk - the PKCS#11 clients a user picks, each
# doing what its users do with keys and secrets in the vault (list, read a
# secret, sign and verify, TLS client authentication).
#
# NSS (libnss3-tools) is part of `make check`.  Java (SunPKCS11, keytool,
# JSSE) starts several JVMs: `make check-java` runs it with a test-suite
# log of its own (scripts/check's java stage, and again in its asan
# stage), outside `make check` and the valgrind stage.
TESTS += tests/integration/clients-nss.sh
JAVA_TESTS = tests/integration/clients-java.sh
JAVA_SUITE_LOG = tests/integration/java-suite.log
EXTRA_DIST += tests/integration/clients-tls-lib.sh $(JAVA_TESTS)

check-java:
	@$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(JAVA_TESTS)" \
	  TEST_SUITE_LOG="$(JAVA_SUITE_LOG)"

.PHONY: check-java
