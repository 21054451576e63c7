#!/bin/sh
# keys-cmek.sh - keys sealed with the vault's CMEK key work as the plain
# ones do, and never show: RSA, EC and Ed25519 keys stored with
# `oneclaw-tool secret put --type private_key` (sealed before they leave)
# sign through the module (pkcs11-tool) and verify with OpenSSL, the RSA key
# decrypts; afterwards neither vaultd's wire log nor the module's debug log
# holds a line of any key's PEM, its DER in base64 or a raw private value,
# and the private parts (CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, ...)
# and the data object's CKA_VALUE are CKR_ATTRIBUTE_SENSITIVE.  Without
# the CMEK key the sealed keys stay data objects, with the reason logged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
keys_need
: > "$ONECLAW_PKCS11_DEBUG_FILE"
oc_start_vaultd --wire-log "$T/wire.log"

oc_keygen "$T/cmek.key"
keys_genpkey "$T/rsa.key" RSA -pkeyopt rsa_keygen_bits:2048
keys_genpkey "$T/ec.key" EC -pkeyopt ec_paramgen_curve:P-256
keys_genpkey "$T/ed.key" ED25519
# Every form a key could leak in, for this test and the suite's log scan.
: > "$T/forms"
for k in rsa ec ed; do
	keys_register "$T/$k.key"
	keys_pub "$T/$k.key" "$T/$k.pub"
	keys_raw_private "$T/$k.key" > "$T/raw" || oc_fail "raw values of $k"
	{
		sed -n '/^-----BEGIN/,/^-----END/{/^-----/d;p}' "$T/$k.key"
		openssl pkey -in "$T/$k.key" -outform DER | base64 -w0
		echo
		cat "$T/raw"
		tr 'a-f' 'A-F' < "$T/raw"
		while IFS= read -r h; do
			perl -e 'print pack("H*", $ARGV[0])' "$h" | base64 -w0
			echo
		done < "$T/raw"
	} >> "$T/forms"
done
# Short pieces (a PEM's last line) could match anything by chance.
awk 'length($0) >= 16' "$T/forms" > "$T/forms.long"
mv "$T/forms.long" "$T/forms"
[ "$(wc -l < "$T/forms")" -gt 40 ] || oc_fail "too few key forms"
# leaks FILE: are there lines of $T/forms in FILE?  (Its own control:
# the key files themselves.)
leaks() {
	grep -F -f "$T/forms" "$1" > "$T/hits" 2>/dev/null
	[ ! -s "$T/hits" ]
}
for k in rsa ec ed; do
	leaks "$T/$k.key" && oc_fail "the scan finds nothing in $k.key itself"
	openssl pkey -in "$T/$k.key" -outform DER | base64 -w0 > "$T/one"
	leaks "$T/one" && oc_fail "the scan misses $k's DER in one line"
done

vid=$(oc_create_vault sealed)
[ -n "$vid" ] || oc_fail "create vault"
keys_tool cmek enable "$vid" --key "$T/cmek.key" > /dev/null 2>&1 ||
	oc_fail "cmek enable"
for k in rsa ec ed; do
	keys_put "$vid" "keys/$k" private_key "$T/$k.key" "$T/cmek.key"
	mod_get "$vid" "keys/$k" "$T/stored" > "$T/meta" ||
		oc_fail "GET keys/$k"
	grep -q 'cmek_encrypted=true' "$T/meta" ||
		oc_fail "keys/$k is not sealed on the server: $(cat "$T/meta")"
done
rm -f "$T/rsa.key" "$T/ec.key" "$T/ed.key"
mod_env "$vid"
ONECLAW_CMEK_KEY_FILE=$T/cmek.key
export ONECLAW_CMEK_KEY_FILE

echo "== key objects of sealed secrets"
[ "$(keys_labels privkey | tr '\n' ' ')" = "keys/ec keys/ed keys/rsa " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "private key objects"; }
[ "$(keys_labels pubkey | tr '\n' ' ')" = "keys/ec keys/ed keys/rsa " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "public key objects"; }
for k in rsa ec ed; do
	grep -q "ID: *$(keys_spki_id "$T/$k.pub")" "$T/p11.out" ||
		oc_fail "keys/$k: CKA_ID"
done

