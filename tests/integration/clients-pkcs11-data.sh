#!/bin/sh
# clients-pkcs11-data.sh - pkcs11-data (pkcs11-helper's data object tool)
# as the README's recipe uses it: --cmd=tokens gives the token's id,
# --cmd=list shows every secret as application "1claw" with its path as
# label, --cmd=export writes a secret's exact bytes, --cmd=import stores a
# file as a new secret (the application given is not kept: a vault
# secret's is always "1claw") and --cmd=remove deletes it.  pkcs11-data
# reads at most 102,400 bytes: a file of exactly that size round-trips, a
# longer one is cut to its first 102,400 bytes without an error (the
# README says to store such values with oneclaw-tool).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
. "$top_srcdir/tests/integration/keys-lib.sh"
. "$top_srcdir/tests/integration/clients-lib.sh"
oc_setup
keys_need
clients_need pkcs11-data "pkcs11-data"
oc_san_wrap pkcs11-data
clients_vault
# pd ARGS...: pkcs11-data on the module, output in $T/pd.out.
pd() {
	timeout 60 pkcs11-data --add-provider="$MODULE" "$@" \
		>"$T/pd.out" 2>"$T/pd.err" ||
		{ cat "$T/pd.out" "$T/pd.err" >&2; oc_fail "pkcs11-data $*"; }
}

echo "== the token and its objects"
pd --cmd=tokens
cat "$T/pd.out"
grep -q "label='clients'" "$T/pd.out" || oc_fail "token clients not listed"
tok=$(sed -n "s/.*label='clients', id='\(.*\)'\$/\1/p" "$T/pd.out")
[ -n "$tok" ] || oc_fail "no id for the token clients"
pd --cmd=list --token="$tok"
sort "$T/pd.out" > "$T/list"
cat "$T/list"
cat > "$T/want" <<'EOF'
A=1claw, L=app/api-token
A=1claw, L=client/ec.crt
A=1claw, L=client/ec.key
A=1claw, L=client/rsa.crt
A=1claw, L=client/rsa.key
EOF
cmp -s "$T/list" "$T/want" ||
	{ diff "$T/want" "$T/list" >&2; oc_fail "the objects listed"; }

echo "== export"
pd --cmd=export --token="$tok" --application=1claw --label=app/api-token \
	--file="$T/exported"
cmp -s "$T/exported" "$T/secret" || oc_fail "export: not the stored secret"
# Another application name finds nothing.
timeout 60 pkcs11-data --add-provider="$MODULE" --cmd=export --token="$tok" \
	--application=other --label=app/api-token >"$T/pd.out" 2>&1 &&
	oc_fail "exported under another application"

echo "== import, export, remove"
head -c 102400 /dev/urandom > "$T/limit"
pd --cmd=import --token="$tok" --application=myapp --label=app/imported \
	--file="$T/limit"
mod_get "$CLIENTS_VID" app/imported "$T/stored" >/dev/null ||
	oc_fail "the vault has no app/imported"
cmp -s "$T/stored" "$T/limit" || oc_fail "import: the vault holds other bytes"
pd --cmd=export --token="$tok" --application=1claw --label=app/imported \
	--file="$T/back"
cmp -s "$T/back" "$T/limit" || oc_fail "import: exported back other bytes"
pd --cmd=remove --token="$tok" --application=1claw --label=app/imported
st=$(mod_status "$CLIENTS_VID" app/imported)
[ "$st" = 404 ] || [ "$st" = 410 ] ||
	oc_fail "remove: app/imported is still in the vault: HTTP $st"

echo "== pkcs11-data's 102,400-byte limit"
head -c 102401 /dev/urandom > "$T/over"
pd --cmd=import --token="$tok" --application=1claw --label=app/over \
	--file="$T/over"
mod_get "$CLIENTS_VID" app/over "$T/stored" >/dev/null ||
	oc_fail "the vault has no app/over"
head -c 102400 "$T/over" > "$T/cut"
cmp -s "$T/stored" "$T/cut" ||
	oc_fail "a 102,401-byte import is not cut to 102,400 bytes (README)"
echo "clients-pkcs11-data ok"
