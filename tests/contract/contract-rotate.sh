#!/bin/sh
# contract-rotate.sh - oneclaw-tool cmek rotate against the hosted
# service's answers.
#
# Client-side (--mode client): each secret is read, re-sealed and PUT
# back as a new version, which must carry over type, metadata, expires_at
# and max_access_count (the fixture's log of the PUTs).  Every read of a
# secret with max_access_count spends one of its reads: the rotation must
# read it once, and the verification that follows must not read it again
# (GETs per path) and must say it skipped it.  The fixture only stores the
# blobs it is sent: the client does all the cryptography.
#
# Server-assisted (--mode server): the hosted service answers 409 while a
# rotation job runs, with nothing in the body to find that job by: the tool
# says a rotation is already running and exits non-zero (it cannot follow
# a job it cannot find, and must not wait for it blindly).  400 while the
# vault already shows the new fingerprint means an earlier run finished:
# exit 0, and says so.  Any other 4xx (403, a plain 400): exit non-zero
# and nothing changed (no PUT, the fingerprint as it was).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault rot-client --vault rot-server --vault rot-done
C=$(cf_vault_id rot-client)
S=$(cf_vault_id rot-server)
D=$(cf_vault_id rot-done)
cf_env_user
for k in k1 k2; do
	cf_tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
done
FP1=$(cf_tool fingerprint "$T/k1.key")
FP2=$(cf_tool fingerprint "$T/k2.key")
TAG=$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')

# seed VAULT KEY PREFIX: four sealed secrets, values in $T/PREFIX.jsonl.
seed() {
	cat > "$T/$3.jsonl" <<EOF
{"path":"$3/plain","value":"v-plain-$TAG","type":"password","metadata":{"owner":"ops","tags":["db","prod"]}}
{"path":"$3/expiring","value":"v-expiring-$TAG","type":"api_key","metadata":{"env":"prod"}}
{"path":"$3/limited","value":"v-limited-$TAG","type":"note","metadata":{"ticket":"OPS-1"}}
{"path":"$3/both","value":"v-both-$TAG","type":"env_bundle","metadata":{}}
EOF
	oc_secret "v-plain-$TAG" "v-expiring-$TAG" "v-limited-$TAG" "v-both-$TAG"
	cf_tool -q secret import "$1" --file "$T/$3.jsonl" --key "$2" ||
		oc_fail "seeding $3"
}

# reput VAULT PATH MEMBERS: the stored blob again, with the members of the
# JSON object MEMBERS (expires_at, max_access_count, type, metadata).
reput() {
	cf_api GET "/v1/vaults/$1/secrets/$2"
	[ "$CF_STATUS" = 200 ] || oc_fail "GET $2: $CF_STATUS"
	"$CF_PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))
m = json.loads(sys.argv[2])
out = {"value": o["value"], "type": o["type"], "metadata": o["metadata"]}
out.update(m)
sys.stdout.write(json.dumps(out))' "$T/.body" "$3" > "$T/reput.json"
	cf_api PUT "/v1/vaults/$1/secrets/$2" "$(cat "$T/reput.json")"
	[ "$CF_STATUS" = 201 ] || oc_fail "PUT $2: $CF_STATUS $(cat "$T/.body")"
}

# no_puts PHASE: the phase sent no PUT.
no_puts() {
	n=$(cf_count "$1" 'r["method"] == "PUT"')
	[ "$n" = 0 ] && cf_ok "$1: no PUT" || cf_bad "$1: $n PUT(s) were sent"
}

echo "== client-side rotation carries every attribute over"
cf_tool cmek enable "$C" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "cmek enable"
seed "$C" "$T/k1.key" c
reput "$C" c/expiring '{"expires_at":"2099-01-01T00:00:00Z"}'
reput "$C" c/limited '{"max_access_count":5}'
reput "$C" c/both '{"expires_at":"2098-06-30T12:00:00Z","max_access_count":4}'
cat > "$T/want.json" <<EOF
{"c/plain": {"type": "password", "metadata": {"owner": "ops", "tags": ["db", "prod"]}, "expires_at": null, "max_access_count": null},
 "c/expiring": {"type": "api_key", "metadata": {"env": "prod"}, "expires_at": "2099-01-01T00:00:00Z", "max_access_count": null},
 "c/limited": {"type": "note", "metadata": {"ticket": "OPS-1"}, "expires_at": null, "max_access_count": 5},
 "c/both": {"type": "env_bundle", "metadata": {}, "expires_at": "2098-06-30T12:00:00Z", "max_access_count": 4}}
