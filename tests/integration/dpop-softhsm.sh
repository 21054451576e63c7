#!/bin/sh
# dpop-softhsm.sh - RFC 9449 DPoP with the key in a token: an EC P-256 key
# pair made in SoftHSM2 (pkcs11-tool --keypairgen), named by dpop_key_uri.
# oneclaw-tool (--dpop-key-uri, and ONECLAW_DPOP_KEY_URI) and the module
# (dpop_key_uri in its config file) read and write through a local
# oneclaw-vaultd; its wire log shows dpop_jwk in every token exchange and
# a DPoP header on every request.
#
# The token the exchange returns carries cnf.jkt, the key's RFC 7638
# thumbprint, and replayed as a plain bearer, with no proof, it is refused
# (401).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
. "$top_srcdir/tests/integration/dpop-lib.sh"
oc_setup
oc_need pkcs11-tool p11tool curl node
mod_need
softhsm=$(oc_softhsm_lib) || exit 77
oc_softhsm_init "$T/hsm" dpop 1234 5678
( umask 077 && echo 1234 > "$T/dpop.pin" )
oc_secret 1234
pkcs11-tool --module "$softhsm" --token-label dpop --login --pin 1234 \
	--keypairgen --key-type EC:prime256v1 --id 0d0e --label dpop \
	>"$T/keygen.out" 2>&1 || { cat "$T/keygen.out" >&2; oc_fail "keypairgen"; }
URI="pkcs11:token=dpop;object=dpop"

oc_start_vaultd --wire-log "$T/wire.log"
vid=$(oc_create_vault dpop) || oc_fail "vault create"
printf 'dpop-SECRET-value-%s' "$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$T/value"
oc_secret "$(cat "$T/value")"

ONECLAW_API_URL=$OC_URL
ONECLAW_API_KEY=$ADMIN_KEY
export ONECLAW_API_URL ONECLAW_API_KEY
unset ONECLAW_DPOP_KEY_URI ONECLAW_DPOP_KEY_MODULE ONECLAW_DPOP_KEY_PIN_FILE

echo "== oneclaw-tool --dpop-key-uri"
wire_reset
$OC_WRAP "$TOOL" --dpop-key-uri "$URI" --dpop-module "$softhsm" \
	--dpop-pin-file "$T/dpop.pin" secret put "$vid" app/dpop \
	--file "$T/value" || oc_fail "tool secret put with DPoP"
$OC_WRAP "$TOOL" --dpop-key-uri "$URI" --dpop-module "$softhsm" \
	--dpop-pin-file "$T/dpop.pin" secret get "$vid" app/dpop > "$T/got" ||
	oc_fail "tool secret get with DPoP"
cmp "$T/got" "$T/value" || oc_fail "tool: the value differs"
wire_check tool

echo "== ONECLAW_DPOP_KEY_URI (debug log: DPoP-bound, no proof in it)"
wire_reset
dbg=$ONECLAW_PKCS11_DEBUG_FILE
: > "$dbg"
ONECLAW_DPOP_KEY_URI=$URI ONECLAW_DPOP_KEY_MODULE=$softhsm \
	ONECLAW_DPOP_KEY_PIN_FILE=$T/dpop.pin \
	$OC_WRAP "$TOOL" secret list "$vid" > "$T/list" ||
	oc_fail "tool with ONECLAW_DPOP_KEY_URI"
grep -q app/dpop "$T/list" || oc_fail "list: app/dpop missing"
grep -q 'DPoP-bound' "$dbg" || oc_fail "no DPoP line in the debug log"
grep -q 'DPoP: <redacted>' "$dbg" || oc_fail "the DPoP header is not redacted"
sed -n 's/^DPoP: //Ip' "$T/wire.log" | tr -d '\r' > "$T/proofs"
while read -r p; do
	grep -qF "${p##*.}" "$dbg" && oc_fail "a proof is in the debug log"
done < "$T/proofs"
wire_check env

