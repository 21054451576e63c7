#!/bin/sh
# tool-terminal.sh - terminal injection through oneclaw-tool's output.
# Whoever can name a secret or a vault (any writer of the vault, or the
# server) chooses the bytes the tool prints for people: a UTF-8 C1
# control (U+0080-U+009F; U+009B is a CSI, as ESC [ is) or a bidi
# override (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C) would
# reach the terminal and rewrite what it shows.  They must be replaced,
# like the C0 controls, while other UTF-8 stays intact; --json stays
# exact JSON (escaped, the same strings once parsed).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/attack/attack-lib.sh"
oc_setup
oc_need node curl od
atk_need
oc_start_vaultd

# The code points, as JSON escapes (the request bodies stay ASCII).
BAD='\u0085 \u009b \u202a \u202b \u202c \u202d \u202e \u2066 \u2067 \u2068 \u2069 \u200e \u200f \u061c'
# Their UTF-8 forms as od -An -tx1 prints them.
BAD_HEX='c2 85|c2 9b|e2 80 aa|e2 80 ab|e2 80 ac|e2 80 ad|e2 80 ae|e2 81 a6|e2 81 a7|e2 81 a8|e2 81 a9|e2 80 8e|e2 80 8f|d8 9c'

oc_api POST /v1/vaults '{"name":"pay\u009b2J\u202eroll\u2066"}' > "$T/vault.json"
oc_expect_status 201
vid=$(oc_json_field id < "$T/vault.json")
[ -n "$vid" ] || oc_fail "no vault id"

n=0
for cp in $BAD; do
	n=$((n + 1))
	p=$(node -e 'process.stdout.write(encodeURIComponent(JSON.parse("\"" + process.argv[1] + "\"")))' \
		"app/k$n-$cp-x")
	oc_api PUT "/v1/vaults/$vid/secrets/$p" '{"value":"v","type":"generic"}' >/dev/null
	oc_expect_status 201
done
# A path in another script stays as it is.
oc_api PUT "/v1/vaults/$vid/secrets/$(node -e 'process.stdout.write(encodeURIComponent("app/ünï-日本"))')" \
	'{"value":"v","type":"generic"}' >/dev/null
oc_expect_status 201

BROKEN=0
# clean WHAT FILE: FILE holds none of the bytes above.
clean() {
	od -An -v -tx1 "$2" | tr -s ' \n' '  ' > "$T/hex"
	if grep -Eq "$BAD_HEX" "$T/hex"; then
		echo "attack $1: C1 or bidi bytes reach the terminal (BROKEN)"
		od -c "$2" | head -20
		BROKEN=$((BROKEN + 1))
	else
		echo "attack $1: replaced (held)"
	fi
}

tool() { atk_tool "$@"; }

tool secret list "$vid" > "$T/list.out" 2>&1 || oc_fail "secret list"
clean "secret list" "$T/list.out"
grep -q 'app/ünï-日本' "$T/list.out" || {
	echo "attack secret list: other UTF-8 altered (BROKEN)"
	BROKEN=$((BROKEN + 1))
}
[ "$(grep -c '^1 ' "$T/list.out")" -eq $((n + 1)) ] || {
	cat "$T/list.out"
	echo "attack secret list: secrets missing from the list (BROKEN)"
	BROKEN=$((BROKEN + 1))
}
tool vault get "$vid" > "$T/vget.out" 2>&1 || oc_fail "vault get"
clean "vault get" "$T/vget.out"
tool vault list > "$T/vlist.out" 2>&1 || oc_fail "vault list"
clean "vault list" "$T/vlist.out"
# The tool's own messages echo names too: a path argument that is not one.
tool secret get "$vid" "$(printf 'app/k2-\302\2332J-\377x')" > "$T/get.out" 2>&1
clean "secret get of an absent path (message)" "$T/get.out"
grep -q "$(printf '\377')" "$T/get.out" && {
	echo "attack secret get: a malformed UTF-8 byte reaches the terminal (BROKEN)"
	BROKEN=$((BROKEN + 1))
}

# --json: exact, and escaped rather than raw.
tool --json secret list "$vid" > "$T/list.json" || oc_fail "secret list --json"
tool --json vault get "$vid" > "$T/vget.json" || oc_fail "vault get --json"
clean "secret list --json" "$T/list.json"
clean "vault get --json" "$T/vget.json"
node -e '
const fs = require("fs");
const want = JSON.parse("\"" + process.argv[3] + "\"").split(" ");
const list = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const paths = new Set(list.map((s) => s.path));
let bad = 0;
want.forEach((cp, i) => {
	if (!paths.has(`app/k${i + 1}-${cp}-x`)) bad++;
});
if (!paths.has("app/ünï-日本")) bad++;
const v = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (v.name !== "pay\u009b2J\u202eroll\u2066") bad++;
process.exit(bad ? 1 : 0);' "$T/list.json" "$T/vget.json" "$BAD" &&
	echo "attack --json: exact strings once parsed (held)" || {
	echo "attack --json: the strings changed (BROKEN)"
	BROKEN=$((BROKEN + 1))
}

[ "$BROKEN" -eq 0 ] || oc_fail "$BROKEN attack(s) broke through"
exit 0
