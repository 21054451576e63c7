#!/bin/sh
# contract-vault-list.sh - the hosted service's vault and secret lists hold
# what other clients, users and newer servers put there: a 4 KiB
# description, tabs and newlines, an upper-case fingerprint, members we do
# not know, null for every optional member, a 255-character name of
# multibyte UTF-8 (509 bytes), a newline in a name, and entries with no
# usable id.  A client reads liberally and rejects per entry: every vault
# with a usable id is a token once a session lists them (label: the name
# clipped to 32 bytes on a UTF-8 boundary, control characters as spaces,
# blank padded; the first stands behind the stand-in token "1claw"), the
# others are skipped and the debug log says so; `vault list` lists them;
# `secret get NAME PATH` finds a vault by name among them; a secret list
# with odd items (unknown members, nulls, long metadata, types outside
# our enum, fractional-second times) lists every item that has a path.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/contract/contract-lib.sh"
oc_setup
cf_need
cf_start --scenario odd-vaults
cf_env_user

ALPHA=$(cf_vault_id alpha)
VALUE="contract-vault-list-$(head -c 9 /dev/urandom | base64 | tr '+/' 'xy')"
cf_put_text "$ALPHA" app/db-password "$VALUE"

# What the list holds, as the hosted service sends it, and what a client
# should make of it.
cf_api GET /v1/vaults
[ "$CF_STATUS" = 200 ] || oc_fail "GET /v1/vaults: $CF_STATUS"
cp "$T/.body" "$T/vaults.json"
"$CF_PY" -c 'import json, sys
out_ids = open(sys.argv[2], "w")
out_labels = open(sys.argv[3], "wb")
first = True
for v in json.load(open(sys.argv[1]))["vaults"]:
    if not isinstance(v.get("id"), str) or not v["id"]:
        continue
    out_ids.write(v["id"] + "\n")
    b = "1claw".encode("utf-8") if first else v["name"].encode("utf-8")
    first = False
    n = min(32, len(b))
    while 0 < n < len(b) and (b[n] & 0xC0) == 0x80:
        n -= 1
    lab = bytes(0x20 if c < 0x20 or c == 0x7F else c for c in b[:n])
    out_labels.write(lab.ljust(32) + b"\n")
' "$T/vaults.json" "$T/want.ids" "$T/want.labels"
sort "$T/want.ids" -o "$T/want.ids"
sort "$T/want.labels" -o "$T/want.labels"
nwant=$(wc -l < "$T/want.ids")
echo "the list holds $("$CF_PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["vaults"]))' "$T/vaults.json") entries, $nwant with a usable id"

echo "== the module: one token per usable vault"
DBG="$OC_LOG_DIR/$(basename "$0").module.debug.log"
rm -f "$DBG"
if ONECLAW_PKCS11_DEBUG_FILE=$DBG cf_client session-slots > "$T/slots" 2> "$T/slots.err"; then
	cut -f2 "$T/slots" | sort > "$T/got.labels"
	if cmp -s "$T/want.labels" "$T/got.labels"; then
		cf_ok "$nwant tokens, labels as expected"
	else
		diff "$T/want.labels" "$T/got.labels" | cat -A | head -n 30 >&2
		cf_bad "token labels differ from the usable vaults' names"
	fi
else
	cf_bad "p11-client slots: $(cat "$T/slots.err")"
fi
if grep -qi 'skipped' "$DBG" 2>/dev/null; then
	cf_ok "the module's debug log names the skipped entries"
else
	cf_bad "the module's debug log does not say it skipped the entries without a usable id"
fi
if command -v pkcs11-tool >/dev/null 2>&1; then
	if pkcs11-tool --module "$MODULE" --list-slots > "$T/p11tool.out" 2>&1; then
		# Before a session: the stand-in alone, nothing asked.
		n=$(grep -c 'token label' "$T/p11tool.out")
		[ "$n" = 1 ] && cf_ok "pkcs11-tool --list-slots: the stand-in token" ||
			cf_bad "pkcs11-tool --list-slots shows $n tokens before a session, not 1"
	else
		cf_bad "pkcs11-tool --list-slots failed: $(tail -n 3 "$T/p11tool.out")"
	fi
fi

echo "== oneclaw-tool vault list"
if cf_tool --json vault list > "$T/vl.json" 2> "$T/vl.err"; then
	"$CF_PY" -c 'import json, sys
for v in json.load(open(sys.argv[1])):
    print(v["id"])' "$T/vl.json" | sort > "$T/got.ids"
	cmp -s "$T/want.ids" "$T/got.ids" && cf_ok "vault list: $nwant vaults" ||
		cf_bad "vault list: $(wc -l < "$T/got.ids") vaults listed, not the $nwant usable ones"
else
	cf_bad "vault list exited non-zero: $(cat "$T/vl.err")"
fi

echo "== oneclaw-tool secret get by vault name"
if cf_tool secret get alpha app/db-password > "$T/get.out" 2> "$T/get.err"; then
	[ "$(cat "$T/get.out")" = "$VALUE" ] && cf_ok "secret get alpha app/db-password" ||
		cf_bad "secret get alpha: wrong value"
else
	cf_bad "secret get alpha app/db-password: $(cat "$T/get.err")"
fi

echo "== a secret list with odd items"
# Every item with a path is an object; the three without one are not.
printf '%s\n' app/db-password odd/fractional-time odd/long-metadata \
	odd/nulls odd/type-env-bundle odd/type-note odd/unknown-members \
	> "$T/want.paths"
if ONECLAW_VAULT_ID=$ALPHA cf_client labels > "$T/labels" 2> "$T/labels.err"; then
	sort "$T/labels" > "$T/got.paths"
	cmp -s "$T/want.paths" "$T/got.paths" &&
		cf_ok "the module finds the $(wc -l < "$T/want.paths") secrets by their paths" ||
		cf_bad "module objects: $(tr '\n' ' ' < "$T/got.paths"), want $(tr '\n' ' ' < "$T/want.paths")"
else
	cf_bad "p11-client labels on vault alpha: $(cat "$T/labels.err")"
fi
if cf_tool --json secret list "$ALPHA" > "$T/sl.json" 2> "$T/sl.err"; then
	"$CF_PY" -c 'import json, sys
for s in json.load(open(sys.argv[1])):
    print(s["path"])' "$T/sl.json" | sort > "$T/got.tpaths"
	cmp -s "$T/want.paths" "$T/got.tpaths" && cf_ok "secret list: the same paths" ||
		cf_bad "secret list: $(tr '\n' ' ' < "$T/got.tpaths")"
else
	cf_bad "secret list $ALPHA: $(cat "$T/sl.err")"
fi

echo "== CMEK turned on, answered with an upper-case fingerprint"
BETA=$(cf_vault_id beta)
cf_ctl upper-fingerprint '{"on":true}'
cf_tool keygen --out "$T/cmek.key" > /dev/null || oc_fail "keygen"
oc_secret_key "$T/cmek.key"
if cf_tool cmek enable "$BETA" --key "$T/cmek.key" > "$T/en.out" 2> "$T/en.err"; then
	cf_ok "cmek enable accepts the upper-case echo"
else
	cf_bad "cmek enable (upper-case answer): $(cat "$T/en.err")"
fi
[ "$(cf_state 's["cmek"][a[0]] or ""' "$BETA")" = "$(cf_tool fingerprint "$T/cmek.key")" ] ||
	cf_bad "the vault does not record the key's fingerprint"
cf_end
