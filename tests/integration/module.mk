# tests/integration/module.mk - the module (issue 3) with real PKCS#11
# clients against oneclaw-vaultd: pkcs11-tool, p11tool, p11-kit, and
# p11-client (a small C application for threads, faults, fork, crypto).
check_PROGRAMS += tests/integration/p11-client
tests_integration_p11_client_SOURCES = tests/integration/p11-client.c \
	tests/integration/client-calls.c tests/integration/client-calls.h
tests_integration_p11_client_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
tests_integration_p11_client_LDADD = $(PTHREAD_LIBS) -ldl

TESTS += \
	tests/integration/module-exports.sh \
	tests/integration/module-config.sh \
	tests/integration/module-debug.sh \
	tests/integration/module-list.sh \
	tests/integration/module-lookup.sh \
	tests/integration/module-read.sh \
	tests/integration/module-revoked.sh \
	tests/integration/module-pin.sh \
	tests/integration/module-p11tool.sh \
	tests/integration/module-p11kit.sh \
	tests/integration/module-offline.sh \
	tests/integration/module-label.sh \
	tests/integration/module-write.sh \
	tests/integration/module-crypto.sh \
	tests/integration/module-audit.sh \
	tests/integration/module-threads.sh \
	tests/integration/module-helgrind.sh \
	tests/integration/module-fork.sh \
	tests/integration/module-reload.sh \
	tests/integration/module-faults.sh \
	tests/integration/dpop-softhsm.sh
EXTRA_DIST += tests/integration/module-lib.sh \
	tests/integration/module-helgrind.supp
