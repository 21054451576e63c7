#!/bin/sh
# tests/tpm-lib.sh itself: a TPM token with an RSA and an EC key pair,
# each half found by its pkcs11: URI (type=private, type=public); no
# object or session left loaded after setup (the TPM has 3 slots of
# each); swtpm gone after tpm_stop, after a test's exit and after a
# SIGTERM, its ports free again; two TPMs side by side.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tpm-lib.sh"
oc_setup
tpm_skip_unless_available
oc_need p11tool tpm2_getcap

tpm_start "$T/tpm"
tpm_token hw 87654321 123456
tpm_rsa_key rsa
tpm_ec_key ec
echo "tpm: setup in tpm-harness (swtpm, token, RSA and EC keys): $TPM_SETUP_MS ms"

echo "== every half by its URI"
for obj in rsa ec; do
	for type in private public; do
		uri="pkcs11:token=hw;object=$obj;type=$type"
		p11tool --provider "$OC_TPM_MODULE" --login --set-pin 123456 \
			--list-all "$uri" >"$T/list" 2>&1 ||
			{ cat "$T/list" >&2; oc_fail "p11tool --list-all $uri"; }
		n=$(grep -c '^Object ' "$T/list")
		[ "$n" = 1 ] || { cat "$T/list" >&2; oc_fail "$uri: $n objects"; }
		id=$(printf '%s' "$obj" | od -An -v -tx1 | tr -d ' \n' |
			sed 's/../&:/g; s/:$//')
		grep -qi "ID: $id\$" "$T/list" ||
			{ cat "$T/list" >&2; oc_fail "$uri: CKA_ID is not $id"; }
	done
	tpm_flush
done
openssl pkey -pubin -in "$TPM_DIR/rsa.pub.pem" -noout -text |
	grep -q 'Public-Key: (2048 bit)' || oc_fail "rsa.pub.pem is no RSA-2048 key"
openssl pkey -pubin -in "$TPM_DIR/ec.pub.pem" -noout -text |
	grep -q 'NIST CURVE: P-256' || oc_fail "ec.pub.pem is no P-256 key"

echo "== pkcs11-tool decrypts what OpenSSL encrypted (OAEP, SHA-256)"
printf 'sealed-to-the-tpm' >"$T/pt"
openssl pkeyutl -encrypt -pubin -inkey "$TPM_DIR/rsa.pub.pem" \
	-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
	-pkeyopt rsa_mgf1_md:sha256 -in "$T/pt" -out "$T/ct" ||
	oc_fail "openssl pkeyutl -encrypt"
tpm_p11 --decrypt --id "$(printf rsa | od -An -v -tx1 | tr -d ' \n')" \
	-m RSA-PKCS-OAEP --hash-algorithm SHA256 -i "$T/ct" -o "$T/back" \
	>"$T/dec.out" 2>&1 || { cat "$T/dec.out" >&2; oc_fail "pkcs11-tool --decrypt"; }
cmp -s "$T/pt" "$T/back" || oc_fail "decrypted text differs"
tpm_flush

echo "== nothing left loaded"
for h in transient loaded-session; do
	tpm2_getcap "handles-$h" >"$T/handles" 2>&1 ||
		{ cat "$T/handles" >&2; oc_fail "tpm2_getcap handles-$h"; }
	[ -s "$T/handles" ] && { cat "$T/handles" >&2; oc_fail "$h handles left"; }
done

echo "== tpm_stop ends swtpm and frees its ports"
pid=$TPM_PID port=$TPM_PORT
tpm_stop
tpm_stop
kill -0 "$pid" 2>/dev/null && oc_fail "swtpm $pid still runs"
tpm_port_free "$port" && tpm_port_free $((port + 1)) ||
	oc_fail "port $port or $((port + 1)) still taken"

# tpm-lib.sh on its own (no tests/lib.sh): its EXIT trap stops swtpm.
# standalone DIR HOW: starts a TPM in DIR, writes its pid to DIR/pid,
# then exits 3 (HOW=exit), or waits to be killed (HOW=wait).
# (exec: a background call's pid is then the shell's own.)
standalone() {
	exec sh -c '
		. "$1/tests/tpm-lib.sh"
		tpm_start "$2"
		echo "$TPM_PID $TPM_PORT" >"$2/pid.tmp" && mv "$2/pid.tmp" "$2/pid"
		[ "$3" = exit ] && exit 3
		while :; do sleep 0.1; done' sh "$SRC" "$1" "$2"
}

echo "== stopped at exit"
mkdir -p "$T/a"
(standalone "$T/a" exit)
rc=$?
[ "$rc" = 3 ] || oc_fail "standalone exit: $rc"
read -r pid port <"$T/a/pid"
kill -0 "$pid" 2>/dev/null && oc_fail "swtpm $pid outlived its shell's exit"

echo "== stopped on SIGTERM, two TPMs side by side"
mkdir -p "$T/b" "$T/c"
standalone "$T/b" wait &
b=$!
standalone "$T/c" wait &
c=$!
OC_EXTRA_PIDS="$b $c"
oc_wait_file "$T/b/pid" "$b" "TPM b"
oc_wait_file "$T/c/pid" "$c" "TPM c"
read -r pb portb <"$T/b/pid"
read -r pc portc <"$T/c/pid"
[ "$portb" != "$portc" ] || oc_fail "two TPMs on port $portb"
kill -0 "$pb" && kill -0 "$pc" || oc_fail "swtpm b or c not running"
kill -TERM "$b" "$c"
wait "$b" "$c"
OC_EXTRA_PIDS=
for p in "$pb" "$pc"; do
	kill -0 "$p" 2>/dev/null && oc_fail "swtpm $p outlived SIGTERM of its shell"
done
exit 0
