#!/bin/sh
# keys-p11tool.sh - GnuTLS p11tool sees the vault's keys and certificates:
# --list-privkeys and --list-all-certs show them with the secret path as
# label and the SHA-1 of the public key as ID (a key and its certificate
# share it whatever their paths, and the key carries the certificate's
# subject), --export gives the certificate's DER, --export-pubkey the key's
# public half, and --test-sign signs and verifies with the RSA (PKCS#1 v1.5
# and PSS), EC and Ed25519 keys.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
keys_need
oc_need p11tool
: > "$ONECLAW_PKCS11_DEBUG_FILE"
oc_start_vaultd

keys_ca "$T"
keys_genpkey "$T/rsa.key" RSA -pkeyopt rsa_keygen_bits:2048
keys_genpkey "$T/ec.key" EC -pkeyopt ec_paramgen_curve:P-384
keys_genpkey "$T/ed.key" ED25519
for k in rsa ec ed; do
	keys_register "$T/$k.key"
	keys_pub "$T/$k.key" "$T/$k.pub"
done
keys_cert "$T" "$T/rsa.key" oneclaw-p11tool-rsa v3_client "$T/rsa.crt"
keys_cert "$T" "$T/ec.key" oneclaw-p11tool-ec v3_client "$T/ec.crt"
# A DER certificate, and a PEM chain whose first block is the leaf.
openssl x509 -in "$T/ec.crt" -outform DER -out "$T/ec.der" || oc_fail "DER"
cat "$T/rsa.crt" "$T/ca.crt" > "$T/rsa-chain.pem"

vid=$(oc_create_vault gnutls)
[ -n "$vid" ] || oc_fail "create vault"
keys_put "$vid" tls/rsa.key private_key "$T/rsa.key"
keys_put "$vid" tls/rsa.crt certificate "$T/rsa-chain.pem"
keys_put "$vid" tls/ec.key private_key "$T/ec.key"
keys_put "$vid" "certs/ec_client.der" certificate "$T/ec.der"
keys_put "$vid" tls/ed.key private_key "$T/ed.key"
rm -f "$T/rsa.key" "$T/ec.key" "$T/ed.key"
mod_env "$vid" gnutls

# p11 ARGS...: p11tool on the module, output in $T/p11tool.out.
p11() {
	timeout 60 p11tool --provider "$MODULE" "$@" > "$T/p11tool.out" 2>&1
}
# colons HEX: "aa:bb:..." as p11tool prints IDs.
colons() {
	printf '%s' "$1" | sed 's/../&:/g; s/:$//'
}
# block LABEL: the lines of the object labelled LABEL in $T/list.out.
block() {
	awk -v l="	Label: $1" '
		/^Object / { if (hit) exit; buf = ""; inb = 1 }
		inb { buf = buf $0 "\n" }
		$0 == l { hit = 1 }
		END { if (hit) printf "%s", buf }' "$T/list.out"
}

echo "== --list-privkeys"
p11 --list-privkeys "pkcs11:token=gnutls" ||
	{ cat "$T/p11tool.out" >&2; oc_fail "--list-privkeys"; }
cp "$T/p11tool.out" "$T/list.out"
cat "$T/list.out"
[ "$(grep -c '^Object ' "$T/list.out")" -eq 3 ] ||
	oc_fail "not three private keys"
