#!/bin/sh
# file-trust.sh - files the module and oneclaw-tool trust must be the
# user's own (or root's), as OpenSSH asks of its files: a config file
# owned by another user could point api_url at another server, which then
# receives the credential; a credential or CMEK key file that others can
# read has leaked already.  Group-readable (0640, for a service's group)
# is accepted.  Checked on the module (C_Initialize through the test
# client) and on oneclaw-tool (--config, and KEY files).
#
# The ownership half needs root (chown nobody); without root it is not
# run and the test ends as skipped after the rest has passed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
atk_need
mod_need
oc_start_vaultd

ROOT=
[ "$(id -u)" = 0 ] && id -u nobody >/dev/null 2>&1 && ROOT=1

# The other server: a vaultd of its own, whose log shows who called it.
"$VAULTD" --db "$T/other.db" --init --admin-key-file "$T/other.key" \
	>"$T/other.log" 2>&1 || oc_fail "init the other vaultd"
"$VAULTD" --db "$T/other.db" --listen 127.0.0.1:0 --port-file "$T/other.port" \
	>>"$T/other.log" 2>&1 &
other=$!
OC_EXTRA_PIDS="${OC_EXTRA_PIDS:-} $other"
oc_wait_file "$T/other.port" "$other" "the other vaultd"
OTHER_URL="http://127.0.0.1:$(cat "$T/other.port")"

vid=$(oc_create_vault file-trust)
oc_keygen "$T/cmek.key"
unset ONECLAW_VAULT_ID

# mkfile NAME MODE [OWNER] < CONTENT: a file in $T.
mkfile() {
	( umask 077 && cat > "$T/$1" )
	chmod "$2" "$T/$1"
	[ $# -ge 3 ] && chown "$3" "$T/$1"
	echo "$T/$1"
}

# refused WHAT FILE HINT CMD...: CMD fails, and says so naming FILE and
# the fix HINT.
refused() {
	_what=$1 _file=$2 _hint=$3
	shift 3
	if "$@" >"$T/out" 2>"$T/err"; then
		cat "$T/out" "$T/err"
		echo "attack $_what: accepted (BROKEN)"
		BROKEN=$((BROKEN + 1))
		return 0
	fi
	if grep -qF "$_file" "$T/err" && grep -qF "$_hint" "$T/err"; then
		echo "attack $_what: refused (held)"
	else
		cat "$T/out" "$T/err"
		echo "attack $_what: refused without naming $_file and '$_hint' (BROKEN)"
		BROKEN=$((BROKEN + 1))
	fi
}

# accepted WHAT CMD...: CMD succeeds.
accepted() {
	_what=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		echo "attack $_what: accepted (held)"
	else
		cat "$T/out" "$T/err"
		echo "attack $_what: refused (BROKEN)"
		BROKEN=$((BROKEN + 1))
	fi
}

# other_called: did the other server see any request?
other_called() {
	grep -q ' /v1/' "$T/other.log"
}

BROKEN=0
client() { $OC_WRAP "$CLIENT" "$MODULE" "$@"; }
tool() { $OC_WRAP "$TOOL" -q "$@"; }
use_conf() { ONECLAW_PKCS11_CONF=$1; export ONECLAW_PKCS11_CONF; }
use_key() { ONECLAW_CMEK_KEY_FILE=$1; export ONECLAW_CMEK_KEY_FILE; }
use_url() { ONECLAW_API_URL=$1; export ONECLAW_API_URL; }
no_cred() { unset ONECLAW_API_KEY; }
env_cred() { ONECLAW_API_KEY=$ADMIN_KEY; export ONECLAW_API_KEY; }
reset_env() {
	use_conf "$T/none.conf"
	unset ONECLAW_CMEK_KEY_FILE ONECLAW_API_URL
	env_cred
}

reset_env

# --- who owns it (root only) ---------------------------------------------
if [ -n "$ROOT" ]; then
	conf=$(printf 'api_url = %s\n' "$OTHER_URL" | mkfile other.conf 0644 nobody)
	use_conf "$conf"
	refused "module: config file owned by nobody" "$conf" chown client init
	client slots >/dev/null 2>&1
	refused "tool: --config owned by nobody" "$conf" chown \
		tool --config "$conf" vault list
	if other_called; then
		echo "attack the credential went to the other server (BROKEN)"
		BROKEN=$((BROKEN + 1))
	fi
	reset_env

	cred=$(printf '%s\n' "$ADMIN_KEY" | mkfile cred-nobody 0600 nobody)
	conf=$(printf 'api_url = %s\ncredential_file = %s\n' "$OC_URL" "$cred" |
		mkfile cred.conf 0644)
	use_conf "$conf"
	no_cred
	refused "module: credential file owned by nobody" "$cred" chown \
		client init
	refused "tool: credential file owned by nobody" "$cred" chown \
		tool --config "$conf" vault list
	reset_env

	key=$(mkfile key-nobody 0600 nobody < "$T/cmek.key")
	use_url "$OC_URL"
	use_key "$key"
	refused "module: CMEK key file owned by nobody" "$key" chown \
		client init
	reset_env
	refused "tool: KEY file owned by nobody" "$key" chown \
		tool fingerprint "$key"
fi

# --- who can read it ------------------------------------------------------
for mode in 0644 0604; do
	cred=$(printf '%s\n' "$ADMIN_KEY" | mkfile "cred-$mode" $mode)
	conf=$(printf 'api_url = %s\ncredential_file = %s\n' "$OC_URL" "$cred" |
		mkfile "cred-$mode.conf" 0600)
	use_conf "$conf"
	no_cred
	refused "module: credential file $mode" "$cred" "chmod o-r" \
		client init
	refused "tool: credential file $mode" "$cred" "chmod o-r" \
		tool --config "$conf" vault list
	reset_env

	key=$(mkfile "key-$mode" $mode < "$T/cmek.key")
	use_url "$OC_URL"
	use_key "$key"
	refused "module: CMEK key file $mode" "$key" "chmod o-r" client init
	unset ONECLAW_CMEK_KEY_FILE
	refused "tool: cmek status --key FILE $mode" "$key" "chmod o-r" \
		tool cmek status "$vid" --key "$key"
	reset_env
	refused "tool: fingerprint FILE $mode" "$key" "chmod o-r" \
		tool fingerprint "$key"
done

# Group-readable is a normal deployment (a service's group): accepted.
cred=$(printf '%s\n' "$ADMIN_KEY" | mkfile cred-0640 0640)
conf=$(printf 'api_url = %s\ncredential_file = %s\n' "$OC_URL" "$cred" |
	mkfile cred-0640.conf 0640)
key=$(mkfile key-0640 0640 < "$T/cmek.key")
use_conf "$conf"
use_key "$key"
no_cred
accepted "module: credential and CMEK key files 0640" client slots
accepted "tool: --config, credential file 0640" tool --config "$conf" vault list
reset_env
accepted "tool: fingerprint FILE 0640" tool fingerprint "$key"

[ "$BROKEN" -eq 0 ] || oc_fail "$BROKEN attack(s) broke through"
[ -n "$ROOT" ] || oc_skip "not root: the ownership half (chown nobody) was not run"
exit 0
