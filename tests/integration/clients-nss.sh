#!/bin/sh
# clients-nss.sh - NSS (what Firefox, Chromium and Thunderbird use) with
# keys in the vault, in credential mode, as a user sets it up with
# libnss3-tools: `modutil -add` the module into a fresh NSS database,
# `modutil -list` shows the token (the vault's name) needing no login and
# initialised; `certutil -L` lists the vault's certificates as TOKEN:label
# user certificates, without "Database needs user init"; `certutil -K`
# lists the keys with the CKA_ID of their certificates; trust stays in
# NSS's own database (the test CA is added there); `cmsutil` signs with
# the RSA and the EC key under a second, S/MIME certificate of each, and
# the signatures verify in NSS and in OpenSSL;
# `tstclnt` completes TLS 1.3 client authentication with each key (and TLS
# 1.2 with PKCS#1 v1.5) against an `openssl s_server` that checks the
# client certificate.  Then in PIN mode (no credential, the API key is the
# PIN): `modutil -list` shows the token, still named after the vault,
# needing a login; `certutil -K -f PWFILE` refuses a wrong PIN
# (SEC_ERROR_BAD_PASSWORD) and lists the keys with the right one; `tstclnt
# -W PWFILE` completes TLS 1.3 client authentication with the RSA key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
. "$top_srcdir/tests/integration/clients-tls-lib.sh"
oc_setup
keys_need
for t in modutil certutil cmsutil tstclnt; do
	clients_need "$t" "NSS's $t (libnss3-tools)"
done
oc_san_wrap modutil certutil cmsutil tstclnt
clients_vault
# S/MIME certificates for the same keys: a key may have several
# certificates, and cmsutil signs only with one for e-mail protection.
cat >> "$T/x509.cnf" <<'EOF'
[v3_smime]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = emailProtection
EOF
for k in rsa ec; do
	keys_cert "$T" "$T/$k.pub" "oneclaw-mail-$k" v3_smime "$T/$k-mail.crt"
	keys_put "$CLIENTS_VID" "mail/$k.crt" certificate "$T/$k-mail.crt"
done
DB="sql:$T/nssdb"
mkdir "$T/nssdb"

echo "== modutil: the module in a fresh NSS database"
certutil -N -d "$DB" --empty-password > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "certutil -N"; }
# -force: modutil otherwise asks to confirm on a terminal.
modutil -dbdir "$DB" -add oneclaw -libfile "$MODULE" -force \
	> "$T/nss.out" 2>&1 || { cat "$T/nss.out" >&2; oc_fail "modutil -add"; }
modutil -dbdir "$DB" -list > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "modutil -list"; }
cat "$T/nss.out"
grep -q '^ *[0-9]*\. oneclaw$' "$T/nss.out" || oc_fail "modutil: no module oneclaw"
grep -q '^	token: clients$' "$T/nss.out" ||
	oc_fail "modutil: no token named after the vault"
modutil -dbdir "$DB" -list oneclaw > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "modutil -list oneclaw"; }
grep -E 'Login Type|User Pin' "$T/nss.out"
grep -q 'Login Type: Public (no login required)' "$T/nss.out" ||
	oc_fail "modutil: the token asks for a login in credential mode"
grep -q 'User Pin: Initialized' "$T/nss.out" ||
	oc_fail "modutil: the token's user PIN is not initialised"

echo "== certutil: certificates and keys, nicknames TOKEN:label"
certutil -L -d "$DB" -h all > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "certutil -L"; }
cat "$T/nss.out"
for c in client/rsa client/ec mail/rsa mail/ec; do
	grep -qE "^clients:$c\.crt +u,u,u$" "$T/nss.out" ||
		oc_fail "certutil -L: no user certificate clients:$c.crt"
done
certutil -L -d "$DB" -h clients > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "certutil -L -h clients"; }
grep -q 'needs user init' "$T/nss.out" &&
	{ cat "$T/nss.out" >&2; oc_fail "certutil: Database needs user init"; }
certutil -L -d "$DB" -n clients:client/rsa.crt -a > "$T/rsa.nss.crt" \
	2>"$T/nss.out" || { cat "$T/nss.out" >&2; oc_fail "certutil -L -n"; }
[ "$(openssl x509 -in "$T/rsa.nss.crt" -outform DER | od -An -tx1 | tr -d ' \n')" = \
	"$(openssl x509 -in "$T/rsa.crt" -outform DER | od -An -tx1 | tr -d ' \n')" ] ||
	oc_fail "certutil: clients:client/rsa.crt is not the certificate stored"
certutil -K -d "$DB" -h clients > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "certutil -K"; }
cat "$T/nss.out"
for k in rsa ec; do
	grep -qE "^<[ 0-9]+> $k +$(keys_spki_id "$T/$k.crt") +client/$k\.key$" \
		"$T/nss.out" || oc_fail "certutil -K: client/$k.key, paired by CKA_ID"
done

# Trust is NSS's own business: the CA goes into NSS's database, never
# into the vault.
certutil -A -d "$DB" -n oneclaw-test-ca -t CT,C,C -i "$T/ca.crt" \
	> "$T/nss.out" 2>&1 || { cat "$T/nss.out" >&2; oc_fail "certutil -A CA"; }

