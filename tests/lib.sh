# tests/lib.sh - shared set-up for the integration tests (sourced, POSIX sh).
#
# Every test gets its own temporary directory and its own oneclaw-vaultd on
# a free loopback port, so `make -j check` is safe.  Exit codes follow
# automake: 0 pass, 1 fail, 77 skip, 99 hard error.
#
# Provided after `oc_setup`:
#   $T            the test's scratch directory (removed on exit)
#   $BUILD, $SRC  top build and source directories
#   $VAULTD $TOOL $MODULE   the built programs and module
# After `oc_start_vaultd [extra vaultd args]`:
#   $OC_URL       http://127.0.0.1:PORT
#   $OC_PORT
#   $ADMIN_KEY    the admin user key (1ck_...)
#   $ADMIN_KEY_FILE
#   $VAULTD_PID, $VAULTD_DB, $VAULTD_LOG

set -u

BUILD=${top_builddir:-.}
SRC=${top_srcdir:-.}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$SRC" && pwd)
VAULTD="$BUILD/oneclaw-vaultd"
TOOL="$BUILD/oneclaw-tool"
MODULE="$BUILD/.libs/oneclaw-pkcs11.so"
# Tests may wrap the programs, e.g. OC_WRAP="valgrind --error-exitcode=3":
# oneclaw-tool, the programs that load the module (p11-client, the
# conformance programs) and, unless OC_WRAP_VAULTD says otherwise,
# oneclaw-vaultd.
#
# OC_VALGRIND=1 (scripts/check's valgrind stage) sets OC_WRAP to valgrind
# memcheck: definite leaks and invalid accesses make the wrapped program
# exit OC_VG_EXIT (86), its report goes to $OC_LOG_DIR/valgrind/; vaultd
# runs unwrapped (the server is not what that stage is about).
OC_VG_EXIT=86
if [ -n "${OC_VALGRIND:-}" ] && [ -z "${OC_WRAP:-}" ]; then
	OC_WRAP="valgrind -q --tool=memcheck --error-exitcode=$OC_VG_EXIT"
	OC_WRAP="$OC_WRAP --leak-check=full --show-leak-kinds=definite"
	OC_WRAP="$OC_WRAP --errors-for-leak-kinds=definite --num-callers=40"
	OC_WRAP="$OC_WRAP --suppressions=$SRC/tests/valgrind/oneclaw.supp"
	OC_WRAP="$OC_WRAP --suppressions=$SRC/tests/valgrind/system.supp"
	OC_WRAP_VAULTD=${OC_WRAP_VAULTD-}
fi
OC_WRAP=${OC_WRAP:-}
OC_WRAP_VAULTD=${OC_WRAP_VAULTD-$OC_WRAP}

# A sanitized build (configure --enable-asan, gcc: libasan is a shared
# library the module needs).  Our own programs link the ASan runtime and
# keep leak detection on; a foreign program that dlopens the module
# (pkcs11-tool, p11tool, p11-kit, openssl, ssh-keygen, ssh-agent, node
# running a tests/node client) must have the runtime loaded first, so
# oc_setup puts wrappers for them first in PATH that preload it and turn
# leak detection off: their own leaks at exit are not ours, and ours are
# found by our programs' runs.  Tests that cannot work sanitized skip on
# OC_SANITIZED=1.
OC_SANITIZED=${OC_SANITIZED:-}
OC_ASAN_RT=
if [ -f "$BUILD/Makefile" ] &&
	grep -q '^OC_SAN_FLAGS = .*-fsanitize=address' "$BUILD/Makefile"; then
	OC_SANITIZED=1
fi
export OC_SANITIZED

oc_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

oc_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

oc_need() {
	for t in "$@"; do
		# valgrind (helgrind) cannot run programs built with ASan: it
		# refuses ASan's shadow-memory mapping.
		[ "$t" = valgrind ] && [ "$OC_SANITIZED" = 1 ] &&
			oc_skip "valgrind cannot run ASan-instrumented programs"
		command -v "$t" >/dev/null 2>&1 || oc_skip "$t not installed"
	done
}

