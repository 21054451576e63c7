#!/bin/sh
# CMEK: enable (fingerprint ^[0-9a-f]{64}$) and disable (200 + vault), PUT
# into a CMEK vault (base64 of a v1 blob only, stored with the vault's
# fingerprint), a small server-assisted rotation end to end, and every
# rotation error (missing / malformed / wrong keys, bad fingerprints).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/vaultd-lib.sh"
oc_need curl jq node
oc_setup
oc_start_vaultd

# 1claw-api.md section 5.7 vectors.
K1=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
F1=630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd
K3=//////////////////////////////////////////8=
F3=af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051
B1=AQABAgMEBQYHCAkKCyp7+2ighrB++Wzh6t2cHS3e50pY8gxfdFFzEXxEWrU=
oc_secret "$K1" "$K3"

V=$(oc_create_vault cmek)
S=/v1/vaults/$V/secrets

for f in '"630DCD2966C4336691125448BBB25B4FF412A49C732DB2C8ABC1B8581BD710DD"' \
	"\"${F1%?}\"" "\"${F1}0\"" '"zz0dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"' \
	42 null; do
	vd_call 400 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":$f}"
	vd_problem 400
done
vd_call 404 POST /v1/vaults/00000000-0000-4000-8000-000000000000/cmek "{\"fingerprint\":\"$F1\"}"
vd_call 200 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$F1\"}"
[ "$(vd_field '[.id, .cmek_enabled, .cmek_fingerprint] | map(tostring) | join("|")')" = "$V|true|$F1" ] ||
	oc_fail "enable: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$V"
[ "$(vd_field .cmek_fingerprint)" = "$F1" ] || oc_fail "vault fingerprint"

# Only base64 of a v1 blob goes into a CMEK vault.
short=$(head -c 28 /dev/zero | tr '\0' '\001' | base64)
v2=$(printf '\002%028d' 0 | base64)
urlsafe=$(echo "$B1" | tr '+/' '-_')
for v in plain-text-value "$short" "$v2" "$urlsafe" "${B1%=}" "$B1!"; do
	vd_call 400 PUT "$S/c" "{\"value\":\"$v\"}"
	vd_problem 400
done
vd_call 201 PUT "$S/c" "{\"value\":\"$B1\",\"type\":\"api_key\"}"
[ "$(vd_field '[.cmek_encrypted, .cmek_fingerprint] | map(tostring) | join("|")')" = "true|$F1" ] ||
	oc_fail "CMEK PUT: $(cat "$T/.body")"
vd_call 200 GET "$S/c"
[ "$(vd_field '[.value, .cmek_encrypted, .cmek_fingerprint] | map(tostring) | join("|")')" = "$B1|true|$F1" ] ||
	oc_fail "CMEK GET: $(cat "$T/.body")"
vd_call 200 GET "$S"
[ "$(vd_field '[.secrets[0].cmek_encrypted, .secrets[0].cmek_fingerprint] | map(tostring) | join("|")')" = "true|$F1" ] ||
	oc_fail "CMEK list: $(cat "$T/.body")"
# Two more, sealed by the client.
vd_cmek put "$V" "$K1" 3 more > /dev/null || oc_fail "seal and put"

# Rotation errors, each 400 (or 403 / 404) and no job.
rot() {
	# rot CODE OLD NEW BODY
	_c=$1 _o=$2 _n=$3 _b=$4
	set -- -H "Authorization: Bearer ${OC_BEARER:-$ADMIN_KEY}" -H 'Content-Type: application/json'
	[ -n "$_o" ] && set -- "$@" -H "x-cmek-old-key: $_o"
	[ -n "$_n" ] && set -- "$@" -H "x-cmek-new-key: $_n"
	OC_STATUS=$(curl -sS -o "$T/.body" -D "$T/.headers" -w '%{http_code}' -X POST "$@" \
		--data-binary "$_b" "$OC_URL/v1/vaults/$ROT_VAULT/cmek-rotate")
	[ "$OC_STATUS" = "$_c" ] || oc_fail "rotate: expected $_c, got $OC_STATUS: $(cat "$T/.body")"
}
ROT_VAULT=$V
body="{\"new_fingerprint\":\"$F3\"}"
rot 400 "" "$K3" "$body"
rot 400 "$K1" "" "$body"
rot 400 "$K1" "not base64!" "$body"
rot 400 "$K1" "$(echo "$K3" | tr "+/" "-_")" "$body"
rot 400 "$(head -c 31 /dev/zero | base64)" "$K3" "$body"
rot 400 "$K3" "$K1" "{\"new_fingerprint\":\"$F1\"}"
rot 400 "$K1" "$K3" "{\"new_fingerprint\":\"$F1\"}"
rot 400 "$K1" "$K1" "{\"new_fingerprint\":\"$F1\"}"
rot 400 "$K1" "$K3" '{"new_fingerprint":"ABC"}'
rot 400 "$K1" "$K3" '{}'
rot 400 "$K1" "$K3" ''
vd_problem 400
ROT_VAULT=00000000-0000-4000-8000-000000000000
rot 404 "$K1" "$K3" "$body"
ROT_VAULT=$V
vd_call 201 POST /v1/agents "{\"name\":\"a\"}"
AT=$(vd_token "$(vd_field .api_key)" agent-token)
oc_secret "$AT"
OC_BEARER=$AT rot 403 "$K1" "$K3" "$body"
OC_BEARER=$AT vd_call 403 POST "/v1/vaults/$V/cmek" "{\"fingerprint\":\"$F1\"}"
vd_call 200 GET "/v1/vaults/$V"
[ "$(vd_field .cmek_fingerprint)" = "$F1" ] || oc_fail "a refused rotation changed the vault"

