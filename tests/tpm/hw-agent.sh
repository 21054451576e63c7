#!/bin/sh
# hw-agent.sh - an agent whose keys live in hardware: a TPM 2.0 (swtpm
# behind tpm2-pkcs11, tests/tpm-lib.sh) on the agent's host, and a SoftHSM2
# token standing in for an admin's PIV card as the recovery recipient.
#
#   - a fresh CMEK key sealed with public keys only (no PIN) to both: the
#     TPM's RSA key with OAEP SHA-256, SoftHSM's with SHA-1 (all SoftHSM2
#     2.6 does), in one `key seal` (--oaep-hash per recipient); each
#     recipient URI carries its module-path;
#   - CMEK enabled with the sealed file, a secret put, and read and
#     decrypted through the module (cmek_key_file = the sealed file,
#     unseal_module/unseal_pin_file = the TPM);
#   - client rotation to a second sealed key; a sealed ocv_ agent key as
#     the module's credential_file;
#   - served: the same configuration behind `p11-kit server` with
#     cmek_values = opened; an agent started with `env -i` and only the
#     socket address reads the plaintext through p11-kit-client.so;
#   - DPoP with the TPM's P-256 key (dpop_key_uri) in the tool and the
#     module: the token is bound (cnf.jkt) and refused as a plain bearer;
#   - the TPM gone: the SoftHSM recipient still opens the file; both gone:
#     nothing opens it, with a clear error, and no plaintext key anywhere.
#
# Lines "tpm: ..." are measurements, printed, not asserted.  The TPM holds
# three objects and three sessions: one process uses at most two TPM keys
# at once (here: the unsealing RSA key and the DPoP EC key), and the TPM
# is flushed after every step.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tpm-lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
. "$top_srcdir/tests/integration/dpop-lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
tpm_skip_unless_available
oc_need pkcs11-tool curl node openssl
mod_need
softhsm=$(oc_softhsm_lib) || exit 77
t_all=$(tpm_now_ms)

# elapsed CMD...: runs CMD, sets ELAPSED (ms); its status is returned.
elapsed() {
	_t0=$(tpm_now_ms)
	_rc=0
	"$@" || _rc=$?
	ELAPSED=$(($(tpm_now_ms) - _t0))
	return $_rc
}
# opened_ms: the in-module unseal time of the last "opened by" debug line.
opened_ms() {
	sed -n 's/.*sealed key file .* opened by .* in \([0-9.]*\) ms.*/\1/p' \
		"$ONECLAW_PKCS11_DEBUG_FILE" | tail -n 1
}

echo "== the agent's TPM (RSA-2048 to unseal, P-256 for DPoP) and a SoftHSM 'PIV card'"
tpm_start "$T/tpm"
tpm_token hw 87654321 123456
tpm_rsa_key rsa
tpm_ec_key ec
TPMMOD=$OC_TPM_MODULE
echo "tpm: setup in hw-agent (swtpm, token, RSA and EC keys): $TPM_SETUP_MS ms"
oc_softhsm_init "$T/hsm" piv 43218765 56781234
( umask 077 && echo 43218765 > "$T/hsm.pin" )
oc_secret 43218765 56781234
pkcs11-tool --module "$softhsm" --token-label piv --login --pin 43218765 \
	--keypairgen --key-type rsa:2048 --id 01 --label seal \
	> "$T/keygen.out" 2>&1 || { cat "$T/keygen.out" >&2; oc_fail "SoftHSM keypairgen"; }
TO_TPM="pkcs11:token=hw;object=rsa;type=public?module-path=$TPMMOD"
TO_PIV="pkcs11:token=piv;object=seal;type=public?module-path=$softhsm"

# seal KEY OUT [--credential]: to both recipients, public keys only (no
# PIN anywhere in reach: stdin is /dev/null, no --pin-file).
seal() {
	# shellcheck disable=SC2086
	tool key seal ${3:-} --oaep-hash sha256 --to "$TO_TPM" \
		--oaep-hash sha1 --to "$TO_PIV" --out "$2" "$1" < /dev/null ||
		{ tpm_flush; oc_fail "key seal $1"; }
	tpm_flush
}

