#!/bin/sh
# Request framing and per-route bounds: two different Content-Length
# headers are refused (identical ones pass); each route has the body size
# and JSON value budget it needs, refused with 413 before the body is
# parsed; a route that needs a bearer answers 401 before keeping any body;
# a refused request changes nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq bash timeout
oc_setup
oc_start_vaultd

# vd_raw REQUEST: sends REQUEST (printf %b escapes) on a fresh connection
# and prints the status code of the answer.
vd_raw() {
	bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "%b" "$2" >&3
		timeout 10 head -n 1 <&3' _ "$OC_PORT" "$1" | cut -d' ' -f2
}

V=$(oc_create_vault http)
auth="Authorization: Bearer $ADMIN_KEY"
body='{"value":"v1"}'

# Two different Content-Length values: 400, nothing stored.
code=$(vd_raw "PUT /v1/vaults/$V/secrets/dup HTTP/1.1\r\nHost: x\r\n$auth\r\nContent-Length: 14\r\nContent-Length: 4\r\nConnection: close\r\n\r\n$body")
[ "$code" = 400 ] || oc_fail "two different Content-Length values: $code"
vd_call 404 GET "/v1/vaults/$V/secrets/dup"
code=$(vd_raw "PUT /v1/vaults/$V/secrets/dup HTTP/1.1\r\nHost: x\r\n$auth\r\nContent-Length: 4\r\nContent-Length: 14\r\nConnection: close\r\n\r\n$body")
[ "$code" = 400 ] || oc_fail "two different Content-Length values (reversed): $code"
vd_call 404 GET "/v1/vaults/$V/secrets/dup"
# The same value twice is one length.
code=$(vd_raw "PUT /v1/vaults/$V/secrets/dup HTTP/1.1\r\nHost: x\r\n$auth\r\nContent-Length: 14\r\nContent-Length: 14\r\nConnection: close\r\n\r\n$body")
[ "$code" = 201 ] || oc_fail "identical Content-Length values: $code"
vd_call 200 GET "/v1/vaults/$V/secrets/dup"

# post_size PATH BYTES [BEARER]: a JSON body of about BYTES to PATH.
post_size() {
	{ printf '{"api_key":"ocv_x","a":"'; head -c "$2" /dev/zero | tr '\0' a; printf '"}'; } > "$T/pad.json"
	curl -s -o "$T/.body" -w '%{http_code}' -X POST ${3:+-H "Authorization: Bearer $3"} \
		-H 'Content-Type: application/json' --data-binary @"$T/pad.json" "$OC_URL$1"
}

# A token exchange needs well under 1 KiB.
for ep in api-key-token agent-token; do
	code=$(post_size "/v1/auth/$ep" 2048)
	[ "$code" = 413 ] || oc_fail "$ep with a 2 KiB body: $code"
	vd_problem 413
	# Chunked, with no length to refuse early: still 413.
	code=$(curl -s -o "$T/.body" -w '%{http_code}' -X POST -H 'Transfer-Encoding: chunked' \
		-H 'Expect:' --data-binary @"$T/pad.json" "$OC_URL/v1/auth/$ep")
	[ "$code" = 413 ] || oc_fail "$ep with a chunked 2 KiB body: $code"
	# Small but many values: the parse stops at the route's budget.
	{ printf '{"api_key":"ocv_x","a":['; i=0; while [ $i -lt 200 ]; do printf '0,'; i=$((i + 1)); done; printf '0]}'; } > "$T/many.json"
	code=$(curl -s -o "$T/.body" -w '%{http_code}' -X POST --data-binary @"$T/many.json" \
		"$OC_URL/v1/auth/$ep")
	[ "$code" = 413 ] || oc_fail "$ep with 200 JSON values: $code"
	grep -q "values" "$T/.body" || oc_fail "no clear message: $(cat "$T/.body")"
done
# A real exchange still works.
T1=$(vd_token "$ADMIN_KEY")
[ -n "$T1" ] && [ "$T1" != null ] || oc_fail "token exchange after the refusals"

# Routes that need a bearer answer 401 from the headers.  A body of up to
# 1 MiB is read and dropped first, so a client still sending sees the 401
# rather than a reset; a longer one is not read at all (the client waits
# for "100 Continue" and gets the 401 instead).
head -c $((512 * 1024)) /dev/zero | tr '\0' x > "$T/half"
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H 'Expect:' \
	--data-binary @"$T/half" "$OC_URL/v1/vaults/$V/secrets/noauth")
[ "$code" = 401 ] || oc_fail "unauthenticated 512 KiB PUT: $code"
vd_problem 401
head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' x > "$T/big"
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H 'Expect: 100-continue' \
	--expect100-timeout 30 --data-binary @"$T/big" "$OC_URL/v1/vaults/$V/secrets/noauth")
[ "$code" = 401 ] || oc_fail "unauthenticated 4 MiB PUT: $code"
grep -q "PUT /v1/vaults/$V/secrets/noauth 401 in=0 " "$VAULTD_LOG" ||
	oc_fail "the unauthenticated body was read: $(grep noauth "$VAULTD_LOG")"
vd_call 404 GET "/v1/vaults/$V/secrets/noauth"

# A secret PUT takes a large value but only a small metadata budget.
{ printf '{"value":"m","metadata":{"a":['; yes 0, | head -n 20000 | tr -d '\n'; printf '0]}}'; } > "$T/meta.json"
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "$auth" \
	--data-binary @"$T/meta.json" "$OC_URL/v1/vaults/$V/secrets/meta")
[ "$code" = 413 ] || oc_fail "metadata with 20,000 values: $code"
vd_call 404 GET "/v1/vaults/$V/secrets/meta"
# Other admin routes are bounded by what they take.
code=$(post_size /v1/vaults 65536 "$ADMIN_KEY")
[ "$code" = 413 ] || oc_fail "a 64 KiB vault creation: $code"
code=$(post_size "/v1/vaults/$V/policies" 131072 "$ADMIN_KEY")
[ "$code" = 413 ] || oc_fail "a 128 KiB policy: $code"
vd_call 200 GET /v1/vaults
[ "$(vd_field '.vaults | length')" = 1 ] || oc_fail "a refused request created a vault"
vd_call 200 GET /v1/health
exit 0
