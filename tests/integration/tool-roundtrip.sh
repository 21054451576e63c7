#!/bin/sh
# oneclaw-tool end to end: keygen -> vault create -> cmek enable -> secret
# put -> get.  Only the fingerprint crosses the wire (never the key or a
# plaintext); the server stores base64 of a v1 blob; binary values, JSON
# output, the configured key, enable/disable and rm behave.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need curl base64 od sha256sum node
oc_start_vaultd --wire-log "$T/wire.raw"
tool_env

V=$(tool vault create tool-demo --description 'CLI round trip') || oc_fail "vault create"
[ -n "$V" ] || oc_fail "vault create printed no id"
tool vault list > "$T/vaults" || oc_fail "vault list"
grep -q "$V.*off.*tool-demo" "$T/vaults" || oc_fail "vault list: $(cat "$T/vaults")"
# By name as well as by id.
[ "$(tool --json vault get tool-demo | json_get id)" = "$V" ] || oc_fail "vault get by name"

K="$T/cmek.key"
tool keygen --out "$K" > "$T/fpr" || oc_fail "keygen"
oc_secret_key "$K"
FPR=$(cat "$T/fpr")
[ "$FPR" = "$(base64 -d < "$K" | sha256sum | cut -d' ' -f1)" ] || oc_fail "fingerprint != sha256sum"

tool cmek enable "$V" --key "$K" > "$T/out" 2> "$T/err" || oc_fail "cmek enable: $(cat "$T/err")"
tool --json vault get "$V" > "$T/v.json"
[ "$(json_get cmek_enabled < "$T/v.json")" = true ] || oc_fail "CMEK not on"
[ "$(json_get cmek_fingerprint < "$T/v.json")" = "$FPR" ] || oc_fail "vault fingerprint"
# Again with the same key: fine, nothing changes.
tool cmek enable "$V" --key "$K" > /dev/null 2>&1 || oc_fail "re-enable with the same key"

# put / get of a text value with non-ASCII characters.
VAL='tool-roundtrip-sk_live_51HxYz/+=?é-ünïcödé'
oc_secret "$VAL"
printf '%s' "$VAL" > "$T/val"
tool secret put "$V" app/db-password --type password --key "$K" < "$T/val" > "$T/out" ||
	oc_fail "secret put"
grep -q 'version 1 (CMEK-sealed)' "$T/out" || oc_fail "put output: $(cat "$T/out")"
n0=$(grep -acE '^(GET|PUT|POST|DELETE) /' "$T/wire.raw")
tool secret get "$V" app/db-password --key "$K" > "$T/got" || oc_fail "secret get"
# By vault id: the token exchange and the secret's GET, nothing else.
n1=$(grep -acE '^(GET|PUT|POST|DELETE) /' "$T/wire.raw")
[ $((n1 - n0)) -eq 2 ] || oc_fail "secret get by id: $((n1 - n0)) requests, not 2"
tool secret get tool-demo app/db-password --key "$K" | cmp -s - "$T/val" ||
	oc_fail "secret get by vault name"
cmp -s "$T/val" "$T/got" || oc_fail "get returned other bytes"

# What the server holds: base64 of 0x01 || IV || ct || tag.
oc_api GET "/v1/vaults/$V/secrets/app/db-password" > "$T/raw.json"
oc_expect_status 200
[ "$(json_get cmek_encrypted < "$T/raw.json")" = true ] || oc_fail "server: not cmek_encrypted"
[ "$(json_get type < "$T/raw.json")" = password ] || oc_fail "server: type"
json_get value < "$T/raw.json" | base64 -d > "$T/blob" || oc_fail "stored value is not base64"
[ "$(od -An -tx1 -N1 < "$T/blob" | tr -d ' ')" = 01 ] || oc_fail "blob version byte"
[ "$(wc -c < "$T/blob")" -eq $(($(wc -c < "$T/val") + 29)) ] || oc_fail "blob length"
grep -qF "$VAL" "$T/raw.json" && oc_fail "server holds the plaintext"

# The configured key (env) works without --key.
ONECLAW_CMEK_KEY_FILE=$K tool secret get "$V" app/db-password > "$T/got2" ||
	oc_fail "get with ONECLAW_CMEK_KEY_FILE"
cmp -s "$T/val" "$T/got2" || oc_fail "get with the configured key"
# A key on stdin.
tool secret get "$V" app/db-password --key - < "$K" > "$T/got3" || oc_fail "get --key -"
cmp -s "$T/val" "$T/got3" || oc_fail "get with a key on stdin"

