# tests/contract - the module and oneclaw-tool against hosted-fixture.py, a
# stand-in of the HOSTED 1claw service shaped on its published API, odd
# answers included (oneclaw-vaultd answers only what our client expects).
# contract-lib.sh starts one fixture per test on a free loopback port;
# logq.py answers questions about its request log.
EXTRA_DIST += tests/contract/contract-lib.sh tests/contract/hosted-fixture.py \
	tests/contract/logq.py
TESTS += tests/contract/contract-vault-list.sh
EXTRA_DIST += tests/contract/contract-vault-list.sh
TESTS += tests/contract/contract-large-list.sh
EXTRA_DIST += tests/contract/contract-large-list.sh
TESTS += tests/contract/contract-stale-token.sh
EXTRA_DIST += tests/contract/contract-stale-token.sh
TESTS += tests/contract/contract-payment.sh
EXTRA_DIST += tests/contract/contract-payment.sh
TESTS += tests/contract/contract-vault-bound.sh
EXTRA_DIST += tests/contract/contract-vault-bound.sh
TESTS += tests/contract/contract-cmek-race.sh
EXTRA_DIST += tests/contract/contract-cmek-race.sh
TESTS += tests/contract/contract-put-5xx.sh
EXTRA_DIST += tests/contract/contract-put-5xx.sh
TESTS += tests/contract/contract-runtime-id.sh
EXTRA_DIST += tests/contract/contract-runtime-id.sh
TESTS += tests/contract/contract-rotate.sh
EXTRA_DIST += tests/contract/contract-rotate.sh
TESTS += tests/contract/contract-secret-get.sh
EXTRA_DIST += tests/contract/contract-secret-get.sh
TESTS += tests/contract/contract-agents.sh
EXTRA_DIST += tests/contract/contract-agents.sh
