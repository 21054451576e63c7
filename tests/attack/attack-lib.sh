# tests/attack/attack-lib.sh - helpers of the attack tests, sourced after
# tests/lib.sh (not a test itself; it sources module-lib.sh).
#
# An attack test sets up what it attacks (a vault, keys, secrets) on its
# own oneclaw-vaultd, configures the module through the environment, then
# runs its attack program with atk_run: once on the module directly, and
# once more through `p11-kit server` and p11-kit-client.so, the way a
# sandboxed agent reaches the module.  The RPC half is left out where it
# cannot run (no p11-kit, or a sanitized build: p11-kit deadlocks in its
# exit handler with the ASan runtime preloaded) or adds nothing (the
# valgrind stage, which is about the module's code), and said so.

. "$SRC/tests/integration/module-lib.sh"

ATK_BIN="$BUILD/tests/attack"

# atk_need: the module and the attack programs are built.
atk_need() {
	[ -f "$MODULE" ] || oc_fail "the module is not built: $MODULE"
	[ -d "$ATK_BIN" ] || oc_fail "the attack programs are not built"
}

# atk_env [VAULT [KEYFILE]]: credential mode through the environment
# (module-lib.sh's mod_env), plus KEYFILE as the CMEK key.
atk_env() {
	mod_env "${1:-}"
	if [ $# -ge 2 ] && [ -n "$2" ]; then
		ONECLAW_CMEK_KEY_FILE=$2
		export ONECLAW_CMEK_KEY_FILE
	fi
}

# atk_tool ARGS...: oneclaw-tool against this test's vaultd, admin key.
atk_tool() {
	ONECLAW_API_URL=$OC_URL ONECLAW_API_KEY=$ADMIN_KEY \
		$OC_WRAP "$TOOL" -q "$@"
}

# atk_cmek_vault NAME KEYFILE: a vault with CMEK on under a fresh key in
# KEYFILE; prints its id.
atk_cmek_vault() {
	oc_keygen "$2"
	_vid=$(oc_create_vault "$1")
	[ -n "$_vid" ] || oc_fail "could not create vault $1"
	atk_tool cmek enable "$_vid" --key "$2" >/dev/null ||
		oc_fail "cmek enable $1"
	echo "$_vid"
}

# atk_put_sealed VAULT PATH KEYFILE PREFIX: a fresh plaintext (PREFIX and
# 24 random characters, registered as a fixture secret) in $T/pt, stored
# at PATH sealed under KEYFILE.
atk_put_sealed() {
	printf '%s%s' "$4" "$(head -c 36 /dev/urandom | base64 |
		tr -dc 'A-Za-z0-9' | head -c 24)" > "$T/pt"
	oc_secret "$(cat "$T/pt")"
	atk_tool secret put "$1" "$2" --file "$T/pt" --key "$3" >/dev/null ||
		oc_fail "put the sealed secret $2"
}

# atk_rsa_key FILE: a fresh RSA-2048 private key (PKCS#8 PEM) whose
# base64 lines are registered as fixture secrets.
atk_rsa_key() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$1" 2>/dev/null || oc_fail "openssl genpkey"
	# shellcheck disable=SC2046 # one argument per line, none has blanks
	oc_secret $(sed '/^-----/d' "$1")
}

# atk_direct PROG ARGS...: the attack program on the module; fails the
# test when an attack broke through or the set-up failed.
atk_direct() {
	_prog=$1
	shift
	echo "--- $_prog, module loaded directly"
	$OC_WRAP "$ATK_BIN/$_prog" "$MODULE" "$@"
	_rc=$?
	[ $_rc -eq 0 ] || oc_fail "$_prog on the module (exit $_rc)"
}

# atk_rpc PROG ARGS...: the same through p11-kit server and
# p11-kit-client.so (skipped, with the reason, where that cannot run).
atk_rpc() {
	_prog=$1
	shift
	_client=$(oc_p11kit_client)
	if [ -z "$_client" ]; then
		echo "--- $_prog through p11-kit: no p11-kit-client.so, not run"
		return 0
	fi
	if [ -n "${OC_VALGRIND:-}" ]; then
		# Memcheck is for the module's code, run directly above.
		echo "--- $_prog through p11-kit: not under valgrind, not run"
		return 0
	fi
	if ! command -v p11-kit >/dev/null 2>&1 || [ "$OC_SANITIZED" = 1 ]; then
		echo "--- $_prog through p11-kit: p11-kit server cannot run" \
			"here (missing, or a sanitized build), not run"
		return 0
	fi
	oc_p11kit_serve
	echo "--- $_prog through p11-kit server + p11-kit-client.so"
	P11_KIT_SERVER_ADDRESS=$OC_P11KIT_ADDR ATK_RPC=1 \
		$OC_WRAP "$ATK_BIN/$_prog" "$_client" "$@"
	_rc=$?
	oc_p11kit_unserve
	[ $_rc -eq 0 ] || oc_fail "$_prog through p11-kit (exit $_rc)"
}

# atk_run PROG ARGS...: atk_direct, then atk_rpc.
atk_run() {
	atk_direct "$@"
	atk_rpc "$@"
}
