# tests/integration/dpop-lib.sh - helpers of the DPoP tests (SoftHSM2 and
# TPM), sourced after tests/lib.sh (not a test itself).  They read the
# wire log of a vaultd started with --wire-log "$T/wire.log".

# wire_reset: forget the requests seen so far.
wire_reset() { : > "$T/wire.log"; }

# wire_check WHAT: every request since the last wire_reset carried a DPoP
# header, and every token exchange a dpop_jwk.
wire_check() {
	_req=$(grep -cE '^(GET|POST|PUT|DELETE|PATCH) /' "$T/wire.log" || true)
	_dpop=$(grep -ciE '^dpop: [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+' "$T/wire.log" || true)
	_ex=$(grep -cE '^POST /v1/auth/(api-key|agent)-token' "$T/wire.log" || true)
	_jwk=$(grep -c '"dpop_jwk":{"kty":"EC","crv":"P-256","x":"' "$T/wire.log" || true)
	echo "$1: $_req requests, $_dpop DPoP headers, $_ex exchanges, $_jwk dpop_jwk"
	[ "$_req" -gt 0 ] || oc_fail "$1: no request reached vaultd"
	[ "$_req" = "$_dpop" ] || oc_fail "$1: $_req requests but $_dpop DPoP headers"
	[ "$_ex" -gt 0 ] && [ "$_ex" = "$_jwk" ] ||
		oc_fail "$1: $_ex exchanges but $_jwk with dpop_jwk"
}
