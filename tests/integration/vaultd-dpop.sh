#!/bin/sh
# DPoP (RFC 9449): an agent exchanges its key as the 1claw TS SDK does with
# DPoP on (tests/node/dpop-sdk.js), lists vaults and reads a secret with
# fresh proofs, and every attack on the bound token gets 401: no proof, a
# proof for another URL or method, a replayed proof, another key's proof,
# a stale one.  A plain bearer agent still works.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node
oc_setup
oc_start_vaultd

V=$(oc_create_vault dpop)
vd_call 201 PUT "/v1/vaults/$V/secrets/db/pass" '{"value":"fixture-dpop-value"}'
oc_secret fixture-dpop-value
vd_call 201 POST /v1/agents "{\"name\":\"dpop-bot\",\"vault_ids\":[\"$V\"]}"
AID=$(vd_field .agent.id)
AKEY=$(vd_field .api_key)
oc_secret "$AKEY"
vd_call 201 POST "/v1/vaults/$V/policies" \
	"{\"secret_path_pattern\":\"db/*\",\"principal_type\":\"agent\",\"principal_id\":\"$AID\",\"permissions\":[\"read\"]}"

OC_URL=$OC_URL OC_AGENT_KEY=$AKEY OC_VAULT=$V OC_SECRET_PATH=db/pass \
	OC_SECRET_VALUE=fixture-dpop-value \
	node "$top_srcdir/tests/node/dpop-sdk.js" || oc_fail "dpop-sdk.js"

# Only reasons are logged, never a token or a proof.
grep -q 'eyJ' "$VAULTD_LOG" && oc_fail "a JWS in the server log"
exit 0
