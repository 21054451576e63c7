#!/bin/sh
# module-label.sh - a token's label and serial are decided before any login
# and never change: the configured vault name (`name` in a [vault ID]
# section, ONECLAW_VAULT_NAME) labels the token from the start, so
# pkcs11:token=NAME finds it in credential and PIN mode alike, before
# login too; without a name the label is the vault id.  pkcs11:serial=
# names a token stably; names that clip to the same 32-byte label (on a
# UTF-8 boundary) get a warning, their serials stay distinct.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool p11tool node curl sha256sum
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault "label vault")
printf 'label-%s' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v"
oc_secret "$(cat "$T/v")"
mod_put "$vid" app/secret "$T/v"
URI_OBJ="object=app%2Fsecret;type=data"

# export URI: the secret's bytes through p11tool, compared.
export_cmp() {
	rm -f "$T/out"
	p11tool --provider "$MODULE" --export --outder "$1" > "$T/out" 2> "$T/err" ||
		oc_fail "p11tool --export $1: $(cat "$T/err")"
	cmp -s "$T/out" "$T/v" || oc_fail "p11tool --export $1: the bytes differ"
}

echo "== credential mode: token=NAME and serial=SERIAL"
mod_env "$vid" "label vault"
export_cmp "pkcs11:token=label%20vault;$URI_OBJ"
export_cmp "pkcs11:serial=$(mod_serial "$vid");$URI_OBJ"
mod_env "$vid"
mod_client slots > "$T/slots" || oc_fail "slots: $(cat "$T/slots")"
label=$(printf '%s' "$vid" | cut -c1-32)
grep -q "	$label *\$" "$T/slots" || oc_fail "unnamed: the label is not the vault id"
export_cmp "pkcs11:serial=$(mod_serial "$vid");$URI_OBJ"

echo "== PIN mode: the same label before login, no request"
unset ONECLAW_API_KEY
ONECLAW_VAULT_NAME="label vault"
export ONECLAW_VAULT_NAME
: > "$T/wire.log"
p11tool --provider "$MODULE" --list-tokens > "$T/tokens" 2>&1 ||
	oc_fail "p11tool --list-tokens: $(cat "$T/tokens")"
cat "$T/tokens"
grep -q "Label: label vault" "$T/tokens" || oc_fail "PIN mode: not labelled before login"
grep -q "Serial: $(mod_serial "$vid")" "$T/tokens" || oc_fail "PIN mode: serial"
[ -s "$T/wire.log" ] && oc_fail "PIN mode: requests before login"
# p11tool picks the token by the URI, then logs in: the label must be the
# name before login for the URI to match at all.
GNUTLS_PIN=$ADMIN_KEY p11tool --provider "$MODULE" --login --list-all \
	"pkcs11:token=label%20vault" > "$T/all" 2>&1 ||
	oc_fail "PIN mode: --login --list-all token=NAME: $(cat "$T/all")"
grep -q "token=label%20vault;.*object=app%2Fsecret" "$T/all" ||
	{ cat "$T/all" >&2; oc_fail "PIN mode: the secret is not under token=NAME after login"; }
GNUTLS_PIN=$ADMIN_KEY p11tool --provider "$MODULE" --login --list-all \
	"pkcs11:token=nope" > "$T/all" 2>&1
grep -q "object=app%2Fsecret" "$T/all" && oc_fail "PIN mode: token=nope matched"

echo "== names in the config file; two that clip to one label"
b=$(oc_create_vault b)
c=$(oc_create_vault c)
long=$(printf 'ä%.0s' $(seq 1 20))
cat > "$ONECLAW_PKCS11_CONF" <<EOC
api_url = $OC_URL
vaults = $b, $c
[vault $b]
name = ${long}b
[vault $c]
name = ${long}c
EOC
mod_env
unset ONECLAW_API_URL
mod_client slots > "$T/slots" 2> "$T/err" || oc_fail "slots: $(cat "$T/slots" "$T/err")"
cat "$T/slots" "$T/err"
clipped=$(printf 'ä%.0s' $(seq 1 16))
[ "$(grep -c "	$clipped\$" "$T/slots")" -eq 2 ] || oc_fail "not clipped on a UTF-8 boundary"
grep -q 'slots 0 and 1 have the same token label' "$T/err" || oc_fail "no warning of one label"
grep -q 'same token serial' "$T/err" && oc_fail "two vaults with one serial"

echo "== misconfigured names"
: > "$ONECLAW_PKCS11_CONF"
ONECLAW_API_URL=$OC_URL
ONECLAW_VAULT_NAME=orphan
export ONECLAW_API_URL ONECLAW_VAULT_NAME
mod_client slots > "$T/out" 2>&1 && oc_fail "ONECLAW_VAULT_NAME without ONECLAW_VAULT_ID accepted"
grep -q "ONECLAW_VAULT_NAME: set without ONECLAW_VAULT_ID" "$T/out" || oc_fail "message: $(cat "$T/out")"
unset ONECLAW_VAULT_NAME
printf 'name = global\n' > "$ONECLAW_PKCS11_CONF"
mod_client slots > "$T/out" 2>&1 && oc_fail "name outside a section accepted"
grep -q "name: only in a \[vault ID\] section" "$T/out" || oc_fail "message: $(cat "$T/out")"
exit 0
