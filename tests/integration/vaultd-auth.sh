#!/bin/sh
# Authentication: token exchange on both endpoints, the raw 1ck_ key as
# bearer, and 401 for missing, malformed, wrong, tampered, expired, revoked
# and inactive credentials.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq base64
oc_setup
oc_start_vaultd

V=$(oc_create_vault auth)

# jwt_part TOKEN N: decodes part N (1 header, 2 payload) of a JWT.
jwt_part() {
	_s=$(printf '%s' "$1" | cut -d. -f"$2" | tr '_-' '/+')
	while [ $((${#_s} % 4)) -ne 0 ]; do _s="$_s="; done
	printf '%s' "$_s" | base64 -d
}

# User key -> token.
vd_call 200 POST /v1/auth/api-key-token "{\"api_key\":\"$ADMIN_KEY\"}"
[ "$(vd_field '[.token_type, .expires_in, (.access_token | split(".") | length), has("agent_id")] | map(tostring) | join("|")')" = \
  "Bearer|3600|3|false" ] || oc_fail "api-key-token: $(cat "$T/.body")"
UT=$(vd_field .access_token)
oc_secret "$UT"
[ "$(jwt_part "$UT" 1 | jq -r .alg)" = EdDSA ] || oc_fail "not EdDSA"
[ "$(jwt_part "$UT" 2 | jq -r '[(.sub | startswith("user:")), (.exp > .iat)] | map(tostring) | join("|")')" = "true|true" ] ||
	oc_fail "claims: $(jwt_part "$UT" 2)"
OC_BEARER=$UT vd_call 200 GET /v1/vaults

# An agent bound to the vault.
vd_call 201 POST /v1/agents "{\"name\":\"bot\",\"vault_ids\":[\"$V\"]}"
AID=$(vd_field .agent.id)
AKEY=$(vd_field .api_key)
oc_secret "$AKEY"
echo "$AKEY" | grep -qE '^ocv_[A-Za-z0-9_-]{43}$' || oc_fail "agent key shape"
vd_call 200 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\"}"
[ "$(vd_field '[.token_type, .expires_in, .agent_id, (.vault_ids | join(","))] | map(tostring) | join("|")')" = \
  "Bearer|3600|$AID|$V" ] || oc_fail "agent-token: $(cat "$T/.body")"
AT=$(vd_field .access_token)
oc_secret "$AT"
# No scope list: scopes are checked against the agent's live data.
[ "$(jwt_part "$AT" 2 | jq -r '[.sub, (.vault_ids | join(",")), has("scopes"), (.exp | type)] | map(tostring) | join("|")')" = \
  "agent:$AID|$V|false|number" ] || oc_fail "agent claims: $(jwt_part "$AT" 2)"
# With agent_id, and the Go SDK's way (ocv_ key to api-key-token).
vd_call 200 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\",\"agent_id\":\"$AID\"}"
vd_call 200 POST /v1/auth/api-key-token "{\"api_key\":\"$AKEY\"}"
[ "$(vd_field .agent_id)" = "$AID" ] || oc_fail "ocv_ on api-key-token"
OC_BEARER=$AT vd_call 200 GET /v1/vaults

# Exchange errors.
vd_call 401 POST /v1/auth/agent-token '{"api_key":"ocv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
vd_problem 401
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$ADMIN_KEY\"}"
vd_call 401 POST /v1/auth/api-key-token '{"api_key":"1ck_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\",\"agent_id\":\"00000000-0000-4000-8000-000000000000\"}"
vd_call 400 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\",\"agent_id\":\"nope\"}"
vd_call 400 POST /v1/auth/agent-token '{}'
vd_call 400 POST /v1/auth/agent-token '{"api_key":42}'
vd_call 400 POST /v1/auth/api-key-token 'nonsense'
vd_problem 400

# Bearer errors: missing, wrong scheme, unknown key, raw agent key,
# garbage, tampered payload, token signed by another server.
status() {
	curl -s -o "$T/.body" -w '%{http_code}' "$@" "$OC_URL/v1/vaults"
}
[ "$(status)" = 401 ] || oc_fail "no Authorization"
vd_problem 401
[ "$(status -H "Authorization: Basic $ADMIN_KEY")" = 401 ] || oc_fail "Basic"
[ "$(status -H "Authorization: Bearer 1ck_nope")" = 401 ] || oc_fail "unknown key"
[ "$(status -H "Authorization: Bearer ${ADMIN_KEY}x")" = 401 ] || oc_fail "longer key"
[ "$(status -H "Authorization: Bearer $AKEY")" = 401 ] || oc_fail "raw agent key"
[ "$(status -H "Authorization: Bearer a.b.c")" = 401 ] || oc_fail "garbage token"
[ "$(status -H "Authorization: bearer $ADMIN_KEY")" = 200 ] || oc_fail "scheme is case-insensitive"
h=$(echo "$AT" | cut -d. -f1)
p=$(echo "$AT" | cut -d. -f2)
s=$(echo "$AT" | cut -d. -f3)
forged=$(jwt_part "$AT" 2 | jq -c '.vault_ids = []' | base64 -w0 | tr '+/' '-_' | tr -d '=')
[ "$(status -H "Authorization: Bearer $h.$forged.$s")" = 401 ] || oc_fail "tampered payload accepted"
[ "$(status -H "Authorization: Bearer $h.$p.${s}A")" = 401 ] || oc_fail "tampered signature accepted"
vd_problem 401

# Another server's token (another signing key) is refused.
mkdir "$T/other"
$VAULTD --db "$T/other/v.db" --init --admin-key-file "$T/other/admin.key" 2>>"$VAULTD_LOG"
$VAULTD --db "$T/other/v.db" --listen 127.0.0.1:0 --port-file "$T/other/port" 2>>"$VAULTD_LOG" &
OC_EXTRA_PIDS=$!
oc_wait_file "$T/other/port" "$OC_EXTRA_PIDS" "second server"
oc_secret "$(cat "$T/other/admin.key")"
OT=$(OC_URL="http://127.0.0.1:$(cat "$T/other/port")" vd_token "$(cat "$T/other/admin.key")")
[ -n "$OT" ] || oc_fail "second server token"
[ "$(status -H "Authorization: Bearer $OT")" = 401 ] || oc_fail "foreign token accepted"

# Revocation: DELETE /v1/auth/token.
RT=$(vd_token "$ADMIN_KEY")
OC_BEARER=$RT vd_call 204 DELETE /v1/auth/token
OC_BEARER=$RT vd_call 401 GET /v1/vaults
OC_BEARER=$UT vd_call 200 GET /v1/vaults
# A revocation the database refuses is reported, never acknowledged; the
# same call succeeds once the database takes it.
oc_need sqlite3
sqlite3 "$VAULTD_DB" "CREATE TRIGGER refuse_revoke BEFORE INSERT ON revoked
	BEGIN SELECT RAISE(ABORT, 'refused'); END;" || oc_fail "add trigger"
FT=$(vd_token "$ADMIN_KEY")
oc_secret "$FT"
OC_BEARER=$FT vd_call 500 DELETE /v1/auth/token
vd_problem 500
OC_BEARER=$FT vd_call 200 GET /v1/vaults
sqlite3 "$VAULTD_DB" "DROP TRIGGER refuse_revoke;" || oc_fail "drop trigger"
OC_BEARER=$FT vd_call 204 DELETE /v1/auth/token
OC_BEARER=$FT vd_call 401 GET /v1/vaults

# Expiry: an agent with a 1 s token lifetime.  The change revokes the
# agent's tokens (403, vaultd-revoke.sh).
vd_call 200 PATCH "/v1/agents/$AID" '{"token_ttl_seconds":1}'
OC_BEARER=$AT vd_call 403 GET /v1/vaults
ST=$(vd_token "$AKEY" agent-token)
oc_secret "$ST"
# No timing assumption: the claims say 1 s; two seconds later it is dead.
[ "$(jwt_part "$ST" 2 | jq -r '.exp - .iat')" = 1 ] || oc_fail "ttl claim"
sleep 2
OC_BEARER=$ST vd_call 401 GET /v1/vaults
[ "$(vd_field .detail)" = "Token expired" ] || oc_fail "expiry detail: $(cat "$T/.body")"

# Inactive agent: no token, and its tokens stop working.
vd_call 200 PATCH "/v1/agents/$AID" '{"token_ttl_seconds":600}'
AT=$(vd_token "$AKEY" agent-token)
OC_BEARER=$AT vd_call 200 GET /v1/vaults
vd_call 200 PATCH "/v1/agents/$AID" '{"is_active":false}'
OC_BEARER=$AT vd_call 401 GET /v1/vaults
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\"}"
vd_call 200 PATCH "/v1/agents/$AID" '{"is_active":true}'

# Key rotation retires the old key; deletion retires everything.
vd_call 200 POST "/v1/agents/$AID/rotate-key"
NKEY=$(vd_field .api_key)
oc_secret "$NKEY"
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$AKEY\"}"
AT=$(vd_token "$NKEY" agent-token)
OC_BEARER=$AT vd_call 200 GET /v1/agents/me
[ "$(vd_field .id)" = "$AID" ] || oc_fail "agents/me"
vd_call 403 GET /v1/agents/me
vd_call 204 DELETE "/v1/agents/$AID"
OC_BEARER=$AT vd_call 401 GET /v1/vaults
vd_call 401 POST /v1/auth/agent-token "{\"api_key\":\"$NKEY\"}"
exit 0
