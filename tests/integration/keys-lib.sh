# tests/integration/keys-lib.sh - helpers of the keys-*.sh tests (private
# keys, certificates and SSH keys held in the vault), sourced after
# tests/lib.sh and tests/integration/module-lib.sh (not a test itself).

# keys_need: the module, the test client and the key tools.
keys_need() {
	oc_need openssl pkcs11-tool curl node
	mod_need
}

# keys_tool ARGS...: oneclaw-tool against this test's vaultd, admin key.
keys_tool() {
	ONECLAW_API_URL=$OC_URL ONECLAW_API_KEY=$ADMIN_KEY \
		$OC_WRAP "$TOOL" -q "$@"
}

# keys_put VAULT PATH TYPE FILE [CMEK_KEYFILE]: stores FILE as a secret of
# TYPE (private_key, ssh_key, certificate) with oneclaw-tool, which seals
# it when a CMEK key is given.
keys_put() {
	if [ $# -ge 5 ]; then
		keys_tool secret put "$1" "$2" --type "$3" --file "$4" \
			--key "$5" >"$T/.kput" 2>&1
	else
		keys_tool secret put "$1" "$2" --type "$3" --file "$4" \
			>"$T/.kput" 2>&1
	fi || { cat "$T/.kput" >&2; oc_fail "secret put $2"; }
}

# keys_register FILE: a private key file's secret forms, for the suite's
# log scan: every base64 line of its PEM / OpenSSH armour (the one-line
# base64 of the DER holds each of them, as lines are multiples of 4), and,
# for keys OpenSSL reads, the raw private values (hex and base64).
keys_register() {
	# shellcheck disable=SC2046 # one argument per line, none has blanks
	oc_secret $(sed -n '/^-----BEGIN/,/^-----END/{/^-----/d;/:/d;p}' "$1" |
		tr -d '\r')
	keys_raw_private "$1" > "$T/.kraw" 2>/dev/null || return 0
	while IFS= read -r _hex; do
		[ -n "$_hex" ] || continue
		_up=$(printf '%s' "$_hex" | tr 'a-f' 'A-F')
		_b64=$(perl -e 'print pack("H*", $ARGV[0])' "$_hex" | base64 -w0)
		oc_secret "$_hex" "$_up" "$_b64"
	done < "$T/.kraw"
}

# keys_raw_private FILE: the private values of a key OpenSSL reads, one
# lowercase hex line each (no leading zero byte): RSA d, p, q, dp, dq,
# qinv; EC and Ed25519 priv.
keys_raw_private() {
	openssl pkey -in "$1" -text -noout 2>/dev/null | awk '
		/^[a-zA-Z0-9]+:/ {
			if (cur != "") print cur
			cur = ""
			name = $1
			keep = name ~ /^(privateExponent|prime[12]|exponent[12]):$/ ||
				name ~ /^(coefficient|priv):$/
			next
		}
		keep && /^ +[0-9a-f:]+$/ { gsub(/[ :]/, ""); cur = cur $0 }
		END { if (cur != "") print cur }' |
		sed 's/^\(00\)*//' | grep .
}

# keys_spki_id FILE [-pubin]: hex of the CKA_ID the module must give the
# key or certificate's key: SHA-1 of the DER SubjectPublicKeyInfo.
keys_spki_id() {
	case $(head -n 1 "$1") in
	*CERTIFICATE*)
		openssl x509 -in "$1" -noout -pubkey |
			openssl pkey -pubin -outform DER ;;
	*PUBLIC*)
		openssl pkey -pubin -in "$1" -outform DER ;;
	*)
		openssl pkey -in "$1" -pubout -outform DER ;;
	esac | openssl dgst -sha1 -binary | od -An -v -tx1 | tr -d ' \n'
}

# keys_ca DIR: a test CA (EC P-256) in DIR/ca.crt + DIR/ca.key and the
# extension sections the certificates below use.
keys_ca() {
	cat > "$1/x509.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[v3_client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
EOF
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$1/ca.key" -out "$1/ca.crt" -days 2 \
		-subj /CN=oneclaw-test-ca -config "$1/x509.cnf" \
		-extensions v3_ca >"$T/.ca.out" 2>&1 ||
		{ cat "$T/.ca.out" >&2; oc_fail "making the test CA"; }
}

