#!/bin/sh
# CMEK rotation at its edges, against a real oneclaw-vaultd:
# - client mode writes each new version with every attribute of the old
#   one (type, metadata, expires_at, max_access_count);
# - neither mode reads an access-limited secret to verify it (a secret
#   allowed one read is still readable once afterwards) and the summary
#   names what it skipped; running a finished rotation again reads none;
# - a second server rotation while the first one's job runs (409) follows
#   that job, found through the record the first run left, and sends its
#   keys once; without that record it says so and stops;
# - a rotate call answered 400 because an earlier run has just finished
#   reports "already rotated"; any other refusal (400, 403, 402) stops
#   with the server's words and changes nothing, as does a wrong old key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need node base64 curl
oc_start_vaultd --wire-log "$T/wire.raw"
tool_env

for k in k1 k2 k3 k4 k5; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done
# listed PATH FIELD: a member of PATH's entry in the vault's secret list,
# as the server sends it (JSON text; "" when absent).
listed() {
	oc_api GET "/v1/vaults/$V/secrets" > "$T/list.json"
	oc_expect_status 200
	node -e '
		const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const e = l.secrets.find(s => s.path === process.argv[2]);
		if (!e) process.exit(3);
		const v = e[process.argv[3]];
		process.stdout.write(v === undefined ? "" : JSON.stringify(v));
	' "$T/list.json" "$1" "$2" || oc_fail "no $1 in the list"
}
# gets PATH: how many times PATH's value was asked for so far.
gets() {
	grep -c "^GET /v1/vaults/$V/secrets/$1 " "$T/wire.raw" || true
}
# posts: how many rotation calls reached the server.
posts() {
	grep -c "^POST /v1/vaults/$V/cmek-rotate " "$T/wire.raw" || true
}
# read_once PATH KEY VALUE: PATH opens with KEY to VALUE once, and is then
# used up (410).
read_once() {
	[ "$(tool secret get "$V" "$1" --key "$T/$2.key")" = "$3" ] ||
		oc_fail "$1 is not readable once with $2"
	oc_api GET "/v1/vaults/$V/secrets/$1" > /dev/null
	[ "$OC_STATUS" = 410 ] || oc_fail "$1 was readable twice (HTTP $OC_STATUS)"
}
# unchanged: the server's record of every secret (versions, fingerprints,
# access counts) is what it was at the last `remember`.
remember() { oc_api GET "/v1/vaults/$V/secrets" > "$T/before.json"; }
unchanged() {
	oc_api GET "/v1/vaults/$V/secrets" > "$T/after.json"
	cmp -s "$T/before.json" "$T/after.json" || oc_fail "the vault changed: $1"
	[ "$(vault_fp)" = "$(fp "$2")" ] || oc_fail "the vault no longer names $2: $1"
}
# tool_elsewhere ARGS...: the tool with a state directory of its own (it
# finds no record of jobs started by the other runs).
tool_elsewhere() {
	XDG_STATE_HOME="$T/elsewhere" $OC_WRAP "$TOOL" "$@"
}
# put_raw PATH KEY VALUE JSON-MEMBERS: a value sealed by Node's crypto,
# stored with the given members, as another client would.
put_raw() {
	oc_api PUT "/v1/vaults/$V/secrets/$1" \
		"{\"value\":\"$(node_seal "$T/$2.key" "$3")\"$4}" > /dev/null
	oc_expect_status 201
	oc_secret "$3"
}

V=$(tool vault create rotate-edge) || oc_fail "vault create"
tool cmek enable "$V" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "enable"
seed "$V" 250 re "$T/k1.key"
put_raw attr/one k1 attr-value-41c7 \
	',"type":"password","metadata":{"owner":"ops","tags":["a","b"],"n":3},"expires_at":"2099-06-30T12:00:00Z","max_access_count":5'
put_raw lim/c k1 limited-client-value-0b9e ',"type":"note","max_access_count":1'
put_raw lim/s k1 limited-server-value-77d2 ',"max_access_count":1'
ATTR_TYPE=$(listed attr/one type)
ATTR_META=$(listed attr/one metadata)
ATTR_EXP=$(listed attr/one expires_at)

echo "== client mode: every attribute carried over, limited secrets not read to verify"
tool --json cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode client \
	> "$T/c.json" 2> "$T/c.err" || { cat "$T/c.err" >&2; oc_fail "client rotation"; }
