#!/bin/sh
# TLS through libmicrohttpd with a self-signed certificate made here: the
# API works over https with the certificate trusted, an untrusting client
# and a plain-HTTP client get nothing, and half a TLS configuration is
# refused at start.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq openssl
oc_setup

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/tls.key" -out "$T/tls.crt" -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null || oc_fail "openssl req"
chmod 600 "$T/tls.key"

oc_start_vaultd --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"
grep -q "(TLS)" "$VAULTD_LOG" || oc_fail "not serving TLS"
OC_URL="https://127.0.0.1:$OC_PORT"

# oc_api with the certificate trusted.
tls_call() {
	_want=$1 _m=$2 _p=$3
	shift 3
	OC_STATUS=$(curl -sS --cacert "$T/tls.crt" -o "$T/.body" -w '%{http_code}' -X "$_m" \
		-H "Authorization: Bearer $ADMIN_KEY" "$@" "$OC_URL$_p") || OC_STATUS=000
	[ "$OC_STATUS" = "$_want" ] || oc_fail "$_m $_p: expected $_want, got $OC_STATUS"
}
tls_call 200 GET /v1/health
tls_call 201 POST /v1/vaults --data-binary '{"name":"tls"}'
V=$(vd_field .id)
oc_secret fixture-over-tls
tls_call 201 PUT "/v1/vaults/$V/secrets/t" --data-binary '{"value":"fixture-over-tls"}'
tls_call 200 GET "/v1/vaults/$V/secrets/t"
[ "$(vd_field .value)" = fixture-over-tls ] || oc_fail "TLS round trip"
tls_call 200 POST /v1/auth/api-key-token --data-binary "{\"api_key\":\"$ADMIN_KEY\"}"

# Not trusted: verification fails.  Plain HTTP: no answer.
if curl -s -o /dev/null "$OC_URL/v1/health"; then
	oc_fail "an untrusting client connected"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$OC_PORT/v1/health")
[ "$code" = 000 ] || oc_fail "plain HTTP on the TLS port answered $code"
oc_stop_vaultd

for args in "--tls-cert $T/tls.crt" "--tls-key $T/tls.key" \
	"--tls-cert $T/none.crt --tls-key $T/tls.key"; do
	# shellcheck disable=SC2086
	if $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 $args 2>"$T/err"; then
		oc_fail "started with: $args"
	fi
	[ -s "$T/err" ] || oc_fail "no message for: $args"
done
exit 0
