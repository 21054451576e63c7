#!/bin/sh
# module-crypto.sh - the CMEK key inside the token, seen by C clients:
# pkcs11-tool shows the key object sensitive and never extractable and
# cannot read its value (the debug log names CKA_VALUE); the mechanism list
# is truthful and its plain hashes equal sha256sum's; p11-client
# decrypts a CMEK secret with CKM_ONECLAW_CMEK and HMACs with a key
# unwrapped from it, equal to openssl's HMAC over the plaintext; random
# bytes come out.  (Node clients cover the full matrix: cmek-*.sh.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool node curl openssl od
mod_need
[ -x "$TOOL" ] || oc_skip "oneclaw-tool not built"
oc_start_vaultd

oc_keygen "$T/cmek.key"
vid=$(oc_create_vault crypto)
mod_env "$vid"
$OC_WRAP "$TOOL" -q --url "$OC_URL" cmek enable "$vid" --key "$T/cmek.key" > /dev/null ||
	oc_fail "cmek enable"
fp=$($OC_WRAP "$TOOL" -q fingerprint "$T/cmek.key")
printf 'hmac-key-%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/pt"
oc_secret "$(cat "$T/pt")"
$OC_WRAP "$TOOL" -q --url "$OC_URL" secret put "$vid" app/hmac-key --file "$T/pt" \
	--key "$T/cmek.key" > /dev/null || oc_fail "secret put (sealed)"

ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
export ONECLAW_CMEK_KEY_FILE

mod_tool --list-objects --type secrkey || oc_fail "--list-objects secrkey"
cat "$T/p11.out"
grep -q "label: *cmek" "$T/p11.out" || oc_fail "no key object labelled cmek"
grep -q "ID: *$fp" "$T/p11.out" || oc_fail "CKA_ID is not the fingerprint"
grep -q "AES length 32" "$T/p11.out" || oc_fail "not an AES-256 key"
grep -q "never extractable" "$T/p11.out" || oc_fail "extractable"
grep -q "sensitive" "$T/p11.out" || oc_fail "not sensitive"
mod_tool --read-object --type secrkey --label cmek --output-file "$T/k" &&
	[ -s "$T/k" ] && oc_fail "the key's value was read"
# The debug line of that refusal names the object and the attribute.
grep -Eq "C_GetAttributeValue: CKR_ATTRIBUTE_SENSITIVE \(object 0x[0-9a-f]+, CKA_VALUE\)" \
	"$ONECLAW_PKCS11_DEBUG_FILE" || oc_fail "the debug log does not name CKA_VALUE"

mod_tool --list-mechanisms || oc_fail "--list-mechanisms"
cat "$T/p11.out"
for m in 0x8c1a0001 AES-GCM SHA256-HMAC SHA512-HMAC; do
	grep -qi "$m" "$T/p11.out" || oc_fail "mechanism $m not listed"
done
# The plain hashes (Java's SunPKCS11 offers RSASSA-PSS only with them),
# listed for digests only, and hashing as sha256sum does.
for m in SHA-1 SHA224 SHA256 SHA384 SHA512; do
	grep -Eq "^ *$m, digest\$" "$T/p11.out" || oc_fail "digest $m not listed"
done
head -c 100000 /dev/urandom > "$T/data"
mod_tool --hash -m SHA256 --input-file "$T/data" --output-file "$T/hash" ||
	{ cat "$T/p11.out" >&2; oc_fail "--hash -m SHA256"; }
got=$(od -An -v -tx1 < "$T/hash" | tr -d ' \n')
want=$(sha256sum < "$T/data" | cut -d' ' -f1)
[ "$got" = "$want" ] || oc_fail "SHA-256 in the token $got != sha256sum $want"
# A mechanism the token lacks is named in the debug log (in hex when
# PKCS#11 has no name for it).
[ "$(mod_client mech-info 0x250)" = "CKR_OK 0x400" ] || oc_fail "CKM_SHA256 info"
[ "$(mod_client mech-info 0x1085)" = "CKR_MECHANISM_INVALID 0x0" ] ||
	oc_fail "CKM_AES_CBC_PAD info"
grep -q "C_GetMechanismInfo: CKR_MECHANISM_INVALID (CKM_AES_CBC_PAD)\$" \
	"$ONECLAW_PKCS11_DEBUG_FILE" || oc_fail "the debug log does not name CKM_AES_CBC_PAD"
mod_client mech-info 0x8c1affff > /dev/null || oc_fail "mech-info 0x8c1affff"
grep -q "C_GetMechanismInfo: CKR_MECHANISM_INVALID (0x8c1affff)\$" \
	"$ONECLAW_PKCS11_DEBUG_FILE" || oc_fail "the debug log does not name 0x8c1affff"

# The data object shows the blob; C_Decrypt gives the plaintext.
mod_client read app/hmac-key > "$T/blob" || oc_fail "read the blob"
[ "$(od -An -tx1 -N1 "$T/blob" | tr -d ' ')" = 01 ] || oc_fail "CKA_VALUE is not a v1 blob"
mod_client decrypt app/hmac-key > "$T/out" || oc_fail "C_Decrypt"
cmp -s "$T/out" "$T/pt" || oc_fail "C_Decrypt gave other bytes"

# Unwrap as a generic secret, HMAC-SHA256 in the token = openssl's.
printf 'message to authenticate' > "$T/msg"
mod_client hmac app/hmac-key < "$T/msg" > "$T/mac" || oc_fail "C_UnwrapKey + C_Sign"
hexkey=$(od -An -v -tx1 < "$T/pt" | tr -d ' \n')
want=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" < "$T/msg" | sed 's/.*= *//')
[ "$(cat "$T/mac")" = "$want" ] || oc_fail "HMAC $(cat "$T/mac") != $want"

mod_tool --generate-random 64 --output-file "$T/rnd" || oc_fail "--generate-random"
[ "$(wc -c < "$T/rnd")" -eq 64 ] || oc_fail "not 64 random bytes"
exit 0