# OC_CLEANUP_HOOKS: names of functions oc_cleanup runs first (e.g.
# tests/tpm-lib.sh's tpm_stop), so a helper's processes end on every exit
# path without owning the EXIT trap.
oc_cleanup() {
	rc=$?
	for _h in ${OC_CLEANUP_HOOKS:-}; do
		"$_h" || true
	done
	if [ -n "${VAULTD_PID:-}" ]; then
		kill "$VAULTD_PID" 2>/dev/null || true
		wait "$VAULTD_PID" 2>/dev/null || true
	fi
	for pid in ${OC_EXTRA_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${VAULTD_LOG:-}" ] && [ -f "$VAULTD_LOG" ]; then
		echo "--- vaultd log (last 40 lines) ---" >&2
		tail -n 40 "$VAULTD_LOG" >&2
	fi
	[ -n "${T:-}" ] && [ -z "${OC_KEEP:-}" ] && rm -rf "$T"
	exit "$rc"
}

oc_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/oc-test.XXXXXX")
	chmod 700 "$T"
	trap oc_cleanup EXIT
	trap 'exit 1' INT TERM
	# Never read the user's or the system's configuration.
	HOME="$T/home"
	mkdir -p "$HOME"
	export HOME
	unset ONECLAW_API_URL ONECLAW_BASE_URL ONECLAW_AGENT_API_KEY ONECLAW_AGENT_ID \
	      ONECLAW_API_KEY ONECLAW_TOKEN ONECLAW_VAULT_ID ONECLAW_VAULT_NAME ONECLAW_CMEK_KEY \
	      ONECLAW_CMEK_KEY_FILE ONECLAW_CREDENTIAL_FILE ONECLAW_CA_FILE
	ONECLAW_PKCS11_CONF="$T/none.conf"
	: > "$ONECLAW_PKCS11_CONF"
	chmod 600 "$ONECLAW_PKCS11_CONF"
	export ONECLAW_PKCS11_CONF
	# Full debug logging everywhere; test_log_secrets greps these files.
	OC_LOG_DIR=${OC_LOG_DIR:-$BUILD/tests/logs}
	mkdir -p "$OC_LOG_DIR"
	ONECLAW_PKCS11_DEBUG=${ONECLAW_PKCS11_DEBUG:-all}
	ONECLAW_PKCS11_DEBUG_FILE="$OC_LOG_DIR/$(basename "$0").debug.log"
	export ONECLAW_PKCS11_DEBUG ONECLAW_PKCS11_DEBUG_FILE
	if [ -n "${OC_VALGRIND:-}" ]; then
		mkdir -p "$OC_LOG_DIR/valgrind"
		OC_WRAP="$OC_WRAP --log-file=$OC_LOG_DIR/valgrind/$(basename "$0").%p"
		[ -n "$OC_WRAP_VAULTD" ] && OC_WRAP_VAULTD=$OC_WRAP
	fi
	[ "$OC_SANITIZED" = 1 ] && oc_san_wrappers
	return 0
}

# oc_san_wrappers: $T/san-bin first in PATH, with a wrapper for every
# foreign program that may load the sanitized module (see OC_SANITIZED).
oc_san_wrappers() {
	OC_ASAN_RT=$(ldd "$MODULE" 2>/dev/null |
		sed -n 's/^[[:space:]]*libasan[^ ]* => \([^ ]*\).*/\1/p' | head -n1)
	if [ -z "$OC_ASAN_RT" ]; then
		# clang links the runtime into programs, not into the module.
		_cc=$(sed -n 's/^CC = //p' "$BUILD/Makefile")
		OC_ASAN_RT=$($_cc -print-file-name=libclang_rt.asan-x86_64.so)
	fi
	[ -f "$OC_ASAN_RT" ] || oc_fail "sanitized build, but no ASan runtime found"
	mkdir -p "$T/san-bin"
	PATH="$T/san-bin:$PATH"
	export PATH
	oc_san_wrap pkcs11-tool p11tool p11-kit openssl ssh-keygen ssh-agent \
		ssh-add ssh sshd softhsm2-util node
}