echo "== cmsutil: signed messages"
# -G: signed attributes (a signing time), as S/MIME mail always has:
# without any, NSS 3.87 puts an EC signature into the SignerInfo raw
# (r|s), not DER-encoded, and nothing verifies it.  -Y NONE: no
# encryption-key preference (these keys only sign).
head -c 1000 /dev/urandom > "$T/msg"
for k in rsa ec; do
	cmsutil -S -d "$DB" -N "clients:mail/$k.crt" -H SHA256 -G -Y NONE \
		-i "$T/msg" -o "$T/$k.p7" > "$T/nss.out" 2>&1 ||
		{ cat "$T/nss.out" >&2; oc_fail "cmsutil -S with $k"; }
	# cmsutil -D exits 0 even for a bad signature: read the status.
	cmsutil -D -d "$DB" -u 4 -h 1 -n -i "$T/$k.p7" > "$T/nss.out" 2>&1 ||
		{ cat "$T/nss.out" >&2; oc_fail "cmsutil -D with $k"; }
	grep -q 'signer0.status=GoodSignature' "$T/nss.out" ||
		{ cat "$T/nss.out" >&2; oc_fail "cmsutil: $k signature not good"; }
	openssl cms -verify -inform DER -in "$T/$k.p7" -CAfile "$T/ca.crt" \
		-purpose any -out "$T/$k.content" > "$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; oc_fail "openssl cms -verify $k"; }
	cmp -s "$T/$k.content" "$T/msg" || oc_fail "$k: the signed content differs"
	echo "$k: signed by cmsutil in the token, verified by NSS and OpenSSL"
done
# A control: the same check reports a signature that was tampered with.
cp "$T/ec.p7" "$T/bad.p7"
size=$(wc -c < "$T/bad.p7")
printf '\377' | dd of="$T/bad.p7" bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
cmsutil -D -d "$DB" -u 4 -h 1 -n -i "$T/bad.p7" > "$T/nss.out" 2>&1
grep -q 'signer0.status=GoodSignature' "$T/nss.out" &&
	oc_fail "cmsutil: a tampered signature was good"

echo "== tstclnt: TLS client authentication"
# ntls NAME NICKNAME CLIENT_SIGALGS SUBJECT SIGTYPE VERSIONS S_SERVER_ARGS...
# tstclnt ends when the server closes, which ctls_result does once the
# line came through: what counts is what the server saw.
ntls() {
	_name=$1 _nick=$2 _sigalgs=$3 _subj=$4 _sigtype=$5 _vers=$6
	shift 6
	ctls_serve "$_sigalgs" "$@"
	echo "hello-from-$_name" > "$T/hello"
	timeout 120 tstclnt -d "$DB" -h 127.0.0.1 -p "$CTLS_PORT" \
		-n "$_nick" -V "$_vers" ${NTLS_PINFILE:+-W "$NTLS_PINFILE"} \
		< "$T/hello" > "$T/cli.out" 2>&1 &
	_cpid=$!
	ctls_result "$_name" "$_subj" "$_sigtype" "hello-from-$_name" \
		"$T/cli.out" 0 "$_cpid"
	wait "$_cpid" 2>/dev/null
}
ntls tls13-rsa clients:client/rsa.crt RSA-PSS+SHA256 oneclaw-client-rsa \
	RSA-PSS tls1.3:tls1.3 -tls1_3
ntls tls13-ec clients:client/ec.crt ECDSA+SHA256 oneclaw-client-ec \
	ECDSA tls1.3:tls1.3 -tls1_3
ntls tls12-rsa-pkcs1 clients:client/rsa.crt RSA+SHA256 oneclaw-client-rsa \
	RSA tls1.2:tls1.2 -tls1_2

echo "== PIN mode: no credential, the API key is the PIN"
# The same database and module; the vault stays configured with its name,
# so the token keeps its label.  NSS takes the PIN from a password file.
unset ONECLAW_API_KEY
( umask 077 && printf '%s\n' "$ADMIN_KEY" > "$T/pin" &&
	printf '%s\n' 1ck_wrongwrongwrongwrongwrongwrong > "$T/wrong-pin" )
modutil -dbdir "$DB" -list oneclaw > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "modutil -list oneclaw, PIN mode"; }
grep -E 'Token Name|Login Type' "$T/nss.out"
grep -q 'Token Name: clients *$' "$T/nss.out" ||
	oc_fail "modutil, PIN mode: the token is not labelled before login"
grep -q 'Login Type: Login required' "$T/nss.out" ||
	oc_fail "modutil, PIN mode: the token needs no login"
certutil -K -d "$DB" -h clients -f "$T/wrong-pin" > "$T/nss.out" 2>&1 &&
	{ cat "$T/nss.out" >&2; oc_fail "certutil -K: a wrong PIN was accepted"; }
cat "$T/nss.out"
grep -q 'SEC_ERROR_BAD_PASSWORD' "$T/nss.out" ||
	oc_fail "certutil -K: a wrong PIN is not SEC_ERROR_BAD_PASSWORD"
grep -q 'client/' "$T/nss.out" && oc_fail "certutil -K: keys listed with a wrong PIN"
certutil -K -d "$DB" -h clients -f "$T/pin" > "$T/nss.out" 2>&1 ||
	{ cat "$T/nss.out" >&2; oc_fail "certutil -K with the PIN"; }
cat "$T/nss.out"
for k in rsa ec; do
	grep -qE "^<[ 0-9]+> $k +$(keys_spki_id "$T/$k.crt") +client/$k\.key$" \
		"$T/nss.out" || oc_fail "certutil -K, PIN mode: client/$k.key"
done
NTLS_PINFILE=$T/pin
ntls pin-tls13-rsa clients:client/rsa.crt RSA-PSS+SHA256 oneclaw-client-rsa \
	RSA-PSS tls1.3:tls1.3 -tls1_3
grep -qF "$ADMIN_KEY" "$T"/*.out && oc_fail "the PIN is in a program's output"
echo "clients-nss ok"
