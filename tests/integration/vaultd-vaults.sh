#!/bin/sh
# Vaults: create (201), list, get, delete (204, then 404), duplicate name
# (409), bad names (400), unknown vault (404), agents may not manage vaults.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd

vd_call 201 POST /v1/vaults '{"name":"alpha","description":"first vault"}'
[ "$(vd_field '[.name, .description, .cmek_enabled, .cmek_fingerprint, (.id | test("^[0-9a-f-]{36}$")), (.created_at | test("Z$")), .created_by_type] | map(tostring) | join("|")')" = \
  "alpha|first vault|false|null|true|true|user" ] || oc_fail "create: $(cat "$T/.body")"
A=$(vd_field .id)
vd_call 201 POST /v1/vaults '{"name":"beta","mpc_custody":null}'
B=$(vd_field .id)
vd_call 409 POST /v1/vaults '{"name":"alpha"}'
vd_problem 409
for body in '{}' '{"name":""}' '{"name":7}' '{"name":"x","description":5}' \
	"{\"name\":\"$(head -c 256 /dev/zero | tr '\0' n)\"}" '{"name":"a\u0001b"}' '[]' '{'; do
	vd_call 400 POST /v1/vaults "$body"
	vd_problem 400
done

vd_call 200 GET /v1/vaults
[ "$(vd_field '[.vaults[].name] | join(",")')" = "alpha,beta" ] || oc_fail "list: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$A"
[ "$(vd_field .name)" = alpha ] || oc_fail "get"
vd_call 404 GET /v1/vaults/00000000-0000-4000-8000-000000000000
vd_problem 404
vd_call 404 GET /v1/vaults/not-a-uuid

# Delete takes the secrets with it.
vd_call 201 PUT "/v1/vaults/$B/secrets/x" '{"value":"fixture-vault-delete"}'
oc_secret fixture-vault-delete
vd_call 204 DELETE "/v1/vaults/$B"
vd_call 404 GET "/v1/vaults/$B"
vd_call 404 GET "/v1/vaults/$B/secrets/x"
vd_call 404 DELETE "/v1/vaults/$B"
# The name is free again.
vd_call 201 POST /v1/vaults '{"name":"beta"}'

# An agent sees only its vaults and manages none.
vd_call 201 POST /v1/agents "{\"name\":\"a\",\"vault_ids\":[\"$A\"]}"
AT=$(vd_token "$(vd_field .api_key)" agent-token)
oc_secret "$AT"
OC_BEARER=$AT vd_call 200 GET /v1/vaults
[ "$(vd_field '[.vaults[].name] | join(",")')" = alpha ] || oc_fail "agent list: $(cat "$T/.body")"
OC_BEARER=$AT vd_call 403 POST /v1/vaults '{"name":"agent-made"}'
vd_problem 403
OC_BEARER=$AT vd_call 403 DELETE "/v1/vaults/$A"
OC_BEARER=$AT vd_call 200 GET "/v1/vaults/$A"
exit 0
