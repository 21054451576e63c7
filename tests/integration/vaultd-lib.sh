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

# vd_part NAME CMD...: one part of a test made of independent parts (the
# hostile-client tests): runs CMD, prints its output and, when it fails or
# the server is gone afterwards, says so and remembers it, so that every
# part runs and reports; vd_parts_done then fails the test.
VD_FAILED=
vd_part() {
	_name=$1
	shift
	echo "== $_name"
	_rc=0
	"$@" > "$T/.part" 2>&1 || _rc=$?
	cat "$T/.part"
	if [ "$_rc" -ne 0 ]; then
		echo "FAIL: $_name (exit $_rc)" >&2
		VD_FAILED="$VD_FAILED; $_name"
	fi
	if ! kill -0 "$VAULTD_PID" 2>/dev/null; then
		echo "FAIL: $_name: vaultd is gone" >&2
		VD_FAILED="$VD_FAILED; $_name (vaultd gone)"
	fi
	return 0
}

vd_parts_done() {
	[ -z "$VD_FAILED" ] || oc_fail "failed parts: ${VD_FAILED#; }"
	exit 0
}

# vd_raise_nofile N: the soft RLIMIT_NOFILE up to the hard limit for this
# shell and all it starts (the server too), so that a test holding a
# thousand connections does not depend on the CI's default soft limit;
# skips when the hard limit is below N.  (dash and bash have ulimit -H/-S.)
vd_raise_nofile() {
	# shellcheck disable=SC3045
	_hard=$(ulimit -H -n)
	[ "$_hard" = unlimited ] && return 0
	[ "$_hard" -ge "$1" ] ||
		oc_skip "RLIMIT_NOFILE hard limit is $_hard, the test needs $1"
	# shellcheck disable=SC3045
	ulimit -S -n "$_hard" || oc_skip "cannot raise RLIMIT_NOFILE to $_hard"
}

# vd_put_status VAULT PATH VALUE: PUTs VALUE (plain JSON-safe text) with
# the admin key and prints the HTTP status; fails when curl does, as the
# load tests' writers stop at the first request that got no answer.
vd_put_status() {
	curl -s -o /dev/null -w '%{http_code}' -X PUT \
		-H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"value\":\"$3\"}" \
		"$OC_URL/v1/vaults/$1/secrets/$2"
}