# Binary value from a file, and --json output of get.
head -c 300 /dev/urandom > "$T/bin"
oc_secret "$(od -An -v -tx1 < "$T/bin" | tr -d ' \n')"
tool secret put "$V" app/blob --file "$T/bin" --key "$K" > /dev/null || oc_fail "put --file"
tool secret get "$V" app/blob --key "$K" > "$T/bin.got" || oc_fail "get binary"
cmp -s "$T/bin" "$T/bin.got" || oc_fail "binary value changed"
tool --json secret get "$V" app/db-password --key "$K" > "$T/get.json" || oc_fail "get --json"
[ "$(json_get value < "$T/get.json")" = "$VAL" ] || oc_fail "get --json value"
[ "$(json_get version < "$T/get.json")" = 1 ] || oc_fail "get --json version"

# A second version.
printf 'second-value-%s' "$(date +%s%N)" > "$T/val2"
oc_secret "$(cat "$T/val2")"
tool secret put "$V" app/db-password --key "$K" < "$T/val2" | grep -q 'version 2' ||
	oc_fail "second version"
tool secret get "$V" app/db-password --key "$K" | cmp -s - "$T/val2" || oc_fail "latest version"

# list (text and JSON), status.
tool secret list "$V" > "$T/list" || oc_fail "secret list"
grep -q 'app/blob' "$T/list" && grep -q 'app/db-password' "$T/list" || oc_fail "list: $(cat "$T/list")"
tool --json secret list "$V" --prefix app/b > "$T/list.json" || oc_fail "list --json"
node -e 'const a=JSON.parse(require("fs").readFileSync(process.argv[1]));
	if (a.length !== 1 || a[0].path !== "app/blob" || a[0].cmek_encrypted !== true) process.exit(1)' \
	"$T/list.json" || oc_fail "list --prefix --json: $(cat "$T/list.json")"
tool cmek status "$V" --key "$K" > "$T/status" || oc_fail "cmek status"
grep -q 'matches the vault' "$T/status" || oc_fail "status: $(cat "$T/status")"
grep -q '2 CMEK-sealed' "$T/status" || oc_fail "status counts: $(cat "$T/status")"

# Enable with another key is refused unless --force.
K2="$T/other.key"
tool keygen --out "$K2" > /dev/null || oc_fail "keygen 2"
oc_secret_key "$K2"
expect_exit 1 'already has CMEK on' tool cmek enable "$V" --key "$K2"
[ "$(tool --json vault get "$V" | json_get cmek_fingerprint)" = "$FPR" ] || oc_fail "refused enable changed the vault"
tool cmek enable "$V" --key "$K2" --force > /dev/null 2>&1 || oc_fail "enable --force"
tool cmek enable "$V" --key "$K" --force > /dev/null 2>&1 || oc_fail "enable --force back"

# rm, then the secret is gone.
tool secret rm "$V" app/blob > /dev/null || oc_fail "secret rm"
expect_exit 1 'app/blob.*not found|app/blob.*(HTTP 404|HTTP 410)' tool secret get "$V" app/blob --key "$K"

# Disable: sealed values stay sealed and still open with the key; new
# values are stored as given; --key on a vault without CMEK is refused.
tool cmek disable "$V" > /dev/null 2> "$T/err" || oc_fail "cmek disable"
[ "$(tool --json vault get "$V" | json_get cmek_enabled)" = false ] || oc_fail "still on"
tool secret get "$V" app/db-password --key "$K" | cmp -s - "$T/val2" || oc_fail "sealed value after disable"
printf 'plain-after-disable-1234' | tool secret put "$V" app/plain > /dev/null || oc_fail "plain put"
oc_secret plain-after-disable-1234
[ "$(tool secret get "$V" app/plain)" = plain-after-disable-1234 ] || oc_fail "plain get"
EXPECT_STDIN="$T/val"
expect_exit 1 'CMEK off' tool secret put "$V" app/x --key "$K"
EXPECT_STDIN=

# What crossed the wire: the fingerprint, never the key or a plaintext.
grep -qF "$FPR" "$T/wire.raw" || oc_fail "the wire log misses the fingerprint"
for s in "$(tr -d '\n' < "$K")" "$(base64 -d < "$K" | od -An -v -tx1 | tr -d ' \n')" \
	"$(tr -d '\n=' < "$K" | tr '+/' '-_')" "$VAL" "$(cat "$T/val2")"; do
	grep -qF -- "$s" "$T/wire.raw" && oc_fail "a key or plaintext crossed the wire"
done
echo "round trip ok"
