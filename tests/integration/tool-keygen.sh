#!/bin/sh
# oneclaw-tool keygen and fingerprint: a new 0600 file of standard base64,
# never overwritten; the fingerprint is sha256 of the raw 32 bytes in every
# accepted encoding; bad key files fail naming the file; loose permissions
# warn.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/tool-common.sh"
oc_setup
oc_need sha256sum base64 od stat

K="$T/k1.key"
tool keygen --out "$K" > "$T/fpr" || oc_fail "keygen"
oc_secret_key "$K"
[ "$(stat -c %a "$K")" = 600 ] || oc_fail "key file mode is $(stat -c %a "$K")"
b64=$(tr -d '\n' < "$K")
[ ${#b64} -eq 44 ] || oc_fail "key is not 44 base64 characters"
[ "$(base64 -d < "$K" | wc -c)" -eq 32 ] || oc_fail "key is not 32 bytes"
want=$(base64 -d < "$K" | sha256sum | cut -d' ' -f1)
[ "$(cat "$T/fpr")" = "$want" ] || oc_fail "keygen fingerprint != sha256sum"
[ "$(tool fingerprint "$K")" = "$want" ] || oc_fail "fingerprint FILE"
[ "$(tool fingerprint - < "$K")" = "$want" ] || oc_fail "fingerprint -"

# Never overwrites: the second keygen fails and the key is unchanged.
cp "$K" "$T/k1.copy"
expect_exit 1 "$K.*exist" tool keygen --out "$K"
cmp -s "$K" "$T/k1.copy" || oc_fail "keygen overwrote a key"
# Nor follows a symlink to a new name.
ln -s "$T/elsewhere" "$T/link.key"
expect_exit 1 "link.key" tool keygen --out "$T/link.key"
[ ! -e "$T/elsewhere" ] || oc_fail "keygen followed a symlink"

# The other encodings of the same key.
( umask 077
  base64 -d < "$K" > "$T/raw.key"
  base64 -d < "$K" | od -An -v -tx1 | tr -d ' \n' > "$T/hex.key"
  tr -d '\n=' < "$K" | tr '+/' '-_' > "$T/url.key"
  base64 -d < "$K" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F > "$T/HEX.key" )
for f in raw hex url HEX; do
	[ "$(tool fingerprint "$T/$f.key")" = "$want" ] || oc_fail "fingerprint of $f form"
done
CMEK_TEST_KEY=$b64 tool fingerprint env:CMEK_TEST_KEY > "$T/envfpr" || oc_fail "env:"
[ "$(cat "$T/envfpr")" = "$want" ] || oc_fail "fingerprint env:NAME"

# Known vector (1claw-api.md 5.7, V1).
printf '%s\n' AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= > "$T/v1.key"
chmod 600 "$T/v1.key"
[ "$(tool fingerprint "$T/v1.key")" = 630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd ] ||
	oc_fail "vector V1 fingerprint"

# JSON output.
tool --json keygen --out "$T/k2.key" > "$T/k2.json" || oc_fail "keygen --json"
oc_secret_key "$T/k2.key"
[ "$(json_get fingerprint < "$T/k2.json")" = "$(tool fingerprint "$T/k2.key")" ] ||
	oc_fail "keygen --json fingerprint"

# Without --out: the key on stdout (a pipe), fingerprint on stderr.
( umask 077 && tool keygen > "$T/k3.key" 2> "$T/k3.err" ) || oc_fail "keygen to stdout"
oc_secret_key "$T/k3.key"
grep -q "$(tool fingerprint "$T/k3.key")" "$T/k3.err" || oc_fail "keygen stdout fingerprint"

# Corrupted, truncated, empty, oversized, missing: exit 1 naming the file,
# never echoing the content.
( umask 077
  printf 'not a key at all, definitely not one\n' > "$T/bad.key"
  head -c 30 "$K" > "$T/short.key"
  : > "$T/empty.key"
  head -c 8192 /dev/zero | tr '\0' A > "$T/big.key" )
for f in bad short empty big missing; do
	expect_exit 1 "$f.key" tool fingerprint "$T/$f.key"
	grep -q 'definitely' "$T/err" && oc_fail "key content echoed"
done
expect_exit 1 'ONECLAW_NO_SUCH_VARIABLE' tool fingerprint env:ONECLAW_NO_SUCH_VARIABLE
printf 'garbage' > "$T/garbage"
EXPECT_STDIN="$T/garbage"
expect_exit 1 'stdin' tool fingerprint -
EXPECT_STDIN=

# Readable by others: refused, naming the file and the fix.  By its
# group (a service's group): a warning naming the file, and it works.
cp "$K" "$T/loose.key"
chmod 644 "$T/loose.key"
expect_exit 1 'loose.key is readable by others; refusing it \(chmod o-r ' \
	tool fingerprint "$T/loose.key"
chmod 640 "$T/loose.key"
tool fingerprint "$T/loose.key" > "$T/out" 2> "$T/err" || oc_fail "group-readable key refused"
[ "$(cat "$T/out")" = "$want" ] || oc_fail "group-readable key fingerprint"
grep -q "warning.*loose.key.*its group" "$T/err" || oc_fail "no warning for a group-readable key file"

echo "keygen/fingerprint ok"
