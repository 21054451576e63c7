# vaultd-lib.sh - helpers for the oneclaw-vaultd integration tests (sourced
# after tests/lib.sh).

# vd_json FILTER < json: jq -r FILTER (jq starts in milliseconds; these
# tests parse a lot of JSON).
vd_json() {
	jq -r "$1"
}

# vd_call CODE METHOD PATH [BODY]: oc_api with an expected status; the body
# is left in $T/.body.
vd_call() {
	_want=$1
	shift
	oc_api "$@" > /dev/null
	[ "$OC_STATUS" = "$_want" ] ||
		oc_fail "$1 $2: expected HTTP $_want, got $OC_STATUS: $(cat "$T/.body")"
}

# vd_problem CODE: the last body is an RFC 7807 problem with that status.
vd_problem() {
	_p=$(vd_json '[.type, .title, .status, (.detail | type)] | map(tostring) | join("|")' < "$T/.body")
	case "$_p" in
	"about:blank|"*"|$1|string") ;;
	*) oc_fail "not an RFC 7807 problem for $1: $(cat "$T/.body")" ;;
	esac
}

# vd_field FILTER: vd_json on the last body.
vd_field() {
	vd_json "$1" < "$T/.body"
}

# vd_token KEY [ENDPOINT] -> prints an access token from a key exchange.
vd_token() {
	_ep=${2:-api-key-token}
	curl -sS -X POST -H 'Content-Type: application/json' \
		--data-binary "{\"api_key\":\"$1\"}" "$OC_URL/v1/auth/$_ep" |
		vd_json .access_token
}

# vd_cmek ARGS: the Node.js CMEK helper with the admin key as bearer.
vd_cmek() {
	OC_URL=$OC_URL OC_TOKEN=${OC_BEARER:-$ADMIN_KEY} \
		node "$SRC/tests/integration/vaultd-cmek.js" "$@"
}

# vd_kill9: kills the server hard (no clean shutdown at all).
vd_kill9() {
	kill -9 "$VAULTD_PID" 2>/dev/null || true
	wait "$VAULTD_PID" 2>/dev/null || true
	VAULTD_PID=
}
