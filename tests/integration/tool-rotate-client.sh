#!/bin/sh
# Client-side CMEK rotation over 1,000 secrets: no key ever crosses the
# wire; afterwards every value opens with the new key only and equals its
# plaintext.  A run killed with SIGKILL half-way leaves a mixed vault that
# the same command finishes; running it once more has nothing to do.  The
# server's per-version fingerprints end up true, so a server-assisted
# rotation afterwards works too (regression: it used to find nothing to do
# and leave every value under the previous key).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need node base64 curl
oc_start_vaultd --wire-log "$T/wire.raw"
tool_env

for k in k1 k2 k3 k4; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done

V=$(tool vault create rotate-client) || oc_fail "vault create"
# A secret from before CMEK was on: rotation leaves it as it is.
printf 'legacy-plain-value-7f3a' | tool secret put "$V" legacy/one > /dev/null || oc_fail "put"
oc_secret legacy-plain-value-7f3a
tool cmek enable "$V" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "enable"
seed "$V" 1000 rc "$T/k1.key"
# Another client already sealed one value with the coming key while the
# vault still names k1: the server records it under k1.
oc_api PUT "/v1/vaults/$V/secrets/stale/one" \
	"{\"value\":\"$(node_seal "$T/k2.key" early-k2-value-5d21)\",\"type\":\"note\"}" > /dev/null
oc_expect_status 201
oc_secret early-k2-value-5d21
cp "$T/rc.jsonl" "$T/expect.jsonl"
echo '{"path":"legacy/one","value":"legacy-plain-value-7f3a"}' >> "$T/expect.jsonl"
echo '{"path":"stale/one","value":"early-k2-value-5d21"}' >> "$T/expect.jsonl"
SEALED=1001

echo "== k1 -> k2, client mode"
tool --json cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode client \
	> "$T/sum.json" 2> "$T/prog.err" || { cat "$T/prog.err" >&2; oc_fail "rotate"; }
cat "$T/sum.json"
[ "$(json_get total < "$T/sum.json")" = 1002 ] || oc_fail "total"
[ "$(json_get resealed < "$T/sum.json")" = 1000 ] || oc_fail "resealed"
[ "$(json_get rerecorded < "$T/sum.json")" = 1 ] || oc_fail "rerecorded"
[ "$(json_get plain < "$T/sum.json")" = 1 ] || oc_fail "plain"
[ "$(json_get verified < "$T/sum.json")" = $SEALED ] || oc_fail "verified"
# No terminal: plain progress lines.
grep -q '^rotated 1002/1002$' "$T/prog.err" || oc_fail "no progress lines: $(cat "$T/prog.err")"
grep -q '^verified 1002/1002$' "$T/prog.err" || oc_fail "no verification lines"
[ "$(vault_fp)" = "$(fp k2)" ] || oc_fail "vault fingerprint is not k2's"
tool secret export "$V" --key "$T/k2.key" > "$T/got.jsonl" || oc_fail "export with k2"
same_values "$T/expect.jsonl" "$T/got.jsonl"
[ "$(unreadable "$V" "$T/k1.key")" = $SEALED ] || oc_fail "the old key still opens secrets"
expect_exit 1 'does not open' tool secret get "$V" rc/s00007 --key "$T/k1.key"
# The server now records every sealed version under k2.
tool --json cmek status "$V" > "$T/status.json" || oc_fail "status"
[ "$(json_get current_key < "$T/status.json")" = $SEALED ] || oc_fail "stale server records: $(cat "$T/status.json")"
# Client mode sends no key at all.
for k in k1 k2; do
	grep -qF "$(tr -d '\n' < "$T/$k.key")" "$T/wire.raw" && oc_fail "$k crossed the wire"
done
grep -qi 'x-cmek-' "$T/wire.raw" && oc_fail "client mode sent rotation headers"

echo "== the same command again: nothing to do"
tool --json cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode client \
	> "$T/again.json" 2>/dev/null || oc_fail "rotate again"
[ "$(json_get resealed < "$T/again.json")" = 0 ] || oc_fail "re-sealed again"
[ "$(json_get already < "$T/again.json")" = $SEALED ] || oc_fail "already"

echo "== k2 -> k3, killed with SIGKILL half-way"
oc_stop_vaultd
# Every 300th write is held while $T/hold exists: the run cannot finish
# before it is killed, however the machine schedules it.
: > "$T/hold"
oc_serve_vaultd --faults "method=PUT,path=/v1/vaults/$V/secrets/,rate=300,hold=$T/hold"
tool_env
tool cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode client --jobs 2 \
	> /dev/null 2> "$T/int.err" &
pid=$!
wait_for_line "$T/int.err" '^rotated [1-9][0-9]*/' "$pid" ||
	oc_fail "the rotation ended before it could be killed"
kill -9 "$pid"
wait "$pid" 2>/dev/null
rm -f "$T/hold"
oc_stop_vaultd
oc_serve_vaultd
tool_env
# The vault names the new key from the start; the values are mixed.
[ "$(vault_fp)" = "$(fp k3)" ] || oc_fail "the vault does not name k3"
n3=$(unreadable "$V" "$T/k3.key")
n2=$(unreadable "$V" "$T/k2.key")
echo "after the kill: $n2 secrets under k3, $n3 still under k2"
[ "$n2" -gt 0 ] && [ "$n3" -gt 0 ] && [ $((n2 + n3)) -eq $SEALED ] ||
	oc_fail "not a half-rotated vault ($n2 / $n3)"

echo "== resumed with the same command"
tool --json cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode client \
	> "$T/resume.json" 2> "$T/resume.err" || { cat "$T/resume.err" >&2; oc_fail "resume"; }
cat "$T/resume.json"
[ "$(json_get already < "$T/resume.json")" = "$n2" ] || oc_fail "already != $n2"
[ "$(json_get resealed < "$T/resume.json")" = "$n3" ] || oc_fail "resealed != $n3"
[ "$(json_get verified < "$T/resume.json")" = $SEALED ] || oc_fail "verified"
[ "$(vault_fp)" = "$(fp k3)" ] || oc_fail "vault fingerprint is not k3's"
tool secret export "$V" --key "$T/k3.key" > "$T/got3.jsonl" || oc_fail "export with k3"
same_values "$T/expect.jsonl" "$T/got3.jsonl"
[ "$(unreadable "$V" "$T/k2.key")" = $SEALED ] || oc_fail "k2 still opens secrets"

echo "== then k3 -> k4 with the server's help"
tool --json cmek rotate "$V" --old "$T/k3.key" --new "$T/k4.key" --mode server \
	> "$T/server.json" 2> "$T/server.err" || { cat "$T/server.err" >&2; oc_fail "server rotation"; }
[ "$(json_get processed < "$T/server.json")" = $SEALED ] || oc_fail "server processed: $(cat "$T/server.json")"
[ "$(json_get verified < "$T/server.json")" = $SEALED ] || oc_fail "server verified"
tool secret export "$V" --key "$T/k4.key" > "$T/got4.jsonl" || oc_fail "export with k4"
same_values "$T/expect.jsonl" "$T/got4.jsonl"
echo "client rotation ok"