cat "$T/c.json"
[ "$(listed attr/one version)" = 2 ] || oc_fail "attr/one was not re-sealed"
[ "$(listed attr/one type)" = "$ATTR_TYPE" ] || oc_fail "type not carried: $(listed attr/one type)"
[ "$(listed attr/one metadata)" = "$ATTR_META" ] || oc_fail "metadata not carried: $(listed attr/one metadata)"
[ "$(listed attr/one expires_at)" = "$ATTR_EXP" ] || oc_fail "expires_at not carried: $(listed attr/one expires_at)"
[ "$(listed attr/one max_access_count)" = 5 ] || oc_fail "max_access_count not carried: $(listed attr/one max_access_count)"
[ "$(listed lim/c max_access_count)" = 1 ] || oc_fail "max_access_count of lim/c not carried"
[ "$(listed lim/c type)" = '"note"' ] || oc_fail "type of lim/c not carried"
# The rotation read each limited secret once (to re-seal it); the
# verification did not read them again.
[ "$(gets lim/c)" = 1 ] || oc_fail "lim/c read $(gets lim/c) times"
[ "$(gets attr/one)" = 1 ] || oc_fail "attr/one read $(gets attr/one) times"
[ "$(json_get resealed < "$T/c.json")" = 253 ] || oc_fail "resealed"
[ "$(json_get verified < "$T/c.json")" = 250 ] || oc_fail "verified"
[ "$(json_get access_limited < "$T/c.json")" = 3 ] || oc_fail "access_limited"
grep -q '"access_limited_paths":\["attr/one","lim/c","lim/s"\]' "$T/c.json" ||
	oc_fail "the summary does not name the skipped secrets"

echo "== client mode again: already rotated, no limited secret read"
tool cmek rotate "$V" --old "$T/k1.key" --new "$T/k2.key" --mode client \
	> "$T/c2.out" 2> "$T/c2.err" || { cat "$T/c2.err" >&2; oc_fail "client rotation again"; }
cat "$T/c2.out"
grep -q 'not verified: 3 access-limited.*lim/c' "$T/c2.out" || oc_fail "text summary: no skipped secrets"
[ "$(gets lim/c)" = 1 ] || oc_fail "the second run read lim/c"
read_once lim/c k2 limited-client-value-0b9e

echo "== server mode: a second run while the job runs follows it (409)"
oc_stop_vaultd
# The job stops after its first batch while $T/hold exists.
oc_serve_vaultd --wire-log "$T/wire.raw" --faults "rotate-hold=$T/hold"
tool_env
p0=$(posts)
: > "$T/hold"
tool --json cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode server \
	> "$T/a.json" 2> "$T/a.err" &
apid=$!
wait_for_line "$T/a.err" '^rotated [0-9]+/' "$apid" ||
	{ cat "$T/a.err" >&2; oc_fail "the first run ended before the second began"; }
