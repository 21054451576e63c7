#!/bin/sh
# Test-only knobs and bounds: --faults (status, Retry-After, rate, count,
# delay (suspended, not holding a thread), truncate; a bad spec refuses to
# start), --wire-log (what crossed the wire, mode 0600), 413 for bodies
# over 5 MB (declared or chunked), a value just under the limit, and
# bounded headers.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd --wire-log "$T/wire.log" \
	--faults 'path=/v1/health,status=503,retry-after=7,count=2;method=GET,path=/v1/vaults/,status=500,rate=3;method=POST,path=/v1/auth/api-key-token,truncate;path=/v1/agents,delay=200'

# status + Retry-After, twice, then the real answer.
for i in 1 2; do
	code=$(curl -s -D "$T/h" -o "$T/.body" -w '%{http_code}' "$OC_URL/v1/health")
	[ "$code" = 503 ] || oc_fail "fault $i: $code"
	grep -qi '^retry-after: 7' "$T/h" || oc_fail "no Retry-After"
	vd_problem 503
done
vd_call 200 GET /v1/health

# rate=3: every third matching request.
V=$(oc_create_vault faults)
seq=""
for i in 1 2 3 4 5 6; do
	oc_api GET "/v1/vaults/$V" > /dev/null
	seq="$seq$OC_STATUS "
done
[ "$seq" = "200 200 500 200 200 500 " ] || oc_fail "rate=3 gave: $seq"
# Other methods on the same path are not matched.
vd_call 201 PUT "/v1/vaults/$V/secrets/w" '{"value":"fixture-wire-value"}'
oc_secret fixture-wire-value

# truncate: the body stops half-way (curl: partial file).
curl -s -o "$T/part" -X POST --data-binary "{\"api_key\":\"$ADMIN_KEY\"}" \
	"$OC_URL/v1/auth/api-key-token"
rc=$?
[ $rc -eq 18 ] || oc_fail "truncate: curl exit $rc"
! jq -e . "$T/part" >/dev/null 2>&1 || oc_fail "a truncated body parsed"
# delay: slower, still right.
vd_call 200 GET /v1/agents

# The wire log holds what was sent, and only the owner can read it.
[ "$(stat -c %a "$T/wire.log")" = 600 ] || oc_fail "wire log mode"
grep -q "^PUT /v1/vaults/$V/secrets/w HTTP/1.1" "$T/wire.log" || oc_fail "request line"
grep -qi "^Authorization: Bearer $ADMIN_KEY" "$T/wire.log" || oc_fail "headers"
grep -qF '{"value":"fixture-wire-value"}' "$T/wire.log" || oc_fail "body"
grep -q "^GET /v1/health HTTP/1.1" "$T/wire.log" || oc_fail "faulted requests are logged too"

# A bad spec stops the start.
for spec in 'status=200' 'delay=x' 'nonsense' 'path=relative,status=500'; do
	if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --faults "$spec" 2>"$T/err"; then
		oc_fail "started with --faults $spec"
	fi
	grep -q -- "--faults" "$T/err" || oc_fail "no message for $spec"
done

# A held request sleeps suspended: with one event-loop thread, other
# requests are still answered while it waits (held while $T/hold exists,
# so the check does not depend on the machine's speed).
oc_stop_vaultd
: > "$T/hold"
oc_serve_vaultd --threads 1 --wire-log "$T/held.raw" --faults "path=/v1/agents,hold=$T/hold"
curl -s -o /dev/null -H "Authorization: Bearer $ADMIN_KEY" "$OC_URL/v1/agents" &
slow=$!
until grep -q '^GET /v1/agents ' "$T/held.raw" 2>/dev/null; do
	kill -0 "$slow" 2>/dev/null || oc_fail "the held request ended early"
	sleep 0.05
done
for i in 1 2 3 4 5 6 7 8; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$OC_URL/v1/health")
	[ "$code" = 200 ] || oc_fail "health beside a held request: $code"
done
kill -0 "$slow" 2>/dev/null || oc_fail "the held request was answered while held"
rm -f "$T/hold"
wait "$slow" || oc_fail "the held request failed once released"

# Bodies: just under 5 MiB is fine; over it is 413, declared or chunked.
oc_stop_vaultd
oc_serve_vaultd
big=$((5 * 1024 * 1024))
{ printf '{"value":"'; head -c $((big - 64)) /dev/zero | tr '\0' v; printf '"}'; } > "$T/ok.json"
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	--data-binary @"$T/ok.json" "$OC_URL/v1/vaults/$V/secrets/big")
[ "$code" = 201 ] || oc_fail "a body under the limit: $code $(cat "$T/.body")"
code=$(curl -s -o "$T/.body" -w '%{http_code} %{size_download}' \
	-H "Authorization: Bearer $ADMIN_KEY" "$OC_URL/v1/vaults/$V/secrets/big")
[ "${code%% *}" = 200 ] && [ "${code#* }" -gt $((big - 64)) ] || oc_fail "big read: $code"
head -c $((big + 1)) /dev/zero | tr '\0' x > "$T/big"
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	--data-binary @"$T/big" "$OC_URL/v1/vaults/$V/secrets/big")
[ "$code" = 413 ] || oc_fail "declared oversize: $code"
vd_problem 413
code=$(curl -s -o "$T/.body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	-H 'Transfer-Encoding: chunked' -H 'Expect:' --data-binary @"$T/big" \
	"$OC_URL/v1/vaults/$V/secrets/big")
[ "$code" = 413 ] || oc_fail "chunked oversize: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	-H 'Content-Length: 99999999999999999999' --data-binary x "$OC_URL/v1/vaults/$V/secrets/big")
[ "$code" = 413 ] || [ "$code" = 400 ] || oc_fail "absurd Content-Length: $code"
# The old value is intact.
vd_call 200 GET "/v1/vaults/$V/secrets/big"

# Headers and URLs are bounded too.
hdr=$(head -c 70000 /dev/zero | tr '\0' h)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $hdr" "$OC_URL/v1/health")
[ "$code" = 431 ] || [ "$code" = 413 ] || oc_fail "oversized header: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$OC_URL/v1/vaults/$V/secrets/$hdr")
[ "$code" = 414 ] || [ "$code" = 431 ] || oc_fail "oversized URL: $code"
vd_call 200 GET /v1/health
exit 0
