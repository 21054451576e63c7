#!/bin/sh
# tests/bench/module-decrypt.sh - C_Decrypt with CKM_ONECLAW_CMEK and with
# CKM_AES_GCM (on the vault's CMEK key) on 64 B,
# 1 KiB, 64 KiB and 1 MiB blobs, 1 and 2 threads, beside raw OpenSSL EVP
# AES-256-GCM and SoftHSM2's C_Decrypt(CKM_AES_GCM) on the same blobs in the
# same run (tests/bench/module-decrypt.c).  Printed, never asserted.
# BENCH_SECONDS sets the seconds per cell (default 1).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
# Measure the module, not its debug log.
unset ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
bench="$BUILD/tests/bench/module-decrypt"
[ -x "$bench" ] || oc_fail "$bench is not built (make bench builds it)"
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
softhsm=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" bench 1234 5678
echo 1234 > "$T/pin"
oc_start_vaultd

oc_keygen "$T/cmek.key"
fp=$(base64 -d < "$T/cmek.key" | sha256sum | cut -d' ' -f1)
keyhex=$(base64 -d < "$T/cmek.key" | od -An -v -tx1 | tr -d ' \n')
vid=$(oc_create_vault decrypt-bench)
[ -n "$vid" ] || oc_fail "create vault"
oc_api POST "/v1/vaults/$vid/cmek" "{\"fingerprint\":\"$fp\"}" >/dev/null
oc_expect_status 200
cmek_module_env "$vid" "$T/cmek.key"

echo "machine: $(nproc) CPUs, $(uname -m), $(openssl version)"
"$bench" "$MODULE" "$softhsm" bench "$T/pin" "$keyhex" "${BENCH_SECONDS:-1}" ||
	oc_fail "module-decrypt failed"
