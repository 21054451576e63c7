#!/bin/sh
# Large bodies before authentication (issue 13).  64 clients at once, each
# announcing or sending a 2 MB JSON body shaped like
# {"api_key":"ocv_x","a":[0,0,...]} (about a million JSON nodes):
#  1. POST /v1/auth/api-key-token, only the head (Content-Length: 2 MB,
#     no body): all 413, so the answer came before the body was read;
#  2. the same with the bodies: all 413;
#  3. the same chunked: 413 or the connection closed;
#  4. PUT /v1/vaults/V/secrets/x with no bearer, only the head: all 401;
#  5. the same with the bodies: all 401;
#  6. the same PUT with the admin's bearer: refused (413), rejected (400)
#     or deferred (503), never all held at once.
# Every flood with bodies runs against a fresh server, so that its peak
# RSS (VmHWM) is its own, with --barrier (each client holds back its last
# byte until all have sent the rest: a server that reads whole bodies
# before deciding holds them all at once); after it, VmHWM is under
# 100 MB and /v1/health answers.  At the end a normal secret PUT and GET
# still work.  Under ASan, VmHWM is printed but not asserted (shadow
# memory and the allocator's quarantine are not the server's).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
HC="$BUILD/tests/integration/hostile-client"
[ -x "$HC" ] || oc_fail "tests/integration/hostile-client is not built"
[ -n "$OC_WRAP_VAULTD" ] &&
	oc_skip "vaultd runs under '$OC_WRAP_VAULTD': its VmHWM would be the wrapper's and 128 MB of JSON through it takes minutes"
HWM=--max-hwm-mb=100
if [ "$OC_SANITIZED" = 1 ]; then
	HWM=
	echo "ASan build: VmHWM is printed, not asserted"
fi

# flood LABEL EXPECT ARGS...: 64 x 2 MB against a fresh server.  The
# timeout is long enough for a server that parses every body (the test
# must report that, not time out first).
flood() {
	_label=$1 _expect=$2
	shift 2
	oc_stop_vaultd
	oc_serve_vaultd
	vd_part "$_label" "$HC" flood --port "$OC_PORT" --clients 64 \
		--bytes 2097152 --barrier --timeout 180000 --expect "$_expect" \
		--pid "$VAULTD_PID" $HWM "$@"
	_code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
		"$OC_URL/v1/health") || _code=000
	if [ "$_code" != 200 ]; then
		echo "FAIL: $_label: /v1/health answered $_code afterwards" >&2
		VD_FAILED="$VD_FAILED; $_label (health $_code)"
	fi
}

# heads LABEL EXPECT ARGS...: 64 heads announcing 2 MB, no body; the
# answer must come without it (a generous 20 s for a busy machine).
heads() {
	_label=$1 _expect=$2
	shift 2
	vd_part "$_label" "$HC" flood --port "$OC_PORT" --clients 64 \
		--bytes 2097152 --no-body --timeout 20000 --expect "$_expect" "$@"
}

oc_start_vaultd
V=$(oc_create_vault flood)
S="/v1/vaults/$V/secrets/x"

heads "64 heads announcing 2 MB to /v1/auth/api-key-token" 413 \
	--path /v1/auth/api-key-token
flood "64 x 2 MB to /v1/auth/api-key-token (Content-Length)" 413 \
	--path /v1/auth/api-key-token
flood "64 x 2 MB to /v1/auth/api-key-token (chunked)" 413,closed \
	--path /v1/auth/api-key-token --chunked
heads "64 heads announcing 2 MB, PUT without a bearer" 401 \
	--method PUT --path "$S"
flood "64 x 2 MB PUT without a bearer" 401 --method PUT --path "$S"
flood "64 x 2 MB PUT with the admin's bearer" 400,413,503 \
	--method PUT --path "$S" --bearer-file "$ADMIN_KEY_FILE"

oc_secret "fixture-flood-value"
vd_call 201 PUT "/v1/vaults/$V/secrets/after-flood" '{"value":"fixture-flood-value"}'
vd_call 200 GET "/v1/vaults/$V/secrets/after-flood"
[ "$(vd_field .value)" = fixture-flood-value ] || oc_fail "GET after the floods"
vd_parts_done
