#!/bin/sh
# keys-bad.sh - key and certificate secrets that are not usable keys stay
# data objects only, with the reason in the debug log: a corrupt PEM, an
# encrypted PEM (no passphrase to ask for), an encrypted OpenSSH key, an EC
# key on secp256k1, RSA-1024, a public key stored as a private key, a
# certificate secret holding no certificate.  A certificate named like a
# key but for another key does not pair with it.  Signing with a mechanism
# of another key type is CKR_KEY_TYPE_INCONSISTENT, with a mechanism the
# module does not have CKR_MECHANISM_INVALID.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
keys_need
oc_need ssh-keygen
: > "$ONECLAW_PKCS11_DEBUG_FILE"
oc_start_vaultd

mkdir -p "$T/k"
keys_genpkey "$T/k/rsa.key" RSA -pkeyopt rsa_keygen_bits:2048
keys_genpkey "$T/k/ec.key" EC -pkeyopt ec_paramgen_curve:P-256
keys_genpkey "$T/k/other.key" EC -pkeyopt ec_paramgen_curve:P-256
# A truncated body: the DER's lengths run past its end.
sed -n '1,6p' "$T/k/rsa.key" > "$T/k/corrupt.key"
tail -n 1 "$T/k/rsa.key" >> "$T/k/corrupt.key"
keys_genpkey "$T/k/encrypted.key" EC -pkeyopt ec_paramgen_curve:P-256 \
	-aes256 -pass pass:a-passphrase-nobody-gives
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$T/k/encrypted.key" ||
	oc_fail "the key is not encrypted"
ssh-keygen -q -t ed25519 -N 'a-passphrase-nobody-gives' -f "$T/k/encrypted-ssh" \
	>/dev/null 2>&1 || oc_fail "ssh-keygen"
keys_genpkey "$T/k/k1.key" EC -pkeyopt ec_paramgen_curve:secp256k1
keys_genpkey "$T/k/rsa1024.key" RSA -pkeyopt rsa_keygen_bits:1024
keys_pub "$T/k/rsa.key" "$T/k/rsa.pub"
keys_pub "$T/k/ec.key" "$T/k/ec.pub"
keys_pub "$T/k/other.key" "$T/k/other.pub"
for f in rsa.key ec.key other.key corrupt.key encrypted.key encrypted-ssh \
	k1.key rsa1024.key; do
	keys_register "$T/k/$f"
done
keys_ca "$T"
# good/ec.crt has good/ec.key's stem but another key.
keys_cert "$T" "$T/k/other.key" oneclaw-other v3_client "$T/k/other.crt"

vid=$(oc_create_vault bad)
[ -n "$vid" ] || oc_fail "create vault"
keys_put "$vid" good/rsa.key private_key "$T/k/rsa.key"
keys_put "$vid" good/ec.key private_key "$T/k/ec.key"
keys_put "$vid" good/ec.crt certificate "$T/k/other.crt"
keys_put "$vid" bad/corrupt.key private_key "$T/k/corrupt.key"
keys_put "$vid" bad/encrypted.key private_key "$T/k/encrypted.key"
keys_put "$vid" bad/encrypted-ssh ssh_key "$T/k/encrypted-ssh"
keys_put "$vid" bad/k1.key private_key "$T/k/k1.key"
keys_put "$vid" bad/rsa1024.key private_key "$T/k/rsa1024.key"
keys_put "$vid" bad/public.key private_key "$T/k/rsa.pub"
keys_put "$vid" bad/key-as.crt certificate "$T/k/ec.key"
printf 'not a certificate at all\n' > "$T/k/text"
keys_put "$vid" bad/text.crt certificate "$T/k/text"
BAD="bad/corrupt.key bad/encrypted.key bad/encrypted-ssh bad/k1.key
bad/rsa1024.key bad/public.key bad/key-as.crt bad/text.crt"
mod_env "$vid"

echo "== only the good keys are key objects"
[ "$(keys_labels privkey | tr '\n' ' ')" = "good/ec.key good/rsa.key " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "private key objects"; }
[ "$(keys_labels pubkey | tr '\n' ' ')" = "good/ec.key good/rsa.key " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "public key objects"; }
[ "$(keys_labels cert | tr '\n' ' ')" = "good/ec.crt " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "certificate objects"; }
# Same stem, another key: not paired.
grep -q "ID: *$(keys_spki_id "$T/k/other.pub")" "$T/p11.out" ||
	oc_fail "good/ec.crt: its ID is not its own key's"
