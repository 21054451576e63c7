#!/bin/sh
# src/tokenkey with its keys in a TPM 2.0 (swtpm behind tpm2-pkcs11, made
# by tests/tpm-lib.sh): tests/unit/tokenkey-tpm-test opens an RSA and an
# EC key by pkcs11: URI, decrypts RSA-OAEP, signs ECDSA, is refused a
# wrong PIN; it prints the latency of both operations, this the time of
# the whole TPM setup.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tpm-lib.sh"
oc_setup
tpm_skip_unless_available
prog="$BUILD/tests/unit/tokenkey-tpm-test"
[ -x "$prog" ] || oc_skip "tests/unit/tokenkey-tpm-test is not built (cmocka)"

t0=$(tpm_now_ms)
tpm_start "$T/tpm"
tpm_token hw 87654321 123456
tpm_rsa_key rsa
tpm_ec_key ec
echo "tpm: setup (swtpm, token, RSA-2048 and P-256 keys): $(($(tpm_now_ms) - t0)) ms"
(umask 077 && echo 11112222 >"$T/badpin")

OC_TPM_TOKEN=$TPM_TOKEN OC_TPM_RSA=rsa OC_TPM_EC=ec \
	OC_TPM_RSA_PUB="$TPM_DIR/rsa.pub.pem" OC_TPM_EC_PUB="$TPM_DIR/ec.pub.pem" \
	OC_TPM_PIN_FILE=$TPM_PIN_FILE OC_TPM_BAD_PIN_FILE="$T/badpin" \
	$OC_WRAP "$prog"
rc=$?
[ "$rc" -eq 0 ] || oc_fail "tokenkey-tpm-test: exit $rc"

# Nothing of the TPM stays behind.
pid=$TPM_PID
tpm_stop
kill -0 "$pid" 2>/dev/null && oc_fail "swtpm $pid still runs"
exit 0