EOF
cf_mark client
rc=0
cf_tool cmek rotate "$C" --old "$T/k1.key" --new "$T/k2.key" --mode client \
	> "$T/rot.out" 2> "$T/rot.err" || rc=$?
cat "$T/rot.out"
[ "$rc" = 0 ] && cf_ok "client rotation: exit 0" ||
	cf_bad "client rotation: exit $rc: $(cat "$T/rot.err")"
"$CF_PY" "$CF_LOGQ" "$CF_LOG" --phase client show 'r["method"] in ("PUT", "GET")' > "$T/reqs.jsonl"
"$CF_PY" -c 'import json, sys
from datetime import datetime
from urllib.parse import unquote
want = json.load(open(sys.argv[1]))
puts, gets = {}, {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    head, sep, rest = r["path"].partition("/secrets/")
    if not sep:
        continue
    (puts if r["method"] == "PUT" else gets).setdefault(unquote(rest), []).append(r)
def when(s):
    return s and datetime.fromisoformat(s.replace("Z", "+00:00"))
for path, w in sorted(want.items()):
    got = puts.get(path, [])
    if not got:
        print("BAD %s: never written back" % path)
    for r in got:
        bad = []
        if r["type"] != w["type"]:
            bad.append("type %r, want %r" % (r["type"], w["type"]))
        md = {k: v for k, v in (r["metadata"] or {}).items() if k != "encoding"}
        if md != w["metadata"]:
            bad.append("metadata %r, want %r" % (r["metadata"], w["metadata"]))
        if when(r["expires_at"]) != when(w["expires_at"]):
            bad.append("expires_at %r, want %r" % (r["expires_at"], w["expires_at"]))
        if r["max_access_count"] != w["max_access_count"]:
            bad.append("max_access_count %r, want %r" % (r["max_access_count"], w["max_access_count"]))
        if not r.get("value_is_cmek_blob"):
            bad.append("not a CMEK blob")
        print(("BAD %s: " % path + "; ".join(bad)) if bad else "OK %s: carried over" % path)
    if w["max_access_count"] is not None:
        n = len(gets.get(path, []))
        print(("OK" if n == 1 else "BAD") + " %s: read %d time(s) (max_access_count %d; want 1)"
              % (path, n, w["max_access_count"]))
' "$T/want.json" "$T/reqs.jsonl" > "$T/verdicts"
while IFS= read -r line; do
	case $line in
	OK*) cf_ok "${line#OK }" ;;
	*) cf_bad "${line#BAD }" ;;
	esac
done < "$T/verdicts"
grep -qi 'skip' "$T/rot.out" "$T/rot.err" &&
	cf_ok "the summary says it skipped verifying limited secrets" ||
	cf_bad "the summary does not say it skipped the secrets with max_access_count"
[ "$(cf_count client 'r.get("plaintext_to_cmek_vault")')" = 0 ] ||
	cf_bad "plaintext was sent to the CMEK vault"
for p in plain expiring; do
	cf_tool secret get "$C" "c/$p" --key "$T/k2.key" > "$T/v" 2> "$T/v.err" &&
		[ "$(cat "$T/v")" = "v-$p-$TAG" ] ||
		cf_bad "c/$p does not open with the new key: $(cat "$T/v.err")"
done

echo "== client-side rotation: a PUT stored, then answered 503"
# The rotation knows each version from its GET: no list before a PUT, and
# the list after the 503 shows the write landed, so nothing is sent twice.
cf_ctl fail-after-store '{"count":1,"status":503}'
cf_mark back
rc=0
cf_tool cmek rotate "$C" --old "$T/k2.key" --new "$T/k1.key" --mode client \
	> "$T/rot.out" 2> "$T/rot.err" || rc=$?
[ "$rc" = 0 ] && cf_ok "back: exit 0 despite the 503" ||
	cf_bad "back: exit $rc: $(cat "$T/rot.err")"
n=$(cf_count back 'r["method"] == "PUT"')
[ "$n" = 4 ] && cf_ok "back: one PUT per secret" ||
	cf_bad "back: $n PUTs for 4 secrets"