grep -q "ID: *$(keys_spki_id "$T/k/ec.pub")" "$T/p11.out" &&
	oc_fail "good/ec.crt paired with good/ec.key by name"
keys_labels data > "$T/data"
for p in $BAD good/rsa.key good/ec.key good/ec.crt; do
	grep -qxF "$p" "$T/data" || oc_fail "$p is not a data object"
done

echo "== the debug log says why"
# why PATH REGEX: a debug line names PATH as no key (or certificate)
# object and its reason matches REGEX.
why() {
	keys_debug_has "$1: not a" "$2" || {
		grep -F -- "$1" "$ONECLAW_PKCS11_DEBUG_FILE" >&2
		oc_fail "$1: no reason matching /$2/ in the debug log"
	}
	grep -F -- "$1: not a" "$ONECLAW_PKCS11_DEBUG_FILE" | head -n 1
}
why bad/corrupt.key .
why bad/encrypted.key 'encrypted'
why bad/encrypted-ssh 'encrypted'
why bad/k1.key 'secp256k1|curve'
why bad/rsa1024.key '1024'
why bad/public.key .
why bad/key-as.crt .
why bad/text.crt .
grep -F ' p11 ' "$ONECLAW_PKCS11_DEBUG_FILE" | grep -F good/ec.crt |
	grep -qF good/ec.key ||
	{ grep -F good/ec "$ONECLAW_PKCS11_DEBUG_FILE" >&2;
	  oc_fail "good/ec.crt with another key than good/ec.key: not reported"; }
grep -F ' p11 ' "$ONECLAW_PKCS11_DEBUG_FILE" | grep -F good/ec.crt |
	grep -F good/ec.key | head -n 1

echo "== wrong and unknown mechanisms"
# rv LABEL MECH EXPECT: C_SignInit's CK_RV with the private key LABEL.
rv() {
	_got=$(mod_client sign-rv "$1" "$2" 2>&1)
	[ "$_got" = "$3" ] || oc_fail "C_SignInit($1, $2): $_got, not $3"
	echo "C_SignInit($1, mechanism $2): $_got"
}
rv good/rsa.key 0x1041 CKR_KEY_TYPE_INCONSISTENT  # CKM_ECDSA
rv good/rsa.key 0x1057 CKR_KEY_TYPE_INCONSISTENT  # CKM_EDDSA
rv good/ec.key 0x1 CKR_KEY_TYPE_INCONSISTENT      # CKM_RSA_PKCS
rv good/ec.key 0x40 CKR_KEY_TYPE_INCONSISTENT     # CKM_SHA256_RSA_PKCS
rv good/rsa.key 0x6 CKR_MECHANISM_INVALID         # CKM_SHA1_RSA_PKCS
rv good/rsa.key 0x9 CKR_MECHANISM_INVALID         # CKM_RSA_PKCS_OAEP: no signing
rv good/rsa.key 0x80001234 CKR_MECHANISM_INVALID  # nobody's
rv good/rsa.key 0x1 CKR_OK
rv good/ec.key 0x1041 CKR_OK
# The same through pkcs11-tool.
head -c 32 /dev/urandom > "$T/hash"
# tool_rv KEY MECH EXPECT: pkcs11-tool 0.23 finds keys by --id only.
tool_rv() {
	pkcs11-tool --module "$MODULE" --sign -m "$2" \
		--id "$(keys_spki_id "$T/k/$1.pub")" \
		-i "$T/hash" -o "$T/sig" >"$T/p11.out" 2>&1 &&
		{ cat "$T/p11.out"; oc_fail "pkcs11-tool signed with $1 and $2"; }
	grep -q "$3" "$T/p11.out" || { cat "$T/p11.out" >&2;
		oc_fail "pkcs11-tool --sign -m $2 with $1: not $3"; }
}
tool_rv rsa ECDSA CKR_KEY_TYPE_INCONSISTENT
tool_rv ec RSA-PKCS CKR_KEY_TYPE_INCONSISTENT
tool_rv ec EDDSA CKR_KEY_TYPE_INCONSISTENT
tool_rv rsa 0x80001234 CKR_MECHANISM_INVALID
echo "keys-bad ok"