for k in rsa:RSA-2048 ec:EC/ECDSA-SECP384R1 ed:EdDSA; do
	name=${k%%:*} type=${k#*:}
	block "tls/$name.key" > "$T/obj"
	[ -s "$T/obj" ] || oc_fail "tls/$name.key is not listed"
	grep -q "Type: Private key ($type" "$T/obj" ||
		{ cat "$T/obj" >&2; oc_fail "tls/$name.key: type"; }
	grep -q "ID: $(colons "$(keys_spki_id "$T/$name.pub")")\$" "$T/obj" ||
		{ cat "$T/obj" >&2; oc_fail "tls/$name.key: ID"; }
	grep -q "CKA_SENSITIVE" "$T/obj" ||
		{ cat "$T/obj" >&2; oc_fail "tls/$name.key: not sensitive"; }
	grep -q "CKA_EXTRACTABLE" "$T/obj" &&
		{ cat "$T/obj" >&2; oc_fail "tls/$name.key: extractable"; }
	grep -q "URL: pkcs11:.*token=gnutls;.*object=tls%2F$name.key;type=private" \
		"$T/obj" || { cat "$T/obj" >&2; oc_fail "tls/$name.key: URL"; }
done

echo "== --list-all-certs"
p11 --list-all-certs "pkcs11:token=gnutls" ||
	{ cat "$T/p11tool.out" >&2; oc_fail "--list-all-certs"; }
cp "$T/p11tool.out" "$T/list.out"
cat "$T/list.out"
[ "$(grep -c '^Object ' "$T/list.out")" -eq 2 ] ||
	oc_fail "not two certificates"
for c in tls/rsa.crt:rsa:oneclaw-p11tool-rsa \
	certs/ec_client.der:ec:oneclaw-p11tool-ec; do
	label=${c%%:*} rest=${c#*:}
	key=${rest%%:*} cn=${rest#*:}
	block "$label" > "$T/obj"
	[ -s "$T/obj" ] || oc_fail "$label is not listed"
	grep -q "Type: X.509 Certificate" "$T/obj" ||
		{ cat "$T/obj" >&2; oc_fail "$label: type"; }
	# The key's ID: the pairing is by public key, not by path.
	grep -q "ID: $(colons "$(keys_spki_id "$T/$key.pub")")\$" "$T/obj" ||
		{ cat "$T/obj" >&2; oc_fail "$label: ID is not tls/$key.key's"; }
	# Its value is the certificate (the leaf of a chain).
	uri="pkcs11:token=gnutls;object=$(keys_uri "$label");type=cert"
	p11 --export --outder "$uri" ||
		{ cat "$T/p11tool.out" >&2; oc_fail "--export $label"; }
	openssl x509 -inform DER -in "$T/p11tool.out" -noout -subject \
		> "$T/subj" 2>&1 ||
		{ cat "$T/subj" >&2; oc_fail "$label: not DER X.509"; }
	grep -q "CN *= *$cn\$" "$T/subj" || oc_fail "$label: subject $(cat "$T/subj")"
	[ "$key" = ec ] && { cmp -s "$T/p11tool.out" "$T/ec.der" ||
		oc_fail "$label: the DER differs"; }
done

echo "== a key carries its certificate's subject"
# attr CLASS LABEL ATTR: the value (hex) of one attribute, by p11-client.
attr() {
	mod_client attr-rv "$1" "$2" "$3" > "$T/attrs" 2>&1 ||
		{ cat "$T/attrs" >&2; oc_fail "attr-rv $*"; }
	sed -n "s/^CKA_$3 CKR_OK //p" "$T/attrs"
}
for c in tls/rsa.crt:rsa:oneclaw-p11tool-rsa \
	certs/ec_client.der:ec:oneclaw-p11tool-ec; do
	label=${c%%:*} rest=${c#*:}
	key=${rest%%:*} cn=${rest#*:}
	subj=$(attr cert "$label" SUBJECT)
	case $subj in
	*"$(printf '%s' "$cn" | od -An -v -tx1 | tr -d ' \n')"*) ;;
	*) oc_fail "$label: CKA_SUBJECT does not hold CN=$cn" ;;
	esac
	[ "$(attr privkey "tls/$key.key" SUBJECT)" = "$subj" ] ||
		oc_fail "tls/$key.key: CKA_SUBJECT is not $label's subject"
	id=$(keys_spki_id "$T/$key.pub")
	for cls in privkey pubkey; do
		[ "$(attr "$cls" "tls/$key.key" ID)" = "$id" ] ||
			oc_fail "tls/$key.key ($cls): CKA_ID is not $id"
	done
	[ "$(attr cert "$label" ID)" = "$id" ] || oc_fail "$label: CKA_ID"
	echo "tls/$key.key and $label: CKA_ID $id, one subject"
done

echo "== --export-pubkey"
for k in rsa ec ed; do
	p11 --export-pubkey "pkcs11:token=gnutls;object=tls%2F$k.key;type=private" ||
		{ cat "$T/p11tool.out" >&2; oc_fail "--export-pubkey tls/$k.key"; }
	openssl pkey -pubin -in "$T/p11tool.out" -out "$T/got.pub" \
		2>/dev/null || : > "$T/got.pub"
	cmp -s "$T/got.pub" "$T/$k.pub" ||
		{ cat "$T/p11tool.out" >&2;
		  oc_fail "tls/$k.key: exported public key differs"; }
done

echo "== --test-sign"
# test_sign URI [ARGS...]: sign, verify with the private key's parameters
# and with the token's public key.
test_sign() {
	p11 --test-sign "$@" ||
		{ cat "$T/p11tool.out" >&2; oc_fail "--test-sign $*"; }
	cat "$T/p11tool.out"
	[ "$(grep -c '\.\.\. ok$' "$T/p11tool.out")" -ge 3 ] ||
		oc_fail "--test-sign $*: not every step ok"
}
test_sign "pkcs11:token=gnutls;object=tls%2Frsa.key"
test_sign "pkcs11:token=gnutls;object=tls%2Frsa.key" --sign-params RSA-PSS
grep -q 'RSA-PSS' "$T/p11tool.out" || oc_fail "RSA-PSS was not used"
test_sign "pkcs11:token=gnutls;object=tls%2Fec.key"
# EdDSA hashes with SHA-512 inside; GnuTLS's default SHA-256 has no
# Ed25519 signature algorithm.
test_sign "pkcs11:token=gnutls;object=tls%2Fed.key" --hash SHA512
echo "keys-p11tool ok"
