#!/bin/sh
# Sealed key files with SoftHSM2: two tokens, each with an RSA-2048 key
# pair.  key seal uses public keys only (URIs of the public objects, or a
# PEM exported from a token); key unseal, fingerprint, cmek enable/rotate
# and the module's cmek_key_file and credential_file open them inside
# either token.  Refused clearly: no PIN, a wrong PIN, a file sealed to
# another key, a tampered ciphertext, an unknown version, no token left.
# SoftHSM2 2.6 decrypts RSA-OAEP with SHA-1 only: --oaep-hash sha1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need softhsm2-util pkcs11-tool openssl base64
SOFTHSM=$(oc_softhsm_lib) || exit 77
CLIENT="$BUILD/tests/integration/p11-client"
[ -f "$MODULE" ] && [ -x "$CLIENT" ] || oc_fail "the module or p11-client is not built"
mkdir -p "$T/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T/hsm/tokens" > "$T/hsm/softhsm2.conf"
SOFTHSM2_CONF="$T/hsm/softhsm2.conf"
export SOFTHSM2_CONF
for tok in sealA sealB; do
	softhsm2-util --init-token --free --label "$tok" --so-pin 56781234 \
		--pin 43218765 > /dev/null || oc_fail "softhsm init $tok"
	pkcs11-tool --module "$SOFTHSM" --token-label "$tok" --login --pin 43218765 \
		--keypairgen --key-type rsa:2048 --id 01 --label seal \
		> /dev/null 2>&1 || oc_fail "keypairgen in $tok"
done
( umask 077 && echo 43218765 > "$T/pin" && echo 11112222 > "$T/badpin" )
oc_secret 43218765 56781234
UA='pkcs11:token=sealA;object=seal;type=public'
UB='pkcs11:token=sealB;object=seal;type=public'
M="--pkcs11-module $SOFTHSM"
P11="$M --pin-file $T/pin"
tool keygen --out "$T/k1.key" > /dev/null || oc_fail "keygen"
tool keygen --out "$T/k2.key" > /dev/null || oc_fail "keygen"
oc_secret_key "$T/k1.key"
oc_secret_key "$T/k2.key"

echo "== seal with public keys only, unseal with either token"
# shellcheck disable=SC2086
tool $M key seal --oaep-hash sha1 --to "$UA" --to "$UB" "$T/k1.key" \
	> "$T/k1.sealed" || oc_fail "key seal"
grep -q '"oneclaw_sealed_key":1' "$T/k1.sealed" || oc_fail "not a sealed file"
grep -q "$(tr -d '\n' < "$T/k1.key")" "$T/k1.sealed" && oc_fail "plain key in the sealed file"
[ "$(tool fingerprint "$T/k1.sealed")" = "$(tool fingerprint "$T/k1.key")" ] ||
	oc_fail "fingerprint of the sealed file"
# shellcheck disable=SC2086
tool $P11 key unseal "$T/k1.sealed" > "$T/k1.out" || oc_fail "key unseal"
cmp -s "$T/k1.out" "$T/k1.key" || oc_fail "unsealed another key"
# shellcheck disable=SC2086
tool $P11 key unseal --with 'pkcs11:token=sealB;object=seal' "$T/k1.sealed" \
	| cmp -s - "$T/k1.key" || oc_fail "unseal with token B named"

echo "== --to-pubkey with a PEM exported from a token"
pkcs11-tool --module "$SOFTHSM" --token-label sealB --read-object --type pubkey \
	--id 01 -o "$T/B.der" > /dev/null 2>&1 || oc_fail "export the public key"
openssl pkey -pubin -inform DER -in "$T/B.der" -out "$T/B.pem" 2> /dev/null ||
	oc_fail "DER to PEM"
tool key seal --oaep-hash sha1 --to-pubkey "$T/B.pem" "$T/k1.key" > "$T/pub.sealed" ||
	oc_fail "seal to a PEM"
# shellcheck disable=SC2086
tool $P11 key unseal --with 'pkcs11:token=sealB;object=seal' "$T/pub.sealed" \
	| cmp -s - "$T/k1.key" || oc_fail "unseal a PEM-sealed file"
# shellcheck disable=SC2086
expect_exit 1 "names no token" tool $P11 key unseal "$T/pub.sealed"

echo "== --oaep-hash per recipient: the recipients after it (the first: before it too)"
# hashes FILE: the recipients' oaep_hash, in file order, space-separated.
hashes() { grep -o '"oaep_hash":"[a-z0-9]*"' "$1" | cut -d'"' -f4 | tr '\n' ' '; }
# shellcheck disable=SC2086
tool $M key seal --oaep-hash sha256 --to-pubkey "$T/B.pem" --oaep-hash sha1 \
	--to "$UA" "$T/k1.key" > "$T/mixed.sealed" || oc_fail "seal with two hashes"
