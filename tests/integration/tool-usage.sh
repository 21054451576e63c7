#!/bin/sh
# oneclaw-tool usage: help and version exit 0; usage errors exit 2 with a
# hint; nothing is sent for a usage error.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup

tool --help > "$T/help" || oc_fail "--help"
grep -q 'cmek rotate' "$T/help" || oc_fail "--help lists no commands"
tool --version | grep -q 'oneclaw-tool' || oc_fail "--version"
for c in "secret put" "secret get" "cmek rotate" "vault create" keygen fingerprint; do
	# shellcheck disable=SC2086
	tool $c --help > "$T/help" || oc_fail "$c --help"
	grep -q 'Usage' "$T/help" || oc_fail "$c --help prints no usage"
done

# A server that would notice any request: there is none (port 9 refused).
ONECLAW_API_URL=http://127.0.0.1:9
ONECLAW_API_KEY=1ck_usage_test_not_a_real_key_00000000
export ONECLAW_API_URL ONECLAW_API_KEY

expect_exit 2 'no command' tool
expect_exit 2 'unknown command' tool frobnicate
expect_exit 2 'unknown option' tool --frob vault list
expect_exit 2 'needs a value' tool --url
expect_exit 2 'list, get or create' tool vault
expect_exit 2 'unknown subcommand' tool vault explode
# A subcommand name is shown with its control characters replaced, so an
# argument cannot drive the terminal.
for c in vault cmek secret; do
	expect_exit 2 'unknown subcommand' tool $c "$(printf 'x\033]0;owned\007')"
	if grep -q "$(printf '\033')" "$T/err"; then
		oc_fail "$c: an escape character reached the terminal"
	fi
done
expect_exit 2 'VAULT' tool vault get
expect_exit 2 'VAULT' tool vault get a b
expect_exit 2 'VAULT PATH' tool secret put v
expect_exit 2 'VAULT PATH' tool secret get v
expect_exit 2 'unknown option' tool secret put v p --value hunter2
expect_exit 2 'mode' tool cmek rotate v --old a --new b
expect_exit 2 'mode is server or client' tool cmek rotate v --old a --new b --mode both
expect_exit 2 'old KEY and --new' tool cmek rotate v --new b --mode client
expect_exit 2 'key KEY is required' tool cmek enable v
expect_exit 2 'jobs' tool cmek rotate v --old a --new b --mode client --jobs 0
expect_exit 2 'jobs' tool cmek rotate v --old a --new b --mode client --jobs 12x
expect_exit 2 'timeout' tool --timeout -5 vault list
expect_exit 2 'type' tool secret put v p --type 'Bad Type'
expect_exit 2 'unexpected argument' tool keygen extra
grep -q "Try 'oneclaw-tool" "$T/err" || oc_fail "usage error without a hint"
echo "usage ok"
