#!/bin/sh
# contract-put-5xx.sh - a PUT of a secret is not idempotent on the hosted
# service: every PUT that lands is a new version.  A gateway may answer
# 5xx for a PUT that was stored anyway (fail-after-store), or for one that
# never got there (fail-before-store).  Sending it again blindly makes a
# second version.  oneclaw-tool secret put must find that the first try
# landed (exit 0, exactly one PUT, version +1); when it did not land, it
# may send it again (one version more) or fail clearly (none), never
# make two.  The module's write must not make a second version either.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault store
S=$(cf_vault_id store)
SEED="put-5xx-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$S" app/x "$SEED"
cf_env_user

version() {
	cf_state 's["secrets"][a[0]][a[1]]["version"]' "$S" app/x
}
puts() {
	cf_count "$1" 'r["method"] == "PUT" and sp(r) == "app/x"'
}

n=0
for status in 503 502 500; do
	n=$((n + 1))
	echo "== stored, then answered $status: oneclaw-tool secret put"
	printf 'value-%s-%s' "$n" "$SEED" > "$T/v"
	oc_secret "value-$n-$SEED"
	v0=$(version)
	cf_ctl fail-after-store "{\"count\":1,\"status\":$status}"
	cf_mark "after-$status"
	rc=0
	cf_tool secret put "$S" app/x --file "$T/v" > /dev/null 2> "$T/err" || rc=$?
	p=$(puts "after-$status")
	v1=$(version)
	[ "$p" -ge 1 ] || oc_fail "after-$status: the tool sent no PUT"
	if [ "$rc" = 0 ] && [ "$p" = 1 ] && [ "$v1" = $((v0 + 1)) ]; then
		cf_ok "after-$status: exit 0, one PUT, version $v0 -> $v1"
	else
		cf_bad "after-$status: exit $rc, $p PUT(s), version $v0 -> $v1 (want exit 0, 1 PUT, +1): $(cat "$T/err")"
	fi
done

echo "== answered 503, not stored: oneclaw-tool secret put"
printf 'value-before-%s' "$SEED" > "$T/v"
oc_secret "value-before-$SEED"
v0=$(version)
cf_ctl fail-before-store '{"count":1,"status":503}'
cf_mark before
rc=0
cf_tool secret put "$S" app/x --file "$T/v" > /dev/null 2> "$T/err" || rc=$?
v1=$(version)
echo "before: exit $rc, $(puts before) PUT(s), version $v0 -> $v1"
if [ "$rc" = 0 ] && [ "$v1" = $((v0 + 1)) ]; then
	cf_ok "before: sent again, one version more"
elif [ "$rc" != 0 ] && [ "$v1" = "$v0" ] && [ -s "$T/err" ]; then
	cf_ok "before: failed, no version stored: $(cat "$T/err")"
else
	cf_bad "before: exit $rc, version $v0 -> $v1 (want success and +1, or failure and +0): $(cat "$T/err")"
fi

echo "== stored, then answered 503: the module's write"
printf 'value-module-%s' "$SEED" > "$T/v"
oc_secret "value-module-$SEED"
v0=$(version)
cf_ctl fail-after-store '{"count":1,"status":503}'
cf_mark module
rv=CKR_OK
ONECLAW_VAULT_ID=$S cf_client set app/x "$T/v" > /dev/null 2> "$T/err" ||
	rv=$(cat "$T/err")
v1=$(version)
echo "module: $rv, $(puts module) PUT(s), version $v0 -> $v1"
[ "$v1" -le $((v0 + 1)) ] && cf_ok "module: no second version" ||
	cf_bad "module: version $v0 -> $v1 after one write ($rv, $(puts module) PUTs)"
cf_end