[ "$(hashes "$T/mixed.sealed")" = "sha256 sha1 " ] ||
	oc_fail "mixed hashes recorded as: $(hashes "$T/mixed.sealed")"
# shellcheck disable=SC2086
tool $P11 key unseal "$T/mixed.sealed" | cmp -s - "$T/k1.key" ||
	oc_fail "token A opens its SHA-1 recipient of a mixed file"
# shellcheck disable=SC2086
tool $M key seal --to "$UA" --to "$UB" --oaep-hash sha1 "$T/k1.key" > "$T/after.sealed" ||
	oc_fail "seal with --oaep-hash last"
[ "$(hashes "$T/after.sealed")" = "sha1 sha1 " ] ||
	oc_fail "a hash given last: $(hashes "$T/after.sealed")"

echo "== refusals"
# shellcheck disable=SC2086
expect_exit 1 "needs a PIN" tool $M key unseal "$T/k1.sealed"
# shellcheck disable=SC2086
expect_exit 1 "refused the PIN" tool $M --pin-file "$T/badpin" key unseal "$T/k1.sealed"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.pem" 2> /dev/null
openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub" 2> /dev/null
tool key seal --to-pubkey "$T/other.pub" "$T/k1.key" > "$T/other.sealed" || oc_fail "seal to other"
# shellcheck disable=SC2086
expect_exit 1 "none of the file's recipients" \
	tool $P11 key unseal --with 'pkcs11:token=sealA;object=seal' "$T/other.sealed"
# shellcheck disable=SC2086
tool $M key seal --oaep-hash sha1 --to "$UA" "$T/k1.key" > "$T/a.sealed" || oc_fail "seal to A"
sed 's/"ciphertext":"A/"ciphertext":"B/;t;s/"ciphertext":"./"ciphertext":"A/' \
	"$T/a.sealed" > "$T/tampered.sealed"
# shellcheck disable=SC2086
expect_exit 1 "decrypt" tool $P11 key unseal "$T/tampered.sealed"
sed 's/"oneclaw_sealed_key":1/"oneclaw_sealed_key":2/' "$T/a.sealed" > "$T/v2.sealed"
# shellcheck disable=SC2086
expect_exit 1 "version 2 is not supported" tool $P11 key unseal "$T/v2.sealed"
# shellcheck disable=SC2086
expect_exit 2 "sha256 or sha1" \
	tool $M key seal --oaep-hash md5 --to "$UA" "$T/k1.key"
# shellcheck disable=SC2086
expect_exit 1 "pin-value|PIN" tool $M key seal --to "$UA;pin-value=43218765" "$T/k1.key"
[ -s "$T/out" ] && oc_fail "a refused seal wrote output"

oc_start_vaultd
tool_env
echo "== cmek enable, put, rotate with sealed keys"
V=$(tool vault create sealed) || oc_fail "vault create"
# shellcheck disable=SC2086
tool $P11 cmek enable "$V" --key "$T/k1.sealed" > /dev/null || oc_fail "enable with a sealed key"
printf 'sealed-file-value-4d2c' > "$T/v1"
oc_secret sealed-file-value-4d2c
# shellcheck disable=SC2086
tool $P11 secret put "$V" app/one --key "$T/k1.sealed" < "$T/v1" > /dev/null ||
	oc_fail "put with the sealed key"
tool secret get "$V" app/one --key "$T/k1.key" | cmp -s - "$T/v1" || oc_fail "plain key opens it"

write_conf() { # KEYFILE PINFILE [credential_file]
	( umask 077 && {
		echo "cmek_key_file = $1"
		echo "unseal_module = $SOFTHSM"
		echo "unseal_pin_file = $2"
		[ -n "${3:-}" ] && echo "credential_file = $3"
	} > "$T/pkcs11.conf" )
	ONECLAW_PKCS11_CONF="$T/pkcs11.conf"
	ONECLAW_VAULT_ID=$V
	export ONECLAW_PKCS11_CONF ONECLAW_VAULT_ID
}
echo "== the module opens a sealed cmek_key_file"
write_conf "$T/k1.sealed" "$T/pin"
"$CLIENT" "$MODULE" decrypt app/one > "$T/got" 2> "$T/err" ||
	{ cat "$T/err" >&2; oc_fail "module decrypt with a sealed key"; }
