# tests/tpm-lib.sh - a software TPM 2.0 behind tpm2-pkcs11 as a "hardware
# token" for tests (sourced, POSIX sh; after tests/lib.sh or on its own).
#
# swtpm serves the TPM on a free loopback port pair (P, and P+1 for its
# control channel, which the swtpm TCTI needs); its state and the
# tpm2-pkcs11 store live in one directory, made fresh per test.  Without
# a resource manager the TPM has 3 object and 3 session slots, and every
# process that exits without C_Finalize leaves its objects loaded: each
# helper here flushes them after its step.
#
#   tpm_skip_unless_available   exit 77 without swtpm, tpm2-tools,
#                               pkcs11-tool or the module; fail instead
#                               when they must be there (CI=true, or
#                               OC_REQUIRE_TPM=1 as scripts/check sets)
#   tpm_start DIR               start the TPM; exports TPM2_PKCS11_TCTI,
#                               TPM2TOOLS_TCTI, TPM2_PKCS11_STORE,
#                               OC_TPM_MODULE; sets TPM_PID, TPM_PORT,
#                               TPM_DIR, TPM_SETUP_MS; stops it at exit
#   tpm_token LABEL SOPIN PIN   a token with a user PIN; sets TPM_TOKEN,
#                               TPM_PIN and TPM_PIN_FILE (DIR/pin, 0600)
#   tpm_rsa_key NAME            an RSA-2048 pair for OAEP decryption
#   tpm_ec_key NAME             an EC P-256 pair for ECDSA signatures
#                               (both: CKA_LABEL NAME, CKA_ID the bytes of
#                               NAME; the public key as PEM in
#                               DIR/NAME.pub.pem; found by
#                               pkcs11:token=LABEL;object=NAME;type=private
#                               and ...;type=public)
#   tpm_p11 ARGS...             pkcs11-tool on the token, logged in
#   tpm_flush                   unload every transient object and session
#   tpm_stop                    kill swtpm and wait for it (idempotent)
#
# Setup (start, token, two keys) takes 1-3 s.

TPM_PID=
TPM_DIR=
TPM_LOG=

tpm_fail() {
	echo "FAIL: $*" >&2
	[ -n "$TPM_LOG" ] && [ -s "$TPM_LOG" ] && tail -n 20 "$TPM_LOG" >&2
	exit 1
}

# tpm_now_ms: milliseconds since the epoch (GNU date).
tpm_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# tpm_module: the path of tpm2-pkcs11's module, or nothing.
tpm_module() {
	if [ -n "${OC_TPM_MODULE:-}" ]; then
		[ -f "$OC_TPM_MODULE" ] && echo "$OC_TPM_MODULE"
		return 0
	fi
	for _so in /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so \
		/usr/lib/aarch64-linux-gnu/pkcs11/libtpm2_pkcs11.so \
		/usr/lib64/pkcs11/libtpm2_pkcs11.so \
		/usr/lib/pkcs11/libtpm2_pkcs11.so \
		/usr/local/lib/pkcs11/libtpm2_pkcs11.so; do
		[ -f "$_so" ] && { echo "$_so"; return 0; }
	done
	command -v dpkg >/dev/null 2>&1 &&
		dpkg -L libtpm2-pkcs11-1 2>/dev/null |
		grep -m1 '/libtpm2_pkcs11\.so$'
	return 0
}

tpm_skip_unless_available() {
	_missing=
	for _t in swtpm tpm2_flushcontext tpm2_dictionarylockout pkcs11-tool ss; do
		command -v "$_t" >/dev/null 2>&1 || _missing="$_missing $_t"
	done
	[ -n "$(tpm_module)" ] || _missing="$_missing libtpm2_pkcs11.so"
	# The swtpm TCTI is dlopened by name.
	_tcti=
	for _so in /usr/lib/*/libtss2-tcti-swtpm.so.0 \
		/usr/lib*/libtss2-tcti-swtpm.so.0 \
		/usr/local/lib/libtss2-tcti-swtpm.so.0; do
		[ -f "$_so" ] && _tcti=$_so
	done
	[ -n "$_tcti" ] || _missing="$_missing libtss2-tcti-swtpm"
	[ -z "$_missing" ] && return 0
	if [ "${CI:-}" = true ] || [ "${OC_REQUIRE_TPM:-}" = 1 ]; then
		tpm_fail "software TPM:$_missing missing (scripts/deps installs them)"
	fi
	echo "SKIP: software TPM:$_missing not installed (scripts/deps)" >&2
	exit 77
}

