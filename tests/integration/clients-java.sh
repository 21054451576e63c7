#!/bin/sh
# clients-java.sh - Java through SunPKCS11 (the JDK's own PKCS#11
# provider) with keys and a secret in the vault, in credential mode:
# `keytool -list` shows the RSA and the EC key as PrivateKeyEntry under
# their certificates' labels without asking for a password; a secret is
# read (only through the JDK's internal wrapper: the public API has no
# data objects); SHA256withRSA, SHA256withECDSA and SHA256withRSASSA-PSS
# signatures made in the token verify in Java and with OpenSSL against the
# original public keys; an unchanged JSSE client, configured only with
# system properties, completes TLS 1.3 client authentication with the RSA
# key (RSA-PSS) and the EC key, and TLS 1.2 with PKCS#1 v1.5, against an
# `openssl s_server` that checks the client certificate.  Then in PIN mode
# (no credential, the API key is the PIN): SunPKCS11 sees the token
# labelled with the vault's name and needing a login before it; keytool
# refuses a wrong PIN with CKR_PIN_INCORRECT and lists both entries with
# the right one; ks.load(null, pin) signs (RSA-PSS) and JSSE, given the
# PIN as javax.net.ssl.keyStorePassword, completes TLS 1.3.  The PIN goes
# through files only and is in no program's output.  Not part of
# `make check` (the JVM is slow to start): `make check-java` runs it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
. "$top_srcdir/tests/integration/clients-tls-lib.sh"
oc_setup
keys_need
for t in java javac keytool; do
	clients_need "$t" "Java ($t, default-jdk-headless)"
done
# The programs that load the module (javac does not).
oc_san_wrap java keytool
clients_vault

