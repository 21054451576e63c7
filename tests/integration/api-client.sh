#!/bin/sh
# The API client (src/api.c over src/http.c) against a real oneclaw-vaultd,
# over plain HTTP and over TLS with a test CA: vaults, secrets (text,
# binary, empty, escaped paths), soft delete, CMEK enable / blob / server
# rotation / disable, auth failures, PIN mode, one kept-alive connection.
# The checks live in the api-live group of tests/unit/api-test, which runs
# when OC_TEST_URL and OC_TEST_ADMIN_KEY are set.
. "$top_srcdir/tests/lib.sh"
oc_setup
oc_need openssl

API_TEST="$BUILD/tests/unit/api-test"
[ -x "$API_TEST" ] || oc_skip "tests/unit/api-test not built (cmocka missing?)"

# Fixture secrets the client handles (api-test.c): the text value, the
# CMEK test keys V1 and V3 (base64 and hex) and the V1 blob.
oc_secret "text-SECRET-value-" \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	"//////////////////////////////////////////8=" \
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" \
	"AQABAgMEBQYHCAkKCyp7+2ighrB++Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU="

# The wire log holds keys by design: it stays in $T, away from the logs.
oc_start_vaultd --wire-log "$T/wire.log"

run_live() {
	OC_TEST_ADMIN_KEY=$ADMIN_KEY $OC_WRAP "$API_TEST" >"$T/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 40 "$T/out" >&2
		oc_fail "api-test against vaultd ($1): exit $rc"
	fi
	grep -q '^\[ *OK *\] test_live' "$T/out" || {
		tail -n 20 "$T/out" >&2
		oc_fail "the api-live group did not run ($1)"
	}
}

OC_TEST_URL=$OC_URL
export OC_TEST_URL
run_live http

# What crossed the wire: binary as base64 with the encoding marked, the
# rotation keys only on the rotation request.
grep -q '"encoding":"base64"' "$T/wire.log" ||
	oc_fail "binary value not sent as base64"
n=$(grep -ci '^x-cmek-' "$T/wire.log")
[ "$n" -eq 4 ] || oc_fail "expected 4 x-cmek-* header lines (2 rotations), got $n"

# TLS with a self-signed certificate for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$T/tls.key" -out "$T/tls.crt" >/dev/null 2>&1 ||
	oc_skip "openssl cannot make a test certificate"
oc_stop_vaultd
oc_serve_vaultd --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"
OC_TEST_URL="https://127.0.0.1:$OC_PORT"
OC_TEST_CA="$T/tls.crt"
export OC_TEST_URL OC_TEST_CA
run_live https

exit 0
