#!/bin/sh
# clients-openssl-provider.sh - OpenSSL 3 through pkcs11-provider (the
# provider, pkcs11.so in OpenSSL's modules directory), configured as in the
# README's recipe: `openssl storeutl` with a pkcs11: URI lists the vault's
# certificates, `openssl pkeyutl -sign` with the RSA and EC keys' URIs
# gives signatures the original public keys verify, and `openssl
# s_client` with a key URI completes TLS 1.3 mutual authentication against
# an s_server that demands and checks the client certificate.
# pkcs11-provider is packaged in newer distributions but not in Debian 12:
# without it the test skips, naming the file it looked for.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
. "$top_srcdir/tests/integration/clients-tls-lib.sh"
oc_setup
keys_need
MODDIR=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')
PROVIDER="$MODDIR/pkcs11.so"
[ -f "$PROVIDER" ] || oc_skip "pkcs11-provider is not installed ($PROVIDER;" \
	"packaged in newer distributions, not in Debian 12)"
clients_vault

# The provider, configured in a file of the test's own; the default
# provider stays for everything the token does not do.
cat > "$T/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
pkcs11 = pkcs11_sect
[default_sect]
activate = 1
[pkcs11_sect]
module = $PROVIDER
pkcs11-module-path = $MODULE
activate = 1
EOF
# p11ssl ARGS...: openssl with the provider, output in $T/ossl.out.
p11ssl() {
	OPENSSL_CONF="$T/openssl.cnf" timeout 60 openssl "$@" >"$T/ossl.out" 2>&1
}
key_uri() {
	echo "pkcs11:token=clients;object=$(keys_uri "client/$1.key");type=private"
}

echo "== openssl storeutl"
p11ssl storeutl -certs -noout -text "pkcs11:token=clients" ||
	{ cat "$T/ossl.out" >&2; oc_fail "storeutl -certs"; }
for k in rsa ec; do
	grep -q "Subject: CN *= *oneclaw-client-$k\$" "$T/ossl.out" ||
		{ cat "$T/ossl.out" >&2; oc_fail "storeutl: no certificate for $k"; }
done
echo "storeutl: both certificates listed"

echo "== openssl pkeyutl -sign"
head -c 1000 /dev/urandom > "$T/msg"
openssl dgst -sha256 -binary "$T/msg" > "$T/msg.sha256"
for k in rsa ec; do
	p11ssl pkeyutl -sign -inkey "$(key_uri "$k")" -pkeyopt digest:sha256 \
		-in "$T/msg.sha256" -out "$T/$k.sig" ||
		{ cat "$T/ossl.out" >&2; oc_fail "pkeyutl -sign with $k"; }
	clients_verify "$k" "$T/$k.sig"
	echo "$k: signed through the provider, verified"
done

echo "== mutual TLS 1.3: s_server checks the client certificate"
# mtls KIND CLIENT_SIGALGS SIGTYPE: one handshake and one line of data
# against clients-tls-lib.sh's s_server, both sides bounded by timeout.
mtls() {
	ctls_serve "$2" -tls1_3
	echo "hello-from-$1" > "$T/hello"
	_rc=0
	OPENSSL_CONF="$T/openssl.cnf" timeout 60 openssl s_client \
		-connect "127.0.0.1:$CTLS_PORT" -key "$(key_uri "$1")" \
		-cert "$T/$1.crt" -CAfile "$T/ca.crt" -verify_return_error \
		-verify_ip 127.0.0.1 -tls1_3 -brief \
		< "$T/hello" > "$T/cli.out" 2>&1 || _rc=$?
	ctls_result "mTLS with $1" "oneclaw-client-$1" "$3" "hello-from-$1" \
		"$T/cli.out" "$_rc"
	echo "$1: $(grep -E '^Protocol version' "$T/cli.out"), server saw" \
		"CN=oneclaw-client-$1"
}
mtls rsa RSA-PSS+SHA256 RSA-PSS
mtls ec ECDSA+SHA256 ECDSA
echo "clients-openssl-provider ok"
