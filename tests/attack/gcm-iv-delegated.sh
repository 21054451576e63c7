#!/bin/sh
# gcm-iv-delegated.sh - the caller-chosen GCM IV attacks of gcm-iv.sh on a
# delegated CMEK key: the key sits in SoftHSM2 (sensitive, never
# extractable) and the module forwards the AES-GCM work to it.  SoftHSM
# takes whatever IV it is handed, so the module must hand it one it
# generated, never the application's.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need pkcs11-tool base64
atk_need
softhsm=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" atkhsm 4321 8765
( umask 077 && echo 4321 > "$T/hsm.pin" )
oc_secret 4321 8765
oc_start_vaultd

# A known key (the test seals its fixture with it as a file), imported.
vid=$(atk_cmek_vault gcm-iv-delegated "$T/cmek.key")
fp=$(atk_tool fingerprint "$T/cmek.key") || oc_fail "fingerprint"
( umask 077 && base64 -d < "$T/cmek.key" > "$T/cmek.raw" )
pkcs11-tool --module "$softhsm" --token-label atkhsm --login --pin 4321 \
	--write-object "$T/cmek.raw" --type secrkey --key-type AES:32 \
	--id "$fp" --label cmek --sensitive >/dev/null 2>&1 ||
	oc_skip "pkcs11-tool cannot import an AES key"
rm -f "$T/cmek.raw"

atk_put_sealed "$vid" app/sealed "$T/cmek.key" gcm-

# No key file: only the config names the key in SoftHSM.
atk_env "$vid"
( umask 077 && {
	echo "cmek_key_uri = pkcs11:token=atkhsm;object=cmek;type=secret-key"
	echo "cmek_key_module = $softhsm"
	echo "cmek_key_pin_file = $T/hsm.pin"
} > "$T/pkcs11.conf" )
ONECLAW_PKCS11_CONF="$T/pkcs11.conf"
export ONECLAW_PKCS11_CONF
atk_run gcm-iv app/sealed "$T/pt"
exit 0
