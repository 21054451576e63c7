#!/bin/sh
# Durability under concurrent writes: eight clients PUT secrets at once
# (so their commits are grouped), the server is killed with kill -9 in the
# middle, and after the restart every PUT that was answered 201 is there
# and opens to the value that was sent.  Then a PUT that fails inside a
# group (a plain value into a vault that turned to CMEK since) leaves the
# writes beside it stored.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd
V=$(oc_create_vault durable)
WRITERS=8
ACKED_BEFORE_KILL=200

# writer ID: PUTs until an answer is not 201 (the server is gone), noting
# each acknowledged path and value only once the 201 is in.
writer() {
	_i=0
	while [ $_i -lt 5000 ]; do
		_p="w$1/s$_i" _v="durable-$1-$_i"
		_code=$(vd_put_status "$V" "$_p" "$_v") || break
		[ "$_code" = 201 ] || break
		echo "$_p $_v" >> "$T/acked.$1"
		_i=$((_i + 1))
	done
}

acked() {
	cat "$T"/acked.* 2>/dev/null | wc -l
}

pids=
w=1
while [ $w -le $WRITERS ]; do
	writer $w &
	pids="$pids $!"
	w=$((w + 1))
done
waited=0
while [ "$(acked)" -lt $ACKED_BEFORE_KILL ]; do
	waited=$((waited + 1))
	[ $waited -gt 1200 ] && oc_fail "only $(acked) PUTs acknowledged"
	sleep 0.05
done
vd_kill9
for p in $pids; do
	wait "$p" || true
done
n=$(acked)
echo "$n PUTs acknowledged before kill -9"

oc_serve_vaultd
cat "$T"/acked.* > "$T/acked"
while read -r path value; do
	vd_call 200 GET "/v1/vaults/$V/secrets/$path"
	[ "$(vd_field .value)" = "$value" ] ||
		oc_fail "acknowledged $path lost or changed: $(cat "$T/.body")"
done < "$T/acked"
echo "all $n acknowledged PUTs survived"

# A write refused inside the store (the vault's CMEK state changed under
# it: 409) does not take the concurrent writes with it.  The plain PUTs
# race a CMEK enable; every 201 is stored, every 409 is not.
oc_keygen "$T/k.key"
F=$(vd_cmek fpr "$(cat "$T/k.key")")
V2=$(oc_create_vault mixed)
: > "$T/mixed"
pids=
i=0
while [ $i -lt 24 ]; do
	(
		code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
			-H "Authorization: Bearer $ADMIN_KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"value\":\"mixed-$i\"}" \
			"$OC_URL/v1/vaults/$V2/secrets/m$i")
		echo "m$i $code" >> "$T/mixed"
	) &
	pids="$pids $!"
	[ $i = 8 ] && vd_call 200 POST "/v1/vaults/$V2/cmek" "{\"fingerprint\":\"$F\"}"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
while read -r path code; do
	case $code in
	201)
		vd_call 200 GET "/v1/vaults/$V2/secrets/$path"
		[ "$(vd_field .value)" = "mixed-${path#m}" ] || oc_fail "$path: $(cat "$T/.body")"
		;;
	400 | 409)
		oc_api GET "/v1/vaults/$V2/secrets/$path" > /dev/null
		[ "$OC_STATUS" = 404 ] || oc_fail "$path refused ($code) but stored"
		;;
	*) oc_fail "$path: HTTP $code" ;;
	esac
done < "$T/mixed"
exit 0
