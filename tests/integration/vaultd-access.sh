#!/bin/sh
# Access control: agents (one-time ocv_ key, vault binding), per-vault
# policies on path globs with read / write, deny wins, explicit scopes
# narrow, an agent with no policy reads nothing, policy changes revoke the
# agent's tokens (403; the details in vaultd-revoke.sh), and the errors of
# both resources.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd

A=$(oc_create_vault access-a)
B=$(oc_create_vault access-b)
for p in db/pass db/user app/key other/x; do
	vd_call 201 PUT "/v1/vaults/$A/secrets/$p" "{\"value\":\"fixture-access-$p\"}"
	oc_secret "fixture-access-$p"
done
vd_call 201 PUT "/v1/vaults/$B/secrets/db/pass" '{"value":"fixture-access-b"}'
oc_secret fixture-access-b

vd_call 201 POST /v1/agents "{\"name\":\"reader\",\"description\":\"test\",\"vault_ids\":[\"$A\"],\"token_ttl_seconds\":600}"
[ "$(vd_field '[.agent.name, .agent.auth_method, .agent.is_active, .agent.token_ttl_seconds, (.agent.vault_ids | join(","))] | map(tostring) | join("|")')" = \
  "reader|api_key|true|600|$A" ] || oc_fail "agent create: $(cat "$T/.body")"
AID=$(vd_field .agent.id)
AKEY=$(vd_field .api_key)
oc_secret "$AKEY"
# The key is shown once: never in a later read.
vd_call 200 GET "/v1/agents/$AID"
vd_field 'has("api_key")' | grep -q false || oc_fail "agent read shows the key"
vd_call 200 GET /v1/agents
[ "$(vd_field '.agents | length')" = 1 ] || oc_fail "agent list"

tok() {
	AT=$(vd_token "$AKEY" agent-token)
	oc_secret "$AT"
}
as_agent() {
	OC_BEARER=$AT vd_call "$@"
}

# No policy: nothing readable, the list is empty, binding gives 403.
tok
as_agent 403 GET "/v1/vaults/$A/secrets/db/pass"
vd_problem 403
as_agent 200 GET "/v1/vaults/$A/secrets"
[ "$(vd_field '.secrets | length')" = 0 ] || oc_fail "agent without policy lists secrets"
as_agent 403 GET "/v1/vaults/$B/secrets/db/pass"
as_agent 403 GET "/v1/vaults/$B"
as_agent 403 GET "/v1/vaults/$B/secrets"
as_agent 403 GET "/v1/vaults/00000000-0000-4000-8000-000000000000/secrets/x"

# read on db/*: a policy change revokes the tokens issued before it.
vd_call 201 POST "/v1/vaults/$A/policies" \
	"{\"secret_path_pattern\":\"db/*\",\"principal_type\":\"agent\",\"principal_id\":\"$AID\",\"permissions\":[\"read\"]}"
[ "$(vd_field '[.vault_id, .secret_path_pattern, .principal_type, .principal_id, (.permissions | join(",")), .effect] | join("|")')" = \
  "$A|db/*|agent|$AID|read|allow" ] || oc_fail "policy create: $(cat "$T/.body")"
P1=$(vd_field .id)
as_agent 403 GET "/v1/vaults/$A/secrets/db/pass"
[ "$(vd_field .detail)" = "token has been revoked" ] || oc_fail "revoked detail"
tok
as_agent 200 GET "/v1/vaults/$A/secrets/db/pass"
[ "$(vd_field .value)" = fixture-access-db/pass ] || oc_fail "agent read"
as_agent 200 GET "/v1/vaults/$A/secrets/db%2Fuser"
as_agent 403 GET "/v1/vaults/$A/secrets/app/key"
as_agent 403 PUT "/v1/vaults/$A/secrets/db/pass" '{"value":"x"}'
as_agent 403 DELETE "/v1/vaults/$A/secrets/db/pass"
as_agent 200 GET "/v1/vaults/$A/secrets"
[ "$(vd_field '[.secrets[].path] | join(",")')" = "db/pass,db/user" ] ||
	oc_fail "agent list: $(cat "$T/.body")"
as_agent 200 GET "/v1/vaults/$A/secret-versions/db/pass"

# write on app/**: writes but cannot read back.
vd_call 201 POST "/v1/vaults/$A/policies" \
	"{\"secret_path_pattern\":\"app/**\",\"principal_type\":\"agent\",\"principal_id\":\"$AID\",\"permissions\":[\"write\"]}"
tok
as_agent 201 PUT "/v1/vaults/$A/secrets/app/deep/new" '{"value":"fixture-agent-write"}'
oc_secret fixture-agent-write
[ "$(vd_field .created_by)" = "agent:$AID" ] || oc_fail "created_by"
as_agent 403 GET "/v1/vaults/$A/secrets/app/deep/new"

# deny wins over allow.
vd_call 201 POST "/v1/vaults/$A/policies" \
	"{\"secret_path_pattern\":\"db/user\",\"principal_type\":\"agent\",\"principal_id\":\"$AID\",\"permissions\":[\"read\"],\"effect\":\"deny\",\"priority\":5}"