# The JVM: quick to start, no hsperfdata files in /tmp.
JAVA_OPTS="-XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
WRAPPER=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper
javac -d "$T/classes" \
	--add-modules jdk.crypto.cryptoki --add-exports "$WRAPPER=ALL-UNNAMED" \
	"$SRC"/tests/integration/java/*.java > "$T/javac.out" 2>&1 ||
	{ cat "$T/javac.out" >&2; oc_fail "javac"; }
# jrun CLASS ARGS...: one of the programs, output in $T/java.out.
jrun() {
	# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
	timeout 120 java $JAVA_OPTS --add-exports "$WRAPPER=ALL-UNNAMED" \
		-cp "$T/classes" "$@" > "$T/java.out" 2>&1
}

# The provider's configuration, as a user writes it.
cat > "$T/pkcs11-java.cfg" <<EOF
name = oneclaw
library = $MODULE
slotListIndex = 0
EOF

echo "== keytool -list"
keytool -J-XX:-UsePerfData -list -storetype PKCS11 \
	-providerClass sun.security.pkcs11.SunPKCS11 \
	-providerArg "$T/pkcs11-java.cfg" -keystore NONE -protected \
	< /dev/null > "$T/keytool.out" 2>&1 ||
	{ cat "$T/keytool.out" >&2; oc_fail "keytool -list"; }
cat "$T/keytool.out"
grep -q '^Your keystore contains 2 entries$' "$T/keytool.out" ||
	oc_fail "keytool: not 2 entries"
for k in rsa ec; do
	grep -q "^client/$k.crt, PrivateKeyEntry" "$T/keytool.out" ||
		oc_fail "keytool: no PrivateKeyEntry client/$k.crt"
	fp=$(openssl x509 -in "$T/$k.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
	grep -q "(SHA-256): $fp\$" "$T/keytool.out" ||
		oc_fail "keytool: client/$k.crt is not the certificate stored"
done
grep -qiE 'password|WARNING' "$T/keytool.out" &&
	oc_fail "keytool asked for a password or warned"

echo "== a secret (the JDK's internal PKCS#11 wrapper)"
jrun VaultData "$MODULE" app/api-token "$T/read" ||
	{ cat "$T/java.out" >&2; oc_fail "VaultData"; }
cmp -s "$T/read" "$T/secret" || oc_fail "VaultData read other bytes"
echo "app/api-token: read, the stored value"

echo "== signatures made in the token"
head -c 1000 /dev/urandom > "$T/msg"
# jsign NAME ALIAS ALGORITHM PUBKEY OPENSSL_SIGOPTS...: signs in Java,
# verifies with openssl against the key kept aside.
jsign() {
	_name=$1 _alias=$2 _alg=$3 _pub=$4
	shift 4
	jrun VaultSign "$T/pkcs11-java.cfg" "$_alias" "$_alg" "$T/msg" \
		"$T/$_name.sig" ${JPIN_FILE:+"$JPIN_FILE"} ||
		{ cat "$T/java.out" >&2; oc_fail "$_alg"; }
	cat "$T/java.out"
	grep -q 'by SunPKCS11-oneclaw, .*: good$' "$T/java.out" ||
		oc_fail "$_alg: not signed by the token"
	openssl dgst -sha256 -verify "$_pub" -signature "$T/$_name.sig" "$@" \
		"$T/msg" > "$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; oc_fail "$_alg: openssl verify"; }
}
jsign rsa client/rsa.crt SHA256withRSA "$T/rsa.pub"
jsign ec client/ec.crt SHA256withECDSA "$T/ec.pub"
# A control: a signature over other bytes does not verify.
printf x >> "$T/msg"
openssl dgst -sha256 -verify "$T/ec.pub" -signature "$T/ec.sig" "$T/msg" \
	> /dev/null 2>&1 && oc_fail "a signature over other bytes verified"

echo "== JSSE client authentication"
keytool -J-XX:-UsePerfData -importcert -noprompt -alias oneclaw-test-ca \
	-file "$T/ca.crt" -keystore "$T/trust.p12" -storetype PKCS12 \
	-storepass changeit > "$T/keytool.out" 2>&1 ||
	{ cat "$T/keytool.out" >&2; oc_fail "trust store"; }
# The provider added through a security properties file: no code change.
echo "security.provider.13=SunPKCS11 $T/pkcs11-java.cfg" > "$T/java.security"
# jtls NAME CLIENT_SIGALGS SUBJECT SIGTYPE S_SERVER_ARGS...
jtls() {
	_name=$1 _sigalgs=$2 _subj=$3 _sigtype=$4
	shift 4
	ctls_serve "$_sigalgs" "$@"
	_rc=0
	jrun ${JPIN_ARGS:+"@$JPIN_ARGS"} \
		-Djava.security.properties="$T/java.security" \
		-Djavax.net.ssl.keyStore=NONE -Djavax.net.ssl.keyStoreType=PKCS11 \
		-Djavax.net.ssl.trustStore="$T/trust.p12" \
		-Djavax.net.ssl.trustStorePassword=changeit \
		VaultTls 127.0.0.1 "$CTLS_PORT" "hello-from-$_name" || _rc=$?
	ctls_result "$_name" "$_subj" "$_sigtype" "hello-from-$_name" \
		"$T/java.out" "$_rc"
	cat "$T/java.out"
}
jtls tls13-ec ECDSA+SHA256 oneclaw-client-ec ECDSA -tls1_3
jtls tls12-rsa-pkcs1 RSA+SHA256 oneclaw-client-rsa RSA -tls1_2

echo "== RSA-PSS: a signature, and TLS 1.3 with the RSA key"
# SunPKCS11 offers RSASSA-PSS with a digest only when the token lists that
# digest (CKM_SHA256) itself; TLS 1.3 signs with RSA only as RSA-PSS.
printf 'pss message' > "$T/msg"
jsign pss client/rsa.crt SHA256withRSASSA-PSS "$T/rsa.pub" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
jtls tls13-rsa RSA-PSS+SHA256 oneclaw-client-rsa RSA-PSS -tls1_3

echo "== PIN mode: no credential, the API key is the PIN"
# The vault stays configured with its name, so the token is labelled
# before any login; the PIN reaches Java only through files (keytool's
# -storepass:file, the program's PIN file, a java @argfile), never a
# command line.
unset ONECLAW_API_KEY
( umask 077 && printf '%s\n' "$ADMIN_KEY" > "$T/pin" &&
	printf '%s\n' 1ck_wrongwrongwrongwrongwrongwrong > "$T/wrong-pin" &&
	printf -- '-Djavax.net.ssl.keyStorePassword=%s\n' "$ADMIN_KEY" \
		> "$T/pin.args" )
# pkeytool_list PINFILE [ARGS...]: keytool -list logging in with the PIN
# in PINFILE, with the provider's own trace of the token before login.
pkeytool_list() {
	_pin=$1
	shift
	keytool -J-XX:-UsePerfData -J-Djava.security.debug=sunpkcs11 -list \
		-storetype PKCS11 -providerClass sun.security.pkcs11.SunPKCS11 \
		-providerArg "$T/pkcs11-java.cfg" -keystore NONE \
		-storepass:file "$_pin" "$@" < /dev/null > "$T/keytool.out" 2>&1
}
# -v: keytool names the cause of a failure only then.
pkeytool_list "$T/wrong-pin" -v &&
	{ cat "$T/keytool.out" >&2; oc_fail "keytool: a wrong PIN was accepted"; }
grep -E '^(keytool error|Caused by)' "$T/keytool.out"
grep -q '^Caused by: .*CKR_PIN_INCORRECT' "$T/keytool.out" ||
	{ cat "$T/keytool.out" >&2; oc_fail "keytool: a wrong PIN is not CKR_PIN_INCORRECT"; }
# SunPKCS11 reads the token's information before any login.
grep -q '^ *label: clients *$' "$T/keytool.out" ||
	{ cat "$T/keytool.out" >&2; oc_fail "keytool: the token is not labelled before login"; }
grep -q '^ *flags: .*CKF_LOGIN_REQUIRED' "$T/keytool.out" ||
	{ cat "$T/keytool.out" >&2; oc_fail "keytool: the token does not require a login"; }
echo "before login: label clients, CKF_LOGIN_REQUIRED"
pkeytool_list "$T/pin" || { cat "$T/keytool.out" >&2; oc_fail "keytool -list with the PIN"; }
grep -E '^Your keystore|PrivateKeyEntry' "$T/keytool.out"
grep -q '^Your keystore contains 2 entries$' "$T/keytool.out" ||
	oc_fail "keytool, PIN mode: not 2 entries"
for k in rsa ec; do
	grep -q "^client/$k.crt, PrivateKeyEntry" "$T/keytool.out" ||
		oc_fail "keytool, PIN mode: no PrivateKeyEntry client/$k.crt"
done
JPIN_FILE=$T/pin
printf 'pin message' > "$T/msg"
jsign pin-pss client/rsa.crt SHA256withRSASSA-PSS "$T/rsa.pub" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
JPIN_ARGS=$T/pin.args
jtls pin-tls13-ec ECDSA+SHA256 oneclaw-client-ec ECDSA -tls1_3
grep -qF "$ADMIN_KEY" "$T"/*.out && oc_fail "the PIN is in a program's output"
echo "clients-java ok"
