#!/bin/sh
# tests/bench/module-sign.sh - C_Sign with keys held in the vault: RSA-2048
# PKCS#1 v1.5 (CKM_SHA256_RSA_PKCS), ECDSA P-256 (CKM_ECDSA_SHA256) and
# Ed25519 (CKM_EDDSA) through the module against oneclaw-vaultd, beside raw
# OpenSSL signing with the same keys and SoftHSM2 holding imported copies,
# in the same run (tests/bench/module-sign.c).  Printed, never asserted.
# BENCH_SECONDS sets the seconds per cell (default 1).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
# Measure the module, not its debug log.
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
bench="$BUILD/tests/bench/module-sign"
[ -x "$bench" ] || oc_fail "$bench is not built (make bench builds it)"
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
softhsm=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" bench 1234 5678
echo 1234 > "$T/pin"
oc_start_vaultd

mkdir -p "$T/keys"
keys_genpkey "$T/keys/rsa.pem" RSA -pkeyopt rsa_keygen_bits:2048
keys_genpkey "$T/keys/ec.pem" EC -pkeyopt ec_paramgen_curve:P-256
keys_genpkey "$T/keys/ed.pem" ED25519
vid=$(oc_create_vault sign-bench)
[ -n "$vid" ] || oc_fail "create vault"
id=1
for k in rsa ec ed; do
	keys_register "$T/keys/$k.pem"
	keys_put "$vid" "bench/$k" private_key "$T/keys/$k.pem"
	# SoftHSM2 takes PKCS#8; a key type it cannot import shows as n/a.
	softhsm2-util --import "$T/keys/$k.pem" --token bench --label "$k" \
		--id "0$id" --pin 1234 > "$T/import.out" 2>&1 ||
		{ echo "note: SoftHSM2 cannot import the $k key:" \
			"$(tail -n 1 "$T/import.out")"; }
	id=$((id + 1))
done
mod_env "$vid"

echo "machine: $(nproc) CPUs, $(uname -m), $(openssl version)," \
	"SoftHSM2 $(softhsm2-util --version 2>/dev/null)"
"$bench" "$MODULE" "$softhsm" bench "$T/pin" "$T/keys" "${BENCH_SECONDS:-1}" ||
	oc_fail "module-sign failed"