echo "== seal a fresh CMEK key to the TPM (SHA-256) and the 'PIV card' (SHA-1)"
mkdir -p "$T/agent"
chmod 700 "$T/agent"
tool keygen --out "$T/k1.key" > /dev/null || oc_fail "keygen"
tool keygen --out "$T/k2.key" > /dev/null || oc_fail "keygen"
oc_secret_key "$T/k1.key"
oc_secret_key "$T/k2.key"
seal "$T/k1.key" "$T/agent/k1.sealed"
h=$(grep -o '"oaep_hash":"[a-z0-9]*"' "$T/agent/k1.sealed" | cut -d'"' -f4 | tr '\n' ' ')
[ "$h" = "sha256 sha1 " ] || oc_fail "recipients' hashes: $h"
grep -qF "$(tr -d '\n' < "$T/k1.key")" "$T/agent/k1.sealed" && oc_fail "plain key in the sealed file"
[ "$(tool fingerprint "$T/agent/k1.sealed")" = "$(tool fingerprint "$T/k1.key")" ] ||
	oc_fail "fingerprint of the sealed file"

oc_start_vaultd --wire-log "$T/wire.log"
tool_env
TPMP11="--pkcs11-module $TPMMOD --pin-file $TPM_PIN_FILE"

echo "== cmek enable with the sealed file, put a secret (unsealed in the TPM)"
V=$(tool vault create hw-agent) || oc_fail "vault create"
# shellcheck disable=SC2086
tool $TPMP11 cmek enable "$V" --key "$T/agent/k1.sealed" > /dev/null ||
	{ tpm_flush; oc_fail "cmek enable with the sealed key"; }
tpm_flush
printf 'hw-agent-db-password-%s' "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/value"
oc_secret "$(cat "$T/value")"
# shellcheck disable=SC2086
tool $TPMP11 secret put "$V" app/db --key "$T/agent/k1.sealed" --file "$T/value" > /dev/null ||
	{ tpm_flush; oc_fail "put with the sealed key"; }
tpm_flush
tool secret get "$V" app/db --key "$T/k1.key" | cmp -s - "$T/value" || oc_fail "the plain key opens it"

# agent_conf CMEKFILE [extra lines...]: the agent's module configuration.
agent_conf() {
	_k=$1
	shift
	( umask 077 && {
		echo "api_url = $OC_URL"
		echo "vaults = $V"
		echo "cmek_key_file = $_k"
		echo "unseal_module = $TPMMOD"
		echo "unseal_pin_file = $TPM_PIN_FILE"
		for _l in "$@"; do echo "$_l"; done
	} > "$T/agent/pkcs11.conf" )
	ONECLAW_PKCS11_CONF="$T/agent/pkcs11.conf"
	export ONECLAW_PKCS11_CONF
}
# decrypt WHAT: C_Decrypt of app/db through the module, must be the value.
decrypt() {
	mod_client decrypt app/db > "$T/got" 2> "$T/err"
	_rc=$?
	tpm_flush
	[ $_rc -eq 0 ] || { cat "$T/err" >&2; oc_fail "$1: module decrypt"; }
	cmp -s "$T/got" "$T/value" || oc_fail "$1: module opened other bytes"
}

echo "== the module: cmek_key_file = the sealed file, unsealed in the TPM"
unset ONECLAW_VAULT_ID
agent_conf "$T/agent/k1.sealed"
: > "$ONECLAW_PKCS11_DEBUG_FILE"
elapsed decrypt "sealed, TPM"
t_sealed=$ELAPSED
grep -q 'opened by recipient 1 (pkcs11:token=hw' "$ONECLAW_PKCS11_DEBUG_FILE" ||
	oc_fail "no debug line naming the TPM recipient"
u_tpm=$(opened_ms)
( umask 077 && sed "s|^cmek_key_file = .*|cmek_key_file = $T/k1.key|" \
	"$T/agent/pkcs11.conf" > "$T/plain.conf" )
