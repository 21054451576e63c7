#!/bin/sh
# module-read.sh - pkcs11-tool --read-object returns the exact bytes for
# UTF-8, binary, empty and 1 MiB values, and for paths with slashes and
# non-ASCII characters; what the module shows in the vendor attributes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/module-lib.sh"
oc_setup
oc_need pkcs11-tool node curl
mod_need
oc_start_vaultd

vid=$(oc_create_vault reads)
printf 'héllo wörld ✓ — ünïcödé' > "$T/utf8"
head -c 300 /dev/urandom > "$T/binary"
: > "$T/empty"
head -c 1048576 /dev/urandom > "$T/big"
printf 'line one\nline two\n' > "$T/lines"
printf 'sk_live_%s' "$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" > "$T/apikey"
oc_secret "$(cat "$T/apikey")"
mod_put "$vid" utf8 "$T/utf8"
mod_put "$vid" bin/ary "$T/binary"
mod_put "$vid" empty "$T/empty"
mod_put "$vid" big/one/mebibyte "$T/big"
mod_put "$vid" "dir with space/lines" "$T/lines"
mod_put "$vid" "ünï/cødé/ключ" "$T/utf8"
mod_put "$vid" a/b/c/d/e/api-key "$T/apikey" api_key
mod_env "$vid"

check() { # PATH FILE
	mod_tool --read-object --type data --label "$1" --output-file "$T/out" ||
		{ cat "$T/p11.out" >&2; oc_fail "--read-object $1"; }
	cmp "$T/out" "$2" || oc_fail "$1: the bytes differ"
	echo "ok: $1 ($(wc -c < "$2") bytes)"
}
check utf8 "$T/utf8"
check bin/ary "$T/binary"
check empty "$T/empty"
check big/one/mebibyte "$T/big"
check "dir with space/lines" "$T/lines"
check "ünï/cødé/ключ" "$T/utf8"
check a/b/c/d/e/api-key "$T/apikey"

# The same through the test client (its own find and buffer protocol).
mod_client read big/one/mebibyte > "$T/out" || oc_fail "p11-client read"
cmp "$T/out" "$T/big" || oc_fail "p11-client: the bytes differ"
mod_client protocol utf8 || oc_fail "the buffer-size protocol"
mod_client rv-read no/such/path > "$T/out"
[ "$(cat "$T/out")" = CKR_OBJECT_HANDLE_INVALID ] || oc_fail "a missing path: $(cat "$T/out")"

# Attributes as pkcs11-tool shows them (vendor ones by number).
mod_tool --list-objects --type data --label a/b/c/d/e/api-key ||
	oc_fail "--list-objects"
cat "$T/p11.out"
grep -q "application: *'1claw'" "$T/p11.out" || oc_fail "CKA_APPLICATION"
exit 0
