#!/bin/sh
# keys-openssl.sh - OpenSSL 3 through the libp11 pkcs11 engine uses keys
# that live only in the vault: `openssl pkeyutl -sign` with a pkcs11: URI
# for an RSA-2048 and an EC P-256 key verifies with the public key exported
# through the module and with the original one; Ed25519 is signed through
# the engine where libp11 knows it, else with pkcs11-tool (CKM_EDDSA) and
# verified by OpenSSL; and `openssl s_client -engine pkcs11` completes
# mutual TLS (1.3 and 1.2, RSA and EC client keys) against an s_server
# that demands and checks the client certificate.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
oc_setup
keys_need
ENGINE=
for so in /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so \
	/usr/lib/aarch64-linux-gnu/engines-3/pkcs11.so \
	/usr/lib64/engines-3/pkcs11.so /usr/lib/engines-3/pkcs11.so; do
	[ -f "$so" ] && ENGINE=$so && break
done
[ -n "$ENGINE" ] || oc_skip "the libp11 pkcs11 engine is not installed"
: > "$ONECLAW_PKCS11_DEBUG_FILE"
oc_start_vaultd

# Keys, certificates from a test CA, and the public keys kept aside.
keys_ca "$T"
keys_genpkey "$T/rsa.key" RSA -pkeyopt rsa_keygen_bits:2048
keys_genpkey "$T/ec.key" EC -pkeyopt ec_paramgen_curve:P-256
keys_genpkey "$T/ed.key" ED25519
# The EC key in the traditional "EC PRIVATE KEY" form, also accepted.
openssl ec -in "$T/ec.key" -out "$T/ec.trad" 2>/dev/null || oc_fail "EC key"
mv "$T/ec.trad" "$T/ec.key"
for k in rsa ec ed; do
	keys_register "$T/$k.key"
	keys_pub "$T/$k.key" "$T/$k.pub"
done
keys_cert "$T" "$T/rsa.key" oneclaw-client-rsa v3_client "$T/rsa.crt"
keys_cert "$T" "$T/ec.key" oneclaw-client-ec v3_client "$T/ec.crt"
keys_genpkey "$T/server.key" EC -pkeyopt ec_paramgen_curve:P-256
keys_cert "$T" "$T/server.key" 127.0.0.1 v3_server "$T/server.crt"

# libp11 0.4.12 fails to list any private key of a token that also holds
# an Ed25519 key (it does not know CKK_EC_EDWARDS), so Ed25519 gets a vault
# (a token) of its own.  The EC certificate's path shares no stem with its
# key: they pair by the public key.
vid=$(oc_create_vault tls)
[ -n "$vid" ] || oc_fail "create vault tls"
edvid=$(oc_create_vault edkeys)
[ -n "$edvid" ] || oc_fail "create vault edkeys"
keys_put "$vid" client/rsa.key private_key "$T/rsa.key"
keys_put "$vid" client/rsa.crt certificate "$T/rsa.crt"
keys_put "$vid" client/ec.key private_key "$T/ec.key"
keys_put "$vid" certs/ec-client.pem certificate "$T/ec.crt"
keys_put "$edvid" ed/ed25519.key private_key "$T/ed.key"
# From here on the private keys exist only in the vault.
rm -f "$T/rsa.key" "$T/ec.key" "$T/ed.key"
mod_env "$vid" tls

echo "== the token's objects"
[ "$(keys_labels privkey | tr '\n' ' ')" = \
	"client/ec.key client/rsa.key " ] ||
	{ cat "$T/p11.out" >&2; oc_fail "private keys of vault tls"; }
for k in rsa ec; do
	id=$(keys_spki_id "$T/$k.pub")
	grep -q "ID: *$id" "$T/p11.out" || oc_fail "$k key: CKA_ID is not $id"
done
keys_labels cert > /dev/null
grep -q "ID: *$(keys_spki_id "$T/ec.pub")" "$T/p11.out" ||
	oc_fail "certs/ec-client.pem does not pair with client/ec.key"

# The engine, configured in a file of the test's own.
cat > "$T/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $MODULE
init = 0
EOF
# engine ARGS...: openssl with the pkcs11 engine, output in $T/engine.out.
engine() {
	OPENSSL_CONF="$T/openssl.cnf" timeout 60 openssl "$@" \
		>"$T/engine.out" 2>&1
}
uri() {
	echo "pkcs11:token=$1;object=$(keys_uri "$2");type=private"
}

