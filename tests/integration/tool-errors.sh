#!/bin/sh
# oneclaw-tool bad inputs: wrong old key, corrupted or truncated key file,
# loose key file permissions (warned), unknown vault, CMEK off, server down
# or silent, odd secret paths, no terminal.  Each gives a clear message and
# a non-zero exit, names the problem, never prints a secret, and leaves the
# vault unchanged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need curl base64 node
oc_start_vaultd
tool_env

for k in k1 k2 k3; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done
V=$(tool vault create errors) || oc_fail "vault create"
tool cmek enable "$V" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "enable"
gen_jsonl 20 err > "$T/plain.jsonl"
oc_secret "$(sed -n 's/.*"value":"\([^"]*\)".*/\1/p' "$T/plain.jsonl" | head -n 3)"
tool secret import "$V" --file "$T/plain.jsonl" --key "$T/k1.key" > /dev/null || oc_fail "import"
P=$(tool vault create plain) || oc_fail "vault create plain"
printf 'plain-vault-value-123' | tool secret put "$P" a/b > /dev/null || oc_fail "plain put"
oc_secret plain-vault-value-123
snapshot "$V" "$T/v.before"
snapshot "$P" "$T/p.before"
printf 'a-value-that-must-not-be-stored' > "$T/val"
oc_secret a-value-that-must-not-be-stored

no_secret_in_err() {
	for s in "$(tr -d '\n' < "$T/k1.key")" "$(tr -d '\n' < "$T/k2.key")" \
		a-value-that-must-not-be-stored plain-err-00001; do
		grep -qF -- "$s" "$T/err" "$T/out" && oc_fail "a secret was printed"
	done
	return 0
}

echo "== wrong old key"
for mode in client server; do
	expect_exit 1 'not the CMEK key of vault.*nothing was changed' \
		tool cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode $mode
	no_secret_in_err
done
echo "== a key other than the vault's for put, or none"
EXPECT_STDIN="$T/val"
expect_exit 1 "is not the CMEK key of vault $V.*nothing was sent" \
	tool secret put "$V" new/secret --key "$T/k2.key"
expect_exit 1 'has CMEK on.*nothing was sent' tool secret put "$V" new/secret
EXPECT_STDIN=
expect_exit 1 'does not open with key' tool secret get "$V" err/s00001 --key "$T/k2.key"
no_secret_in_err
expect_exit 1 'CMEK-sealed.*--key' tool secret get "$V" err/s00001
expect_exit 1 'could not be read' tool secret export "$V" --key "$T/k2.key"
[ -s "$T/out" ] && oc_fail "export wrote values it could not all read"

echo "== corrupted and truncated key files"
( umask 077
  printf 'this is not a key, it is some text\n' > "$T/bad.key"
  head -c 20 "$T/k1.key" > "$T/trunc.key"
  base64 -d < "$T/k1.key" | head -c 31 > "$T/raw31.key" )
for f in bad trunc raw31 missing; do
	expect_exit 1 "$f.key" tool cmek rotate "$V" --old "$T/$f.key" --new "$T/k3.key" --mode client
	expect_exit 1 "$f.key" tool cmek rotate "$V" --old "$T/k1.key" --new "$T/$f.key" --mode server
	EXPECT_STDIN="$T/val"
	expect_exit 1 "$f.key" tool secret put "$V" new/secret --key "$T/$f.key"
	EXPECT_STDIN=
	grep -q 'some text' "$T/err" && oc_fail "key file content echoed"
done

echo "== loose permissions: readable by others refused; by its group warned, and used"
cp "$T/k1.key" "$T/loose.key"
chmod 644 "$T/loose.key"
expect_exit 1 'loose.key is readable by others; refusing it \(chmod o-r ' \
	tool cmek status "$V" --key "$T/loose.key"
chmod 640 "$T/loose.key"
tool cmek status "$V" --key "$T/loose.key" > "$T/out" 2> "$T/err" || oc_fail "group-readable key refused"
grep -q 'warning.*loose.key.*its group' "$T/err" || oc_fail "no warning: $(cat "$T/err")"
grep -q 'matches the vault' "$T/out" || oc_fail "group-readable key not used"

echo "== unknown vault"
expect_exit 1 "unknown vault 'no-such-vault'" tool secret list no-such-vault
expect_exit 1 "unknown vault 'no-such-vault'" tool secret get no-such-vault a/b
expect_exit 1 "unknown vault '00000000-0000-4000-8000-000000000000'" \
	tool secret get 00000000-0000-4000-8000-000000000000 a/b
expect_exit 1 'unknown vault' tool cmek rotate 00000000-0000-4000-8000-000000000000 \
	--old "$T/k1.key" --new "$T/k2.key" --mode client
expect_exit 1 'unknown vault' tool cmek enable no-such-vault --key "$T/k1.key"
EXPECT_STDIN="$T/val"
expect_exit 1 'unknown vault' tool secret put no-such-vault a/b
EXPECT_STDIN=

echo "== CMEK off"
for mode in client server; do
	expect_exit 1 "vault $P has CMEK off" \
		tool cmek rotate "$P" --old "$T/k1.key" --new "$T/k2.key" --mode $mode
done
EXPECT_STDIN="$T/val"
expect_exit 1 "vault $P has CMEK off.*nothing was sent" tool secret put "$P" a/c --key "$T/k1.key"
EXPECT_STDIN=

echo "== odd secret paths"
EXPECT_STDIN="$T/val"
for p in 'with space/x' 'unicode/ключ' 'percent/100%' 'a//b' '/lead' 'trail/' 'dot/../x'; do
	expect_exit 1 'invalid secret path.*nothing was changed' tool secret put "$V" "$p" --key "$T/k1.key"
done
EXPECT_STDIN=
expect_exit 1 'not found' tool secret get "$V" 'with space/x' --key "$T/k1.key"
expect_exit 1 'not found' tool secret rm "$V" 'percent/100%'
# A secret stored by another client under such a path is still reachable:
# the tool escapes it on the wire.
Q=$(tool vault create odd-paths) || oc_fail "vault create"
oc_api PUT "/v1/vaults/$Q/secrets/odd%20dir/%D0%BA%D0%BB%D1%8E%D1%87%25x" \
	'{"value":"odd-path-value-42","type":"note"}' > /dev/null
oc_expect_status 201
oc_secret odd-path-value-42
[ "$(tool secret get "$Q" 'odd dir/ключ%x')" = odd-path-value-42 ] || oc_fail "get of an odd path"
tool secret list "$Q" | grep -q 'odd dir/ключ%x' || oc_fail "list of an odd path"
tool secret rm "$Q" 'odd dir/ключ%x' > /dev/null || oc_fail "rm of an odd path"

echo "== no terminal: an empty value is refused"
expect_exit 1 'value is empty.*nothing was stored' tool secret put "$V" new/secret --key "$T/k1.key"
expect_exit 1 'refusing to read secret values from a terminal|no secrets' \
	tool secret import "$V" --key "$T/k1.key"

echo "== the vaults are unchanged"
same_snapshot "$V" "$T/v.before"
same_snapshot "$P" "$T/p.before"
[ "$(tool --json vault get "$V" | json_get cmek_fingerprint)" = "$(tool fingerprint "$T/k1.key")" ] ||
	oc_fail "the vault fingerprint changed"
tool secret export "$V" --key "$T/k1.key" > "$T/after.jsonl" || oc_fail "export"
same_values "$T/plain.jsonl" "$T/after.jsonl"

echo "== server silent: a timeout, within the limit"
oc_stop_vaultd
# The answer is held until the tool has given up.
: > "$T/hold"
oc_serve_vaultd --faults "path=/v1/vaults,hold=$T/hold"
tool_env
expect_exit 1 "cannot reach $OC_URL" tool --timeout 1 vault list
rm -f "$T/hold"
echo "== server down"
oc_stop_vaultd
expect_exit 1 "cannot reach $OC_URL" tool secret list "$V"
expect_exit 1 "cannot reach $OC_URL" tool cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode client
EXPECT_STDIN="$T/val"
expect_exit 1 "cannot reach" tool secret put "$V" new/secret --key "$T/k1.key"
EXPECT_STDIN=
no_secret_in_err
oc_serve_vaultd
tool_env
same_snapshot "$V" "$T/v.before"
echo "errors ok"
