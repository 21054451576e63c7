#!/bin/sh
# Secrets over HTTP: PUT (201, versions), GET, list with prefix, literal '/'
# and %2F, versions, single version, disable, soft delete (204 then 410),
# expires_at and max_access_count (410), and every input error.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq
oc_setup
oc_start_vaultd

V=$(oc_create_vault secrets)
S=/v1/vaults/$V/secrets
oc_secret "fixture-openai-v1-value" "fixture-openai-v2-value" "fixture-db-pass"

vd_call 201 PUT "$S/api-keys/openai" \
	'{"type":"api_key","value":"fixture-openai-v1-value","metadata":{"tags":["openai","production"]},"expires_at":"2099-12-31T23:59:59Z"}'
[ "$(vd_field '[.path, .type, .version, .metadata.tags[1], .expires_at, .cmek_encrypted, .cmek_fingerprint, has("value")] | map(tostring) | join("|")')" = \
  "api-keys/openai|api_key|1|production|2099-12-31T23:59:59Z|false|null|false" ] ||
	oc_fail "PUT response: $(cat "$T/.body")"
id1=$(vd_field .id)
# The CLI and the Go SDK send %2F for '/': same secret, next version.
vd_call 201 PUT "$S/api-keys%2Fopenai" '{"value":"fixture-openai-v2-value"}'
[ "$(vd_field '[.id, .version, .type] | map(tostring) | join("|")')" = "$id1|2|generic" ] ||
	oc_fail "second PUT: $(cat "$T/.body")"

vd_call 200 GET "$S/api-keys%2Fopenai"
[ "$(vd_field '[.value, .version, .created_by[0:5]] | map(tostring) | join("|")')" = \
  "fixture-openai-v2-value|2|user:" ] || oc_fail "GET: $(cat "$T/.body")"
vd_call 200 GET "$S/api-keys/openai"
[ "$(vd_field .value)" = "fixture-openai-v2-value" ] || oc_fail "GET by /"

vd_call 201 PUT "$S/db/password" '{"value":"fixture-db-pass","type":"password"}'
vd_call 200 GET "$S"
[ "$(vd_field '[.secrets[] | "\(.path):\(.version):\(has("value"))"] | join(",")')" = \
  "api-keys/openai:2:false,db/password:1:false" ] || oc_fail "list: $(cat "$T/.body")"
vd_call 200 GET "$S?prefix=api-keys%2F"
[ "$(vd_field '[.secrets[].path] | join(",")')" = "api-keys/openai" ] ||
	oc_fail "prefix list: $(cat "$T/.body")"
vd_call 200 GET "$S?prefix=nothing"
[ "$(vd_field '.secrets | length')" = 0 ] || oc_fail "empty prefix list"
# A prefix is found through the path index, as a range up to the prefix
# with its last byte raised: the paths just past either end of the range,
# and a last character of several bytes, stay where they belong.
V2=$(oc_create_vault prefix-range)
for p in ab ab%2Fx ab0 aaz %C3%A9 %C3%A9z %C3%AA; do
	vd_call 201 PUT "/v1/vaults/$V2/secrets/$p" '{"value":"v"}'
done
prefix_paths() {
	vd_call 200 GET "/v1/vaults/$V2/secrets?prefix=$1"
	vd_field '[.secrets[].path] | join(",")'
}
[ "$(prefix_paths ab)" = "ab,ab/x,ab0" ] || oc_fail "prefix ab: $(cat "$T/.body")"
[ "$(prefix_paths ab%2F)" = "ab/x" ] || oc_fail "prefix ab/: $(cat "$T/.body")"
[ "$(prefix_paths %C3%A9)" = "é,éz" ] || oc_fail "prefix é: $(cat "$T/.body")"
[ "$(prefix_paths a)" = "aaz,ab,ab/x,ab0" ] || oc_fail "prefix a: $(cat "$T/.body")"

# Versions, one version, disable.
vd_call 200 GET "/v1/vaults/$V/secret-versions/api-keys/openai"
[ "$(vd_field '[.versions[] | "\(.version):\(.type)"] | join(",")')" = "1:api_key,2:generic" ] ||
	oc_fail "versions: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$V/secret-version/api-keys/openai/1"