echo "== sign through the module, verify with OpenSSL"
head -c 3000 /dev/urandom > "$T/msg"
# sign KEY MECHANISM OUT [pkcs11-tool args]: the key is named by CKA_ID
# (pkcs11-tool 0.23 takes the first private key and ignores --label).
sign() {
	_k=$1 _m=$2 _o=$3
	shift 3
	pkcs11-tool --module "$MODULE" --sign -m "$_m" \
		--id "$(keys_spki_id "$T/$_k.pub")" \
		-i "$T/msg" -o "$_o" "$@" >"$T/p11.out" 2>&1 ||
		{ cat "$T/p11.out" >&2; oc_fail "sign with keys/$_k ($_m)"; }
}
sign rsa SHA256-RSA-PKCS "$T/sig"
openssl dgst -sha256 -verify "$T/rsa.pub" -signature "$T/sig" "$T/msg" \
	> /dev/null || oc_fail "RSA PKCS#1 signature"
sign rsa SHA384-RSA-PKCS-PSS "$T/sig"
openssl dgst -sha384 -verify "$T/rsa.pub" -sigopt rsa_padding_mode:pss \
	-sigopt rsa_pss_saltlen:auto -signature "$T/sig" "$T/msg" \
	> /dev/null || oc_fail "RSA-PSS signature"
sign ec ECDSA-SHA256 "$T/sig" --signature-format openssl
openssl dgst -sha256 -verify "$T/ec.pub" -signature "$T/sig" "$T/msg" \
	> /dev/null || oc_fail "ECDSA signature"
sign ed EDDSA "$T/sig"
openssl pkeyutl -verify -pubin -inkey "$T/ed.pub" -rawin -in "$T/msg" \
	-sigfile "$T/sig" > /dev/null || oc_fail "Ed25519 signature"
echo "RSA (PKCS#1, PSS), ECDSA and Ed25519 signatures verify"

echo "== decrypt through the module"
printf 'sealed-rsa-plaintext-%s' "$(head -c 12 /dev/urandom | base64 |
	tr -dc 'A-Za-z0-9')" > "$T/pt"
oc_secret "$(cat "$T/pt")"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
	-pkeyopt rsa_mgf1_md:sha256 -in "$T/pt" -out "$T/ct" || oc_fail "encrypt"
pkcs11-tool --module "$MODULE" --decrypt -m RSA-PKCS-OAEP \
	--hash-algorithm SHA256 --mgf MGF1-SHA256 \
	--id "$(keys_spki_id "$T/rsa.pub")" \
	-i "$T/ct" -o "$T/pt.out" >"$T/p11.out" 2>&1 ||
	{ cat "$T/p11.out" >&2; oc_fail "OAEP decrypt"; }
cmp -s "$T/pt" "$T/pt.out" || oc_fail "OAEP decrypt: wrong plaintext"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub" -in "$T/pt" \
	-out "$T/ct" || oc_fail "encrypt"
pkcs11-tool --module "$MODULE" --decrypt -m RSA-PKCS \
	--id "$(keys_spki_id "$T/rsa.pub")" \
	-i "$T/ct" -o "$T/pt.out" >"$T/p11.out" 2>&1 ||
	{ cat "$T/p11.out" >&2; oc_fail "PKCS#1 decrypt"; }
cmp -s "$T/pt" "$T/pt.out" || oc_fail "PKCS#1 decrypt: wrong plaintext"
echo "OAEP and PKCS#1 v1.5 decrypt"

echo "== private parts are sensitive"
# attrs CLASS LABEL ATTR...: "CKA_X CKR_Y [value]" lines in $T/attrs.
attrs() {
	mod_client attr-rv "$@" > "$T/attrs" 2>&1 ||
		{ cat "$T/attrs" >&2; oc_fail "attr-rv $*"; }
}
# has LINE: $T/attrs has exactly that line.
has() {
	grep -qx -- "$1" "$T/attrs" || { cat "$T/attrs" >&2; oc_fail "$2: not $1"; }
}
attrs privkey keys/rsa VALUE PRIVATE_EXPONENT PRIME_1 PRIME_2 EXPONENT_1 \
	EXPONENT_2 COEFFICIENT SENSITIVE EXTRACTABLE ALWAYS_AUTHENTICATE SIGN \
	DECRYPT MODULUS PUBLIC_EXPONENT
