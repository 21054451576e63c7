#!/bin/sh
# cmek-delegated.sh - the CMEK key lives in another PKCS#11 token (SoftHSM2
# here, a hardware key in the field) as a sensitive, non-extractable AES-256
# key; the module is configured with cmek_key_uri / cmek_key_module /
# cmek_key_pin_file (and cmek_key_fingerprint, or the key's CKA_ID) and
# forwards the AES-GCM work to it (DESIGN 6.4).  Through the module a
# pkcs11js client decrypts, unwraps, seals and writes exactly as with a key
# file, and SoftHSM still reports the key CKA_EXTRACTABLE FALSE after.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
cmek_need_node
cmek_need_module
softhsm=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" kek 1234 5678
( umask 077 && echo 1234 > "$T/kek.pin" )
oc_secret 1234

# The test must know the key to seal fixtures, so a known key is imported
# (sensitive, non-extractable, CKA_ID = its fingerprint) rather than made
# inside the token.
oc_keygen "$T/cmek.key"
fp=$(cmek_tool fp "$T/cmek.key")
cmek_node softhsm-key.js import --module "$softhsm" --token kek \
	--pin-file "$T/kek.pin" --key "$T/cmek.key" --label cmek
cmek_node softhsm-key.js check --module "$softhsm" --token kek \
	--pin-file "$T/kek.pin" --key "$T/cmek.key" --label cmek
pkcs11-tool --module "$softhsm" --token-label kek --login --pin 1234 \
	--list-objects --type secrkey 2>/dev/null | sed 's/^/softhsm: /' || true

oc_start_vaultd
vid=$(cmek_vault delegated "$T/cmek.key") || exit 1
cmek_plain "$T/pt1" delegated-
cmek_put "$vid" app/api-key "$T/cmek.key" "$T/pt1" "$T/blob1"
head -c 32 /dev/urandom > "$T/pt2"
oc_secret "$(od -An -v -tx1 < "$T/pt2" | tr -d ' \n')"
cmek_put "$vid" app/aes-key "$T/cmek.key" "$T/pt2" "$T/blob2"

# No key in the environment: only the config file names it.
cmek_module_env "$vid" "" delegated
write_conf() {
	( umask 077 && {
		echo "# delegated CMEK key (written by cmek-delegated.sh)"
		echo "cmek_key_uri = pkcs11:token=kek;object=cmek;type=secret-key"
		echo "cmek_key_module = $softhsm"
		echo "cmek_key_pin_file = $T/kek.pin"
		[ -n "$1" ] && echo "cmek_key_fingerprint = $1"
	} > "$T/pkcs11.conf" )
	ONECLAW_PKCS11_CONF="$T/pkcs11.conf"
	export ONECLAW_PKCS11_CONF
}

echo "== with cmek_key_fingerprint"
write_conf "$fp"
cmek_node cmek-client.js --module "$MODULE" --key "$T/cmek.key" \
	--vault-name delegated \
	--secret "app/api-key=$T/pt1=$T/blob1" \
	--secret "app/aes-key=$T/pt2=$T/blob2" --aes-secret app/aes-key
cmek_node cmek-write.js --module "$MODULE" --url "$OC_URL" \
	--bearer-file "$ADMIN_KEY_FILE" --vault "$vid" --mode cmek \
	--key "$T/cmek.key" --prefix app/delegated --plain-out "$T/nodept"
for f in "$T"/nodept.*; do oc_secret "$(cat "$f")"; done

echo "== fingerprint from the key's CKA_ID"
write_conf ""
cmek_node cmek-interop.js --module "$MODULE" --key "$T/cmek.key"
cmek_node cmek-client.js --module "$MODULE" --key "$T/cmek.key" \
	--vault-name delegated --secret "app/api-key=$T/pt1=$T/blob1"

echo "== the key is still non-extractable in SoftHSM"
cmek_node softhsm-key.js check --module "$softhsm" --token kek \
	--pin-file "$T/kek.pin" --key "$T/cmek.key" --label cmek
