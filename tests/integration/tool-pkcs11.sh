#!/bin/sh
# oneclaw-tool with CMEK keys held in a PKCS#11 token (SoftHSM2): the key
# is named by a pkcs11: URI and every AES-GCM operation is done by the
# token.  put/get interoperate with the same key as a file; client-side
# rotation between two token keys works; server mode, a missing PIN with no
# terminal, a wrong PIN and unknown objects are refused clearly.  The
# oneclaw module's own CMEK key object serves as well.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need softhsm2-util pkcs11-tool node base64 sha256sum
SOFTHSM=
for so in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	/usr/lib64/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so; do
	[ -f "$so" ] && SOFTHSM=$so && break
done
[ -n "$SOFTHSM" ] || oc_skip "SoftHSM2 module not found"
mkdir -p "$T/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T/hsm/tokens" > "$T/hsm/softhsm2.conf"
SOFTHSM2_CONF="$T/hsm/softhsm2.conf"
export SOFTHSM2_CONF
softhsm2-util --init-token --free --label toolhsm --so-pin 56781234 --pin 43218765 \
	> /dev/null || oc_fail "softhsm init"
( umask 077 && echo 43218765 > "$T/pin" && echo 11112222 > "$T/badpin" )
oc_secret 43218765 56781234

# Known keys go into the token (the test must seal fixtures with them):
# sensitive, CKA_ID = the fingerprint.
for k in k1 k2; do
	tool keygen --out "$T/$k.key" > /dev/null || oc_fail "keygen"
	oc_secret_key "$T/$k.key"
	( umask 077 && base64 -d < "$T/$k.key" > "$T/$k.raw" )
	pkcs11-tool --module "$SOFTHSM" --token-label toolhsm --login --pin 43218765 \
		--write-object "$T/$k.raw" --type secrkey --key-type AES:32 \
		--id "$(tool fingerprint "$T/$k.key")" --label "cmek-$k" --sensitive \
		> /dev/null 2>&1 || oc_skip "pkcs11-tool cannot import an AES key"
	rm -f "$T/$k.raw"
done
U1='pkcs11:token=toolhsm;object=cmek-k1;type=secret-key'
U2='pkcs11:token=toolhsm;object=cmek-k2;type=secret-key'
P11="--pkcs11-module $SOFTHSM --pin-file $T/pin"

oc_start_vaultd
tool_env
# shellcheck disable=SC2086
[ "$(tool $P11 fingerprint "$U1")" = "$(tool fingerprint "$T/k1.key")" ] ||
	oc_fail "fingerprint of the token key"
V=$(tool vault create hsm) || oc_fail "vault create"
# shellcheck disable=SC2086
tool $P11 cmek enable "$V" --key "$U1" > /dev/null 2>&1 || oc_fail "enable with a token key"

echo "== sealed by the token, opened with the file, and back"
printf 'hsm-sealed-value-9c1d' > "$T/v1"
printf 'file-sealed-value-3e7a' > "$T/v2"
oc_secret hsm-sealed-value-9c1d file-sealed-value-3e7a
# shellcheck disable=SC2086
tool $P11 secret put "$V" hsm/one --key "$U1" < "$T/v1" > /dev/null || oc_fail "put with the token key"
tool secret get "$V" hsm/one --key "$T/k1.key" | cmp -s - "$T/v1" || oc_fail "file key opens token blob"
tool secret put "$V" hsm/two --key "$T/k1.key" < "$T/v2" > /dev/null || oc_fail "put with the file key"
# shellcheck disable=SC2086
tool $P11 secret get "$V" hsm/two --key "$U1" | cmp -s - "$T/v2" || oc_fail "token opens file blob"
seed "$V" 50 hs "$T/k1.key"
cat "$T/hs.jsonl" > "$T/expect.jsonl"
echo '{"path":"hsm/one","value":"hsm-sealed-value-9c1d"}' >> "$T/expect.jsonl"
echo '{"path":"hsm/two","value":"file-sealed-value-3e7a"}' >> "$T/expect.jsonl"

echo "== refusals"
snapshot "$V" "$T/before"
# shellcheck disable=SC2086
expect_exit 1 'never leaves its token.*--mode client' \
	tool $P11 cmek rotate "$V" --old "$U1" --new "$U2" --mode server
expect_exit 1 "needs a PIN.*--pin-file" \
	tool --pkcs11-module "$SOFTHSM" secret get "$V" hsm/one --key "$U1"
expect_exit 1 "refused the PIN" \
	tool --pkcs11-module "$SOFTHSM" --pin-file "$T/badpin" secret get "$V" hsm/one --key "$U1"
expect_exit 1 "pkcs11-module" tool --pin-file "$T/pin" secret get "$V" hsm/one --key "$U1"
# shellcheck disable=SC2086
expect_exit 1 "no AES key in token 'toolhsm'" \
	tool $P11 secret get "$V" hsm/one --key 'pkcs11:token=toolhsm;object=nope'
# shellcheck disable=SC2086
expect_exit 1 "no token" tool $P11 secret get "$V" hsm/one --key 'pkcs11:token=absent;object=x'
expect_exit 1 "cannot load PKCS#11 module" \
	tool --pkcs11-module "$T/none.so" --pin-file "$T/pin" secret get "$V" hsm/one --key "$U1"
same_snapshot "$V" "$T/before"

echo "== client rotation between two token keys"
# shellcheck disable=SC2086
tool $P11 --json cmek rotate "$V" --old "$U1" --new "$U2" --mode client \
	> "$T/sum.json" 2> "$T/err" || { cat "$T/err" >&2; oc_fail "rotate with token keys"; }
[ "$(json_get verified < "$T/sum.json")" = 52 ] || oc_fail "verified: $(cat "$T/sum.json")"
[ "$(tool --json vault get "$V" | json_get cmek_fingerprint)" = "$(tool fingerprint "$T/k2.key")" ] ||
	oc_fail "vault fingerprint is not k2's"
tool secret export "$V" --key "$T/k2.key" > "$T/got.jsonl" || oc_fail "export with k2"
same_values "$T/expect.jsonl" "$T/got.jsonl"
[ "$(unreadable "$V" "$T/k1.key")" = 52 ] || oc_fail "k1 still opens secrets"
echo "== a key in the oneclaw module's own token"
[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
ONECLAW_VAULT_ID=$V ONECLAW_VAULT_NAME=hsm ONECLAW_CMEK_KEY_FILE=$T/k2.key \
	tool --pkcs11-module "$MODULE" secret get "$V" hsm/one \
	--key 'pkcs11:token=hsm;object=cmek;type=secret-key' > "$T/got.mod" ||
	oc_fail "get with the module's key object"
cmp -s "$T/got.mod" "$T/v1" || oc_fail "module key object opened other bytes"
# Sealing through it: the module writes its own IV into the tool's pIv,
# and the blob must carry that one (SoftHSM above used the tool's).
printf 'module-sealed-value-5b2f' > "$T/v3"
oc_secret module-sealed-value-5b2f
ONECLAW_VAULT_ID=$V ONECLAW_VAULT_NAME=hsm ONECLAW_CMEK_KEY_FILE=$T/k2.key \
	tool --pkcs11-module "$MODULE" secret put "$V" hsm/three \
	--key 'pkcs11:token=hsm;object=cmek;type=secret-key' < "$T/v3" \
	> /dev/null || oc_fail "put with the module's key object"
tool secret get "$V" hsm/three --key "$T/k2.key" | cmp -s - "$T/v3" ||
	oc_fail "the file key does not open the blob the module sealed"
echo "pkcs11 keys ok"