P3=$(vd_field .id)
tok
as_agent 403 GET "/v1/vaults/$A/secrets/db/user"
as_agent 200 GET "/v1/vaults/$A/secrets/db/pass"
vd_call 200 GET "/v1/vaults/$A/policies"
[ "$(vd_field '.policies | length')" = 3 ] || oc_fail "policy list"
vd_call 200 GET "/v1/vaults/$A/policies/$P3"
[ "$(vd_field .effect)" = deny ] || oc_fail "policy get"
vd_call 204 DELETE "/v1/vaults/$A/policies/$P3"
vd_call 404 GET "/v1/vaults/$A/policies/$P3"
tok
as_agent 200 GET "/v1/vaults/$A/secrets/db/user"
# Update: widen db/* to **.
vd_call 200 PUT "/v1/vaults/$A/policies/$P1" '{"secret_path_pattern":"**"}'
[ "$(vd_field '[.secret_path_pattern, (.permissions | join(","))] | join("|")')" = "**|read" ] ||
	oc_fail "policy update: $(cat "$T/.body")"
as_agent 403 GET "/v1/vaults/$A/secrets/db/user"
tok
as_agent 200 GET "/v1/vaults/$A/secrets/other/x"

# Explicit scopes narrow what policies grant.
vd_call 200 PATCH "/v1/agents/$AID" '{"scopes":["db/pass"]}'
tok
as_agent 200 GET "/v1/vaults/$A/secrets/db/pass"
as_agent 403 GET "/v1/vaults/$A/secrets/other/x"
[ "$(vd_field .detail)" = "Token scopes do not cover this path" ] || oc_fail "scope detail"

# An unbound agent (vault_ids empty) reaches every vault its policies name.
vd_call 201 POST /v1/agents '{"name":"roamer"}'
RID=$(vd_field .agent.id)
RKEY=$(vd_field .api_key)
oc_secret "$RKEY"
vd_call 201 POST "/v1/vaults/$B/policies" \
	"{\"secret_path_pattern\":\"**\",\"principal_type\":\"agent\",\"principal_id\":\"$RID\",\"permissions\":[\"read\",\"write\"]}"
RT=$(vd_token "$RKEY" agent-token)
oc_secret "$RT"
OC_BEARER=$RT vd_call 200 GET "/v1/vaults/$B/secrets/db/pass"
OC_BEARER=$RT vd_call 403 GET "/v1/vaults/$A/secrets/db/pass"

# Agents manage neither agents nor policies.
as_agent 403 GET /v1/agents
as_agent 403 POST /v1/agents '{"name":"x"}'
as_agent 403 GET "/v1/vaults/$A/policies"
as_agent 403 POST "/v1/vaults/$A/policies" '{}'
as_agent 200 GET "/v1/agents/$AID"
as_agent 403 GET "/v1/agents/$RID"

# Errors.
for body in '{}' '{"name":""}' '{"name":"x","auth_method":"mtls"}' \
	'{"name":"x","vault_ids":["nope"]}' \
	'{"name":"x","vault_ids":["00000000-0000-4000-8000-000000000000"]}' \
	'{"name":"x","vault_ids":"all"}' '{"name":"x","token_ttl_seconds":0}' \
	'{"name":"x","scopes":[1]}' '{"name":"x","is_active":"yes"}' \
	'{"name":"x","expires_at":"soon"}'; do
	vd_call 400 POST /v1/agents "$body"
	vd_problem 400
done
vd_call 404 GET /v1/agents/00000000-0000-4000-8000-000000000000
vd_call 404 PATCH /v1/agents/00000000-0000-4000-8000-000000000000 '{}'
vd_call 404 DELETE /v1/agents/00000000-0000-4000-8000-000000000000
ok="\"principal_type\":\"agent\",\"principal_id\":\"$AID\""
for body in '{}' \
	"{$ok,\"permissions\":[\"read\"]}" \
	"{\"secret_path_pattern\":\"x\",$ok}" \
	"{\"secret_path_pattern\":\"x\",$ok,\"permissions\":[]}" \
	"{\"secret_path_pattern\":\"x\",$ok,\"permissions\":[\"admin\"]}" \
	"{\"secret_path_pattern\":\"x\",$ok,\"permissions\":[\"read\"],\"effect\":\"maybe\"}" \
	"{\"secret_path_pattern\":\"x\",\"principal_type\":\"robot\",\"principal_id\":\"$AID\",\"permissions\":[\"read\"]}" \
	"{\"secret_path_pattern\":\"x\",\"principal_type\":\"agent\",\"principal_id\":\"00000000-0000-4000-8000-000000000000\",\"permissions\":[\"read\"]}"; do
	vd_call 400 POST "/v1/vaults/$A/policies" "$body"
	vd_problem 400
done
vd_call 404 POST /v1/vaults/00000000-0000-4000-8000-000000000000/policies \
	"{\"secret_path_pattern\":\"x\",$ok,\"permissions\":[\"read\"]}"
vd_call 404 PUT "/v1/vaults/$A/policies/00000000-0000-4000-8000-000000000000" '{}'
vd_call 404 DELETE "/v1/vaults/$A/policies/00000000-0000-4000-8000-000000000000"
exit 0
