# tests/integration/clients-lib.sh - helpers of the clients-*.sh tests (a
# PKCS#11 client program used as its users use it), sourced after
# tests/lib.sh, module-lib.sh and keys-lib.sh (not a test itself).

# clients_need PROGRAM WHAT: PROGRAM (a name or a path) is installed, else
# clients_missing WHAT.
clients_need() {
	command -v "$1" >/dev/null 2>&1 || clients_missing "$2"
}

# clients_missing WHAT: the client WHAT is not installed.  That skips the
# test, except under CI, where scripts/deps must have installed it: there
# it fails.
clients_missing() {
	[ -n "${CI:-}" ] &&
		oc_fail "$1 is not installed (scripts/deps installs it; CI=$CI)"
	oc_skip "$1 is not installed"
}

# clients_vault: a vaultd, and the vault "clients" (the token's label) as a
# user would fill it with oneclaw-tool: the secret app/api-token, an RSA-2048
# and an EC P-256 client key with their certificates (client/rsa.key,
# client/rsa.crt, client/ec.key, client/ec.crt), signed by a test CA.  The
# private keys are then deleted here: they exist only in the vault.  Sets
# CLIENTS_VID, CLIENTS_SECRET (the secret's value), $T/ca.crt, $T/ca.key,
# $T/{rsa,ec}.pub, $T/{rsa,ec}.crt, a server key and certificate for
# 127.0.0.1 ($T/server.key, $T/server.crt), and credential mode for it.
clients_vault() {
	oc_start_vaultd
	keys_ca "$T"
	keys_genpkey "$T/rsa.key" RSA -pkeyopt rsa_keygen_bits:2048
	keys_genpkey "$T/ec.key" EC -pkeyopt ec_paramgen_curve:P-256
	for _k in rsa ec; do
		keys_register "$T/$_k.key"
		keys_pub "$T/$_k.key" "$T/$_k.pub"
		keys_cert "$T" "$T/$_k.key" "oneclaw-client-$_k" v3_client \
			"$T/$_k.crt"
	done
	keys_genpkey "$T/server.key" EC -pkeyopt ec_paramgen_curve:P-256
	keys_cert "$T" "$T/server.key" 127.0.0.1 v3_server "$T/server.crt"
	CLIENTS_VID=$(oc_create_vault clients)
	[ -n "$CLIENTS_VID" ] || oc_fail "create vault clients"
	CLIENTS_SECRET="client-secret-$(head -c 18 /dev/urandom | base64 |
		tr -dc 'A-Za-z0-9')"
	oc_secret "$CLIENTS_SECRET"
	printf '%s' "$CLIENTS_SECRET" > "$T/secret"
	keys_put "$CLIENTS_VID" app/api-token generic "$T/secret"
	for _k in rsa ec; do
		keys_put "$CLIENTS_VID" "client/$_k.key" private_key "$T/$_k.key"
		keys_put "$CLIENTS_VID" "client/$_k.crt" certificate "$T/$_k.crt"
	done
	rm -f "$T/rsa.key" "$T/ec.key"
	mod_env "$CLIENTS_VID" clients
}

# clients_verify KIND SIG: SIG is a SHA-256 signature of $T/msg by the
# vault's KIND (rsa, ec) key, checked with the public key kept aside.
clients_verify() {
	openssl dgst -sha256 -verify "$T/$1.pub" -signature "$2" "$T/msg" \
		>"$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; oc_fail "$1: the signature $2 does not verify"; }
}

# clients_check_objects OUT: OUT, a client's "CLASS label" lines, names
# exactly the objects of clients_vault's vault.  Every secret is a data
# object too (a key's CKA_VALUE is never given).
clients_check_objects() {
	sort "$1" > "$T/objects"
	cat "$T/objects"
	cat > "$T/want" <<'EOF'
CKO_CERTIFICATE client/ec.crt
CKO_CERTIFICATE client/rsa.crt
CKO_DATA app/api-token
CKO_DATA client/ec.crt
CKO_DATA client/ec.key
CKO_DATA client/rsa.crt
CKO_DATA client/rsa.key
CKO_PRIVATE_KEY client/ec.key
CKO_PRIVATE_KEY client/rsa.key
CKO_PUBLIC_KEY client/ec.key
CKO_PUBLIC_KEY client/rsa.key
EOF
	cmp -s "$T/objects" "$T/want" ||
		{ diff "$T/want" "$T/objects" >&2; oc_fail "the token's objects"; }
}

# clients_read_and_sign CLIENT WHO: CLIENT (a command taking "read TOKEN
# LABEL OUT" and "sign TOKEN LABEL KIND MSG SIG") reads the secret by label
# and signs with the vault's RSA and EC keys; OpenSSL checks the
# signatures.  WHO names the client in the output.
clients_read_and_sign() {
	echo "== the secret, by label"
	"$1" read clients app/api-token "$T/read"
	cmp -s "$T/read" "$T/secret" || oc_fail "CKA_VALUE is not the stored secret"
	echo "== signing with the vault's keys"
	head -c 1000 /dev/urandom > "$T/msg"
	for _k in rsa ec; do
		"$1" sign clients "client/$_k.key" "$_k" "$T/msg" "$T/$_k.sig"
		clients_verify "$_k" "$T/$_k.sig"
		echo "$_k: signed by $2, verified by OpenSSL"
	done
}