elapsed env ONECLAW_PKCS11_CONF="$T/plain.conf" "$CLIENT" "$MODULE" decrypt app/db > /dev/null ||
	oc_fail "decrypt with the plain key file"
t_plain=$ELAPSED
echo "tpm: unseal on first use in the module (TPM, RSA-OAEP-2048 SHA-256): $u_tpm ms"
echo "tpm: p11-client decrypt process, sealed file via TPM: $t_sealed ms, plain key file: $t_plain ms"

echo "== rotation (client side) to a second sealed key"
seal "$T/k2.key" "$T/agent/k2.sealed"
# shellcheck disable=SC2086
tool $TPMP11 cmek rotate "$V" --old "$T/agent/k1.sealed" --new "$T/agent/k2.sealed" \
	--mode client > /dev/null 2> "$T/err" ||
	{ cat "$T/err" >&2; tpm_flush; oc_fail "rotate with sealed keys"; }
tpm_flush
agent_conf "$T/agent/k2.sealed"
decrypt "after rotation"
tool secret get "$V" app/db --key "$T/k2.key" | cmp -s - "$T/value" || oc_fail "k2 opens it"

echo "== an agent (ocv_ key) whose credential_file is sealed to the TPM"
oc_api POST /v1/agents "{\"name\":\"hw-agent\",\"vault_ids\":[\"$V\"],\"token_ttl_seconds\":600}" > "$T/agent.json"
oc_expect_status 201
AID=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1])).agent.id)' "$T/agent.json")
AKEY=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1])).api_key)' "$T/agent.json")
rm -f "$T/agent.json"
oc_secret "$AKEY"
case $AKEY in ocv_*) ;; *) oc_fail "the agent key is not an ocv_ key" ;; esac
oc_api POST "/v1/vaults/$V/policies" \
	"{\"secret_path_pattern\":\"app/**\",\"principal_type\":\"agent\",\"principal_id\":\"$AID\",\"permissions\":[\"read\"]}" > /dev/null
oc_expect_status 201
( umask 077 && printf '%s\n' "$AKEY" > "$T/agent.cred" )
seal "$T/agent.cred" "$T/agent/cred.sealed" --credential
chmod 600 "$T/agent/cred.sealed"
rm -f "$T/agent.cred"
grep -qF "$AKEY" "$T/agent/cred.sealed" && oc_fail "plain agent key in the sealed file"
unset ONECLAW_API_KEY ONECLAW_API_URL
agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed"
: > "$T/wire.log"
decrypt "agent with a sealed credential"
grep -q '^POST /v1/auth/agent-token' "$T/wire.log" || oc_fail "no agent token exchange"

echo "== served: p11-kit server holds the sealed key and credential; the agent holds nothing"
client=$(oc_p11kit_client)
[ -n "$client" ] || oc_fail "p11-kit-client.so not found"
agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed" \
	"cmek_values = opened"
oc_p11kit_serve
env -i PATH=/usr/bin:/bin P11_KIT_SERVER_ADDRESS="$OC_P11KIT_ADDR" \
	pkcs11-tool --module "$client" --read-object --type data \
	--label app/db -o "$T/served.out" > "$T/served.log" 2>&1
rc=$?
oc_p11kit_unserve
tpm_flush
[ $rc -eq 0 ] || { cat "$T/served.log" "$T/server.err" >&2; oc_fail "the agent's read through p11-kit"; }
cmp -s "$T/served.out" "$T/value" || oc_fail "served: the agent's read is not the plaintext"

echo "== DPoP: tokens bound to the TPM's P-256 key (dpop_key_uri)"
DPOP_URI="pkcs11:token=hw;object=ec"
agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed" \
	"dpop_key_uri = $DPOP_URI" "dpop_key_module = $TPMMOD" \
	"dpop_key_pin_file = $TPM_PIN_FILE"
wire_reset
tool --dpop-key-uri "$DPOP_URI" --dpop-module "$TPMMOD" --dpop-pin-file "$TPM_PIN_FILE" \
	secret get "$V" app/db --key "$T/agent/k2.sealed" > "$T/got" 2> "$T/err" ||
	{ cat "$T/err" >&2; tpm_flush; oc_fail "tool secret get with DPoP"; }