echo "== a key that is not P-256 is refused before any request"
pkcs11-tool --module "$softhsm" --token-label dpop --login --pin 1234 \
	--keypairgen --key-type EC:secp384r1 --id 0384 --label p384 \
	>"$T/keygen2.out" 2>&1 || { cat "$T/keygen2.out" >&2; oc_fail "keypairgen p384"; }
wire_reset
if "$TOOL" --dpop-key-uri "pkcs11:token=dpop;object=p384" --dpop-module "$softhsm" \
	--dpop-pin-file "$T/dpop.pin" secret list "$vid" > /dev/null 2> "$T/p384.err"; then
	oc_fail "a P-384 DPoP key was used"
fi
cat "$T/p384.err"
grep -q 'P-256' "$T/p384.err" || oc_fail "the refusal does not say P-256"
[ ! -s "$T/wire.log" ] || oc_fail "requests were sent with a refused key"

echo "== the module (dpop_key_uri in its config)"
( umask 077 && {
	echo "dpop_key_uri = $URI"
	echo "dpop_key_module = $softhsm"
	echo "dpop_key_pin_file = $T/dpop.pin"
} > "$T/pkcs11.conf" )
ONECLAW_PKCS11_CONF="$T/pkcs11.conf"
export ONECLAW_PKCS11_CONF
mod_env "$vid"
wire_reset
mod_tool --read-object --type data --label app/dpop --output-file "$T/out" ||
	{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --read-object with DPoP"; }
cmp "$T/out" "$T/value" || oc_fail "module: the value differs"
mod_client read app/dpop > "$T/out2" || oc_fail "p11-client read with DPoP"
cmp "$T/out2" "$T/value" || oc_fail "p11-client: the value differs"
wire_check module

echo "== binding: the token is bound to the key in the token"
tok=$(sed -n 's/^Authorization: Bearer //Ip' "$T/wire.log" | tr -d '\r' |
	grep '\.' | tail -n 1)
[ -n "$tok" ] || oc_fail "no bearer token in the wire log"
oc_secret "$tok"
jkt=$(node -e '
const p = JSON.parse(Buffer.from(process.argv[1].split(".")[1], "base64url"));
process.stdout.write(p.cnf && p.cnf.jkt ? String(p.cnf.jkt) : "");' "$tok") ||
	oc_fail "the token does not decode"
[ -n "$jkt" ] || oc_fail "the token is not bound (no cnf.jkt)"
# p11tool, not pkcs11-tool: pkcs11-tool 0.23 reads freed memory when it
# exports an EC public key.  The real one, not the sanitizer stage's
# wrapper (it loads SoftHSM2 only, and p11-kit hangs at exit with the
# ASan runtime preloaded).
p11tool_real=$(PATH=${PATH#"$T/san-bin:"} command -v p11tool)
"$p11tool_real" --provider "$softhsm" --login --set-pin 1234 --export-pubkey \
	"pkcs11:token=dpop;object=dpop;type=public" --outfile "$T/pub.pem" \
	>"$T/export.out" 2>&1 ||
	{ cat "$T/export.out" >&2; oc_fail "reading the public key"; }
want=$(node -e '
const c = require("crypto");
const j = c.createPublicKey({ key: require("fs").readFileSync(process.argv[1]),
	format: "pem", type: "spki" }).export({ format: "jwk" });
const t = JSON.stringify({ crv: j.crv, kty: j.kty, x: j.x, y: j.y });
process.stdout.write(c.createHash("sha256").update(t).digest("base64url"));' "$T/pub.pem") ||
	oc_fail "thumbprint"
[ "$jkt" = "$want" ] || oc_fail "cnf.jkt $jkt is not the key's thumbprint $want"
code=$(curl -sS -o "$T/replay.out" -w '%{http_code}' \
	-H "Authorization: Bearer $tok" "$OC_URL/v1/vaults/$vid/secrets/app/dpop") ||
	code=000
[ "$code" = 401 ] || oc_fail "a bound token replayed without a proof: HTTP $code"
echo "ok: the bound token alone is refused (HTTP 401)"
exit 0