n=$(cf_count back 'r["method"] == "GET" and "prefix=" in (r["query"] or "")')
[ "$n" = 1 ] && cf_ok "back: one list, after the 503 only" ||
	cf_bad "back: $n lists by prefix (want 1: after the 503)"
for p in plain expiring; do
	cf_tool secret get "$C" "c/$p" --key "$T/k1.key" > "$T/v" 2> "$T/v.err" &&
		[ "$(cat "$T/v")" = "v-$p-$TAG" ] ||
		cf_bad "back: c/$p does not open with k1: $(cat "$T/v.err")"
done

echo "== server-assisted: 409, a rotation already runs and cannot be found"
cf_tool cmek enable "$S" --key "$T/k1.key" > /dev/null 2>&1 || oc_fail "cmek enable"
seed "$S" "$T/k1.key" s
cf_ctl rotation-running "{\"vault\":\"$S\"}"
cf_mark s409
rc=0
timeout 120 $OC_WRAP "$TOOL" cmek rotate "$S" --old "$T/k1.key" --new "$T/k2.key" \
	--mode server < /dev/null > "$T/out" 2> "$T/err" || rc=$?
[ "$(cf_count s409 'r["status"] == 409')" -ge 1 ] || oc_fail "s409: the fixture never answered 409"
if [ "$rc" = 124 ]; then
	cf_bad "s409: the tool still waited after 20 s for a job it cannot find"
elif [ "$rc" != 0 ] && grep -qi 'already running' "$T/err"; then
	cf_ok "s409: exit $rc: $(cat "$T/err")"
else
	cf_bad "s409: exit $rc, want non-zero saying a rotation is already running: $(cat "$T/err")"
fi
no_puts s409
cf_ctl rotation-running "{\"vault\":\"$S\",\"running\":false}"

echo "== server-assisted: 403"
cf_ctl rotate-answer "{\"vault\":\"$S\",\"status\":403,\"detail\":\"CMEK rotation requires the Business plan\"}"
cf_mark s403
rc=0
cf_tool cmek rotate "$S" --old "$T/k1.key" --new "$T/k2.key" --mode server \
	> /dev/null 2> "$T/err" || rc=$?
[ "$rc" != 0 ] && cf_ok "s403: exit $rc: $(cat "$T/err")" || cf_bad "s403: exit 0"
no_puts s403
[ "$(cf_state 's["cmek"][a[0]]' "$S")" = "$FP1" ] || cf_bad "s403: the vault's fingerprint changed"

echo "== server-assisted: a plain 400"
cf_ctl rotate-answer "{\"vault\":\"$S\",\"status\":400,\"detail\":\"The old key does not match the vault's CMEK fingerprint\"}"
cf_mark s400
rc=0
cf_tool cmek rotate "$S" --old "$T/k1.key" --new "$T/k2.key" --mode server \
	> /dev/null 2> "$T/err" || rc=$?
[ "$rc" != 0 ] && cf_ok "s400: exit $rc: $(cat "$T/err")" || cf_bad "s400: exit 0"
no_puts s400
[ "$(cf_state 's["cmek"][a[0]]' "$S")" = "$FP1" ] || cf_bad "s400: the vault's fingerprint changed"

echo "== server-assisted: 400 because an earlier run finished"
# The vault's secrets are under the new key already; the vault still
# showed the old one when the tool started.
cf_ctl cmek "{\"vault\":\"$D\",\"fingerprint\":\"$FP2\"}"
seed "$D" "$T/k2.key" d
cf_ctl cmek "{\"vault\":\"$D\",\"fingerprint\":\"$FP1\"}"
cf_ctl rotate-answer "{\"vault\":\"$D\",\"status\":400,\"detail\":\"The vault already uses this CMEK key\",\"switch_fingerprint\":true}"
cf_mark done
rc=0
cf_tool cmek rotate "$D" --old "$T/k1.key" --new "$T/k2.key" --mode server \
	> "$T/out" 2> "$T/err" || rc=$?
[ "$(cf_count done 'r["status"] == 400')" -ge 1 ] || oc_fail "done: the fixture never answered 400"
if [ "$rc" = 0 ] && grep -qi 'earlier' "$T/out" "$T/err"; then
	cf_ok "done: exit 0, an earlier run finished"
else
	cf_bad "done: exit $rc, want 0 saying an earlier run finished: $(cat "$T/out" "$T/err")"
fi
no_puts done
cf_end
