# tests/integration/clients-tls-lib.sh - the server side of the clients-*.sh
# tests whose client does TLS: an `openssl s_server` on loopback that
# demands a client certificate from the test CA of clients_vault
# (clients-lib.sh) and reports what it saw.  Sourced after
# tests/integration/clients-lib.sh (not a test itself).

# ctls_serve CLIENT_SIGALGS [s_server args...]: an s_server for one
# connection on a free loopback port, with the server certificate of
# clients_vault, that requires a client certificate the test CA signed and
# accepts only CLIENT_SIGALGS (e.g. RSA-PSS+SHA256) for its signature, so
# the client must use the key of that type.  Sets CTLS_PORT and CTLS_PID;
# s_server stops when the connection ends or ctls_result closes its stdin.
ctls_serve() {
	_sigalgs=$1
	shift
	rm -f "$T/ctls.fifo" "$T/srv.out"
	mkfifo "$T/ctls.fifo"
	timeout 120 openssl s_server -accept 127.0.0.1:0 -naccept 1 \
		-cert "$T/server.crt" -key "$T/server.key" \
		-Verify 1 -verify_return_error -CAfile "$T/ca.crt" \
		-client_sigalgs "$_sigalgs" "$@" \
		< "$T/ctls.fifo" > "$T/srv.out" 2>&1 &
	CTLS_PID=$!
	exec 3>"$T/ctls.fifo"
	keys_wait_for "$T/srv.out" '^ACCEPT' "$CTLS_PID" ||
		{ exec 3>&-; cat "$T/srv.out" >&2; oc_fail "s_server did not start"; }
	CTLS_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/srv.out")
}

# ctls_wait_line LINE [CLIENT_PID]: waits (60 s at most) until the server
# has received LINE from the client; 1 if it did not, or if the server or
# the client running in the background (CLIENT_PID) ended without it.
ctls_wait_line() {
	_i=0
	until grep -qx -- "$1" "$T/srv.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 1200 ] && return 1
		if ! kill -0 "$CTLS_PID" 2>/dev/null ||
			{ [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; }; then
			grep -qx -- "$1" "$T/srv.out" 2>/dev/null
			return
		fi
		sleep 0.05
	done
}

# ctls_result NAME SUBJECT_CN SIGTYPE LINE CLIENT_OUT CLIENT_EXIT [CLIENT_PID]:
# waits for LINE to come through (ctls_wait_line), ends the server and
# checks what it saw: the handshake passed its check of the client
# certificate, whose subject is SUBJECT_CN, signed with SIGTYPE (as
# s_server names it: RSA-PSS, RSA, ECDSA).  The server is stopped rather
# than left to end: a client that waits for the server to close (tstclnt)
# would otherwise keep it.  On a failure (a CLIENT_EXIT other than 0 is
# one) prints both sides (CLIENT_OUT: the client's output file) and fails
# naming NAME.
ctls_result() {
	_ok=1
	if [ "$6" -ne 0 ] || ! ctls_wait_line "$4" "${7:-}"; then
		_ok=0
	fi
	exec 3>&-
	kill "$CTLS_PID" 2>/dev/null
	wait "$CTLS_PID" 2>/dev/null
	if [ $_ok -eq 0 ] ||
		! grep -q "^subject=CN *= *$2\$" "$T/srv.out" ||
		! grep -q "^Peer signature type: $3\$" "$T/srv.out"; then
		echo "--- client (exit $6)" >&2
		cat "$5" >&2
		echo "--- s_server" >&2
		cat "$T/srv.out" >&2
		oc_fail "TLS $1"
	fi
	echo "$1: server saw CN=$2, client signature $3," \
		"$(sed -n 's/^CIPHER is //p' "$T/srv.out")"
}