echo "== openssl pkeyutl -sign through the engine"
head -c 1000 /dev/urandom > "$T/msg"
openssl dgst -sha256 -binary "$T/msg" > "$T/msg.sha256"
for k in rsa ec; do
	engine pkeyutl -engine pkcs11 -keyform engine -sign \
		-inkey "$(uri tls "client/$k.key")" -pkeyopt digest:sha256 \
		-in "$T/msg.sha256" -out "$T/$k.sig" ||
		{ cat "$T/engine.out" >&2; oc_fail "engine sign with $k"; }
	keys_export_pub "client/$k.key" "$T/$k.exported"
	cmp -s "$T/$k.exported" "$T/$k.pub" ||
		oc_fail "$k: the module's public key is not the key's"
	for pub in "$T/$k.exported" "$T/$k.pub"; do
		openssl pkeyutl -verify -pubin -inkey "$pub" \
			-pkeyopt digest:sha256 -in "$T/msg.sha256" \
			-sigfile "$T/$k.sig" >"$T/verify.out" 2>&1 ||
			{ cat "$T/verify.out" >&2; oc_fail "$k signature"; }
	done
	# The same signature checks over the message itself.
	openssl dgst -sha256 -verify "$T/$k.pub" -signature "$T/$k.sig" \
		"$T/msg" >/dev/null || oc_fail "$k: dgst -verify"
	echo "$k: signed through the engine, verified"
done
# The engine's view of the public key is the same key.
engine pkey -engine pkcs11 -inform engine -pubin \
	-in "pkcs11:token=tls;object=client%2Frsa.key;type=public" -pubout \
	-out "$T/rsa.engine.pub" ||
	{ cat "$T/engine.out" >&2; oc_fail "engine public key"; }
cmp -s "$T/rsa.engine.pub" "$T/rsa.pub" || oc_fail "engine public key differs"

# Ed25519: the public key from CKA_EC_POINT (DER OCTET STRING of the 32
# bytes; pkcs11-tool 0.23 cannot export it as a SubjectPublicKeyInfo).
mod_env "$edvid" edkeys
pkcs11-tool --module "$MODULE" --list-objects \
	--type pubkey >"$T/p11.out" 2>&1 || oc_fail "list Ed25519 public key"
grep -q "label: *ed/ed25519.key" "$T/p11.out" ||
	{ cat "$T/p11.out" >&2; oc_fail "no Ed25519 public key object"; }
