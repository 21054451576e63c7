#!/bin/sh
# cmek-wire.sh - no CMEK key and no CMEK plaintext on the wire.  Every
# request oneclaw-vaultd receives is appended to its --wire-log; after
# reads, C_Decrypt, C_UnwrapKey/C_Sign, CKM_AES_GCM, C_Encrypt and writes
# (pkcs11-tool and C_CreateObject / C_SetAttributeValue) of CMEK secrets
# through the module, the log must hold neither the key (raw, standard or
# URL-safe base64 with or without padding, hex in any case) nor any CMEK
# plaintext (raw, base64, hex).  Positive controls: the log does hold the
# module's requests and the sealed value it PUT.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need pkcs11-tool
cmek_need_node
cmek_need_module
oc_start_vaultd --wire-log "$T/wire.log"

oc_keygen "$T/cmek.key"
vid=$(cmek_vault wire "$T/cmek.key") || exit 1
cmek_plain "$T/pt1" wire-secret-
cmek_put "$vid" app/api-key "$T/cmek.key" "$T/pt1" "$T/blob1"
head -c 32 /dev/urandom > "$T/pt2"
oc_secret "$(od -An -v -tx1 < "$T/pt2" | tr -d ' \n')"
cmek_put "$vid" app/aes-key "$T/cmek.key" "$T/pt2" "$T/blob2"
cmek_module_env "$vid" "$T/cmek.key"

# Reads, decrypts, unwrap + HMAC, AES-GCM, C_Encrypt.
cmek_node cmek-client.js --module "$MODULE" --key "$T/cmek.key" \
	--secret "app/api-key=$T/pt1=$T/blob1" \
	--secret "app/aes-key=$T/pt2=$T/blob2" --aes-secret app/aes-key
cmek_node cmek-interop.js --module "$MODULE" --key "$T/cmek.key"
pkcs11-tool --module "$MODULE" --read-object --type data \
	--label app/api-key --output-file "$T/read1" >"$T/p11.out" 2>&1 ||
	{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --read-object"; }
cmp -s "$T/read1" "$T/blob1" || oc_fail "pkcs11-tool read a different blob"

# Writes.
cmek_plain "$T/w1" wire-written-
pkcs11-tool --module "$MODULE" --write-object "$T/w1" --type data \
	--label app/written >"$T/p11.out" 2>&1 ||
	{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --write-object"; }
cmek_check_secret "$vid" app/written "$T/cmek.key" "$T/w1"
cmek_node cmek-write.js --module "$MODULE" --url "$OC_URL" \
	--bearer-file "$ADMIN_KEY_FILE" --vault "$vid" --mode cmek \
	--key "$T/cmek.key" --prefix app/node --plain-out "$T/nodept"
for f in "$T"/nodept.*; do oc_secret "$(cat "$f")"; done

stored=$(oc_api GET "/v1/vaults/$vid/secrets/app/written" | oc_json_field value)
[ -n "$stored" ] || oc_fail "no stored value for app/written"
echo "wire log: $(wc -c < "$T/wire.log") bytes," \
	"$(grep -cE '^(GET|PUT|POST|DELETE|PATCH) /' "$T/wire.log") request lines"
cmek_tool wire-scan --log "$T/wire.log" --key "$T/cmek.key" \
	--plain "$T/pt1" --plain "$T/pt2" --plain "$T/w1" \
	--plain "$T/nodept.1" --plain "$T/nodept.2" --plain "$T/nodept.3" \
	--want "PUT /v1/vaults/$vid/secrets/app/written" \
	--want "GET /v1/vaults/$vid/secrets" \
	--want "$stored" || oc_fail "the wire log holds a key or a plaintext"
