#!/bin/sh
# module-p11tool.sh - GnuTLS p11tool through the module: --list-all shows
# every secret as a data object with its pkcs11: URI, and --export of a
# data object by URI (%2F for '/') gives the exact bytes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need p11tool node curl base64
mod_need
oc_start_vaultd

vid=$(oc_create_vault tools)
printf 'p11tool-%s' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v1"
oc_secret "$(cat "$T/v1")"
head -c 200 /dev/urandom > "$T/v2"
mod_put "$vid" db/password "$T/v1"
mod_put "$vid" "certs/blob one" "$T/v2"
mod_env "$vid" tools

p11tool --provider "$MODULE" --list-tokens > "$T/tokens" 2>&1 ||
	{ cat "$T/tokens" >&2; oc_fail "--list-tokens"; }
grep -q "Label: tools" "$T/tokens" || oc_fail "the token is not listed"
p11tool --provider "$MODULE" --list-all "pkcs11:token=tools" > "$T/all" 2>&1 ||
	{ cat "$T/all" >&2; oc_fail "--list-all"; }
cat "$T/all"
grep -q "object=db%2Fpassword;type=data" "$T/all" || oc_fail "no URI for db/password"
grep -q "Label: certs/blob one" "$T/all" || oc_fail "certs/blob one not listed"
[ "$(grep -c "Type: Data" "$T/all")" -eq 2 ] || oc_fail "not two data objects"

p11tool --provider "$MODULE" --export --outder \
	"pkcs11:token=tools;object=db%2Fpassword;type=data" > "$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; oc_fail "--export db/password"; }
cmp -s "$T/out" "$T/v1" || oc_fail "--export db/password: the bytes differ"
p11tool --provider "$MODULE" --export --outder \
	"pkcs11:token=tools;object=certs%2Fblob%20one;type=data" > "$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; oc_fail "--export certs/blob one"; }
cmp -s "$T/out" "$T/v2" || oc_fail "--export certs/blob one: the bytes differ"
# PEM armour by default: the same bytes inside.
p11tool --provider "$MODULE" --export \
	"pkcs11:token=tools;object=db%2Fpassword;type=data" > "$T/pem" 2>/dev/null ||
	oc_fail "--export (PEM)"
sed -n '/BEGIN/,/END/p' "$T/pem" | sed '1d;$d' | base64 -d > "$T/out"
cmp -s "$T/out" "$T/v1" || oc_fail "--export PEM: the bytes differ"
exit 0
