#!/bin/sh
# GET /v1/health as the hosted service answers it: 200, no bearer needed,
# {"status":"healthy"|"degraded","version":"<server version>"}.  Degraded
# while the store cannot write: the server's file size limit is lowered
# (prlimit) so that every database write fails as on a full disk; the
# write is answered 500, health says "degraded", reads still work, and
# once the limit is back the next write succeeds and health is "healthy".
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq prlimit
oc_setup
oc_start_vaultd

VERSION=$($VAULTD --version | sed -n 's/^oneclaw-vaultd //p')
[ -n "$VERSION" ] || oc_fail "oneclaw-vaultd --version"

# health STATUS: GET /v1/health without a bearer answers 200 with exactly
# the two members, status STATUS and the server's version.
health() {
	_code=$(curl -sS -o "$T/.body" -w '%{http_code}' "$OC_URL/v1/health") ||
		_code=000
	[ "$_code" = 200 ] || oc_fail "health: HTTP $_code: $(cat "$T/.body")"
	[ "$(vd_field '[keys[], .status, .version] | join("|")')" = \
	  "status|version|$1|$VERSION" ] ||
		oc_fail "health: expected $1: $(cat "$T/.body")"
}

health healthy
V=$(oc_create_vault health)
vd_call 201 PUT "/v1/vaults/$V/secrets/a" '{"value":"fixture-health-a"}'
oc_secret fixture-health-a
health healthy

# Writes fail: a 1-byte soft file size limit (the hard limit stays, so it
# can be raised again).
SOFT=$(prlimit --pid "$VAULTD_PID" --fsize --noheadings --output SOFT | tr -d ' ')
[ -n "$SOFT" ] || oc_fail "prlimit cannot read the server's limit"
prlimit --pid "$VAULTD_PID" --fsize=1: || oc_skip "prlimit cannot change the server's limit"
vd_call 500 PUT "/v1/vaults/$V/secrets/b" '{"value":"fixture-health-b"}'
oc_secret fixture-health-b
vd_problem 500
health degraded
vd_call 200 GET "/v1/vaults/$V/secrets/a"
[ "$(vd_field .value)" = fixture-health-a ] || oc_fail "read while degraded"
health degraded

# The limit back: the next write succeeds and health recovers.
prlimit --pid "$VAULTD_PID" --fsize="$SOFT": || oc_fail "prlimit restore"
vd_call 201 PUT "/v1/vaults/$V/secrets/b" '{"value":"fixture-health-b"}'
health healthy
vd_call 200 GET "/v1/vaults/$V/secrets/b"
[ "$(vd_field .value)" = fixture-health-b ] || oc_fail "read after recovery"
exit 0