# keys_cert DIR KEY SUBJECT_CN EXT OUT: a certificate for KEY (a private
# or public key PEM) signed by DIR's CA.
keys_cert() {
	case $(head -n 1 "$2") in
	*PUBLIC*)
		openssl x509 -new -force_pubkey "$2" -subj "/CN=$3" \
			-CA "$1/ca.crt" -CAkey "$1/ca.key" -days 2 \
			-extfile "$1/x509.cnf" -extensions "$4" \
			-out "$5" >"$T/.cert.out" 2>&1 ;;
	*)
		openssl req -new -key "$2" -subj "/CN=$3" \
			-config "$1/x509.cnf" 2>"$T/.cert.out" |
			openssl x509 -req -CA "$1/ca.crt" -CAkey "$1/ca.key" \
				-CAcreateserial -days 2 -extfile "$1/x509.cnf" \
				-extensions "$4" -out "$5" >>"$T/.cert.out" 2>&1 ;;
	esac || { cat "$T/.cert.out" >&2; oc_fail "certificate for $2"; }
}

# keys_genpkey OUT ALG [OPTS...]: a fresh private key (PKCS#8 PEM).
keys_genpkey() {
	_out=$1 _alg=$2
	shift 2
	( umask 077 && openssl genpkey -algorithm "$_alg" "$@" -out "$_out" \
		2>"$T/.gen.err" ) ||
		{ cat "$T/.gen.err" >&2; oc_fail "genpkey $_alg"; }
}

# keys_pub KEY OUT: the public key (PEM) of a private key.
keys_pub() {
	openssl pkey -in "$1" -pubout -out "$2" 2>"$T/.pub.err" ||
		{ cat "$T/.pub.err" >&2; oc_fail "public key of $1"; }
}

# keys_export_pub LABEL OUT: the public key object LABEL read through the
# module (pkcs11-tool writes DER SubjectPublicKeyInfo), as PEM.
keys_export_pub() {
	if [ "$OC_SANITIZED" = 1 ] || command -v p11tool >/dev/null 2>&1; then
		# pkcs11-tool 0.23 itself reads freed memory writing an EC
		# public key (the parameters EVP_PKEY_export gave it, freed):
		# the preloaded ASan runtime reports it, and without ASan it
		# fails ("cannot create EVP_PKEY") or not, as the heap lies.
		# p11tool reads the same object through the module.
		p11tool --provider "$MODULE" --export \
			"pkcs11:object=$(keys_uri "$1");type=public" \
			--outfile "$T/.pub.p11tool" >"$T/p11.out" 2>&1 ||
			{ cat "$T/p11.out" >&2; oc_fail "p11tool --export $1"; }
		openssl pkey -pubin -in "$T/.pub.p11tool" -out "$2" \
			2>"$T/.pub.err" || { cat "$T/.pub.p11tool" "$T/.pub.err" >&2;
			oc_fail "PEM of $1"; }
		return 0
	fi
	pkcs11-tool --module "$MODULE" --read-object --type pubkey \
		--label "$1" --output-file "$T/.pub.der" >"$T/p11.out" 2>&1 ||
		{ cat "$T/p11.out" >&2; oc_fail "--read-object --type pubkey $1"; }
	openssl pkey -pubin -inform DER -in "$T/.pub.der" -out "$2" \
		2>"$T/.pub.err" || { cat "$T/.pub.err" >&2; oc_fail "DER of $1"; }
}

# keys_uri PATH: the percent-encoding of a path for a pkcs11: URI.
keys_uri() {
	node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"
}

# keys_free_port: a loopback port free a moment ago (programs that cannot
# bind port 0 and report it; callers retry on a lost race).
keys_free_port() {
	node -e '
const s = require("net").createServer().listen(0, "127.0.0.1", () => {
	process.stdout.write(String(s.address().port)); s.close(); });'
}

# keys_wait_for FILE REGEX PID: waits (10 s at most) until FILE has a line
# matching REGEX; fails early when PID exits.
keys_wait_for() {
	_i=0
	until grep -Eq "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && return 1
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
	done
}

# keys_debug_has PATH REGEX: the module's debug log has a line naming
# PATH that matches the extended REGEX.
keys_debug_has() {
	grep -F -- "$1" "$ONECLAW_PKCS11_DEBUG_FILE" 2>/dev/null | grep -Eq -- "$2"
}

# keys_labels CLASS: the labels of the module's objects of CLASS
# (privkey, pubkey, cert, data), sorted, as pkcs11-tool lists them.
keys_labels() {
	pkcs11-tool --module "$MODULE" --list-objects --type "$1" \
		>"$T/p11.out" 2>&1 ||
		{ cat "$T/p11.out" >&2; oc_fail "--list-objects --type $1"; }
	sed -n "s/^ *label: *'\{0,1\}\([^']*\)'\{0,1\}$/\1/p" "$T/p11.out" | sort
}