ls "$XDG_STATE_HOME"/oneclaw/* > /dev/null 2>&1 || oc_fail "the first run left no record of its job"
tool cmek status "$V" > "$T/status.out" || oc_fail "cmek status"
grep -Eq '^rotation: +job [0-9a-f-]+, started from here: (pending|running), ' "$T/status.out" ||
	oc_fail "cmek status does not show the job: $(cat "$T/status.out")"
tool --json cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode server \
	> "$T/b.json" 2> "$T/b.err" &
bpid=$!
wait_for_line "$T/b.err" 'already running' "$bpid" ||
	{ cat "$T/b.err" >&2; oc_fail "the second run did not find the job running"; }
rm -f "$T/hold"
wait "$bpid" || { cat "$T/b.err" >&2; oc_fail "the second run failed"; }
wait "$apid" || { cat "$T/a.err" >&2; oc_fail "the first run failed"; }
cat "$T/b.err" "$T/b.json"
JOB=$(json_get job_id < "$T/a.json")
[ -n "$JOB" ] || oc_fail "no job id in the first summary"
grep -q "already running.*following job $JOB" "$T/b.err" || oc_fail "the second run did not say which job it follows"
[ "$(json_get job_id < "$T/b.json")" = "$JOB" ] || oc_fail "the second run followed another job"
[ "$(json_get verified < "$T/b.json")" = 250 ] || oc_fail "second run: verified"
[ $(($(posts) - p0)) = 2 ] || oc_fail "$(($(posts) - p0)) rotation calls for two runs (keys sent again and again)"
[ "$(vault_fp)" = "$(fp k3)" ] || oc_fail "the vault does not name k3"
[ -z "$(ls -A "$XDG_STATE_HOME/oneclaw" 2>/dev/null)" ] || oc_fail "the job record outlived the job"
[ "$(gets lim/s)" = 1 ] || oc_fail "server mode read lim/s to verify"

echo "== server mode again: already rotated, nothing read"
tool cmek rotate "$V" --old "$T/k2.key" --new "$T/k3.key" --mode server \
	> "$T/s2.out" 2> "$T/s2.err" || { cat "$T/s2.err" >&2; oc_fail "server rotation again"; }
cat "$T/s2.out"
grep -q 'already rotated: an earlier run finished' "$T/s2.out" || oc_fail "no 'already rotated'"
grep -q 'not verified: 3 access-limited' "$T/s2.out" || oc_fail "text summary: no skipped secrets"
[ "$(gets lim/s)" = 1 ] || oc_fail "the second run read lim/s"
read_once lim/s k3 limited-server-value-77d2
[ "$(tool secret get "$V" attr/one --key "$T/k3.key")" = attr-value-41c7 ] || oc_fail "attr/one"

echo "== 409 with no job id known here: stop and say so"
: > "$T/hold"
# A file of its own: a background command's redirection truncates its
# file only when that command starts, and the first run's a.err still
# says "rotated" (the wait would return before this run's call).
tool cmek rotate "$V" --old "$T/k3.key" --new "$T/k4.key" --mode server \
	> /dev/null 2> "$T/held.err" &
apid=$!
wait_for_line "$T/held.err" '^rotated [0-9]+/' "$apid" ||
	{ cat "$T/held.err" >&2; oc_fail "the first run ended before the second began"; }
p0=$(posts)
expect_exit 1 "already running for vault $V.*job id is not known here.*cmek status" \
	tool_elsewhere cmek rotate "$V" --old "$T/k3.key" --new "$T/k4.key" --mode server
[ $(($(posts) - p0)) = 1 ] || oc_fail "the rotation call was repeated"
rm -f "$T/hold"
wait "$apid" || { cat "$T/held.err" >&2; oc_fail "the first run failed"; }
[ "$(vault_fp)" = "$(fp k4)" ] || oc_fail "the vault does not name k4"

echo "== 400 because an earlier run has just finished: already rotated"
oc_stop_vaultd
oc_serve_vaultd --wire-log "$T/wire.raw" \
	--faults "method=POST,path=/v1/vaults/$V/cmek-rotate,hold=$T/hold,count=1"
tool_env
p0=$(posts)
# This run reads the vault (k4), then its rotation call is held back
# while $T/hold exists...
: > "$T/hold"
tool --json cmek rotate "$V" --old "$T/k4.key" --new "$T/k5.key" --mode server \
	> "$T/b.json" 2> "$T/b.err" &
bpid=$!
while [ "$(posts)" = "$p0" ]; do
	kill -0 "$bpid" 2>/dev/null || { cat "$T/b.err" >&2; oc_fail "the held run ended"; }
	sleep 0.05
done
# ... while another run does the whole rotation.
tool -q cmek rotate "$V" --old "$T/k4.key" --new "$T/k5.key" --mode server \
	> /dev/null 2> "$T/a.err" || { cat "$T/a.err" >&2; oc_fail "the other run failed"; }
rm -f "$T/hold"
wait "$bpid" || { cat "$T/b.err" >&2; oc_fail "the held run failed"; }
cat "$T/b.err" "$T/b.json"
grep -q 'already rotated: an earlier run finished' "$T/b.err" || oc_fail "no 'already rotated' on stderr"
[ "$(json_get already_done < "$T/b.json")" = true ] || oc_fail "already_done"
[ "$(json_get verified < "$T/b.json")" = 250 ] || oc_fail "verified"

echo "== a wrong old key: refused, nothing read or changed"
oc_stop_vaultd
oc_serve_vaultd --wire-log "$T/wire.raw"
tool_env
remember
for mode in client server; do
	expect_exit 1 'not the CMEK key of vault.*nothing was changed' \
		tool cmek rotate "$V" --old "$T/k4.key" --new "$T/k1.key" --mode $mode
	unchanged "wrong old key, $mode mode" k5
done

echo "== any other refusal of the rotate call: stop, say why, change nothing"
for st in 400 403 402; do
	oc_stop_vaultd
	oc_serve_vaultd --wire-log "$T/wire.raw" \
		--faults "method=POST,path=/v1/vaults/$V/cmek-rotate,status=$st"
	tool_env
	want=1
	[ $st = 402 ] && want=3
	expect_exit $want "HTTP $st: Injected fault.*nothing was changed" \
		tool cmek rotate "$V" --old "$T/k5.key" --new "$T/k1.key" --mode server
	unchanged "after a $st" k5
	[ -z "$(ls -A "$XDG_STATE_HOME/oneclaw" 2>/dev/null)" ] || oc_fail "a refused call left a job record"
done
echo "rotation edges ok"