# tpm_port_free PORT: nothing listens on loopback PORT.
tpm_port_free() {
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# tpm_listening PORT PID: PID listens on PORT.
tpm_listening() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "pid=$2,"
}

# tpm_try_port: a port P such that P and P+1 looked free, in 20000-59999.
tpm_try_port() {
	while :; do
		_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_p=$((20000 + _r % 40000))
		tpm_port_free "$_p" && tpm_port_free $((_p + 1)) &&
			{ echo "$_p"; return 0; }
	done
}

tpm_hook_exit() {
	if command -v oc_cleanup >/dev/null 2>&1; then
		# tests/lib.sh owns the EXIT trap and runs its hooks first.
		case " ${OC_CLEANUP_HOOKS:-} " in
		*" tpm_stop "*) ;;
		*) OC_CLEANUP_HOOKS="${OC_CLEANUP_HOOKS:-} tpm_stop" ;;
		esac
	else
		trap 'tpm_stop' EXIT
		trap 'exit 1' INT TERM HUP
	fi
}

tpm_start() {
	[ $# -eq 1 ] || tpm_fail "usage: tpm_start DIR"
	_t0=$(tpm_now_ms)
	TPM_DIR=$1
	OC_TPM_MODULE=$(tpm_module)
	[ -n "$OC_TPM_MODULE" ] || tpm_fail "tpm2-pkcs11 module not found"
	rm -rf "$TPM_DIR/state" "$TPM_DIR/store"
	mkdir -p "$TPM_DIR/state" "$TPM_DIR/store" || tpm_fail "mkdir $TPM_DIR"
	TPM_LOG="$TPM_DIR/swtpm.log"
	tpm_hook_exit
	_try=0
	while :; do
		_try=$((_try + 1))
		[ $_try -gt 10 ] && tpm_fail "swtpm did not start on a free port pair"
		TPM_PORT=$(tpm_try_port)
		: >"$TPM_LOG"
		swtpm socket --tpm2 --flags not-need-init,startup-clear \
			--tpmstate dir="$TPM_DIR/state" \
			--server type=tcp,port="$TPM_PORT",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((TPM_PORT + 1)),bindaddr=127.0.0.1 \
			--log file="$TPM_LOG",level=1 </dev/null >>"$TPM_LOG" 2>&1 &
		TPM_PID=$!
		# Up when it listens on both ports; a lost race for a port
		# ends it instead, and the next pair is tried.
		_i=0
		while kill -0 "$TPM_PID" 2>/dev/null; do
			if tpm_listening "$TPM_PORT" "$TPM_PID" &&
				tpm_listening $((TPM_PORT + 1)) "$TPM_PID"; then
				break 2
			fi
			_i=$((_i + 1))
			[ $_i -gt 100 ] && break
			sleep 0.05
		done
		tpm_stop
	done
	TPM2_PKCS11_TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT"
	TPM2TOOLS_TCTI=$TPM2_PKCS11_TCTI
	TPM2_PKCS11_STORE="$TPM_DIR/store"
	export TPM2_PKCS11_TCTI TPM2TOOLS_TCTI TPM2_PKCS11_STORE OC_TPM_MODULE
	# Wrong-PIN tests must not lock the TPM out (the default is 3
	# failures, then 1000 s).
	tpm2_dictionarylockout --setup-parameters --max-tries=1000 \
		--recovery-time=1 --lockout-recovery-time=1 --clear-lockout \
		>>"$TPM_LOG" 2>&1 || tpm_fail "tpm2_dictionarylockout"
	TPM_SETUP_MS=$(($(tpm_now_ms) - _t0))
}

tpm_stop() {
	[ -n "${TPM_PID:-}" ] || return 0
	kill "$TPM_PID" 2>/dev/null
	# SIGTERM ends swtpm at once; SIGKILL after 5 s all the same.
	_i=0
	while kill -0 "$TPM_PID" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then
			kill -9 "$TPM_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$TPM_PID" 2>/dev/null
	TPM_PID=
	return 0
}

tpm_flush() {
	for _f in -t -l -s; do
		tpm2_flushcontext "$_f" >>"$TPM_LOG" 2>&1 || true
	done
}

# tpm_run WHAT CMD...: runs CMD (output into DIR/p11.out), flushes the
# TPM, fails naming WHAT.
tpm_run() {
	_what=$1
	shift
	if ! "$@" >"$TPM_DIR/p11.out" 2>&1; then
		cat "$TPM_DIR/p11.out" >&2
		tpm_flush
		tpm_fail "$_what"
	fi
	tpm_flush
}

tpm_token() {
	[ $# -eq 3 ] || tpm_fail "usage: tpm_token LABEL SOPIN PIN"
	_t0=$(tpm_now_ms)
	tpm_run "init token $1" pkcs11-tool --module "$OC_TPM_MODULE" \
		--slot-index 0 --init-token --label "$1" --so-pin "$2"
	tpm_run "init PIN of $1" pkcs11-tool --module "$OC_TPM_MODULE" \
		--token-label "$1" --login --login-type so --so-pin "$2" \
		--init-pin --pin "$3"
	TPM_TOKEN=$1
	TPM_PIN=$3
	TPM_PIN_FILE="$TPM_DIR/pin"
	(umask 077 && printf '%s\n' "$3" >"$TPM_PIN_FILE")
	command -v oc_secret >/dev/null 2>&1 && oc_secret "$2" "$3"
	TPM_SETUP_MS=$((${TPM_SETUP_MS:-0} + $(tpm_now_ms) - _t0))
}

tpm_p11() {
	pkcs11-tool --module "$OC_TPM_MODULE" --token-label "$TPM_TOKEN" \
		--login --pin "$TPM_PIN" "$@"
}

# tpm_keypair NAME KEY-TYPE USAGE: a pair named NAME; its public key as
# DIR/NAME.pub.pem.
tpm_keypair() {
	_t0=$(tpm_now_ms)
	[ -n "${TPM_TOKEN:-}" ] || tpm_fail "tpm_token first"
	_id=$(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n')
	tpm_run "generate $2 key $1" tpm_p11 --keypairgen --key-type "$2" \
		--label "$1" --id "$_id" "$3"
	tpm_run "read public key $1" pkcs11-tool --module "$OC_TPM_MODULE" \
		--token-label "$TPM_TOKEN" --read-object --type pubkey \
		--label "$1" --output-file "$TPM_DIR/$1.pub.der"
	openssl pkey -pubin -inform DER -in "$TPM_DIR/$1.pub.der" \
		-out "$TPM_DIR/$1.pub.pem" 2>"$TPM_DIR/p11.out" ||
		{ cat "$TPM_DIR/p11.out" >&2; tpm_fail "public key $1 as PEM"; }
	TPM_SETUP_MS=$((${TPM_SETUP_MS:-0} + $(tpm_now_ms) - _t0))
}

tpm_rsa_key() {
	[ $# -eq 1 ] || tpm_fail "usage: tpm_rsa_key NAME"
	tpm_keypair "$1" rsa:2048 --usage-decrypt
}

tpm_ec_key() {
	[ $# -eq 1 ] || tpm_fail "usage: tpm_ec_key NAME"
	tpm_keypair "$1" EC:prime256v1 --usage-sign
}