point=$(sed -n 's/^ *EC_POINT: *\([0-9a-f]*\)$/\1/p' "$T/p11.out" | head -n 1)
[ ${#point} -ge 64 ] || { cat "$T/p11.out" >&2; oc_fail "Ed25519 EC_POINT"; }
point=$(printf '%s' "$point" | tail -c 64)
printf '302a300506032b6570032100%s' "$point" |
	perl -ne 'print pack("H*", $_)' > "$T/ed.point.der"
openssl pkey -pubin -inform DER -in "$T/ed.point.der" -out "$T/ed.exported" ||
	oc_fail "Ed25519 EC_POINT is not a public key"
cmp -s "$T/ed.exported" "$T/ed.pub" || oc_fail "Ed25519 EC_POINT is not the key's"
if engine pkeyutl -engine pkcs11 -keyform engine -sign -rawin \
	-inkey "$(uri edkeys ed/ed25519.key)" -in "$T/msg" -out "$T/ed.sig"; then
	echo "ed25519: signed through the engine"
else
	echo "ed25519: the engine (libp11 $(dpkg-query -W -f '${Version}' \
		libengine-pkcs11-openssl 2>/dev/null || echo '?')) cannot;" \
		"signing with pkcs11-tool -m EDDSA"
	pkcs11-tool --module "$MODULE" --sign -m EDDSA \
		--id "$(keys_spki_id "$T/ed.pub")" -i "$T/msg" -o "$T/ed.sig" \
		>"$T/p11.out" 2>&1 ||
		{ cat "$T/p11.out" >&2; oc_fail "Ed25519 sign"; }
fi
for pub in "$T/ed.exported" "$T/ed.pub"; do
	openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -in "$T/msg" \
		-sigfile "$T/ed.sig" >"$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; oc_fail "Ed25519 signature"; }
done
echo "ed25519: verified"
mod_env "$vid" tls

echo "== mutual TLS: s_server checks the client certificate"
# mtls NAME KEY CERT SUBJECT SIGTYPE S_CLIENT_ARGS...: one handshake and
# one line of data, both sides bounded by timeout.  s_server stops when
# its stdin ends, so a FIFO held open by this shell stands in.
mtls() {
	_name=$1 _key=$2 _cert=$3 _subj=$4 _sigtype=$5
	shift 5
	rm -f "$T/fifo" "$T/srv.out"
	mkfifo "$T/fifo"
	timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 \
		-cert "$T/server.crt" -key "$T/server.key" \
		-Verify 1 -verify_return_error -CAfile "$T/ca.crt" \
		< "$T/fifo" > "$T/srv.out" 2>&1 &
	_spid=$!
	exec 3>"$T/fifo"
	keys_wait_for "$T/srv.out" '^ACCEPT' "$_spid" ||
		{ exec 3>&-; cat "$T/srv.out" >&2;
		  oc_fail "$_name: s_server did not start"; }
	_port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/srv.out")
	echo "hello-from-$_name" > "$T/hello"
	_rc=0
	OPENSSL_CONF="$T/openssl.cnf" timeout 30 openssl s_client \
		-connect "127.0.0.1:$_port" -engine pkcs11 -keyform engine \
		-key "$(uri tls "$_key")" -cert "$_cert" \
		-CAfile "$T/ca.crt" -verify_return_error -verify_ip 127.0.0.1 \
		-brief "$@" < "$T/hello" > "$T/cli.out" 2>&1 || _rc=$?
	exec 3>&-
	_src=0
	wait "$_spid" || _src=$?
	if [ "$_rc" -ne 0 ] || [ "$_src" -ne 0 ] ||
		! grep -q "^subject=CN *= *$_subj\$" "$T/srv.out" ||
		! grep -q "^Peer signature type: $_sigtype\$" "$T/srv.out" ||
		! grep -q "^hello-from-$_name\$" "$T/srv.out"; then
		echo "--- s_client (exit $_rc)" >&2
		cat "$T/cli.out" >&2
		echo "--- s_server (exit $_src)" >&2
		cat "$T/srv.out" >&2
		oc_fail "mTLS $_name"
	fi
	echo "$_name: $(grep -E '^Protocol version' "$T/cli.out"), client" \
		"signature $_sigtype, server saw CN=$_subj"
}
# TLS 1.3 allows RSA only as RSA-PSS: libp11 asks for CKM_RSA_PKCS_PSS.
mtls tls13-rsa client/rsa.key "$T/rsa.crt" oneclaw-client-rsa RSA-PSS -tls1_3
mtls tls13-ec client/ec.key "$T/ec.crt" oneclaw-client-ec ECDSA -tls1_3
mtls tls12-rsa-pss client/rsa.key "$T/rsa.crt" oneclaw-client-rsa RSA-PSS -tls1_2
# PKCS#1 v1.5 (CKM_RSA_PKCS over a DigestInfo) where TLS 1.2 allows it.
mtls tls12-rsa-pkcs1 client/rsa.key "$T/rsa.crt" oneclaw-client-rsa RSA \
	-tls1_2 -client_sigalgs RSA+SHA256
mtls tls12-ec client/ec.key "$T/ec.crt" oneclaw-client-ec ECDSA -tls1_2

# A control: the EC key with the RSA certificate must not get through.
rm -f "$T/fifo"
OPENSSL_CONF="$T/openssl.cnf" timeout 30 openssl s_client \
	-connect 127.0.0.1:1 -engine pkcs11 -keyform engine \
	-key "$(uri tls client/ec.key)" -cert "$T/rsa.crt" \
	-brief < /dev/null > "$T/cli.out" 2>&1 &&
	oc_fail "s_client took a key that is not the certificate's"
grep -qiE 'mismatch|does not match' "$T/cli.out" ||
	{ cat "$T/cli.out" >&2; oc_fail "no key mismatch reported"; }
echo "keys-openssl ok"