# oc_san_wrap PROGRAM...: in a sanitized build, a wrapper in $T/san-bin
# (first in PATH) named after each PROGRAM (found in PATH, or a path)
# that preloads the ASan runtime; nothing for a program not installed.
oc_san_wrap() {
	[ "$OC_SANITIZED" = 1 ] || return 0
	for _p in "$@"; do
		_real=$(command -v "$_p" 2>/dev/null) || continue
		_name=$(basename "$_p")
		_cond=
		# node loads the module only when it runs a tests/node client;
		# its many one-line JSON helpers stay fast and unwrapped.
		[ "$_name" = node ] && _cond='case "$*" in *tests/node/*) ;; *) exec '"$_real"' "$@" ;; esac'
		cat > "$T/san-bin/$_name" <<EOF
#!/bin/sh
$_cond
LD_PRELOAD="$OC_ASAN_RT\${LD_PRELOAD:+ \$LD_PRELOAD}"
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0"
export LD_PRELOAD ASAN_OPTIONS
exec "$_real" "\$@"
EOF
		chmod 755 "$T/san-bin/$_name"
	done
}

# oc_start_vaultd [vaultd serve args...]: init a database and serve it.
oc_start_vaultd() {
	VAULTD_DB="$T/vault.db"
	ADMIN_KEY_FILE="$T/admin.key"
	VAULTD_LOG="$OC_LOG_DIR/$(basename "$0").vaultd.log"
	if [ ! -f "$VAULTD_DB" ]; then
		$VAULTD --db "$VAULTD_DB" --init --admin-key-file "$ADMIN_KEY_FILE" \
			>>"$VAULTD_LOG" 2>&1 || oc_fail "vaultd --init"
	fi
	oc_serve_vaultd "$@"
	ADMIN_KEY=$(cat "$ADMIN_KEY_FILE")
	oc_secret "$ADMIN_KEY"
}

# oc_wait_file FILE PID WHAT: waits (at most 15 s) for a program that was
# started in the background to write FILE (its port); fails naming WHAT if
# it exits first or never does.
oc_wait_file() {
	_w=0
	while [ ! -s "$1" ]; do
		_w=$((_w + 1))
		[ $_w -gt 300 ] && oc_fail "$3 did not start"
		kill -0 "$2" 2>/dev/null || oc_fail "$3 exited at start"
		sleep 0.05
	done
}

# oc_serve_vaultd [args]: (re)start serving the existing database.
oc_serve_vaultd() {
	rm -f "$T/port"
	$OC_WRAP_VAULTD $VAULTD --db "$VAULTD_DB" --listen 127.0.0.1:0 --port-file "$T/port" \
		"$@" >>"$VAULTD_LOG" 2>&1 &
	VAULTD_PID=$!
	oc_wait_file "$T/port" "$VAULTD_PID" vaultd
	OC_PORT=$(cat "$T/port")
	OC_URL="http://127.0.0.1:$OC_PORT"
}

oc_stop_vaultd() {
	kill "$VAULTD_PID" 2>/dev/null || true
	wait "$VAULTD_PID" 2>/dev/null || true
	VAULTD_PID=
}

# oc_api METHOD PATH [JSON body] -> prints body, sets $OC_STATUS.
# Uses the admin key as bearer unless OC_BEARER is set.
oc_api() {
	_m=$1 _p=$2
	shift 2
	_bearer=${OC_BEARER:-$ADMIN_KEY}
	if [ $# -gt 0 ]; then
		OC_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X "$_m" \
			-H "Authorization: Bearer $_bearer" -H 'Content-Type: application/json' \
			--data-binary "$1" "$OC_URL$_p") || OC_STATUS=000
	else
		OC_STATUS=$(curl -sS -o "$T/.body" -w '%{http_code}' -X "$_m" \
			-H "Authorization: Bearer $_bearer" "$OC_URL$_p") || OC_STATUS=000
	fi
	cat "$T/.body"
}

# oc_expect_status CODE: after oc_api.
oc_expect_status() {
	[ "$OC_STATUS" = "$1" ] || oc_fail "expected HTTP $1, got $OC_STATUS: $(cat "$T/.body")"
}

# oc_json_field FIELD < json: extracts a top-level string/number field.
oc_json_field() {
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];process.stdout.write(v===undefined?"":String(v));})' "$1"
}

