# The API client (src/api.c, src/http.c) against a real oneclaw-vaultd.
TESTS += tests/integration/api-client.sh
# One version, from configure.ac, everywhere.
TESTS += tests/integration/versions.sh
# Suite-wide checks that read what the other tests left behind.
TESTS += tests/integration/suite-log-secrets.sh
# Runs last: it needs every other test's logs.
tests/integration/suite-log-secrets.log: $(filter-out tests/integration/suite-log-secrets.log,$(TEST_LOGS))
