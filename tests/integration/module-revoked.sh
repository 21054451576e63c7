#!/bin/sh
# An agent's token revoked mid-session: granting the agent another policy
# revokes every token it holds (as the hosted service does), and
# oneclaw-vaultd then answers the old token 403 "token has been revoked".
# A long-running application must not keep failing until the token would
# have expired: the module exchanges the agent key once more and the read
# succeeds.  (A plain denial getting no new token is checked against the
# hosted service's stand-in, tests/contract/contract-stale-token.sh.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_need curl jq
oc_setup
mod_need
oc_start_vaultd

A=$(oc_create_vault revoked-a)
vd_call 201 PUT "/v1/vaults/$A/secrets/db/pass" '{"value":"fixture-revoked-db"}'
oc_secret fixture-revoked-db
vd_call 201 PUT "/v1/vaults/$A/secrets/app/other" '{"value":"fixture-revoked-app"}'
oc_secret fixture-revoked-app
vd_call 201 POST /v1/agents '{"name":"revoked-agent"}'
AGENT=$(vd_field .agent.id)
KEY=$(vd_field .api_key)
oc_secret "$KEY"
grant() {
	vd_call 201 POST "/v1/vaults/$A/policies" \
		"{\"secret_path_pattern\":\"$1\",\"principal_type\":\"agent\",\"principal_id\":\"$AGENT\",\"permissions\":[\"read\"]}"
}
grant 'db/*'

ONECLAW_API_URL=$OC_URL ONECLAW_AGENT_API_KEY=$KEY ONECLAW_VAULT_ID=$A
export ONECLAW_API_URL ONECLAW_AGENT_API_KEY ONECLAW_VAULT_ID
unset ONECLAW_API_KEY ONECLAW_CMEK_KEY ONECLAW_CMEK_KEY_FILE

# exchanges: agent token exchanges in the server log so far.
exchanges() {
	grep -c 'POST /v1/auth/agent-token 200' "$VAULTD_LOG"
}

echo "== a policy granted between find and read"
before=$(exchanges)
mod_pause stale db/pass || oc_fail "stale db/pass: $(cat "$T/pause.out")"
grant 'app/*' # revokes the module's token
mod_resume || oc_fail "p11-client stale: $(cat "$T/pause.out")"
rv=$(tail -n 1 "$T/pause.out")
n=$(($(exchanges) - before))
grep -q 'GET /v1/vaults/[^ ]*/secrets/db/pass 403' "$VAULTD_LOG" ||
	oc_fail "the server never refused the revoked token"
[ "$rv" = CKR_OK ] && [ "$n" = 2 ] ||
	oc_fail "read after the grant: $rv after $n exchange(s) (want CKR_OK after 2)"
echo "ok: read after the grant, with one more exchange"
