#!/bin/sh
# module-write.sh - storing secrets through the module: pkcs11-tool
# --write-object (text and binary) stores the exact bytes;
# C_SetAttributeValue(CKA_VALUE) makes a new version; C_CopyObject puts a
# copy at a new path; C_DestroyObject / --delete-object deletes.  Into a
# CMEK vault the value is sealed inside the module: the server marks it
# cmek_encrypted with the key's fingerprint and oneclaw-tool opens it with
# the key.  Read-only mode and R/O sessions refuse, and send nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool node curl
mod_need
oc_start_vaultd --wire-log "$T/wire.log"

vid=$(oc_create_vault writes)
mod_env "$vid"
printf 'written-%s ünï' "$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/w1"
oc_secret "$(cat "$T/w1")"
head -c 500 /dev/urandom > "$T/w2"

for n in 1 2; do
	mod_tool --write-object "$T/w$n" --type data --label "app/w$n" ||
		{ cat "$T/p11.out" >&2; oc_fail "--write-object w$n"; }
	mod_get "$vid" "app/w$n" "$T/got" > "$T/meta" || oc_fail "the server has no app/w$n"
	cmp -s "$T/got" "$T/w$n" || oc_fail "app/w$n: the server holds other bytes"
	grep -q "cmek_encrypted=false" "$T/meta" || oc_fail "app/w$n marked CMEK"
	mod_tool --read-object --type data --label "app/w$n" --output-file "$T/r" ||
		oc_fail "--read-object app/w$n"
	cmp -s "$T/r" "$T/w$n" || oc_fail "app/w$n read back differs"
done

# A new version.
printf 'second version' > "$T/w3"
mod_client set app/w1 "$T/w3" || oc_fail "C_SetAttributeValue"
mod_get "$vid" app/w1 "$T/got" > "$T/meta" || oc_fail "GET app/w1"
cmp -s "$T/got" "$T/w3" || oc_fail "the new version holds other bytes"
grep -q "version=2" "$T/meta" || oc_fail "not version 2: $(cat "$T/meta")"

# A copy, then deletes.
mod_client copy app/w2 app/w2-copy || oc_fail "C_CopyObject"
mod_get "$vid" app/w2-copy "$T/got" > /dev/null || oc_fail "no copy on the server"
cmp -s "$T/got" "$T/w2" || oc_fail "the copy holds other bytes"
mod_client destroy app/w2-copy || oc_fail "C_DestroyObject"
st=$(mod_status "$vid" app/w2-copy)
[ "$st" = 404 ] || [ "$st" = 410 ] || oc_fail "app/w2-copy still there: $st"
mod_tool --delete-object --type data --label app/w2 || oc_fail "--delete-object"
st=$(mod_status "$vid" app/w2)
[ "$st" = 404 ] || [ "$st" = 410 ] || oc_fail "app/w2 still there: $st"
mod_client rv-read app/w2 > "$T/out"
[ "$(cat "$T/out")" = CKR_OBJECT_HANDLE_INVALID ] || oc_fail "deleted: $(cat "$T/out")"

# Refusals send nothing.
: > "$T/wire.log"
P11_CLIENT_RO=1 mod_client write app/ro "$T/w1" 2> "$T/err" && oc_fail "a R/O session wrote"
grep -q CKR_SESSION_READ_ONLY "$T/err" || oc_fail "R/O session: $(cat "$T/err")"
( umask 077 && echo "read_only = true" > "$T/ro.conf" )
ONECLAW_PKCS11_CONF="$T/ro.conf" mod_tool --write-object "$T/w1" --type data --label app/ro &&
	oc_fail "a write in read-only mode"
grep -q CKR_TOKEN_WRITE_PROTECTED "$T/p11.out" || oc_fail "read-only: $(cat "$T/p11.out")"
grep -qE "^(PUT|POST|DELETE) " "$T/wire.log" && oc_fail "a refused write reached the server"

# A CMEK vault: sealed in the module, opened outside it by oneclaw-tool.
[ -x "$TOOL" ] || oc_skip "oneclaw-tool not built (plain writes passed)"
oc_keygen "$T/cmek.key"
cvid=$(oc_create_vault sealed)
$OC_WRAP "$TOOL" -q --url "$OC_URL" cmek enable "$cvid" --key "$T/cmek.key" > /dev/null ||
	oc_fail "cmek enable"
fp=$($OC_WRAP "$TOOL" -q fingerprint "$T/cmek.key")
mod_env "$cvid"
ONECLAW_CMEK_KEY_FILE="$T/cmek.key"
export ONECLAW_CMEK_KEY_FILE
mod_tool --write-object "$T/w1" --type data --label app/sealed ||
	{ cat "$T/p11.out" >&2; oc_fail "--write-object into a CMEK vault"; }
mod_get "$cvid" app/sealed "$T/blob" > "$T/meta" || oc_fail "GET app/sealed"
grep -q "cmek_encrypted=true" "$T/meta" || oc_fail "not marked cmek_encrypted"
grep -q "\"cmek_fingerprint\":\"$fp\"" "$T/.get.json" || oc_fail "not the key's fingerprint"
$OC_WRAP "$TOOL" -q --url "$OC_URL" secret get "$cvid" app/sealed --key "$T/cmek.key" > "$T/opened" ||
	oc_fail "oneclaw-tool cannot open the sealed value"
cmp -s "$T/opened" "$T/w1" || oc_fail "the sealed value opens to other bytes"
grep -aF "$(cat "$T/w1")" "$T/wire.log" > /dev/null && oc_fail "the plaintext crossed the wire"
exit 0
