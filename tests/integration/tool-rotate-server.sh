#!/bin/sh
# Server-assisted CMEK rotation over 1,000 secrets, followed as a job;
# running it again after completion only verifies; a job whose server is
# killed (kill -9) half-way is finished by running the same command again.
# Afterwards every value opens with the new key only and equals its
# plaintext.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need node base64
oc_start_vaultd
tool_env

for k in k1 k2 k3; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done

V=$(tool vault create rotate-server) || oc_fail "vault create"
tool cmek enable "$V" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "enable"
seed "$V" 1000 rs "$T/k1.key"

echo "== k1 -> k2, server mode"
tool --json cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode server \
	> "$T/sum.json" 2> "$T/prog.err" || { cat "$T/prog.err" >&2; oc_fail "rotate"; }
cat "$T/sum.json"
[ "$(json_get processed < "$T/sum.json")" = 1000 ] || oc_fail "processed"
[ "$(json_get verified < "$T/sum.json")" = 1000 ] || oc_fail "verified"
grep -q '^rotated 1000/1000$' "$T/prog.err" || oc_fail "no progress lines: $(cat "$T/prog.err")"
[ "$(vault_fp)" = "$(fp k2)" ] || oc_fail "vault fingerprint is not k2's"
tool secret export "$V" --key "$T/k2.key" > "$T/got.jsonl" || oc_fail "export with k2"
same_values "$T/rs.jsonl" "$T/got.jsonl"
[ "$(unreadable "$V" "$T/k1.key")" = 1000 ] || oc_fail "the old key still opens secrets"

echo "== the same command again: already done, verified"
tool --json cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode server \
	> "$T/again.json" 2>/dev/null || oc_fail "rotate again"
[ "$(json_get already_done < "$T/again.json")" = true ] || oc_fail "already_done"
[ "$(json_get verified < "$T/again.json")" = 1000 ] || oc_fail "verified again"

echo "== k2 -> k3, vaultd killed half-way through the job"
oc_stop_vaultd
# The job stops after its first batch while $T/hold exists.
: > "$T/hold"
oc_serve_vaultd --faults "rotate-hold=$T/hold"
tool_env
tool cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode server \
	> /dev/null 2> "$T/int.err" &
pid=$!
wait_for_line "$T/int.err" '^rotated [1-9][0-9]*/1000$' "$pid" ||
	{ cat "$T/int.err" >&2; oc_fail "the job ended before vaultd could be killed"; }
kill -9 "$VAULTD_PID"
wait "$VAULTD_PID" 2>/dev/null
VAULTD_PID=
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || oc_fail "the tool exited $rc when its server died"
grep -q "cannot reach" "$T/int.err" || oc_fail "no 'cannot reach': $(cat "$T/int.err")"
grep -q "run the same command again" "$T/int.err" || oc_fail "no resume hint"
oc_serve_vaultd
tool_env
[ "$(vault_fp)" = "$(fp k2)" ] || oc_fail "an unfinished job changed the vault fingerprint"
n3=$(unreadable "$V" "$T/k3.key")
n2=$(unreadable "$V" "$T/k2.key")
echo "after the kill: $n2 secrets need k3, $n3 need k2"
[ "$n2" -gt 0 ] && [ "$n3" -gt 0 ] && [ $((n2 + n3)) -eq 1000 ] ||
	oc_fail "not a half-rotated vault ($n2 / $n3)"

echo "== resumed with the same command"
tool --json cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode server \
	> "$T/resume.json" 2> "$T/resume.err" || { cat "$T/resume.err" >&2; oc_fail "resume"; }
cat "$T/resume.json"
[ "$(json_get verified < "$T/resume.json")" = 1000 ] || oc_fail "verified"
[ "$(vault_fp)" = "$(fp k3)" ] || oc_fail "vault fingerprint is not k3's"
tool secret export "$V" --key "$T/k3.key" > "$T/got3.jsonl" || oc_fail "export with k3"
same_values "$T/rs.jsonl" "$T/got3.jsonl"
[ "$(unreadable "$V" "$T/k2.key")" = 1000 ] || oc_fail "k2 still opens secrets"
echo "server rotation ok"