[ "$(vd_field .value)" = "fixture-openai-v1-value" ] || oc_fail "version 1"
vd_call 404 GET "/v1/vaults/$V/secret-version/api-keys/openai/9"
vd_problem 404
vd_call 204 POST "/v1/vaults/$V/secret-version-disable/api-keys%2Fopenai/2"
vd_call 410 GET "/v1/vaults/$V/secret-version/api-keys/openai/2"
vd_problem 410
# The latest enabled version is what GET returns now.
vd_call 200 GET "$S/api-keys/openai"
[ "$(vd_field .version)" = 1 ] || oc_fail "latest after disable"
vd_call 404 POST "/v1/vaults/$V/secret-version-disable/api-keys/openai/7"

# Soft delete: 204, then 410 on every read; DELETE again is 410 too.
vd_call 204 DELETE "$S/api-keys/openai"
[ ! -s "$T/.body" ] || oc_fail "204 with a body"
vd_call 410 GET "$S/api-keys/openai"
vd_problem 410
vd_call 410 GET "/v1/vaults/$V/secret-versions/api-keys/openai"
vd_call 410 DELETE "$S/api-keys/openai"
vd_call 200 GET "$S"
[ "$(vd_field '[.secrets[].path] | join(",")')" = "db/password" ] ||
	oc_fail "deleted secret still listed"
# A PUT after a delete starts a new secret.
vd_call 201 PUT "$S/api-keys/openai" '{"value":"fixture-openai-v1-value"}'
[ "$(vd_field .version)" = 1 ] && [ "$(vd_field .id)" != "$id1" ] ||
	oc_fail "re-created secret: $(cat "$T/.body")"

# expires_at in the past and max_access_count.
vd_call 201 PUT "$S/old" '{"value":"fixture-expired","expires_at":"2020-01-01T00:00:00+01:00"}'
vd_call 410 GET "$S/old"
vd_call 201 PUT "$S/twice" '{"value":"fixture-twice","max_access_count":2}'
vd_call 200 GET "$S/twice"
vd_call 200 GET "$S/twice"
vd_call 410 GET "$S/twice"
vd_problem 410

# Unknown vault and secret.
vd_call 404 GET "/v1/vaults/00000000-0000-4000-8000-000000000000/secrets/x"
vd_problem 404
vd_call 404 GET "$S/no/such/secret"
vd_problem 404
vd_call 404 DELETE "$S/no/such/secret"

# Input errors: each 400 with a problem body, and nothing stored.
for body in \
	'' \
	'not json' \
	'{"value":"x",' \
	'[1,2]' \
	'{}' \
	'{"value":5}' \
	'{"value":null}' \
	'{"value":"x","type":"bogus"}' \
	'{"value":"x","type":7}' \
	'{"value":"x","metadata":"tags"}' \
	'{"value":"x","metadata":[1]}' \
	'{"value":"x","expires_at":"tomorrow"}' \
	'{"value":"x","expires_at":"2026-02-30T00:00:00Z"}' \
	'{"value":"x","max_access_count":-1}' \
	'{"value":"x","max_access_count":"3"}' \
	'{"value":"x","max_access_count":1.5}'; do
	vd_call 400 PUT "$S/bad" "$body"
	vd_problem 400
done
vd_call 404 GET "$S/bad"
# Every type of the union is accepted.
for t in generic password api_key certificate private_key ssh_key env env_bundle file note; do
	vd_call 201 PUT "$S/types/$t" "{\"value\":\"v\",\"type\":\"$t\"}"
done
# Bad paths (curl would fold a literal "..", so it is escaped).
vd_call 400 PUT "$S/a//b" '{"value":"x"}'
vd_call 400 PUT "$S/a%2" '{"value":"x"}'
vd_call 400 PUT "$S/a%00b" '{"value":"x"}'
vd_call 400 PUT "$S/a/%2E%2E/b" '{"value":"x"}'
vd_call 400 GET "$S/"
# Unknown endpoint, wrong method.
vd_call 404 GET /v1/nothing
vd_problem 404
vd_call 405 PATCH "$S/db/password" '{}'
vd_problem 405
exit 0
