#!/bin/sh
# module-pin.sh - PIN mode: with no credential configured the token needs
# a login and the user PIN is the API key.  Before login a stand-in token
# "1claw" answers C_GetSlotList without any network I/O and shows no
# object; after `--login --pin KEY` the vaults' secrets read back exactly;
# a wrong key fails cleanly with CKR_PIN_INCORRECT.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool node curl
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault pinned)
printf 'pin-mode-%s' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/v"
oc_secret "$(cat "$T/v")"
mod_put "$vid" app/secret "$T/v"
mod_put_text "$vid" app/other "other"

ONECLAW_API_URL=$OC_URL
export ONECLAW_API_URL
unset ONECLAW_API_KEY ONECLAW_VAULT_ID

# Before login: one stand-in slot, login required, no network.
: > "$T/wire.log"
mod_tool --list-slots || { cat "$T/p11.out" >&2; oc_fail "--list-slots"; }
cat "$T/p11.out"
grep -q "token label *: 1claw *\$" "$T/p11.out" || oc_fail "no stand-in token"
grep -q "login required" "$T/p11.out" || oc_fail "login not required"
[ -s "$T/wire.log" ] && oc_fail "slot listing before login talked to the server"
mod_tool --list-objects --type data || oc_fail "--list-objects before login"
grep -q "^Data object" "$T/p11.out" && oc_fail "objects visible before login"

# The API key as PIN.
mod_tool --login --pin "$ADMIN_KEY" --list-objects --type data ||
	{ cat "$T/p11.out" >&2; oc_fail "--login --list-objects"; }
cat "$T/p11.out"
grep -q "label: *'app/secret'" "$T/p11.out" || oc_fail "app/secret not listed after login"
grep -q "private" "$T/p11.out" || oc_fail "objects are not private in PIN mode"
mod_tool --login --pin "$ADMIN_KEY" --read-object --type data --label app/secret \
	--output-file "$T/out" || { cat "$T/p11.out" >&2; oc_fail "--read-object"; }
cmp -s "$T/out" "$T/v" || oc_fail "the value read after login differs"

# A wrong key: a clean CKR_PIN_INCORRECT, nothing read.
mod_tool --login --pin "1ck_wrongwrongwrongwrongwrongwrong" --read-object \
	--type data --label app/secret --output-file "$T/out2" &&
	oc_fail "a wrong PIN was accepted"
cat "$T/p11.out"
grep -q "CKR_PIN_INCORRECT" "$T/p11.out" || oc_fail "not CKR_PIN_INCORRECT"
[ -s "$T/out2" ] && oc_fail "a value was written with a wrong PIN"

# The same through the test client, and a configured vault id: the slot is
# that vault (named after it once logged in).
P11_CLIENT_PIN=$ADMIN_KEY mod_client read app/secret > "$T/out" ||
	oc_fail "p11-client with a PIN"
cmp -s "$T/out" "$T/v" || oc_fail "p11-client: value differs"
P11_CLIENT_PIN=wrong mod_client read app/secret 2> "$T/err" && oc_fail "wrong PIN"
grep -q CKR_PIN_INCORRECT "$T/err" || oc_fail "p11-client: $(cat "$T/err")"
ONECLAW_VAULT_ID=$vid
export ONECLAW_VAULT_ID
: > "$T/wire.log"
mod_client slots > "$T/slots" || oc_fail "slots with a configured vault"
cat "$T/slots"
[ -s "$T/wire.log" ] && oc_fail "slot listing before login talked to the server"
P11_CLIENT_PIN=$ADMIN_KEY mod_client read app/other > "$T/out" || oc_fail "read app/other"
[ "$(cat "$T/out")" = other ] || oc_fail "app/other differs"
exit 0