# oc_create_vault NAME -> prints the vault id.
oc_create_vault() {
	oc_api POST /v1/vaults "{\"name\":\"$1\"}" > "$T/.vault"
	oc_expect_status 201
	oc_json_field id < "$T/.vault"
}

# oc_secret VALUE...: registers fixture secrets (one line each) that must
# never appear in any log; suite-log-secrets.sh greps every log for them.
oc_secret() {
	for _s in "$@"; do
		[ -n "$_s" ] && printf '%s\n' "$_s" >> "$OC_LOG_DIR/$(basename "$0").secrets"
	done
	return 0
}

# oc_secret_key FILE: registers a CMEK key file (standard base64 text) in
# every form it could leak in: base64, URL-safe base64 and hex.
oc_secret_key() {
	_b64=$(tr -d ' \n\r' < "$1")
	_url=$(printf '%s' "$_b64" | tr '+/' '-_' | tr -d '=')
	_hex=$(printf '%s' "$_b64" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	oc_secret "$_b64" "$_url" "$_hex"
}

# oc_keygen FILE: a fresh random CMEK key as standard base64 (mode 0600),
# registered as a fixture secret.
oc_keygen() {
	( umask 077 && head -c 32 /dev/urandom | base64 > "$1" )
	oc_secret_key "$1"
}

# oc_p11kit_client: the path of p11-kit-client.so, or nothing.
oc_p11kit_client() {
	_moddir=$(pkg-config --variable=p11_module_path p11-kit-1 2>/dev/null)
	for _so in /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so \
		/usr/lib/pkcs11/p11-kit-client.so \
		/usr/lib64/pkcs11/p11-kit-client.so \
		"${_moddir:-/nonexistent}/p11-kit-client.so"
	do
		[ -f "$_so" ] && { echo "$_so"; return 0; }
	done
	return 0
}

# oc_p11kit_serve: `p11-kit server` on the module (with this shell's
# environment) on the socket $T/p11.sock; sets OC_P11KIT_ADDR and
# OC_P11KIT_PID (stopped at exit, or by oc_p11kit_unserve).  Its stdout
# is $T/server.out, its stderr $T/server.err.
oc_p11kit_serve() {
	rm -f "$T/p11.sock"
	p11-kit server --provider "$MODULE" -f -s -n "$T/p11.sock" "pkcs11:" \
		>"$T/server.out" 2>"$T/server.err" &
	OC_P11KIT_PID=$!
	OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $OC_P11KIT_PID"
	_i=0
	while [ ! -S "$T/p11.sock" ]; do
		_i=$((_i + 1))
		kill -0 "$OC_P11KIT_PID" 2>/dev/null ||
			{ cat "$T/server.err" >&2; oc_fail "p11-kit server exited"; }
		[ $_i -gt 200 ] &&
			{ cat "$T/server.err" >&2; oc_fail "p11-kit server did not start"; }
		sleep 0.05
	done
	OC_P11KIT_ADDR="unix:path=$T/p11.sock"
}

oc_p11kit_unserve() {
	[ -n "${OC_P11KIT_PID:-}" ] || return 0
	kill "$OC_P11KIT_PID" 2>/dev/null
	wait "$OC_P11KIT_PID" 2>/dev/null
	OC_P11KIT_PID=
}

# oc_softhsm_lib: path of SoftHSM2's module, or skip.
oc_softhsm_lib() {
	for _so in /usr/lib/softhsm/libsofthsm2.so \
		/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
		/usr/lib64/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so
	do
		[ -f "$_so" ] && { echo "$_so"; return 0; }
	done
	oc_skip "SoftHSM2 module not found"
}

# oc_softhsm_init DIR LABEL PIN SOPIN: a private SoftHSM2 token store
# (SOFTHSM2_CONF is exported) with one initialised token.
oc_softhsm_init() {
	oc_need softhsm2-util
	mkdir -p "$1/tokens"
	cat > "$1/softhsm2.conf" <<EOF
directories.tokendir = $1/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
	SOFTHSM2_CONF="$1/softhsm2.conf"
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label "$2" --pin "$3" \
		--so-pin "$4" >"$1/init.log" 2>&1 ||
		{ cat "$1/init.log" >&2; oc_fail "softhsm2-util --init-token"; }
}
