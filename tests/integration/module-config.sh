#!/bin/sh
# module-config.sh - configuration read once in C_Initialize: no network
# I/O there; a malformed config fails C_Initialize with one message naming
# file, line and key (never a value); a config writable by others is
# refused saying why; p11-kit's x-init-reserved (pReserved) is honoured;
# C_Initialize's arguments follow the spec (nested init refused, mutex
# callbacks, C_Finalize).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
mod_need
oc_start_vaultd --wire-log "$T/wire.log"
vid=$(oc_create_vault config)
mod_put_text "$vid" app/token "config-value-1"
oc_secret config-value-1
mod_env "$vid"

# C_Initialize and C_Finalize alone: nothing on the wire.
: > "$T/wire.log"
mod_client init > "$T/out" 2>&1 || oc_fail "C_Initialize: $(cat "$T/out")"
[ -s "$T/wire.log" ] && oc_fail "C_Initialize talked to the server"

# The spec's argument rules; the application's mutexes are used.
mod_client initargs app/token || oc_fail "C_Initialize arguments"

# A malformed config: one line on stderr naming file, line and key, and
# never the value (it may be a secret).
conf="$T/bad.conf"
( umask 077 && printf '# test\napi_url = %s\nno_such_key = 1ck_sekritvalue0123456789\n' \
	"$OC_URL" > "$conf" )
ONECLAW_PKCS11_CONF=$conf mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "C_Initialize accepted an unknown key"
cat "$T/err"
grep -qE 'CKR_ARGUMENTS_BAD|CKR_GENERAL_ERROR' "$T/out" || oc_fail "rv: $(cat "$T/out")"
[ "$(wc -l < "$T/err")" -eq 1 ] || oc_fail "more than one line on stderr"
grep -q "$conf" "$T/err" || oc_fail "the message does not name the file"
grep -q "3" "$T/err" || oc_fail "the message does not name the line"
grep -q "no_such_key" "$T/err" || oc_fail "the message does not name the key"
grep -q "sekritvalue" "$T/err" && oc_fail "the message shows the value"

# A bad value.
( umask 077 && printf 'cache_ttl = soon\n' > "$conf" )
ONECLAW_PKCS11_CONF=$conf mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "C_Initialize accepted cache_ttl = soon"
cat "$T/err"
grep -q "cache_ttl" "$T/err" || oc_fail "the message does not name the key"

# A config file others may write: refused, saying why.
( umask 077 && printf 'cache_ttl = 5\n' > "$conf" )
chmod 0666 "$conf"
ONECLAW_PKCS11_CONF=$conf mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "C_Initialize accepted a world-writable config"
cat "$T/err"
grep -qiE "writ|permission|mode" "$T/err" || oc_fail "the refusal does not say why"
chmod 0600 "$conf"
ONECLAW_PKCS11_CONF=$conf mod_client init > "$T/out" 2>&1 || oc_fail "a good config: $(cat "$T/out")"

# A missing CMEK key file is a config error naming the file.
ONECLAW_CMEK_KEY_FILE="$T/no-such.key" mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "C_Initialize accepted a missing key file"
cat "$T/err"
grep -q "no-such.key" "$T/err" || oc_fail "the message does not name the key file"
# A key in no accepted encoding.
( umask 077 && echo "not a key" > "$T/bad.key" )
ONECLAW_CMEK_KEY_FILE="$T/bad.key" mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "C_Initialize accepted a bad key"
grep -q "bad.key" "$T/err" || oc_fail "the message does not name the key file"

# x-init-reserved, as p11-kit passes it: later than the environment.
mod_client read app/token > "$T/v" || oc_fail "read before read_only"
P11_CLIENT_RESERVED="read_only=true" mod_client write app/new "$T/v" 2> "$T/err" &&
	oc_fail "a write succeeded in read-only mode"
grep -q "CKR_TOKEN_WRITE_PROTECTED" "$T/err" || oc_fail "read-only: $(cat "$T/err")"
P11_CLIENT_RESERVED="bogus=1" mod_client init > "$T/out" 2> "$T/err" &&
	oc_fail "a bad reserved string was accepted"
grep -q "bogus" "$T/err" || oc_fail "the message does not name the key"
exit 0
