#!/bin/sh
# clients-openvpn.sh - OpenVPN through pkcs11-helper, as the README's
# recipe: `openvpn --show-pkcs11-ids MODULE` lists the vault's two client
# certificates with their serialized ids, and with --pkcs11-providers /
# --pkcs11-id an OpenVPN client completes a TLS 1.3 handshake with the RSA
# key (RSA-PSS) and with the EC key against an OpenVPN server that demands
# and verifies its certificate.  Both sides run in point-to-point TLS mode
# with --dev null (no tun device needed), over loopback TCP.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
oc_setup
keys_need
# Debian installs openvpn in /usr/sbin, which a user's PATH may lack.
OPENVPN=$(command -v openvpn || echo /usr/sbin/openvpn)
clients_need "$OPENVPN" "OpenVPN (openvpn)"
if [ "$OC_SANITIZED" = 1 ]; then
	oc_san_wrap "$OPENVPN"
	OPENVPN="$T/san-bin/openvpn"
fi
clients_vault

echo "== --show-pkcs11-ids"
timeout 60 "$OPENVPN" --show-pkcs11-ids "$MODULE" >"$T/ids" 2>&1 ||
	{ cat "$T/ids" >&2; oc_fail "--show-pkcs11-ids"; }
cat "$T/ids"
[ "$(grep -c '^Certificate$' "$T/ids")" -eq 2 ] || oc_fail "not two certificates"
# ovpn_id CN: the serialized id listed for the certificate of subject CN;
# it ends in the certificate's CKA_ID, which pairs it with its key.
ovpn_id() {
	grep -A 2 "DN: *CN=$1\$" "$T/ids" | sed -n 's/^ *Serialized id: *//p'
}
for k in rsa ec; do
	id=$(ovpn_id "oneclaw-client-$k")
	case $id in
	*/clients/*) ;;
	*) oc_fail "no serialized id on token clients for $k: '$id'" ;;
	esac
	want=$(keys_spki_id "$T/$k.pub" | tr 'a-f' 'A-F')
	[ "${id##*/}" = "$want" ] || oc_fail "$k: the id does not end in CKA_ID $want"
done

# handshake KIND [SERVER_CA]: an OpenVPN server that trusts SERVER_CA
# (the test CA), then a client with the vault's KIND key; returns 0 when
# the server has verified the client's certificate, speaks TLS 1.3 and
# initiated the peer connection, 1 (the logs on stderr) when not.  The
# server is restarted on another port if it lost the free one to another
# program.
handshake() {
	_cn="oneclaw-client-$1"
	_ca=${2:-$T/ca.crt}
	_try=0
	while :; do
		_try=$((_try + 1))
		_port=$(keys_free_port)
		timeout 90 "$OPENVPN" --dev null --proto tcp-server \
			--local 127.0.0.1 --lport "$_port" --tls-server \
			--ca "$_ca" --cert "$T/server.crt" --key "$T/server.key" \
			--dh none --tls-version-min 1.3 --remote-cert-tls client \
			--verb 3 >"$T/server.log" 2>&1 &
		_spid=$!
		OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $_spid"
		keys_wait_for "$T/server.log" 'Listening for incoming TCP connection' \
			"$_spid" && break
		kill "$_spid" 2>/dev/null
		wait "$_spid" 2>/dev/null
		[ $_try -lt 3 ] || { cat "$T/server.log" >&2;
			oc_fail "$1: the OpenVPN server did not start"; }
	done
	timeout 90 "$OPENVPN" --dev null --proto tcp-client \
		--remote 127.0.0.1 "$_port" --nobind --tls-client \
		--ca "$T/ca.crt" --pkcs11-providers "$MODULE" \
		--pkcs11-id "$(ovpn_id "$_cn")" --tls-version-min 1.3 \
		--remote-cert-tls server --verb 3 >"$T/client.log" 2>&1 &
	_cpid=$!
	OC_EXTRA_PIDS="$OC_EXTRA_PIDS $_cpid"
	# Both sides report the end of the set-up; only timeout bounds it.
	_ok=0
	while kill -0 "$_spid" 2>/dev/null && kill -0 "$_cpid" 2>/dev/null; do
		if grep -q 'Initialization Sequence Completed' "$T/server.log" &&
			grep -q 'Initialization Sequence Completed' "$T/client.log"; then
			_ok=1
			break
		fi
		# A refused client would retry until timeout ends it.
		grep -q 'VERIFY ERROR' "$T/server.log" && break
		sleep 0.1
	done
	kill "$_spid" "$_cpid" 2>/dev/null
	wait "$_spid" "$_cpid" 2>/dev/null
	if [ $_ok = 0 ] ||
		! grep -q "VERIFY OK: depth=0, CN=$_cn\$" "$T/server.log" ||
		! grep -q 'Control Channel: TLSv1\.3' "$T/server.log" ||
		! grep -q 'Peer Connection Initiated with' "$T/server.log"; then
		echo "--- server" >&2
		cat "$T/server.log" >&2
		echo "--- client" >&2
		cat "$T/client.log" >&2
		return 1
	fi
	grep -h 'Control Channel: ' "$T/server.log"
	echo "$1: the server verified CN=$_cn over TLS 1.3"
}

echo "== TLS 1.3 handshakes with the vault's keys"
# TLS 1.3 admits RSA only as RSA-PSS: pkcs11-helper signs with
# CKM_RSA_PKCS_PSS.
handshake rsa || oc_fail "rsa: no verified TLS 1.3 handshake"
handshake ec || oc_fail "ec: no verified TLS 1.3 handshake"
# A control: the server refuses a client whose certificate it cannot
# verify (its CA file is another CA's).
mkdir -p "$T/other"
keys_ca "$T/other"
handshake ec "$T/other/ca.crt" >/dev/null 2>&1 &&
	oc_fail "a client of another CA got through"
grep -q 'VERIFY ERROR' "$T/server.log" ||
	{ cat "$T/server.log" >&2; oc_fail "the server did not refuse the client"; }
echo "clients-openvpn ok"
