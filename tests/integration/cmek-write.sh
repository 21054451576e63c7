#!/bin/sh
# cmek-write.sh - writes through the module into a CMEK vault are sealed
# inside the module: `pkcs11-tool --write-object --type data` stores a value
# the server marks cmek_encrypted, with the key's fingerprint, that opens
# with the key outside the module (WebCrypto) to the exact file; the same
# through pkcs11js (C_CreateObject, C_SetAttributeValue, an application's
# own sealed blob, C_DestroyObject).  Without a key, or with a key whose
# fingerprint is not the vault's, the write is refused and nothing reaches
# the server (no such secret, no PUT in vaultd's wire log).  Control: the
# same write into a vault without CMEK stores the plaintext.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/cmek-lib.sh"
oc_setup
oc_need pkcs11-tool
cmek_need_node
cmek_need_module
oc_start_vaultd --wire-log "$T/wire.log"

oc_keygen "$T/cmek.key"
vid=$(cmek_vault write-cmek "$T/cmek.key") || exit 1
cmek_module_env "$vid" "$T/cmek.key"

p11tool() {
	pkcs11-tool --module "$MODULE" "$@" >"$T/p11.out" 2>&1
}

# pkcs11-tool, a text and a binary value.
cmek_plain "$T/w1" written-
head -c 300 /dev/urandom > "$T/w2"
oc_secret "$(od -An -v -tx1 < "$T/w2" | tr -d ' \n')"
for n in 1 2; do
	p11tool --write-object "$T/w$n" --type data --label "app/written-$n" ||
		{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --write-object w$n"; }
	cmek_check_secret "$vid" "app/written-$n" "$T/cmek.key" "$T/w$n"
	# What the module shows is the blob; it opens to the file.
	p11tool --read-object --type data --label "app/written-$n" \
		--output-file "$T/r$n" ||
		{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool --read-object w$n"; }
	cmek_tool open "$T/cmek.key" < "$T/r$n" > "$T/o$n" ||
		oc_fail "the blob read back does not open"
	cmp -s "$T/o$n" "$T/w$n" || oc_fail "read back of w$n differs"
done
grep -q "PUT /v1/vaults/$vid/secrets/app/written-1" "$T/wire.log" ||
	oc_fail "the wire log does not show the module's PUT"

# pkcs11js: create, update, pre-sealed, destroy.
cmek_node cmek-write.js --module "$MODULE" --url "$OC_URL" \
	--bearer-file "$ADMIN_KEY_FILE" --vault "$vid" --mode cmek \
	--key "$T/cmek.key" --prefix app/node --plain-out "$T/nodept"
for f in "$T"/nodept.*; do oc_secret "$(cat "$f")"; done

# No key configured: refused, nothing sent.
cmek_module_env "$vid"
cmek_plain "$T/w3" nokey-
if p11tool --write-object "$T/w3" --type data --label app/nokey; then
	oc_fail "pkcs11-tool wrote into a CMEK vault without a key"
fi
echo "without a key pkcs11-tool said: $(tail -n 2 "$T/p11.out" | tr '\n' ' ')"
oc_api GET "/v1/vaults/$vid/secrets/app/nokey" >/dev/null
oc_expect_status 404
cmek_node cmek-write.js --module "$MODULE" --url "$OC_URL" \
	--bearer-file "$ADMIN_KEY_FILE" --vault "$vid" --mode refuse \
	--prefix app/nokey-node --plain-out "$T/refused1"
oc_secret "$(cat "$T/refused1.1")"

# A key that is not the vault's: never used to write.
oc_keygen "$T/other.key"
cmek_module_env "$vid" "$T/other.key"
cmek_plain "$T/w4" mismatch-
if p11tool --write-object "$T/w4" --type data --label app/mismatch; then
	oc_fail "pkcs11-tool wrote with a key whose fingerprint is not the vault's"
fi
oc_api GET "/v1/vaults/$vid/secrets/app/mismatch" >/dev/null
oc_expect_status 404
cmek_node cmek-write.js --module "$MODULE" --url "$OC_URL" \
	--bearer-file "$ADMIN_KEY_FILE" --vault "$vid" --mode refuse \
	--prefix app/mismatch-node --plain-out "$T/refused2"
oc_secret "$(cat "$T/refused2.1")"

if grep -E "(PUT|POST) [^ ]*/secrets/app/(nokey|mismatch)" "$T/wire.log"; then
	oc_fail "a refused write reached the server"
fi
cmek_tool wire-scan --log "$T/wire.log" --plain "$T/w3" --plain "$T/w4" \
	--plain "$T/refused1.1" --plain "$T/refused2.1" ||
	oc_fail "a refused plaintext reached the server"

# Control: a vault without CMEK takes the same write as plaintext.
pvid=$(oc_create_vault write-plain)
[ -n "$pvid" ] || oc_fail "create vault write-plain"
cmek_module_env "$pvid"
cmek_plain "$T/w5" plain-
p11tool --write-object "$T/w5" --type data --label app/plain ||
	{ cat "$T/p11.out" >&2; oc_fail "pkcs11-tool write into a plain vault"; }
cmek_tool check-plain --url "$OC_URL" --bearer-file "$ADMIN_KEY_FILE" \
	--vault "$pvid" --path app/plain --expect "$T/w5" ||
	oc_fail "plain vault write"