for a in VALUE PRIVATE_EXPONENT PRIME_1 PRIME_2 EXPONENT_1 EXPONENT_2 \
	COEFFICIENT; do
	has "CKA_$a CKR_ATTRIBUTE_SENSITIVE" keys/rsa
done
has "CKA_SENSITIVE CKR_OK 01" keys/rsa
has "CKA_EXTRACTABLE CKR_OK 00" keys/rsa
has "CKA_ALWAYS_AUTHENTICATE CKR_OK 00" keys/rsa
has "CKA_SIGN CKR_OK 01" keys/rsa
has "CKA_DECRYPT CKR_OK 01" keys/rsa
has "CKA_MODULUS CKR_OK len=256" keys/rsa
for k in ec ed; do
	attrs privkey "keys/$k" VALUE SENSITIVE EXTRACTABLE DECRYPT EC_POINT \
		EC_PARAMS
	has "CKA_VALUE CKR_ATTRIBUTE_SENSITIVE" "keys/$k"
	has "CKA_SENSITIVE CKR_OK 01" "keys/$k"
	has "CKA_EXTRACTABLE CKR_OK 00" "keys/$k"
	has "CKA_DECRYPT CKR_OK 00" "keys/$k"
	grep -q '^CKA_EC_POINT CKR_OK len=' "$T/attrs" ||
		{ cat "$T/attrs" >&2; oc_fail "keys/$k: CKA_EC_POINT"; }
done
attrs pubkey keys/rsa PRIVATE_EXPONENT PRIME_1 PRIME_2 COEFFICIENT
grep -q ' CKR_OK' "$T/attrs" &&
	{ cat "$T/attrs" >&2; oc_fail "the public key object gives private parts"; }
# The data object of each: its value (the sealed blob holding the PEM) is
# not given out either.
for k in rsa ec ed; do
	attrs data "keys/$k" VALUE
	has "CKA_VALUE CKR_ATTRIBUTE_SENSITIVE" "data object keys/$k"
	[ "$(mod_client rv-read "keys/$k")" = CKR_ATTRIBUTE_SENSITIVE ] ||
		oc_fail "data object keys/$k: its value can be read"
done

echo "== without the CMEK key, no key objects"
unset ONECLAW_CMEK_KEY_FILE
[ -z "$(keys_labels privkey)" ] ||
	{ cat "$T/p11.out" >&2; oc_fail "key objects without the CMEK key"; }
keys_labels data | grep -qx keys/rsa || oc_fail "keys/rsa is no data object"
keys_debug_has "keys/rsa: not a" . ||
	oc_fail "no reason in the debug log for sealed keys/rsa without the key"
grep -F "keys/rsa: not a" "$ONECLAW_PKCS11_DEBUG_FILE" | tail -n 1
ONECLAW_CMEK_KEY_FILE=$T/cmek.key
export ONECLAW_CMEK_KEY_FILE

echo "== no key material on the wire or in the logs"
nreq=$(grep -cE '^(GET|PUT|POST) /' "$T/wire.log")
[ "$nreq" -gt 5 ] || oc_fail "the wire log holds only $nreq requests"
grep -qE "^PUT /v1/vaults/$vid/secrets/keys/rsa" "$T/wire.log" ||
	oc_fail "the wire log lacks the PUT of keys/rsa"
grep -qE "^GET /v1/vaults/$vid/secrets/keys/rsa" "$T/wire.log" ||
	oc_fail "the wire log lacks the module's GET of keys/rsa"
leaks "$T/wire.log" ||
	{ wc -l < "$T/hits" >&2; oc_fail "the wire log holds key material"; }
[ -s "$ONECLAW_PKCS11_DEBUG_FILE" ] || oc_fail "no debug log was written"
grep -q 'keys/rsa' "$ONECLAW_PKCS11_DEBUG_FILE" ||
	oc_fail "the debug log never names keys/rsa"
leaks "$ONECLAW_PKCS11_DEBUG_FILE" ||
	{ wc -l < "$T/hits" >&2; oc_fail "the debug log holds key material"; }
leaks "$VAULTD_LOG" ||
	{ wc -l < "$T/hits" >&2; oc_fail "vaultd's log holds key material"; }
echo "wire log: $nreq requests, $(wc -l < "$T/forms") key forms, none found"
echo "keys-cmek ok"
