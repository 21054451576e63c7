# tests/integration/soak.mk - the soak test (issue 6): four threads of a
# PKCS#11 application against a vaultd injecting faults, at most two
# minutes (OC_SOAK_SECONDS, default 60).
check_PROGRAMS += tests/integration/soak-client
tests_integration_soak_client_SOURCES = tests/integration/soak-client.c \
	tests/integration/client-calls.c tests/integration/client-calls.h
tests_integration_soak_client_CFLAGS = $(AM_CFLAGS) $(P11KIT_CFLAGS)
tests_integration_soak_client_LDADD = $(PTHREAD_LIBS) -ldl

TESTS += tests/integration/module-soak.sh
EXTRA_DIST += tests/integration/module-soak.sh
