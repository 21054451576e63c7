# tests/integration/clients.mk - the PKCS#11 clients a user picks, each
# used as its users use it against a vault of the test's own (list, read a
# secret, sign and verify, TLS client authentication where the client does
# TLS): NSS (libnss3-tools), OpenVPN (pkcs11-helper, a TLS 1.3 handshake),
# Python (PyKCS11), Go (miekg/pkcs11), pkcs11-data, and the OpenSSL 3
# pkcs11-provider when it is installed.  clients-lib.sh is their helper.
#
# Java (SunPKCS11, keytool, JSSE) starts several JVMs: `make check-java`
# runs it with a test-suite log of its own (scripts/check's java stage, and
# again in its asan stage), outside `make check` and the valgrind stage.
TESTS += \
	tests/integration/clients-nss.sh \
	tests/integration/clients-openvpn.sh \
	tests/integration/clients-python.sh \
	tests/integration/clients-go.sh \
	tests/integration/clients-pkcs11-data.sh \
	tests/integration/clients-openssl-provider.sh
JAVA_TESTS = tests/integration/clients-java.sh
JAVA_SUITE_LOG = tests/integration/java-suite.log
EXTRA_DIST += tests/integration/clients-tls-lib.sh $(JAVA_TESTS)

check-java:
	@$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(JAVA_TESTS)" \
	  TEST_SUITE_LOG="$(JAVA_SUITE_LOG)"

# clients-go.sh builds its program and keeps Go's build cache here.
clean-local: clients-clean-go
clients-clean-go:
	-rm -rf tests/integration/p11-go tests/integration/go-cache
.PHONY: check-java clients-clean-go
