#!/bin/sh
# contract-runtime-id.sh - runtime-bound JWTs of the hosted service need
# X-1Claw-Runtime-Id on every call; the official SDKs and MCP take it from
# ONECLAW_RUNTIME_ID.  With that variable set, or with `runtime_id = ...`
# in the configuration file, every request of the tool and of the module
# (the token exchange included) carries the header; with neither, none
# does.  A value with a control character, or longer than 256 bytes, is
# refused when the configuration is loaded (tool: non-zero exit naming
# it; module: C_Initialize CKR_ARGUMENTS_BAD) and nothing is sent.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --vault rt
RT=$(cf_vault_id rt)
VALUE="runtime-id-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$RT" app/rt "$VALUE"
cf_env_user "$RT"
EMPTY_CONF=$ONECLAW_PKCS11_CONF

# carried PHASE WANT [SHOWN]: every request of the phase carried WANT (""
# for no header at all), and there were some, a token exchange among them.
carried() {
	_shown=${3:-${2:-no header}}
	_all=$(cf_count "$1" 'True')
	_ex=$(cf_count "$1" '"exchange" in r')
	if [ -z "$2" ]; then
		_bad=$(cf_count "$1" 'r["runtime_id"] is not None')
	else
		_bad=$(cf_count "$1" "r['runtime_id'] != '$2'")
	fi
	[ "$_all" -ge 2 ] && [ "$_ex" -ge 1 ] ||
		oc_fail "$1: only $_all request(s), $_ex exchange(s)"
	if [ "$_bad" = 0 ]; then
		cf_ok "$1: all $_all requests (exchange included) carry $_shown"
	else
		cf_bad "$1: $_bad of $_all requests do not carry $_shown"
	fi
}

# both NAME WANT [SHOWN]: the tool and the module read app/rt; their
# requests.
both() {
	cf_mark "$1-tool"
	if cf_tool secret get "$RT" app/rt > "$T/out" 2> "$T/err" &&
		[ "$(cat "$T/out")" = "$VALUE" ]; then
		carried "$1-tool" "$2" "${3:-}"
	else
		cf_bad "$1: the tool could not read: $(cat "$T/err")"
	fi
	cf_mark "$1-module"
	if cf_client read app/rt > "$T/out" 2> "$T/err" &&
		[ "$(cat "$T/out")" = "$VALUE" ]; then
		carried "$1-module" "$2" "${3:-}"
	else
		cf_bad "$1: the module could not read: $(cat "$T/err")"
	fi
}

# refused NAME: the tool and C_Initialize refuse the configuration, and
# nothing reaches the server.
refused() {
	cf_mark "$1"
	rc=0
	cf_tool secret get "$RT" app/rt > /dev/null 2> "$T/err" || rc=$?
	# "unknown key" is no answer: the key must be known, the value bad.
	if [ "$rc" != 0 ] && grep -qi 'runtime' "$T/err" &&
		! grep -qi 'unknown key' "$T/err"; then
		cf_ok "$1: the tool refuses: $(cat "$T/err")"
	else
		cf_bad "$1: the tool exited $rc without refusing the runtime id: $(cat "$T/err")"
	fi
	rv=$(cf_client init 2> "$T/init.err")
	if [ "$rv" = CKR_ARGUMENTS_BAD ] && ! grep -qi 'unknown key' "$T/init.err"; then
		cf_ok "$1: C_Initialize $rv"
	else
		cf_bad "$1: C_Initialize gave $rv, want CKR_ARGUMENTS_BAD for the value: $(cat "$T/init.err")"
	fi
	n=$(cf_count "$1" 'True')
	[ "$n" = 0 ] || cf_bad "$1: $n request(s) were sent"
}

echo "== ONECLAW_RUNTIME_ID"
ONECLAW_RUNTIME_ID=rt-test-1
export ONECLAW_RUNTIME_ID
both env rt-test-1
LONGEST=$(printf '%0256d' 0 | tr 0 r)
ONECLAW_RUNTIME_ID=$LONGEST
both env-256 "$LONGEST" "a 256-byte id"

echo "== runtime_id in the configuration file"
unset ONECLAW_RUNTIME_ID
( umask 077 && printf 'runtime_id = rt-conf-2\n' > "$T/rt.conf" )
ONECLAW_PKCS11_CONF=$T/rt.conf
both conf rt-conf-2

echo "== neither"
ONECLAW_PKCS11_CONF=$EMPTY_CONF
both none ""

echo "== refused values"
ONECLAW_RUNTIME_ID=$(printf 'rt-\ttab')
export ONECLAW_RUNTIME_ID
refused env-control
ONECLAW_RUNTIME_ID="r$LONGEST"
refused env-257
unset ONECLAW_RUNTIME_ID
( umask 077 && printf 'runtime_id = r%s\n' "$LONGEST" > "$T/long.conf" )
ONECLAW_PKCS11_CONF=$T/long.conf
refused conf-257
cf_end