cmp -s "$T/got" "$T/v1" || oc_fail "module opened other bytes"
grep -q "opened by recipient" "$ONECLAW_PKCS11_DEBUG_FILE" || oc_fail "no debug line naming the token"
write_conf "$T/k1.sealed" "$T/badpin"
"$CLIENT" "$MODULE" decrypt app/one > "$T/got" 2> "$T/err" && oc_fail "a wrong PIN opened it"
[ -s "$T/got" ] && oc_fail "output with a wrong PIN"
grep -q "refused the PIN" "$T/err" || { cat "$T/err" >&2; oc_fail "no reason for a wrong PIN"; }

echo "== client rotation to a sealed new key"
# shellcheck disable=SC2086
tool $M key seal --oaep-hash sha1 --to "$UA" --to "$UB" "$T/k2.key" > "$T/k2.sealed" ||
	oc_fail "seal k2"
# shellcheck disable=SC2086
tool $P11 cmek rotate "$V" --old "$T/k1.sealed" --new "$T/k2.sealed" --mode client \
	> /dev/null 2> "$T/err" || { cat "$T/err" >&2; oc_fail "rotate with sealed keys"; }
write_conf "$T/k2.sealed" "$T/pin"
"$CLIENT" "$MODULE" decrypt app/one | cmp -s - "$T/v1" || oc_fail "module with sealed k2"

echo "== a sealed credential_file"
( umask 077 && printf '%s\n' "$ADMIN_KEY" > "$T/admin.cred" )
# shellcheck disable=SC2086
tool $M key seal --credential --oaep-hash sha1 --to "$UB" "$T/admin.cred" \
	> "$T/cred.sealed" || oc_fail "seal the credential"
chmod 600 "$T/cred.sealed" # checked as a credential file is
rm -f "$T/admin.cred"
write_conf "$T/k2.sealed" "$T/pin" "$T/cred.sealed"
unset ONECLAW_API_KEY
# shellcheck disable=SC2086
tool $P11 secret get "$V" app/one --key "$T/k2.key" | cmp -s - "$T/v1" ||
	oc_fail "tool with a sealed credential_file"
"$CLIENT" "$MODULE" decrypt app/one | cmp -s - "$T/v1" || oc_fail "module with a sealed credential"
# --pkcs11-module names the KEY's module (here this project's own); the
# configuration's sealed credential still opens with its unseal_module.
tool --pkcs11-module "$MODULE" secret get "$V" app/one --key "$T/k2.key" |
	cmp -s - "$T/v1" || oc_fail "the sealed credential took --pkcs11-module"
# shellcheck disable=SC2086
expect_exit 1 "a sealed credential, not a CMEK key" tool $P11 fingerprint "$T/cred.sealed"
# A sealed CMEK key given as the credential is refused at C_Initialize,
# not at the first request.
cp "$T/k2.sealed" "$T/k2.cred" && chmod 600 "$T/k2.cred"
write_conf "$T/k2.sealed" "$T/pin" "$T/k2.cred"
"$CLIENT" "$MODULE" decrypt app/one > "$T/got" 2> "$T/err" &&
	oc_fail "a sealed CMEK key taken as the credential"
[ -s "$T/got" ] && oc_fail "output with a sealed CMEK key as the credential"
grep -q "a sealed CMEK key, not a credential" "$T/err" ||
	{ cat "$T/err" >&2; oc_fail "no reason for the wrong kind of sealed file"; }
grep -q "C_Initialize" "$T/err" ||
	{ cat "$T/err" >&2; oc_fail "not refused at C_Initialize"; }
write_conf "$T/k2.sealed" "$T/pin" "$T/cred.sealed"

echo "== losing one token loses nothing; losing both opens nothing"
cp -a "$T/hsm/tokens" "$T/tokens.bak"
for d in "$T"/hsm/tokens/*/; do
	grep -q sealA "$d"/token.object 2> /dev/null && rm -rf "$d"
done
# shellcheck disable=SC2086
tool $P11 key unseal "$T/k2.sealed" | cmp -s - "$T/k2.key" || oc_fail "token B alone"
rm -rf "$T"/hsm/tokens/*
# shellcheck disable=SC2086
expect_exit 1 "no recipient's token opened.*no token" tool $P11 key unseal "$T/k2.sealed"
"$CLIENT" "$MODULE" decrypt app/one > "$T/got" 2> "$T/err" && oc_fail "opened with no token"
[ -s "$T/got" ] && oc_fail "output with no token"

echo "== no plaintext key written anywhere"
k1=$(tr -d '\n' < "$T/k1.key")
k2=$(tr -d '\n' < "$T/k2.key")
for f in $(grep -rlF -e "$k1" -e "$k2" "$T" 2> /dev/null); do
	case $f in
	"$T/k1.key" | "$T/k2.key" | "$T/k1.out") ;;
	*) oc_fail "a plain key in $f" ;;
	esac
done
echo "sealed key files ok"
