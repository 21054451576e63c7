#!/bin/sh
# module-debug.sh - the debug switch and what the log says.
# ONECLAW_PKCS11_DEBUG never stops the module from loading: 1, yes, true,
# all, none and category lists all give C_Initialize CKR_OK; an unknown
# category is exactly one warning on stderr; help prints its list once,
# the same categories as oneclaw-pkcs11(5).  A failed login says what
# happened: a refused key ("the vault refused the API key") or a vault
# that cannot be reached ("could not reach the vault at URL: curl's
# words"), on a port where vaultd was stopped.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need node curl
mod_need
oc_start_vaultd
vid=$(oc_create_vault debugged)
mod_put_text "$vid" app/x "x"
mod_env "$vid"
log=$ONECLAW_PKCS11_DEBUG_FILE

# init VALUE: C_Initialize with ONECLAW_PKCS11_DEBUG=VALUE; its stderr in
# $T/err.
init() {
	ONECLAW_PKCS11_DEBUG=$1 mod_client init > "$T/out" 2> "$T/err" ||
		{ cat "$T/out" "$T/err" >&2; oc_fail "C_Initialize with DEBUG=$1"; }
	[ "$(cat "$T/out")" = CKR_OK ] || oc_fail "DEBUG=$1: $(cat "$T/out")"
}

for v in 1 yes true TRUE all none 0 no false p11 "conf, p11,mem" ""; do
	init "$v"
	[ -s "$T/err" ] && { cat "$T/err" >&2; oc_fail "DEBUG='$v' wrote to stderr"; }
done

# An unknown category: loads, one warning naming it, the rest applies.
: > "$log"
ONECLAW_PKCS11_DEBUG="p11,bogus,api" mod_client read app/x > "$T/out" 2> "$T/err" ||
	{ cat "$T/err" >&2; oc_fail "read with an unknown category"; }
cat "$T/err"
[ "$(cat "$T/out")" = x ] || oc_fail "read with an unknown category: $(cat "$T/out")"
[ "$(grep -c . "$T/err")" = 1 ] || oc_fail "not exactly one warning line"
grep -q "ONECLAW_PKCS11_DEBUG: ignoring unknown debug category bogus " "$T/err" ||
	oc_fail "the warning does not name bogus"
grep -q "^oneclaw\[[0-9]*\] api " "$log" || oc_fail "the known categories were not applied"
grep -q "^oneclaw\[[0-9]*\] http " "$log" && oc_fail "a category not asked for was applied"
# The same from the config file's debug key.
printf 'debug = zilch\n' > "$ONECLAW_PKCS11_CONF"
ONECLAW_PKCS11_DEBUG='' mod_client init > "$T/out" 2> "$T/err" ||
	oc_fail "C_Initialize with debug = zilch in the config"
[ "$(grep -c . "$T/err")" = 1 ] || { cat "$T/err" >&2; oc_fail "config: not one warning"; }
grep -q "debug: ignoring unknown debug category zilch " "$T/err" ||
	oc_fail "config: the warning does not name zilch"
: > "$ONECLAW_PKCS11_CONF"

# help: once, and the man page's categories.
init help
cat "$T/err"
[ "$(grep -c . "$T/err")" = 1 ] || oc_fail "help printed $(grep -c . "$T/err") lines"
help=$(sed -n 's/.*comma list of: *//p' "$T/err" | tr -s ', ' '\n\n' | sort | tr '\n' ' ')
man=$(sed -n '/^\.B ONECLAW_PKCS11_DEBUG$/,/^\.TP/{s/^\.BR conf /conf /p;}' \
	"$top_srcdir/doc/oneclaw-pkcs11.5" | tr -d '"' | tr -s ', ' '\n\n' | sort | tr '\n' ' ')
echo "help: $help"
echo "man:  $man"
[ -n "$help" ] && [ "$help" = "$man" ] || oc_fail "help and oneclaw-pkcs11(5) list other categories"

# PIN mode: a refused key, then an unreachable vault.
unset ONECLAW_API_KEY
: > "$log"
P11_CLIENT_PIN=1ck_wrongwrongwrongwrongwrongwrong mod_client read app/x 2> "$T/err" &&
	oc_fail "a wrong key was accepted"
grep -q CKR_PIN_INCORRECT "$T/err" || oc_fail "wrong key: $(cat "$T/err")"
grep "C_Login:" "$log"
grep -q "C_Login: CKR_PIN_INCORRECT: the vault refused the API key" "$log" ||
	oc_fail "a refusal is not logged as one"
url=$OC_URL
oc_stop_vaultd
: > "$log"
P11_CLIENT_PIN=$ADMIN_KEY mod_client read app/x 2> "$T/err" &&
	oc_fail "read with the vault stopped"
grep -q CKR_DEVICE_ERROR "$T/err" || oc_fail "vault stopped: $(cat "$T/err")"
grep "C_Login:" "$log"
grep -Fq "C_Login: CKR_DEVICE_ERROR: could not reach the vault at $url: " "$log" ||
	oc_fail "a network failure is not logged as one"
grep "C_Login:" "$log" | grep -q "refused the API key" &&
	oc_fail "a network failure is logged as a refusal"
exit 0