tpm_flush
cmp -s "$T/got" "$T/value" || oc_fail "tool with DPoP: the value differs"
wire_check tool
wire_reset
decrypt "module with DPoP (the unseal key and the DPoP key in one process)"
mod_tool --read-object --type data --label app/db --output-file "$T/blob"
rc=$?
tpm_flush
[ $rc -eq 0 ] || { cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --read-object with DPoP"; }
wire_check module
grep -q 'DPoP-bound' "$ONECLAW_PKCS11_DEBUG_FILE" || oc_fail "no DPoP line in the debug log"

echo "== binding: cnf.jkt is the TPM key's thumbprint; the token alone is refused"
tok=$(sed -n 's/^Authorization: Bearer //Ip' "$T/wire.log" | tr -d '\r' | grep '\.' | tail -n 1)
[ -n "$tok" ] || oc_fail "no bearer token in the wire log"
oc_secret "$tok"
jkt=$(node -e '
const p = JSON.parse(Buffer.from(process.argv[1].split(".")[1], "base64url"));
process.stdout.write(p.cnf && p.cnf.jkt ? String(p.cnf.jkt) : "");' "$tok") ||
	oc_fail "the token does not decode"
[ -n "$jkt" ] || oc_fail "the token is not bound (no cnf.jkt)"
want=$(node -e '
const c = require("crypto");
const j = c.createPublicKey(require("fs").readFileSync(process.argv[1])).export({ format: "jwk" });
const t = JSON.stringify({ crv: j.crv, kty: j.kty, x: j.x, y: j.y });
process.stdout.write(c.createHash("sha256").update(t).digest("base64url"));' "$TPM_DIR/ec.pub.pem") ||
	oc_fail "thumbprint"
[ "$jkt" = "$want" ] || oc_fail "cnf.jkt $jkt is not the TPM key's thumbprint $want"
code=$(curl -sS -o "$T/replay.out" -w '%{http_code}' \
	-H "Authorization: Bearer $tok" "$OC_URL/v1/vaults/$V/secrets/app/db") || code=000
[ "$code" = 401 ] || oc_fail "a bound token replayed without a proof: HTTP $code"
echo "ok: the bound token alone is refused (HTTP 401)"

echo "== latency of a TPM-signed proof per request (cache_ttl = 0: a GET per read)"
# reads N [dpop]: the test client reading app/db N times in one process;
# sets ELAPSED and REQS (requests vaultd saw).
reads() {
	if [ "${2:-}" = dpop ]; then
		agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed" \
			"cache_ttl = 0" "dpop_key_uri = $DPOP_URI" \
			"dpop_key_module = $TPMMOD" "dpop_key_pin_file = $TPM_PIN_FILE"
	else
		agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed" \
			"cache_ttl = 0"
	fi
	wire_reset
	elapsed "$CLIENT" "$MODULE" threads 1 "$1" shared app/db > "$T/reads.out" 2>&1
	_rc=$?
	tpm_flush
	[ $_rc -eq 0 ] || { cat "$T/reads.out" >&2; oc_fail "$1 reads ($2)"; }
	REQS=$(grep -cE '^(GET|POST|PUT|DELETE|PATCH) /' "$T/wire.log" || true)
}
reads 5 plain; p5=$ELAPSED; rp5=$REQS
reads 45 plain; p45=$ELAPSED; rp45=$REQS
reads 5 dpop; d5=$ELAPSED; rd5=$REQS
reads 45 dpop; d45=$ELAPSED; rd45=$REQS
[ "$rd45" -gt "$rd5" ] && [ "$rp45" -gt "$rp5" ] || oc_fail "reads were cached ($rp5/$rp45 requests)"
node -e '
const [p5, p45, rp5, rp45, d5, d45, rd5, rd45] = process.argv.slice(1).map(Number);
const plain = (p45 - p5) / (rp45 - rp5), dpop = (d45 - d5) / (rd45 - rd5);
console.log(`tpm: per request over loopback: ${plain.toFixed(1)} ms plain, ${dpop.toFixed(1)} ms with a TPM-signed DPoP proof: +${(dpop - plain).toFixed(1)} ms (slope of ${rp5}..${rp45} and ${rd5}..${rd45} requests, 2 runs)`);
console.log(`tpm: p11-client process of ${rd45} requests: ${p45} ms plain, ${d45} ms with DPoP (key open and login included)`);
' "$p5" "$p45" "$rp5" "$rp45" "$d5" "$d45" "$rd5" "$rd45"

echo "== the TPM gone: the 'PIV card' recipient still opens the sealed files"
tpm_stop
rm -rf "$TPM_DIR/state" "$TPM_DIR/store"
agent_conf "$T/agent/k2.sealed" "credential_file = $T/agent/cred.sealed"
mod_client decrypt app/db > "$T/got" 2> "$T/err" && oc_fail "opened with the TPM gone"
[ -s "$T/got" ] && oc_fail "output with the TPM gone"
grep -q 'no recipient' "$T/err" || { cat "$T/err" >&2; oc_fail "no clear reason with the TPM gone"; }
grep -m1 "oneclaw-pkcs11: sealed key file" "$T/err" | cut -c1-300
# Recovery: the same sealed files, unseal_* pointing at the other device.
( umask 077 && sed -e "s|^unseal_module = .*|unseal_module = $softhsm|" \
	-e "s|^unseal_pin_file = .*|unseal_pin_file = $T/hsm.pin|" \
	"$T/agent/pkcs11.conf" > "$T/recovery.conf" )
ONECLAW_PKCS11_CONF="$T/recovery.conf"
: > "$ONECLAW_PKCS11_DEBUG_FILE"
decrypt "recovery with the SoftHSM recipient"
grep -q 'opened by recipient 2 (pkcs11:token=piv' "$ONECLAW_PKCS11_DEBUG_FILE" ||
	oc_fail "not opened by the SoftHSM recipient"
u_hsm=$(opened_ms)
echo "tpm: unseal on first use in the module (SoftHSM, RSA-OAEP-2048 SHA-1): $u_hsm ms"
tool --pkcs11-module "$softhsm" --pin-file "$T/hsm.pin" key unseal "$T/agent/k2.sealed" |
	cmp -s - "$T/k2.key" || oc_fail "key unseal with the SoftHSM recipient"

echo "== neither device: the sealed files open nothing"
rm -rf "$T"/hsm/tokens/*
mod_client decrypt app/db > "$T/got" 2> "$T/err" && oc_fail "opened with no device"
[ -s "$T/got" ] && oc_fail "output with no device"
grep -q 'no recipient' "$T/err" || { cat "$T/err" >&2; oc_fail "no clear reason with no device"; }
grep -m1 "oneclaw-pkcs11: sealed key file" "$T/err" | cut -c1-300
expect_exit 1 "no recipient's token opened" \
	tool --pkcs11-module "$softhsm" --pin-file "$T/hsm.pin" key unseal "$T/agent/k2.sealed"

echo "== no plaintext key or credential written anywhere"
k1=$(tr -d '\n' < "$T/k1.key")
k2=$(tr -d '\n' < "$T/k2.key")
logs=$(ls "$OC_LOG_DIR/$(basename "$0")".* 2> /dev/null)
# shellcheck disable=SC2086
for f in $(grep -rlF -e "$k1" -e "$k2" "$T" $logs 2> /dev/null); do
	case $f in
	"$T/k1.key" | "$T/k2.key" | *.secrets) ;;
	*) oc_fail "a plain CMEK key in $f" ;;
	esac
done
# The agent key reaches the server in its token exchange (the wire log).
# shellcheck disable=SC2086
for f in $(grep -rlF -e "$AKEY" "$T" $logs 2> /dev/null); do
	case $f in
	"$T/wire.log" | *.secrets) ;;
	*) oc_fail "the plain agent key in $f" ;;
	esac
done
echo "tpm: hw-agent.sh total: $(($(tpm_now_ms) - t_all)) ms"
exit 0
