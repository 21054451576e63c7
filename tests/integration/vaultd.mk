# tests/integration/vaultd.mk - oneclaw-vaultd over HTTP, each test with its
# own server on a free loopback port.  vaultd-lib.sh and vaultd-cmek.js are
# helpers (shipped with tests/integration); tests/node/dpop-sdk.js is the
# DPoP client of vaultd-dpop.sh.  hostile-client is the attack
# tool of vaultd-slowloris.sh and vaultd-flood.sh (and of the load bench):
# slow connections, health probes, body floods, a keep-alive load.
EXTRA_DIST += tests/node/dpop-sdk.js
check_PROGRAMS += tests/integration/hostile-client
tests_integration_hostile_client_SOURCES = \
	tests/integration/hostile-client.c

TESTS += \
	tests/integration/vaultd-init.sh \
	tests/integration/vaultd-config.sh \
	tests/integration/vaultd-service.sh \
	tests/integration/vaultd-unit.sh \
	tests/integration/vaultd-auth.sh \
	tests/integration/vaultd-dpop.sh \
	tests/integration/vaultd-health.sh \
	tests/integration/vaultd-vaults.sh \
	tests/integration/vaultd-secrets.sh \
	tests/integration/vaultd-cmek.sh \
	tests/integration/vaultd-access.sh \
	tests/integration/vaultd-revoke.sh \
	tests/integration/vaultd-policy-scale.sh \
	tests/integration/vaultd-rotate-crash.sh \
	tests/integration/vaultd-durable.sh \
	tests/integration/vaultd-softhsm.sh \
	tests/integration/vaultd-tls.sh \
	tests/integration/vaultd-faults.sh \
	tests/integration/vaultd-at-rest.sh \
	tests/integration/vaultd-http.sh \
	tests/integration/vaultd-slowloris.sh \
	tests/integration/vaultd-flood.sh