# A real rotation: 202, Location, job status until completed.
rot 202 "$K1" "$K3" "$body"
loc=$(sed -n 's/^[Ll]ocation: *//p' "$T/.headers" | tr -d '\r')
job=$(vd_field .id)
[ "$loc" = "/v1/vaults/$V/cmek-rotate/$job" ] || oc_fail "Location: $loc"
[ "$(vd_field '[.vault_id, .status, .total_secrets, .processed, .old_fingerprint, .new_fingerprint] | map(tostring) | join("|")')" = \
  "$V|pending|4|0|$F1|$F3" ] || oc_fail "job: $(cat "$T/.body")"
i=0
while :; do
	vd_call 200 GET "$loc"
	st=$(vd_field .status)
	[ "$st" = completed ] && break
	[ "$st" = failed ] && oc_fail "job failed: $(cat "$T/.body")"
	i=$((i + 1)); [ $i -gt 200 ] && oc_fail "job never completed"
	sleep 0.1
done
[ "$(vd_field '[.processed, .total_secrets, .error, (.completed_at | type)] | map(tostring) | join("|")')" = "4|4|null|string" ] ||
	oc_fail "completed job: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$V"
[ "$(vd_field .cmek_fingerprint)" = "$F3" ] || oc_fail "vault fingerprint not switched"
vd_call 200 GET "$S/c"
[ "$(vd_field .cmek_fingerprint)" = "$F3" ] || oc_fail "secret fingerprint"
[ "$(vd_cmek open "$K3" "$(vd_field .value)")" = my-secret-value ] || oc_fail "rotated V1 blob"
vd_cmek check "$V" "$K3" "$K1" 3 more > /dev/null || oc_fail "rotated secrets"
vd_call 404 GET "/v1/vaults/$V/cmek-rotate/00000000-0000-4000-8000-000000000000"
# The old key is no longer the vault's.
rot 400 "$K1" "$K3" "$body"

# A secret that does not open with the old key fails the job, which names
# it, and its batch stays as it was.
VB=$(oc_create_vault cmek-bad)
vd_call 200 POST "/v1/vaults/$VB/cmek" "{\"fingerprint\":\"$F1\"}"
vd_call 201 PUT "/v1/vaults/$VB/secrets/good" "{\"value\":\"$(vd_cmek seal "$K1" fine)\"}"
KX=BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc= # no key of this vault
vd_call 201 PUT "/v1/vaults/$VB/secrets/odd/one" "{\"value\":\"$(vd_cmek seal "$KX" other)\"}"
ROT_VAULT=$VB
rot 202 "$K1" "$K3" "$body"
ROT_VAULT=$V
loc=$(sed -n 's/^[Ll]ocation: *//p' "$T/.headers" | tr -d '\r')
i=0
while :; do
	vd_call 200 GET "$loc"
	st=$(vd_field .status)
	[ "$st" = failed ] && break
	[ "$st" = completed ] && oc_fail "a job over a foreign blob completed"
	i=$((i + 1)); [ $i -gt 200 ] && oc_fail "job never ended"
	sleep 0.1
done
[ "$(vd_field '[.processed, .error] | map(tostring) | join("|")')" = \
  "0|a secret does not open with the old key (odd/one version 1)" ] ||
	oc_fail "failed job: $(cat "$T/.body")"
vd_call 200 GET "/v1/vaults/$VB/secrets/good"
[ "$(vd_field .cmek_fingerprint)" = "$F1" ] || oc_fail "a failed batch was kept"

# Disable: 200 + vault; sealed secrets stay sealed; new writes are plain.
vd_call 200 DELETE "/v1/vaults/$V/cmek"
[ "$(vd_field '[.cmek_enabled, .cmek_fingerprint] | map(tostring) | join("|")')" = "false|null" ] ||
	oc_fail "disable: $(cat "$T/.body")"
vd_call 200 GET "$S/c"
[ "$(vd_field .cmek_encrypted)" = true ] || oc_fail "old secret lost its CMEK flag"
vd_call 201 PUT "$S/plain" '{"value":"fixture-after-disable"}'
oc_secret fixture-after-disable
[ "$(vd_field '[.cmek_encrypted, .cmek_fingerprint] | map(tostring) | join("|")')" = "false|null" ] ||
	oc_fail "plain PUT after disable"
rot 400 "$K3" "$K1" "{\"new_fingerprint\":\"$F1\"}"
exit 0
